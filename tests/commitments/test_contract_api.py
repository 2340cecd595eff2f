"""The contracts API (/api/v1/contracts/): scoped reads with commitments, recording contracts by
commissioners, errors in the shape of the returns API, and the schema."""

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from charter.models import Role
from commitments.models import Commitment, Contract
from tests.factories import ContractFactory, MembershipFactory, OrganisationFactory
from toms.models import Measure

pytestmark = pytest.mark.django_db
CONTRACTS = "/api/v1/contracts/"


def api(user=None):
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def contract(framework):
    contract = ContractFactory(reference="LCC-0001")
    Commitment.objects.create(contract=contract, measure=Measure.objects.get(code="NT1"), target_quantity=12)
    Commitment.objects.create(
        contract=contract, measure=Measure.objects.get(code="NT14"), target_quantity=25000, financial_year=2025
    )
    return contract


@pytest.fixture
def supplier_reporter(contract):
    return MembershipFactory(organisation=contract.supplier, role=Role.REPORTER).user


@pytest.fixture
def buyer(contract):
    """A commissioner of the contract's commissioning council."""
    return MembershipFactory(organisation=contract.commissioner, role=Role.COMMISSIONER).user


def new_contract_body(buyer_org, supplier, **overrides):
    return {
        "commissioner": buyer_org.pk,
        "supplier": supplier.pk,
        "reference": "LCC-2025-014",
        "title": "Facilities management",
        "value": "1250000.00",
        "start_date": "2025-04-01",
        "end_date": "2028-03-31",
        "places_served": ["liverpool", "sefton"],
        "commitments": [
            {"measure": "nt1", "target_quantity": "12"},
            {"measure": "NT14", "target_quantity": 25000, "financial_year": "2025/26"},
        ],
        **overrides,
    }


# --- reading --------------------------------------------------------------------------------


def test_the_supplier_and_the_commissioner_read_the_contract_with_its_commitments(contract, supplier_reporter, buyer):
    for person in (supplier_reporter, buyer):
        listed = api(person).get(CONTRACTS).json()
        assert [c["id"] for c in listed["results"]] == [contract.pk]
    data = api(supplier_reporter).get(f"{CONTRACTS}{contract.pk}/").json()
    assert data["reference"] == "LCC-0001" and data["value"] == "1000000.00"
    assert data["commissioner"]["id"] == contract.commissioner_id and data["supplier"]["id"] == contract.supplier_id
    assert (data["start_date"], data["end_date"], data["places_served"]) == ("2024-04-01", "2028-03-31", ["liverpool"])
    assert [(c["measure"], c["unit"], c["target_quantity"], c["financial_year"]) for c in data["commitments"]] == [
        ("NT1", "FTE", "12.0000", None),
        ("NT14", "£", "25000.0000", "2025/26"),
    ]
    assert data["links"]["returns"].endswith(f"/api/v1/returns/?contract={contract.pk}")
    assert data["links"]["web"].endswith(f"/contracts/{contract.pk}/")


def test_no_one_else_sees_the_contract(contract, outsider, icb_analyst):
    other_commissioner = MembershipFactory(organisation=OrganisationFactory(public=True), role=Role.COMMISSIONER).user
    for person in (outsider, other_commissioner):
        assert api(person).get(CONTRACTS).json()["results"] == []
        response = api(person).get(f"{CONTRACTS}{contract.pk}/")
        assert response.status_code == 404 and "detail" in response.json()
    assert [c["id"] for c in api(icb_analyst).get(CONTRACTS).json()["results"]] == [contract.pk]


def test_anonymous_requests_get_401(contract):
    assert APIClient().get(CONTRACTS).status_code == 401
    assert APIClient().get(f"{CONTRACTS}{contract.pk}/").status_code == 401
    assert APIClient().post(CONTRACTS, {}, format="json").status_code == 401


def test_session_authentication_reads_contracts(contract, buyer):
    client = APIClient()
    client.force_login(buyer)
    assert client.get(f"{CONTRACTS}{contract.pk}/").status_code == 200


def test_filters(contract, buyer):
    old = ContractFactory(
        commissioner=contract.commissioner, start_date=dt.date(2020, 4, 1), end_date=dt.date(2021, 3, 31)
    )
    # the buyer's council also supplies a contract to another council
    supplied = ContractFactory(supplier=contract.commissioner)
    me = api(buyer)

    def ids(**params):
        response = me.get(CONTRACTS, params)
        assert response.status_code == 200, response.json()
        return {c["id"] for c in response.json()["results"]}

    assert ids() == {contract.pk, old.pk, supplied.pk}
    assert ids(role="commissioner") == {contract.pk, old.pk}
    assert ids(role="supplier") == {supplied.pk}
    assert ids(live_in="2020/21 Q3") == {old.pk}
    assert ids(live_in="2025/26 Q1") == {contract.pk, supplied.pk}
    assert ids(supplier=contract.supplier_id) == {contract.pk}
    assert ids(reference="lcc-0001") == {contract.pk}
    bad = me.get(CONTRACTS, {"live_in": "soon"})
    assert bad.status_code == 400
    assert bad.json()["errors"] == [
        {"line": None, "measure": None, "field": "live_in", "message": "'soon' is not a quarter; write it like 2025/26 Q1."}
    ]


# --- recording ------------------------------------------------------------------------------


def test_a_commissioner_records_a_contract_with_commitments(contract, buyer):
    supplier = OrganisationFactory()
    response = api(buyer).post(CONTRACTS, new_contract_body(contract.commissioner, supplier), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert response["Location"].endswith(f"{CONTRACTS}{data['id']}/")
    recorded = Contract.objects.get(pk=data["id"])
    assert (recorded.commissioner, recorded.supplier, recorded.created_by) == (contract.commissioner, supplier, buyer)
    assert recorded.value == Decimal("1250000.00") and recorded.places_served == ["liverpool", "sefton"]
    assert sorted((c.measure.code, c.target_quantity, c.financial_year) for c in recorded.commitments.all()) == [
        ("NT1", Decimal(12), None),
        ("NT14", Decimal(25000), 2025),
    ]
    assert recorded.history.count() == 1
    assert [c["measure"] for c in data["commitments"]] == ["NT1", "NT14"]
    # the supplier's people now see it
    supplier_person = MembershipFactory(organisation=supplier, role=Role.REPORTER).user
    assert api(supplier_person).get(f"{CONTRACTS}{data['id']}/").status_code == 200


def test_only_commissioners_of_a_public_body_record_contracts(contract, supplier_reporter, buyer):
    supplier = OrganisationFactory()
    # a reporter of a private supplier, naming their own organisation as commissioner
    refused = api(supplier_reporter).post(CONTRACTS, new_contract_body(contract.supplier, supplier), format="json")
    assert refused.status_code == 403
    assert refused.json() == {"detail": f"Only {contract.supplier.name}'s commissioners can record its contracts."}
    # a reporter (not a commissioner) of the council
    council_reporter = MembershipFactory(organisation=contract.commissioner, role=Role.REPORTER).user
    body = new_contract_body(contract.commissioner, supplier)
    assert api(council_reporter).post(CONTRACTS, body, format="json").status_code == 403
    # anyone naming an organisation that is not theirs
    stranger = OrganisationFactory(public=True)
    response = api(buyer).post(CONTRACTS, new_contract_body(stranger, supplier), format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"line": None, "measure": None, "field": "commissioner", "message": f"There is no organisation {stranger.pk} among yours."}
    ]
    assert Contract.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"commitments": [{"measure": "NT1", "target_quantity": 1}, {"measure": "XX9", "target_quantity": 2}]},
            {"line": 2, "measure": "XX9", "field": "measure", "message": "There is no measure 'XX9' in the framework."},
        ),
        (
            {"commitments": [{"measure": "NT1", "target_quantity": 1}, {"measure": "nt1", "target_quantity": 2}]},
            {"line": 2, "measure": "NT1", "field": "measure",
             "message": "NT1 already has a target for the whole contract on line 1."},
        ),
        (
            {"commitments": [{"measure": "NT1", "target_quantity": -1}]},
            {"line": 1, "measure": "NT1", "field": "target_quantity",
             "message": "Ensure this value is greater than or equal to 0."},
        ),
        (
            {"commitments": [{"measure": "NT1", "target_quantity": 1, "financial_year": "next"}]},
            {"line": 1, "measure": "NT1", "field": "financial_year",
             "message": "'next' is not a financial year; write it like 2025/26."},
        ),
        (
            {"end_date": "2024-03-31"},
            {"line": None, "measure": None, "field": "non_field_errors", "message": "The contract cannot end before it starts."},
        ),
        (
            {"reference": "LCC-0001"},
            {"line": None, "measure": None, "field": "non_field_errors",
             "message": "This commissioner already has a contract with that reference."},
        ),
        (
            {"places_served": ["atlantis"]},
            {"line": None, "measure": None, "field": "places_served", "message": '"atlantis" is not a valid choice.'},
        ),
    ],
)
def test_invalid_contracts_are_refused_naming_the_line_and_measure(contract, buyer, overrides, expected):
    body = new_contract_body(contract.commissioner, OrganisationFactory(), **overrides)
    response = api(buyer).post(CONTRACTS, body, format="json")
    assert response.status_code == 400
    assert expected in response.json()["errors"], response.json()
    assert Contract.objects.count() == 1 and Commitment.objects.count() == 2


def test_the_supplier_cannot_be_the_commissioner(contract, buyer):
    body = new_contract_body(contract.commissioner, contract.commissioner)
    response = api(buyer).post(CONTRACTS, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "supplier"


def test_the_schema_documents_the_contracts_api(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert set(schema["paths"]["/api/v1/contracts/"]["post"]["responses"]) >= {"201", "400", "401", "403"}
    assert set(schema["paths"]["/api/v1/contracts/{id}/"]["get"]["responses"]) >= {"200", "401", "404"}
    assert {p["name"] for p in schema["paths"]["/api/v1/contracts/"]["get"]["parameters"]} >= {"role", "live_in"}
