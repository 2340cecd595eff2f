"""Revising targets with a reason, the history kept and shown; changing the opportunities and
whether figures are public; the public register entry."""

from decimal import Decimal

import pytest
from django.urls import reverse

from charter.models import Role
from commitments.models import Baseline, PartnerCommitment, Target
from tests.commitments.vcfse_helpers import LAST_YEAR, THIS_YEAR, admin_of, approved_return, name_recipient, vcfse_org
from tests.factories import LiveSignatureFactory, MembershipFactory, OrganisationFactory
from toms.models import Measure
from toms.periods import financial_year_label as fy

pytestmark = pytest.mark.django_db


@pytest.fixture
def commitment(framework):
    council = OrganisationFactory(public=True, name="Example Borough Council")
    commitment = PartnerCommitment.objects.create(
        organisation=council, baseline_year=LAST_YEAR, opportunities="Grants", opportunity_kinds=["supply_chain"]
    )
    nt14 = Measure.objects.get(code="NT14")
    Baseline.objects.create(commitment=commitment, measure=nt14, value=Decimal(1000), method="records")
    for n, value in ((1, 1100), (2, 1200), (3, 1300)):
        Target.objects.create(commitment=commitment, measure=nt14, financial_year=LAST_YEAR + n, value=value,
                              reason="Set with the commitment.")
    return commitment


def revise_url(c):
    return reverse("commitments:vcfse-revise", args=[c.organisation_id])


def test_a_target_is_revised_with_a_reason_and_its_history_shown(client, commitment):
    client.force_login(admin_of(commitment.organisation))
    data = {"measure": "NT14", "financial_year": str(LAST_YEAR + 2), "value": "1250", "reason": "A new catering contract"}
    page = client.post(revise_url(commitment), data, follow=True)
    assert page.status_code == 200 and "the earlier figure is kept in its history" in page.content.decode()
    assert Target.objects.get(financial_year=LAST_YEAR + 2).value == Decimal(1250)
    body = page.content.decode()
    assert "History of the NT14 targets" in body and "A new catering contract" in body and "Revised: " + fy(LAST_YEAR + 2) in body
    assert "Set with the commitment." in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"value": "1050", "reason": "Cut"}, "is below the"),
        ({"value": "1250", "reason": ""}, "Say why the target is being revised"),
        ({"value": "1250", "reason": "x", "financial_year": str(LAST_YEAR + 1)}, "is below the"),  # above the next year
        ({"value": "-1", "reason": "x"}, "cannot be negative"),
        ({"value": "abc", "reason": "x"}, "as a number"),
        ({"value": "1200", "reason": "x"}, "already"),
    ],
)
def test_bad_revisions_are_refused_and_change_nothing(client, commitment, data, message):
    client.force_login(admin_of(commitment.organisation))
    response = client.post(revise_url(commitment), {"measure": "NT14", "financial_year": str(LAST_YEAR + 2), **data})
    assert response.status_code == 400 and message in response.content.decode()
    assert [t.value for t in Target.objects.order_by("financial_year")] == [1100, 1200, 1300]
    assert Target.history.count() == 3


def test_a_revision_over_ten_times_the_baseline_asks_for_confirmation(client, commitment):
    client.force_login(admin_of(commitment.organisation))
    data = {"measure": "NT14", "financial_year": str(LAST_YEAR + 3), "value": "50000", "reason": "Big new contract"}
    response = client.post(revise_url(commitment), data)
    assert response.status_code == 400 and "more than ten times the baseline" in response.content.decode()
    assert Target.objects.get(financial_year=LAST_YEAR + 3).value == 1300
    client.post(revise_url(commitment), {**data, "confirm_large": "on"})
    assert Target.objects.get(financial_year=LAST_YEAR + 3).value == 50000


def test_who_may_revise(client, commitment):
    assert "/accounts/login/" in client.get(revise_url(commitment))["Location"]
    client.force_login(MembershipFactory(role=Role.ADMIN).user)
    assert client.get(revise_url(commitment)).status_code == 404
    client.force_login(MembershipFactory(organisation=commitment.organisation, role=Role.VIEWER).user)
    assert client.get(revise_url(commitment)).status_code == 403
    data = {"measure": "NT14", "financial_year": str(LAST_YEAR + 2), "value": "1250", "reason": "x"}
    assert client.post(revise_url(commitment), data).status_code == 403
    assert client.post(reverse("commitments:vcfse-edit", args=[commitment.organisation_id]), {}).status_code == 403
    assert Target.objects.get(financial_year=LAST_YEAR + 2).value == 1200


def test_opportunities_and_publishing_are_changed(client, commitment):
    client.force_login(admin_of(commitment.organisation))
    url = reverse("commitments:vcfse-edit", args=[commitment.organisation_id])
    refused = client.post(url, {"opportunities": "", "public_figures": "yes"})
    assert refused.status_code == 400 and "Describe the opportunities" in refused.content.decode()
    client.post(url, {"opportunity_kinds": ["pro_bono"], "opportunities": "Legal advice", "public_figures": "yes"})
    commitment.refresh_from_db()
    assert commitment.opportunity_kinds == ["pro_bono"] and commitment.public_figures
    assert commitment.history.count() == 2


def test_the_public_register_entry_shows_the_commitment_and_figures_only_if_public(client, commitment):
    council = commitment.organisation
    LiveSignatureFactory(organisation=council)
    ret = approved_return(council, THIS_YEAR, 1, {"NT14": "700"})
    name_recipient(ret, "NT14", "300", organisation=vcfse_org(name="Confirmed Charity"), status="confirmed")
    name_recipient(ret, "NT14", "100", organisation=vcfse_org(name="Quiet Charity"))
    url = reverse("charter:register-entry", args=[council.slug])
    body = client.get(url).content.decode()
    assert "Partner VCFSE commitment" in body and "VCFSE organisations in the supply chain" in body
    assert "chosen not to publish its figures" in body and "£700" not in body and "Confirmed Charity" not in body
    commitment.public_figures = True
    commitment.save()
    body = client.get(url).content.decode()
    assert "£700" in body and "£1,100" in body and "Confirmed Charity" in body
    assert "Quiet Charity" not in body  # named only with the recipient's confirmation
