"""The one reader behind every upload: bounded by what a file really holds, never by what it
declares, and reading each cell as the person saw it. Every file is built here."""

import io
import re
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from common.spreadsheet_files import MAX_PART_BYTES, cell_text
from common.spreadsheets import SpreadsheetError, problem_count, read_table

COLUMNS = ["measure_code", "quantity"]


def xlsx_bytes(rows, *, percent_cells=(), merges=(), title=None):
    book = Workbook()
    sheet = book.active
    if title:
        sheet.title = title
    for row in rows:
        sheet.append(row)
    for ref in percent_cells:
        sheet[ref].number_format = "0%"
    for ref in merges:
        sheet.merge_cells(ref)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite_part(data, name, change):
    """The workbook with one zip part's bytes changed by ``change``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, change(content) if info.filename == name else content)
    return out.getvalue()


def set_dimension(xml, ref):
    changed = re.sub(rb'<dimension ref="[A-Z0-9:]+" ?/>', b'<dimension ref="' + ref + b'"/>', xml)
    assert changed != xml
    return changed


def upload(data, name="file.xlsx"):
    return SimpleUploadedFile(name, data)


def ods_bytes(rows_xml):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
        archive.writestr(
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
            '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
            + rows_xml
            + "</table:table></office:spreadsheet></office:body></office:document-content>",
            zipfile.ZIP_DEFLATED,
        )
    return out.getvalue()


def ods_row(*values):
    cells = "".join(
        f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
        if isinstance(v, int | float)
        else f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
        for v in values
    )
    return f"<table:table-row>{cells}</table:table-row>"


# --- Trust 6: bounded by the real content -----------------------------------------------------


def test_a_workbook_declaring_a_huge_dimension_is_read_by_its_real_cells_in_well_under_2_seconds():
    data = xlsx_bytes([COLUMNS, ["NT1", 2], ["NT3", 4]])
    data = rewrite_part(data, "xl/worksheets/sheet1.xml", lambda xml: set_dimension(xml, b"A1:XFD5000"))
    assert b"XFD5000" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert len(data) < 10_000
    started = time.process_time()
    table = read_table(upload(data), required_columns=COLUMNS)
    assert time.process_time() - started < 2
    assert table.rows == [(2, {"measure_code": "NT1", "quantity": "2"}), (3, {"measure_code": "NT3", "quantity": "4"})]


def test_item_6_a_dimension_smaller_than_the_sheet_does_not_hide_rows():
    """Workbooks from tools other than Excel: <dimension> says 2 lines, the sheet has 7."""
    rows = [COLUMNS] + [[f"NT{n}", n] for n in range(1, 8)]
    data = rewrite_part(xlsx_bytes(rows), "xl/worksheets/sheet1.xml", lambda xml: set_dimension(xml, b"A1:B3"))
    table = read_table(upload(data), required_columns=COLUMNS)
    assert [record["measure_code"] for _, record in table.rows] == [f"NT{n}" for n in range(1, 8)]


def test_a_part_that_would_unpack_to_300_mb_is_refused_before_it_is_read():
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        original = zipfile.ZipFile(io.BytesIO(xlsx_bytes([COLUMNS, ["NT1", 1]])))
        for info in original.infolist():
            archive.writestr(info.filename, original.read(info))
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            block = b"a" * 1_048_576
            for _ in range(300):
                part.write(block)
    data = data.getvalue()
    assert len(data) < 2_000_000
    tracemalloc.start()
    started = time.process_time()
    try:
        with pytest.raises(SpreadsheetError, match=r"'xl/sharedStrings.xml' would unpack to 300 MB; the largest"):
            read_table(upload(data), required_columns=COLUMNS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.process_time() - started < 1
    assert peak < 20 * 1_048_576  # the upload itself and no more


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (b'<row r="2">' + b"<c><v>1</v></c>" * 400_000 + b"</row>", "holds 400,002 cells in 2 rows"),
        (b"".join(b'<row r="%d"/>' % n for n in range(2, 300_002)), "holds 2 cells in 300,001 rows"),
    ],
    ids=["a-row-of-400000-cells", "300000-empty-rows"],
)
def test_a_sheet_too_big_to_parse_quickly_is_refused_before_it_is_parsed(rows, message):
    def stuff(xml):
        return xml.replace(b"</row></sheetData>", b"</row>" + rows + b"</sheetData>")

    data = rewrite_part(xlsx_bytes([COLUMNS]), "xl/worksheets/sheet1.xml", stuff)
    started = time.process_time()
    with pytest.raises(SpreadsheetError, match=message):
        read_table(upload(data), required_columns=COLUMNS)
    assert time.process_time() - started < 2
    tracemalloc.start()
    try:
        with pytest.raises(SpreadsheetError, match=message):
            read_table(upload(data), required_columns=COLUMNS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 30 * 1_048_576


def test_too_many_shared_strings_are_refused_before_they_are_loaded():
    strings = b"<si><t>a</t></si>" * 400_000
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        original = zipfile.ZipFile(io.BytesIO(xlsx_bytes([COLUMNS, ["NT1", 1]])))
        for info in original.infolist():
            archive.writestr(info.filename, original.read(info))
        archive.writestr(
            "xl/sharedStrings.xml",
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + strings + b"</sst>",
        )
    started = time.process_time()
    with pytest.raises(SpreadsheetError, match="holds 400,000 different texts"):
        read_table(upload(data.getvalue()), required_columns=COLUMNS)
    assert time.process_time() - started < 1


def test_parts_that_together_unpack_too_large_are_refused():
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        original = zipfile.ZipFile(io.BytesIO(xlsx_bytes([COLUMNS, ["NT1", 1]])))
        for info in original.infolist():
            archive.writestr(info.filename, original.read(info))
        for index in range(3):
            archive.writestr(f"xl/media/image{index}.bin", b"\0" * (MAX_PART_BYTES - 1))
    with pytest.raises(SpreadsheetError, match="would unpack to 72 MB"):
        read_table(upload(data.getvalue()), required_columns=COLUMNS)


def test_a_dtd_inside_a_workbook_is_refused_with_a_clear_message():
    bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'

    def add_dtd(xml):
        return bomb + (xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml)

    data = rewrite_part(xlsx_bytes([COLUMNS, ["NT1", 1]]), "xl/worksheets/sheet1.xml", add_dtd)
    with pytest.raises(SpreadsheetError, match=r"'xl/worksheets/sheet1\.xml' declares a DTD"):
        read_table(upload(data), required_columns=COLUMNS)


@pytest.mark.parametrize(
    ("part", "cut"),
    [("xl/worksheets/sheet1.xml", 0.6), ("xl/styles.xml", 0.5), ("xl/workbook.xml", 0.5)],
)
def test_a_truncated_part_is_refused_with_a_clear_message(part, cut):
    data = xlsx_bytes([COLUMNS, ["NT1", 1], ["NT2", "text"]])
    data = rewrite_part(data, part, lambda xml: xml[: int(len(xml) * cut)])
    with pytest.raises(SpreadsheetError, match=r"(not well-formed|damaged or incomplete)"):
        read_table(upload(data), required_columns=COLUMNS)


def test_an_ods_repeating_a_filled_cell_over_millions_of_cells_is_refused_quickly():
    attack = ods_row(*COLUMNS) + (
        '<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
        'table:number-columns-repeated="16000" office:value-type="string"><text:p>x</text:p></table:table-cell>'
        "</table:table-row>"
    )
    started = time.process_time()
    with pytest.raises(SpreadsheetError, match=r"(repeats filled cells|far outside any table)"):
        read_table(upload(ods_bytes(attack), "file.ods"), required_columns=COLUMNS)
    assert time.process_time() - started < 2


FAR_CELL = (
    '<table:table-row table:number-rows-repeated="999998"><table:table-cell/></table:table-row>'
    '<table:table-row><table:table-cell table:number-columns-repeated="15999"/>'
    '<table:table-cell office:value-type="string"><text:p>far</text:p></table:table-cell></table:table-row>'
)


def test_an_ods_with_a_filled_cell_far_away_is_refused_before_calamine_reads_it():
    data = ods_bytes(ods_row(*COLUMNS) + ods_row("NT1", 1) + FAR_CELL)
    with pytest.raises(SpreadsheetError, match="filled cell at row 1,000,001, column 16,000"):
        read_table(upload(data, "file.ods"), required_columns=COLUMNS)


def test_calamine_runs_capped_so_a_sheet_it_cannot_hold_is_refused_not_a_worker_grown(monkeypatch):
    """As for an .xls, which cannot be checked cheaply first: calamine's child hits its cap."""
    monkeypatch.setattr("common.spreadsheets.check_ods_repeats", lambda archive: ({}, {}))
    data = ods_bytes(ods_row(*COLUMNS) + ods_row("NT1", 1) + FAR_CELL)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(SpreadsheetError, match=r"could not be read as an OpenDocument spreadsheet \(.ods\)"):
            read_table(upload(data, "file.ods"), required_columns=COLUMNS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 10
    assert peak < 10 * 1_048_576


# --- item 1: what a cell shows ----------------------------------------------------------------


def test_item_1_a_percentage_cell_reads_as_the_percentage_excel_shows():
    data = xlsx_bytes(
        [COLUMNS, ["NT2", 0.12], ["NT2", 1], ["NT2", 0.125], ["NT2", 0.12]], percent_cells=["B2", "B3", "B4"]
    )
    table = read_table(upload(data), required_columns=COLUMNS)
    assert [record["quantity"] for _, record in table.rows] == ["12%", "100%", "12.5%", "0.12"]


def test_numbers_keep_every_digit_they_hold():
    assert cell_text(5055.000000000001) == "5055.000000000001"
    assert cell_text(5055.0) == "5055"
    assert cell_text(0.1 + 0.2) == "0.30000000000000004"
    assert cell_text(1e-05) == "0.00001"
    assert cell_text(True) == "yes"


# --- item 4: the same heading twice ---------------------------------------------------------


def test_item_4_a_required_heading_on_two_columns_is_refused_naming_them():
    data = xlsx_bytes([["measure_code", "quantity", "narrative", "quantity"], ["NT1", 2, "", 5]])
    with pytest.raises(SpreadsheetError, match=r"'quantity' is on more than one column \(B and D\)"):
        read_table(upload(data), required_columns=COLUMNS)


# --- item 5: merged cells ---------------------------------------------------------------------


def test_item_5_a_merged_cell_gives_its_value_to_every_row_it_covers():
    data = xlsx_bytes(
        [[*COLUMNS, "narrative"], ["NT1", 1, "Shared story"], ["NT3", 2, None], ["NT4", 3, None], ["NT5", 4, "own"]],
        merges=["C2:C4"],
    )
    table = read_table(upload(data), required_columns=COLUMNS)
    assert [record["narrative"] for _, record in table.rows] == ["Shared story"] * 3 + ["own"]


def test_item_5_merged_cells_in_an_ods_are_spread_too():
    rows = ods_row("measure_code", "quantity", "narrative") + (
        '<table:table-row><table:table-cell office:value-type="string"><text:p>NT1</text:p></table:table-cell>'
        '<table:table-cell office:value-type="float" office:value="1"/>'
        '<table:table-cell table:number-rows-spanned="2" office:value-type="string"><text:p>Both</text:p>'
        "</table:table-cell></table:table-row>"
        '<table:table-row><table:table-cell office:value-type="string"><text:p>NT3</text:p></table:table-cell>'
        '<table:table-cell office:value-type="float" office:value="2"/><table:covered-table-cell/></table:table-row>'
    )
    table = read_table(upload(ods_bytes(rows), "file.ods"), required_columns=COLUMNS)
    assert [record["narrative"] for _, record in table.rows] == ["Both", "Both"]


# --- items 7 and 10: CSV ---------------------------------------------------------------------


def test_item_7_a_csv_row_with_more_cells_than_headings_is_a_problem_naming_the_row():
    text = "measure_code,quantity,narrative\nNT1,2,fine\nNT14,5,055,Spent locally\n"
    table = read_table(upload(text.encode(), "file.csv"), required_columns=COLUMNS)
    [problem] = table.problems
    assert problem.row == 3 and "has 4 cells but there are 3 headings" in problem.message
    assert "Write numbers without thousands separators, like 5055" in problem.message


@pytest.mark.parametrize(
    "text",
    [
        "measure_code;quantity;narrative\nNT1;2;a, b\nNT3;4;c\n",
        "measure_code\tquantity\tnarrative\nNT1\t2\ta, b\nNT3\t4\tc\n",
        "measure_code,quantity,narrative\rNT1,2,\"a, b\"\rNT3,4,c\r",
        "\ufeffmeasure_code;quantity;narrative\r\nNT1;2;a, b\r\nNT3;4;c\r\n",
    ],
    ids=["semicolons", "tabs", "cr-only", "bom-crlf-semicolons"],
)
def test_item_10_separators_and_line_endings_are_detected(text):
    table = read_table(upload(text.encode(), "file.csv"), required_columns=COLUMNS)
    assert table.rows == [
        (2, {"measure_code": "NT1", "quantity": "2", "narrative": "a, b"}),
        (3, {"measure_code": "NT3", "quantity": "4", "narrative": "c"}),
    ]
    assert not table.problems


def test_item_10_a_csv_with_another_separator_says_what_was_found():
    text = "measure_code|quantity\nNT1|2\n"
    with pytest.raises(SpreadsheetError) as caught:
        read_table(upload(text.encode(), "file.csv"), required_columns=COLUMNS)
    message = str(caught.value)
    assert "row 1, which has 'measure_code|quantity'" in message
    assert "separated by commas, semicolons or tabs" in message


def test_utf16_csv_is_named():
    with pytest.raises(SpreadsheetError, match="not UTF-8 text"):
        read_table(upload("measure_code,quantity\n".encode("utf-16"), "file.csv"), required_columns=COLUMNS)


# --- item 9: one header search ----------------------------------------------------------------


def test_item_9_a_title_row_and_blank_rows_above_the_header_are_tolerated():
    data = xlsx_bytes([["Our social value, 2025/26 Q1"], [], [], COLUMNS, ["NT1", 3]])
    table = read_table(upload(data), required_columns=COLUMNS)
    assert table.header_row == 4 and table.rows == [(5, {"measure_code": "NT1", "quantity": "3"})]
    assert table.preamble == [(1, ["Our social value, 2025/26 Q1"])]


def test_item_9_missing_headings_name_the_row_and_what_it_holds():
    data = xlsx_bytes([["Title"], ["measure code", "qty", "notes"], ["NT1", 3]])
    with pytest.raises(SpreadsheetError) as caught:
        read_table(upload(data), required_columns=COLUMNS)
    assert str(caught.value) == (
        "The headings were expected in row 2, which has 'measure code', 'qty', 'notes'; it lacks 'quantity'. "
        "Use the template's header row unchanged."
    )


# --- item 11: what a file really is -----------------------------------------------------------


def test_item_11_an_ods_is_read():
    data = ods_bytes(ods_row(*COLUMNS) + ods_row("NT1", 2) + ods_row("NT14", 1250.5))
    table = read_table(upload(data, "file.ods"), required_columns=COLUMNS)
    assert table.rows == [(2, {"measure_code": "NT1", "quantity": "2"}), (3, {"measure_code": "NT14", "quantity": "1250.5"})]


def test_item_1_a_percentage_cell_of_an_ods_reads_as_shown():
    percent = (
        '<table:table-row><table:table-cell office:value-type="string"><text:p>NT2</text:p></table:table-cell>'
        '<table:table-cell office:value-type="percentage" office:value="0.12"><text:p>12%</text:p>'
        "</table:table-cell></table:table-row>"
    )
    data = ods_bytes(ods_row(*COLUMNS) + percent + ods_row("NT2", 0.12))
    table = read_table(upload(data, "file.ods"), required_columns=COLUMNS)
    assert [record["quantity"] for _, record in table.rows] == ["12%", "0.12"]


def test_item_11_an_xlsm_is_read_with_its_number_formats():
    data = xlsx_bytes([COLUMNS, ["NT2", 0.45]], percent_cells=["B2"])
    table = read_table(upload(data, "file.xlsm"), required_columns=COLUMNS)
    assert table.rows == [(2, {"measure_code": "NT2", "quantity": "45%"})]


OLE_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "Workbook".encode("utf-16-le") + b"\0" * 600


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("return.xlsx", OLE_XLS, "named .xlsx but is really an Excel 97-2003 workbook (.xls)"),
        ("return.csv", xlsx_bytes([COLUMNS]), "named .csv but is really an Excel workbook (.xlsx)"),
        ("return.xlsx", b"%PDF-1.7 ...", "This file is a PDF document, not a spreadsheet"),
        ("return.xlsx", b"PK\x03\x04 not really a zip", "named .xlsx but is damaged"),
        ("return.txt", b"measure_code,quantity\n", "is not a spreadsheet"),
    ],
)
def test_item_11_a_file_is_named_for_what_it_really_is(name, data, message):
    with pytest.raises(SpreadsheetError) as caught:
        read_table(upload(data, name), required_columns=COLUMNS)
    assert message in str(caught.value)
    assert "BadZipFile" not in str(caught.value)


def test_item_11_a_damaged_xls_says_so():
    with pytest.raises(SpreadsheetError, match=r"could not be read as an Excel 97-2003 workbook \(.xls\): it cannot"):
        read_table(upload(OLE_XLS, "return.xls"), required_columns=COLUMNS)


# --- item 15: formulas and text ---------------------------------------------------------------


def test_item_15_formulas_are_problems_listed_by_row_and_text_starting_with_equals_is_text():
    book = Workbook()
    sheet = book.active
    sheet.append([*COLUMNS, "narrative"])
    sheet.append(["NT1", "=2+2", "fine"])
    sheet.append(["NT3", 4, None])
    sheet["C3"].value = "= what we did"
    sheet["C3"].data_type = "s"  # text typed with a leading '=' (Excel stores it as text)
    sheet.append(["NT4", "=SUM(B2:B3)", None])
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table(upload(buffer.getvalue()), required_columns=COLUMNS)
    assert [(p.row, p.column) for p in table.problems] == [(2, "quantity"), (4, "quantity")]
    assert "holds a formula (=SUM(B2:B3))" in table.problems[1].message
    assert table.rows[1] == (3, {"measure_code": "NT3", "quantity": "4", "narrative": "= what we did"})
    assert table.rows[0][1]["quantity"] == ""  # a formula is never read as a value


def test_problem_counts_are_plain_english():
    assert (problem_count(1), problem_count(3), problem_count(1200)) == ("1 problem", "3 problems", "1,200 problems")


# --- item 16: under the table ----------------------------------------------------------------


def test_item_16_a_totals_row_is_named_and_a_note_under_a_blank_row_is_ignored():
    data = xlsx_bytes(
        [COLUMNS, ["NT1", 2], ["NT3", 3], ["Total", 5], [], ["Figures checked by the finance team."]]
    )
    table = read_table(upload(data), required_columns=COLUMNS)
    assert [number for number, _ in table.rows] == [2, 3]
    [problem] = table.problems
    assert problem.row == 4 and "looks like a totals row" in problem.message


def test_item_16_rows_under_a_blank_row_are_named_not_dropped():
    data = xlsx_bytes([COLUMNS, ["NT1", 2], [], ["NT3", 3]])
    table = read_table(upload(data), required_columns=COLUMNS)
    assert [number for number, _ in table.rows] == [2]
    [problem] = table.problems
    assert problem.row == 4 and "under the blank row 3, which ends the table" in problem.message
