"""Quarterly returns as spreadsheets: a pre-filled template to download, the same file uploaded
back, and a CSV export (the bulk upload of many returns in one file is in ``bulk``).

Every upload is all or nothing and goes through the same rules as the web form and the API
(``return_services.validate_lines`` and ``save_draft``); problems are reported by spreadsheet
row and column. Every text cell written out goes through ``escape_cell``.
"""

import csv
import io
import re
from decimal import Decimal

from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from commitments.models import ReturnStatus
from commitments.services.returns import (
    DraftBatch,
    LineInput,
    ReturnError,
    ReturnValidationError,
    StaleReturnError,
    can_report,
    validate_lines,
)
from common.spreadsheets import (
    RowError,
    SpreadsheetError,
    escape_cell,
    finish_problems,
    problem_count,
    read_table,
    unescape_cell,
)
from toms.models import Measure, ValueKind
from toms.quantities import format_quantity

RETURN_SHEET = "Return"
TEMPLATE_COLUMNS = ["measure_code", "measure", "unit", "quantity", "narrative", "hint"]
UPLOAD_COLUMNS = ["measure_code", "quantity"]  # narrative is read when present
CSV_COLUMNS = [
    "organisation", "contract_reference", "quarter", "status",
    "measure_code", "measure", "unit", "quantity", "narrative", "flag",
]  # fmt: skip
# validate_lines names the field; the spreadsheet names the column.
FIELD_COLUMNS = {"measure": "measure_code", "quantity": "quantity", "narrative": "narrative"}
ORGANISATION_WIDE = "None (organisation-wide social value)"

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReturnUploadError(Exception):
    """Rows of an upload break the rules; ``errors`` lists every RowError, in row order."""

    def __init__(self, errors):
        self.errors = sorted(errors, key=lambda e: (e.row, e.column))
        super().__init__(f"{problem_count(len(self.errors))} in the file")


# --- the template ---------------------------------------------------------------------------


def quantity_hint(measure):
    if measure.value_kind == ValueKind.YES_NO:
        return "Answer yes or no."
    if measure.value_kind == ValueKind.PERCENTAGE:
        return "A percentage from 0 to 100, like 45 (not 0.45)."
    if measure.value_kind == ValueKind.MONEY:
        return "Pounds, 0 or more, like 1250.50 (at most 2 decimal places)."
    return f"A number of {measure.unit}, 0 or more, like 12.5."


def _amount(measure, quantity):
    """A quantity with its unit, as people write it: £1200, 45%, 12.5 FTE, yes."""
    amount = format_quantity(measure, quantity)
    if measure.value_kind == ValueKind.YES_NO:
        return amount
    if measure.unit == "£":
        return f"£{amount}"
    if measure.unit == "%":
        return f"{amount}%"
    return f"{amount} {measure.unit}"


def _commitment_text(measure, commitments):
    parts = [
        f"{_amount(measure, c.target_quantity)} "
        + ("over the contract" if c.financial_year is None else f"in {c.period_label}")
        for c in sorted(commitments, key=lambda c: c.financial_year or 0)
    ]
    return "Committed: " + "; ".join(parts) + "."


def template_rows(ret):
    """(measure, line or None, commitments) in template order: the contract's committed measures,
    then other measures already in the draft, then every other measure in use; each group in
    framework order."""
    measures = list(Measure.objects.with_structure())  # Meta.ordering is framework order
    lines = {line.measure_id: line for line in ret.lines.all()}
    commitments = {}
    if ret.contract_id:
        for commitment in ret.contract.commitments.all():
            commitments.setdefault(commitment.measure_id, []).append(commitment)
    groups = ([], [], [])
    for measure in measures:
        if measure.pk in commitments and (measure.is_active or measure.pk in lines):
            groups[0].append(measure)
        elif measure.pk in lines:
            groups[1].append(measure)
        elif measure.is_active:
            groups[2].append(measure)
    return [(m, lines.get(m.pk), commitments.get(m.pk, [])) for group in groups for m in group]


def _contract_label(ret):
    return ret.contract.reference if ret.contract_id else ORGANISATION_WIDE


def return_template(ret):
    """An XLSX workbook for ``ret``: a locked header block and measure columns, and unlocked
    quantity and narrative cells pre-filled with the draft's current lines."""
    book = Workbook()
    sheet = book.active
    sheet.title = RETURN_SHEET
    bold = Font(bold=True)
    sheet["A1"] = "Social value return"
    sheet["A1"].font = Font(bold=True, size=14)
    block = [
        ("Organisation", ret.organisation.name, ""),
        ("Contract", _contract_label(ret), ret.contract.title if ret.contract_id else ""),
        ("Quarter", str(ret.period), f"{ret.period.start:%d %B %Y} to {ret.period.end:%d %B %Y}"),
        ("Revision", ret.revision, "The revision of the return when this file was made."),
        ("Status", ret.get_status_display(), ""),
    ]
    for offset, (label, value, note) in enumerate(block, start=2):
        sheet.cell(row=offset, column=1, value=label).font = bold
        sheet.cell(row=offset, column=2, value=escape_cell(value))
        sheet.cell(row=offset, column=3, value=escape_cell(note))
    sheet.cell(
        row=len(block) + 3,
        column=1,
        value="Fill in the quantity and narrative columns only. A row whose quantity is blank is left "
        "out of the return, whatever its narrative: clear a quantity to take its measure out. Then "
        "upload this file on the return's page: if any row has a problem, nothing is saved and every "
        "problem is listed.",
    )
    header_row = len(block) + 5
    fill = PatternFill("solid", fgColor="DDDDDD")
    for col, name in enumerate(TEMPLATE_COLUMNS, start=1):
        cell = sheet.cell(row=header_row, column=col, value=name)
        cell.font, cell.fill = bold, fill

    hint_style = {"errorStyle": "warning", "showErrorMessage": True, "showInputMessage": True, "allow_blank": True}
    validations = {
        ValueKind.YES_NO: DataValidation(
            type="list", formula1='"yes,no"', promptTitle="Yes or no", prompt="Choose yes or no.",
            errorTitle="Yes or no", error="Answer yes or no.", **hint_style,
        ),
        ValueKind.PERCENTAGE: DataValidation(
            type="decimal", operator="between", formula1="0", formula2="100", promptTitle="Percentage",
            prompt="A percentage from 0 to 100, like 45.", errorTitle="Percentage",
            error="A percentage must be between 0 and 100.", **hint_style,
        ),
        "number": DataValidation(
            type="decimal", operator="greaterThanOrEqual", formula1="0", promptTitle="Quantity",
            prompt="A number, 0 or more.", errorTitle="Quantity", error="A quantity cannot be negative.",
            **hint_style,
        ),
    }  # fmt: skip
    unlocked = Protection(locked=False)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for row, (measure, line, commitments) in enumerate(template_rows(ret), start=header_row + 1):
        hint = [quantity_hint(measure)]
        if commitments:
            hint.append(_commitment_text(measure, commitments))
        if not measure.is_active:
            hint.append("This measure is no longer reported: clear its quantity and narrative.")
        if line is not None and line.flag:
            hint.append(f"Flagged for the reviewer: {line.flag}.")
        quantity = format_quantity(measure, line.quantity) if line is not None else None
        if quantity is not None and measure.value_kind != ValueKind.YES_NO:
            quantity = Decimal(quantity)  # a number in the cell, not text
        values = [
            measure.code,
            measure.title,
            measure.unit,
            quantity,
            line.narrative if line is not None else None,
            " ".join(hint),
        ]
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=col, value=escape_cell(value))
            cell.alignment = wrap if col in (2, 5, 6) else top
            if col in (4, 5):
                cell.protection = unlocked
        kind = measure.value_kind if measure.value_kind in validations else "number"
        validations[kind].add(f"D{row}")
    for validation in validations.values():
        if validation.sqref:
            sheet.add_data_validation(validation)

    for column, width in zip("ABCDEF", (14, 60, 10, 14, 60, 50), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.protection.sheet = True
    # Locked against typing, but people may still resize and format for reading.
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.formatCells = False
    return book


def template_filename(ret, extension="xlsx"):
    what = re.sub(r"[^A-Za-z0-9]+", "-", ret.contract.reference if ret.contract_id else "organisation").strip("-")
    return f"return-{what or 'contract'}-{ret.year}-{(ret.year + 1) % 100:02d}-q{ret.quarter}.{extension}"


# --- uploading one return -------------------------------------------------------------------


def _check_identity(ret, table):
    """A workbook made for another return (its header block names another contract or quarter)
    is refused; an exported CSV's contract and quarter columns are checked row by row."""
    block = {
        values[0].strip().lower(): unescape_cell(values[1].strip())
        for _, values in table.preamble
        if len(values) > 1 and values[0]
    }
    file_contract, file_quarter = block.get("contract"), block.get("quarter")
    expected_contract, expected_quarter = _contract_label(ret), str(ret.period)
    if (file_contract is not None and file_contract != expected_contract) or (
        file_quarter is not None and file_quarter != expected_quarter
    ):
        raise SpreadsheetError(
            f"This workbook is for contract {file_contract or '?'}, {file_quarter or '?'}, not for this "
            f"return ({expected_contract}, {expected_quarter}). Download this return's template and use that."
        )


def map_line_errors(errors, row_numbers):
    """LineErrors (numbered by position in the list of lines) as RowErrors on spreadsheet rows."""
    mapped = []
    for error in errors:
        row = row_numbers[error.line - 1]
        message = re.sub(
            r"already on line (\d+)", lambda m: f"already on row {row_numbers[int(m.group(1)) - 1]}", error.message
        )
        measure = error.measure if error.measure and error.measure != "?" else ""
        mapped.append(RowError(row, FIELD_COLUMNS.get(error.field, error.field), message, measure[:20]))
    return mapped


def lines_from_rows(rows):
    """LineInputs from (number, record) rows, with their row numbers. A row whose quantity is
    blank is no line, whatever its narrative: the template says so, and clearing a pre-filled
    quantity is how people take a measure out."""
    lines, row_numbers = [], []
    for number, record in rows:
        code = unescape_cell(record.get("measure_code", "")).strip()
        quantity = unescape_cell(record.get("quantity", "")).strip()
        narrative = unescape_cell(record.get("narrative", "")).strip()
        if not quantity:
            continue  # a measure left out
        lines.append(LineInput(code, quantity, narrative))
        row_numbers.append(number)
    return lines, row_numbers


def _parse_return_upload(ret, uploaded, *, allow_empty=False):
    name = (getattr(uploaded, "name", "") or "").lower()
    table = read_table(
        uploaded,
        required_columns=UPLOAD_COLUMNS,
        optional_columns=["narrative", "contract_reference", "quarter"],
        # Our template's sheet is called "Return"; a CSV or a re-saved .xls/.ods is read from its first sheet.
        sheet_name=RETURN_SHEET if name.endswith((".xlsx", ".xlsm")) else None,
    )
    _check_identity(ret, table)
    errors = []
    expected = {"contract_reference": ret.contract.reference if ret.contract_id else "", "quarter": str(ret.period)}
    for number, record in table.rows:
        for column, value in expected.items():
            given = unescape_cell(record.get(column, "")).strip()
            if given and given != value:
                errors.append(
                    RowError(number, column, f"This row is for {given}; this return is for {value or 'no contract'}.")
                )
    lines, row_numbers = lines_from_rows(table.rows)
    if lines:
        try:
            validate_lines(ret, lines)
        except ReturnValidationError as exc:
            errors.extend(map_line_errors(exc.errors, row_numbers))
    errors = finish_problems(table, errors)
    if errors:
        raise ReturnUploadError(errors)
    if not lines and not allow_empty:
        raise SpreadsheetError("The file has no quantities filled in; nothing to save.")
    return lines, row_numbers


def parse_return_upload(ret, uploaded):
    """The lines of an uploaded template (or CSV) for ``ret``, checked by ``validate_lines``.

    Raises SpreadsheetError for a file that cannot be used at all, and ReturnUploadError with
    every problem by row and column otherwise. Rows with a blank quantity are skipped.
    """
    return _parse_return_upload(ret, uploaded)[0]


STALE_MESSAGE = (
    "Someone else saved this return after you opened it. Nothing you uploaded was saved; "
    "open the return again to see their changes, then upload your file again."
)


def upload_return(ret, user, uploaded, *, revision):
    """Parse ``uploaded`` and make its lines the draft's lines, all or nothing.

    ``revision`` is the revision of the return when the person opened the upload page. Raises
    StaleReturnError if it changed since, ReturnError if the return cannot be changed,
    SpreadsheetError or ReturnUploadError for the file. Returns (return, number of lines in the
    file, whether anything changed): a file that matches the draft (such as its template
    downloaded and uploaded back unchanged) changes nothing, not even the revision.
    """
    if not can_report(user, ret.organisation):
        raise ReturnError("Only the organisation's admins and reporters can change its returns.")
    if not ret.is_editable:
        raise ReturnError(_not_editable_message(ret))
    if int(revision) != ret.revision:
        # save_draft checks again under lock; checking first spares reading a stale file.
        raise StaleReturnError(STALE_MESSAGE)
    has_lines = ret.lines.exists()
    # A file with no quantities would remove every line: refused unless the draft has none (an
    # empty template uploaded back unchanged).
    lines, row_numbers = _parse_return_upload(ret, uploaded, allow_empty=not has_lines)
    try:
        with transaction.atomic():
            batch = DraftBatch(user, ret.organisation)
            locked = batch.lock([ret])
            if ret.pk not in locked:
                raise ReturnError("This return no longer exists.")
            plan = batch.plan(locked[ret.pk], lines, revision=revision)
            changed = bool(plan.created or plan.changed or plan.removed)
            if changed:
                (ret,) = batch.apply([plan])
    except ReturnValidationError as exc:  # the framework changed between parsing and saving
        raise ReturnUploadError(map_line_errors(exc.errors, row_numbers)) from None
    return ret, len(lines), changed


def _not_editable_message(ret):
    if ret.status == ReturnStatus.APPROVED:
        return "This return is approved and cannot be changed. To correct it, start an amendment."
    return f"This return is {ret.get_status_display().lower()} and cannot be changed."


# --- the CSV export -------------------------------------------------------------------------


def return_csv(ret):
    """The return's lines as CSV text (with a BOM for Excel), every text cell escaped.

    The columns suit both the single-return upload and the bulk upload, so an export can be
    corrected and uploaded again.
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    lines = ret.lines.select_related("measure__outcome__theme")
    for line in lines:
        measure = line.measure
        writer.writerow(
            [
                escape_cell(value)
                for value in (
                    ret.organisation.name,
                    ret.contract.reference if ret.contract_id else "",
                    str(ret.period),
                    ret.get_status_display(),
                    measure.code,
                    measure.title,
                    measure.unit,
                    format_quantity(measure, line.quantity),
                    line.narrative,
                    line.flag,
                )
            ]
        )
    return buffer.getvalue()
