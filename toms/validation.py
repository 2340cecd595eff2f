"""The rules for a return's figures, the same for the web form, the spreadsheet and the API.

Each function raises or returns messages that name the measure, so that every channel can say
which line is wrong and why.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from toms.models import ValueKind

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
# The largest quantity that makes sense in one quarter, by unit; beyond it is a typing slip.
UNIT_LIMITS = {
    "FTE": Decimal("10000"),
    "employees": Decimal("1000000"),
    "hours": Decimal("5000000"),
    "weeks": Decimal("1000000"),
    "£": Decimal("10000000000"),
    "tCO2e": Decimal("10000000"),
    "tonnes": Decimal("10000000"),
    "miles": Decimal("1000000000"),
    "%": Decimal("100"),
}
DEFAULT_LIMIT = Decimal("1000000000")
# A quantity this many times the organisation's previous highest is flagged for the reviewer.
UNUSUAL_FACTOR = Decimal("3")


class QuantityError(ValueError):
    """A quantity that cannot be accepted; str() is the message for people."""


@dataclass(frozen=True)
class LineError:
    line: int  # 1-based position in the return, or the spreadsheet row
    measure: str  # the measure code, or what was typed
    field: str
    message: str

    def __str__(self):
        return f"Line {self.line} ({self.measure}): {self.message}"


def parse_quantity(measure, raw):
    """Turn what someone typed for ``measure`` into a Decimal, or raise QuantityError."""
    text = str(raw if raw is not None else "").strip()
    if text == "":
        raise QuantityError(f"Enter a quantity in {measure.unit}.")
    if measure.value_kind == ValueKind.YES_NO:
        lowered = text.lower()
        if lowered in YES:
            return Decimal(1)
        if lowered in NO:
            return Decimal(0)
        raise QuantityError("Answer yes or no.")
    cleaned = text.replace(",", "").replace("£", "").replace("%", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise QuantityError(f"'{text}' is not a number; enter a quantity in {measure.unit}.") from None
    if not value.is_finite():
        raise QuantityError(f"'{text}' is not a number; enter a quantity in {measure.unit}.")
    if value < 0:
        raise QuantityError("A quantity cannot be negative.")
    if value.as_tuple().exponent < -4:
        raise QuantityError("Give at most 4 decimal places.")
    if measure.value_kind == ValueKind.MONEY and value.as_tuple().exponent < -2:
        raise QuantityError("Give pounds and pence, at most 2 decimal places.")
    if measure.value_kind == ValueKind.PERCENTAGE and value > 100:
        raise QuantityError("A percentage must be between 0 and 100.")
    limit = UNIT_LIMITS.get(measure.unit, DEFAULT_LIMIT)
    if value > limit:
        raise QuantityError(
            f"{value:,} {measure.unit} in one quarter is more than the {limit:,} allowed; check the figure."
        )
    return value.normalize() if value == value.to_integral() else value


def period_problems(quarter, contract, *, today=None):
    """Why a return cannot be made for this quarter (and contract), as a list of messages."""
    today = today or dt.date.today()
    problems = []
    if quarter.start > today:
        problems.append(f"{quarter} has not started yet; returns are for quarters that have begun.")
    if contract is not None and not contract.is_live_in(quarter):
        problems.append(
            f"Contract {contract.reference} runs {contract.start_date:%d %b %Y} to {contract.end_date:%d %b %Y}, "
            f"so it is not live in {quarter}."
        )
    return problems


def unusual_flag(measure, quantity, *, previous_highest=None, committed=None):
    """Why a plausible value deserves a second look, or ''. Such values are accepted."""
    reasons = []
    if previous_highest and previous_highest > 0 and quantity > previous_highest * UNUSUAL_FACTOR:
        reasons.append(
            f"more than {UNUSUAL_FACTOR} times this organisation's highest earlier quarter ({previous_highest:,} {measure.unit})"
        )
    if committed and committed > 0 and quantity > committed and measure.value_kind != ValueKind.PERCENTAGE:
        reasons.append(f"more than the whole commitment on the contract ({committed:,} {measure.unit})")
    return "; ".join(reasons).capitalize()


def format_quantity(measure, quantity):
    if quantity is None:
        return ""
    if measure.value_kind == ValueKind.YES_NO:
        return "yes" if quantity else "no"
    return f"{quantity.normalize():f}" if quantity == quantity.to_integral() else f"{quantity:f}".rstrip("0")
