"""Models of the toms app: the framework catalogue (themes, outcomes, measures, proxy values)."""

from toms.models.framework import (
    COMBINATION_FOR_KIND,
    FTE_PRO_RATA_HELP,
    Adjustment,
    Combination,
    Measure,
    MeasureQuerySet,
    Outcome,
    ProxyValue,
    Theme,
    ValueKind,
)

__all__ = [
    "COMBINATION_FOR_KIND",
    "FTE_PRO_RATA_HELP",
    "Adjustment",
    "Combination",
    "Measure",
    "MeasureQuerySet",
    "Outcome",
    "ProxyValue",
    "Theme",
    "ValueKind",
]
