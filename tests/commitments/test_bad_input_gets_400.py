"""No request crashes the portal: what would have been a 500 is a 400 with a message naming the
field, and changes nothing. The classes: a `%` that reaches a format string, years and ids
beyond what dates and columns hold, items that are not objects, null characters anywhere,
numbers too large for their column, and bodies that are not JSON. Run on PostgreSQL too
(DATABASE_URL=postgres://...), where the database itself refuses null characters and overflows."""

from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from charter.models import Role
from commitments.models import Commitment, Contract, Return, ReturnLine
from commitments.services import contracts as cs
from common.api import exception_handler
from tests.factories import ContractFactory, DraftReturnFactory, MembershipFactory
from toms.models import Measure

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999"


def api(user):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def browser(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def contract(framework):
    return ContractFactory(reference="LCC-0100")


@pytest.fixture
def reporter(contract):
    return MembershipFactory(organisation=contract.supplier, role=Role.REPORTER).user


@pytest.fixture
def buyer(contract):
    return MembershipFactory(organisation=contract.commissioner, role=Role.COMMISSIONER).user


@pytest.fixture
def draft(contract):
    return DraftReturnFactory(contract=contract)


def assert_400(response, field=None, says=None):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["errors"], body
    if field is not None:
        assert [e["field"] for e in body["errors"]] == [field], body
    if says is not None:
        assert says in body["detail"], body
    return body


def contract_body(contract, **overrides):
    return {
        "commissioner": contract.commissioner_id, "supplier": contract.supplier_id, "reference": "LCC-0200",
        "title": "Grounds", "value": "1000", "start_date": "2025-04-01", "end_date": "2026-03-31",
        **overrides,
    }


# --- a % in a query parameter reaches a format string ----------------------------------------


@pytest.mark.parametrize(
    ("url", "field", "says"),
    [
        ("/api/v1/returns/?year=100%25", "year", "'100%' is not a financial year"),
        ("/api/v1/returns/?quarter=50%25", "quarter", "'50%' is not a quarter"),
        ("/api/v1/contracts/?live_in=%25s", "live_in", "'%s' is not a quarter"),
        ("/api/v1/contracts/?live_in=%25(x)s%25d", "live_in", "'%(x)s%d' is not a quarter"),
        ("/api/v1/returns/?year=%25%25", "year", "'%%' is not a financial year"),
    ],
)
def test_a_percent_sign_in_a_filter_gets_a_message(reporter, url, field, says):
    assert_400(api(reporter).get(url), field, says)


def test_a_long_filter_value_is_quoted_short(reporter):
    body = assert_400(api(reporter).get("/api/v1/returns/?quarter=" + "x" * 5000), "quarter")
    assert len(body["errors"][0]["message"]) < 120


# --- years and ids beyond what dates and columns hold --------------------------------------------


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/contracts/?live_in=0000/01%20Q1", "live_in"),
        ("/api/v1/contracts/?live_in=9999/00%20Q4", "live_in"),
        ("/api/v1/returns/?quarter=9999/00%20Q4", "quarter"),
        ("/api/v1/returns/?year=0000", "year"),
        (f"/api/v1/returns/?contract={HUGE}", "contract"),
        ("/api/v1/returns/?contract=-1", "contract"),
        ("/api/v1/returns/?organisation=1e400", "organisation"),
        (f"/api/v1/contracts/?supplier={HUGE}", "supplier"),
        ("/api/v1/contracts/?commissioner=" + "9" * 5000, "commissioner"),
    ],
)
def test_years_and_ids_out_of_range_get_a_message(reporter, url, field):
    assert_400(api(reporter).get(url), field)


def test_id_filters_still_filter(reporter, contract, draft):
    other = DraftReturnFactory()
    MembershipFactory(user=reporter, organisation=other.organisation, role=Role.REPORTER)
    results = api(reporter).get(f"/api/v1/returns/?contract={contract.pk}").json()["results"]
    assert [r["id"] for r in results] == [draft.pk]


@pytest.mark.parametrize("pk", [HUGE, "9223372036854775808"])
def test_huge_ids_in_addresses_are_404(reporter, buyer, pk):
    assert api(reporter).get(f"/api/v1/returns/{pk}/").status_code == 404
    assert api(reporter).get(f"/api/v1/contracts/{pk}/").status_code == 404
    assert api(buyer).patch(f"/api/v1/contracts/{pk}/", {"title": "x"}, format="json").status_code == 404
    client = browser(reporter)
    for name in ("return-detail", "return-edit", "return-history", "contract-detail", "contract-edit"):
        assert client.get(f"/{reverse('commitments:' + name, args=[1]).lstrip('/').replace('/1/', f'/{pk}/')}")\
            .status_code == 404, name
    assert client.get("/returns/-1/").status_code == 404


# --- items that are not objects -------------------------------------------------------------------


@pytest.mark.parametrize("item", [None, "NT1", 7, ["NT1", "2"]])
def test_a_line_that_is_not_an_object_is_refused_naming_it(reporter, draft, item):
    response = api(reporter).put(
        f"/api/v1/returns/{draft.pk}/", {"revision": 1, "lines": [{"measure": "NT1", "quantity": "2"}, item]},
        format="json",
    )
    body = assert_400(response)
    assert [e["line"] for e in body["errors"]] == [2] and "Line 2" in body["detail"]
    assert not ReturnLine.objects.exists()


@pytest.mark.parametrize("item", [None, "NT1", [1]])
def test_a_commitment_that_is_not_an_object_is_refused_naming_it(buyer, contract, item):
    response = api(buyer).post("/api/v1/contracts/", contract_body(contract, commitments=[item]), format="json")
    body = assert_400(response)
    assert body["errors"][0]["line"] == 1 and "commitment" in body["detail"]
    assert Contract.objects.count() == 1


# --- null characters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        {"measure": "NT1\x00", "quantity": "2"},
        {"measure": "NT1", "quantity": "2\x00"},
        {"measure": "NT1", "quantity": "2", "narrative": "Two\x00 apprentices"},
    ],
)
def test_a_null_character_in_a_line_is_refused(reporter, draft, line):
    response = api(reporter).put(f"/api/v1/returns/{draft.pk}/", {"revision": 1, "lines": [line]}, format="json")
    assert_400(response, "body", "null character")
    assert not ReturnLine.objects.exists() and Return.objects.get(pk=draft.pk).revision == 1


def test_a_null_character_in_a_contract_or_a_query_is_refused(buyer, contract, reporter):
    for field in ("reference", "title"):
        response = api(buyer).post("/api/v1/contracts/", contract_body(contract, **{field: "A\x00B"}), format="json")
        assert_400(response, "body", "null character")
    response = api(buyer).post(
        "/api/v1/contracts/", contract_body(contract, commitments=[{"measure": "NT1\x00", "target_quantity": 1}]),
        format="json",
    )
    assert_400(response, "body")
    assert Contract.objects.count() == 1
    for query in ("reference=A%00", "status=%00", "page=%00", "live_in=2025/26%20Q1%00", "x%00=1"):
        url = "/api/v1/contracts/?" + query if "reference" in query or "live_in" in query else "/api/v1/returns/?" + query
        assert_400(api(reporter).get(url), "query", "null character")


def test_a_null_character_beside_a_file_is_refused_but_not_one_inside_it(reporter, draft):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("commitments:evidence-add", args=[draft.pk])
    pdf = SimpleUploadedFile("payroll.pdf", b"%PDF-1.4\n\x00\x01binary\n%%EOF", content_type="application/pdf")
    response = browser(reporter).post(url, {"file": pdf, "description": "Payroll\x00"})
    assert response.status_code == 400 and "The form contains a null character" in response.text
    assert not draft.evidence.exists()
    pdf = SimpleUploadedFile("payroll.pdf", b"%PDF-1.4\n\x00\x01binary\n%%EOF", content_type="application/pdf")
    response = browser(reporter).post(url, {"file": pdf, "description": "Payroll"})
    assert "null character" not in response.text


def test_an_escaped_backslash_before_u0000_is_ordinary_text(reporter, draft):
    """'\\u0000' typed as text (a backslash, then u0000) is not a null character."""
    line = {"measure": "NT1", "quantity": "2", "narrative": "Path C:\\u0000 is fine"}
    response = api(reporter).put(f"/api/v1/returns/{draft.pk}/", {"revision": 1, "lines": [line]}, format="json")
    assert response.status_code == 200
    assert ReturnLine.objects.get().narrative == "Path C:\\u0000 is fine"


def test_a_null_character_on_a_page_is_refused_with_a_page(buyer, contract):
    client = browser(buyer)
    response = client.get(reverse("commitments:contract-list") + "?q=LCC%00")
    assert response.status_code == 400 and "null character" in response.text
    assert "<html" in response.text and response.headers.get("Content-Security-Policy")
    edit = reverse("commitments:contract-edit", args=[contract.pk])
    response = client.post(edit, urlencode({"title": "A\x00B"}), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "null character" in response.text
    response = client.post(edit, contract_form(contract, title="A\x00B"))  # multipart
    assert response.status_code == 400 and "The form contains a null character" in response.text
    assert Contract.objects.get(pk=contract.pk).title != "A\x00B"
    response = Client().post(
        reverse("login"), urlencode({"username": "a\x00@example.com", "password": "x"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400 and "null character" in response.text


# --- numbers too large for their column ---------------------------------------------------------


def commitments_post(target):
    return {
        "commitment-TOTAL_FORMS": "1", "commitment-INITIAL_FORMS": "0",
        "commitment-MIN_NUM_FORMS": "0", "commitment-MAX_NUM_FORMS": "200",
        "commitment-0-measure": "NT1", "commitment-0-target": target, "commitment-0-financial_year": "",
    }


@pytest.mark.parametrize(
    ("target", "says"),
    [("1000000000000", "too large"), ("1,000,000,000,000", "too large"), ("1e12", None), ("1e400", None)],
)
def test_a_commitment_target_too_large_for_its_column_is_refused(buyer, contract, target, says):
    response = browser(buyer).post(reverse("commitments:commitments-edit", args=[contract.pk]), commitments_post(target))
    assert response.status_code == 400 and 'href="#id_commitment-0-target"' in response.text
    assert says is None or says in response.text
    assert not Commitment.objects.filter(contract=contract).exists()
    body = contract_body(contract, commitments=[{"measure": "NT1", "target_quantity": target.replace(",", "")}])
    assert_400(api(buyer).post("/api/v1/contracts/", body, format="json"))
    with pytest.raises(ValidationError, match="too large"):
        cs.set_commitment(buyer, contract, Measure.objects.get(code="NT1"), Decimal(target.replace(",", "")))
    assert not Commitment.objects.filter(contract=contract).exists()


def test_the_largest_target_the_column_holds_is_kept(buyer, contract):
    response = browser(buyer).post(
        reverse("commitments:commitments-edit", args=[contract.pk]), commitments_post("999,999,999,999")
    )
    assert response.status_code == 302
    assert Commitment.objects.get(contract=contract).target_quantity == Decimal("999999999999")


def contract_form(contract, **changes):
    return {
        "supplier": contract.supplier_id, "reference": contract.reference, "title": contract.title, "value": "1000",
        "start_date_0": "1", "start_date_1": "4", "start_date_2": "2024",
        "end_date_0": "31", "end_date_1": "3", "end_date_2": "2028", "places_served": ["liverpool"], **changes,
    }


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"value": "1,000,000,000,000"}, "too large"),
        ({"value": "99999999999999999999"}, "too large"),
        ({"start_date_2": "1"}, "start date must be between"),
        ({"end_date_2": "9999"}, "end date must be between"),
    ],
)
def test_contract_numbers_and_dates_beyond_their_columns_are_refused(buyer, contract, changes, says):
    before = Contract.objects.values().get(pk=contract.pk)
    response = browser(buyer).post(reverse("commitments:contract-edit", args=[contract.pk]), contract_form(contract, **changes))
    assert response.status_code == 400 and says in response.text
    assert Contract.objects.values().get(pk=contract.pk) == before


@pytest.mark.parametrize(
    "overrides", [{"value": "1e15"}, {"start_date": "0001-01-01"}, {"end_date": "9999-12-31"}]
)
def test_the_api_bounds_contract_numbers_and_dates(buyer, contract, overrides):
    assert_400(api(buyer).post("/api/v1/contracts/", contract_body(contract, **overrides), format="json"))
    assert_400(api(buyer).patch(f"/api/v1/contracts/{contract.pk}/", overrides, format="json"))
    assert Contract.objects.count() == 1


# --- bodies that are not JSON ---------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b'{"revision": 1,', b"\xff\xfe", b"[1, 2", b'{"lines": [NaN]}x'])
def test_malformed_json_gets_the_documented_error_shape(reporter, draft, raw):
    response = api(reporter).generic("PUT", f"/api/v1/returns/{draft.pk}/", raw, content_type="application/json")
    body = assert_400(response, "body", "could not be read")
    assert body["errors"][0]["line"] is None


def test_malformed_json_on_create_too(buyer):
    response = api(buyer).generic("POST", "/api/v1/contracts/", b"{", content_type="application/json")
    assert_400(response, "body")


def test_a_value_the_database_cannot_hold_is_a_400_not_a_500():
    """The last guard in the API's exception handler, for a class of value nobody bounded."""
    response = exception_handler(DataError("numeric field overflow"), {})
    assert response.status_code == 400
    assert set(response.data) == {"detail", "errors"} and response.data["errors"][0]["field"] == "request"
