"""Models of the toms app: the framework catalogue (themes, outcomes, measures, proxy values)."""

from toms.models.framework import Measure, MeasureQuerySet, Outcome, ProxyValue, Theme, ValueKind

__all__ = ["Measure", "MeasureQuerySet", "Outcome", "ProxyValue", "Theme", "ValueKind"]
