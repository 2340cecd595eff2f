"""Reading quantities and measure codes as people type them: the one reader behind the web form,
the spreadsheets and the API (issue 7 item 11; issue 9 items 1, 2, 3, 8 and 12)."""

import json
import string
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from toms.codes import CodeError, parse_measure_code
from toms.models import Measure, ValueKind
from toms.quantities import (
    UNIT_LIMITS,
    QuantityError,
    format_amount,
    format_quantity,
    parse_money,
    parse_quantity,
)

# Unsaved measures: the reader needs only the unit and the kind, so no database is needed.
FTE = Measure(code="NT1", unit="FTE", value_kind=ValueKind.NUMBER)
HOURS = Measure(code="NT17", unit="hours", value_kind=ValueKind.NUMBER)
MONEY = Measure(code="NT14", unit="£", value_kind=ValueKind.MONEY)
PERCENT = Measure(code="NT2", unit="%", value_kind=ValueKind.PERCENTAGE)
YES_NO = Measure(code="NT83", unit="yes/no", value_kind=ValueKind.YES_NO)
NUMERIC = [FTE, HOURS, MONEY, PERCENT]


def _framework_codes():
    data = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "tom_framework.json").read_text())
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "code" in node and "unit" in node:
                found.append(node["code"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    return found


CODES = _framework_codes()


def refused(measure, typed):
    with pytest.raises(QuantityError) as caught:
        parse_quantity(measure, typed)
    return str(caught.value)


# --- issue 7 item 11: only ASCII digits, thousands separators in the right places -----------


@pytest.mark.parametrize("typed", ["1,2,3", "12,34", "1,23,456", "1234,567", ",123", "1,234,56"])
def test_commas_out_of_place_are_refused_not_squeezed_out(typed):
    message = refused(HOURS, typed)
    assert f"'{typed}' is not a number" in message and "use a full stop for decimals" in message


@pytest.mark.parametrize(
    "typed",
    [
        "١٢",  # Arabic-Indic digits
        "۱۲",  # extended Arabic-Indic
        "𝟏𝟐",  # mathematical bold digits
        "１２",  # full-width digits
        "१२",  # Devanagari
    ],
)
def test_digits_other_than_ascii_are_refused(typed):
    assert "digits other than 0 to 9" in refused(FTE, typed)


@pytest.mark.parametrize("typed", ["1_000", "1e3", "1E2", "0x10", "12.5.1", "1 2 3x", "+5", "1'000"])
def test_what_decimal_would_accept_but_people_do_not_mean_is_refused(typed):
    assert "is not a number" in refused(HOURS, typed)


def test_spaces_as_thousands_separators_say_what_to_use():
    assert "use commas for thousands" in refused(HOURS, "1 000")


def test_an_invisible_character_in_a_number_is_named():
    assert "zero-width space (U+200B)" in refused(HOURS, "1\u200b000")


def test_messages_quote_at_most_40_characters_of_what_was_typed():
    typed = "9" * 30 + "x" * 200
    message = refused(HOURS, typed)
    assert f"'{typed[:40]}…'" in message and typed[:41] not in message
    assert len(refused(HOURS, "1,2" * 100)) < 200


@pytest.mark.parametrize(
    ("measure", "typed", "value"),
    [
        (HOURS, "1,234", Decimal(1234)),
        (HOURS, "1,234,567", Decimal(1234567)),
        (MONEY, "£1,234.50", Decimal("1234.50")),
        (MONEY, "GBP 1,234.50", Decimal("1234.50")),
        (MONEY, "1234.50 GBP", Decimal("1234.50")),
        (FTE, ".5", Decimal("0.5")),
        (FTE, "12 FTE", Decimal(12)),
        (HOURS, "40 hours", Decimal(40)),
        (HOURS, "1 hour", Decimal(1)),
        (FTE, "  2.5\u00a0", Decimal("2.5")),  # spaces round a number are not part of it
    ],
)
def test_numbers_written_the_usual_ways_are_read(measure, typed, value):
    assert parse_quantity(measure, typed) == value


# --- issue 9 item 2: decimal commas --------------------------------------------------------


@pytest.mark.parametrize(("typed", "fix"), [("0,5", "like 0.5"), ("12,25", "like 12.25"), ("0,500", "like 0.500")])
def test_a_decimal_comma_is_refused_with_the_fix(typed, fix):
    message = refused(FTE, typed)
    assert "use a full stop for decimals" in message and fix in message


def test_a_european_number_is_refused():
    assert "use a full stop for decimals" in refused(MONEY, "1.234,56")


def test_a_proxy_value_with_a_decimal_comma_is_not_pounds():
    with pytest.raises(QuantityError, match="use a full stop for decimals"):
        parse_money("0,21")
    assert parse_money("£0.21") == Decimal("0.21")
    assert parse_money("1,250") == Decimal(1250)


# --- issue 9 items 1 and 3: signs that fit the unit ----------------------------------------


@pytest.mark.parametrize(
    ("measure", "typed", "expected"),
    [
        (FTE, "12%", "is a percentage, but this measure is in FTE"),
        (FTE, "£1,234.50", "is an amount in pounds, but this measure is in FTE"),
        (FTE, "GBP 12", "is an amount in pounds, but this measure is in FTE"),
        (MONEY, "12%", "is a percentage, but this measure is an amount in pounds (£)"),
        (PERCENT, "£12", "is an amount in pounds, but this measure is a percentage"),
        (FTE, "12 hours", "is in hours, but this measure is in FTE"),
    ],
)
def test_a_sign_or_unit_that_does_not_fit_the_measure_is_refused_naming_the_unit(measure, typed, expected):
    assert expected in refused(measure, typed)


@pytest.mark.parametrize(
    ("typed", "value"), [("12%", 12), ("100%", 100), ("12.5 %", Decimal("12.5")), ("0%", 0), ("7.000000000000001%", 7)]
)
def test_a_percent_sign_on_a_percentage_is_the_percentage(typed, value):
    assert parse_quantity(PERCENT, typed) == value
    assert f"{parse_quantity(PERCENT, typed)}" == f"{Decimal(value)}"  # 100, not 1E+2


# --- issue 9 item 8: float noise ---------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "typed", "value"),
    [
        (MONEY, "5055.000000000001", Decimal(5055)),
        (MONEY, 5055.000000000001, Decimal(5055)),  # a float from a JSON body or a cell
        (MONEY, "0.30000000000000004", Decimal("0.3")),
        (FTE, "2.4999999999999996", Decimal("2.5")),
        (HOURS, 0.1 + 0.2, Decimal("0.3")),
        (HOURS, 1e-05 * 0, Decimal(0)),
    ],
)
def test_float_noise_is_rounded_away(measure, typed, value):
    assert parse_quantity(measure, typed) == value


@pytest.mark.parametrize(
    ("measure", "typed", "fix", "read"),
    [
        (MONEY, "5055.0001", "Give pounds and pence, at most 2 decimal places.", "The value read was 5055.0001"),
        (FTE, "1.00001", "Give at most 4 decimal places.", "The value read was 1.00001"),
        (FTE, 1e-05, "Give at most 4 decimal places.", "The value read was 0.00001"),
    ],
)
def test_more_decimal_places_than_noise_are_refused_showing_the_value_read(measure, typed, fix, read):
    message = refused(measure, typed)
    assert fix in message and read in message


def test_yes_no_is_unchanged():
    assert parse_quantity(YES_NO, "Yes") == 1 and parse_quantity(YES_NO, "no") == 0
    assert refused(YES_NO, "£1") == "Answer yes or no."


# --- properties ------------------------------------------------------------------------------


def _amounts(measure):
    places = 2 if measure.value_kind == ValueKind.MONEY else 4
    limit = UNIT_LIMITS[measure.unit]
    return st.decimals(min_value=0, max_value=limit, places=places, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), measure=st.sampled_from(NUMERIC))
def test_what_the_portal_writes_it_reads_back(data, measure):
    value = data.draw(_amounts(measure))
    assert parse_quantity(measure, format_quantity(measure, value)) == value  # a form field, a cell
    assert parse_quantity(measure, format_amount(measure, value)) == value  # "£12,500", "2.5 FTE", "45%"


ALPHABET = st.sampled_from([*"0123456789,.£%- _eE", "١", "𝟏", "\u200b", "\u00a0", "GBP", "FTE"])


@settings(max_examples=500, deadline=None)
@given(typed=st.lists(ALPHABET, max_size=12).map("".join) | st.text(max_size=12), measure=st.sampled_from(NUMERIC))
def test_accepted_text_has_only_ascii_digits_and_separators(typed, measure):
    try:
        value = parse_quantity(measure, typed)
    except QuantityError:
        return
    number = typed.strip().upper().removeprefix("GBP").removesuffix("GBP").strip(" £%")
    number = number.removesuffix(measure.unit.upper()).strip()
    assert number and set(number) <= set(string.digits + ",.")
    whole = number.partition(".")[0]
    if "," in whole:  # commas only between groups of three digits, after a first group of 1 to 3
        groups = whole.split(",")
        assert 1 <= len(groups[0]) <= 3 and groups[0][0] != "0" and all(len(g) == 3 for g in groups[1:])
    read = Decimal(number.replace(",", "").rstrip(".") or "0")
    assert abs(value - read) <= Decimal("1e-9") + read * Decimal("1e-14")  # at most float noise away


@settings(max_examples=300, deadline=None)
@given(n=st.integers(min_value=0, max_value=5_000_000))
@example(n=1000)
@example(n=999)
def test_thousands_separated_integers_are_the_integer(n):
    assert parse_quantity(HOURS, f"{n:,}") == n
    assert parse_quantity(MONEY, f"£{n:,}") == n


@settings(max_examples=300, deadline=None)
@given(digits=st.text(alphabet=string.digits, min_size=2, max_size=9), cuts=st.sets(st.integers(1, 8), min_size=1))
def test_commas_anywhere_else_are_refused(digits, cuts):
    positions = sorted(c for c in cuts if c < len(digits))
    if not positions:
        return
    parts, last = [], 0
    for c in positions:
        parts.append(digits[last:c])
        last = c
    parts.append(digits[last:])
    typed = ",".join(parts)
    well_placed = typed == f"{int(digits):,}" and digits[0] != "0"
    try:
        value = parse_quantity(HOURS, typed)
    except QuantityError as exc:
        assert not well_placed or int(digits) > 5_000_000, str(exc)
    else:
        assert well_placed and value == int(digits)


# --- issue 9 item 12: measure codes ----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("NT1", "NT1"),
        ("NT 1", "NT1"),
        ("NT-1", "NT1"),
        ("NT_1", "NT1"),
        ("NT01", "NT1"),
        ("nt1", "NT1"),
        ("  NT1  ", "NT1"),
        ("NT1 - local employees", "NT1"),
        ("NT1: Local employees (FTE)", "NT1"),
        ("NT1 – local employees", "NT1"),
        ("nt1b", "NT1b"),
        ("NT1 b", "NT1b"),
        ("NT 14", "NT14"),
        ("c19-18", "C19-18"),
    ],
)
def test_the_obvious_readings_of_a_code_are_accepted(typed, code):
    assert parse_measure_code(typed, CODES) == code


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [("TN1", "NT1"), ("N T1", "NT1"), ("NT1 4", "NT14"), ("NT14,5", "NT14"), ("C19 18", "C19-18")],
)
def test_a_near_miss_gets_a_suggestion(typed, suggestion):
    with pytest.raises(CodeError) as caught:
        parse_measure_code(typed, CODES)
    assert str(caught.value) == f"There is no measure '{typed}' in the framework. Did you mean {suggestion}?"


def test_a_code_far_from_any_gets_no_suggestion():
    with pytest.raises(CodeError) as caught:
        parse_measure_code("XX9", CODES)
    assert str(caught.value) == "There is no measure 'XX9' in the framework."


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("NT1\u200b", "a zero-width space (U+200B) after 'NT1'"),
        ("\ufeffNT1", "a byte order mark (BOM) (U+FEFF) at the start"),
        ("NT\u00a01", "a non-breaking space (U+00A0) after 'NT'"),
        ("N\u0422" + "1", "cyrillic capital letter te"),
    ],
)
def test_an_invisible_or_look_alike_character_in_a_code_is_named(typed, named):
    with pytest.raises(CodeError) as caught:
        parse_measure_code(typed, CODES)
    assert named in str(caught.value) and "delete it and type the code again" in str(caught.value)


# --- proxy values go through the same reader (issue 9 item 2: "0,21" is not £21) -------------


def _proxy_csv(*rows):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = "measure_code,financial_year,value_per_unit,source\n" + "".join(f"{r}\n" for r in rows)
    return SimpleUploadedFile("values.csv", text.encode("utf-8"))


@pytest.mark.django_db
def test_a_proxy_value_with_a_decimal_comma_is_refused_and_nothing_is_stored(framework):
    from toms.models import ProxyValue
    from toms.proxy_import import ProxyImportError, import_proxy_values

    with pytest.raises(ProxyImportError) as caught:
        import_proxy_values(_proxy_csv('NT14,2025/26,"0,21",ICB', "NT17,2025/26,17%,ICB", "TN1,2025/26,1,ICB"))
    problems = {(e.row, e.column): e.message for e in caught.value.errors}
    assert "use a full stop for decimals, like 0.21" in problems[(2, "value_per_unit")]
    assert "is a percentage" in problems[(3, "value_per_unit")]
    assert problems[(4, "measure_code")] == "There is no measure 'TN1' in the framework. Did you mean NT1?"
    assert not ProxyValue.objects.exists()


@pytest.mark.django_db
def test_proxy_codes_and_pounds_are_read_as_everywhere(framework):
    from toms.models import ProxyValue
    from toms.proxy_import import import_proxy_values

    import_proxy_values(_proxy_csv('NT 14,2025/26,"£1,250.5",ICB', "nt017,2025/26,0.30000000000000004,ICB"))
    assert {(v.measure.code, v.value) for v in ProxyValue.objects.select_related("measure")} == {
        ("NT14", Decimal("1250.5")),
        ("NT17", Decimal("0.3")),
    }
