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
    with django_assert_max_num_queries(8):
        sent = send_return_reminders(today="2026-02-20")
    assert sent == contracts * 3 == len(mail.outbox) == ReturnReminder.objects.count()
    assert all(len(message.to) == 2 for message in mail.outbox)  # the reporter and the admin

    mail.outbox.clear()
    with django_assert_max_num_queries(6):
        assert send_return_reminders(today="2026-02-21") == 0  # each reminder once
    assert mail.outbox == []
