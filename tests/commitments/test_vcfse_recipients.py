"""Who benefited: naming VCFSE recipients on a return line (from the register, or by name and
charity number), the share named, refusals, and the recipient's own word (confirm or dispute),
with who may do what."""

from decimal import Decimal

import pytest
from django.urls import reverse

from charter.models import Place, Role
from commitments.models import ReturnLineRecipient, ReturnStatus
from commitments.services import vcfse as vs
from tests.commitments.vcfse_helpers import LAST_YEAR, approved_return, name_recipient, vcfse_org
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def company(framework):
    return OrganisationFactory(name="Mersey Facilities Services Ltd")


@pytest.fixture
def reporter(company):
    return MembershipFactory(organisation=company, role=Role.REPORTER).user


@pytest.fixture
def draft(company):
    return approved_return(company, LAST_YEAR, 1, {"NT14": "1000", "NT1": "2"}, status=ReturnStatus.DRAFT)


@pytest.fixture
def line(draft):
    return draft.lines.get(measure__code="NT14")


def url(ret, line):
    return reverse("commitments:line-recipients", args=[ret.pk, line.pk])


def test_a_reporter_names_a_registered_vcfse_found_by_search(client, draft, line, reporter):
    pantry = vcfse_org(Place.WIRRAL, name="Wirral Pantry", charity_number="1012345")
    client.force_login(reporter)
    page = client.get(url(draft, line), {"q": "pantry"})
    assert "Wirral Pantry (Wirral)" in page.content.decode()
    page = client.get(url(draft, line), {"q": "1012345"})
    assert "Wirral Pantry" in page.content.decode()
    page = client.post(url(draft, line), {"action": "add", "q": "pantry", "organisation": pantry.pk, "amount": "400"},
                       follow=True)
    assert page.status_code == 200
    recipient = line.recipients.get()
    assert recipient.organisation == pantry and recipient.amount == D(400) and recipient.status == "unconfirmed"
    assert recipient.created_by == reporter
    body = page.content.decode()
    assert "Named so far: <strong>£400</strong> (40% of the line)" in body
    # The return's page shows the share named.
    detail = client.get(reverse("commitments:return-detail", args=[draft.pk])).content.decode()
    assert "Who benefited" in detail and "Wirral Pantry: £400" in detail and "40%" in detail


def test_a_recipient_not_yet_registered_is_named_with_its_charity_number_and_place(client, draft, line, reporter):
    client.force_login(reporter)
    client.post(url(draft, line), {"action": "add", "name": "  Halton   Food Bank ", "charity_number": "1099999",
                                   "place": Place.HALTON, "amount": "250.50"})
    r = line.recipients.get()
    assert (r.organisation, r.name, r.charity_number, r.place, r.amount) == (
        None, "Halton Food Bank", "1099999", Place.HALTON, D("250.50")
    )
    assert r.in_cm
    client.post(url(draft, line), {"action": "add", "name": "Far Trust", "place": Place.OUTSIDE, "amount": "10"})
    assert not line.recipients.get(name="Far Trust").in_cm
    # Removing one
    client.post(url(draft, line), {"action": "remove", "recipient": r.pk})
    assert list(line.recipients.values_list("name", flat=True)) == ["Far Trust"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "10"}, "Pick the recipient from the register, or give its name"),
        ({"name": "X Trust", "amount": "10"}, "Say where the recipient is based"),
        ({"name": "X Trust", "place": "wirral", "amount": "1001"}, "add up to more than the line"),
        ({"name": "X Trust", "place": "wirral", "amount": "-1"}, "cannot be negative"),
        ({"name": "X Trust", "place": "wirral", "amount": "0"}, "more than 0"),
        ({"name": "X Trust", "place": "wirral", "amount": "ten"}, "as a number"),
        ({"name": "X Trust", "place": "wirral", "amount": "10.555"}, "at most 2 decimal places"),
        ({"name": "X Trust", "place": "wirral", "charity_number": "12", "amount": "10"}, "registered charity number"),
    ],
)
def test_bad_recipients_are_refused_and_nothing_saved(client, draft, line, reporter, data, message):
    client.force_login(reporter)
    response = client.post(url(draft, line), {"action": "add", **data})
    assert response.status_code == 400
    assert message in response.content.decode() and "There is a problem" in response.content.decode()
    assert not ReturnLineRecipient.objects.exists()


def test_a_registered_charity_number_must_be_picked_and_not_typed(draft, line, reporter):
    vcfse_org(name="Registered Trust", charity_number="1012345")
    with pytest.raises(vs.CommitmentError, match="pick it from the register"):
        vs.add_recipient(reporter, line, {"name": "Registered", "charity_number": "1012345", "place": "wirral", "amount": "5"})


def test_only_vcfse_organisations_and_not_oneself(draft, line, reporter, company):
    with pytest.raises(vs.CommitmentError, match="not a VCFSE organisation"):
        vs.add_recipient(reporter, line, {"organisation": OrganisationFactory(), "amount": "5"})
    with pytest.raises(vs.CommitmentError, match="cannot name itself"):
        vs.add_recipient(reporter, line, {"organisation": company, "amount": "5"})


def test_recipients_only_on_partner_vcfse_lines_and_editable_returns(client, draft, reporter, company):
    client.force_login(reporter)
    nt1 = draft.lines.get(measure__code="NT1")
    assert client.get(url(draft, nt1)).status_code == 404
    approved = approved_return(company, LAST_YEAR, 2, {"NT14": "10"})
    line = approved.lines.get()
    page = client.get(url(approved, line))
    assert page.status_code == 200 and "Add the recipient" not in page.content.decode()
    with pytest.raises(vs.CommitmentError, match="approved and cannot be changed"):
        vs.add_recipient(reporter, line, {"name": "X", "place": "wirral", "amount": "1"})


def test_who_may_name_recipients(client, draft, line, company):
    assert "/accounts/login/" in client.get(url(draft, line))["Location"]
    client.force_login(MembershipFactory(role=Role.ADMIN).user)  # another organisation
    assert client.get(url(draft, line)).status_code == 404
    assert client.post(url(draft, line), {"action": "add", "name": "X", "place": "wirral", "amount": "1"}).status_code == 404
    viewer = MembershipFactory(organisation=company, role=Role.VIEWER).user
    client.force_login(viewer)
    assert client.get(url(draft, line)).status_code == 200
    assert client.post(url(draft, line), {"action": "add", "name": "X", "place": "wirral", "amount": "1"}).status_code == 403
    assert not ReturnLineRecipient.objects.exists()


# --- the VCFSE's own word ---------------------------------------------------------------------


@pytest.fixture
def pantry(framework):
    return vcfse_org(Place.WIRRAL, name="Wirral Pantry")


@pytest.fixture
def credited(company, pantry):
    ret = approved_return(company, LAST_YEAR, 3, {"NT14": "1000"}, status=ReturnStatus.SUBMITTED)
    return name_recipient(ret, "NT14", "600", organisation=pantry)


def received_url(org):
    return reverse("commitments:vcfse-received", args=[org.pk])


def answer_url(org, entry):
    return reverse("commitments:vcfse-answer", args=[org.pk, entry.pk])


def test_the_vcfse_sees_what_it_was_credited_with_and_confirms_it(client, pantry, credited, company):
    staff = MembershipFactory(organisation=pantry, role=Role.ADMIN).user
    client.force_login(staff)
    page = client.get(received_url(pantry)).content.decode()
    assert "Mersey Facilities Services Ltd: £600 (NT14)" in page and "Not yet confirmed" in page
    response = client.post(answer_url(pantry, credited), {f"r{credited.pk}-status": "confirmed"}, follow=True)
    assert "You confirmed what Mersey Facilities Services Ltd reported" in response.content.decode()
    credited.refresh_from_db()
    assert credited.status == "confirmed" and credited.answered_by == staff and credited.answered_at
    # The reporting organisation sees the answer on its return.
    client.force_login(MembershipFactory(organisation=company, role=Role.VIEWER).user)
    detail = client.get(reverse("commitments:return-detail", args=[credited.line.return_obj.pk])).content.decode()
    assert "confirmed by the recipient" in detail


def test_a_dispute_needs_a_comment_changes_nothing_else_and_is_flagged_to_the_reviewer(client, pantry, credited, framework):
    staff = MembershipFactory(organisation=pantry, role=Role.REPORTER).user
    client.force_login(staff)
    response = client.post(answer_url(pantry, credited), {f"r{credited.pk}-status": "disputed"})
    assert response.status_code == 400 and "Say what is wrong with this entry" in response.content.decode()
    credited.refresh_from_db()
    assert credited.status == "unconfirmed"
    client.post(answer_url(pantry, credited), {f"r{credited.pk}-status": "disputed", f"r{credited.pk}-comment": "We got £300"})
    credited.refresh_from_db()
    assert credited.status == "disputed" and credited.comment == "We got £300" and credited.amount == D(600)
    line = credited.line
    line.refresh_from_db()
    assert line.quantity == D(1000)  # nothing is changed by a dispute
    # The ICB (and a reviewer) sees it flagged on the return's page.
    client.force_login(UserFactory(system_role="icb_admin"))
    detail = client.get(reverse("commitments:return-detail", args=[line.return_obj.pk])).content.decode()
    assert "Wirral Pantry disputes £600: “We got £300”" in detail and "Check it before approving" in detail


def test_who_may_answer(client, pantry, credited, company):
    assert "/accounts/login/" in client.get(received_url(pantry))["Location"]
    client.force_login(MembershipFactory(role=Role.ADMIN).user)  # another organisation
    assert client.get(received_url(pantry)).status_code == 404
    assert client.post(answer_url(pantry, credited), {f"r{credited.pk}-status": "confirmed"}).status_code == 404
    # The reporting organisation cannot answer for the recipient: the entry is not on its page.
    client.force_login(MembershipFactory(organisation=company, role=Role.ADMIN).user)
    assert client.post(answer_url(pantry, credited), {f"r{credited.pk}-status": "confirmed"}).status_code == 404
    viewer = MembershipFactory(organisation=pantry, role=Role.VIEWER).user
    client.force_login(viewer)
    assert "Send your answer" not in client.get(received_url(pantry)).content.decode()
    assert client.post(answer_url(pantry, credited), {f"r{credited.pk}-status": "confirmed"}).status_code == 403
    credited.refresh_from_db()
    assert credited.status == "unconfirmed"


def test_drafts_are_not_shown_to_the_recipient(client, pantry, company):
    draft = approved_return(company, LAST_YEAR, 4, {"NT14": "10"}, status=ReturnStatus.DRAFT)
    entry = name_recipient(draft, "NT14", "5", organisation=pantry)
    client.force_login(MembershipFactory(organisation=pantry, role=Role.ADMIN).user)
    assert "Nobody has named" in client.get(received_url(pantry)).content.decode()
    assert client.post(answer_url(pantry, entry), {f"r{entry.pk}-status": "confirmed"}).status_code == 404


def test_the_return_form_encourages_naming_recipients(client, draft, line, reporter):
    client.force_login(reporter)
    body = client.get(reverse("commitments:return-edit", args=[draft.pk])).content.decode()
    assert "Name who received NT14 (£1,000)" in body and url(draft, line) in body


def test_the_organisation_page_links_the_commitment_and_what_was_received(client, framework):
    pantry = vcfse_org(name="Wirral Pantry")
    client.force_login(MembershipFactory(organisation=pantry, role=Role.ADMIN).user)
    body = client.get(reverse("charter:organisation-detail", args=[pantry.pk])).content.decode()
    assert reverse("commitments:vcfse-commitment", args=[pantry.pk]) in body and "Make the commitment" in body
    assert reverse("commitments:vcfse-received", args=[pantry.pk]) in body
