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


@pytest.mark.parametrize("text", ["0000", "0000/01", "1989/90", "2100/01", "9999"])
def test_financial_years_outside_the_portal_are_refused_with_a_message(text):
    with pytest.raises(ValueError, match=r"outside the years the portal covers; give a year from 1990/91 to 2099/00"):
        parse_financial_year(text)


@pytest.mark.parametrize("text", ["0000/01 Q1", "9999/00 Q4", "1989/90 Q4", "2100/01 Q1"])
def test_quarters_outside_the_portal_are_refused_before_any_date_arithmetic(text):
    with pytest.raises(ValueError, match="outside the years the portal covers"):
        Quarter.parse(text)


def test_the_first_and_last_quarters_have_dates():
    first, last = Quarter.parse("1990/91 Q1"), Quarter.parse("2099/00 Q4")
    assert (first.start, last.end) == (dt.date(1990, 4, 1), dt.date(2100, 3, 31))
    assert last.next().start == dt.date(2100, 4, 1)


@pytest.mark.parametrize("parse", [Quarter.parse, parse_financial_year])
def test_messages_quote_at_most_40_characters_of_what_was_typed(parse):
    with pytest.raises(ValueError) as caught:
        parse("%s" + "x" * 5000)
    assert "'%sxxxxxxxx" in str(caught.value) and len(str(caught.value)) < 120
