"""Social value in £: quantity × the measure's proxy value for the return's financial year,
computed in the database. Always a proxy estimate, shown beside the quantity and its source."""

from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Subquery
from django.db.models.functions import Round

from toms.models import ProxyValue

MONEY = DecimalField(max_digits=24, decimal_places=2)


def proxy_value_for_line():
    """The £-per-unit for a ReturnLine row's measure in its return's financial year."""
    return Subquery(
        ProxyValue.objects.filter(measure=OuterRef("measure_id"), financial_year=OuterRef("return_obj__year")).values(
            "value"
        )[:1],
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def proxy_source_for_line():
    return Subquery(
        ProxyValue.objects.filter(measure=OuterRef("measure_id"), financial_year=OuterRef("return_obj__year")).values(
            "source"
        )[:1]
    )


def with_value(lines):
    """Annotate ReturnLines with ``proxy_value``, ``proxy_source`` and ``social_value`` (None
    where the measure has no proxy value for that year: never £0)."""
    return lines.annotate(
        proxy_value=proxy_value_for_line(),
        proxy_source=proxy_source_for_line(),
    ).annotate(
        # Rounded to the penny in the database (half away from zero), line by line.
        social_value=ExpressionWrapper(Round(F("quantity") * F("proxy_value"), 2), output_field=MONEY)
    )
