"""Filters for the API's list endpoints, written once: financial years, quarters and ids.

Their messages quote what was sent. django-filter formats every message with ``%`` (even one
without parameters), so a message is never the format string itself: ``refuse`` passes it as a
parameter, and a ``%`` typed in a query parameter cannot break it.
"""

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from toms.periods import Quarter, parse_financial_year, shown

# The largest id a BigAutoField holds (and any id column we filter on).
MAX_ID = 2**63 - 1


def refuse(message):
    """A ValidationError whose message is shown as written, whatever characters it quotes."""
    return forms.ValidationError("%(message)s", params={"message": message})


class FinancialYearField(forms.CharField):
    """'2025/26' or its start year '2025'."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        try:
            return parse_financial_year(value)
        except ValueError as exc:
            raise refuse(str(exc)) from None


class QuarterField(forms.CharField):
    """A whole quarter: '2025/26 Q1'."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        try:
            return Quarter.parse(value)
        except ValueError as exc:
            raise refuse(str(exc)) from None


class QuarterOrNumberField(forms.CharField):
    """'2025/26 Q1' (a whole quarter) or 1–4 / 'Q1' (a quarter number, in any year)."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        text = value.strip().upper().removeprefix("Q")
        if text in {"1", "2", "3", "4"}:
            return int(text)
        try:
            return Quarter.parse(value)
        except ValueError:
            raise refuse(f"'{shown(value)}' is not a quarter; write it like 2025/26 Q1, or 1 to 4.") from None


class IdField(forms.CharField):
    """A row's id: a whole number from 1 to what the id column holds."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        text = value.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 19 and 1 <= int(text) <= MAX_ID):
            raise refuse(f"'{shown(value)}' is not an id; give a whole number like 42.")
        return int(text)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.Filter):
    """Rows whose id (or foreign key) is the one given; 400 for anything but an id."""

    field_class = IdField


@extend_schema_field(OpenApiTypes.STR)
class FinancialYearFilter(filters.Filter):
    field_class = FinancialYearField


@extend_schema_field(OpenApiTypes.STR)
class QuarterFilter(filters.Filter):
    field_class = QuarterField


@extend_schema_field(OpenApiTypes.STR)
class QuarterOrNumberFilter(filters.Filter):
    field_class = QuarterOrNumberField
