"""Reading the cells of an uploaded spreadsheet file (XLSX/XLSM, XLS, ODS or CSV), bounded by
what the file really holds.

Each reader returns a ``Sheet``: the non-empty rows as (row number, [cell text, ...]), and the
cells that hold formulas. What a file is comes from its first bytes, not its name. Nothing is
unpacked before every part's declared size is checked, and a declared ``<dimension>`` is never
trusted: only the cells actually present are read.
"""

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import ParseError


class SpreadsheetError(Exception):
    """The file as a whole cannot be read; the message says why, for people."""


# Bounds on what one upload may unpack: every part of a zipped workbook, and all of them
# together. The largest real upload (20,000 rows with narratives) unpacks to about 10 MB.
MAX_PART_BYTES = 24 * 1024 * 1024
MAX_UNPACKED_BYTES = 48 * 1024 * 1024
MAX_COLUMNS = 200  # cells further right than this are not read
MAX_SHEET_ROWS = 20_100  # rows read before the file is refused as too long
# Cells and row elements a sheet's XML may hold: 20,000 rows of 8 columns (the bulk template has
# 7) fit, and parsing this many takes about 3 s of CPU; a row of a million cells never reaches
# the parser. Measured: 280,000 cells took 6.8 s, too long for one request.
MAX_SHEET_CELLS = MAX_SHEET_ROWS * 8
MAX_SHEET_ROW_ELEMENTS = 200_000

KINDS = {
    "xlsx": "an Excel workbook (.xlsx)",
    "xlsm": "an Excel macro-enabled workbook (.xlsm)",
    "xls": "an Excel 97-2003 workbook (.xls)",
    "ods": "an OpenDocument spreadsheet (.ods)",
    "csv": "a text (CSV) file",
    "pdf": "a PDF document",
    "docx": "a Word document (.docx)",
    "pptx": "a PowerPoint presentation (.pptx)",
    "zip": "a zip archive",
    "ole": "an older Office document (not a workbook)",
    "encrypted": "a password-protected Office file",
    "image": "an image",
    "binary": "a binary file",
}
ACCEPTED = "Upload an Excel workbook (.xlsx, .xlsm or .xls), an OpenDocument spreadsheet (.ods) or a CSV file (.csv)."


@dataclass
class Sheet:
    lines: list  # (row number, [text, ...]) for the rows that have cells, in order
    formulas: dict = field(default_factory=dict)  # (row number, column index) -> formula text
    kind: str = "xlsx"


def extension(name):
    name = (name or "").lower()
    return name.rsplit(".", 1)[-1] if "." in name else ""


def sniff_kind(head, archive=None):
    """What a file really is, from its bytes (and, for a zip, the names inside)."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        if archive is None:
            return "zip"
        names = set(archive.namelist())
        if "mimetype" in names:
            try:
                mimetype = archive.read("mimetype")[:100]
            except (KeyError, zipfile.BadZipFile, OSError, RuntimeError):
                mimetype = b""
            if b"opendocument.spreadsheet" in mimetype:
                return "ods"
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
            content_types = _read_small(archive, "[Content_Types].xml")
            return "xlsm" if b"macroEnabled" in content_types else "xlsx"
        if "word/document.xml" in names:
            return "docx"
        if "ppt/presentation.xml" in names:
            return "pptx"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # An OLE compound file: its directory names the streams, anywhere in the file.
        if "EncryptedPackage".encode("utf-16-le") in head:
            return "encrypted"
        if "Workbook".encode("utf-16-le") in head or "Book".encode("utf-16-le") in head:
            return "xls"
        return "ole"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "csv"  # UTF-16 text: read_csv says to save it as UTF-8
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "image"
    if b"\x00" in head[:4096]:
        return "binary"
    return "csv"


def _read_small(archive, name, limit=1_000_000):
    try:
        info = archive.getinfo(name)
    except KeyError:
        return b""
    if info.file_size > limit:
        return b""
    return archive.read(info)


# --- zipped workbooks -----------------------------------------------------------------------


_ROOT_START = re.compile(rb"<[A-Za-z_]")


def check_archive(archive, kind):
    """Refuse a zipped workbook whose parts would unpack too large, or whose XML declares a DTD
    (which spreadsheets never need; entities are how XML bombs work), before anything is read."""
    total = 0
    for info in archive.infolist():
        if info.file_size > MAX_PART_BYTES:
            raise SpreadsheetError(
                f"The workbook's part '{info.filename[:80]}' would unpack to {info.file_size / 1_048_576:,.0f} MB; "
                f"the largest accepted is {MAX_PART_BYTES / 1_048_576:.0f} MB. Save a copy with only the "
                "template's sheet and columns, then upload that."
            )
        total += info.file_size
    if total > MAX_UNPACKED_BYTES:
        raise SpreadsheetError(
            f"The {KINDS[kind].split(' (')[0].removeprefix('an ').removeprefix('a ')} would unpack to "
            f"{total / 1_048_576:,.0f} MB; the largest accepted is {MAX_UNPACKED_BYTES / 1_048_576:.0f} MB. "
            "Save a copy with only the template's sheet and columns, then upload that."
        )
    for info in archive.infolist():
        if info.filename.lower().endswith((".xml", ".rels", ".vml")) and _declares_dtd(archive, info):
            raise SpreadsheetError(
                f"The workbook's part '{info.filename[:80]}' declares a DTD, which spreadsheets never do; "
                "the file is damaged or was not made by a spreadsheet program. Save it again from Excel."
            )


def _declares_dtd(archive, info):
    """Whether the XML prolog (everything before the root element) holds a <!DOCTYPE>."""
    seen = b""
    try:
        with archive.open(info) as part:
            while len(seen) < 1_048_576:
                chunk = part.read(16384)
                if not chunk:
                    break
                seen += chunk
                # UTF-16 XML: compare without the zero bytes.
                text = seen.replace(b"\x00", b"") if seen[:2] in (b"\xff\xfe", b"\xfe\xff") else seen
                root = _ROOT_START.search(text)
                if root:
                    return b"<!DOCTYPE" in text[: root.start()]
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, ValueError):
        raise SpreadsheetError(
            f"The workbook's part '{info.filename[:80]}' cannot be unpacked; the file is damaged. "
            "Save it again from Excel."
        ) from None
    return b"<!DOCTYPE" in seen


# Cell and row start tags, with or without a namespace prefix (<c r=…>, <x:c r=…>).
_CELL_TAGS = (b"<c ", b"<c>", b":c ", b":c>")
_ROW_TAGS = (b"<row ", b"<row>", b"<row/", b":row ", b":row>", b":row/")


def count_sheet_elements(part):
    """(cells, rows) in a worksheet's XML, counted on the raw bytes as they stream (C-speed
    counts, nothing built), so that a sheet too big to parse in a few seconds is refused. A tag
    cut between two chunks may be missed: the counts bound, they do not need to be exact."""
    cells = rows = 0
    while True:
        chunk = part.read(1_048_576)
        if not chunk:
            break
        cells += sum(chunk.count(tag) for tag in _CELL_TAGS)
        rows += sum(chunk.count(tag) for tag in _ROW_TAGS)
    return cells, rows


def count_shared_strings(part):
    """How many strings a shared-strings part holds (openpyxl keeps them all in memory)."""
    count = 0
    while chunk := part.read(1_048_576):
        count += sum(chunk.count(tag) for tag in (b"<si>", b"<si ", b":si>", b":si "))
    return count


def _is_percent_format(number_format):
    text = re.sub(r'"[^"]*"|\\.', "", number_format or "")
    return "%" in text


def read_openpyxl(data, sheet_name, kind):
    """An .xlsx/.xlsm sheet through openpyxl's streaming parser: only the cells present, with
    number formats (a percentage cell holding 0.12 reads "12%") and formulas seen as formulas."""
    from openpyxl import load_workbook
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
    from openpyxl.worksheet._reader import WorkSheetParser

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.lower().endswith("sharedstrings.xml"):
                with archive.open(name) as part:
                    strings = count_shared_strings(part)
                if strings > MAX_SHEET_CELLS:
                    raise SpreadsheetError(
                        f"The workbook holds {strings:,} different texts; the most accepted is {MAX_SHEET_CELLS:,}. "
                        "Save a copy with only the template's sheet, rows and columns, then upload that."
                    )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except SpreadsheetError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise SpreadsheetError(
            f"The workbook could not be opened; it is damaged or incomplete ({type(exc).__name__}). "
            "Save it again from Excel, then upload it."
        ) from None
    try:
        sheet = pick_sheet(book.sheetnames, sheet_name, lambda name: book[name], book.worksheets)
        percent_styles = set()
        for style_id, style in enumerate(book._cell_styles):
            fmt_id = style.numFmtId
            if fmt_id < BUILTIN_FORMATS_MAX_SIZE:
                number_format = BUILTIN_FORMATS.get(fmt_id, "General")
            else:
                try:
                    number_format = book._number_formats[fmt_id - BUILTIN_FORMATS_MAX_SIZE]
                except IndexError:
                    number_format = "General"
            if _is_percent_format(number_format):
                percent_styles.add(style_id)
        result = Sheet([], kind=kind)
        try:
            with sheet._get_source() as source:
                cells, rows = count_sheet_elements(source)
            if cells > MAX_SHEET_CELLS or rows > MAX_SHEET_ROW_ELEMENTS:
                raise SpreadsheetError(
                    f"The sheet '{sheet.title}' holds {cells:,} cells in {rows:,} rows; the most accepted is "
                    f"{MAX_SHEET_CELLS:,} cells. Save a copy with only the template's rows and columns, or "
                    "split it, then upload that."
                )
            with sheet._get_source() as source:
                parser = WorkSheetParser(
                    source,
                    sheet._shared_strings,
                    data_only=False,
                    epoch=book.epoch,
                    date_formats=book._date_formats,
                    timedelta_formats=book._timedelta_formats,
                )
                for number, cells in parser.parse():
                    if not cells:
                        continue
                    if len(result.lines) >= MAX_SHEET_ROWS:
                        break
                    values = []
                    for cell in cells:
                        column = cell["column"]
                        if column > MAX_COLUMNS:
                            continue
                        if column > len(values):
                            values.extend([""] * (column - len(values)))
                        value = cell["value"]
                        if cell["data_type"] == "f":
                            result.formulas[(number, column - 1)] = str(getattr(value, "text", value))[:60]
                            continue
                        values[column - 1] = cell_text(value, percent=cell["style_id"] in percent_styles)
                    result.lines.append((number, values))
                merged = parser.merged_cells
        except SpreadsheetError:
            raise
        except (ParseError, SyntaxError, ValueError, KeyError, IndexError, TypeError, zipfile.BadZipFile, EOFError):
            raise SpreadsheetError(
                f"The sheet '{sheet.title}' is not well-formed (it may be truncated or damaged). "
                "Save it again from Excel, then upload it."
            ) from None
        ranges = [m.ref for m in getattr(merged, "mergeCell", []) or []]
        spread_merged_cells(result, [_range_bounds(ref) for ref in ranges if ref])
        return result
    finally:
        book.close()


def _range_bounds(ref):
    from openpyxl.utils.cell import range_boundaries

    try:
        min_col, min_row, max_col, max_row = range_boundaries(str(ref))
    except (ValueError, TypeError):
        return None
    return min_row, min_col - 1, max_row, max_col - 1


def spread_merged_cells(sheet, ranges):
    """Give every cell of a merged range its top-left cell's value (Excel shows it across the
    range; the file stores it only once). Ranges are clipped to the rows and columns present."""
    if not ranges or not sheet.lines:
        return
    by_number = dict(sheet.lines)
    last_row = sheet.lines[-1][0]
    width = max(len(values) for _, values in sheet.lines)
    added = False
    for bounds in ranges:
        if bounds is None:
            continue
        min_row, min_col, max_row, max_col = bounds
        top = by_number.get(min_row)
        if top is None or min_col >= len(top) or top[min_col] == "":
            continue
        value = top[min_col]
        for number in range(min_row, min(max_row, last_row) + 1):
            values = by_number.get(number)
            if values is None:
                values = by_number[number] = []
                added = True
            for column in range(min_col, min(max_col, width - 1) + 1):
                if column >= len(values):
                    values.extend([""] * (column + 1 - len(values)))
                if values[column] == "":
                    values[column] = value
    if added:
        sheet.lines = sorted(by_number.items())


def pick_sheet(names, sheet_name, get, sheets):
    if sheet_name:
        if sheet_name not in names:
            raise SpreadsheetError(
                f"The workbook has no sheet called '{sheet_name}' (it has: {', '.join(names)}). "
                "Use the template's sheet unchanged."
            )
        return get(sheet_name)
    if not names:
        raise SpreadsheetError("The workbook has no sheets.")
    return sheets[0] if sheets is not None else get(names[0])


# --- CSV ------------------------------------------------------------------------------------


def read_csv(data):
    """A CSV's rows: UTF-8 (with or without a BOM), separated by commas, semicolons or tabs
    (found from the first kilobyte), lines ending in CR, LF or CRLF."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpreadsheetError(
            f"The CSV file is not UTF-8 text (byte {exc.start + 1} cannot be read); in Excel, save it as "
            "'CSV UTF-8 (Comma delimited)'."
        ) from None
    if "\x00" in text:
        raise SpreadsheetError("The CSV file contains binary data; it may be damaged.")
    return text


def csv_rows(text, delimiter):
    """(row number, [text, ...]) lines of ``text`` split by ``delimiter``; blank lines kept out."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines = []
    try:
        for number, row in enumerate(reader, start=1):
            values = [cell.strip() for cell in row]
            while values and values[-1] == "":
                values.pop()
            if values:
                lines.append((number, values))
            if len(lines) > MAX_SHEET_ROWS:
                break
    except csv.Error as exc:
        raise SpreadsheetError(f"The CSV file could not be read near row {reader.line_num}: {exc}.") from None
    return lines


def sniff_delimiter(text):
    """The separator of a CSV, by csv.Sniffer over its first kilobyte; commas when unsure."""
    sample = text[:1024]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        counts = {d: sample.split("\n", 1)[0].count(d) for d in (",", ";", "\t")}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def line_endings(text):
    sample = text[:4096]
    if "\r\n" in sample:
        return "CRLF"
    if "\r" in sample:
        return "CR"
    return "LF"


# --- one cell as text -----------------------------------------------------------------------


def cell_text(value, *, percent=False):
    """A cell's value as the text a person would type: a number exactly as stored (the quantity
    parser rounds float noise), a percentage cell as "12%", a date as 2025-04-01."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        if isinstance(value, float) and value != value:  # NaN
            return ""
        try:
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        except InvalidOperation:
            return str(value)
        if percent:
            number = number.scaleb(2)
            return (f"{number.normalize():f}" if number == number.to_integral() else f"{number:f}") + "%"
        if isinstance(value, float):
            if value.is_integer() and abs(value) < 1e15:
                return str(int(value))
            return f"{number:f}" if "e" in repr(value).lower() and abs(value) < 1e15 else repr(value)
        return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()
