"""The reminders task reads and writes in a bounded number of queries whatever the number of
returns due, and sends each reminder once."""

import datetime as dt

import pytest
from django.core import mail

from commitments.models import ReturnReminder
from commitments.tasks import send_return_reminders
from tests.factories import ContractFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def _many_due(suppliers=6, contracts_each=4):
    for _ in range(suppliers):
        supplier = OrganisationFactory()
        MembershipFactory(organisation=supplier, role="reporter")
        MembershipFactory(organisation=supplier, role="admin")
        for _ in range(contracts_each):
            ContractFactory(supplier=supplier, start_date=dt.date(2025, 4, 1), end_date=dt.date(2027, 3, 31))
    OrganisationFactory()  # an organisation with nobody to remind is skipped
    return suppliers * contracts_each


@pytest.mark.parametrize("size", [(2, 2), (6, 4)])
def test_queries_do_not_grow_with_the_returns_due(size, django_assert_max_num_queries):
    contracts = _many_due(*size)
    # 2026-02-20: Q1-Q2 of 2025/26 overdue and Q3 overdue too: three returns per contract.
    # A query per quarter needing reminders (three here, four at most), one for the returns in
    # progress, one for the reporters, the reminders written in one (with its savepoint).
    with django_assert_max_num_queries(9):
        sent = send_return_reminders(today="2026-02-20")
    assert sent == contracts * 3 == len(mail.outbox) == ReturnReminder.objects.count()
    assert all(len(message.to) == 2 for message in mail.outbox)  # the reporter and the admin

    mail.outbox.clear()
    with django_assert_max_num_queries(4):
        assert send_return_reminders(today="2026-02-21") == 0  # each reminder once
    assert mail.outbox == []


def test_a_supplier_with_nobody_to_remind_is_reminded_once_someone_joins():
    """Nothing is recorded for a supplier without reporters, so its reminder goes out on the first
    run after a reporter joins (and only once); an inactive reporter is nobody."""
    supplier = OrganisationFactory()
    ContractFactory(supplier=supplier, start_date=dt.date(2025, 4, 1), end_date=dt.date(2027, 3, 31))
    inactive = MembershipFactory(organisation=supplier, role="reporter").user
    inactive.is_active = False
    inactive.save()
    assert send_return_reminders(today="2026-02-20") == 0
    assert not ReturnReminder.objects.exists()

    reporter = MembershipFactory(organisation=supplier, role="reporter").user
    assert send_return_reminders(today="2026-02-21") == 3
    assert {tuple(m.to) for m in mail.outbox} == {(reporter.email,)}
    assert send_return_reminders(today="2026-02-22") == 0
