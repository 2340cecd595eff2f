"""The demo's own error page: `make demo` runs with DEBUG on, where Django answers a missing page
with its technical page; with DEMO on too, visitors get the portal's 404 instead. Installed only
when DEBUG and DEMO are both on (config/settings.py); production's 404 never passes through it."""

from django.http import Http404
from django.views.defaults import page_not_found


class PortalNotFoundMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # No URL matched (CommonMiddleware, inside this one, has already tried adding a slash).
        if response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            return page_not_found(request, Http404())
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None
