"""The Partner VCFSE API: the commitment, its targets and progress (read by the organisation and
the ICB, written by its admins), and recipients on return lines in the returns API."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from charter.models import Place, Role
from commitments.models import PartnerCommitment, ReturnStatus, Target
from tests.commitments.vcfse_helpers import LAST_YEAR, THIS_YEAR, admin_of, approved_return, name_recipient, vcfse_org
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from toms.periods import financial_year_label as fy

pytestmark = pytest.mark.django_db
BASE = "/api/v1/partner-commitments/"


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def body(org, **overrides):
    data = {
        "organisation": org.pk,
        "baseline_year": fy(LAST_YEAR),
        "baselines": [{"measure": "NT14", "value": "1000", "method": "records", "how": "Ledger"}],
        "targets": [{"measure": "NT14", "financial_year": fy(LAST_YEAR + n), "value": str(1000 + 100 * n)} for n in (1, 2, 3)],
        "opportunity_kinds": ["supply_chain"],
        "opportunities": "Cleaning contracts",
        "public_figures": True,
    }
    data.update(overrides)
    return data


@pytest.fixture
def council(framework):
    return OrganisationFactory(public=True)


def test_an_admin_makes_the_commitment_and_reads_progress(council):
    admin = admin_of(council)
    approved_return(council, THIS_YEAR, 1, {"NT14": "300"})
    made = api(admin).post(BASE, body(council), format="json")
    assert made.status_code == 201, made.json()
    data = made.json()
    assert data["organisation"]["id"] == council.pk and data["baseline_year"] == fy(LAST_YEAR)
    assert data["baselines"] == [
        {"measure": "NT14", "unit": "£", "value": "1000", "method": "records", "how": "Ledger", "proposed": None, "reason": ""}
    ]
    assert [(t["financial_year"], t["value"]) for t in data["targets"]] == [
        (fy(LAST_YEAR + 1), "1100"), (fy(LAST_YEAR + 2), "1200"), (fy(LAST_YEAR + 3), "1300")
    ]
    progress = api(admin).get(data["progress_url"]).json()
    year = next(y for y in progress["measures"][0]["years"] if y["financial_year"] == fy(THIS_YEAR))
    assert year["delivered"] == "300" and year["quarters"] == {"Q1": "300"}
    assert "approved returns" in progress["counting"] and "times four" in progress["projection"]
    # The ICB reads it too; the list shows it.
    icb = UserFactory(system_role="icb_analyst")
    listed = api(icb).get(BASE).json()
    items = listed["results"] if isinstance(listed, dict) else listed
    assert [c["id"] for c in items] == [data["id"]]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"baseline_year": fy(THIS_YEAR + 1)}, "baseline_year", "has not started yet"),
        ({"baseline_year": "soon"}, "baseline_year", "write it like 2025/26"),
        ({"baselines": [{"measure": "NT14", "value": "-1", "method": "records"}]}, "baseline_NT14", "cannot be negative"),
        ({"baselines": [{"measure": "NT14", "value": "1e20", "method": "records"}]}, "baseline_NT14", "not a number"),
        ({"baselines": [{"measure": "NT14", "value": "100000000000", "method": "records"}]}, "baseline_NT14", "too large"),
        ({"baselines": []}, "baseline_NT14", "Give a baseline for NT14"),
        ({"baselines": [{"measure": "NT15", "value": "1", "method": "records"}]}, "baselines", "not asked of this organisation"),
        ({"targets": [{"measure": "NT14", "financial_year": fy(LAST_YEAR + n), "value": v} for n, v in ((1, "900"), (2, "1000"), (3, "1100"))]},
         f"target_NT14_{LAST_YEAR + 1}", "below the baseline"),
        ({"targets": [{"measure": "NT14", "financial_year": fy(LAST_YEAR + 1), "value": "1100"}]},
         f"target_NT14_{LAST_YEAR + 2}", "Enter the NT14 figure"),
        ({"targets": [{"measure": "NT14", "financial_year": fy(LAST_YEAR + n), "value": "20000"} for n in (1, 2, 3)]},
         "target_NT14", "more than ten times the baseline"),
        ({"opportunity_kinds": [], "opportunities": ""}, "opportunities", "opportunities you have identified"),
    ],
)
def test_refusals_name_the_field_and_save_nothing(council, overrides, field, message):
    response = api(admin_of(council)).post(BASE, body(council, **overrides), format="json")
    assert response.status_code == 400, response.json()
    assert message in response.json()["detail"] and response.json()["errors"][0]["field"] == field
    assert not PartnerCommitment.objects.exists() and not Target.objects.exists()


def test_who_may_write(council):
    assert api().post(BASE, body(council), format="json").status_code == 401
    assert api(MembershipFactory(role=Role.ADMIN).user).post(BASE, body(council), format="json").status_code == 404
    viewer = MembershipFactory(organisation=council, role=Role.VIEWER).user
    assert api(viewer).post(BASE, body(council), format="json").status_code == 403
    made = api(admin_of(council)).post(BASE, body(council), format="json").json()
    url = f"{BASE}{made['id']}/"
    assert api(viewer).get(url).status_code == 200
    assert api(viewer).patch(url, {"public_figures": False}, format="json").status_code == 403
    assert api(viewer).post(f"{url}targets/", {}, format="json").status_code == 403
    assert api(MembershipFactory(role=Role.ADMIN).user).get(url).status_code == 404
    assert api(UserFactory(system_role="icb_analyst")).patch(url, {"public_figures": False}, format="json").status_code == 403


def test_targets_are_revised_with_a_reason_and_history(council):
    admin = admin_of(council)
    made = api(admin).post(BASE, body(council), format="json").json()
    url = f"{BASE}{made['id']}/targets/"
    refused = api(admin).post(url, {"measure": "NT14", "financial_year": fy(LAST_YEAR + 2), "value": "1050", "reason": "Cut"},
                              format="json")
    assert refused.status_code == 400 and "below the" in refused.json()["detail"]
    no_reason = api(admin).post(url, {"measure": "NT14", "financial_year": fy(LAST_YEAR + 2), "value": "1250"}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "reason"
    ok = api(admin).post(url, {"measure": "NT14", "financial_year": fy(LAST_YEAR + 2), "value": "1250", "reason": "New contract"},
                         format="json")
    assert ok.status_code == 200
    target = Target.objects.get(financial_year=LAST_YEAR + 2)
    assert target.value == Decimal(1250)
    assert [(h.value, h.reason) for h in target.history.order_by("history_date")] == [
        (Decimal(1200), "Set with the commitment."), (Decimal(1250), "New contract")
    ]
    added = api(admin).post(url, {"measure": "NT14", "financial_year": fy(LAST_YEAR + 4), "value": "1400", "reason": "Year 4"},
                            format="json")
    assert added.status_code == 200 and len(added.json()["targets"]) == 4
    patched = api(admin).patch(f"{BASE}{made['id']}/", {"public_figures": False}, format="json")
    assert patched.status_code == 200 and patched.json()["public_figures"] is False


def test_recipients_on_return_lines_are_read_and_written(framework):
    company = OrganisationFactory()
    reporter = MembershipFactory(organisation=company, role=Role.REPORTER).user
    pantry = vcfse_org(Place.WIRRAL, name="Wirral Pantry")
    draft = approved_return(company, LAST_YEAR, 1, {"NT14": "1000"}, status=ReturnStatus.DRAFT)
    line = draft.lines.get()
    url = f"/api/v1/return-line-recipients/{line.pk}/"
    put = api(reporter).put(url, {"recipients": [
        {"organisation": pantry.pk, "amount": "600"},
        {"name": "Far Trust", "place": "outside", "amount": "100"},
    ]}, format="json")
    assert put.status_code == 200, put.json()
    assert [(r["name"], r["amount"], r["in_cm"], r["status"]) for r in put.json()] == [
        ("Wirral Pantry", "600", True, "unconfirmed"), ("Far Trust", "100", False, "unconfirmed")
    ]
    got = api(reporter).get(f"/api/v1/returns/{draft.pk}/").json()
    assert got["lines"][0]["id"] == line.pk and [r["name"] for r in got["lines"][0]["recipients"]] == ["Wirral Pantry", "Far Trust"]
    too_much = api(reporter).put(url, {"recipients": [{"organisation": pantry.pk, "amount": "1001"}]}, format="json")
    assert too_much.status_code == 400 and "Recipient 1" in too_much.json()["detail"]
    assert line.recipients.count() == 2  # nothing changed
    viewer = MembershipFactory(organisation=company, role=Role.VIEWER).user
    assert api(viewer).get(url).status_code == 200
    assert api(viewer).put(url, {"recipients": []}, format="json").status_code == 403
    assert api(MembershipFactory(role=Role.ADMIN).user).get(url).status_code == 404
    nt1 = approved_return(company, LAST_YEAR, 2, {"NT1": "1"}, status=ReturnStatus.DRAFT).lines.get()
    assert api(reporter).get(f"/api/v1/return-line-recipients/{nt1.pk}/").status_code == 404


def test_an_approved_returns_recipients_cannot_be_changed(framework):
    company = OrganisationFactory()
    reporter = MembershipFactory(organisation=company, role=Role.REPORTER).user
    ret = approved_return(company, LAST_YEAR, 1, {"NT14": "1000"})
    name_recipient(ret, "NT14", "10", name="X", place="wirral")
    response = api(reporter).put(f"/api/v1/return-line-recipients/{ret.lines.get().pk}/", {"recipients": []}, format="json")
    assert response.status_code == 400 and "approved" in response.json()["detail"]
    assert ret.lines.get().recipients.count() == 1
