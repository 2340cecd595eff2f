"""The portal's own address, for links in e-mails.

While a request is being served the links use the address it came in on (its host has passed
ALLOWED_HOSTS, its scheme honours SECURE_PROXY_SSL_HEADER); scheduled work, which has no request,
uses SITE_URL (``make demo`` sets it from HOST and PORT).
"""

from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import DisallowedHost

_current_request = ContextVar("site_url_request", default=None)


def site_url():
    """The portal's address with no trailing slash, e.g. ``https://socialvalue.example.nhs.uk``."""
    request = _current_request.get()
    if request is not None:
        try:
            return request.build_absolute_uri("/").rstrip("/")
        except DisallowedHost:
            pass
    return settings.SITE_URL


class SiteURLMiddleware:
    """Makes the request being served known to site_url()."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)
