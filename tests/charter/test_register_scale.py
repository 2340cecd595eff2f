"""The register's pages and exports stay fast as signatories grow: queries do not grow, the
exports stream, and no row carries the charter's text."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import LiveSignatureFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(db):
    return [LiveSignatureFactory(organisation=OrganisationFactory(name=f"Signatory {n:03d} Ltd")) for n in range(30)]


def test_the_register_page_reads_no_charter_text(client, many):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("charter:register"))
    assert "Signatory 000 Ltd" in page.text and "Signed version 1" in page.text
    listing = [q["sql"] for q in queries if "charter_charterversion" in q["sql"] and "LIMIT" in q["sql"]]
    assert listing and all('"body"' not in sql and '"principles"' not in sql.split("charter_signature")[0] for sql in listing)


@pytest.mark.parametrize("name", ["charter:register-csv", "charter:register-json"])
def test_exports_stream_in_a_fixed_number_of_queries(client, many, name, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get(reverse(name))
        body = b"".join(response.streaming_content).decode()
    assert response.streaming
    if name.endswith("csv"):
        rows = list(csv.DictReader(io.StringIO(body)))
    else:
        data = json.loads(body)
        assert data["count"] == 30 and "Open Government Licence" in data["licence"]
        rows = data["signatories"]
    assert len(rows) == 30
    first = rows[0]
    signature = many[0]
    assert first["organisation"] == "Signatory 000 Ltd"
    assert first["url"] == "http://testserver" + reverse("charter:register-entry", args=[signature.organisation.slug])
    assert first["sector"] == signature.organisation.get_sector_display()
    assert first["place"] == signature.organisation.get_place_display()
    assert str(first["charter_version"]) == "1"


def test_the_csv_reads_straight_into_a_table(client, many):
    body = b"".join(client.get(reverse("charter:register-csv")).streaming_content).decode()
    header = body.splitlines()[0].split(",")
    assert header[0] == "organisation" and "url" in header


def test_the_licence_is_on_the_page(client, many):
    assert "Open Government Licence v3.0" in client.get(reverse("charter:register")).text


def test_the_signing_search_reads_signatures_once(client, many, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        page = client.get(reverse("charter:sign-start"), {"q": "Signatory"})
    assert page.text.count("Signed version 1") == 20
