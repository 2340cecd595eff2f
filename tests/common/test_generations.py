"""Cached figures stay right: a change renews the generation at once for the writer and again at
commit, and the due returns' counts on the pages follow every kind of change at once."""

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse

from commitments.due import due_on_contracts
from commitments.models import Contract, Return, ReturnStatus
from common.generations import Generation
from tests.factories import ContractFactory, MembershipFactory, OrganisationFactory
from toms.periods import Quarter

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_change_makes_every_cached_figure_of_its_family_unreachable():
    family, other = Generation("test:family", seconds=60), Generation("test:other", seconds=60)
    calls = []

    def compute(value):
        calls.append(value)
        return value

    assert family.remember("a", lambda: compute(1)) == 1
    assert family.remember("a", lambda: compute(2)) == 1  # cached
    assert other.remember("a", lambda: compute(3)) == 3  # another family, another figure
    with transaction.atomic():
        family.changed()
        assert family.remember("a", lambda: compute(4)) == 4  # the writer sees its change at once
    assert family.remember("a", lambda: compute(5)) == 5  # renewed again at commit
    assert other.remember("a", lambda: compute(6)) == 3
    assert calls == [1, 3, 4, 5]


def _owed():
    return due_on_contracts(Contract.objects.all()).count()


def test_due_counts_follow_each_change_at_once(client):
    """Counted, then changed every way the count can change, then counted again: never stale."""
    from charter.models import User

    council, supplier = OrganisationFactory(public=True), OrganisationFactory(name="Cached Widgets Ltd")
    last = Quarter.current().previous()
    contract = ContractFactory(commissioner=council, supplier=supplier, start_date=last.start,
                               end_date=dt.date(2030, 3, 31))
    assert _owed() == 1
    second = ContractFactory(commissioner=council, supplier=supplier, start_date=last.start,
                             end_date=dt.date(2030, 3, 31))
    assert _owed() == 2  # a new contract
    second.start_date = Quarter.current().start
    second.save()
    assert _owed() == 1  # its dates changed
    reporter = MembershipFactory(organisation=supplier, role="reporter").user
    ret = Return.objects.create(organisation=supplier, contract=contract, year=last.year, quarter=last.number,
                                created_by=reporter)
    assert _owed() == 1  # a draft owes still
    ret.status, ret.attested = ReturnStatus.SUBMITTED, True
    ret.save()
    assert _owed() == 0  # submitted
    ret.status = ReturnStatus.CHANGES_REQUESTED
    ret.save()
    assert _owed() == 1  # sent back
    ret.delete()
    second.delete()
    assert _owed() == 1

    icb = User.objects.create_user("icb@example.org", "a-long-password-2026", system_role="icb_analyst")
    client.force_login(icb)
    assert "Cached Widgets Ltd" in client.get(reverse("home")).content.decode()
    supplier.name = "Renamed Widgets Ltd"
    supplier.save()
    body = client.get(reverse("home")).content.decode()
    assert "Renamed Widgets Ltd" in body and "Cached Widgets Ltd" not in body


def test_the_review_count_and_returns_list_count_follow_a_submission(client):
    """The navigation's count of returns to review and the returns list's total are cached; a
    submission shows in both on the very next page."""
    from commitments.queues import cached_count, review_queue

    council, supplier = OrganisationFactory(public=True), OrganisationFactory()
    commissioner = MembershipFactory(organisation=council, role="commissioner").user
    reporter = MembershipFactory(organisation=supplier, role="reporter").user
    last = Quarter.current().previous()
    contract = ContractFactory(commissioner=council, supplier=supplier, start_date=last.start,
                               end_date=dt.date(2030, 3, 31))
    client.force_login(commissioner)
    assert client.get(reverse("commitments:return-list")).context["page"].paginator.count == 0
    assert cached_count(review_queue(commissioner)) == 0
    ret = Return.objects.create(organisation=supplier, contract=contract, year=last.year, quarter=last.number,
                                created_by=reporter, submitted_by=reporter, status=ReturnStatus.SUBMITTED,
                                attested=True)
    response = client.get(reverse("commitments:return-list"))
    assert response.context["page"].paginator.count == 1
    assert [item["count"] for item in response.context["service_navigation"] if item["count"]] == [1]
    ret.status = ReturnStatus.APPROVED
    ret.save()
    response = client.get(reverse("commitments:return-list"))
    assert [item["count"] for item in response.context["service_navigation"] if item["count"]] == []
