"""Quantities for the TOM measures: reading what people type (on a form, in a spreadsheet, through
the API) into a Decimal in the measure's unit, and writing it back the way the portal shows it."""

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

class QuantityError(ValueError):
    """A quantity that cannot be accepted; str() is the message for people."""


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


def format_quantity(measure, quantity):
    if quantity is None:
        return ""
    if measure.value_kind == ValueKind.YES_NO:
        return "yes" if quantity else "no"
    return f"{quantity.normalize():f}" if quantity == quantity.to_integral() else f"{quantity:f}".rstrip("0")
