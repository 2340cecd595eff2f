"""Properties of quarter arithmetic (toms/periods.py) and of return deadlines (commitments/due.py),
checked with hypothesis over every quarter and day the portal covers (issue 13 item 3)."""

import datetime as dt

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from commitments.due import deadline_of, is_late, is_overdue
from commitments.models import Return, ReturnStatus
from toms.periods import (
    FIRST_YEAR,
    LAST_YEAR,
    Quarter,
    financial_year_label,
    financial_year_of,
    parse_financial_year,
    year_range_problem,
)

years = st.integers(min_value=FIRST_YEAR, max_value=LAST_YEAR)
# Quarters whose neighbours are also in the portal's years.
quarters = st.builds(Quarter, st.integers(min_value=FIRST_YEAR + 1, max_value=LAST_YEAR - 1), st.integers(1, 4))
days = st.dates(min_value=dt.date(FIRST_YEAR, 4, 1), max_value=dt.date(LAST_YEAR + 1, 3, 31))
ONE_DAY = dt.timedelta(days=1)


@given(quarters)
def test_a_quarter_reads_back_from_its_label(q):
    assert Quarter.parse(str(q)) == q
    # However it is typed: lower case, spaces around the parts.
    assert Quarter.parse(f"  {q.financial_year_label} q{q.number} ") == q
    start, end = q.financial_year_label.split("/")
    assert Quarter.parse(f"{start} / {end} Q{q.number}") == q


@given(quarters)
def test_next_and_previous_undo_each_other(q):
    assert q.next().previous() == q
    assert q.previous().next() == q
    assert q.previous() < q < q.next()
    # Four steps make a year.
    assert q.next().next().next().next() == Quarter(q.year + 1, q.number)
    assert q.previous().previous().previous().previous() == Quarter(q.year - 1, q.number)


@given(quarters, quarters)
def test_ordering_is_year_then_number(a, b):
    key_a, key_b = (a.year, a.number), (b.year, b.number)
    assert (a < b) == (key_a < key_b)
    assert (a <= b) == (key_a <= key_b)
    assert (a > b) == (key_a > key_b)
    assert (a == b) == (key_a == key_b)
    if a == b:
        assert hash(a) == hash(b)
    # Earlier quarters start and end earlier.
    assert (a < b) == (a.start < b.start) == (a.end < b.end)


@given(quarters)
def test_consecutive_quarters_are_contiguous_and_about_three_months(q):
    assert q.start <= q.end
    assert q.next().start == q.end + ONE_DAY
    assert q.previous().end == q.start - ONE_DAY
    assert q.start.day == 1
    assert (q.end + ONE_DAY).day == 1  # ends on a month's last day
    assert 90 <= (q.end - q.start).days + 1 <= 92
    assert (q.end.year * 12 + q.end.month) - (q.start.year * 12 + q.start.month) == 2


@given(years)
def test_four_quarters_cover_the_financial_year_april_to_march_exactly(year):
    q1, q2, q3, q4 = (Quarter(year, n) for n in (1, 2, 3, 4))
    assert q1.start == dt.date(year, 4, 1)
    assert q4.end == dt.date(year + 1, 3, 31)
    assert (q2.start, q3.start, q4.start) == (q1.end + ONE_DAY, q2.end + ONE_DAY, q3.end + ONE_DAY)
    days_in_year = (dt.date(year + 1, 4, 1) - dt.date(year, 4, 1)).days
    assert sum((q.end - q.start).days + 1 for q in (q1, q2, q3, q4)) == days_in_year
    # Every quarter of the year carries the year's label.
    assert {q.financial_year_label for q in (q1, q2, q3, q4)} == {financial_year_label(year)}


@given(days)
def test_the_quarter_containing_a_day_holds_it(day):
    q = Quarter.containing(day)
    assert q.start <= day <= q.end
    assert q.year == financial_year_of(day)
    assert Quarter.containing(q.start) == q == Quarter.containing(q.end)
    assert Quarter.containing(q.end + ONE_DAY) == q.next()
    assert Quarter.containing(q.start - ONE_DAY) == q.previous()


@given(days)
def test_financial_year_membership(day):
    year = financial_year_of(day)
    assert dt.date(year, 4, 1) <= day <= dt.date(year + 1, 3, 31)
    assert (day.month >= 4) == (year == day.year)


@given(years)
def test_a_financial_year_reads_back_in_every_spelling(year):
    label = financial_year_label(year)
    assert label == f"{year}/{str(year + 1)[-2:]}"
    for typed in (label, f"{year}-{str(year + 1)[-2:]}", f"{year}/{year + 1}", f"{year} - {year + 1}", str(year)):
        assert parse_financial_year(typed) == year
    assert year_range_problem(year) is None


@given(st.integers(min_value=0, max_value=9999).filter(lambda y: not FIRST_YEAR <= y <= LAST_YEAR))
def test_years_outside_the_portal_are_refused_in_words(year):
    assert "outside the years the portal covers" in year_range_problem(year)
    with pytest.raises(ValueError, match="outside the years the portal covers"):
        parse_financial_year(f"{year:04d}")
    if year < 9999:
        with pytest.raises(ValueError, match="outside the years the portal covers"):
            Quarter.parse(f"{year:04d}/{(year + 1) % 100:02d} Q1")


@given(st.text(max_size=30))
def test_any_text_is_a_quarter_that_reads_back_or_refused_with_a_message(text):
    try:
        q = Quarter.parse(text)
    except ValueError as refusal:
        message = str(refusal)
        assert "like 2025/26 Q1" in message or "outside the years the portal covers" in message
        assert len(message) < 200  # never repeats a whole paste
    else:
        assert Quarter.parse(str(q)) == q
        assert FIRST_YEAR <= q.year <= LAST_YEAR


@given(st.text(max_size=30))
def test_any_text_is_a_financial_year_or_refused_with_a_message(text):
    try:
        year = parse_financial_year(text)
    except ValueError as refusal:
        assert "like 2025/26" in str(refusal) or "outside the years the portal covers" in str(refusal)
    else:
        assert FIRST_YEAR <= year <= LAST_YEAR
        assert parse_financial_year(financial_year_label(year)) == year


@given(st.integers(FIRST_YEAR, LAST_YEAR), st.integers().filter(lambda n: n not in (1, 2, 3, 4)))
def test_only_quarters_one_to_four_exist(year, number):
    with pytest.raises(ValueError, match="numbered 1 to 4"):
        Quarter(year, number)


# --- deadlines (commitments/due.py) ---------------------------------------------------------------


@given(quarters)
def test_a_deadline_falls_after_its_quarter_and_before_the_next_ones_deadline(q):
    deadline = deadline_of(q)
    assert deadline > q.end
    assert deadline < deadline_of(q.next())
    assert (deadline - q.end).days == (deadline_of(q.next()) - q.next().end).days  # same grace for every quarter


@given(quarters, quarters)
def test_deadlines_keep_the_quarters_order(a, b):
    assert (a < b) == (deadline_of(a) < deadline_of(b))
    assert (a == b) == (deadline_of(a) == deadline_of(b))


@settings(max_examples=200)
@given(quarters, days, st.sampled_from(ReturnStatus.values))
def test_a_contract_return_is_overdue_only_past_its_deadline_while_not_sent(q, today, status):
    ret = Return(contract_id=1, organisation_id=1, year=q.year, quarter=q.number, status=status)
    sent = status in (ReturnStatus.SUBMITTED, ReturnStatus.APPROVED, ReturnStatus.SUPERSEDED)
    assert is_overdue(ret, today) == (not sent and today > deadline_of(q))
    # An organisation-wide return has no deadline.
    assert not is_overdue(
        Return(contract_id=None, organisation_id=1, year=q.year, quarter=q.number, status=status), today
    )


@given(quarters, days)
def test_a_return_is_late_only_when_sent_after_its_deadline(q, day):
    assume(day >= q.start)
    sent_at = dt.datetime.combine(day, dt.time(23, 59), tzinfo=dt.UTC)
    ret = Return(contract_id=1, organisation_id=1, year=q.year, quarter=q.number, submitted_at=sent_at)
    assert is_late(ret) == (day > deadline_of(q))
    assert not is_late(Return(contract_id=1, organisation_id=1, year=q.year, quarter=q.number))
