"""Each person lands on their own work: the home page for each role, what it shows and what it
does not, with a query count that does not grow with the data."""

import datetime as dt

import pytest
from django.urls import reverse

from charter import people_services as ps
from charter.models import Role, SignatureStatus
from commitments.models import Confirmation, ReturnLine, ReturnLineRecipient
from tests.factories import (
    ContractFactory,
    DraftReturnFactory,
    LiveSignatureFactory,
    MembershipFactory,
    OrganisationFactory,
    PendingSignatureFactory,
    SubmittedReturnFactory,
    UserFactory,
)
from toms.periods import Quarter

pytestmark = pytest.mark.django_db


def home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def world(db):
    """A council commissioning a contract from a supplier; the supplier owes returns."""
    council = OrganisationFactory(public=True, name="Example Borough Council")
    supplier = OrganisationFactory(name="Mersey Widgets Ltd")
    contract = ContractFactory(
        commissioner=council, supplier=supplier, reference="EBC-001",
        start_date=Quarter.current().previous().previous().previous().start, end_date=dt.date(2030, 3, 31),
    )
    reporter = MembershipFactory(organisation=supplier, role=Role.REPORTER).user
    admin = MembershipFactory(organisation=supplier, role=Role.ADMIN).user
    commissioner = MembershipFactory(organisation=council, role=Role.COMMISSIONER).user
    return {"council": council, "supplier": supplier, "contract": contract, "reporter": reporter,
            "admin": admin, "commissioner": commissioner}


def test_visitors_get_the_public_home_with_sign_the_charter_as_its_main_action(client, db):
    body = client.get(reverse("home")).content.decode()
    assert "govuk-button--start" in body
    start = body.index("govuk-button--start")
    assert reverse("charter:sign-start") in body[body.rfind("<a", 0, start):start]
    assert "Sign the Charter" in body[start:start + 400]
    assert "What needs you now" not in body


def test_a_reporter_sees_due_overdue_changes_and_drafts(client, world):
    contract = world["contract"]
    q = Quarter.current().previous()
    DraftReturnFactory(contract=contract, year=q.year, quarter=q.number)
    older = q.previous()
    DraftReturnFactory(contract=contract, year=older.year, quarter=older.number, status="changes_requested")
    body = home(client, world["reporter"])
    assert "What needs you now" in body
    assert "Your quarterly returns" in body
    assert "Changes requested" in body and "1 to correct" in body
    assert "1 in progress" in body
    assert "EBC-001" in body
    assert "Overdue returns" in body
    # Not theirs: the commissioner's and the ICB's sections.
    assert "Waiting for your review" not in body
    assert "Across Cheshire and Merseyside" not in body
    assert "What others reported giving you" not in body


def test_the_overdue_count_is_right(client, world):
    """Three quarters ended more than RETURN_DEADLINE_DAYS ago owe returns and none was made."""
    from commitments.due import returns_due

    due = returns_due([world["supplier"]])
    overdue = sum(1 for d in due if d.overdue)
    body = home(client, world["reporter"])
    assert overdue >= 2
    assert f"{overdue} overdue" in body
    assert f"{overdue} returns are overdue" in body  # the notification banner


def test_an_admin_sees_charter_vcfse_and_people(client, world):
    LiveSignatureFactory(organisation=world["supplier"])
    ps.invite(world["supplier"], world["admin"], email="new@example.org", role=Role.REPORTER)
    body = home(client, world["admin"])
    assert "Signed" in body and "Partner VCFSE commitment" in body and "Not made" in body
    assert "1 invitation waiting" in body
    assert reverse("charter:people", args=[world["supplier"].pk]) in body
    assert reverse("commitments:vcfse-commitment", args=[world["supplier"].pk]) in body
    # A reporter gets neither the people link nor the invitation count.
    body = home(client, world["reporter"])
    assert reverse("charter:people", args=[world["supplier"].pk]) not in body
    assert "invitation waiting" not in body


def test_a_partner_vcfse_commitment_shows_as_made(client, world):
    from commitments.models import PartnerCommitment

    PartnerCommitment.objects.create(organisation=world["supplier"], baseline_year=2024)
    body = home(client, world["admin"])
    assert "Made" in body and "2024/25" in body


def test_a_commissioner_sees_the_review_queue_who_to_chase_and_contracts_ending(client, world):
    q = Quarter.current().previous()
    SubmittedReturnFactory(contract=world["contract"], year=q.year, quarter=q.number)
    ending = ContractFactory(
        commissioner=world["council"], reference="EBC-END", start_date=dt.date(2024, 4, 1),
        end_date=dt.date.today() + dt.timedelta(days=30),
    )
    body = home(client, world["commissioner"])
    assert "Waiting for your review" in body
    assert "1 return is waiting for your review" in body
    assert "Overdue on your contracts" in body and "Mersey Widgets Ltd" in body
    assert ending.reference in body
    assert "Your quarterly returns" not in body  # a commissioner makes no returns
    # The navigation counts the queue.
    assert 'class="portal-nav-count">1<' in body


def test_someone_with_no_organisation_is_told_how_to_join(client, db):
    body = home(client, UserFactory())
    assert "ask your organisation&#x27;s admin to invite you" in body or "ask your organisation's admin to invite you" in body
    assert "Your quarterly returns" not in body


def test_vcfse_staff_see_what_others_reported_giving_them(client, world, framework):
    from toms.models import Measure

    charity = OrganisationFactory(vcfse=True, name="Wirral Pantry")
    staff = MembershipFactory(organisation=charity, role=Role.ADMIN).user
    q = Quarter.current().previous()
    ret = SubmittedReturnFactory(contract=world["contract"], year=q.year, quarter=q.number)
    line = ReturnLine.objects.create(return_obj=ret, measure=Measure.objects.get(code="NT17"), quantity=40)
    ReturnLineRecipient.objects.create(line=line, organisation=charity, amount=40)
    answered = ReturnLine.objects.create(return_obj=ret, measure=Measure.objects.get(code="NT14"), quantity=100)
    ReturnLineRecipient.objects.create(line=answered, organisation=charity, amount=100, status=Confirmation.CONFIRMED)
    # A draft's entries are not shown until the return is submitted.
    draft = DraftReturnFactory(contract=world["contract"], year=q.previous().year, quarter=q.previous().number)
    hidden = ReturnLine.objects.create(return_obj=draft, measure=Measure.objects.get(code="NT15"), quantity=5)
    ReturnLineRecipient.objects.create(line=hidden, organisation=charity, amount=5)

    body = home(client, staff)
    assert "What others reported giving you" in body
    assert "1 entry to confirm" in body
    assert "NT17" in body and "NT15" not in body
    assert "Mersey Widgets Ltd" in body
    # Others do not see this section.
    assert "What others reported giving you" not in home(client, world["reporter"])


def test_the_icb_sees_the_snapshot_charter_checks_and_overdue_everywhere(client, world, icb_analyst):
    PendingSignatureFactory(status=SignatureStatus.AWAITING_CHECK)
    PendingSignatureFactory(claims_organisation=True)
    body = home(client, icb_analyst)
    assert "Across Cheshire and Merseyside" in body
    assert "Latest snapshot" in body and "None built yet." in body
    assert "?status=awaiting_check\">1<" in body and "?status=claims\">1<" in body
    assert "Overdue returns" in body and "Mersey Widgets Ltd" in body
    assert reverse("reporting:directory") in body
    assert "Your quarterly returns" not in body and "Waiting for your review" not in body


def test_the_icb_sees_the_latest_built_snapshot(client, icb_analyst):
    from django.utils import timezone

    from reporting.models import Snapshot

    Snapshot.objects.create(year=2024, quarter=4, built_at=timezone.now(), returns_count=7, organisations_count=3)
    Snapshot.objects.create(year=2025, quarter=1, built_at=timezone.now(), returns_count=12, organisations_count=5)
    body = home(client, icb_analyst)
    assert "2025/26 Q1" in body and "12 approved returns from 5 organisations" in body


def test_a_person_with_several_roles_sees_each_section(client, world):
    both = world["reporter"]
    MembershipFactory(user=both, organisation=world["council"], role=Role.COMMISSIONER)
    body = home(client, both)
    assert "Your quarterly returns" in body and "Your contracts and suppliers" in body
    assert body.count('class="govuk-summary-card__title"><a') == 2  # a card for each organisation


@pytest.mark.parametrize("n", [1, 6])
def test_the_home_takes_a_fixed_number_of_queries(client, n, django_assert_max_num_queries, icb_admin):
    """A person who is reporter, admin, commissioner and VCFSE staff, and an ICB admin."""
    person = icb_admin
    council = OrganisationFactory(public=True)
    MembershipFactory(user=person, organisation=council, role=Role.COMMISSIONER)
    for i in range(n):
        supplier = OrganisationFactory()
        charity = OrganisationFactory(vcfse=True)
        MembershipFactory(user=person, organisation=supplier, role=Role.ADMIN if i % 2 else Role.REPORTER)
        MembershipFactory(user=person, organisation=charity, role=Role.ADMIN)
        contract = ContractFactory(commissioner=council, supplier=supplier, start_date=dt.date(2024, 4, 1))
        q = Quarter.current().previous()
        SubmittedReturnFactory(contract=contract, year=q.year, quarter=q.number)
        DraftReturnFactory(contract=contract, year=q.previous().year, quarter=q.previous().number, status="changes_requested")
        LiveSignatureFactory(organisation=supplier)
        PendingSignatureFactory(organisation=charity)
        ps.invite(supplier, person, email=f"x{i}@example.org", role=Role.VIEWER)
    client.force_login(person)
    # Bounded whatever the data: due returns page in two queries per quarter shown (the ids, then
    # their rows; four quarters at most).
    with django_assert_max_num_queries(34):
        assert client.get(reverse("home")).status_code == 200


def test_a_viewer_is_told_nothing_needs_them_and_where_to_read(client, world):
    viewer = MembershipFactory(organisation=world["supplier"], role=Role.VIEWER).user
    body = home(client, viewer)
    assert "Nothing needs you now" in body and reverse("commitments:return-list") in body
    assert "Your quarterly returns" not in body and "Manage" not in body


@pytest.mark.parametrize("deadline_days", [1, 400])
def test_the_icb_home_says_how_many_are_due_but_not_late_in_words(client, world, icb_analyst, settings, deadline_days):
    """With a day's grace every return owed is late ("None due ..."); with 400 days none is."""
    from commitments.due import due_on_contracts
    from commitments.models import Contract

    settings.RETURN_DEADLINE_DAYS = deadline_days
    body = home(client, icb_analyst)
    due = due_on_contracts(Contract.objects.all()).not_overdue().count()
    assert bool(due) == (deadline_days == 400)
    if due:
        assert f"And {due} due, not yet late." in body
    else:
        assert "None due that is not yet late." in body and "0 due" not in body
