"""Returns as spreadsheets: the pre-filled template, its upload (all or nothing, every problem by
row and column), CSV upload and export, access, and the bulk upload of many returns."""

import csv
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path, reverse
from openpyxl import Workbook, load_workbook

from charter.models import Role
from commitments.models import Return, ReturnLine, ReturnStatus
from commitments.services import returns as rs
from commitments.spreadsheets.bulk import bulk_template, import_returns
from commitments.spreadsheets.returns import (
    RETURN_SHEET,
    TEMPLATE_COLUMNS,
    ReturnUploadError,
    parse_return_upload,
    return_template,
    upload_return,
)
from commitments.views import spreadsheets as spreadsheet_views
from common.spreadsheets import SpreadsheetError
from tests.factories import (
    ApprovedReturnFactory,
    ContractFactory,
    MembershipFactory,
    OrganisationFactory,
    SubmittedReturnFactory,
)
from toms.models import Measure, ValueKind
from toms.periods import Quarter

pytestmark = pytest.mark.django_db

# The bulk upload view, until it has its place in toms/urls.py.
urlpatterns = [
    path("bulk-upload/", spreadsheet_views.bulk_upload),
    path("", include("config.urls")),
]
BULK_URL = "/bulk-upload/"
BULK_HEADER = ["contract_reference", "quarter", "measure_code", "quantity", "narrative"]
L = rs.LineInput


# --- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture
def contract(framework):
    from commitments.models import Commitment

    contract = ContractFactory(reference="LCC-0001", title="Catering")
    for code, target, year in [("NT17", 400, None), ("NT14", 50000, None), ("NT14", 12000, 2025)]:
        Commitment.objects.create(
            contract=contract, measure=Measure.objects.get(code=code), target_quantity=target, financial_year=year
        )
    return contract


@pytest.fixture
def reporter(contract):
    return MembershipFactory(organisation=contract.supplier, role=Role.REPORTER).user


@pytest.fixture
def draft(contract, reporter):
    ret = rs.start_return(reporter, contract.supplier, Quarter(2025, 1), contract)
    return rs.save_draft(ret, reporter, [L("NT1", "2", "Two local hires")], revision=ret.revision)


def lines_of(ret):
    return {line.measure.code: (line.quantity, line.narrative) for line in ret.lines.select_related("measure")}


def save(book, name="return.xlsx"):
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def table_rows(sheet):
    """{measure code: row number} of the template's table, and the header row's number."""
    header = next(row[0].row for row in sheet.iter_rows() if row[0].value == "measure_code")
    codes = {
        sheet.cell(row=r, column=1).value: r
        for r in range(header + 1, sheet.max_row + 1)
        if sheet.cell(row=r, column=1).value
    }
    return header, codes


def filled(ret, values, *, extra_rows=(), sheet_title=None):
    """The template of ``ret`` with {code: (quantity, narrative)} typed in, and extra rows added."""
    book = return_template(ret)
    sheet = book[RETURN_SHEET]
    _, codes = table_rows(sheet)
    for code, (quantity, narrative) in values.items():
        sheet.cell(row=codes[code], column=4).value = quantity
        sheet.cell(row=codes[code], column=5).value = narrative
    for row in extra_rows:
        sheet.append(row)
    if sheet_title:
        sheet.title = sheet_title
    return save(book), codes


def csv_file(text, name="return.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"))


# --- the template ---------------------------------------------------------------------------


def test_the_template_has_a_header_block_and_committed_measures_first(draft, contract):
    sheet = return_template(draft)[RETURN_SHEET]
    assert sheet.title == "Return"
    block = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value for r in range(1, 8)}
    assert block["Organisation"] == contract.supplier.name
    assert block["Contract"] == "LCC-0001"
    assert block["Quarter"] == "2025/26 Q1"
    assert block["Revision"] == draft.revision
    header, codes = table_rows(sheet)
    assert [c.value for c in sheet[header]][:6] == TEMPLATE_COLUMNS
    order = list(codes)
    # committed (framework order), then the draft's other lines, then every other measure
    assert order[:3] == ["NT14", "NT17", "NT1"]
    assert sorted(order) == sorted(Measure.objects.active().values_list("code", flat=True))
    nt1 = codes["NT1"]
    assert sheet.cell(row=nt1, column=4).value == 2 and sheet.cell(row=nt1, column=5).value == "Two local hires"
    assert sheet.cell(row=codes["NT14"], column=4).value is None
    hint = sheet.cell(row=codes["NT14"], column=6).value
    assert "Committed: £50000 over the contract; £12000 in 2025/26." in hint


def test_only_quantity_and_narrative_can_be_typed_in(draft):
    sheet = return_template(draft)[RETURN_SHEET]
    header, codes = table_rows(sheet)
    assert sheet.protection.sheet
    for cell in sheet["B"][:header]:
        assert cell.protection.locked
    row = codes["NT14"]
    locked = {col: sheet.cell(row=row, column=col).protection.locked for col in range(1, 7)}
    assert locked == {1: True, 2: True, 3: True, 4: False, 5: False, 6: True}


def test_the_template_hints_with_data_validation(draft):
    sheet = return_template(draft)[RETURN_SHEET]
    _, codes = table_rows(sheet)
    by_cell = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            by_cell[cell_range.coord] = validation
    yes_no = Measure.objects.filter(value_kind=ValueKind.YES_NO).first()
    percentage = Measure.objects.filter(value_kind=ValueKind.PERCENTAGE).first()
    assert by_cell[f"D{codes[yes_no.code]}"].formula1 == '"yes,no"'
    pct = by_cell[f"D{codes[percentage.code]}"]
    assert (pct.type, pct.formula1, pct.formula2) == ("decimal", "0", "100")
    number = by_cell[f"D{codes['NT1']}"]
    assert (number.type, number.operator, number.formula1) == ("decimal", "greaterThanOrEqual", "0")


def test_every_text_cell_of_the_template_is_escaped(contract, reporter):
    contract.supplier.name = "=cmd|' /C calc'!A0"
    contract.supplier.save()
    ret = rs.start_return(reporter, contract.supplier, Quarter(2025, 1), contract)
    rs.save_draft(ret, reporter, [L("NT1", "1", "-5 people, +3 later, @home, =SUM(A1)")], revision=ret.revision)
    ret.refresh_from_db()
    book = load_workbook(io.BytesIO(save(return_template(ret)).read()))
    sheet = book[RETURN_SHEET]
    values = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [c.coordinate for c in values if c.data_type == "f"]
    assert "'=cmd|' /C calc'!A0" in [c.value for c in values]
    assert "'-5 people, +3 later, @home, =SUM(A1)" in [c.value for c in values]


# --- uploading: the round trip --------------------------------------------------------------


def test_download_fill_and_upload_round_trip(client, draft, reporter):
    client.force_login(reporter)
    response = client.get(reverse("commitments:return-template", args=[draft.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="return-LCC-0001-2025-26-q1.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet = book[RETURN_SHEET]
    _, codes = table_rows(sheet)
    sheet.cell(row=codes["NT14"], column=4, value=12500.5)
    sheet.cell(row=codes["NT14"], column=5, value="-- spent with Wirral Pantry")
    sheet.cell(row=codes["NT17"], column=4, value="1,250")
    sheet.cell(row=codes["NT1"], column=4).value = None  # taken out of the draft
    sheet.cell(row=codes["NT1"], column=5).value = None

    response = client.post(
        reverse("commitments:return-upload", args=[draft.pk]), {"file": save(book), "revision": draft.revision}
    )
    assert response.status_code == 302
    assert response.url == reverse("commitments:return-detail", args=[draft.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Spreadsheet uploaded: 2 measures saved to the draft."
    ]
    assert Return.objects.count() == 1
    draft.refresh_from_db()
    assert lines_of(draft) == {
        "NT14": (Decimal("12500.5"), "-- spent with Wirral Pantry"),
        "NT17": (Decimal("1250"), ""),
    }

    # Downloaded again and uploaded unchanged, nothing changes (no quote gained, no float noise).
    again = client.get(reverse("commitments:return-template", args=[draft.pk]))
    unchanged = SimpleUploadedFile("return.xlsx", again.content)
    assert (
        client.post(
            reverse("commitments:return-upload", args=[draft.pk]), {"file": unchanged, "revision": draft.revision}
        ).status_code
        == 302
    )
    draft.refresh_from_db()
    assert lines_of(draft)["NT14"] == (Decimal("12500.5"), "-- spent with Wirral Pantry")


def test_the_upload_page_carries_the_revision(client, draft, reporter):
    client.force_login(reporter)
    response = client.get(reverse("commitments:return-upload", args=[draft.pk]))
    assert response.status_code == 200
    assert f'name="revision" value="{draft.revision}"' in response.text
    assert reverse("commitments:return-template", args=[draft.pk]) in response.text


def test_yes_no_and_percentages_go_through_the_same_rules(draft, reporter):
    yes_no = Measure.objects.filter(value_kind=ValueKind.YES_NO).first()
    percentage = Measure.objects.filter(value_kind=ValueKind.PERCENTAGE).first()
    upload, _ = filled(draft, {yes_no.code: ("Yes", ""), percentage.code: ("45%", "")})
    upload_return(draft, reporter, upload, revision=draft.revision)
    quantities = {code: q for code, (q, _) in lines_of(draft).items()}
    assert quantities == {"NT1": 2, yes_no.code: 1, percentage.code: 45}  # NT1 was pre-filled


# --- uploading: every problem ---------------------------------------------------------------


def test_every_bad_row_is_reported_by_row_and_column_and_nothing_changes(draft):
    percentage = Measure.objects.filter(value_kind=ValueKind.PERCENTAGE).first()
    upload, codes = filled(
        draft,
        {"NT14": ("lots", ""), "NT17": ("-3", ""), percentage.code: ("120", ""), "NT1": ("1.23456", "x")},
        extra_rows=[["NT999", None, None, 4, ""], ["NT14", None, None, 5, ""], [None, None, None, 6, "orphan"]],
    )
    last = max(codes.values())
    with pytest.raises(ReturnUploadError) as caught:
        parse_return_upload(draft, upload)
    problems = {(e.row, e.column): e.message for e in caught.value.errors}
    assert set(problems) == {
        (codes["NT14"], "quantity"),
        (codes["NT17"], "quantity"),
        (codes[percentage.code], "quantity"),
        (codes["NT1"], "quantity"),
        (last + 1, "measure_code"),
        (last + 2, "measure_code"),
        (last + 3, "measure_code"),
    }
    assert "'lots' is not a number" in problems[(codes["NT14"], "quantity")]
    assert "cannot be negative" in problems[(codes["NT17"], "quantity")]
    assert "between 0 and 100" in problems[(codes[percentage.code], "quantity")]
    assert "There is no measure 'NT999'" in problems[(last + 1, "measure_code")]
    assert problems[(last + 2, "measure_code")] == (
        f"NT14 is already on row {codes['NT14']}; a measure may appear once in a return."
    )
    assert [e.row for e in caught.value.errors] == sorted(e.row for e in caught.value.errors)
    assert lines_of(draft) == {"NT1": (Decimal("2"), "Two local hires")}


def test_row_errors_are_shown_on_the_page_with_status_400(client, draft, reporter):
    client.force_login(reporter)
    upload, codes = filled(draft, {"NT14": ("lots", "")}, extra_rows=[["NT999", None, None, 4, ""]])
    response = client.post(reverse("commitments:return-upload", args=[draft.pk]), {"file": upload, "revision": draft.revision})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text
    assert "The file has 2 problems; nothing was saved." in response.text
    assert (
        f'<td class="govuk-table__cell govuk-table__cell--numeric">{codes["NT14"]} '
        '<span class="govuk-body-s">(NT14)</span></td>'
    ) in response.text
    assert f"Row {codes['NT14']} (NT14), quantity: " in response.text
    assert "There is no measure &#x27;NT999&#x27; in the framework." in response.text
    draft.refresh_from_db()
    assert lines_of(draft) == {"NT1": (Decimal("2"), "Two local hires")}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda ret: filled(ret, {"NT14": ("1", "")}, sheet_title="Sheet1")[0], "no sheet called 'Return'"),
        (lambda ret: SimpleUploadedFile("return.xlsx", b"PK\x03\x04 not really a zip"), "named .xlsx but is damaged"),
        (lambda ret: SimpleUploadedFile("return.pdf", b"%PDF-1.4"), "This file is a PDF document, not a spreadsheet"),
        (
            lambda ret: csv_file("measure_code,narrative\nNT14,hello\n"),
            "The headings were expected in row 1, which has 'measure_code', 'narrative'; it lacks 'quantity'",
        ),
        (lambda ret: csv_file("measure_code,quantity,narrative\nNT14,,\n"), "no quantities filled in"),
    ],
    ids=["wrong-sheet", "corrupt", "wrong-type", "missing-column", "nothing-filled-in"],
)
def test_unusable_files_get_a_clear_message(client, draft, reporter, make, message):
    with pytest.raises(SpreadsheetError) as caught:
        parse_return_upload(draft, make(draft))
    assert message in str(caught.value)
    client.force_login(reporter)
    response = client.post(
        reverse("commitments:return-upload", args=[draft.pk]), {"file": make(draft), "revision": draft.revision}
    )
    assert response.status_code == 400 and "There is a problem" in response.text
    assert lines_of(Return.objects.get(pk=draft.pk)) == {"NT1": (Decimal("2"), "Two local hires")}


def test_huge_files_are_refused_before_reading(draft, settings):
    settings.MAX_SPREADSHEET_UPLOAD_BYTES = 1000
    upload, _ = filled(draft, {"NT14": ("1", "")})
    with pytest.raises(SpreadsheetError, match="the largest accepted is 1000"):
        parse_return_upload(draft, upload)


def test_a_workbook_made_for_another_return_is_refused(contract, reporter, draft):
    other = rs.start_return(reporter, contract.supplier, Quarter(2025, 2), contract)
    upload, _ = filled(draft, {"NT14": ("1", "")})
    with pytest.raises(SpreadsheetError, match=r"for contract LCC-0001, 2025/26 Q1, not for this return"):
        parse_return_upload(other, upload)


def test_a_stale_upload_is_refused(client, draft, reporter):
    opened_at = draft.revision
    rs.save_draft(draft, reporter, [L("NT1", "3")], revision=opened_at)  # someone saves meanwhile
    client.force_login(reporter)
    upload, _ = filled(draft, {"NT14": ("100", "")})
    response = client.post(reverse("commitments:return-upload", args=[draft.pk]), {"file": upload, "revision": opened_at})
    assert response.status_code == 400
    assert "Someone else saved this return after you opened it" in response.text
    assert "Open the return again" in response.text
    assert lines_of(Return.objects.get(pk=draft.pk)) == {"NT1": (Decimal("3"), "")}
    with pytest.raises(rs.StaleReturnError):
        upload_return(draft, reporter, filled(draft, {"NT14": ("100", "")})[0], revision=opened_at)


def test_an_approved_return_is_refused(client, contract, reporter):
    approved = ApprovedReturnFactory(contract=contract, quarter=3)
    ReturnLine.objects.create(return_obj=approved, measure=Measure.objects.get(code="NT1"), quantity=1)
    client.force_login(reporter)
    url = reverse("commitments:return-upload", args=[approved.pk])
    page = client.get(url)
    assert page.status_code == 200 and "approved, so it cannot be changed" in page.text
    assert 'type="file"' not in page.text
    upload, _ = filled(approved, {"NT14": ("100", "")})
    response = client.post(url, {"file": upload, "revision": approved.revision})
    assert response.status_code == 400
    assert "approved and cannot be changed. To correct it, start an amendment." in response.text
    assert lines_of(approved) == {"NT1": (Decimal("1"), "")}


def test_a_form_without_a_revision_is_refused(client, draft, reporter):
    client.force_login(reporter)
    upload, _ = filled(draft, {"NT14": ("100", "")})
    response = client.post(reverse("commitments:return-upload", args=[draft.pk]), {"file": upload})
    assert response.status_code == 400 and "missing the return&#x27;s revision" in response.text


# --- CSV ------------------------------------------------------------------------------------


def test_a_csv_upload_saves_the_draft(draft, reporter):
    upload = csv_file('measure_code,quantity,narrative\nnt14,"£1,200.50",Spent locally\nNT17,40,\nNT1,,\n')
    ret, count, changed = upload_return(draft, reporter, upload, revision=draft.revision)
    assert count == 2 and changed and ret.revision == draft.revision + 1
    assert lines_of(draft) == {"NT14": (Decimal("1200.5"), "Spent locally"), "NT17": (Decimal("40"), "")}


def test_the_csv_export_is_escaped_and_uploads_back(client, draft, reporter):
    rs.save_draft(
        draft,
        reporter,
        [L("NT1", "2", '=HYPERLINK("http://evil")'), L("NT14", "100.25", "+44 spent"), L("NT17", "3", "@team")],
        revision=draft.revision,
    )
    draft.refresh_from_db()
    client.force_login(reporter)
    response = client.get(reverse("commitments:return-export-csv", args=[draft.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="return-LCC-0001-2025-26-q1.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    by_code = {row["measure_code"]: row for row in rows}
    assert by_code["NT1"]["narrative"] == '\'=HYPERLINK("http://evil")'
    assert by_code["NT14"]["narrative"] == "'+44 spent" and by_code["NT14"]["quantity"] == "100.25"
    assert by_code["NT17"]["narrative"] == "'@team"
    assert by_code["NT1"]["quarter"] == "2025/26 Q1" and by_code["NT1"]["contract_reference"] == "LCC-0001"
    for row in rows:
        assert not any(value[:1] in "=+-@" for value in row.values() if value)

    before = lines_of(draft)
    upload_return(draft, reporter, SimpleUploadedFile("export.csv", response.content), revision=draft.revision)
    assert lines_of(draft) == before


def test_a_csv_for_another_contract_or_quarter_is_refused(draft):
    upload = csv_file(
        "contract_reference,quarter,measure_code,quantity\nLCC-0001,2025/26 Q2,NT14,1\nOTHER,2025/26 Q1,NT17,1\n"
    )
    with pytest.raises(ReturnUploadError) as caught:
        parse_return_upload(draft, upload)
    assert {(e.row, e.column) for e in caught.value.errors} == {(2, "quarter"), (3, "contract_reference")}


# --- access ---------------------------------------------------------------------------------


def test_a_reporter_of_another_organisation_gets_404(client, draft, outsider):
    client.force_login(outsider)
    for name in ("commitments:return-template", "commitments:return-upload", "commitments:return-export-csv"):
        assert client.get(reverse(name, args=[draft.pk])).status_code == 404
    upload, _ = filled(draft, {"NT14": ("1", "")})
    response = client.post(reverse("commitments:return-upload", args=[draft.pk]), {"file": upload, "revision": draft.revision})
    assert response.status_code == 404
    assert lines_of(draft) == {"NT1": (Decimal("2"), "Two local hires")}


def test_the_commissioner_can_download_but_not_upload(client, draft, contract):
    reviewer = MembershipFactory(organisation=contract.commissioner, role=Role.COMMISSIONER).user
    client.force_login(reviewer)
    assert client.get(reverse("commitments:return-template", args=[draft.pk])).status_code == 404  # drafts are private
    Return.objects.filter(pk=draft.pk).update(status="changes_requested")
    assert client.get(reverse("commitments:return-template", args=[draft.pk])).status_code == 200
    assert client.get(reverse("commitments:return-export-csv", args=[draft.pk])).status_code == 200
    assert client.get(reverse("commitments:return-upload", args=[draft.pk])).status_code == 403
    upload, _ = filled(draft, {"NT14": ("1", "")})
    response = client.post(reverse("commitments:return-upload", args=[draft.pk]), {"file": upload, "revision": draft.revision})
    assert response.status_code == 403


def test_a_viewer_of_the_supplier_cannot_upload(client, draft, contract):
    viewer = MembershipFactory(organisation=contract.supplier, role=Role.VIEWER).user
    client.force_login(viewer)
    assert client.get(reverse("commitments:return-template", args=[draft.pk])).status_code == 200
    assert client.get(reverse("commitments:return-upload", args=[draft.pk])).status_code == 403


def test_anonymous_people_are_sent_to_sign_in(client, draft):
    for name in ("commitments:return-template", "commitments:return-upload", "commitments:return-export-csv"):
        response = client.get(reverse(name, args=[draft.pk]))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- the bulk upload ------------------------------------------------------------------------


@pytest.fixture
def second_contract(contract):
    return ContractFactory(supplier=contract.supplier, reference="WBC-0009", title="Cleaning")


def bulk_xlsx(rows, header=BULK_HEADER):
    book = Workbook()
    sheet = book.active
    sheet.title = "Returns"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    return save(book, "returns.xlsx")


def test_a_bulk_file_creates_and_updates_drafts(contract, second_contract, reporter, draft):
    upload = bulk_xlsx(
        [
            ["LCC-0001", "2025/26 Q1", "NT14", 100, "replaces the draft's lines"],
            ["LCC-0001", "2025/26 Q2", "NT14", 200, ""],
            ["LCC-0001", "2025/26 Q2", "NT17", "12.5", "Volunteering"],
            ["wbc-0009", "2025/26 Q1", "NT1", 3, ""],
            ["WBC-0009", "2025/26 Q1", "NT17", None, None],  # left blank: skipped
            ["organisation-wide", "2025/26 Q1", "NT15", 7, "Organisation-wide"],
        ]
    )
    result = import_returns(reporter, contract.supplier, upload)
    assert (result.returns_created, result.returns_updated, result.lines) == (3, 1, 5)
    draft.refresh_from_db()
    assert lines_of(draft) == {"NT14": (Decimal("100"), "replaces the draft's lines")}
    q2 = Return.objects.get(contract=contract, year=2025, quarter=2)
    assert q2.status == ReturnStatus.DRAFT and q2.created_by == reporter
    assert lines_of(q2) == {"NT14": (Decimal("200"), ""), "NT17": (Decimal("12.5"), "Volunteering")}
    assert lines_of(Return.objects.get(contract=second_contract)) == {"NT1": (Decimal("3"), "")}
    own = Return.objects.get(contract__isnull=True)
    assert lines_of(own) == {"NT15": (Decimal("7"), "Organisation-wide")}


def test_a_bulk_file_is_all_or_nothing_with_every_problem_listed(contract, second_contract, reporter, draft):
    SubmittedReturnFactory(contract=second_contract, quarter=2)
    ApprovedReturnFactory(contract=second_contract, quarter=3)
    ContractFactory(reference="OTHER-1")  # someone else's contract
    upload = bulk_xlsx(
        [
            ["LCC-0001", "2025/26 Q2", "NT14", 100, ""],  # fine, but must not be saved
            ["LCC-0001", "2025/26 Q2", "NT14", 5, ""],  # the same measure twice
            ["LCC-0001", "2025/26 Q3", "NT17", "lots", ""],  # not a number
            ["OTHER-1", "2025/26 Q1", "NT14", 1, ""],  # not this organisation's contract
            ["LCC-0001", "Q1 2025", "NT14", 1, ""],  # not a quarter
            ["LCC-0001", "2030/31 Q1", "NT14", 1, ""],  # not begun
            ["WBC-0009", "2025/26 Q2", "NT14", 1, ""],  # submitted
            ["WBC-0009", "2025/26 Q3", "NT14", 1, ""],  # approved
            ["LCC-0001", "2025/26 Q4", "NT999", 1, ""],  # no such measure
        ]
    )
    with pytest.raises(ReturnUploadError) as caught:
        import_returns(reporter, contract.supplier, upload)
    problems = {(e.row, e.column): e.message for e in caught.value.errors}
    assert set(problems) == {
        (3, "measure_code"),
        (4, "quantity"),
        (5, "contract_reference"),
        (6, "quarter"),
        (7, "quarter"),
        (8, "quarter"),
        (9, "quarter"),
        (10, "measure_code"),
    }
    assert problems[(3, "measure_code")].startswith("NT14 is already on row 2")
    assert "supplies no contract 'OTHER-1'" in problems[(5, "contract_reference")]
    assert "has not started yet" in problems[(7, "quarter")]
    assert "submitted for review and cannot be changed" in problems[(8, "quarter")]
    assert "approved; to correct it, start an amendment" in problems[(9, "quarter")]
    assert Return.objects.filter(contract=contract).count() == 1
    draft.refresh_from_db()
    assert lines_of(draft) == {"NT1": (Decimal("2"), "Two local hires")}


def test_a_bulk_file_with_a_contract_not_live_in_the_quarter_is_refused(contract, reporter):
    upload = csv_file(
        "contract_reference,quarter,measure_code,quantity\nLCC-0001,2023/24 Q4,NT14,1\nLCC-0001,2023/24 Q4,NT17,1\n"
    )
    with pytest.raises(ReturnUploadError) as caught:
        import_returns(reporter, contract.supplier, upload)
    [error] = caught.value.errors
    assert (error.row, error.column) == (2, "quarter")
    assert "not live in 2023/24 Q4" in error.message and "(rows 2 to 3)" in error.message
    assert not Return.objects.exists()


def test_only_the_organisations_reporters_can_bulk_upload(contract, outsider):
    with pytest.raises(rs.ReturnError, match="admins and reporters"):
        import_returns(outsider, contract.supplier, bulk_xlsx([["LCC-0001", "2025/26 Q1", "NT14", 1, ""]]))


def test_a_bulk_file_needs_its_columns(contract, reporter):
    with pytest.raises(SpreadsheetError, match="it lacks 'contract_reference', 'quarter'"):
        import_returns(reporter, contract.supplier, csv_file("measure_code,quantity\nNT14,1\n"))


@pytest.mark.urls(__name__)
def test_the_bulk_upload_page(client, contract, second_contract, reporter):
    client.force_login(reporter)
    page = client.get(BULK_URL)
    assert page.status_code == 200 and "Upload many returns" in page.text

    template = client.get(BULK_URL, {"template": "1", "quarter": "2025/26 Q1"})
    sheet = load_workbook(io.BytesIO(template.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == tuple(BULK_HEADER)
    assert [r[:3] for r in rows[1:]] == [("LCC-0001", "2025/26 Q1", "NT14"), ("LCC-0001", "2025/26 Q1", "NT17")]

    bad = client.post(BULK_URL, {"file": bulk_xlsx([["LCC-0001", "2025/26 Q1", "NT14", -1, ""]])})
    assert bad.status_code == 400 and "cannot be negative" in bad.text
    assert not Return.objects.exists()

    ok = client.post(BULK_URL, {"file": bulk_xlsx([["LCC-0001", "2025/26 Q1", "NT14", 1, ""]])})
    assert ok.status_code == 302 and ok.url == reverse("commitments:return-list")
    assert "1 line saved: 1 draft return started, 0 updated and 0 unchanged" in str(next(iter(get_messages(ok.wsgi_request))))


@pytest.mark.urls(__name__)
def test_the_bulk_upload_page_is_for_reporters(client, contract, commissioner):
    assert client.get(BULK_URL).status_code == 302  # sign in first
    client.force_login(commissioner)
    assert client.get(BULK_URL).status_code == 403


@pytest.mark.urls(__name__)
def test_the_bulk_upload_page_only_offers_ones_own_organisations(client, contract, reporter):
    stranger = OrganisationFactory()
    client.force_login(reporter)
    response = client.post(
        BULK_URL, {"organisation": stranger.pk, "file": bulk_xlsx([["LCC-0001", "2025/26 Q1", "NT14", 1, ""]])}
    )
    assert response.status_code == 400 and "Select a valid choice" in response.text
    assert not Return.objects.exists()


# --- messy spreadsheets: the right figure, or refused with nothing changed (issue 9) ----------


def rewrite_sheet_xml(data, change):
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, change(content) if info.filename == "xl/worksheets/sheet1.xml" else content)
    return out.getvalue()


def filled_book(ret, values):
    book = return_template(ret)
    sheet = book[RETURN_SHEET]
    _, codes = table_rows(sheet)
    for code, (quantity, narrative) in values.items():
        sheet.cell(row=codes[code], column=4).value = quantity
        sheet.cell(row=codes[code], column=5).value = narrative
    return book, sheet, codes


def test_item_1_a_percentage_cell_is_stored_as_the_percentage_shown(draft, reporter):
    book, sheet, codes = filled_book(draft, {"NT2": (0.12, "")})
    sheet.protection.sheet = False
    sheet.cell(row=codes["NT2"], column=4).number_format = "0%"
    ret, _, _ = upload_return(draft, reporter, save(book), revision=draft.revision)
    assert lines_of(ret)["NT2"] == (Decimal("12"), "")


def test_item_1_a_percentage_cell_on_a_measure_in_other_units_is_refused(draft, reporter):
    book, sheet, codes = filled_book(draft, {"NT3": (0.12, "")})
    sheet.cell(row=codes["NT3"], column=4).number_format = "0.00%"
    with pytest.raises(ReturnUploadError) as caught:
        upload_return(draft, reporter, save(book), revision=draft.revision)
    [error] = caught.value.errors
    assert (error.row, error.column, error.measure) == (codes["NT3"], "quantity", "NT3")
    assert "'12%' is a percentage" in error.message and "FTE" in error.message
    assert lines_of(Return.objects.get(pk=draft.pk)) == {"NT1": (Decimal("2"), "Two local hires")}


def test_item_4_two_quantity_columns_are_refused_naming_them(draft, reporter):
    book, sheet, codes = filled_book(draft, {"NT14": (100, "")})
    header, _ = table_rows(sheet)
    sheet.cell(row=header, column=7, value="quantity")
    sheet.cell(row=codes["NT14"], column=7, value=999)
    with pytest.raises(SpreadsheetError, match=r"'quantity' is on more than one column \(D and G\)"):
        upload_return(draft, reporter, save(book), revision=draft.revision)
    assert lines_of(Return.objects.get(pk=draft.pk)) == {"NT1": (Decimal("2"), "Two local hires")}


def test_item_5_a_narrative_merged_over_three_rows_belongs_to_each(draft, reporter):
    book, sheet, codes = filled_book(draft, {"NT14": (100, "Shared story"), "NT17": (5, None), "NT1": (2, None)})
    first, last = sorted((codes["NT14"], codes["NT17"]))
    assert last == first + 1  # the committed measures lead the template
    sheet.cell(row=last + 1, column=4).value = 3
    third = sheet.cell(row=last + 1, column=1).value
    sheet.merge_cells(start_row=first, start_column=5, end_row=last + 1, end_column=5)
    sheet.cell(row=first, column=5).value = "Shared story"
    ret, _, _ = upload_return(draft, reporter, save(book), revision=draft.revision)
    lines = lines_of(ret)
    for code in (sheet.cell(row=first, column=1).value, sheet.cell(row=last, column=1).value, third):
        assert lines[code][1] == "Shared story"


def test_item_6_a_wrong_dimension_loses_no_line(draft, reporter):
    lines = [L(code, str(n), "") for n, code in enumerate(["NT1", "NT3", "NT4", "NT5", "NT6", "NT8", "NT14"], start=1)]
    draft = rs.save_draft(draft, reporter, lines, revision=draft.revision)
    data = io.BytesIO()
    return_template(draft).save(data)
    header = 10
    short = rewrite_sheet_xml(
        data.getvalue(), lambda xml: re.sub(rb'<dimension ref="[A-Z0-9:]+" ?/>', f'<dimension ref="A1:F{header + 2}"/>'.encode(), xml)
    )
    _, count, changed = upload_return(draft, reporter, SimpleUploadedFile("r.xlsx", short), revision=draft.revision)
    assert (count, changed) == (7, False)
    assert len(lines_of(Return.objects.get(pk=draft.pk))) == 7


def test_item_7_a_csv_row_with_an_unquoted_thousands_separator_is_refused(draft, reporter):
    upload = csv_file("measure_code,quantity,narrative\nNT14,5,055,Spent locally\nNT17,4,\n")
    with pytest.raises(ReturnUploadError) as caught:
        upload_return(draft, reporter, upload, revision=draft.revision)
    [error] = caught.value.errors
    assert error.row == 2 and "has 4 cells but there are 3 headings" in error.message and error.measure == "NT14"
    assert lines_of(Return.objects.get(pk=draft.pk)) == {"NT1": (Decimal("2"), "Two local hires")}


def test_item_9_a_bulk_file_with_a_title_row_above_its_headings(contract, reporter):
    book = Workbook()
    sheet = book.active
    sheet.append(["Mersey Facilities: returns for 2025/26"])
    sheet.append([])
    sheet.append(BULK_HEADER)
    sheet.append(["LCC-0001", "2025/26 Q1", "NT14", 100, ""])
    result = import_returns(reporter, contract.supplier, save(book, "returns.xlsx"))
    assert (result.returns_created, result.lines) == (1, 1)


def test_item_9_missing_bulk_headings_name_the_row_and_what_it_has(contract, reporter):
    upload = bulk_xlsx([["LCC-0001", "2025/26 Q1", "NT14", 1, ""]], header=["contract", "quarter", "code", "qty"])
    with pytest.raises(SpreadsheetError) as caught:
        import_returns(reporter, contract.supplier, upload)
    assert "The headings were expected in row 1, which has 'contract', 'quarter', 'code', 'qty'" in str(caught.value)
    assert "it lacks 'contract_reference', 'measure_code', 'quantity'" in str(caught.value)


def test_item_10_a_semicolon_csv_with_cr_line_endings(draft, reporter):
    upload = csv_file("measure_code;quantity;narrative\rNT14;1250.5;Spent, locally\rNT1;2;Two local hires\r")
    ret, count, changed = upload_return(draft, reporter, upload, revision=draft.revision)
    assert count == 2 and changed
    assert lines_of(ret) == {"NT14": (Decimal("1250.5"), "Spent, locally"), "NT1": (Decimal("2"), "Two local hires")}


def test_item_11_an_xls_renamed_xlsx_says_what_it_is(client, draft, reporter):
    fake = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "Workbook".encode("utf-16-le") + b"\0" * 512
    client.force_login(reporter)
    response = client.post(
        reverse("commitments:return-upload", args=[draft.pk]),
        {"file": SimpleUploadedFile("return.xlsx", fake), "revision": draft.revision},
    )
    assert response.status_code == 400
    assert "named .xlsx but is really an Excel 97-2003 workbook (.xls)" in response.text
    assert "BadZipFile" not in response.text


@pytest.mark.parametrize("damage", ["truncated", "dtd"])
def test_malformed_xml_inside_a_workbook_is_a_400_with_a_message(client, draft, reporter, damage):
    data = io.BytesIO()
    return_template(draft).save(data)
    if damage == "truncated":
        broken = rewrite_sheet_xml(data.getvalue(), lambda xml: xml[: len(xml) // 2])
        expected = "is not well-formed"
    else:
        broken = rewrite_sheet_xml(
            data.getvalue(), lambda xml: b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + xml.split(b"?>", 1)[-1]
        )
        expected = "declares a DTD"
    client.force_login(reporter)
    response = client.post(
        reverse("commitments:return-upload", args=[draft.pk]),
        {"file": SimpleUploadedFile("return.xlsx", broken), "revision": draft.revision},
    )
    assert response.status_code == 400 and expected in response.text
    assert lines_of(Return.objects.get(pk=draft.pk)) == {"NT1": (Decimal("2"), "Two local hires")}


def test_item_14_the_template_uploaded_back_unchanged_changes_nothing(client, draft, reporter):
    client.force_login(reporter)
    template = client.get(reverse("commitments:return-template", args=[draft.pk]))
    response = client.post(
        reverse("commitments:return-upload", args=[draft.pk]),
        {"file": SimpleUploadedFile("return.xlsx", template.content), "revision": draft.revision},
    )
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Spreadsheet uploaded: nothing changed, the file matches the draft."
    ]
    assert Return.objects.get(pk=draft.pk).revision == draft.revision
    exported = client.get(reverse("commitments:return-export-csv", args=[draft.pk]))
    _, count, changed = upload_return(
        draft, reporter, SimpleUploadedFile("return.csv", exported.content), revision=draft.revision
    )
    assert (count, changed) == (1, False)


def test_item_14_an_empty_returns_template_uploaded_back_changes_nothing(contract, reporter):
    ret = rs.start_return(reporter, contract.supplier, Quarter(2025, 2), contract)
    data = io.BytesIO()
    return_template(ret).save(data)
    ret2, count, changed = upload_return(ret, reporter, SimpleUploadedFile("r.xlsx", data.getvalue()), revision=ret.revision)
    assert (count, changed, ret2.revision) == (0, False, ret.revision)


@pytest.mark.urls(__name__)
def test_item_14_the_bulk_template_uploaded_back_changes_nothing(client, contract, second_contract, reporter):
    client.force_login(reporter)
    template = client.get(BULK_URL, {"template": "1", "quarter": "2025/26 Q1"})
    response = client.post(BULK_URL, {"file": SimpleUploadedFile("returns.xlsx", template.content)})
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.endswith("nothing changed, the file has no quantities filled in.")
    assert not Return.objects.exists()


def test_item_5_a_bulk_contract_reference_merged_down_covers_every_row(contract, reporter):
    book = Workbook()
    sheet = book.active
    sheet.append(BULK_HEADER)
    sheet.append(["LCC-0001", "2025/26 Q1", "NT14", 100, ""])
    sheet.append([None, "2025/26 Q1", "NT17", 5, ""])
    sheet.merge_cells("A2:A3")
    result = import_returns(reporter, contract.supplier, save(book, "returns.xlsx"))
    assert (result.returns_created, result.lines) == (1, 2)
    assert not Return.objects.filter(contract__isnull=True).exists()


def test_item_5_a_bulk_reference_given_only_on_the_first_row_is_refused(contract, reporter):
    upload = bulk_xlsx([["LCC-0001", "2025/26 Q1", "NT14", 100, ""], ["", "2025/26 Q1", "NT17", 5, ""]])
    with pytest.raises(ReturnUploadError) as caught:
        import_returns(reporter, contract.supplier, upload)
    [error] = caught.value.errors
    assert (error.row, error.column) == (3, "contract_reference")
    assert "although row 2 has one" in error.message and "organisation-wide" in error.message
    assert not Return.objects.exists()


def test_item_5_the_bulk_template_says_how_to_write_organisation_wide(contract):
    book = bulk_template(contract.supplier, Quarter(2025, 1))
    assert "write organisation-wide" in book.active["A1"].comment.text


def test_item_15_a_formula_is_listed_with_every_other_problem_naming_the_measure(client, draft, reporter):
    book, sheet, codes = filled_book(draft, {"NT14": ("=100*2", ""), "NT17": ("lots", ""), "NT3": (1, None)})
    cell = sheet.cell(row=codes["NT3"], column=5)
    cell.value, cell.data_type = "= our apprentices, see the case study", "s"
    client.force_login(reporter)
    response = client.post(
        reverse("commitments:return-upload", args=[draft.pk]), {"file": save(book), "revision": draft.revision}
    )
    assert response.status_code == 400
    assert "The file has 2 problems; nothing was saved." in response.text
    assert f"Row {codes['NT14']} (NT14), quantity: The cell holds a formula (=100*2)" in response.text
    assert f"Row {codes['NT17']} (NT17), quantity: " in response.text
    assert lines_of(Return.objects.get(pk=draft.pk)) == {"NT1": (Decimal("2"), "Two local hires")}

    book, sheet, codes = filled_book(draft, {"NT3": (1, None)})
    cell = sheet.cell(row=codes["NT3"], column=5)
    cell.value, cell.data_type = "= our apprentices", "s"
    ret, _, _ = upload_return(draft, reporter, save(book), revision=draft.revision)
    assert lines_of(ret)["NT3"] == (Decimal("1"), "= our apprentices")


def test_item_15_one_problem_is_one_problem(client, draft, reporter):
    client.force_login(reporter)
    upload, _ = filled(draft, {"NT14": ("-5", "")})
    response = client.post(reverse("commitments:return-upload", args=[draft.pk]), {"file": upload, "revision": draft.revision})
    assert "The file has 1 problem; nothing was saved." in response.text


def test_item_16_a_totals_row_under_the_table_is_named(draft, reporter):
    upload, codes = filled(draft, {"NT14": (100, "")}, extra_rows=[["Total", None, None, 102, None]])
    total_row = max(codes.values()) + 1
    with pytest.raises(ReturnUploadError) as caught:
        upload_return(draft, reporter, upload, revision=draft.revision)
    [error] = caught.value.errors
    assert error.row == total_row and "looks like a totals row" in error.message


def test_item_16_notes_under_a_blank_row_are_ignored(draft, reporter):
    upload, _ = filled(draft, {"NT14": (100, "")}, extra_rows=[[], ["Figures checked by our finance team."]])
    ret, _, changed = upload_return(draft, reporter, upload, revision=draft.revision)
    assert changed and lines_of(ret)["NT14"] == (Decimal("100"), "")
