"""What every API endpoint shares: authentication, and one shape for every error.

A 400 is ``{"detail", "errors"}``: ``detail`` says every problem in one sentence, and each error
names the line (1-based, or null), the measure code (or null), the field and the message. Other
refusals are ``{"detail"}``.
"""

import logging

from django.db import DataError
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

# As in settings: the token first (anonymous → 401), refusing expired tokens (charter.tokens), then the session.
API_AUTHENTICATION = api_settings.DEFAULT_AUTHENTICATION_CLASSES

# --- errors: one shape for every 400, shared with the contracts API ------------------------


class LineErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        allow_null=True, help_text="1-based position in the request's list of lines; null when not about a line."
    )
    measure = serializers.CharField(allow_null=True, help_text="The measure code as sent, or null.")
    field = serializers.CharField(help_text="The field at fault: measure, quantity, narrative, revision…")
    message = serializers.CharField()


class ValidationErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Every problem in one sentence.")
    errors = LineErrorSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    revision = serializers.IntegerField(help_text="The return's current revision; fetch it again before retrying.")


def error_response(http_status, detail, errors=None, **extra):
    body = {"detail": detail}
    if errors is not None or http_status == status.HTTP_400_BAD_REQUEST:
        body["errors"] = list(errors or [])
    body.update(extra)
    return Response(body, status=http_status)


def _line_error(line, measure, field, message):
    return {"line": line, "measure": measure, "field": field, "message": str(message)}


def _messages(value):
    """Every message in a DRF error structure (a message, a list or a dict of them, nested)."""
    if isinstance(value, dict):
        for inner in value.values():
            yield from _messages(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from _messages(inner)
    elif value:
        yield value


def _per_item(value):
    """A list field's errors as [(index, item errors)], or None when they are the field's own.

    DRF gives a list of serializers' errors as a list with one entry per item ({} when the item
    is fine), and a ListField's as a dict keyed by index."""
    if isinstance(value, dict) and value and all(isinstance(k, int) for k in value):
        return sorted(value.items())
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        return [(index, item) for index, item in enumerate(value) if item]
    return None


def flatten_errors(errors, data, *, list_field="lines", code_key="measure"):
    """DRF's nested ``serializer.errors`` as a flat list of {line, measure, field, message}.

    Errors of items in ``list_field`` name their 1-based line and the measure code sent there.
    Any shape DRF gives (an item that is not an object, nested lists) is flattened, never refused.
    """
    out = []
    if not isinstance(errors, dict):
        errors = {"non_field_errors": errors}
    data = data if isinstance(data, dict) else {}
    for field, value in errors.items():
        per_item = _per_item(value) if field == list_field else None
        if per_item is not None:
            items = data.get(list_field) if isinstance(data.get(list_field), list) else []
            for index, item_errors in per_item:
                item = items[index] if index < len(items) and isinstance(items[index], dict) else {}
                code = str(item.get(code_key) or "").strip().upper()[:20] or "?"
                if isinstance(item_errors, dict):
                    for item_field, messages in item_errors.items():
                        for message in _messages(messages):
                            out.append(_line_error(index + 1, code, item_field, message))
                else:  # the item itself is wrong, e.g. null instead of an object
                    for message in _messages(item_errors):
                        out.append(_line_error(index + 1, code, "non_field_errors", message))
        else:
            for message in _messages(value):
                out.append(_line_error(None, None, field, message))
    return out


def describe(errors):
    parts = []
    for e in errors:
        if e["line"] is not None:
            parts.append(f"Line {e['line']} ({e['measure']}): {e['message']}")
        elif e["field"] == "non_field_errors":
            parts.append(e["message"])
        else:
            parts.append(f"{e['field']}: {e['message']}")
    return "; ".join(parts)


def invalid_request(serializer, list_field="lines"):
    errors = flatten_errors(serializer.errors, serializer.initial_data, list_field=list_field)
    return error_response(status.HTTP_400_BAD_REQUEST, describe(errors), errors)


def filter_error_response(exc):
    """django-filter's refusal of a query parameter, in the shape of every other 400."""
    errors = flatten_errors(exc.detail if isinstance(exc.detail, dict) else {"query": exc.detail}, {})
    return error_response(status.HTTP_400_BAD_REQUEST, describe(errors), errors)


def validation_error_response(exc):
    errors = [_line_error(e.line, e.measure, e.field, e.message) for e in exc.errors]
    return error_response(status.HTTP_400_BAD_REQUEST, describe(errors), errors)


class FilterErrorsMixin:
    """Answer a list request with an invalid filter value in the shape of every other 400."""

    def list(self, request, *args, **kwargs):
        try:
            return super().list(request, *args, **kwargs)
        except serializers.ValidationError as exc:
            return filter_error_response(exc)


# --- every refusal DRF raises itself, in the same shapes -----------------------------------

UNREADABLE_BODY = (
    "The request body could not be read ({reason}). Send a JSON object like the examples in the API "
    "documentation, with Content-Type: application/json."
)
UNSTORABLE = (
    "A value in the request is too large, or has characters that cannot be stored. "
    "Check the numbers, ids and text sent, then try again."
)


def exception_handler(exc, context):
    """DRF's handler, with every 400 in the documented shape ``{"detail", "errors"}``: a body
    that is not valid JSON (ParseError), a ValidationError raised outside our views' own
    checks, and, as a last guard, a value the database cannot hold (DataError) instead of a 500."""
    response = drf_exception_handler(exc, context)
    if response is None:
        if isinstance(exc, DataError):
            logger.warning("API request refused: the database could not hold a value: %s", exc)
            set_rollback()
            errors = [_line_error(None, None, "request", UNSTORABLE)]
            return error_response(status.HTTP_400_BAD_REQUEST, UNSTORABLE, errors)
        return None
    if response.status_code != status.HTTP_400_BAD_REQUEST:
        return response
    if isinstance(exc, exceptions.ParseError):
        reason = str(exc.detail).removeprefix("JSON parse error - ").strip() or "it is malformed"
        message = UNREADABLE_BODY.format(reason=reason)
        errors = [_line_error(None, None, "body", message)]
    elif isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail, {})
        message = describe(errors)
    else:
        message = str(getattr(exc, "detail", "")) or "The request is not valid."
        errors = [_line_error(None, None, "request", message)]
    return error_response(status.HTTP_400_BAD_REQUEST, message, errors)


# --- refusals every operation shares, documented on each (a drf-spectacular postprocessing hook) ---

_DETAIL_ONLY = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
SHARED_REFUSALS = {
    "path": ("404", "There is no such object, or it is not one you can see."),
    "page": ("404", "There is no such page of results (pages start at 1)."),
    "query": ("400", "A query parameter is not valid (each error names it)."),
    "body": ("415", "The request body is not JSON (send Content-Type: application/json)."),
}


def document_shared_refusals(result, generator, request, public):
    """Document on every operation the refusals made for all of them alike: 404 for an id or a
    page that is not there, 400 for a query parameter that is not valid (a filter's value, a null
    character), 415 for a body that is not JSON. Responses a view documents itself are kept."""
    schemas = result["components"]["schemas"]
    error = {"$ref": "#/components/schemas/Error"} if "Error" in schemas else _DETAIL_ONLY
    invalid = {"$ref": "#/components/schemas/ValidationError"} if "ValidationError" in schemas else error
    for item in result["paths"].values():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            parameters = operation.get("parameters", [])
            reasons = []
            if any(p.get("in") == "path" for p in parameters):
                reasons.append("path")
            if any(p.get("in") == "query" and p.get("name") == "page" for p in parameters):
                reasons.append("page")
            if any(p.get("in") == "query" for p in parameters):
                reasons.append("query")
            if "requestBody" in operation:
                reasons.append("body")
            for reason in reasons:
                code, description = SHARED_REFUSALS[reason]
                body = invalid if code == "400" else error
                operation["responses"].setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": body}}}
                )
    return result


class DecimalStringSchema(OpenApiSerializerFieldExtension):
    """A decimal sent as a string, as DRF reads it. drf-spectacular's pattern
    (``^-?\\d{0,12}(?:\\.\\d{0,2})?$``) also matches "", "-" and ".", which DRF refuses ("A valid
    number is required."), and offers a minus sign where the field's least value is 0."""

    target_class = "rest_framework.fields.DecimalField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        field = self.target
        if schema.get("format") == "decimal" and "pattern" in schema and field.max_whole_digits:
            sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
            whole, places = field.max_whole_digits, field.decimal_places
            schema["pattern"] = rf"^{sign}(?:\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"
        return schema
