"""Filters on financial years and quarters for the API's list endpoints, written once."""

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from toms.periods import Quarter, parse_financial_year


class FinancialYearField(forms.CharField):
    """'2025/26' or its start year '2025'."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        try:
            return parse_financial_year(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class QuarterField(forms.CharField):
    """A whole quarter: '2025/26 Q1'."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        try:
            return Quarter.parse(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


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
            raise forms.ValidationError(
                f"'{value}' is not a quarter; write it like 2025/26 Q1, or 1 to 4."
            ) from None


@extend_schema_field(OpenApiTypes.STR)
class FinancialYearFilter(filters.Filter):
    field_class = FinancialYearField


@extend_schema_field(OpenApiTypes.STR)
class QuarterFilter(filters.Filter):
    field_class = QuarterField


@extend_schema_field(OpenApiTypes.STR)
class QuarterOrNumberFilter(filters.Filter):
    field_class = QuarterOrNumberField
