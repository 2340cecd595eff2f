"""Progress from approved returns, never typed twice: the arithmetic (Decimal, partial years, no
returns, amendments counted once, superseded returns not counted, recipients in and outside C&M,
confirmed / unconfirmed / disputed), the projection, the £ proxy value, and the ICB's aggregates
against a small hand-computed set."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from charter.models import Place, Role, Sector
from commitments.models import Baseline, PartnerCommitment, ReturnStatus, Target
from commitments.services import returns as rs
from commitments.vcfse_progress import delivery, progress, projection, system_view
from tests.commitments.vcfse_helpers import LAST_YEAR, THIS_YEAR, admin_of, approved_return, name_recipient, vcfse_org
from tests.factories import ContractFactory, LiveSignatureFactory, MembershipFactory, OrganisationFactory
from toms.models import Measure
from toms.services import set_proxy_value

pytestmark = pytest.mark.django_db
D = Decimal


def commit(organisation, baseline_year=LAST_YEAR, **baselines_and_targets):
    commitment = PartnerCommitment.objects.create(organisation=organisation, baseline_year=baseline_year, opportunities="x")
    for code, (baseline, targets) in baselines_and_targets.items():
        measure = Measure.objects.get(code=code)
        Baseline.objects.create(commitment=commitment, measure=measure, value=D(baseline), method="records")
        for year, value in targets.items():
            Target.objects.create(commitment=commitment, measure=measure, financial_year=year, value=D(value))
    return commitment


def nt(code):
    return Measure.objects.get(code=code).pk


def test_no_returns_means_zero_delivery_and_no_projection(framework):
    company = OrganisationFactory()
    commitment = commit(company, NT14=("1000", {LAST_YEAR + 1: "1200"}))
    rows = progress(commitment)
    years = {y.year: y for y in rows[0].years}
    assert years[LAST_YEAR].delivery.counted == 0 and years[LAST_YEAR + 1].percent == 0
    assert all(y.projected is None for y in rows[0].years)


def test_delivery_sums_approved_returns_organisation_wide_and_on_contracts_in_decimal(framework):
    company = OrganisationFactory()
    contract = ContractFactory(supplier=company)
    approved_return(company, THIS_YEAR, 1, {"NT14": "100.10", "NT17": "3.5"})
    approved_return(company, THIS_YEAR, 1, {"NT14": "200.20"}, contract=contract)
    approved_return(company, THIS_YEAR, 2, {"NT14": "0.01"}, contract=contract)
    approved_return(company, THIS_YEAR, 3, {"NT14": "999"}, status=ReturnStatus.SUBMITTED)  # not approved
    approved_return(company, THIS_YEAR, 4, {"NT14": "999"}, status=ReturnStatus.DRAFT)
    approved_return(company, THIS_YEAR, 1, {"NT1": "5"}, contract=ContractFactory(supplier=company))  # not VCFSE
    d = delivery(company, [THIS_YEAR])
    nt14 = d[(nt("NT14"), THIS_YEAR)]
    assert nt14.total == D("300.31") and isinstance(nt14.total, Decimal)
    assert nt14.on_contracts == D("200.21")
    assert nt14.quarters == {1: D("300.30"), 2: D("0.01")}
    assert d[(nt("NT17"), THIS_YEAR)].total == D("3.5")
    assert (nt("NT1"), THIS_YEAR) not in d


def test_an_amendment_counts_once_and_the_superseded_return_not_at_all(framework):
    company = OrganisationFactory()
    contract = ContractFactory(supplier=company)
    reporter = MembershipFactory(organisation=company, role=Role.REPORTER).user
    reviewer = MembershipFactory(organisation=contract.commissioner, role=Role.COMMISSIONER).user
    charity = vcfse_org()
    original = approved_return(company, LAST_YEAR, 2, {"NT14": "1000"}, contract=contract)
    name_recipient(original, "NT14", "400", organisation=charity, status="confirmed")
    amendment = rs.amend(original, reporter)
    # The correction starts with the recipients and their answers.
    assert [(r.organisation, r.amount, r.status) for r in amendment.lines.get().recipients.all()] == [
        (charity, D(400), "confirmed")
    ]
    rs.save_draft(amendment, reporter, [rs.LineInput("NT14", "1500")], revision=amendment.revision)
    amendment.refresh_from_db()
    rs.submit(amendment, reporter, attested=True)
    assert delivery(company)[(nt("NT14"), LAST_YEAR)].total == D(1000)  # the original counts until approved
    rs.approve(amendment, reviewer)
    original.refresh_from_db()
    assert original.status == ReturnStatus.SUPERSEDED
    d = delivery(company)[(nt("NT14"), LAST_YEAR)]
    assert d.total == D(1500) and d.confirmed == D(400) and d.unnamed == D(1100)


def test_recipients_outside_cm_are_shown_apart_and_not_counted(framework):
    company = OrganisationFactory()
    ret = approved_return(company, LAST_YEAR, 1, {"NT14": "1000"})
    name_recipient(ret, "NT14", "300", organisation=vcfse_org(Place.LIVERPOOL), status="confirmed")
    name_recipient(ret, "NT14", "200", organisation=vcfse_org(Place.OUTSIDE))
    name_recipient(ret, "NT14", "100", name="Not Yet Registered Trust", place=Place.OUTSIDE)
    name_recipient(ret, "NT14", "50", name="Halton Community Kitchen", place=Place.HALTON, status="disputed")
    name_recipient(ret, "NT14", "25", organisation=vcfse_org(Place.SEFTON))
    d = delivery(company)[(nt("NT14"), LAST_YEAR)]
    assert d.total == D(1000)
    assert d.outside == D(300)
    assert d.counted == D(700)
    assert (d.confirmed, d.unconfirmed, d.disputed) == (D(300), D(25), D(50))
    assert d.unnamed == D(325)
    assert d.share_named == D(68)  # (375 in C&M + 300 outside) of 1,000
    assert d.quarters == {1: D(700)}


def test_progress_against_targets_with_percentage_projection_and_proxy_value(framework):
    company = OrganisationFactory()
    set_proxy_value(Measure.objects.get(code="NT17"), THIS_YEAR, D("17.50"), "Test source")
    commitment = commit(company, NT17=("100", {LAST_YEAR + 1: "200", LAST_YEAR + 2: "300", LAST_YEAR + 3: "400"}))
    approved_return(company, THIS_YEAR, 1, {"NT17": "30"})
    approved_return(company, THIS_YEAR, 2, {"NT1": "1"})  # a quarter reported with no NT17 counts as nothing
    rows = progress(commitment, today=dt.date(THIS_YEAR, 10, 15))
    this_year = next(y for y in rows[0].years if y.year == THIS_YEAR)
    assert this_year.target == D(200) and this_year.delivery.counted == D(30)
    assert this_year.percent == D(15)
    assert this_year.quarters_reported == [1, 2]
    assert this_year.projected == D("60.00")  # 30 over 2 quarters, times 4
    assert this_year.social_value == D("525.00") and this_year.proxy_source == "Test source"
    last_year = next(y for y in rows[0].years if y.year == LAST_YEAR)
    assert last_year.is_baseline and last_year.social_value is None  # no proxy value that year


def test_projection_rules():
    assert projection(D(90), [1, 2, 3]) == D("120.00")
    assert projection(D(90), []) is None
    assert projection(D(90), [1, 2, 3, 4]) is None  # the year is complete: nothing to project


def test_the_commitment_page_shows_the_figures(client, framework):
    company = OrganisationFactory()
    commit(company, NT14=("1000", {THIS_YEAR: "2000"}), baseline_year=THIS_YEAR - 1)
    ret = approved_return(company, THIS_YEAR, 1, {"NT14": "500"})
    name_recipient(ret, "NT14", "100", organisation=vcfse_org(), status="confirmed")
    name_recipient(ret, "NT14", "40", organisation=vcfse_org(), status="disputed")
    ret.lines.get().recipients.filter(status="disputed").update(comment="We received £20")
    client.force_login(MembershipFactory(organisation=company, role=Role.VIEWER).user)
    page = client.get(reverse("commitments:vcfse-commitment", args=[company.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "25%" in body and "£500" in body and "£100" in body and "£40" in body and "£360" in body
    assert "We received £20" in body
    assert "Revise a target" not in body  # a viewer sees but cannot act
    chart = client.get(reverse("commitments:vcfse-trend", args=[company.pk, "NT14"]))
    assert chart["Content-Type"] == "image/svg+xml" and b"Q1 \xc2\xa3500" in chart.content


# --- the ICB's system view -------------------------------------------------------------------


@pytest.fixture
def small_system(framework):
    """Two committed organisations, one signatory that has not committed, known figures."""
    council = OrganisationFactory(public=True, place=Place.LIVERPOOL)
    company = OrganisationFactory(sector=Sector.PRIVATE, place=Place.WIRRAL)
    LiveSignatureFactory(organisation=council)
    laggard = OrganisationFactory(public=True, name="Slow Borough Council", place=Place.HALTON)
    LiveSignatureFactory(organisation=laggard)
    commit(council, NT14=("10000", {THIS_YEAR: "12000"}))
    commit(company, NT14=("5000", {THIS_YEAR: "6000"}), NT17=("100", {THIS_YEAR: "150"}))
    big, small = vcfse_org(Place.WIRRAL, name="Wirral Big Charity"), vcfse_org(Place.WIRRAL, name="Wirral Small Charity")
    far = vcfse_org(Place.OUTSIDE, name="Far Away Trust")
    r1 = approved_return(council, THIS_YEAR, 1, {"NT14": "3000"})
    name_recipient(r1, "NT14", "2000", organisation=big, status="confirmed")
    name_recipient(r1, "NT14", "500", organisation=far)
    r2 = approved_return(company, THIS_YEAR, 1, {"NT14": "1000.50", "NT17": "40"})
    name_recipient(r2, "NT14", "1000.50", organisation=small, status="disputed")
    name_recipient(r2, "NT17", "40", organisation=big)
    approved_return(company, THIS_YEAR, 2, {"NT14": "700"}, status=ReturnStatus.SUBMITTED)  # not counted
    return {"council": council, "company": company, "laggard": laggard, "big": big, "small": small}


def test_icb_aggregates_match_a_hand_computed_set(small_system):
    view = system_view(THIS_YEAR)
    assert len(view["committed"]) == 2
    assert dict(view["by_sector"]) == {
        "Public sector": 1, "Private sector": 1,
        "Voluntary, community, faith and social enterprise (VCFSE)": 0,
    }
    assert dict(view["by_place"])["Liverpool"] == 1 and dict(view["by_place"])["Wirral"] == 1
    assert [o.name for o in view["signed_not_committed"]] == ["Slow Borough Council"]
    rows = {r["measure"].code: r for r in view["measures"]}
    nt14 = rows["NT14"]
    assert nt14["baseline"] == D(15000) and nt14["target"] == D(18000)
    # 3,000 + 1,000.50 delivered, 500 of it to a recipient outside C&M.
    assert nt14["delivery"].total == D("4000.50") and nt14["delivery"].counted == D("3500.50")
    assert nt14["delivery"].confirmed == D(2000) and nt14["delivery"].disputed == D("1000.50")
    assert nt14["delivery"].unnamed == D(500)
    assert nt14["percent"] == D(19)  # 3,500.50 of 18,000
    assert rows["NT17"]["delivery"].counted == D(40) and rows["NT17"]["target"] == D(150)
    wirral = dict(view["top_recipients"])["Wirral"]
    assert [(r["name"], r["pounds"], r["hours"]) for r in wirral] == [
        ("Wirral Big Charity", D(2000), D(40)), ("Wirral Small Charity", D("1000.50"), D(0)),
    ]
    assert [r["name"] for r in dict(view["top_recipients"])["Outside Cheshire and Merseyside"]] == ["Far Away Trust"]
    assert view["not_reported"] == []
    assert view["differing_baselines"] == []
    baseline = Baseline.objects.get(commitment__organisation=small_system["council"])
    baseline.proposed, baseline.reason = D(9000), "Two grants paid outside the portal"
    baseline.save()
    assert [(b.value, b.proposed, b.reason) for b in system_view(THIS_YEAR)["differing_baselines"]] == [
        (D(10000), D(9000), "Two grants paid outside the portal")
    ]
    assert [o.name for o in system_view(THIS_YEAR - 1)["not_reported"]] == sorted(
        [small_system["council"].name, small_system["company"].name]
    )


def test_the_system_view_is_for_the_icb_only_and_exports(client, small_system, icb_analyst):
    url = reverse("commitments:vcfse-system")
    assert "/accounts/login/" in client.get(url)["Location"]
    client.force_login(admin_of(small_system["company"]))
    assert client.get(url).status_code == 403
    assert client.get(reverse("commitments:vcfse-system-csv")).status_code == 403
    client.force_login(icb_analyst)
    body = client.get(url).content.decode()
    assert "Slow Borough Council" in body and "£3,500.5" in body and "Wirral Big Charity" in body
    import csv
    import io

    from openpyxl import load_workbook

    csv_text = client.get(reverse("commitments:vcfse-system-csv"), {"year": THIS_YEAR}).content.decode()
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert ["NT14 (£)", "delivered in C&M (counted)", "3500.50", ""] in rows
    assert ["signed the charter, not committed", "Slow Borough Council", "", "Halton"] in rows
    assert ["committed by sector", "Public sector", "1", ""] in rows
    response = client.get(reverse("commitments:vcfse-system-xlsx"), {"year": THIS_YEAR})
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["NT14 (£)", "delivered in C&M (counted)", 3500.5, None] in cells or [
        "NT14 (£)", "delivered in C&M (counted)", 3500.5, ""
    ] in cells


def test_exported_names_cannot_run_as_formulas(client, small_system, icb_analyst):
    LiveSignatureFactory(organisation=OrganisationFactory(public=True, name="=HYPERLINK(1)", place=Place.SEFTON))
    client.force_login(icb_analyst)
    csv_text = client.get(reverse("commitments:vcfse-system-csv"), {"year": THIS_YEAR}).content.decode()
    assert "'=HYPERLINK(1)" in csv_text and ",=HYPERLINK" not in csv_text
