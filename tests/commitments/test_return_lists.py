"""Returns lists that fit the role: a supplier's due returns; a commissioner's review queue, who to
chase and suppliers' returns; the ICB's due and overdue returns everywhere; overdue and late tags;
actions only for people who may use them; paginated, with flat query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from charter.models import Role
from commitments.due import deadline_of, due_on_contracts
from commitments.models import Contract, Return
from tests.factories import (
    ContractFactory,
    DraftReturnFactory,
    MembershipFactory,
    OrganisationFactory,
    SubmittedReturnFactory,
)
from toms.periods import Quarter

pytestmark = pytest.mark.django_db

LAST = Quarter.current().previous()


@pytest.fixture
def world(db):
    council = OrganisationFactory(public=True, name="Example Borough Council")
    supplier = OrganisationFactory(name="Mersey Widgets Ltd")
    contract = ContractFactory(commissioner=council, supplier=supplier, reference="EBC-001",
                               start_date=dt.date(2024, 4, 1), end_date=dt.date(2030, 3, 31))
    return {
        "council": council, "supplier": supplier, "contract": contract,
        "reporter": MembershipFactory(organisation=supplier, role=Role.REPORTER).user,
        "commissioner": MembershipFactory(organisation=council, role=Role.COMMISSIONER).user,
    }


def page(client, user, url=None, **params):
    client.force_login(user)
    response = client.get(url or reverse("commitments:return-list"), params)
    assert response.status_code == 200
    return response


def test_a_commissioner_sees_their_queue_and_their_suppliers_returns_not_the_supplier_wording(client, world):
    waiting = SubmittedReturnFactory(contract=world["contract"], year=LAST.year, quarter=LAST.number)
    draft = DraftReturnFactory(contract=world["contract"], year=LAST.previous().year, quarter=LAST.previous().number)
    response = page(client, world["commissioner"])
    body = response.content.decode()
    assert "Waiting for your review" in body and "1 return is waiting for your decision" in body
    assert "Your suppliers&#x27; returns" in body or "Your suppliers' returns" in body
    assert [r.pk for r in response.context["page"].object_list] == [waiting.pk]  # never a supplier's draft
    assert draft.pk not in [r.pk for r in response.context["page"].object_list]
    assert "report what you delivered" not in body
    assert "Upload many returns" not in body and "Start a return" not in body
    assert reverse("commitments:review-list") in body
    assert "Overdue on your contracts" in body and "Mersey Widgets Ltd" in body


def test_a_reporter_is_offered_the_upload_but_not_the_review_list(client, world):
    body = page(client, world["reporter"]).content.decode()
    assert "Upload many returns" in body and "Start a return" in body
    assert reverse("commitments:review-list") not in body
    assert "Waiting for your review" not in body


def test_the_icb_sees_every_due_and_overdue_return(client, world, icb_analyst):
    other = ContractFactory(start_date=dt.date(2024, 4, 1))
    expected = due_on_contracts(Contract.objects.all())
    overdue = [d for d in expected if d.overdue]
    assert overdue  # the contracts started long ago and nothing was submitted
    body = page(client, icb_analyst).content.decode()
    assert "Due and overdue across Cheshire and Merseyside" in body
    assert f"<strong>{len(overdue)} are overdue</strong>" in body
    assert "Nothing is due" not in body
    assert other.supplier.name in body and "Mersey Widgets Ltd" in body
    assert "Upload many returns" not in body and "Start a return" not in body
    assert reverse("commitments:review-list") not in body  # an analyst reviews nothing


def test_the_due_list_is_scoped_and_paginated(client, world, icb_analyst, outsider):
    for _ in range(8):
        ContractFactory(start_date=dt.date(2024, 4, 1))
    everything = due_on_contracts(Contract.objects.all())
    response = page(client, icb_analyst, reverse("commitments:due-list"))
    assert response.context["page"].paginator.count == len(everything) > 25
    assert len(response.context["page"].object_list) == 25
    overdue_only = page(client, icb_analyst, reverse("commitments:due-list"), overdue="1")
    assert all(d.overdue for d in overdue_only.context["page"].object_list)
    # A commissioner sees only their contracts; a supplier only its own; an outsider nothing of these.
    mine = page(client, world["commissioner"], reverse("commitments:due-list")).context["page"]
    assert {d.contract.pk for d in mine.object_list} == {world["contract"].pk}
    theirs = page(client, world["reporter"], reverse("commitments:due-list")).context["page"]
    assert {d.contract.pk for d in theirs.object_list} == {world["contract"].pk}
    assert page(client, outsider, reverse("commitments:due-list")).context["page"].paginator.count == 0


def test_lists_need_sign_in(client):
    for name in ("commitments:return-list", "commitments:due-list", "commitments:review-list"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_overdue_return_is_tagged_in_the_list_and_on_its_page(client, world):
    old = LAST.previous().previous()
    assert deadline_of(old) < dt.date.today()
    ret = DraftReturnFactory(contract=world["contract"], year=old.year, quarter=old.number)
    response = page(client, world["reporter"])
    row = next(r for r in response.context["page"].object_list if r.pk == ret.pk)
    assert row.overdue and not row.late
    client.force_login(world["reporter"])
    body = client.get(ret.get_absolute_url()).content.decode()
    assert 'govuk-tag--red">Overdue' in body


def test_the_reviewer_sees_a_return_came_in_late(client, world):
    old = LAST.previous().previous()
    late = SubmittedReturnFactory(contract=world["contract"], year=old.year, quarter=old.number)
    on_time = SubmittedReturnFactory(
        contract=world["contract"], year=LAST.year, quarter=LAST.number,
        submitted_at=timezone.make_aware(dt.datetime.combine(deadline_of(LAST), dt.time(12))),
    )
    response = page(client, world["commissioner"], reverse("commitments:review-list"))
    rows = {r.pk: r for r in response.context["waiting"]}
    assert rows[late.pk].late and not rows[on_time.pk].late
    assert response.content.decode().count('govuk-tag--yellow">Late') == 1
    body = client.get(late.get_absolute_url()).content.decode()
    assert "Submitted late" in body and f"after the deadline of {deadline_of(old):%-d %B %Y}" in body
    assert "Submitted late" not in client.get(on_time.get_absolute_url()).content.decode()


def test_the_review_queue_is_paginated(client, world):
    council = world["council"]
    for _ in range(30):
        SubmittedReturnFactory(contract=ContractFactory(commissioner=council), year=LAST.year, quarter=LAST.number)
    response = page(client, world["commissioner"], reverse("commitments:review-list"))
    assert len(response.context["waiting"]) == 25 and response.context["page"].paginator.count == 30
    second = page(client, world["commissioner"], reverse("commitments:review-list"), page=2)
    assert len(second.context["waiting"]) == 5
    assert "Waiting for your decision (30)" in response.content.decode()


def test_a_commissioner_who_also_reports_can_tell_whose_returns(client, world):
    person = world["commissioner"]
    MembershipFactory(user=person, organisation=world["supplier"], role=Role.REPORTER)
    mine = DraftReturnFactory(contract=world["contract"], year=LAST.year, quarter=LAST.number)
    other_supplier = SubmittedReturnFactory(contract=ContractFactory(commissioner=world["council"]))
    ours = page(client, person, whose="ours").context["page"].object_list
    suppliers = page(client, person, whose="suppliers").context["page"].object_list
    assert mine.pk in [r.pk for r in ours] and other_supplier.pk not in [r.pk for r in ours]
    assert other_supplier.pk in [r.pk for r in suppliers]


@pytest.mark.parametrize("n", [2, 20])
def test_the_lists_take_a_fixed_number_of_queries(client, world, icb_admin, n, django_assert_max_num_queries):
    for _ in range(n):
        contract = ContractFactory(commissioner=world["council"], start_date=dt.date(2024, 4, 1))
        SubmittedReturnFactory(contract=contract, year=LAST.year, quarter=LAST.number)
        DraftReturnFactory(contract=contract, year=LAST.previous().year, quarter=LAST.previous().number)
    assert Return.objects.count() == 2 * n
    for user in (world["commissioner"], icb_admin):
        client.force_login(user)
        for name in ("commitments:return-list", "commitments:due-list", "commitments:review-list"):
            # Due returns are counted in one query and paged in two per quarter shown (the ids,
            # then their rows; four quarters at most), whatever the number of contracts.
            with django_assert_max_num_queries(21):
                assert client.get(reverse(name)).status_code == 200


def test_due_returns_page_in_sql_in_deadline_order(world, settings):
    """A page of the due returns is the same slice of the full list, oldest deadline first then by
    contract reference, whichever quarters it spans; counts and suppliers agree with the list."""
    from commitments.due import due_on_contracts

    for i in range(7):
        ContractFactory(commissioner=world["council"], start_date=dt.date(2024, 4, 1), reference=f"R-{7 - i:02}")
    late = ContractFactory(commissioner=world["council"], start_date=LAST.start, reference="A-LATE")
    SubmittedReturnFactory(contract=late, year=LAST.year, quarter=LAST.number)
    due = due_on_contracts(Contract.objects.all())
    everything = list(due)
    assert len(everything) == due.count() > 25
    keys = [(d.deadline, d.contract.reference, d.contract.pk) for d in everything]
    assert keys == sorted(keys)
    assert not any(d.contract == late for d in everything)  # its only quarter's return is in
    for start, stop in ((0, 5), (3, 11), (5, 30), (len(everything) - 2, len(everything) + 5)):
        page = due[start:stop]
        assert [(d.contract.pk, d.quarter) for d in page] == [(d.contract.pk, d.quarter) for d in everything[start:stop]]
    overdue = due.overdue()
    assert [d for d in everything if d.overdue] == list(overdue)
    assert overdue.count() + due.not_overdue().count() == due.count()
    owed = {}
    for d in overdue:
        owed[d.organisation.pk] = owed.get(d.organisation.pk, 0) + 1
    assert {pk: n for pk, _, n in overdue.suppliers()} == owed


def test_due_suppliers_are_limited_and_found_in_sql_and_narrowing_shares_one_count(
    world, django_assert_num_queries
):
    """The suppliers owing most come first (then by name), cut in SQL; the directory's subquery
    names the same suppliers; the overdue and not-overdue halves are counted by one query; a
    further condition per quarter narrows the list and its counts alike."""
    from django.db.models import Q

    from charter.models import Organisation

    many = OrganisationFactory(name="Zebra Many Ltd")
    few = OrganisationFactory(name="Aardvark Few Ltd")
    for i in range(3):
        ContractFactory(commissioner=world["council"], supplier=many, start_date=dt.date(2024, 4, 1), reference=f"M-{i}")
    ContractFactory(commissioner=world["council"], supplier=few, start_date=dt.date(2024, 4, 1), reference="F-0")
    due = due_on_contracts(Contract.objects.all())
    overdue = due.overdue()
    everyone = overdue.suppliers()
    assert [pk for pk, _, _ in everyone][:1] == [many.pk]
    assert [n for _, _, n in everyone] == sorted((n for _, _, n in everyone), reverse=True)
    assert overdue.suppliers(limit=2) == everyone[:2]
    assert set(Organisation.objects.filter(pk__in=overdue.supplier_ids()).values_list("pk", flat=True)) == {
        pk for pk, _, _ in everyone
    }
    with django_assert_num_queries(1):
        assert overdue.count() + due.not_overdue().count() == due.count()

    only_many = due.where({q: Q(supplier=many) for q in due.quarters})
    assert {d.organisation for d in only_many} == {many}
    assert only_many.count() == len(list(only_many)) == sum(n for pk, _, n in due.suppliers() if pk == many.pk)
    assert due.where({}).count() == 0


def test_a_supplier_owing_many_sees_the_oldest_and_starts_any_from_the_due_list(client, world):
    """A supplier with many contracts gets the oldest 20 due returns on its returns page, a link to
    all of them, and Start on every row of the due list (its own only)."""
    from commitments.views.return_lists import DUE_SHOWN

    for i in range(12):
        ContractFactory(supplier=world["supplier"], commissioner=world["council"], start_date=dt.date(2024, 4, 1),
                        reference=f"MANY-{i:02}")
    owed = due_on_contracts(Contract.objects.filter(supplier=world["supplier"])).count()
    assert owed > DUE_SHOWN
    body = page(client, world["reporter"]).content.decode()
    assert body.count('name="subject" value="c') + body.count(">Continue<") == DUE_SHOWN
    assert f"See all {owed} returns due and overdue" in body
    due_page = page(client, world["reporter"], reverse("commitments:due-list")).content.decode()
    assert due_page.count('action="' + reverse("commitments:return-start") + '"') + due_page.count(">Continue<") == 25
    # A commissioner's due list chases; it starts nothing.
    theirs = page(client, world["commissioner"], reverse("commitments:due-list")).content.decode()
    assert reverse("commitments:return-start") not in theirs
