"""What every API endpoint shares: authentication, and one shape for every error.

A 400 is ``{"detail", "errors"}``: ``detail`` says every problem in one sentence, and each error
names the line (1-based, or null), the measure code (or null), the field and the message. Other
refusals are ``{"detail"}``.
"""

from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings

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


def flatten_errors(errors, data, *, list_field="lines", code_key="measure"):
    """DRF's nested ``serializer.errors`` as a flat list of {line, measure, field, message}.

    Errors of items in ``list_field`` name their 1-based line and the measure code sent there.
    """
    out = []
    data = data if isinstance(data, dict) else {}
    for field, value in errors.items():
        if field == list_field and isinstance(value, dict) and all(isinstance(k, int) for k in value):
            items = data.get(list_field) if isinstance(data.get(list_field), list) else []
            for index, item_errors in sorted(value.items()):
                item = items[index] if index < len(items) and isinstance(items[index], dict) else {}
                code = str(item.get(code_key) or "").strip().upper() or "?"
                for item_field, messages in item_errors.items():
                    for message in messages:
                        out.append(_line_error(index + 1, code, item_field, message))
        elif isinstance(value, dict):  # a list field's own errors, e.g. {"non_field_errors": [...]}
            for messages in value.values():
                for message in messages if isinstance(messages, list) else [messages]:
                    out.append(_line_error(None, None, field, message))
        else:
            for message in value if isinstance(value, list) else [value]:
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
