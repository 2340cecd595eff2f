"""Measures are listed by code number (NT1, NT3, NT10), and titles are cut between words."""

import re

import pytest
from django.urls import reverse

from commitments.models import Commitment
from tests.factories import ContractFactory, MembershipFactory
from toms.codes import natural_code_key, short_title
from toms.models import Measure

pytestmark = pytest.mark.django_db


def test_natural_code_key():
    codes = ["NT10", "NT3", "NT1b", "NT1", "C19-18", "NT2"]
    assert sorted(codes, key=natural_code_key) == ["C19-18", "NT1", "NT1b", "NT2", "NT3", "NT10"]


def test_short_title_cuts_between_words():
    assert short_title("Number of local people employed on the contract", 20) == "Number of local…"
    assert short_title("Short", 20) == "Short"


def test_the_contract_page_lists_commitments_by_code_number(client, framework):
    contract = ContractFactory()
    for code in ("NT10", "NT3", "NT1"):
        Commitment.objects.create(contract=contract, measure=Measure.objects.get(code=code), target_quantity=5, financial_year=2025)
    client.force_login(MembershipFactory(organisation=contract.supplier, role="reporter").user)
    page = client.get(reverse("commitments:contract-detail", args=[contract.pk])).text
    found = [code for code in re.findall(r'portal-code">(NT\d+)<', page) if code in {"NT1", "NT3", "NT10"}]
    assert found[:3] == ["NT1", "NT3", "NT10"]
    title = Measure.objects.get(code="NT10").title
    words = title.split()
    if len(words) > 16:
        assert " ".join(words[:16]) + " …" in page or " ".join(words[:16]) + "…" in page
