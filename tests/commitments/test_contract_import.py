"""Contracts and their commitments imported from a spreadsheet, all or nothing, only for the
organisations a person commissions for."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from charter.models import Kind, Role, Sector
from commitments.models import Commitment, Contract
from commitments.spreadsheets.contracts import COLUMNS, ContractImportError, import_contracts
from common.spreadsheets import SpreadsheetError
from tests.factories import ContractFactory, DraftReturnFactory, MembershipFactory, OrganisationFactory
from toms.models import Measure

pytestmark = pytest.mark.django_db


@pytest.fixture
def council(db):
    return OrganisationFactory(public=True, name="Wirral Council")


@pytest.fixture
def trust(db):
    return OrganisationFactory(
        name="Mersey Care NHS Foundation Trust", sector=Sector.PUBLIC, kind=Kind.NHS_TRUST, ods_code="RW4"
    )


@pytest.fixture
def buyer(council, trust):
    """A commissioner at the council and an admin at the trust."""
    user = MembershipFactory(organisation=council, role=Role.COMMISSIONER).user
    MembershipFactory(organisation=trust, role=Role.ADMIN, user=user)
    return user


@pytest.fixture
def company(db):
    return OrganisationFactory(name="Acme Facilities Ltd", companies_house_number="01234567")


@pytest.fixture
def charity(db):
    return OrganisationFactory(vcfse=True, name="Wirral Pantry", charity_number="1012345")


def row(**values):
    base = {
        "commissioner": "Wirral Council",
        "supplier": "Acme Facilities Ltd",
        "reference": "WC-001",
        "title": "Catering",
        "value": "250000",
        "start_date": "2025-04-01",
        "end_date": "2027-03-31",
        "places_served": "Wirral",
        "measure_code": "NT14",
        "target_quantity": "10000",
        "financial_year": "",
    }
    base.update(values)
    return [base[c] for c in COLUMNS]


def xlsx(rows, header=COLUMNS, title="Contracts"):
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("contracts.xlsx", buffer.getvalue())


def commitments_of(contract):
    return {
        (c.measure.code, c.financial_year): c.target_quantity for c in contract.commitments.select_related("measure")
    }


def test_a_clean_file_records_contracts_and_commitments(framework, buyer, council, trust, company, charity):
    upload = xlsx(
        [
            row(measure_code="NT14", target_quantity="£10,000", places_served="Wirral; Cheshire West and Chester"),
            row(measure_code="NT17", target_quantity="300", financial_year="2025/26",
                places_served="wirral;cheshire west and chester"),
            row(measure_code="NT17", target_quantity=350, financial_year="2026-27",
                places_served="Wirral; Cheshire West"),
            row(commissioner="RW4", supplier="1012345", reference="MC/22", title="'=Gardening", value=12000.5,
                start_date=dt.datetime(2025, 1, 1), end_date="31/12/2025", places_served="Liverpool",
                measure_code="", target_quantity=""),
            row(commissioner="rw4", supplier="01234567", reference="MC/23", title="Cleaning",
                places_served="", measure_code="NT1", target_quantity="2.5"),
        ]
    )  # fmt: skip
    result = import_contracts(buyer, upload)
    assert (result.contracts_created, result.commitments_created) == (3, 4)
    catering = Contract.objects.get(reference="WC-001")
    assert (catering.commissioner, catering.supplier, catering.created_by) == (council, company, buyer)
    assert catering.value == Decimal("250000") and catering.end_date == dt.date(2027, 3, 31)
    assert catering.places_served == ["wirral", "cheshire_west"]
    assert commitments_of(catering) == {
        ("NT14", None): Decimal("10000"),
        ("NT17", 2025): Decimal("300"),
        ("NT17", 2026): Decimal("350"),
    }
    gardening = Contract.objects.get(reference="MC/22")
    assert (gardening.commissioner, gardening.supplier) == (trust, charity)
    assert gardening.title == "=Gardening"  # our own escaping undone; escaped again when written out
    assert gardening.value == Decimal("12000.50") and gardening.start_date == dt.date(2025, 1, 1)
    assert not gardening.commitments.exists()
    assert commitments_of(Contract.objects.get(reference="MC/23")) == {("NT1", None): Decimal("2.5")}


def test_reimporting_updates_contracts_and_sets_the_commitments_given(framework, buyer, company):
    import_contracts(buyer, xlsx([row(), row(measure_code="NT17", target_quantity="300")]))
    contract = Contract.objects.get()
    Commitment.objects.create(contract=contract, measure=Measure.objects.get(code="NT1"), target_quantity=4)
    result = import_contracts(
        buyer,
        xlsx(
            [
                row(title="Catering and vending", measure_code="NT14", target_quantity="10000"),
                row(title="Catering and vending", measure_code="NT17", target_quantity="450"),
                row(title="Catering and vending", measure_code="NT15", target_quantity="20"),
            ]
        ),
    )
    assert (result.contracts_created, result.contracts_updated) == (0, 1)
    assert (result.commitments_created, result.commitments_updated, result.commitments_unchanged) == (1, 1, 1)
    contract.refresh_from_db()
    assert contract.title == "Catering and vending"
    assert commitments_of(contract) == {
        ("NT14", None): Decimal("10000"),
        ("NT17", None): Decimal("450"),
        ("NT15", None): Decimal("20"),
        ("NT1", None): Decimal("4"),  # not in the file: left alone
    }


def test_every_bad_row_is_reported_and_nothing_changes(framework, buyer, company):
    other_council = OrganisationFactory(public=True, name="Sefton Council")
    upload = xlsx(
        [
            row(),  # fine, but must not be saved
            row(reference="WC-002", supplier="Nobody Ltd"),
            row(reference="WC-003", value="lots"),
            row(reference="WC-004", start_date="2025-13-01"),
            row(reference="WC-005", end_date="2024-01-01"),
            row(reference="WC-006", places_served="Wirral; Atlantis"),
            row(reference="WC-007", measure_code="NT999"),
            row(reference="WC-008", target_quantity="-5"),
            row(reference="WC-009", financial_year="2030/31"),
            row(),  # NT14 for the whole of WC-001 again
            row(title="Something else", measure_code="NT17"),  # differs from WC-001's first row
            row(reference="WC-010", commissioner="Sefton Council"),  # not this person's council
            row(reference="WC-011", supplier="Wirral Council"),  # supplier is the commissioner
            row(reference="", title=""),
        ]
    )
    with pytest.raises(ContractImportError) as caught:
        import_contracts(buyer, upload)
    problems = {(e.row, e.column): e.message for e in caught.value.errors}
    assert set(problems) == {
        (3, "supplier"),
        (4, "value"),
        (5, "start_date"),
        (6, "end_date"),
        (7, "places_served"),
        (8, "measure_code"),
        (9, "target_quantity"),
        (10, "financial_year"),
        (11, "measure_code"),
        (12, "title"),
        (13, "commissioner"),
        (14, "supplier"),
        (15, "reference"),
        (15, "title"),
    }
    assert "No organisation called or numbered 'Nobody Ltd'" in problems[(3, "supplier")]
    assert "Unknown place(s): Atlantis" in problems[(7, "places_served")]
    assert "NT14 for the whole contract is already on row 2" in problems[(11, "measure_code")]
    assert "Differs from row 2" in problems[(12, "title")]
    assert "not a commissioner or admin of Sefton Council" in problems[(13, "commissioner")]
    assert "has no 2030/31" in problems[(10, "financial_year")]
    assert other_council.contracts_commissioned.count() == 0
    assert not Contract.objects.exists() and not Commitment.objects.exists()


def test_the_supplier_of_a_contract_with_returns_is_not_changed_by_import(framework, buyer, council, company, charity):
    """The import keeps the one rule of the form and the API, with the same message."""
    from commitments.services.contracts import supplier_kept_message

    contract = ContractFactory(commissioner=council, reference="WC-001", supplier=charity)
    DraftReturnFactory(contract=contract)
    with pytest.raises(ContractImportError) as caught:
        import_contracts(buyer, xlsx([row()]))
    [error] = caught.value.errors
    assert (error.row, error.column) == (2, "supplier")
    assert error.message == supplier_kept_message(contract) and "keeps its supplier" in error.message
    contract.refresh_from_db()
    assert contract.supplier == charity


def test_a_contract_without_returns_can_change_supplier_by_import(framework, buyer, council, company, charity):
    contract = ContractFactory(commissioner=council, reference="WC-001", supplier=charity)
    import_contracts(buyer, xlsx([row()]))
    contract.refresh_from_db()
    assert contract.supplier == company


def test_an_ambiguous_name_asks_for_an_identifier(framework, buyer, company):
    OrganisationFactory(name="Acme Facilities", place="wirral")
    with pytest.raises(ContractImportError) as caught:
        import_contracts(buyer, xlsx([row(supplier="ACME facilities limited")]))
    assert "could be any of" in caught.value.errors[0].message
    import_contracts(buyer, xlsx([row(supplier="acme  facilities ltd")]))  # the exact name is enough
    assert Contract.objects.get().supplier == company


def test_commissioners_of_private_bodies_cannot_import(framework, company):
    user = MembershipFactory(organisation=company, role=Role.ADMIN).user
    with pytest.raises(ContractImportError) as caught:
        import_contracts(user, xlsx([row(commissioner="Acme Facilities Ltd", supplier="Wirral Pantry")]))
    assert any("not a public sector body" in e.message for e in caught.value.errors)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("c.txt", b"hello"), "Upload an Excel workbook"),
        (SimpleUploadedFile("c.xlsx", b"garbage"), "named .xlsx but is really a text (CSV) file"),
        (SimpleUploadedFile("c.csv", b"commissioner,supplier\nA,B\n"), "it lacks 'reference', 'title'"),
    ],
)
def test_unreadable_files_get_a_clear_message(framework, buyer, upload, message):
    with pytest.raises(SpreadsheetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_contracts(buyer, upload)


def test_formulas_are_listed_with_every_other_problem(framework, buyer, company):
    with pytest.raises(ContractImportError) as caught:
        import_contracts(buyer, xlsx([row(value="=1000*250"), row(reference="WC-002", measure_code="NT999")]))
    problems = {(e.row, e.column): e.message for e in caught.value.errors}
    assert "holds a formula (=1000*250)" in problems[(2, "value")]
    assert "no measure 'NT999'" in problems[(3, "measure_code")]
    assert str(caught.value) == "2 problems in the file"
    assert not Contract.objects.exists()


def test_a_csv_file_works_too(framework, buyer, company):
    header = ",".join(COLUMNS[:-1])  # financial_year may be left out
    text = f'{header}\nWirral Council,Acme Facilities Ltd,WC-001,Catering,"£250,000",01/04/2025,31/03/2027,Wirral,NT14,100\n'
    result = import_contracts(buyer, SimpleUploadedFile("c.csv", text.encode()))
    assert (result.contracts_created, result.commitments_created) == (1, 1)


def test_the_import_page_is_for_commissioners(client, framework, buyer, owner, company):
    url = reverse("commitments:contract-import")
    template_url = reverse("commitments:contract-import-template")
    assert client.get(url).status_code == 302  # anonymous: sign in first
    client.force_login(owner)  # an admin of a private company
    assert client.get(url).status_code == 403
    assert client.get(template_url).status_code == 403
    assert client.post(url, {"file": xlsx([row()])}).status_code == 403
    assert not Contract.objects.exists()

    client.force_login(buyer)
    page = client.get(url)
    assert page.status_code == 200 and "Mersey Care NHS Foundation Trust and Wirral Council" in page.text
    template = load_workbook(io.BytesIO(client.get(template_url).content))
    assert template.sheetnames == ["Contracts", "Guide"]
    assert [c.value for c in template["Contracts"][1]] == COLUMNS

    bad = client.post(url, {"file": xlsx([row(value="-1")])})
    assert bad.status_code == 400
    assert "cannot be negative" in bad.text and "Nothing was imported" in bad.text
    ok = client.post(url, {"file": xlsx([row()])})
    assert ok.status_code == 302 and ok.url == reverse("commitments:contract-list")
    assert Contract.objects.get().reference == "WC-001"


# --- messy spreadsheets (issue 9) -----------------------------------------------------------


def test_item_14_the_template_uploaded_back_unchanged_changes_nothing(client, framework, buyer):
    client.force_login(buyer)
    template = client.get(reverse("commitments:contract-import-template"))
    response = client.post(
        reverse("commitments:contract-import"), {"file": SimpleUploadedFile("contracts-template.xlsx", template.content)}
    )
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Contracts imported: nothing changed, the file has no contracts in it."]
    assert not Contract.objects.exists()


def test_item_14_the_same_file_imported_twice_changes_nothing_the_second_time(framework, buyer, company):
    rows = [row(), row(measure_code="NT17", target_quantity="300")]
    import_contracts(buyer, xlsx(rows))
    again = import_contracts(buyer, xlsx(rows))
    assert again.summary() == "nothing changed (1 contract already as in the file)"


def test_item_9_a_title_row_above_the_headings_is_tolerated(framework, buyer, company):
    book = Workbook()
    sheet = book.active
    sheet.append(["Wirral Council contracts, April 2025"])
    sheet.append([])
    sheet.append(COLUMNS)
    sheet.append(row())
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_contracts(buyer, SimpleUploadedFile("contracts.xlsx", buffer.getvalue()))
    assert (result.contracts_created, result.commitments_created) == (1, 1)


def test_item_5_contract_columns_merged_over_their_commitment_rows(framework, buyer, company):
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    sheet.append(row(measure_code="NT14", target_quantity="10000"))
    sheet.append([None] * 8 + ["NT17", "300", ""])
    for column in "ABCDEFGH":
        sheet.merge_cells(f"{column}2:{column}3")
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_contracts(buyer, SimpleUploadedFile("contracts.xlsx", buffer.getvalue()))
    assert (result.contracts_created, result.commitments_created) == (1, 2)
    assert commitments_of(Contract.objects.get()) == {("NT14", None): Decimal("10000"), ("NT17", None): Decimal("300")}


def test_item_4_a_duplicated_heading_is_refused(framework, buyer, company):
    header = [*COLUMNS, "target_quantity"]
    with pytest.raises(SpreadsheetError, match=r"'target_quantity' is on more than one column \(J and L\)"):
        import_contracts(buyer, xlsx([[*row(), "99999"]], header=header))
    assert not Contract.objects.exists()


def test_item_7_a_shifted_csv_row_is_refused_with_its_row(framework, buyer, company):
    header = ",".join(COLUMNS)
    text = f"{header}\nWirral Council,Acme Facilities Ltd,WC-001,Catering,250,000,2025-04-01,2027-03-31,Wirral,NT14,100,2025/26\n"
    with pytest.raises(ContractImportError) as caught:
        import_contracts(buyer, SimpleUploadedFile("c.csv", text.encode()))
    assert any(e.row == 2 and "has 12 cells but there are 11 headings" in e.message for e in caught.value.errors)
    assert not Contract.objects.exists()
