"""Making the Partner VCFSE commitment in the journey: what each sector is asked, baselines
proposed from approved returns, every refusal (and nothing saved on a refused step), and who may."""

from decimal import Decimal

import pytest
from django.urls import reverse

from charter.models import Role, Sector
from commitments.models import PartnerCommitment, Target
from tests.commitments.vcfse_helpers import LAST_YEAR, THIS_YEAR, Journey, admin_of, approved_return
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from toms.periods import financial_year_label

pytestmark = pytest.mark.django_db
FY = financial_year_label


def label(year):
    return FY(year)


def targets(base, *values):
    return {f"target_{base + n}": v for n, v in enumerate(values, start=1)}


def steps_of(response):
    return response.redirect_chain[-1][0] if response.redirect_chain else response.request["PATH_INFO"]


def test_a_private_company_is_asked_for_nt14_to_nt17_and_makes_the_commitment(client, framework):
    company = OrganisationFactory(sector=Sector.PRIVATE)
    client.force_login(admin_of(company))
    j = Journey(client, company)
    page = j.start()
    assert page.status_code == 200 and "Which financial year is your baseline?" in page.content.decode()
    page = j.post("year", {"baseline_year": label(LAST_YEAR)})
    assert steps_of(page).endswith("/baseline-NT14/")
    for code, value in (("NT14", "20000"), ("NT15", "40"), ("NT16", "1500"), ("NT17", "300")):
        page = j.post(f"baseline-{code}", {"value": value, "method": "records", "how": "Finance ledger"})
        assert page.status_code == 200, page.content
    assert steps_of(page).endswith("/opportunities/")
    page = j.post("opportunities", {"opportunity_kinds": ["supply_chain", "pro_bono"], "opportunities": "Catering"})
    for code, values in (("NT14", (22000, 25000, 30000)), ("NT15", (40, 50, 60)), ("NT16", (1500, 1600, 1700)),
                         ("NT17", (300, 400, 500))):
        page = j.post(f"targets-{code}", targets(LAST_YEAR, *values))
    assert steps_of(page).endswith("/public/")
    page = j.post("public", {"public_figures": "yes"})
    body = page.content.decode()
    assert "Check your answers" in body and "£20,000" in body and "Catering" in body
    assert not PartnerCommitment.objects.exists()  # nothing saved before the last step
    page = j.post("check", {})
    assert page.status_code == 200
    commitment = PartnerCommitment.objects.get(organisation=company)
    assert commitment.baseline_year == LAST_YEAR and commitment.public_figures
    assert commitment.opportunity_kinds == ["supply_chain", "pro_bono"]
    assert {b.measure.code: b.value for b in commitment.baselines.all()} == {
        "NT14": Decimal("20000"), "NT15": Decimal("40"), "NT16": Decimal("1500"), "NT17": Decimal("300"),
    }
    nt14 = {t.financial_year: t.value for t in commitment.targets.filter(measure__code="NT14")}
    assert nt14 == {LAST_YEAR + 1: Decimal(22000), LAST_YEAR + 2: Decimal(25000), LAST_YEAR + 3: Decimal(30000)}
    assert "Partner VCFSE commitment" in page.content.decode()


def test_a_public_body_is_asked_for_nt14_only(client, framework):
    council = OrganisationFactory(public=True)
    client.force_login(admin_of(council))
    j = Journey(client, council)
    j.start()
    j.post("year", {"baseline_year": label(LAST_YEAR)})
    page = j.post("baseline-NT14", {"value": "100000", "method": "estimate"})
    assert steps_of(page).endswith("/opportunities/")
    j.post("opportunities", {"opportunities": "Grants to community groups"})
    page = j.post("targets-NT14", targets(LAST_YEAR, 110000, 120000, 130000))
    assert steps_of(page).endswith("/public/")
    j.post("public", {"public_figures": "no"})
    j.post("check", {})
    commitment = PartnerCommitment.objects.get(organisation=council)
    assert [b.measure.code for b in commitment.baselines.all()] == ["NT14"]
    assert commitment.targets.count() == 3


def test_a_vcfse_chooses_its_measures_or_none(client, framework):
    charity = OrganisationFactory(vcfse=True)
    client.force_login(admin_of(charity))
    j = Journey(client, charity)
    j.start()
    page = j.post("year", {"baseline_year": label(LAST_YEAR)})
    assert steps_of(page).endswith("/measures/")
    page = j.post("measures", {"measures": ["NT17"]})
    assert steps_of(page).endswith("/baseline-NT17/")
    j.post("baseline-NT17", {"value": "120", "method": "records"})
    j.post("opportunities", {"opportunity_kinds": ["joint_programmes"]})
    page = j.post("targets-NT17", targets(LAST_YEAR, 150, 150, 200))  # equal to the year before is allowed
    assert steps_of(page).endswith("/public/")
    j.post("public", {"public_figures": "no"})
    j.post("check", {})
    commitment = PartnerCommitment.objects.get(organisation=charity)
    assert [b.measure.code for b in commitment.baselines.all()] == ["NT17"]


def test_a_vcfse_may_identify_opportunities_only(client, framework):
    charity = OrganisationFactory(vcfse=True)
    client.force_login(admin_of(charity))
    j = Journey(client, charity)
    j.start()
    j.post("year", {"baseline_year": label(LAST_YEAR)})
    page = j.post("measures", {})
    assert steps_of(page).endswith("/opportunities/")
    page = j.post("opportunities", {"opportunities": "Shared volunteers with the food bank"})
    assert steps_of(page).endswith("/public/")
    j.post("public", {"public_figures": "no"})
    j.post("check", {})
    commitment = PartnerCommitment.objects.get(organisation=charity)
    assert not commitment.baselines.exists() and not commitment.targets.exists()


def test_the_baseline_is_proposed_from_approved_returns_with_the_returns_used(client, framework):
    council = OrganisationFactory(public=True)
    approved_return(council, LAST_YEAR, 1, {"NT14": "1000.50"})
    approved_return(council, LAST_YEAR, 2, {"NT14": "2000"})
    approved_return(council, LAST_YEAR, 3, {"NT14": "999"}, status="submitted")  # not approved: not used
    approved_return(council, LAST_YEAR - 1, 4, {"NT14": "5000"})  # another year
    client.force_login(admin_of(council))
    j = Journey(client, council)
    j.start()
    page = j.post("year", {"baseline_year": label(LAST_YEAR)})
    body = page.content.decode()
    assert "£3,000.50" in body and f"{label(LAST_YEAR)} Q1" in body and f"{label(LAST_YEAR)} Q2" in body
    assert f"{label(LAST_YEAR)} Q3" not in body
    assert 'value="3000.5"' in body  # proposed in the form
    # A typed baseline that differs needs a reason; with one it is accepted and kept for the ICB.
    page = j.post("baseline-NT14", {"value": "4000", "method": "records"})
    assert page.status_code == 200 and "say why the baseline differs" in page.content.decode()
    assert steps_of(page).endswith("/baseline-NT14/")
    j.post("baseline-NT14", {"value": "4000", "method": "records", "reason": "Two invoices paid outside the portal"})
    j.post("opportunities", {"opportunities": "More"})
    j.post("targets-NT14", targets(LAST_YEAR, 4000, 5000, 6000))
    j.post("public", {"public_figures": "no"})
    j.post("check", {})
    baseline = PartnerCommitment.objects.get().baselines.get()
    assert baseline.proposed == Decimal("3000.50") and baseline.value == Decimal(4000)
    assert baseline.reason == "Two invoices paid outside the portal" and baseline.differs_from_returns


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("-5", "cannot be negative"),
        ("lots", "as a number"),
        ("1e12", "not a number"),
        ("0,5", "use a full stop for decimals"),
        ("100000000000", "too large"),
        ("10.123", "at most 2 decimal places"),
        ("", "Enter the baseline"),
    ],
)
def test_bad_baselines_are_refused_naming_the_field(client, framework, raw, message):
    council = OrganisationFactory(public=True)
    client.force_login(admin_of(council))
    j = Journey(client, council)
    j.start()
    j.post("year", {"baseline_year": label(LAST_YEAR)})
    page = j.post("baseline-NT14", {"value": raw, "method": "records"})
    body = page.content.decode()
    assert message in body and "There is a problem" in body and 'href="#id_baseline-NT14-value"' in body
    assert steps_of(page).endswith("/baseline-NT14/")


def test_a_future_baseline_year_and_nonsense_are_refused(client, framework):
    council = OrganisationFactory(public=True)
    client.force_login(admin_of(council))
    j = Journey(client, council)
    j.start()
    page = j.post("year", {"baseline_year": label(THIS_YEAR + 1)})
    assert "has not started yet" in page.content.decode() and steps_of(page).endswith("/year/")
    page = j.post("year", {"baseline_year": "last year"})
    assert "write it like 2025/26" in page.content.decode()
    # Jumping ahead without a baseline year goes back to the first question.
    page = client.get(j.url("baseline-NT14"), follow=True)
    assert steps_of(page).endswith("/year/")


def test_the_returns_method_needs_approved_returns(client, framework):
    council = OrganisationFactory(public=True)
    client.force_login(admin_of(council))
    j = Journey(client, council)
    j.start()
    j.post("year", {"baseline_year": label(LAST_YEAR)})
    page = j.post("baseline-NT14", {"value": "10", "method": "returns"})
    assert "You have no approved returns with NT14" in page.content.decode()


def _to_targets(client, organisation, baseline="1000"):
    j = Journey(client, organisation)
    j.start()
    j.post("year", {"baseline_year": label(LAST_YEAR)})
    j.post("baseline-NT14", {"value": baseline, "method": "records"})
    j.post("opportunities", {"opportunities": "More"})
    return j


def test_a_target_below_the_year_before_is_refused_with_why(client, framework):
    council = OrganisationFactory(public=True)
    client.force_login(admin_of(council))
    j = _to_targets(client, council)
    page = j.post("targets-NT14", targets(LAST_YEAR, 900, 1000, 1100))
    body = page.content.decode()
    assert "is below the baseline" in body and "The commitment is to increase year on year" in body
    assert steps_of(page).endswith("/targets-NT14/")
    page = j.post("targets-NT14", targets(LAST_YEAR, 1200, 1100, 1300))
    body = page.content.decode()
    assert f"target for {label(LAST_YEAR + 2)}" in body and "is below the" in body
    assert f'href="#id_targets-NT14-target_{LAST_YEAR + 2}"' in body
    page = j.post("targets-NT14", targets(LAST_YEAR, 1200, "", 1300))
    assert f"Enter the target for {label(LAST_YEAR + 2)}" in page.content.decode()
    assert not Target.objects.exists()


def test_a_target_over_ten_times_the_baseline_asks_for_confirmation(client, framework):
    council = OrganisationFactory(public=True)
    client.force_login(admin_of(council))
    j = _to_targets(client, council)
    page = j.post("targets-NT14", targets(LAST_YEAR, 2000, 5000, 20000))
    body = page.content.decode()
    assert "more than ten times the baseline" in body and "tick the box" in body
    assert steps_of(page).endswith("/targets-NT14/")
    page = j.post("targets-NT14", {**targets(LAST_YEAR, 2000, 5000, 20000), "confirm_large": "on"})
    assert steps_of(page).endswith("/public/")
    j.post("public", {"public_figures": "no"})
    j.post("check", {})
    assert PartnerCommitment.objects.get().targets.get(financial_year=LAST_YEAR + 3).value == Decimal(20000)


def test_opportunities_are_required(client, framework):
    council = OrganisationFactory(public=True)
    client.force_login(admin_of(council))
    j = Journey(client, council)
    j.start()
    j.post("year", {"baseline_year": label(LAST_YEAR)})
    j.post("baseline-NT14", {"value": "1", "method": "records"})
    page = j.post("opportunities", {})
    assert "Describe the opportunities you have identified" in page.content.decode()


# --- who may -----------------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_sign_in(client, framework):
    council = OrganisationFactory(public=True)
    for name in ("vcfse-commitment", "vcfse-make", "vcfse-revise", "vcfse-edit", "vcfse-received"):
        response = client.get(reverse(f"commitments:{name}", args=[council.pk]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def test_outsiders_get_404_on_every_page(client, framework):
    council = OrganisationFactory(public=True)
    client.force_login(MembershipFactory(role=Role.ADMIN).user)
    for name in ("vcfse-commitment", "vcfse-make", "vcfse-revise", "vcfse-edit", "vcfse-received"):
        assert client.get(reverse(f"commitments:{name}", args=[council.pk])).status_code == 404, name
    assert client.get(Journey(client, council).url("year")).status_code == 404


@pytest.mark.parametrize("role", [Role.VIEWER, Role.REPORTER, Role.COMMISSIONER])
def test_only_admins_make_the_commitment(client, framework, role):
    council = OrganisationFactory(public=True)
    client.force_login(MembershipFactory(organisation=council, role=role).user)
    assert client.get(reverse("commitments:vcfse-commitment", args=[council.pk])).status_code == 200
    assert client.get(reverse("commitments:vcfse-make", args=[council.pk])).status_code == 403
    response = Journey(client, council).post("year", {"baseline_year": label(LAST_YEAR)}, follow=False)
    assert response.status_code == 403
    assert not PartnerCommitment.objects.exists()


def test_an_icb_analyst_sees_but_cannot_make(client, framework):
    council = OrganisationFactory(public=True)
    client.force_login(UserFactory(system_role="icb_analyst"))
    assert client.get(reverse("commitments:vcfse-commitment", args=[council.pk])).status_code == 200
    assert client.get(reverse("commitments:vcfse-make", args=[council.pk])).status_code == 403


def test_one_commitment_per_organisation(client, framework):
    council = OrganisationFactory(public=True)
    admin = admin_of(council)
    PartnerCommitment.objects.create(organisation=council, baseline_year=LAST_YEAR, opportunities="x")
    client.force_login(admin)
    page = client.get(reverse("commitments:vcfse-make", args=[council.pk]), follow=True)
    assert page.redirect_chain[-1][0] == reverse("commitments:vcfse-commitment", args=[council.pk])
    from commitments.services import vcfse as vs

    with pytest.raises(vs.CommitmentError, match="already made the commitment"):
        vs.make_commitment(
            admin, council, baseline_year=LAST_YEAR, baselines={"NT14": {"value": "1", "method": "records"}},
            targets={"NT14": {LAST_YEAR + 1: "1", LAST_YEAR + 2: "1", LAST_YEAR + 3: "1"}}, opportunities="y",
        )
    assert PartnerCommitment.objects.count() == 1
