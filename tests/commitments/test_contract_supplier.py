"""A contract with returns keeps its supplier, on screen and through the API, with one message
(commitments.services.contracts.supplier_change_refusal): otherwise the new supplier would see,
and be credited with, the old one's figures."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from charter.models import Role
from commitments.models import Contract
from commitments.services import contracts as cs
from tests.factories import (
    ApprovedReturnFactory,
    ContractFactory,
    DraftReturnFactory,
    MembershipFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db
KEEPS = "so it keeps its supplier: end this contract and record a new one with the new supplier"


@pytest.fixture
def contract(framework):
    return ContractFactory(reference="LCC-0007")


@pytest.fixture
def buyer(contract):
    return MembershipFactory(organisation=contract.commissioner, role=Role.COMMISSIONER).user


@pytest.fixture
def newcomer(db):
    return OrganisationFactory(name="Newcomer Ltd")


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def api(user):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def edit_post(contract, **changes):
    return {
        "supplier": contract.supplier_id, "reference": contract.reference, "title": contract.title,
        "value": "1000000",
        "start_date_0": "1", "start_date_1": "4", "start_date_2": "2024",
        "end_date_0": "31", "end_date_1": "3", "end_date_2": "2028",
        "places_served": ["liverpool"], **changes,
    }


@pytest.mark.parametrize("factory", [DraftReturnFactory, ApprovedReturnFactory])
def test_the_form_refuses_a_new_supplier_once_there_are_returns(contract, buyer, newcomer, factory):
    factory(contract=contract)
    url = reverse("commitments:contract-edit", args=[contract.pk])
    response = browser(buyer).post(url, edit_post(contract, supplier=newcomer.pk, title="Renamed"))
    assert response.status_code == 400
    assert KEEPS in response.text and cs.supplier_kept_message(contract) in response.text
    contract.refresh_from_db()
    assert contract.supplier_id != newcomer.pk and contract.title != "Renamed"


def test_the_form_still_changes_other_details_and_a_supplier_before_any_return(contract, buyer, newcomer):
    url = reverse("commitments:contract-edit", args=[contract.pk])
    assert browser(buyer).post(url, edit_post(contract, supplier=newcomer.pk)).status_code == 302
    assert Contract.objects.get(pk=contract.pk).supplier == newcomer
    contract.refresh_from_db()
    DraftReturnFactory(contract=contract)
    assert browser(buyer).post(url, edit_post(contract, title="Renamed")).status_code == 302
    assert Contract.objects.get(pk=contract.pk).title == "Renamed"


def test_the_service_refuses_with_the_one_message(contract, buyer, newcomer):
    DraftReturnFactory(contract=contract)
    assert cs.supplier_change_refusal(contract, newcomer) == cs.supplier_kept_message(contract)
    assert cs.supplier_change_refusal(contract, contract.supplier) is None
    with pytest.raises(cs.SupplierKeptError, match=KEEPS):
        cs.update_contract(buyer, contract, supplier=newcomer)
    assert Contract.objects.get(pk=contract.pk).supplier_id == contract.supplier_id


def test_the_api_refuses_a_new_supplier_once_there_are_returns(contract, buyer, newcomer):
    ApprovedReturnFactory(contract=contract)
    response = api(buyer).patch(f"/api/v1/contracts/{contract.pk}/", {"supplier": newcomer.pk}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["field"] == "supplier"
    assert body["errors"][0]["message"] == cs.supplier_kept_message(contract)
    assert Contract.objects.get(pk=contract.pk).supplier_id == contract.supplier_id


def test_the_api_changes_a_contract_for_its_commissioner_only(contract, buyer, newcomer):
    url = f"/api/v1/contracts/{contract.pk}/"
    response = api(buyer).patch(url, {"supplier": newcomer.pk, "title": "Renamed"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["supplier"]["id"] == newcomer.pk and response.json()["title"] == "Renamed"
    reporter = MembershipFactory(organisation=newcomer, role=Role.REPORTER).user
    assert api(reporter).patch(url, {"title": "Mine"}, format="json").status_code == 403
    stranger = MembershipFactory(role=Role.COMMISSIONER, organisation=OrganisationFactory(public=True)).user
    assert api(stranger).patch(url, {"title": "Mine"}, format="json").status_code == 404
    assert Contract.objects.get(pk=contract.pk).title == "Renamed"
    bad = api(buyer).patch(url, {"end_date": "2020-01-01"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"]
