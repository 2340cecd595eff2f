"""Reading uploaded spreadsheets (XLSX, XLSM, XLS, ODS or CSV) into rows, safely and with clear
errors; the one reader behind every upload (single return, bulk returns, contracts, proxy values).

An upload is all-or-nothing: callers collect every problem, by row and column, and change
nothing unless the whole file is clean. Problems the reader finds in single cells (a formula, a
totals row, a CSV row with more cells than headings) are not raised but kept in
``Table.problems`` for the caller to list with its own. Cells written out again are escaped so
that a spreadsheet program never runs them as formulas.
"""

import dataclasses
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from openpyxl.utils import get_column_letter

from common.spreadsheet_files import (
    ACCEPTED,
    KINDS,
    Sheet,
    SpreadsheetError,
    check_archive,
    csv_rows,
    extension,
    line_endings,
    read_csv,
    read_openpyxl,
    sniff_delimiter,
    sniff_kind,
)
from common.spreadsheet_odf import check_ods_repeats, read_calamine

__all__ = [
    "RowError", "SpreadsheetError", "Table", "escape_cell", "finish_problems", "problem_count", "read_table",
    "unescape_cell",
]  # fmt: skip


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str
    measure: str = ""  # the measure code on that row, when it has one

    def __str__(self):
        where = f"Row {self.row}" + (f" ({self.measure})" if self.measure else "")
        where += f", column '{self.column}'" if self.column else ""
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Table:
    headers: list
    rows: list  # (spreadsheet row number, {header: text}) pairs
    preamble: list = field(default_factory=list)  # (row number, [text, ...]) above the header row
    problems: list = field(default_factory=list)  # RowErrors found while reading
    header_row: int = 1


MAX_ROWS = 20000
# The header row may sit under a title, a header block or blank rows: look this far down for it.
HEADER_SEARCH = 20
TOTAL_LABELS = {"total", "totals", "grand total", "sub total", "subtotal", "sub-total", "sum"}


def problem_count(count):
    """'1 problem', '3 problems'."""
    return f"{count:,} problem{'' if count == 1 else 's'}"


def _clean_header(value):
    return "_".join(str(value or "").replace("\ufeff", "").strip().lower().split())


def _column_name(index):
    return get_column_letter(index + 1)


def read_table(uploaded, *, required_columns, sheet_name=None, max_rows=MAX_ROWS, header_search=HEADER_SEARCH,
               optional_columns=()):  # fmt: skip
    """Read an uploaded spreadsheet into a Table whose headers include ``required_columns``.

    The header row is the first of the first ``header_search`` rows to name every required
    column; the rows above it are kept as ``Table.preamble``. A required or optional heading
    given twice is refused. Data rows end at the first fully blank row: a single note under it is
    ignored, anything else under it is a problem naming its row.
    """
    data = _read_upload(uploaded)
    kind = _kind_of(uploaded, data)
    if kind == "csv":
        sheet, delimiter, text = _read_csv_sheet(data, required_columns, header_search)
    elif kind in ("xlsx", "xlsm", "ods"):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError):
            raise SpreadsheetError(f"The file looks like {KINDS[kind]} but is damaged or incomplete.") from None
        with archive:
            check_archive(archive, kind)
            layout = check_ods_repeats(archive) if kind == "ods" else None
        if kind == "ods":
            sheet = read_calamine(data, sheet_name, kind, ods_layout=layout)
        else:
            sheet = read_openpyxl(data, sheet_name, kind)
    else:
        sheet = read_calamine(data, sheet_name, kind)
    if not sheet.lines:
        raise SpreadsheetError("The sheet is empty.")
    header_at = _find_header(sheet.lines, required_columns, header_search)
    if header_at is None:
        raise SpreadsheetError(_missing_headings_message(sheet, required_columns, header_search))
    header_number, header_values = sheet.lines[header_at]
    headers = [_clean_header(h) for h in header_values]
    _refuse_duplicates(headers, [*required_columns, *optional_columns])
    preamble = sheet.lines[:header_at]
    problems = []
    for (number, column), formula in sorted(sheet.formulas.items()):
        if number >= header_number:
            heading = headers[column] if column < len(headers) and headers[column] else _column_name(column)
            problems.append(
                RowError(
                    number,
                    heading,
                    f"The cell holds a formula ({formula}); the portal reads values only. Copy the column "
                    "and use Paste Special, Values, then upload again.",
                )
            )
    rows = _data_rows(sheet, header_at, headers, max_rows, problems)
    if kind == "csv":
        _check_csv_widths(sheet, header_at, headers, delimiter, problems, text)
    return Table(headers=headers, rows=rows, preamble=preamble, problems=problems, header_row=header_number)


def _read_upload(uploaded):
    size = getattr(uploaded, "size", None)
    limit = settings.MAX_SPREADSHEET_UPLOAD_BYTES
    if size is not None and size > limit:
        raise SpreadsheetError(
            f"The file is {filesizeformat(size)}; the largest accepted is {filesizeformat(limit)}. Save a copy "
            "with only the template's sheet and columns, or split it, then upload again."
        )
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        raise SpreadsheetError(f"The file is larger than {filesizeformat(limit)}, the largest accepted.")
    if not data:
        raise SpreadsheetError("The file is empty.")
    return data


def _kind_of(uploaded, data):
    """What the file is, from its bytes; refused with what it really is when that is not a
    spreadsheet, or when its name says otherwise (an .xls renamed .xlsx)."""
    named = extension(getattr(uploaded, "name", ""))
    archive = None
    if data[:2] == b"PK":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError):
            archive = None
    kind = sniff_kind(data, archive)
    if archive is not None:
        archive.close()
    spreadsheet_kinds = ("xlsx", "xlsm", "xls", "ods", "csv")
    if kind not in spreadsheet_kinds:
        if named in ("xlsx", "xlsm") and kind == "zip" and archive is None:
            raise SpreadsheetError(
                f"The file is named .{named} but is damaged: it starts like a workbook but cannot be unpacked."
            )
        raise SpreadsheetError(f"This file is {KINDS.get(kind, 'not a spreadsheet')}, not a spreadsheet. {ACCEPTED}")
    if named not in spreadsheet_kinds:
        if kind == "csv":
            raise SpreadsheetError(f"The file '{getattr(uploaded, 'name', '')[:80]}' is not a spreadsheet. {ACCEPTED}")
        return kind
    if named != kind and not {named, kind} <= {"xlsx", "xlsm"}:
        raise SpreadsheetError(
            f"The file is named .{named} but is really {KINDS[kind]}. Open it and save it as the kind its name "
            f"says (or rename it .{'xlsx' if kind == 'xlsm' else kind}), then upload it again."
        )
    return kind


def _read_csv_sheet(data, required_columns, header_search):
    text = read_csv(data)
    guessed = sniff_delimiter(text)
    for delimiter in dict.fromkeys((guessed, ",", ";", "\t")):
        lines = csv_rows(text, delimiter)
        if _find_header(lines, required_columns, header_search) is not None:
            return Sheet(lines, kind="csv"), delimiter, text
    return Sheet(csv_rows(text, guessed), kind="csv"), guessed, text


def _find_header(lines, required_columns, header_search):
    for position, (_number, values) in enumerate(lines[: max(header_search, 1)]):
        names = {_clean_header(v) for v in values}
        if all(c in names for c in required_columns):
            return position
    return None


def _missing_headings_message(sheet, required_columns, header_search):
    """Name the row that looks most like the header row, what it holds and what it lacks."""
    candidates = sheet.lines[: max(header_search, 1)]
    best_number, best_values, best_score = candidates[0][0], candidates[0][1], -1
    for number, values in candidates:
        score = len({_clean_header(v) for v in values} & set(required_columns))
        if score > best_score:
            best_number, best_values, best_score = number, values, score
    found = [v for v in best_values if v][:12]
    missing = [c for c in required_columns if c not in {_clean_header(v) for v in best_values}]
    shown = ", ".join(f"'{v[:40]}'" for v in found) or "nothing"
    message = (
        f"The headings were expected in row {best_number}, which has {shown}; it lacks "
        + ", ".join(f"'{c}'" for c in missing)
        + ". Use the template's header row unchanged"
    )
    if sheet.kind == "csv" and len(best_values) == 1 and re.search(r"[|:]", best_values[0]):
        message += ", with columns separated by commas, semicolons or tabs"
    return message + "."


def _refuse_duplicates(headers, names):
    for name in dict.fromkeys(names):
        columns = [_column_name(i) for i, h in enumerate(headers) if h == name]
        if len(columns) > 1:
            raise SpreadsheetError(
                f"The heading '{name}' is on more than one column ({' and '.join(columns)}), so it is not "
                "clear which to read. Keep one of them and rename or delete the other."
            )


def _is_number(text):
    return bool(re.fullmatch(r"[-+£$€]?\s*[\d,]*\.?\d+\s*%?", text))


def _data_rows(sheet, header_at, headers, max_rows, problems):
    rows, blank_after = [], None
    previous = sheet.lines[header_at][0]
    for number, values in sheet.lines[header_at + 1 :]:
        filled = [v for v in values if v != ""]
        if number > previous + 1 and blank_after is None and rows:
            blank_after = previous + 1
        previous = number
        if not filled:
            if rows and blank_after is None:
                blank_after = number
            continue
        if blank_after is not None:
            if len(filled) == 1 and not _is_number(filled[0]):
                continue  # a note under the table
            problems.append(
                RowError(
                    number,
                    "",
                    f"This row is under the blank row {blank_after}, which ends the table. If it belongs in "
                    "the table, delete the blank row; if it is a note or a total, delete it.",
                )
            )
            continue
        labels = {" ".join(v.lower().rstrip(":").split()) for v in filled if not _is_number(v)}
        if labels & TOTAL_LABELS:
            problems.append(
                RowError(
                    number,
                    "",
                    "This looks like a totals row. Delete it: the portal adds up the figures itself.",
                )
            )
            continue
        if len(rows) >= max_rows:
            raise SpreadsheetError(f"The file has more than {max_rows:,} rows; split it up.")
        record = {h: values[i] if i < len(values) else "" for i, h in enumerate(headers) if h}
        if any(v != "" for v in record.values()):
            rows.append((number, record))
    return rows


def _check_csv_widths(sheet, header_at, headers, delimiter, problems, text):
    """A CSV row with more cells than headings has shifted: an unquoted comma in a number
    ("5,055") or in text moves every later cell one column to the right."""
    width = len(headers)
    named = {"\t": "tabs", ";": "semicolons", ",": "commas"}[delimiter]
    for number, values in sheet.lines[header_at + 1 :]:
        if len(values) > width:
            problems.append(
                RowError(
                    number,
                    "",
                    f"This row has {len(values)} cells but there are {width} headings, so its cells cannot be "
                    f"matched to columns (the file is separated by {named}, line endings {line_endings(text)}). "
                    "Write numbers without thousands separators, like 5055, and put text containing a "
                    f"{'comma' if delimiter == ',' else named[:-1]} in double quotes.",
                )
            )


def finish_problems(table, errors):
    """The reader's problems and the caller's, sorted by row; a caller's problem on a cell the
    reader already flagged (a formula read as blank) is left out, and every problem on a row with
    a measure code names it."""
    flagged = {(p.row, p.column) for p in table.problems}
    codes = {number: record.get("measure_code", "").strip()[:20] for number, record in table.rows}
    combined = list(table.problems) + [e for e in errors if (e.row, e.column) not in flagged]
    named = [
        dataclasses.replace(p, measure=codes[p.row]) if not p.measure and codes.get(p.row) else p for p in combined
    ]
    return sorted(named, key=lambda e: (e.row, e.column))


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
