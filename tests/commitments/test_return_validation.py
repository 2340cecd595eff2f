"""The rules for figures in a return (shared by form, spreadsheet and API)."""

import datetime as dt
from decimal import Decimal

import pytest

from commitments.validation import period_problems, unusual_flag
from tests.factories import ContractFactory
from toms.models import Measure
from toms.periods import Quarter
from toms.quantities import QuantityError, parse_quantity

pytestmark = pytest.mark.django_db


@pytest.fixture
def m(framework):
    return {m.code: m for m in Measure.objects.all()}


@pytest.mark.parametrize(
    ("code", "typed", "value"),
    [
        ("NT1", "2.5", Decimal("2.5")),
        ("NT14", "£12,500.50", Decimal("12500.50")),
        ("NT2", "45%", Decimal("45")),
        ("NT2", "0", Decimal("0")),
        ("NT83", "Yes", Decimal("1")),
        ("NT83", "no", Decimal("0")),
        ("NT17", 120, Decimal("120")),
    ],
)
def test_good_quantities(m, code, typed, value):
    assert parse_quantity(m[code], typed) == value


@pytest.mark.parametrize(
    ("code", "typed", "message"),
    [
        ("NT1", "-1", "cannot be negative"),
        ("NT1", "lots", "is not a number"),
        ("NT1", "", "Enter a quantity in FTE"),
        ("NT1", "NaN", "is not a number"),
        ("NT1", "Infinity", "is not a number"),
        ("NT2", "101", "between 0 and 100"),
        ("NT83", "maybe", "Answer yes or no"),
        ("NT83", "2", "Answer yes or no"),
        ("NT14", "10.005", "at most 2 decimal places"),
        ("NT1", "1.00001", "at most 4 decimal places"),
        ("NT1", "20000", "more than the 10,000 allowed"),
        ("NT17", "9999999", "more than the 5,000,000 allowed"),
    ],
)
def test_bad_quantities_are_refused_with_a_reason(m, code, typed, message):
    with pytest.raises(QuantityError, match=message):
        parse_quantity(m[code], typed)


def test_future_quarters_and_dead_contracts_are_refused():
    today = dt.date(2026, 11, 21)
    contract = ContractFactory(start_date=dt.date(2025, 4, 1), end_date=dt.date(2025, 9, 30))
    assert period_problems(Quarter(2026, 4), None, today=today) == [
        "2026/27 Q4 has not started yet; returns are for quarters that have begun."
    ]
    assert period_problems(Quarter(2026, 3), None, today=today) == []  # the current quarter is fine
    assert "not live in 2025/26 Q3" in period_problems(Quarter(2025, 3), contract, today=today)[0]
    assert period_problems(Quarter(2025, 2), contract, today=today) == []


def test_unusual_values_are_flagged_not_refused(m):
    assert "3 times" in unusual_flag(m["NT1"], Decimal(40), previous_highest=Decimal(10))
    assert unusual_flag(m["NT1"], Decimal(25), previous_highest=Decimal(10)) == ""
    assert "whole commitment" in unusual_flag(m["NT17"], Decimal(600), committed=Decimal(500))
    assert unusual_flag(m["NT2"], Decimal(90), committed=Decimal(50)) == ""  # percentages are not totals
