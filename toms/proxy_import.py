"""Importing the ICB's licensed proxy values from a spreadsheet, all or nothing."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from common.spreadsheets import RowError, escape_cell, finish_problems, problem_count, read_table, unescape_cell
from toms.codes import CodeError, parse_measure_code
from toms.models import Measure, ProxyValue
from toms.periods import financial_year_label, parse_financial_year
from toms.quantities import QuantityError, parse_money

COLUMNS = ["measure_code", "financial_year", "value_per_unit", "source"]
MAX_VALUE = Decimal("999999999999.99")


class ProxyImportError(Exception):
    def __init__(self, errors):
        self.errors = errors
        super().__init__(f"{problem_count(len(errors))} in the file")


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int


def _parse_rows(table):
    measures = {m.code.upper(): m for m in Measure.objects.all()}
    codes = [m.code for m in measures.values()]
    errors, parsed, seen = [], [], {}
    for number, row in table.rows:
        row = {column: unescape_cell(text) for column, text in row.items()}  # our template escapes its text
        if not row["value_per_unit"].strip():
            # No value: a measure the ICB has no value for (as the template lists every measure).
            continue
        try:  # the same reading of a code as the returns: "NT 14", "nt014", "NT14 - …"
            measure = measures[parse_measure_code(row["measure_code"], codes).upper()]
        except CodeError as exc:
            errors.append(RowError(number, "measure_code", str(exc)))
            measure = None
        try:
            year = parse_financial_year(row["financial_year"])
            if not 2000 <= year <= 2100:
                raise ValueError(f"'{row['financial_year']}' is not a sensible financial year.")
        except ValueError as exc:
            errors.append(RowError(number, "financial_year", str(exc)))
            year = None
        try:  # the same reader as every quantity: "0,21" is refused, not £21
            value = parse_money(row["value_per_unit"], what="give the value in pounds per unit, like 0.21")
            if value.is_signed():
                errors.append(RowError(number, "value_per_unit", "A proxy value cannot be negative."))
            elif value > MAX_VALUE:
                errors.append(RowError(number, "value_per_unit", "That value is too large to be a £ per unit."))
        except QuantityError as exc:
            errors.append(RowError(number, "value_per_unit", str(exc)))
            value = None
        source = " ".join(row["source"].split())
        if not source:
            errors.append(
                RowError(number, "source", "Say where the value comes from: every £ figure shows its source.")
            )
        elif len(source) > 300:
            errors.append(RowError(number, "source", "Keep the source to 300 characters."))
        if measure is not None and year is not None:
            key = (measure.code, year)
            if key in seen:
                errors.append(
                    RowError(
                        number,
                        "measure_code",
                        f"{measure.code} for {financial_year_label(year)} is already given on row {seen[key]}.",
                    )
                )
            seen[key] = number
        parsed.append((measure, year, value, source))
    return parsed, errors


def import_proxy_values(uploaded):
    """Validate every row, then create or update all the values in one transaction.

    Raises ProxyImportError (with every RowError) or SpreadsheetError; either way nothing changes.
    """
    table = read_table(uploaded, required_columns=COLUMNS, sheet_name=None)
    parsed, errors = _parse_rows(table)
    errors = finish_problems(table, errors)
    if errors:
        raise ProxyImportError(errors)
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {(pv.measure_id, pv.financial_year): pv for pv in ProxyValue.objects.select_for_update()}
        for measure, year, value, source in parsed:
            current = existing.get((measure.pk, year))
            if current is None:
                ProxyValue.objects.create(measure=measure, financial_year=year, value=value, source=source)
                created += 1
            elif current.value != value or current.source != source:
                current.value, current.source = value, source
                current.save(update_fields=["value", "source", "updated_at"])
                updated += 1
            else:
                unchanged += 1
    return ImportResult(created, updated, unchanged)


def proxy_value_template_rows():
    """Rows for a downloadable template: every measure, with current values where known."""
    latest = {}
    for pv in ProxyValue.objects.select_related("measure").order_by("measure__code", "financial_year"):
        latest[pv.measure_id] = pv
    rows = []
    for measure in Measure.objects.active().order_by("code"):
        pv = latest.get(measure.pk)
        rows.append(
            [
                measure.code,
                pv.financial_year_label if pv else "",
                str(pv.value) if pv else "",
                escape_cell(pv.source) if pv else "",
                escape_cell(measure.unit),
                escape_cell(measure.title),
            ]
        )
    return rows
