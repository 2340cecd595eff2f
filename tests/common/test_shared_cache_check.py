"""Outside the demo, the portal warns when its cache is not shared by every process."""

from common.generations import check_shared_cache

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://r:6379/1"}}


def test_an_in_process_cache_in_production_is_warned_about(settings):
    settings.DEBUG, settings.CACHES = False, LOCMEM
    (warning,) = check_shared_cache()
    assert warning.id == "common.W001" and "CACHE_URL" in warning.hint


def test_no_warning_for_the_demo_or_a_shared_cache(settings):
    settings.DEBUG, settings.CACHES = True, LOCMEM
    assert check_shared_cache() == []
    settings.DEBUG, settings.CACHES = False, REDIS
    assert check_shared_cache() == []
