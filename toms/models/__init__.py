"""Models of the toms app: the framework catalogue, and quarterly returns against it."""

from toms.models.framework import Measure, MeasureQuerySet, Outcome, ProxyValue, Theme, ValueKind
from toms.models.returns import CaseStudy, Evidence, ReminderKind, Return, ReturnLine, ReturnReminder, ReturnStatus

__all__ = [
    "CaseStudy",
    "Evidence",
    "Measure",
    "MeasureQuerySet",
    "Outcome",
    "ProxyValue",
    "ReminderKind",
    "Return",
    "ReturnLine",
    "ReturnReminder",
    "ReturnStatus",
    "Theme",
    "ValueKind",
]
