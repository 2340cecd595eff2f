"""Reading .xls and .ods sheets: python-calamine reads them (in a capped child process, see
``common.calamine_sandbox``); an .ods's own XML is checked first for what calamine would expand
(repeated or far-away filled cells) and read for what calamine does not report (merged ranges,
percentage cells)."""

import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError

from common.spreadsheet_files import (
    KINDS,
    MAX_COLUMNS,
    MAX_SHEET_ROWS,
    Sheet,
    SpreadsheetError,
    cell_text,
    pick_sheet,
    spread_merged_cells,
)

_TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE_NS = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
MAX_ODS_CELLS = 2_000_000


def check_ods_repeats(archive):
    """An .ods stores a run of equal cells once, with a repeat count; a non-empty cell repeated
    over millions of rows and columns would be expanded in memory. Count the cells with content
    as they would be expanded, and refuse the file before calamine reads it."""
    from xml.etree.ElementTree import iterparse

    cells, row_repeat = 0, 1
    spans, table, row, column = {}, "", 0, 0  # merged ranges by sheet: ((row, col), (row, col)), from 0
    percents = {}  # ranges of percentage cells by sheet, the same way
    try:
        with archive.open("content.xml") as content:
            # check_archive has refused any DTD (no entities, so no XML bomb) before this runs.
            for event, element in iterparse(content, events=("start", "end")):  # noqa: S314
                if event == "start":
                    if element.tag == f"{_TABLE_NS}table":
                        table, row = element.get(f"{_TABLE_NS}name", ""), 0
                    elif element.tag == f"{_TABLE_NS}table-row":
                        row_repeat = int(element.get(f"{_TABLE_NS}number-rows-repeated", "1"))
                        column = 0
                    continue
                if element.tag == f"{_TABLE_NS}table-row":
                    row += row_repeat
                if element.tag in (f"{_TABLE_NS}table-cell", f"{_TABLE_NS}covered-table-cell"):
                    down = int(element.get(f"{_TABLE_NS}number-rows-spanned", "1"))
                    across = int(element.get(f"{_TABLE_NS}number-columns-spanned", "1"))
                    if (down > 1 or across > 1) and row < MAX_SHEET_ROWS and column < MAX_COLUMNS:
                        spans.setdefault(table, []).append(((row, column), (row + down - 1, column + across - 1)))
                    repeat = int(element.get(f"{_TABLE_NS}number-columns-repeated", "1"))
                    if element.get(f"{_OFFICE_NS}value-type") == "percentage" and row < MAX_SHEET_ROWS:
                        percents.setdefault(table, []).append(
                            ((row, column), (row + row_repeat - 1, column + repeat - 1))
                        )
                    column += repeat
                    if element.get(f"{_OFFICE_NS}value-type") or len(element):
                        # calamine holds the sheet as a grid up to its last filled cell
                        if (row + row_repeat) * column > MAX_ODS_CELLS:
                            raise SpreadsheetError(
                                f"The spreadsheet has a filled cell at row {row + row_repeat:,}, column "
                                f"{column:,}, far outside any table; delete what is there, then upload it again."
                            )
                        cells += row_repeat * repeat
                        if cells > MAX_ODS_CELLS:
                            raise SpreadsheetError(
                                "The spreadsheet repeats filled cells over millions of rows or columns; save a copy "
                                "with only the template's rows and columns, then upload that."
                            )
                    element.clear()
                elif element.tag == f"{_TABLE_NS}table-row":
                    element.clear()
    except KeyError:
        raise SpreadsheetError("The OpenDocument spreadsheet has no content; it is damaged.") from None
    except (ParseError, ValueError, zipfile.BadZipFile, OSError, EOFError):
        raise SpreadsheetError(
            "The OpenDocument spreadsheet is not well-formed (it may be truncated or damaged). Save it again, "
            "then upload it."
        ) from None
    return spans, percents


def _apply_percentages(sheet, raw, ranges):
    """Numbers in an .ods's percentage cells as the percentage shown ("12%" for 0.12)."""
    if not ranges:
        return
    by_number = dict(sheet.lines)
    for (min_row, min_col), (max_row, max_col) in ranges:
        for number in range(min_row + 1, min(max_row + 1, len(raw)) + 1):
            values, row = by_number.get(number), raw.get(number, [])
            if values is None:
                continue
            for column in range(min_col, min(max_col, len(values) - 1) + 1):
                if column < len(row) and isinstance(row[column], int | float) and not isinstance(row[column], bool):
                    values[column] = cell_text(row[column], percent=True)


# --- .xls and .ods through python-calamine ---------------------------------------------------


def read_calamine(data, sheet_name, kind, ods_layout=None):
    """An .xls or .ods sheet through python-calamine (fast, and reads both formats), in a child
    process capped in memory and CPU (``common.calamine_sandbox``). Formulas show their saved
    value. Calamine reports no number formats: for an .ods, percentage cells and merged ranges
    come from ``ods_layout`` (read by ``check_ods_repeats``); an .xls percentage cell reads as
    its fraction (the upload form says so)."""
    from common.calamine_sandbox import SandboxError
    from common.calamine_sandbox import read_sheet as sandboxed_read

    ods_spans, ods_percents = ods_layout or ({}, {})
    try:
        names, name, rows, merged = sandboxed_read(
            data, sheet_name, MAX_SHEET_ROWS * 2, cwd=Path(__file__).resolve().parent.parent
        )
    except SandboxError as exc:
        raise SpreadsheetError(
            f"The file could not be read as {KINDS[kind]}: {exc}. It may be damaged or password-protected; "
            "save it again (as .xlsx if you can), then upload it."
        ) from None
    if name is None:
        pick_sheet(names, sheet_name, None, None)  # says which sheets it has
    result = Sheet([], kind=kind)
    raw = {}  # row number -> the row's values as calamine gives them
    # From A1, with blank rows kept for numbering.
    for index, row in enumerate(rows):
        raw[index + 1] = row
        values = [cell_text(value) for value in row[:MAX_COLUMNS]]
        while values and values[-1] == "":
            values.pop()
        if values:
            result.lines.append((index + 1, values))
            if len(result.lines) >= MAX_SHEET_ROWS:
                break
    if not merged:
        merged = ods_spans.get(name, [])
    _apply_percentages(result, raw, ods_percents.get(name, []))
    spread_merged_cells(result, [(r0 + 1, c0, r1 + 1, c1) for (r0, c0), (r1, c1) in merged])
    return result
