"""Contract pages: recording a contract and its commitments, who may see and change them, and
progress against the commitments as a table and an SVG chart."""

import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from charter.models import Role
from commitments import charts
from commitments.models import Commitment, Contract, ReturnLine
from commitments.selectors import contract_progress
from tests.factories import ApprovedReturnFactory, ContractFactory, MembershipFactory, OrganisationFactory
from toms.models import Measure, ProxyValue

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def measures(framework):
    return {m.code: m for m in Measure.objects.all()}


@pytest.fixture
def council(db):
    return OrganisationFactory(public=True, name="Liverpool City Council")


@pytest.fixture
def commissioner(council):
    return MembershipFactory(organisation=council, role=Role.COMMISSIONER, user__full_name="Cara Commissioner").user


@pytest.fixture
def supplier(db):
    return OrganisationFactory(name="Mersey Facilities Services Ltd")


@pytest.fixture
def reporter(supplier):
    return MembershipFactory(organisation=supplier, role=Role.REPORTER).user


@pytest.fixture
def stranger(db):
    return MembershipFactory(role=Role.REPORTER).user


@pytest.fixture
def contract(council, supplier, measures):
    contract = ContractFactory(commissioner=council, supplier=supplier, reference="LCC-2025-014")
    Commitment.objects.create(contract=contract, measure=measures["NT1"], target_quantity=4)
    Commitment.objects.create(contract=contract, measure=measures["NT17"], target_quantity=400)
    Commitment.objects.create(contract=contract, measure=measures["NT14"], target_quantity=100, financial_year=2024)
    Commitment.objects.create(contract=contract, measure=measures["NT14"], target_quantity=100, financial_year=2025)
    return contract


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def approved(contract, year, quarter, **quantities):
    ret = ApprovedReturnFactory(contract=contract, year=year, quarter=quarter)
    for code, quantity in quantities.items():
        ReturnLine.objects.create(return_obj=ret, measure=Measure.objects.get(code=code), quantity=quantity)
    return ret


CONTRACT_POST = {
    "supplier": None,
    "reference": "LCC-2025-099",
    "title": "Grounds maintenance",
    "value": "£1,250,000",
    "start_date_0": "1", "start_date_1": "4", "start_date_2": "2025",
    "end_date_0": "31", "end_date_1": "3", "end_date_2": "2028",
    "places_served": ["liverpool", "sefton"],
}


# --- recording contracts ------------------------------------------------------------------


def test_a_commissioner_records_a_contract_then_its_commitments(commissioner, council, supplier, measures):
    client = client_for(commissioner)
    assert client.get(reverse("commitments:contract-create")).status_code == 200
    response = client.post(reverse("commitments:contract-create"), {**CONTRACT_POST, "supplier": supplier.pk,
                                                                     "commissioner": council.pk})
    contract = Contract.objects.get()
    assert response.url == reverse("commitments:commitments-edit", args=[contract.pk])
    assert contract.commissioner == council and contract.supplier == supplier and contract.created_by == commissioner
    assert contract.value == Decimal("1250000") and contract.start_date == dt.date(2025, 4, 1)
    assert contract.places_served == ["liverpool", "sefton"]

    page = client.get(response.url).text
    assert "2025/26" in page and "2027/28" in page and "Whole contract" in page
    data = {"commitment-TOTAL_FORMS": 3, "commitment-INITIAL_FORMS": 0,
            "commitment-0-measure": "NT1", "commitment-0-target": "12", "commitment-0-financial_year": "",
            "commitment-1-measure": "NT14", "commitment-1-target": "£25,000", "commitment-1-financial_year": "2025",
            "commitment-2-measure": "", "commitment-2-target": "", "commitment-2-financial_year": ""}
    assert client.post(response.url, data).status_code == 302
    assert {(c.measure.code, c.target_quantity, c.financial_year) for c in contract.commitments.all()} == {
        ("NT1", Decimal(12), None), ("NT14", Decimal(25000), 2025)}


def test_contract_form_errors_are_summarised(commissioner, council, supplier):
    data = {**CONTRACT_POST, "supplier": supplier.pk, "commissioner": council.pk, "reference": "", "value": "lots",
            "end_date_2": "2024"}
    response = client_for(commissioner).post(reverse("commitments:contract-create"), data)
    assert response.status_code == 400
    for text in ("Enter the contract reference", "Enter the contract value as a number",
                 "The end date must be the same as or after the start date"):
        assert text in response.text
    assert 'href="#id_reference"' in response.text
    assert not Contract.objects.exists()


def test_a_reference_is_unique_for_its_commissioner(commissioner, council, supplier, contract):
    data = {**CONTRACT_POST, "supplier": supplier.pk, "commissioner": council.pk, "reference": contract.reference}
    response = client_for(commissioner).post(reverse("commitments:contract-create"), data)
    assert response.status_code == 400 and "already has a contract with that reference" in response.text


def test_the_supplier_must_differ_from_the_commissioner(commissioner, council):
    data = {**CONTRACT_POST, "supplier": council.pk, "commissioner": council.pk}
    response = client_for(commissioner).post(reverse("commitments:contract-create"), data)
    assert response.status_code == 400 and "must be a different organisation" in response.text


def test_only_commissioners_of_public_bodies_record_contracts(reporter):
    assert client_for(reporter).get(reverse("commitments:contract-create")).status_code == 403


def test_commitment_rows_are_checked_by_row_and_measure(commissioner, contract):
    url = reverse("commitments:commitments-edit", args=[contract.pk])
    data = {"commitment-TOTAL_FORMS": 4, "commitment-INITIAL_FORMS": 0,
            "commitment-0-measure": "NT1", "commitment-0-target": "12", "commitment-0-financial_year": "",
            "commitment-1-measure": "NT1", "commitment-1-target": "3", "commitment-1-financial_year": "",
            "commitment-2-measure": "NT17", "commitment-2-target": "-5", "commitment-2-financial_year": "",
            "commitment-3-measure": "", "commitment-3-target": "9", "commitment-3-financial_year": ""}
    response = client_for(commissioner).post(url, data)
    assert response.status_code == 400
    assert "Row 2: NT1 already has a target for the whole contract on row 1" in response.text
    assert "Row 3: The target cannot be negative" in response.text
    assert "Row 4: Choose the measure this target is for" in response.text
    assert 'href="#id_commitment-2-target"' in response.text
    assert contract.commitments.count() == 4  # unchanged


def test_a_measure_has_a_whole_contract_target_or_yearly_ones_not_both(commissioner, contract):
    url = reverse("commitments:commitments-edit", args=[contract.pk])
    data = {"commitment-TOTAL_FORMS": 2, "commitment-INITIAL_FORMS": 0,
            "commitment-0-measure": "NT1", "commitment-0-target": "12", "commitment-0-financial_year": "",
            "commitment-1-measure": "NT1", "commitment-1-target": "3", "commitment-1-financial_year": "2025"}
    response = client_for(commissioner).post(url, data)
    assert response.status_code == 400 and "either one target for the whole contract or targets by year" in response.text


def test_commitments_can_be_changed_and_removed(commissioner, contract):
    client = client_for(commissioner)
    url = reverse("commitments:commitments-edit", args=[contract.pk])
    page = client.get(url).text
    assert page.count('name="commitment-') > 4 * 3  # the four commitments, and blank rows
    data = {"commitment-TOTAL_FORMS": 4, "commitment-INITIAL_FORMS": 4}
    rows = [("NT1", "6", "", False), ("NT14", "100", "2024", True), ("NT14", "150", "2025", False),
            ("NT17", "400", "", True)]
    for i, (code, target, year, remove) in enumerate(rows):
        data.update({f"commitment-{i}-measure": code, f"commitment-{i}-target": target,
                     f"commitment-{i}-financial_year": year})
        if remove:
            data[f"commitment-{i}-remove"] = "on"
    assert client.post(url, data).status_code == 302
    assert {(c.measure.code, c.target_quantity, c.financial_year) for c in contract.commitments.all()} == {
        ("NT1", Decimal(6), None), ("NT14", Decimal(150), 2025)}


def test_editing_a_contract(commissioner, contract, reporter, stranger):
    url = reverse("commitments:contract-edit", args=[contract.pk])
    client = client_for(commissioner)
    page = client.get(url).text
    assert 'value="LCC-2025-014"' in page and 'value="1,000,000"' in page
    data = {**CONTRACT_POST, "supplier": contract.supplier_id, "reference": "LCC-2025-014", "title": "New title"}
    assert client.post(url, data).status_code == 302
    contract.refresh_from_db()
    assert contract.title == "New title" and contract.commissioner.name == "Liverpool City Council"
    assert client_for(reporter).get(url).status_code == 403  # the supplier sees the contract, but may not change it
    assert client_for(reporter).post(reverse("commitments:commitments-edit", args=[contract.pk]), {}).status_code == 403
    assert client_for(stranger).get(url).status_code == 404


# --- seeing contracts ---------------------------------------------------------------------


def test_the_list_shows_each_person_their_own_contracts(commissioner, reporter, stranger, contract):
    assert "LCC-2025-014" in client_for(commissioner).get(reverse("commitments:contract-list")).text
    page = client_for(reporter).get(reverse("commitments:contract-list")).text
    assert "LCC-2025-014" in page and "Record a contract" not in page
    commissioner_page = client_for(commissioner).get(reverse("commitments:contract-list")).text
    assert reverse("commitments:contract-import") in commissioner_page
    assert "LCC-2025-014" not in client_for(stranger).get(reverse("commitments:contract-list")).text


def test_a_reporter_of_another_organisation_gets_404_for_the_contract(stranger, contract):
    client = client_for(stranger)
    for name in ("contract-detail", "contract-edit", "commitments-edit", "progress-chart"):
        assert client.get(reverse(f"commitments:{name}", args=[contract.pk])).status_code == 404, name


def test_progress_shows_delivered_against_committed_with_proxy_values(reporter, contract):
    ProxyValue.objects.create(measure=contract.commitments.get(measure__code="NT1").measure, financial_year=2025,
                              value=Decimal("28840"), source="C&M TOMs 2025 (licensed)")
    approved(contract, 2025, 1, NT1=1, NT17=40, NT29=10)
    approved(contract, 2025, 2, NT1=2)
    page = client_for(reporter).get(reverse("commitments:contract-detail", args=[contract.pk])).text
    table = re.search(r"<caption[^>]*>Delivered to date against each commitment.*?</table>", page, re.S).group(0)
    nt1 = re.search(r"NT1</span>.*?</tr>", table, re.S).group(0)
    assert "4 FTE" in nt1 and "3 FTE" in nt1 and "75%" in nt1
    assert "£86,520.00" in nt1 and "C&amp;M TOMs 2025 (licensed)" in nt1
    nt17 = re.search(r"NT17</span>.*?</tr>", table, re.S).group(0)
    assert "40 hours" in nt17 and "10%" in nt17 and "No proxy value" in nt17 and "£0" not in nt17
    assert "£200" in table  # NT14's targets for two years add up
    assert "Not committed" in re.search(r"NT29</span>.*?</tr>", table, re.S).group(0)
    assert "proxy estimate" in page
    assert f'src="{reverse("commitments:progress-chart", args=[contract.pk])}"' in page
    assert 'alt="Bar chart of delivery against 3 commitments: 0 met so far.' in page


def test_the_chart_is_an_accessible_svg(reporter, contract):
    approved(contract, 2025, 1, NT1=6, NT17=100)
    response = client_for(reporter).get(reverse("commitments:progress-chart", args=[contract.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (the portal's own SVG)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Progress on contract LCC-2025-014"
    desc = root.find(f"{SVG}desc").text
    assert "NT1: 6 FTE delivered of 4 FTE committed (150%)" in desc
    assert "NT17: 100 hours delivered of 400 hours committed (25%)" in desc
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "NT1 6 FTE of 4 FTE (150%)" in texts and "NT17 100 hours of 400 hours (25%)" in texts
    assert "150%" in texts and "100%" in texts  # the scale reaches past 100%
    assert "style" not in response.content.decode() and "<script" not in response.content.decode()


def test_the_chart_module_draws_one_bar_a_commitment(contract):
    approved(contract, 2025, 1, NT1=2)
    svg = charts.progress_svg(contract_progress(contract), title="Progress")
    root = ET.fromstring(svg)  # noqa: S314 (the portal's own SVG)
    blue = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == charts.BLUE]
    assert len(blue) == 1 + 1  # the legend's swatch, and NT1's bar (nothing else delivered yet)
    empty = ET.fromstring(charts.progress_svg([], title="Nothing"))  # noqa: S314
    assert "No commitments recorded yet." in ["".join(t.itertext()) for t in empty.iter(f"{SVG}text")]


@pytest.mark.parametrize("n", [2, 16])
def test_the_contract_page_takes_a_fixed_number_of_queries(commissioner, contract, n, django_assert_max_num_queries):
    for i in range(n):
        approved(contract, 2018 + i // 4, i % 4 + 1, NT1=1, NT17=5, NT29=1)
    client = client_for(commissioner)
    with django_assert_max_num_queries(17):  # 16, and the navigation's count of returns to review
        assert client.get(reverse("commitments:contract-detail", args=[contract.pk])).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("commitments:progress-chart", args=[contract.pk])).status_code == 200


@pytest.mark.parametrize("n", [2, 30])
def test_the_contract_list_takes_a_fixed_number_of_queries(commissioner, council, n, django_assert_max_num_queries):
    ContractFactory.create_batch(n, commissioner=council)
    client = client_for(commissioner)
    with django_assert_max_num_queries(9):  # 8, and the navigation's count of returns to review
        assert client.get(reverse("commitments:contract-list")).status_code == 200


def test_a_percentage_is_the_latest_quarter_not_a_sum(reporter, contract, measures):
    Commitment.objects.create(contract=contract, measure=measures["NT41"], target_quantity=100)
    approved(contract, 2025, 1, NT41=80)
    approved(contract, 2025, 2, NT41=90)
    page = client_for(reporter).get(reverse("commitments:contract-detail", args=[contract.pk])).text
    row = re.search(r"NT41</span>.*?</tr>", page, re.S).group(0)
    assert "90%" in row and "latest quarter" in row and "170%" not in row
    svg = client_for(reporter).get(reverse("commitments:progress-chart", args=[contract.pk])).content.decode()
    assert "NT41: 90% delivered of 100% committed (90%)" in svg


def test_paging_through_contracts_keeps_the_search(client, icb_analyst):
    from tests.factories import ContractFactory

    for n in range(30):
        ContractFactory(title=f"Catering lot {n}")
    ContractFactory(title="Cleaning")
    client.force_login(icb_analyst)
    first = client.get(reverse("commitments:contract-list"), {"q": "catering"})
    assert "q=catering&amp;page=2" in first.text
    second = client.get(reverse("commitments:contract-list"), {"q": "catering", "page": 2})
    assert len(second.context["page"].object_list) == 5 and "Cleaning" not in second.text
