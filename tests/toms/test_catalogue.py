"""The browsable catalogue and the framework API."""

import pytest
from django.urls import reverse

from toms.models import Measure, Outcome, ProxyValue

pytestmark = pytest.mark.django_db


def test_the_catalogue_counts_what_is_loaded_not_53(client, framework):
    count = Measure.objects.count()
    response = client.get(reverse("toms:framework"))
    assert response.status_code == 200
    assert f"{count} measures" in response.text
    Measure.objects.create(
        code="CM1",
        title="A measure the ICB added",
        unit="hours",
        value_kind="number",
        outcome=Outcome.objects.get(code="reducing-inequalities"),
    )
    assert f"{count + 1} measures" in client.get(reverse("toms:framework")).text


def test_the_catalogue_lists_every_measure_under_its_theme_and_outcome(client, framework):
    text = client.get(reverse("toms:framework")).text
    for measure in Measure.objects.with_structure():
        assert reverse("toms:measure-detail", args=[measure.code]) in text
    assert "More opportunities for local MSMEs and VCSEs" in text
    assert "Partner VCFSE" in text


def test_the_catalogue_takes_few_queries(client, framework, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        client.get(reverse("toms:framework"))


def test_a_measure_without_a_proxy_value_never_shows_zero_pounds(client, framework):
    response = client.get(reverse("toms:measure-detail", args=["NT29"]))
    assert response.status_code == 200
    assert "No proxy value" in response.text
    assert "£0" not in response.text


def test_a_proxy_value_is_shown_with_its_source(client, framework):
    measure = Measure.objects.get(code="NT17")
    ProxyValue.objects.create(measure=measure, financial_year=2025, value="17.50", source="illustrative, demo only")
    text = client.get(reverse("toms:measure-detail", args=["nt17"])).text
    assert "£17.50" in text and "illustrative, demo only" in text and "2025/26" in text
    assert measure.unit in text and measure.guidance in text


def test_a_measure_awaiting_confirmation_says_so(client, framework):
    from django.utils.html import escape

    text = client.get(reverse("toms:measure-detail", args=["NT81"])).text
    assert escape(Measure.objects.get(code="NT81").review_note) in text


def test_an_unknown_measure_is_404(client, framework):
    assert client.get(reverse("toms:measure-detail", args=["NT999"])).status_code == 404


def test_the_api_lists_measures_with_proxy_values(client, framework):
    ProxyValue.objects.create(
        measure=Measure.objects.get(code="NT14"), financial_year=2025, value="0.20", source="demo"
    )
    data = client.get("/api/v1/measures/?is_partner_vcfse=true").json()
    assert [m["code"] for m in data["results"]] == ["NT14", "NT15", "NT16", "NT17"]
    assert data["results"][0]["proxy_values"] == [{"financial_year": "2025/26", "value": "0.20", "source": "demo"}]
    assert client.get("/api/v1/measures/NT14/").json()["theme"] == "Growth"


def test_the_api_is_read_only(client, icb_admin, framework):
    client.force_login(icb_admin)
    assert client.post("/api/v1/measures/", {"code": "X"}).status_code == 405


def test_the_openapi_schema_and_local_docs(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/measures/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower() and "unpkg" not in docs.text.lower()
