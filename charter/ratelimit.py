"""The client's address, and a fixed-window rate limit over Django's cache for public forms.

django-ratelimit refuses both the local-memory cache of the embedded demo and Django's own
Redis cache, so this small counter (atomic add + incr on either backend) does the job.
"""

import ipaddress
import time

from django.conf import settings
from django.core.cache import cache


def client_ip(request):
    """The address the request came from, or None if it cannot be told.

    With ``TRUSTED_PROXY_COUNT`` = 0 (the default) the portal faces its clients and this is the
    connection's address; the ``X-Forwarded-For`` header is ignored, since anyone can send it.
    Behind N proxies that each append the address they saw to ``X-Forwarded-For``, the client is
    the N-th address from the right: what the outermost trusted proxy saw. Anything further left
    was written by the client and is not trusted. A request that did not pass all N proxies (a
    header too short, or not an address) is known by its connection's address.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= count:
            try:
                return str(ipaddress.ip_address(forwarded[-count]))
            except ValueError:
                pass
    return remote


def client_address(request):
    return client_ip(request) or "unknown"


def allow(scope, key, *, limit, period=3600):
    """Count one hit; False once ``limit`` hits were counted in the current window."""
    window = int(time.time() // period)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    cache.add(cache_key, 0, timeout=period + 60)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=period + 60)
        count = 1
    return count <= limit
