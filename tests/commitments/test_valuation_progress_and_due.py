"""Social value arithmetic (Decimal, in SQL), progress against commitments, due returns, reminders."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from charter.models import Role
from commitments.due import returns_due
from commitments.models import Commitment, ReturnLine, ReturnReminder
from commitments.selectors import contract_progress
from commitments.tasks import send_return_reminders
from tests.factories import ApprovedReturnFactory, ContractFactory, DraftReturnFactory, MembershipFactory
from toms.models import Measure, ProxyValue
from toms.periods import Quarter
from toms.valuation import with_value

pytestmark = pytest.mark.django_db


@pytest.fixture
def measures(framework):
    return {m.code: m for m in Measure.objects.all()}


def proxy(measure, year, value, source="ICB 2025"):
    return ProxyValue.objects.create(measure=measure, financial_year=year, value=Decimal(value), source=source)


def test_social_value_is_quantity_times_that_years_proxy(measures):
    proxy(measures["NT17"], 2025, "17.53")
    proxy(measures["NT17"], 2024, "16.00")
    ret = ApprovedReturnFactory(year=2025, quarter=2)
    ReturnLine.objects.create(return_obj=ret, measure=measures["NT17"], quantity=Decimal("12.5"))
    ReturnLine.objects.create(return_obj=ret, measure=measures["NT29"], quantity=Decimal("3"))
    lines = {line.measure.code: line for line in with_value(ReturnLine.objects.select_related("measure"))}
    assert lines["NT17"].social_value == Decimal("219.13")  # 12.5 × 17.53 = 219.125, rounded half up
    assert isinstance(lines["NT17"].social_value, Decimal)
    assert lines["NT17"].proxy_source == "ICB 2025"
    assert lines["NT29"].social_value is None and lines["NT29"].proxy_value is None  # never £0


def test_money_measures_value_exactly(measures):
    proxy(measures["NT14"], 2025, "0.20")
    ret = ApprovedReturnFactory()
    ReturnLine.objects.create(return_obj=ret, measure=measures["NT14"], quantity=Decimal("123456.78"))
    line = with_value(ReturnLine.objects.all()).get()
    assert line.social_value == Decimal("24691.36")  # 123456.78 × 0.20 = 24691.356 → 24691.36


def test_contract_progress_counts_only_approved_current_returns(measures):
    contract = ContractFactory()
    Commitment.objects.create(contract=contract, measure=measures["NT1"], target_quantity=10)
    Commitment.objects.create(contract=contract, measure=measures["NT17"], target_quantity=500)
    proxy(measures["NT17"], 2025, "17.50")
    for quarter, hours in ((1, "100"), (2, "150")):
        ret = ApprovedReturnFactory(contract=contract, quarter=quarter)
        ReturnLine.objects.create(return_obj=ret, measure=measures["NT17"], quantity=Decimal(hours))
    draft = DraftReturnFactory(contract=contract, quarter=3)
    ReturnLine.objects.create(return_obj=draft, measure=measures["NT17"], quantity=Decimal("999"))
    old = ApprovedReturnFactory(contract=contract, quarter=4, status="superseded")
    ReturnLine.objects.create(return_obj=old, measure=measures["NT17"], quantity=Decimal("999"))

    rows = {r.measure.code: r for r in contract_progress(contract)}
    assert rows["NT17"].delivered == Decimal("250") and rows["NT17"].committed == Decimal("500")
    assert rows["NT17"].social_value == Decimal("4375.00") and rows["NT17"].percent == Decimal("50")
    assert rows["NT17"].sources == ["ICB 2025"]
    assert rows["NT1"].delivered == 0 and rows["NT1"].social_value is None


def test_progress_adds_measures_delivered_beyond_the_commitments(measures):
    contract = ContractFactory()
    ret = ApprovedReturnFactory(contract=contract)
    ReturnLine.objects.create(return_obj=ret, measure=measures["NT29"], quantity=Decimal("7"))
    rows = contract_progress(contract)
    assert [(r.measure.code, r.committed, r.delivered) for r in rows] == [("NT29", None, Decimal("7"))]


def test_returns_due_and_overdue(measures, settings):
    settings.RETURN_DEADLINE_DAYS = 30
    contract = ContractFactory(start_date=dt.date(2025, 4, 1), end_date=dt.date(2026, 3, 31))
    ApprovedReturnFactory(contract=contract, year=2025, quarter=1)
    DraftReturnFactory(contract=contract, year=2025, quarter=2)
    today = dt.date(2026, 1, 20)  # in 2025/26 Q4: Q3 ended on 31 December, due 30 January
    due = returns_due([contract.supplier], today=today)
    assert [(str(d.quarter), d.deadline, d.ret is not None) for d in due] == [
        ("2025/26 Q2", dt.date(2025, 10, 30), True),
        ("2025/26 Q3", dt.date(2026, 1, 30), False),
    ]
    assert due[0].deadline < today <= due[1].deadline


def test_reminders_are_sent_once_before_the_deadline_and_once_when_overdue(measures, settings):
    settings.RETURN_DEADLINE_DAYS = 30
    settings.RETURN_REMINDER_DAYS_BEFORE = 7
    contract = ContractFactory(start_date=dt.date(2025, 10, 1), end_date=dt.date(2026, 3, 31))
    reporter = MembershipFactory(organisation=contract.supplier, role=Role.REPORTER).user
    MembershipFactory(organisation=contract.supplier, role=Role.VIEWER)  # viewers are not reminded

    assert send_return_reminders("2026-01-10") == 0  # Q3 due 30 January: too early
    assert send_return_reminders("2026-01-25") == 1
    assert mail.outbox[-1].to == [reporter.email] and "Due 30 January" in mail.outbox[-1].subject
    assert send_return_reminders("2026-01-26") == 0  # already reminded
    assert send_return_reminders("2026-02-02") == 1
    assert mail.outbox[-1].subject.startswith("Overdue")
    assert send_return_reminders("2026-02-03") == 0
    assert ReturnReminder.objects.count() == 2


def test_no_reminder_once_submitted(measures, settings):
    contract = ContractFactory(start_date=dt.date(2025, 10, 1), end_date=dt.date(2026, 3, 31))
    MembershipFactory(organisation=contract.supplier, role=Role.REPORTER)
    ApprovedReturnFactory(contract=contract, year=2025, quarter=3)
    assert send_return_reminders("2026-02-02") == 0


def test_the_reminder_runs_on_a_schedule(settings):
    assert settings.CELERY_BEAT_SCHEDULE["return-reminders"]["task"] == "commitments.tasks.send_return_reminders"
    assert Quarter(2025, 3).end == dt.date(2025, 12, 31)


def test_whole_contract_and_yearly_commitments_are_not_added_together(measures):
    from commitments.selectors import committed_totals

    contract = ContractFactory()
    Commitment.objects.create(contract=contract, measure=measures["NT17"], target_quantity=500)
    Commitment.objects.create(contract=contract, measure=measures["NT17"], target_quantity=200, financial_year=2025)
    Commitment.objects.create(contract=contract, measure=measures["NT1"], target_quantity=4, financial_year=2025)
    Commitment.objects.create(contract=contract, measure=measures["NT1"], target_quantity=6, financial_year=2026)
    assert committed_totals(contract) == {measures["NT17"].pk: Decimal(500), measures["NT1"].pk: Decimal(10)}


def test_percentages_show_the_latest_quarter_not_a_sum(measures):
    contract = ContractFactory()
    Commitment.objects.create(contract=contract, measure=measures["NT41"], target_quantity=100)
    for quarter, level in ((1, "80"), (2, "95")):
        ret = ApprovedReturnFactory(contract=contract, quarter=quarter)
        ReturnLine.objects.create(return_obj=ret, measure=measures["NT41"], quantity=Decimal(level))
    (row,) = contract_progress(contract)
    assert row.is_level and row.delivered == Decimal("95") and row.percent == Decimal("95")


def test_overdue_is_judged_on_the_day_asked(measures, settings):
    settings.RETURN_DEADLINE_DAYS = 30
    contract = ContractFactory(start_date=dt.date(2025, 4, 1), end_date=dt.date(2026, 3, 31))
    (item,) = list(returns_due([contract.supplier], today=dt.date(2025, 7, 15)))
    assert str(item.quarter) == "2025/26 Q1" and not item.overdue and item.state == "Due"
    (item,) = list(returns_due([contract.supplier], today=dt.date(2025, 8, 1)))
    assert item.overdue and item.state == "Overdue"
