"""A fixed-window rate limit over Django's cache, for public forms.

django-ratelimit refuses both the local-memory cache of the embedded demo and Django's own
Redis cache, so this small counter (atomic add + incr on either backend) does the job.
"""

import time

from django.core.cache import cache


def client_address(request):
    return request.META.get("REMOTE_ADDR", "unknown")


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
