"""Quantities for the TOM measures: reading what people type (on a form, in a spreadsheet, through
the API) into a Decimal in the measure's unit, and writing it back the way the portal shows it.

One reader (``read_decimal``) serves every channel and every figure: return lines, contract
targets and proxy values. It accepts only what cannot be misread: the ASCII digits 0 to 9, one
full stop for decimals, commas between groups of three digits, a £ sign on an amount in pounds
and a % sign on a percentage. Anything else is refused with a message that says what to type;
Python's ``Decimal()`` alone would take "1_000", "١٢" or "1e3", and stripping commas would turn
"0,5" into 5.
"""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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
# How much of what was typed a message repeats: enough to recognise it, never a whole paste.
SHOWN_CHARACTERS = 40
# Float noise from "paste values" (5055.000000000001): a value this close to one with the
# allowed decimal places is that value. Larger values carry proportionally larger noise (a
# spreadsheet number has about 15 significant digits), hence the relative part.
NOISE_ABSOLUTE = Decimal("1e-9")
NOISE_RELATIVE = Decimal("1e-14")

INVISIBLE = {
    "\u00a0": "non-breaking space",
    "\u00ad": "soft hyphen",
    "\u2007": "figure space",
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u200e": "left-to-right mark",
    "\u200f": "right-to-left mark",
    "\u202f": "narrow non-breaking space",
    "\u2060": "word joiner",
    "\ufeff": "byte order mark (BOM)",
}

NUMBER = re.compile(r"(?P<whole>\d*)(?:\.(?P<fraction>\d*))?", re.ASCII)
THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+", re.ASCII)
CURRENCY_PREFIX = re.compile(r"(?i)(£|gbp)\s*")
CURRENCY_SUFFIX = re.compile(r"(?i)\s*gbp")
UNIT_WORD = re.compile(r"(?P<number>.*?\d\.?)\s*(?P<word>[A-Za-z][A-Za-z0-9/ ]*)")
# Words after a number that name a unit: the measure's own is accepted, another is refused.
UNIT_WORDS = {unit.lower() for unit in UNIT_LIMITS if unit not in ("£", "%")} | {
    "employee", "hour", "week", "tonne", "mile", "percent", "per cent", "pounds", "pound",
}  # fmt: skip


class QuantityError(ValueError):
    """A quantity that cannot be accepted; str() is the message for people. ``code`` is
    "not_a_number" when nothing in it reads as a number, so a form may word that its own way."""

    def __init__(self, message, code=""):
        super().__init__(message)
        self.code = code


def shown(text, limit=SHOWN_CHARACTERS):
    """``text`` as a message may quote it: at most ``limit`` characters, invisible ones spelled out."""
    text = str(text)
    cut = text[:limit]
    out = "".join(
        ch if ch == " " or (ch not in INVISIBLE and unicodedata.category(ch)[0] not in "CZ") else f"\\u{ord(ch):04x}"
        for ch in cut
    )
    return out + ("…" if len(text) > limit else "")


def odd_character(text):
    """A description of the first character in ``text`` that is not plain visible ASCII, or ''."""
    for ch in text:
        if ch in INVISIBLE:
            return f"an invisible character, a {INVISIBLE[ch]} (U+{ord(ch):04X})"
        category = unicodedata.category(ch)
        if category[0] in "CZ" and ch != " ":
            return f"an invisible character (U+{ord(ch):04X})"
        if ord(ch) > 127:
            name = unicodedata.name(ch, f"U+{ord(ch):04X}").lower()
            return f"the character '{ch}' ({name}, not a plain letter or digit)"
    return ""


def _places(value_kind):
    return 2 if value_kind == ValueKind.MONEY else 4


def _places_message(value_kind):
    if value_kind == ValueKind.MONEY:
        return "Give pounds and pence, at most 2 decimal places."
    return "Give at most 4 decimal places."


def _expected(value_kind, unit):
    """What the measure is in, for messages: 'this measure is in FTE'."""
    if value_kind == ValueKind.MONEY:
        return "this measure is an amount in pounds (£)"
    if value_kind == ValueKind.PERCENTAGE:
        return "this measure is a percentage"
    return f"this measure is in {unit}"


def _give(value_kind, unit):
    if value_kind == ValueKind.MONEY:
        return "give the amount in pounds, like 1,250.50"
    if value_kind == ValueKind.PERCENTAGE:
        return "give a percentage from 0 to 100, like 45"
    return f"give the number of {unit}, like 12.5"


def _as_text(raw):
    """What was given, as text. Numbers from JSON or a spreadsheet keep every digit they hold."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return repr(raw)
        return f"{Decimal(repr(raw)):f}"  # repr is the shortest text that is this float
    if isinstance(raw, Decimal):
        return f"{raw:f}" if raw.is_finite() else str(raw)
    return str(raw)


def _own_words(value_kind, unit):
    if value_kind == ValueKind.MONEY:
        return {"pounds", "pound"}
    if value_kind == ValueKind.PERCENTAGE:
        return {"percent", "per cent"}
    return {unit.lower(), unit.lower().removesuffix("s")}


def _strip_signs(text, value_kind, unit, what):
    """The number part of ``text`` once a £, %, GBP or unit word is taken off, checking that
    the sign fits the measure's unit; and whether it had a minus sign."""
    body = text
    negative = False
    if body[:1] in "-\u2212":
        negative, body = True, body[1:].lstrip()
    currency = CURRENCY_PREFIX.match(body)
    if currency:
        body = body[currency.end() :]
        if body[:1] in "-\u2212":
            negative, body = True, body[1:].lstrip()
    else:
        suffix = CURRENCY_SUFFIX.search(body)
        if suffix and suffix.end() == len(body) and body[: suffix.start()][-1:].isdigit():
            currency, body = suffix, body[: suffix.start()]
    percent = body.endswith("%")
    if percent:
        body = body[:-1].rstrip()
    if currency and value_kind not in (ValueKind.MONEY, None):
        raise QuantityError(
            f"'{shown(text)}' is an amount in pounds, but {_expected(value_kind, unit)}; {_give(value_kind, unit)}."
        )
    if percent and value_kind not in (ValueKind.PERCENTAGE, None):
        raise QuantityError(
            f"'{shown(text)}' is a percentage, but {_expected(value_kind, unit)}; {_give(value_kind, unit)}."
        )
    if currency and percent:
        raise QuantityError(f"'{shown(text)}' is not a number; {what}.", "not_a_number")
    words = UNIT_WORD.fullmatch(body)
    if words and not currency and not percent and value_kind is not None:
        word = words["word"].strip().lower()
        if word in _own_words(value_kind, unit):
            body = words["number"].rstrip()
        elif word in UNIT_WORDS:
            raise QuantityError(
                f"'{shown(text)}' is in {words['word'].strip()}, but {_expected(value_kind, unit)}; "
                f"{_give(value_kind, unit)}."
            )
    return body.strip(), negative


def read_decimal(raw, *, value_kind, unit, what=None):
    """The number in ``raw`` for a figure in ``unit``, or QuantityError saying what to type.

    Only ASCII digits, one full stop and commas between groups of three digits are read; a £
    (or GBP) only on money, a % only on a percentage, the unit's own name after a count (with
    ``value_kind=None``, where the unit is not known yet, a £ or % sign is let through). Float
    noise beyond the unit's decimal places (2 for money, 4 otherwise) is rounded away when it is
    noise (within 1e-9); otherwise the message shows the value read and how to fix it. The
    result may be negative: callers say what a negative figure means for them.
    """
    what = what or f"enter a quantity in {unit}"
    text = _as_text(raw).strip()
    if text == "":
        raise QuantityError(f"Enter a quantity in {unit}.")
    body, negative = _strip_signs(text, value_kind, unit, what)
    if not body.isascii():
        if any(unicodedata.category(ch) == "Nd" for ch in body if not ch.isascii()):
            raise QuantityError(
                f"'{shown(text)}' has digits other than 0 to 9; type the number again with the digits 0 to 9."
            )
        raise QuantityError(f"'{shown(text)}' contains {odd_character(body)}; type the number again.")
    number = NUMBER.fullmatch(body.replace(",", "")) if body.replace(",", "") not in ("", ".") else None
    if number is None:
        if re.fullmatch(r"\d{1,3}(?: \d{3})+(?:\.\d+)?", body):
            raise QuantityError(f"'{shown(text)}' has spaces between the digits; use commas for thousands, like 1,250.")
        raise QuantityError(f"'{shown(text)}' is not a number; {what}.", "not_a_number")
    whole, fraction = body.partition(".")[0], body.partition(".")[2]
    if "," in fraction or ("," in whole and not THOUSANDS.fullmatch(whole)):
        hint = ""
        if body.count(",") == 1 and "." not in body:
            hint = f", like {body.replace(',', '.')}"
        raise QuantityError(
            f"'{shown(text)}' is not a number: a comma only separates thousands (like 1,250); "
            f"use a full stop for decimals{hint}."
        )
    try:
        value = Decimal(f"{number['whole'] or '0'}.{number['fraction'] or '0'}")
    except InvalidOperation:  # pragma: no cover - the pattern allows only digits
        raise QuantityError(f"'{shown(text)}' is not a number; {what}.", "not_a_number") from None
    places = _places(value_kind)
    if value.as_tuple().exponent < -places:
        step = Decimal(1).scaleb(-places)
        rounded = value.quantize(step, rounding=ROUND_HALF_UP)
        if abs(value - rounded) <= max(NOISE_ABSOLUTE, value * NOISE_RELATIVE):
            value = rounded
        else:
            raise QuantityError(
                f"{_places_message(value_kind)} The value read was {shown(body)}; round it, like {rounded:f}."
            )
    value = value.to_integral_value() if value == value.to_integral_value() else value
    return value.copy_negate() if negative else value  # "-0" stays signed, so callers refuse it


def parse_yes_no(raw):
    lowered = _as_text(raw).strip().lower()
    if lowered in YES:
        return Decimal(1)
    if lowered in NO:
        return Decimal(0)
    raise QuantityError("Answer yes or no.")


def parse_quantity(measure, raw):
    """Turn what someone typed for ``measure`` into a Decimal, or raise QuantityError."""
    text = _as_text(raw).strip()
    if text == "":
        raise QuantityError(f"Enter a quantity in {measure.unit}.")
    if measure.value_kind == ValueKind.YES_NO:
        return parse_yes_no(text)
    value = read_decimal(raw, value_kind=measure.value_kind, unit=measure.unit)
    if value.is_signed():
        raise QuantityError("A quantity cannot be negative.")
    if measure.value_kind == ValueKind.PERCENTAGE and value > 100:
        raise QuantityError("A percentage must be between 0 and 100.")
    limit = UNIT_LIMITS.get(measure.unit, DEFAULT_LIMIT)
    if value > limit:
        raise QuantityError(
            f"{value:,} {measure.unit} in one quarter is more than the {limit:,} allowed; check the figure."
        )
    return value


def parse_money(raw, *, what="give an amount in pounds, like 1,250.50"):
    """An amount in pounds (a proxy value, say): the same reader as every quantity, at most 2
    decimal places; may be negative (callers refuse that in their own words)."""
    return read_decimal(raw, value_kind=ValueKind.MONEY, unit="£", what=what)


def format_quantity(measure, quantity):
    """A quantity as a plain number (for a form field or a spreadsheet cell): 1250.5, yes."""
    if quantity is None:
        return ""
    if measure.value_kind == ValueKind.YES_NO:
        return "yes" if quantity else "no"
    return f"{quantity.normalize():f}" if quantity == quantity.to_integral() else f"{quantity:f}".rstrip("0")


def format_amount(measure, value):
    """A quantity as people read it across the portal: £12,500, 40 hours, 2.5 FTE, 45%, yes."""
    if value is None:
        return "–"
    value = Decimal(value)
    if measure.value_kind == ValueKind.YES_NO:
        return "yes" if value else "no"
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.4f}".rstrip("0").rstrip(".")
    if measure.unit == "£":
        return f"£{text}"
    if measure.unit == "%":
        return f"{text}%"
    return f"{text} {measure.unit}"
