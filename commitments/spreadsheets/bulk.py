"""The bulk upload: many contracts' and quarters' returns in one file, all or nothing, through the
same rules as the web form and the API; problems are reported by spreadsheet row and column."""

import re
from dataclasses import dataclass

from django.db import transaction
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font

from commitments.models import Contract, Return, ReturnStatus
from commitments.models.returns import EDITABLE_RETURN_STATUSES, OPEN_RETURN_STATUSES
from commitments.services.returns import (
    DraftBatch,
    ReturnError,
    ReturnValidationError,
    can_report,
)
from commitments.spreadsheets.returns import (
    ORGANISATION_WIDE,
    ReturnUploadError,
    lines_from_rows,
    map_line_errors,
)
from commitments.validation import period_problems
from common.spreadsheets import RowError, escape_cell, finish_problems, read_table, unescape_cell
from toms.periods import Quarter

BULK_SHEET = "Returns"
BULK_COLUMNS = ["contract_reference", "quarter", "measure_code", "quantity", "narrative"]
BULK_REQUIRED = ["contract_reference", "quarter", "measure_code", "quantity"]
# What to write in contract_reference for social value not tied to a contract.
ORGANISATION_WIDE_WORD = "organisation-wide"
CONTRACT_REFERENCE_HELP = (
    "The contract's reference. For social value not tied to a contract, write "
    f"{ORGANISATION_WIDE_WORD}: a blank reference under rows that have one is refused, so that a "
    "reference given only once, or merged down, is never read as organisation-wide."
)

QUANTITY_HELP = (
    "What was delivered in the quarter, in the measure's unit. A row whose quantity is blank is "
    "left out, whatever its narrative. Use a full stop for decimals and commas only between "
    "thousands, like 1,250.5."
)


def _is_organisation_wide(reference):
    key = re.sub(r"[^a-z]", "", reference.lower()).replace("organization", "organisation")
    return key in {"organisationwide", re.sub(r"[^a-z]", "", ORGANISATION_WIDE.lower())}


@dataclass
class BulkImportResult:
    returns_created: int
    returns_updated: int
    lines: int
    returns_unchanged: int = 0

    def summary(self):
        if not self.returns_created and not self.returns_updated:
            return "nothing changed" + (
                f" ({self.returns_unchanged:,} return{'s' if self.returns_unchanged != 1 else ''} already as in the file)"
                if self.returns_unchanged
                else ", the file has no quantities filled in"
            )
        return (
            f"{self.lines:,} line{'s' if self.lines != 1 else ''} saved: "
            f"{self.returns_created:,} draft return{'s' if self.returns_created != 1 else ''} started, "
            f"{self.returns_updated:,} updated and {self.returns_unchanged:,} unchanged"
        )


@dataclass
class _Group:
    contract: Contract | None
    quarter: Quarter
    rows: list
    lines: list


def _row_span(rows):
    return f"row {rows[0]}" if len(rows) == 1 else f"rows {rows[0]} to {rows[-1]}"


def import_returns(user, organisation, uploaded, *, today=None):
    """Create or update ``organisation``'s draft returns from one file of many contracts and quarters.

    Each (contract, quarter)'s rows become that draft's lines (replacing its lines) through
    ``start_return`` and ``save_draft``, all in one transaction. Raises SpreadsheetError or
    ReturnUploadError (every problem, by row and column); either way nothing changes.
    """
    if not can_report(user, organisation):
        raise ReturnError(f"Only {organisation.name}'s admins and reporters can make its returns.")
    table = read_table(uploaded, required_columns=BULK_REQUIRED, optional_columns=["narrative"])
    errors = []
    referenced_above = None  # the first row that gave a contract reference
    contracts = {}
    for contract in Contract.objects.filter(supplier=organisation).only(
        "pk", "reference", "title", "start_date", "end_date", "supplier_id", "commissioner_id"
    ):
        contracts.setdefault(contract.reference.strip().upper(), []).append(contract)

    groups, quarters = {}, {}
    for number, record in table.rows:
        reference = unescape_cell(record["contract_reference"]).strip()
        if referenced_above is None and reference and not _is_organisation_wide(reference):
            referenced_above = number
        if not unescape_cell(record.get("quantity", "")).strip():
            continue  # a measure left out, whatever its narrative, as in the template
        contract = None
        if reference and _is_organisation_wide(reference):
            reference = ""
        elif not reference and referenced_above is not None:
            errors.append(
                RowError(
                    number,
                    "contract_reference",
                    f"No contract reference, although row {referenced_above} has one. Give the contract's "
                    f"reference on every row, or write {ORGANISATION_WIDE_WORD} for social value not tied to a "
                    "contract.",
                )
            )
            continue
        if reference:
            matches = contracts.get(reference.upper(), [])
            if not matches:
                errors.append(
                    RowError(number, "contract_reference", f"{organisation.name} supplies no contract '{reference}'.")
                )
                continue
            if len(matches) > 1:
                errors.append(
                    RowError(
                        number,
                        "contract_reference",
                        f"{len(matches)} of your contracts have the reference '{reference}'; upload their "
                        "returns one by one from each return's page.",
                    )
                )
                continue
            contract = matches[0]
        text = record["quarter"].strip()
        if text not in quarters:
            try:
                quarters[text] = Quarter.parse(text)
            except ValueError as exc:
                quarters[text] = exc
        quarter = quarters[text]
        if isinstance(quarter, ValueError):
            errors.append(RowError(number, "quarter", str(quarter)))
            continue
        key = (contract.pk if contract else None, quarter.year, quarter.number)
        group = groups.setdefault(key, _Group(contract, quarter, [], []))
        lines, row_numbers = lines_from_rows([(number, record)])
        group.lines.extend(lines)
        group.rows.extend(row_numbers)
    if not groups and not errors and not table.problems:
        return BulkImportResult(0, 0, 0)  # nothing filled in: the template as downloaded

    existing = {}
    years = {key[1] for key in groups}
    for ret in Return.objects.filter(
        organisation=organisation, year__in=years, status__in=[*OPEN_RETURN_STATUSES, ReturnStatus.APPROVED]
    ).only("pk", "contract_id", "year", "quarter", "status"):
        existing.setdefault((ret.contract_id, ret.year, ret.quarter), []).append(ret)

    ready = []
    for key, group in groups.items():
        what = f"contract {group.contract.reference}" if group.contract else "the organisation-wide return"
        problems = period_problems(group.quarter, group.contract, today=today)
        if problems:
            errors.append(RowError(group.rows[0], "quarter", f"{' '.join(problems)} ({_row_span(group.rows)})"))
            continue
        current = existing.get(key, [])
        open_return = next((r for r in current if r.status in OPEN_RETURN_STATUSES), None)
        if open_return and open_return.status not in EDITABLE_RETURN_STATUSES:
            errors.append(
                RowError(
                    group.rows[0],
                    "quarter",
                    f"The return for {what} in {group.quarter} is {open_return.get_status_display().lower()} "
                    f"and cannot be changed until it is reviewed ({_row_span(group.rows)}).",
                )
            )
            continue
        if open_return is None and any(r.status == ReturnStatus.APPROVED for r in current):
            errors.append(
                RowError(
                    group.rows[0],
                    "quarter",
                    f"The return for {what} in {group.quarter} is approved; to correct it, start an amendment "
                    f"on its page ({_row_span(group.rows)}).",
                )
            )
            continue
        ready.append((group, open_return is not None))

    # The lines are checked by save_draft itself (validate_lines), group by group, inside one
    # transaction that is rolled back if any group, or any row above, has a problem.
    created = updated = unchanged = count = 0
    with transaction.atomic():
        # One batch: permission, measures, earlier figures and targets read once; the returns
        # are created, locked and saved in bulk. The lines are checked by the same rules as
        # everywhere (validate_lines), group by group.
        batch = DraftBatch(user, organisation)
        plans = []
        try:
            started = batch.start_many([(group.quarter, group.contract) for group, _ in ready], today=today)
            locked = batch.lock(started.values())
        except ReturnError as exc:
            errors.append(RowError(ready[0][0].rows[0] if ready else 0, "", str(exc)))
            ready, locked = [], {}
        for group, is_open in ready:
            key = (group.contract.pk if group.contract else None, group.quarter.year, group.quarter.number)
            ret = locked[started[key].pk]
            try:
                plan = batch.plan(ret, group.lines, revision=ret.revision)
            except ReturnValidationError as exc:
                errors.extend(map_line_errors(exc.errors, group.rows))
                continue
            except ReturnError as exc:
                errors.append(RowError(group.rows[0], "", f"{exc} ({_row_span(group.rows)})"))
                continue
            if is_open and not (plan.created or plan.changed or plan.removed):
                unchanged += 1  # the return's lines are already as in the file: not even a new revision
                continue
            plans.append(plan)
            if is_open:
                updated += 1
            else:
                created += 1
            count += len(group.lines)
        errors = finish_problems(table, errors)
        if not errors:
            batch.apply(plans)
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ReturnUploadError(errors)
    return BulkImportResult(created, updated, count, unchanged)


def bulk_template(organisation, quarter):
    """An XLSX to fill in for the bulk upload: a row for each measure committed on each of the
    organisation's contracts live in ``quarter``, with blank quantities."""
    book = Workbook()
    sheet = book.active
    sheet.title = BULK_SHEET
    sheet.append([*BULK_COLUMNS, "measure (for reference)", "unit (for reference)"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet["A1"].comment = Comment(CONTRACT_REFERENCE_HELP, "Social Value Portal", width=300, height=120)
    sheet["D1"].comment = Comment(QUANTITY_HELP, "Social Value Portal", width=300, height=120)
    contracts = (
        Contract.objects.filter(supplier=organisation)
        .live_in(quarter)
        .prefetch_related("commitments__measure")
        .order_by("reference")
    )
    for contract in contracts:
        seen = set()
        for commitment in sorted(contract.commitments.all(), key=lambda c: c.measure.code):
            measure = commitment.measure
            if measure.pk in seen or not measure.is_active:
                continue
            seen.add(measure.pk)
            sheet.append(
                [
                    escape_cell(v)
                    for v in (contract.reference, str(quarter), measure.code, None, None, measure.title, measure.unit)
                ]
            )
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFG", (20, 12, 14, 12, 50, 60, 10), strict=True):
        sheet.column_dimensions[column].width = width
    return book
