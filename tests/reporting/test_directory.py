"""The ICB's organisation directory: only ICB staff; searchable and filtered; each organisation
with its people, contracts, returns and signature; a fixed number of queries."""

import datetime as dt

import pytest
from django.urls import reverse

from charter.models import Kind, Place, Role, Sector
from tests.factories import (
    ApprovedReturnFactory,
    ContractFactory,
    LiveSignatureFactory,
    MembershipFactory,
    OrganisationFactory,
    PendingSignatureFactory,
)
from toms.periods import Quarter

pytestmark = pytest.mark.django_db


def names(response):
    return [o.name for o in response.context["page"].object_list]


@pytest.fixture
def orgs(db):
    council = OrganisationFactory(public=True, name="Halton Borough Council", place=Place.HALTON)
    pantry = OrganisationFactory(vcfse=True, name="Wirral Pantry", charity_number="1012345")
    widgets = OrganisationFactory(name="Mersey Widgets Ltd", companies_house_number="01234567")
    LiveSignatureFactory(organisation=council)
    PendingSignatureFactory(organisation=pantry)
    # Widgets supplies the council and has never submitted: its returns are overdue.
    ContractFactory(commissioner=council, supplier=widgets, start_date=Quarter.current().previous().previous().start)
    # The pantry has an approved return on another contract.
    ApprovedReturnFactory(contract=ContractFactory(commissioner=council, supplier=pantry, start_date=dt.date(2024, 4, 1),
                                                   end_date=dt.date(2024, 12, 31)), year=2024, quarter=1)
    MembershipFactory(organisation=widgets, role=Role.ADMIN)
    return {"council": council, "pantry": pantry, "widgets": widgets}


def test_anonymous_people_are_sent_to_sign_in(client, orgs):
    for url in (reverse("reporting:directory"), reverse("reporting:directory-organisation", args=[orgs["pantry"].pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["owner", "colleague", "commissioner", "outsider"])
def test_anyone_but_the_icb_gets_403(client, orgs, who, request):
    user = request.getfixturevalue(who)
    client.force_login(user)
    own = user.memberships.first().organisation
    assert client.get(reverse("reporting:directory")).status_code == 403
    # Even for their own organisation: the directory is the ICB's.
    assert client.get(reverse("reporting:directory-organisation", args=[own.pk])).status_code == 403


def test_the_icb_sees_every_organisation_and_a_missing_one_is_404(client, orgs, icb_analyst):
    client.force_login(icb_analyst)
    response = client.get(reverse("reporting:directory"))
    assert response.status_code == 200
    assert {"Halton Borough Council", "Wirral Pantry", "Mersey Widgets Ltd"} <= set(names(response))
    assert client.get(reverse("reporting:directory-organisation", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "pantry"}, ["Wirral Pantry"]),
        ({"q": "1012345"}, ["Wirral Pantry"]),
        ({"q": "0123 4567"}, ["Mersey Widgets Ltd"]),
        ({"sector": Sector.PUBLIC}, ["Halton Borough Council"]),
        ({"kind": Kind.CHARITY}, ["Wirral Pantry"]),
        ({"place": Place.HALTON}, ["Halton Borough Council"]),
        ({"charter": "signed"}, ["Halton Borough Council"]),
        ({"charter": "pending"}, ["Wirral Pantry"]),
        ({"charter": "not_signed"}, ["Mersey Widgets Ltd"]),
        ({"reporting": "overdue"}, ["Mersey Widgets Ltd"]),
        ({"reporting": "reporting"}, ["Wirral Pantry"]),
        ({"reporting": "never", "sector": Sector.PRIVATE}, ["Mersey Widgets Ltd"]),
    ],
)
def test_search_and_filters(client, orgs, icb_analyst, params, expected):
    client.force_login(icb_analyst)
    assert names(client.get(reverse("reporting:directory"), params)) == expected


def test_an_organisations_page_has_its_people_contracts_returns_and_signature(client, orgs, icb_admin):
    client.force_login(icb_admin)
    body = client.get(reverse("reporting:directory-organisation", args=[orgs["widgets"].pk])).content.decode()
    admin = orgs["widgets"].memberships.get().user
    assert admin.email in body and "Organisation admin" in body
    assert "Supplier to Halton Borough Council" in body
    assert "overdue" in body
    assert "Not signed." in body
    assert reverse("charter:people", args=[orgs["widgets"].pk]) in body  # an ICB admin manages people
    body = client.get(reverse("reporting:directory-organisation", args=[orgs["council"].pk])).content.decode()
    assert "Live" in body and "Commissioner of Mersey Widgets Ltd" in body


def test_the_list_is_paginated_and_keeps_its_filters(client, icb_analyst):
    for i in range(30):
        OrganisationFactory(name=f"Paged Example {i:02d}", place=Place.SEFTON)
    client.force_login(icb_analyst)
    response = client.get(reverse("reporting:directory"), {"place": Place.SEFTON})
    assert len(names(response)) == 25 and response.context["page"].paginator.count == 30
    assert "place=sefton&amp;page=2" in response.content.decode()
    second = client.get(reverse("reporting:directory"), {"place": Place.SEFTON, "page": 2})
    assert names(second) == [f"Paged Example {i:02d}" for i in range(25, 30)]


@pytest.mark.parametrize("n", [3, 30])
def test_the_directory_takes_a_fixed_number_of_queries(client, icb_analyst, n, django_assert_max_num_queries):
    council = OrganisationFactory(public=True)
    for _ in range(n):
        org = OrganisationFactory()
        MembershipFactory(organisation=org)
        LiveSignatureFactory(organisation=org)
        ApprovedReturnFactory(contract=ContractFactory(commissioner=council, supplier=org))
    client.force_login(icb_analyst)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reporting:directory")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reporting:directory"), {"reporting": "overdue"}).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("reporting:directory-organisation", args=[council.pk])).status_code == 200
