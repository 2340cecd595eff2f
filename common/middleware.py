"""Refuse a null character (U+0000) anywhere people can type, before any view sees it.

No text the portal stores or looks up may hold one: PostgreSQL refuses it in every text column
and query (a crash, not a message), and no person types one. Rather than guard every field,
query parameter and code one by one, this middleware answers 400 with a message for a null
character in the path, a query parameter's name or value, a form's field (multipart forms
included: their files may hold null bytes and are not looked at, and Django drops unprintable
characters from file names), or a JSON or text body. Other bodies (a spreadsheet sent as the
body) are not read here.
"""

import re

from django.http import JsonResponse
from django.shortcuts import render

NULL = "\x00"
# In JSON a null character is written \u0000 (after an even number of other backslashes).
_JSON_NULL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_FORM_NULL = re.compile(rb"%00")

MESSAGE = "{where} contains a null character, which the portal does not accept. Remove it and try again."


def _null_in_body(request):
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return False
    content_type = (request.content_type or "").lower()
    if content_type.startswith("multipart/"):
        try:  # parsed as CsrfViewMiddleware would, with the upload handlers from settings
            fields = request.POST
        except Exception:  # a malformed body is the view's to refuse, as before
            return False
        return any(NULL in name or any(NULL in v for v in values) for name, values in fields.lists())
    is_form = content_type == "application/x-www-form-urlencoded"
    is_json = content_type == "application/json" or content_type.endswith("+json")
    if not (is_form or is_json or content_type.startswith("text/")):
        return False  # files (multipart, spreadsheets) may hold null bytes; never read them here
    body = request.body  # read once and kept, so views and DRF still read it afterwards
    if b"\x00" in body:
        return True
    if is_form:
        return bool(_FORM_NULL.search(body))
    return is_json and bool(_JSON_NULL.search(body))


def null_character_problem(request):
    """Where the request has a null character, as a phrase for a message; or None."""
    if NULL in request.path_info:
        return "The address"
    for name, values in request.GET.lists():
        if NULL in name or any(NULL in value for value in values):
            return f"The query parameter '{name.replace(NULL, '')[:40]}'"
    if _null_in_body(request):
        return "The form" if (request.content_type or "").startswith("multipart/") else "The request body"
    return None


class RefuseNullCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = null_character_problem(request)
        if where is None:
            return self.get_response(request)
        message = MESSAGE.format(where=where)
        if request.path_info.startswith("/api/"):
            field = "query" if where.startswith("The query") else "body" if where.endswith("body") else "path"
            error = {"line": None, "measure": None, "field": field, "message": message}
            return JsonResponse({"detail": message, "errors": [error]}, status=400)
        return render(request, "400.html", {"message": message}, status=400)
