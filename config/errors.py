"""Error pages: under /api/ the answer is JSON, as every other API answer is."""

from django.http import JsonResponse
from django.views import defaults

API_NOT_FOUND = "There is nothing at this address in the API. Check the path and the id against the API documentation."


def page_not_found(request, exception):
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": API_NOT_FOUND}, status=404)
    return defaults.page_not_found(request, exception)
