"""Proxy values: imported by the ICB from a spreadsheet, all or nothing, always with a source."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from common.spreadsheets import SpreadsheetError, escape_cell
from toms.models import Measure, ProxyValue
from toms.proxy_import import ProxyImportError, import_proxy_values

pytestmark = pytest.mark.django_db
HEADER = ["measure_code", "financial_year", "value_per_unit", "source"]


def xlsx(rows, header=HEADER, title="Proxy values"):
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("values.xlsx", buffer.getvalue())


def csv_file(text, name="values.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"))


def test_a_clean_workbook_creates_values_with_their_source(framework):
    result = import_proxy_values(
        xlsx(
            [
                ["NT14", "2025/26", 0.21, "C&M TOMs 2025"],
                ["nt17", "2025-26", "£17.50", "C&M TOMs 2025"],
            ]
        )
    )
    assert (result.created, result.updated) == (2, 0)
    value = ProxyValue.objects.get(measure__code="NT17", financial_year=2025)
    assert value.value == Decimal("17.50") and value.source == "C&M TOMs 2025"


def test_reimporting_updates_in_place(framework):
    import_proxy_values(csv_file("measure_code,financial_year,value_per_unit,source\nNT14,2025/26,0.20,A\n"))
    result = import_proxy_values(
        csv_file("measure_code,financial_year,value_per_unit,source\nNT14,2025/26,0.25,B\nNT15,2025/26,95,B\n")
    )
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert ProxyValue.objects.get(measure__code="NT14").value == Decimal("0.25")
    assert ProxyValue.objects.count() == 2


def test_every_bad_row_is_reported_and_nothing_changes(framework):
    ProxyValue.objects.create(measure=Measure.objects.get(code="NT14"), financial_year=2025, value=1, source="old")
    upload = xlsx(
        [
            ["NT14", "2025/26", 5, "new"],  # fine, but must not be applied
            ["NT999", "2025/26", 1, "x"],  # unknown measure
            ["NT15", "2025/27", 1, "x"],  # not a financial year
            ["NT16", "2025/26", -3, "x"],  # negative
            ["NT17", "2025/26", "lots", "x"],  # not money
            ["NT18", "2025/26", 1, ""],  # no source
            ["NT14", "2025", 2, "dup"],  # the same measure and year twice
            ["NT19", "2025/26", "1.234", "x"],  # fractions of a penny
        ]
    )
    with pytest.raises(ProxyImportError) as caught:
        import_proxy_values(upload)
    problems = {(e.row, e.column) for e in caught.value.errors}
    assert problems == {
        (3, "measure_code"),
        (4, "financial_year"),
        (5, "value_per_unit"),
        (6, "value_per_unit"),
        (7, "source"),
        (8, "measure_code"),
        (9, "value_per_unit"),
    }
    assert "NT999" in str(caught.value.errors[0])
    assert ProxyValue.objects.get().value == Decimal("1.00")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("values.txt", b"hello"), "Upload an Excel workbook"),
        (SimpleUploadedFile("values.xlsx", b"not a zip at all"), "named .xlsx but is really a text (CSV) file"),
        (csv_file("measure_code,value_per_unit\nNT14,1\n"), "it lacks 'financial_year', 'source'"),
        (SimpleUploadedFile("values.csv", "a,b\n".encode("utf-16")), "not UTF-8"),
    ],
)
def test_unreadable_files_get_a_clear_message(framework, upload, message):
    with pytest.raises(SpreadsheetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_proxy_values(upload)
    assert not ProxyValue.objects.exists()


def test_formulas_are_listed_with_every_other_problem(framework):
    with pytest.raises(ProxyImportError) as caught:
        import_proxy_values(xlsx([["NT14", "2025/26", "=1+1", "x"], ["NT999", "2025/26", 2, "y"]]))
    problems = {(e.row, e.column): e for e in caught.value.errors}
    assert "holds a formula (=1+1)" in problems[(2, "value_per_unit")].message
    assert problems[(2, "value_per_unit")].measure == "NT14"
    assert str(problems[(2, "value_per_unit")]).startswith("Row 2 (NT14), column 'value_per_unit': ")
    assert "no measure 'NT999'" in problems[(3, "measure_code")].message
    assert not ProxyValue.objects.exists()


def test_huge_files_are_refused_before_reading(framework, settings):
    settings.MAX_SPREADSHEET_UPLOAD_BYTES = 100
    with pytest.raises(SpreadsheetError, match="largest accepted"):
        import_proxy_values(csv_file("measure_code,financial_year,value_per_unit,source\n" + "NT14,2025,1,x\n" * 20))


@pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+1", "-1", "@SUM(A1)"])
def test_exported_cells_cannot_run_as_formulas(text):
    assert escape_cell(text) == "'" + text
    assert escape_cell("NT14") == "NT14"


def test_the_template_round_trips(client, icb_admin, framework):
    ProxyValue.objects.create(
        measure=Measure.objects.get(code="NT14"), financial_year=2025, value="0.20", source="=evil"
    )
    client.force_login(icb_admin)
    response = client.get(reverse("toms:proxy-value-template"))
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:4] == tuple(HEADER)
    assert len(rows) - 1 == Measure.objects.active().count()
    nt14 = next(r for r in rows if r[0] == "NT14")
    assert nt14[1:4] == ("2025/26", "0.20", "'=evil")


def test_the_import_page_is_for_icb_admins_only(client, owner, icb_analyst):
    url = reverse("toms:proxy-value-import")
    assert client.get(url).status_code == 302  # anonymous: sign in first
    for user in (owner, icb_analyst):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"file": csv_file("x")}).status_code == 403


def test_uploading_through_the_page(client, icb_admin, framework):
    client.force_login(icb_admin)
    url = reverse("toms:proxy-value-import")
    ok = client.post(
        url,
        {"file": csv_file("measure_code,financial_year,value_per_unit,source\nNT14,2025/26,0.2,ICB\n")},
        follow=True,
    )
    assert "1 added" in ok.text
    bad = client.post(
        url, {"file": csv_file("measure_code,financial_year,value_per_unit,source\nNT14,2025/26,-1,ICB\n")}
    )
    assert bad.status_code == 400
    assert "cannot be negative" in bad.text and "nothing was imported" in bad.text
    assert ProxyValue.objects.get().value == Decimal("0.20")


# --- messy spreadsheets (issue 9) -----------------------------------------------------------


def test_item_14_the_template_uploaded_back_unchanged_changes_nothing(client, icb_admin, framework):
    ProxyValue.objects.create(
        measure=Measure.objects.get(code="NT14"), financial_year=2025, value="0.20", source="=evil"
    )
    client.force_login(icb_admin)
    template = client.get(reverse("toms:proxy-value-template"))
    response = client.post(
        reverse("toms:proxy-value-import"), {"file": SimpleUploadedFile("proxy-values-template.xlsx", template.content)}
    )
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Proxy values imported: nothing changed (1 already as in the file)."]
    value = ProxyValue.objects.get()
    assert (value.value, value.source) == (Decimal("0.20"), "=evil")


def test_item_14_an_empty_template_is_accepted_with_nothing_changed(client, icb_admin, framework):
    client.force_login(icb_admin)
    template = client.get(reverse("toms:proxy-value-template"))
    result = import_proxy_values(SimpleUploadedFile("proxy-values-template.xlsx", template.content))
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert not ProxyValue.objects.exists()


def test_item_9_a_title_row_above_the_headings_is_tolerated(framework):
    book = Workbook()
    sheet = book.active
    sheet.append(["Proxy values 2025/26"])
    sheet.append(HEADER)
    sheet.append(["NT14", "2025/26", 0.21, "ICB"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_proxy_values(SimpleUploadedFile("values.xlsx", buffer.getvalue()))
    assert result.created == 1


def test_item_1_a_percentage_cell_is_not_a_pound_value(framework):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["NT14", "2025/26", 0.21, "ICB"])
    sheet["C2"].number_format = "0%"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ProxyImportError) as caught:
        import_proxy_values(SimpleUploadedFile("values.xlsx", buffer.getvalue()))
    [error] = caught.value.errors
    assert (error.row, error.column) == (2, "value_per_unit") and "21%" in error.message
    assert not ProxyValue.objects.exists()
