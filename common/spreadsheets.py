"""Reading uploaded spreadsheets (XLSX or CSV) into rows, safely and with clear errors.

An upload is all-or-nothing: callers collect every problem, by row and column, and change
nothing unless the whole file is clean. Cells written out again are escaped so that a
spreadsheet program never runs them as formulas.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings


class SpreadsheetError(Exception):
    """The file as a whole cannot be read; the message says why, for people."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        where = f"Row {self.row}" + (f", column '{self.column}'" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Table:
    headers: list
    rows: list  # (spreadsheet row number, {header: text}) pairs
    preamble: list = field(default_factory=list)  # (row number, [text, ...]) above the header row


MAX_ROWS = 20000


def _clean_header(value):
    return str(value or "").strip().lower().replace(" ", "_")


def read_table(uploaded, *, required_columns, sheet_name=None, max_rows=MAX_ROWS, header_search=1):
    """Read an uploaded .xlsx or .csv into a Table whose headers include ``required_columns``.

    The header row is the first row, unless ``header_search`` > 1: then it is the first of that
    many rows to name every required column (a template may have a header block above its
    table); the rows above it are kept as ``Table.preamble``.
    """
    name = (getattr(uploaded, "name", "") or "").lower()
    size = getattr(uploaded, "size", None)
    limit = settings.MAX_SPREADSHEET_UPLOAD_BYTES
    if size is not None and size > limit:
        raise SpreadsheetError(
            f"The file is {size / 1_048_576:.1f} MB; the largest accepted is {limit / 1_048_576:.0f} MB."
        )
    if name.endswith(".xlsx"):
        preamble, headers, raw_rows = _read_xlsx(uploaded, sheet_name, required_columns, header_search)
    elif name.endswith(".csv"):
        preamble, headers, raw_rows = _read_csv(uploaded, required_columns, header_search)
    else:
        raise SpreadsheetError("Upload an Excel workbook (.xlsx) or a CSV file (.csv).")

    missing = [c for c in required_columns if c not in headers]
    if missing:
        raise SpreadsheetError(
            "The file is missing the column(s) " + ", ".join(f"'{c}'" for c in missing)
            + ". Use the template's header row unchanged."
        )
    rows = []
    for number, values in raw_rows:
        if len(rows) >= max_rows:
            raise SpreadsheetError(f"The file has more than {max_rows:,} rows; split it up.")
        record = {h: values[i] if i < len(values) else "" for i, h in enumerate(headers) if h}
        if any(v != "" for v in record.values()):
            rows.append((number, record))
    if not rows:
        raise SpreadsheetError("The file has a header row but no data rows.")
    return Table(headers=headers, rows=rows, preamble=preamble)


def _split_header(lines, required_columns, header_search):
    """(preamble, headers, data lines) from (number, raw values) lines, the header row found as
    ``read_table`` says (the first row when no row names every required column)."""
    index = 0
    for position, (_number, values) in enumerate(lines[: max(header_search, 1)]):
        if all(c in [_clean_header(h) for h in values] for c in required_columns):
            index = position
            break
    headers = [_clean_header(h) for h in lines[index][1]]
    preamble = [(number, [_cell_text(v) for v in values]) for number, values in lines[:index]]
    return preamble, headers, lines[index + 1 :]


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_xlsx(uploaded, sheet_name, required_columns=(), header_search=1):
    from openpyxl import load_workbook

    data = uploaded.read()
    try:
        # Keep formulas as written (data_only=False) so that we can refuse them.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SpreadsheetError(
            "The file could not be opened as an Excel workbook; it may be damaged, or not "
            f"really an .xlsx file ({type(exc).__name__})."
        ) from None
    try:
        if sheet_name:
            if sheet_name not in book.sheetnames:
                raise SpreadsheetError(
                    f"The workbook has no sheet called '{sheet_name}' (it has: "
                    f"{', '.join(book.sheetnames)}). Use the template's sheet unchanged."
                )
            sheet = book[sheet_name]
        else:
            sheet = book.worksheets[0]
        lines = []
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            lines.append((number, row))
            if len(lines) > MAX_ROWS + header_search + 1:
                break
        if not lines:
            raise SpreadsheetError("The sheet is empty.")
        preamble, headers, data_rows = _split_header(lines, required_columns, header_search)
        rows, formula_cells = [], []
        for number, row in lines:
            for col, value in enumerate(row):
                if isinstance(value, str) and value.startswith("="):
                    column = headers[col] if col < len(headers) and headers[col] else col + 1
                    formula_cells.append(f"{column} row {number}")
        for number, row in data_rows:
            rows.append((number, [_cell_text(value) for value in row]))
        if formula_cells:
            shown = ", ".join(formula_cells[:5]) + (" and more" if len(formula_cells) > 5 else "")
            raise SpreadsheetError(
                f"The file contains formulas ({shown}). Paste the values only, then upload again."
            )
        return preamble, headers, rows
    finally:
        book.close()


def _read_csv(uploaded, required_columns=(), header_search=1):
    data = uploaded.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpreadsheetError("The CSV file is not UTF-8 text; save it as 'CSV UTF-8'.") from None
    if "\x00" in text:
        raise SpreadsheetError("The CSV file contains binary data; it may be damaged.")
    reader = csv.reader(io.StringIO(text))
    lines = []
    try:
        for number, row in enumerate(reader, start=1):
            lines.append((number, [cell.strip() for cell in row]))
            if len(lines) > MAX_ROWS + header_search + 1:
                break
    except csv.Error as exc:
        raise SpreadsheetError(f"The CSV file could not be read near row {reader.line_num}: {exc}.") from None
    if not lines:
        raise SpreadsheetError("The file is empty.")
    return _split_header(lines, required_columns, header_search)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """Neutralise text that a spreadsheet would run as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in _FORMULA_STARTS:
        return "'" + value
    return value


def unescape_cell(text):
    """Undo ``escape_cell`` on text read back from one of our own files, so that a downloaded
    file uploaded again does not gain a quote each time ("'-5 people" reads as "-5 people")."""
    if isinstance(text, str) and text[:1] == "'" and text[1:2] in _FORMULA_STARTS:
        return text[1:]
    return text
