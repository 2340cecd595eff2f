"""The ICB dashboard, exports, snapshot rebuilds, the commissioner view, the public summary and the
API: who may see what, and that the figures on them are the snapshot's."""

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from commitments.models import CaseStudy
from reporting.models import Snapshot
from reporting.services.snapshots import build_snapshot
from tests.factories import MembershipFactory, UserFactory
from tests.reporting.world import Q, build_world

DASHBOARD = reverse("reporting:dashboard")


@pytest.fixture
def world(framework):
    w = build_world()
    CaseStudy.objects.create(return_obj=w.a_amended, title="Apprentices from Kirkby", story="Four young people.",
                             consent_to_publish=True)
    CaseStudy.objects.create(return_obj=w.a_amended, title="A private story", story="Not for the public.")
    build_snapshot(Q)
    return w


def test_anonymous_people_are_sent_to_sign_in(client, world):
    for url in [DASHBOARD, reverse("reporting:snapshots"), reverse("reporting:commissioner"),
                reverse("reporting:export", args=["measures", "csv"])]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_the_dashboard_is_for_icb_staff_only(client, world, owner):
    client.force_login(owner)
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(reverse("reporting:export", args=["measures", "csv"])).status_code == 403
    commissioner = MembershipFactory(organisation=world.council, role="commissioner").user
    client.force_login(commissioner)
    assert client.get(DASHBOARD).status_code == 403


def test_the_dashboard_shows_the_snapshot_and_filters_in_the_url(client, world, icb_analyst):
    client.force_login(icb_analyst)
    page = client.get(DASHBOARD).content.decode()
    assert "£2,050" in page  # gross, the whole system
    assert "£1,840" in page  # adjusted
    assert "median 60% (range 40% to 70%)" in page
    assert "2 of 3 said yes" in page
    assert "0.75 FTE-years" in page
    assert "LCC-E" in page  # the return to chase, with the commissioner to ask
    assert "Apprentices from Kirkby" in page
    assert "<title id=\"chart-title\">" not in page  # charts are images with alt text...
    assert 'alt="Bar chart of £ social value by theme' in page  # ...described
    page = client.get(DASHBOARD, {"place": "liverpool"}).content.decode()
    assert "0.5 FTE-years" in page and "median 40%" in page
    page = client.get(DASHBOARD, {"commissioner": world.council.pk}).content.decode()
    assert "median 50%" in page
    response = client.get(DASHBOARD, {"place": "atlantis"})
    assert "Place: that choice is not offered" in response.content.decode()


def test_the_dashboard_query_count_does_not_grow_with_the_data(client, world, icb_analyst, django_assert_max_num_queries):
    client.force_login(icb_analyst)
    client.get(DASHBOARD)  # warm the chart cache
    with django_assert_max_num_queries(30):
        client.get(DASHBOARD)


def test_each_table_downloads_as_csv_and_xlsx(client, world, icb_analyst):
    client.force_login(icb_analyst)
    response = client.get(reverse("reporting:export", args=["measures", "csv"]), {"place": "liverpool"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][:3] == ["Code", "Measure", "Figure"]
    nt1 = next(r for r in rows if r[0] == "NT1")
    assert nt1[2] == "0.5000" and nt1[5] == "500.00"
    response = client.get(reverse("reporting:export", args=["overdue", "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1] == ("Contract", "Supplier", "Commissioner to ask", "Place")
    assert values[2][0] == "LCC-E"
    assert client.get(reverse("reporting:export", args=["nothing", "csv"])).status_code == 404


def test_an_icb_admin_rebuilds_and_watches_the_build(client, world, icb_admin, icb_analyst):
    client.force_login(icb_analyst)
    assert client.get(reverse("reporting:snapshots")).status_code == 403
    client.force_login(icb_admin)
    response = client.post(reverse("reporting:snapshots"), {"quarter": "2025/26 Q7"})
    assert response.status_code == 400 and "is not a quarter" in response.content.decode()
    with_capture = client.post(reverse("reporting:snapshots"), {"quarter": "2025/26 Q1"}, follow=True)
    page = with_capture.content.decode()
    assert "Rebuilding 2025/26 Q1" in page


def test_publishing_puts_the_quarter_on_the_public_summary(client, world, icb_admin):
    summary = reverse("reporting:public-summary")
    assert "have not been published" in client.get(summary).content.decode()
    client.force_login(icb_admin)
    snapshot = Snapshot.objects.get()
    client.post(reverse("reporting:publish", args=[snapshot.pk]))
    client.logout()
    page = client.get(summary).content.decode()
    assert "£2,050" in page and "Apprentices from Kirkby" in page
    assert "A private story" not in page  # no consent to publish
    data = json.loads(client.get(reverse("reporting:open-data-json")).content)
    assert "Open Government Licence" in data["licence"] and data["quarter"] == "2025/26 Q1"
    nt1 = next(f for f in data["figures"] if f["code"] == "NT1")
    assert nt1["quantity"] == "0.7500" and nt1["value_adjusted_gbp"] == "540.00"
    text = client.get(reverse("reporting:open-data-csv")).content.decode()
    assert text.startswith("# Contains public sector information") and "NT83" in text


def test_commissioners_see_their_own_contracts_only(client, world, outsider):
    commissioner = MembershipFactory(organisation=world.council, role="commissioner").user
    client.force_login(commissioner)
    page = client.get(reverse("reporting:commissioner")).content.decode()
    assert "LCC-A" in page and "LCC-B" in page and "LCC-E" in page
    assert "WBC-V" not in page  # another council's contract
    client.force_login(outsider)
    assert client.get(reverse("reporting:commissioner")).status_code == 403


def test_the_api_gives_icb_staff_every_snapshot_and_others_the_published(client, world, icb_analyst, owner):
    url = reverse("snapshot-list")
    assert client.get(url).json()["count"] == 0
    client.force_login(owner)
    assert client.get(url).json()["count"] == 0
    client.force_login(icb_analyst)
    body = client.get(url).json()
    assert body["count"] == 1
    detail = client.get(reverse("snapshot-detail", args=[body["results"][0]["id"]])).json()
    nt2 = next(m for m in detail["measures"] if m["code"] == "NT2")
    assert nt2["median"] == "60.0000" and nt2["reporters"] == 3
    Snapshot.objects.update(published_at="2025-09-01T00:00Z")
    client.logout()
    assert client.get(url).json()["count"] == 1


def test_non_icb_people_cannot_build_system_reports(client, world, owner):
    client.force_login(owner)
    response = client.get(reverse("reporting:report-new"), {"kind": "system", "quarter": "2025-1"})
    assert response.status_code == 403
    other = UserFactory()
    client.force_login(other)
    response = client.get(reverse("reporting:report-new"), {"kind": "contract", "subject": world.ka.pk})
    assert response.status_code == 404


def test_the_icb_navigation_leads_to_the_dashboard(client, icb_analyst, commissioner):
    from django.urls import reverse as url_for

    client.force_login(icb_analyst)
    nav = client.get(url_for("reporting:dashboard")).context["service_navigation"]
    assert [item["label"] for item in nav if item["active"]] == ["Dashboard"]
    client.force_login(commissioner)
    nav = client.get(url_for("home")).context["service_navigation"]
    assert "Dashboard" not in [item["label"] for item in nav]
