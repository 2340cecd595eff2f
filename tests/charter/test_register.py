"""The public register, its exports and API; an organisation's charter page; the certificate; ICB moderation."""

import csv
import io
import json
import subprocess

import pytest
from django.urls import reverse

from charter.models import Signature, SignatureStatus
from tests.factories import LiveSignatureFactory, OrganisationFactory, PendingSignatureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def register():
    """Live signatures across places and sectors, plus entries that must not show."""
    return {
        "liverpool_business": LiveSignatureFactory(organisation=OrganisationFactory(name="Anfield Analytics Ltd")),
        "wirral_charity": LiveSignatureFactory(organisation=OrganisationFactory(vcfse=True, name="Wirral Wheels")),
        "council": LiveSignatureFactory(
            organisation=OrganisationFactory(public=True, place="sefton", name="Sefton Council")
        ),
        "pending": PendingSignatureFactory(organisation=OrganisationFactory(name="Pending Pies Ltd")),
        "hidden": LiveSignatureFactory(
            organisation=OrganisationFactory(name="Hidden Hats Ltd"), is_hidden=True, hidden_reason="abuse"
        ),
    }


def names(response):
    return {
        n
        for n in ("Anfield Analytics", "Wirral Wheels", "Sefton Council", "Pending Pies", "Hidden Hats")
        if n in response.text
    }


def test_the_register_lists_only_live_visible_signatures(client, register):
    assert names(client.get(reverse("charter:register"))) == {"Anfield Analytics", "Wirral Wheels", "Sefton Council"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"place": "wirral"}, {"Wirral Wheels"}),
        ({"sector": "public"}, {"Sefton Council"}),
        ({"kind": "business"}, {"Anfield Analytics"}),
        ({"q": "wheels"}, {"Wirral Wheels"}),
        ({"place": "not-a-place"}, {"Anfield Analytics", "Wirral Wheels", "Sefton Council"}),
    ],
)
def test_register_filters(client, register, params, expected):
    response = client.get(reverse("charter:register"), params)
    assert response.status_code == 200
    listing = response.text.split('id="register-results"', 1)[-1]
    assert {n for n in names(response) if n in listing} == expected


def test_register_counts_by_place_and_sector(client, register):
    counts = client.get(reverse("charter:register")).context["counts"]
    assert counts["total"] == 3
    assert {v: n for v, _, n in counts["by_sector"]} == {"public": 1, "private": 1, "vcfse": 1}
    assert {v: n for v, _, n in counts["by_place"]}["wirral"] == 1


def test_the_register_paginates(client):
    for i in range(30):
        LiveSignatureFactory(organisation=OrganisationFactory(name=f"Org {i:02d}"))
    first = client.get(reverse("charter:register"))
    second = client.get(reverse("charter:register"), {"page": 2})
    assert len(first.context["page"].object_list) == 25 and len(second.context["page"].object_list) == 5


def test_register_page_queries_do_not_grow_with_entries(client, register, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        client.get(reverse("charter:register"))


def test_csv_export_is_plain_and_escapes_formulas(client, register):
    register["wirral_charity"].statement = "=HYPERLINK('evil')"
    register["wirral_charity"].save()
    response = client.get(reverse("charter:register-csv"), {"place": "wirral"})
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert not text.startswith("#")  # the header first, as Excel and pandas expect
    header, data = rows[0], rows[1:]
    assert len(data) == 1 and data[0][header.index("organisation")] == "Wirral Wheels"
    assert data[0][header.index("statement")] == "'=HYPERLINK('evil')"
    assert "signatory_email" not in header  # personal data stays private


def test_json_export(client, register):
    response = client.get(reverse("charter:register-json"))
    assert response.streaming
    data = json.loads(b"".join(response.streaming_content))
    assert "Open Government Licence" in data["licence"] and data["count"] == 3
    assert {e["organisation"] for e in data["signatories"]} == {
        "Anfield Analytics Ltd",
        "Wirral Wheels",
        "Sefton Council",
    }
    assert all("@" not in json.dumps(e) for e in data["signatories"])


def test_public_entry_shows_pledges_and_hides_what_is_not_public(client, register):
    live = register["liverpool_business"]
    response = client.get(reverse("charter:register-entry", args=[live.organisation.slug]))
    assert live.statement in response.text and live.designation in response.text
    assert live.signatory_email not in response.text
    for key in ("pending", "hidden"):
        slug = register[key].organisation.slug
        assert client.get(reverse("charter:register-entry", args=[slug])).status_code == 404


def test_api_lists_the_register_and_is_in_the_schema(client, register):
    data = client.get("/api/v1/signatories/", {"sector": "vcfse"}).json()
    assert [r["organisation"] for r in data["results"]] == ["Wirral Wheels"]
    assert "signatory_email" not in data["results"][0]
    slug = register["council"].organisation.slug
    assert client.get(f"/api/v1/signatories/{slug}/").json()["place"] == "sefton"
    assert client.get(f"/api/v1/signatories/{register['hidden'].organisation.slug}/").status_code == 404
    assert b"/api/v1/signatories/" in client.get("/api/schema/").content


def test_the_charter_page_renders_markdown_safely(client):
    from charter.models import CharterVersion

    version = CharterVersion.objects.current()
    version.body += "\n\n<script>alert(1)</script>"
    version.save()
    response = client.get(reverse("charter:charter"))
    assert "Our vision" in response.text and "<h2>" in response.text
    assert "<script>alert(1)</script>" not in response.text


def test_certificate_pdf_text(client, owner, organisation):
    signature = LiveSignatureFactory(
        organisation=organisation, signatory_name="Grace <b>Hopper</b>", designation="Chief Executive"
    )
    client.force_login(owner)
    response = client.get(reverse("charter:certificate", args=[organisation.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    squashed = " ".join(text.split())
    for expected in (
        organisation.name,
        "Grace <b>Hopper</b>",
        "Chief Executive",
        f"version {signature.version.number}",
    ):
        assert expected in squashed, expected


def test_certificate_is_private_and_needs_a_live_signature(client, owner, outsider, organisation):
    client.force_login(outsider)
    assert client.get(reverse("charter:certificate", args=[organisation.pk])).status_code == 404
    client.force_login(owner)
    assert client.get(reverse("charter:certificate", args=[organisation.pk])).status_code == 404  # not signed


def test_organisation_charter_page_and_withdrawal(client, owner, colleague, organisation):
    signature = LiveSignatureFactory(organisation=organisation)
    client.force_login(colleague)
    assert client.get(reverse("charter:organisation-charter", args=[organisation.pk])).status_code == 200
    client.post(reverse("charter:withdraw", args=[signature.pk]), {"reason": "no"})
    assert Signature.objects.get().status == SignatureStatus.LIVE  # a reporter cannot withdraw
    client.force_login(owner)
    client.post(reverse("charter:withdraw", args=[signature.pk]), {"reason": ""})
    assert Signature.objects.get().status == SignatureStatus.LIVE  # a reason is required
    client.post(reverse("charter:withdraw", args=[signature.pk]), {"reason": "Organisation closing"})
    assert Signature.objects.get().status == SignatureStatus.WITHDRAWN


def test_outsiders_cannot_touch_another_organisations_signature(client, outsider, organisation):
    signature = LiveSignatureFactory(organisation=organisation)
    client.force_login(outsider)
    assert client.get(reverse("charter:organisation-charter", args=[organisation.pk])).status_code == 404
    assert client.post(reverse("charter:withdraw", args=[signature.pk]), {"reason": "x"}).status_code == 404
    assert client.post(reverse("charter:resend", args=[signature.pk])).status_code == 404


def test_icb_signatures_page_and_moderation(
    client, register, icb_analyst, icb_admin, owner, django_capture_on_commit_callbacks
):
    url = reverse("charter:signatures")
    client.force_login(owner)
    assert client.get(url).status_code == 403
    client.force_login(icb_analyst)
    page = client.get(url, {"status": "pending"})
    assert page.status_code == 200 and "Pending Pies" in page.text and "Anfield" not in page.text
    target = register["liverpool_business"]
    moderate = reverse("charter:moderate", args=[target.pk])
    assert client.post(moderate, {"action": "hide", "reason": "spam"}).status_code == 403  # analysts read only
    client.force_login(icb_admin)
    client.post(moderate, {"action": "hide", "reason": ""})
    assert not Signature.objects.get(pk=target.pk).is_hidden  # a reason is required
    client.post(moderate, {"action": "hide", "reason": "Offensive statement"}, follow=True)  # shows its message
    assert Signature.objects.get(pk=target.pk).is_hidden
    assert "Anfield" not in client.get(reverse("charter:register")).text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("charter:icb-resend", args=[register["pending"].pk]))
    from django.core import mail

    assert mail.outbox and mail.outbox[-1].to == [register["pending"].signatory_email]


def test_count_tables_link_to_their_filters(client, register):
    text = client.get(reverse("charter:register")).text
    assert 'href="?place=wirral"' in text and 'href="?sector=vcfse"' in text
    assert "By place" in text and "By sector" in text


def test_the_counts_are_cached_until_a_signature_changes(client, register, django_assert_max_num_queries):
    first = client.get(reverse("charter:register")).context["counts"]
    with django_assert_max_num_queries(20) as cached:
        again = client.get(reverse("charter:register")).context["counts"]
    assert again == first
    assert not any("GROUP BY" in q["sql"] for q in cached.captured_queries)  # no recount
    LiveSignatureFactory(organisation=OrganisationFactory(vcfse=True, name="Sefton Sailing"))
    after = client.get(reverse("charter:register")).context["counts"]
    assert after["total"] == first["total"] + 1
    signature = register["liverpool_business"]
    signature.status = SignatureStatus.WITHDRAWN
    signature.save()
    assert client.get(reverse("charter:register")).context["counts"]["total"] == first["total"]


@pytest.mark.parametrize("found_at_most", [500, 1, 0])
def test_a_search_finds_the_same_by_name_statement_or_number_whichever_way_it_is_read(
    client, register, monkeypatch, found_at_most
):
    """A search that matches few signatures names them by id; one matching more filters the whole
    register: both find the same, by part of a name, the statement or a number, never a hidden or
    pending one."""
    from charter import selectors

    monkeypatch.setattr(selectors, "SEARCH_FOUND_AT_MOST", found_at_most)
    register["council"].statement = "We will pay every supplier within ten days."
    register["council"].save()
    register["hidden"].statement = "We will pay every supplier within ten days."
    register["hidden"].save()
    numbered = register["liverpool_business"].organisation
    numbered.companies_house_number = "01234567"
    numbered.save()

    def found(q):
        return {
            s.organisation.name.split()[0]
            for s in selectors.register_entries(q=q)
        }

    assert found("WIRRAL whe") == {"Wirral"}
    assert found("within ten days") == {"Sefton"}
    assert found("0123 4567") == {"Anfield"}
    assert found("ltd") == {"Anfield"}  # not the pending or the hidden Ltd
    assert found("no such words") == set()
    response = client.get(reverse("charter:register"), {"q": "ten days"})
    assert names(response) == {"Sefton Council"}
