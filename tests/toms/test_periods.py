"""UK financial years and quarters."""

import datetime as dt

import pytest

from toms.periods import Quarter, financial_year_label, financial_year_of, parse_financial_year


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (dt.date(2025, 4, 1), "2025/26 Q1"),
        (dt.date(2025, 6, 30), "2025/26 Q1"),
        (dt.date(2025, 7, 1), "2025/26 Q2"),
        (dt.date(2025, 12, 31), "2025/26 Q3"),
        (dt.date(2026, 1, 1), "2025/26 Q4"),
        (dt.date(2026, 3, 31), "2025/26 Q4"),
        (dt.date(1999, 4, 1), "1999/00 Q1"),
    ],
)
def test_quarter_containing_a_day(day, label):
    assert str(Quarter.containing(day)) == label
    assert Quarter.parse(label) == Quarter.containing(day)


def test_quarter_bounds_and_neighbours():
    q4 = Quarter(2025, 4)
    assert (q4.start, q4.end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert q4.next() == Quarter(2026, 1)
    assert Quarter(2026, 1).previous() == q4
    assert Quarter(2025, 1) < Quarter(2025, 2) < Quarter(2026, 1)


@pytest.mark.parametrize("text", ["2025/27 Q1", "2025/26 Q5", "Q1 2025", ""])
def test_bad_quarters_are_refused(text):
    with pytest.raises(ValueError, match="like 2025/26 Q1"):
        Quarter.parse(text)


@pytest.mark.parametrize(("text", "year"), [("2025/26", 2025), ("2025-26", 2025), ("2025/2026", 2025), ("2025", 2025)])
def test_financial_years_are_read_in_several_spellings(text, year):
    assert parse_financial_year(text) == year
    assert financial_year_label(year) == "2025/26"


@pytest.mark.parametrize("text", ["2025/25", "2025/2027", "twenty", "25/26"])
def test_bad_financial_years_are_refused(text):
    with pytest.raises(ValueError, match="like 2025/26"):
        parse_financial_year(text)


def test_financial_year_of_a_day():
    assert financial_year_of(dt.date(2026, 3, 31)) == 2025
    assert financial_year_of(dt.date(2026, 4, 1)) == 2026
