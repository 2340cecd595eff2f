"""Cached figures that stay right: each family of figures has a generation, renewed whenever the
data behind it changes, and a figure is cached under its generation. A change makes every cached
figure of the family unreachable at once, in every process sharing the cache (Redis in
production); nothing is ever read from a generation older than the last committed change."""

import hashlib
import uuid

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.db import transaction


class Generation:
    """``changed`` is a signal receiver (``post_save``, ``post_delete``) or a plain call;
    ``remember(parts, compute)`` returns the figure cached for ``parts`` in this generation, or
    computes and caches it. ``seconds`` bounds how long a figure lives even if a change were
    missed: a safety net, not the way figures are renewed."""

    def __init__(self, name, seconds):
        self.name, self.seconds = name, seconds
        self.key = f"generation:{name}"

    def changed(self, **kwargs):
        def renew():
            cache.set(self.key, uuid.uuid4().hex, None)

        renew()  # at once, for this transaction's own reads
        transaction.on_commit(renew)  # and again once committed, so no reader caches the old as new

    def current(self):
        generation = cache.get(self.key)
        if generation is None:
            cache.add(self.key, uuid.uuid4().hex, None)
            generation = cache.get(self.key)
        return generation

    def remember(self, parts, compute):
        digest = hashlib.sha256(repr(parts).encode()).hexdigest()
        key = f"{self.name}:{self.current()}:{digest}"
        found = cache.get(key)
        if found is None:
            found = compute()
            cache.set(key, found, self.seconds)
        return found


@checks.register(checks.Tags.caches)
def check_shared_cache(app_configs=None, **kwargs):
    """Outside the demo, cached figures need one cache shared by every process: with Django's
    in-process cache, a change seen by one process would not renew another's figures."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.DEBUG or not backend.endswith("LocMemCache"):
        return []
    return [
        checks.Warning(
            "The cache is in-process (CACHE_URL is not set): with several web or worker processes, "
            "cached figures (due returns, review counts, the register's counts) can lag behind changes "
            "made in another process for a few minutes.",
            hint="Set CACHE_URL to a cache every process shares, e.g. redis://redis:6379/1 (docker-compose sets it).",
            id="common.W001",
        )
    ]
