"""Importing contracts and their TOM commitments from a spreadsheet, all or nothing.

One row per commitment, with the contract's columns repeated on each of its rows (a row with no
measure records a contract without commitments). A contract already recorded (the same
commissioner and reference) is updated, and the commitments in the file are set on it;
commitments not in the file are left as they are. Only contracts of organisations the person may
commission for can be imported.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from charter import validators
from charter.models import Organisation, Place
from charter.models.people import normalise_name
from commitments.models import Contract
from commitments.services.contracts import (
    ContractError,
    can_commission_for,
    record_contract,
    set_commitment,
    supplier_change_refusal,
)
from common.spreadsheets import RowError, escape_cell, finish_problems, problem_count, read_table, unescape_cell
from toms.codes import CodeError, parse_measure_code
from toms.models import Measure, ValueKind
from toms.periods import financial_year_label, financial_year_of, parse_financial_year
from toms.quantities import parse_money, parse_yes_no, read_decimal

SHEET = "Contracts"
CONTRACT_COLUMNS = [
    "commissioner", "supplier", "reference", "title", "value", "start_date", "end_date", "places_served",
]  # fmt: skip
COMMITMENT_COLUMNS = ["measure_code", "target_quantity", "financial_year"]
COLUMNS = CONTRACT_COLUMNS + COMMITMENT_COLUMNS
REQUIRED_COLUMNS = [*CONTRACT_COLUMNS, "measure_code", "target_quantity"]  # financial_year may be left out
COLUMN_HELP = {
    "commissioner": "The commissioning organisation's name or NHS ODS code. You must be one of its commissioners.",
    "supplier": "The supplier's name, Companies House number, charity number or NHS ODS code. It must be registered on the portal.",
    "reference": "The commissioner's contract reference (up to 60 characters).",
    "title": "What the contract is for (up to 200 characters).",
    "value": "The contract value in pounds, like 250000.",
    "start_date": "The day the contract starts, like 2025-04-01 or 01/04/2025.",
    "end_date": "The day the contract ends.",
    "places_served": "The places served, separated by semicolons, like Liverpool; Sefton.",
    "measure_code": "The TOM measure committed to, like NT14. Leave blank for a contract with no commitments.",
    "target_quantity": "What was promised, in the measure's unit.",
    "financial_year": "The financial year the target is for, like 2025/26; blank for the whole contract.",
}
MAX_VALUE = Decimal("999999999999.99")  # Contract.value: 14 digits, 2 decimal places
MAX_TARGET = Decimal("999999999999.9999")  # Commitment.target_quantity: 16 digits, 4 decimal places
DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y")


class ContractImportError(Exception):
    def __init__(self, errors):
        self.errors = sorted(errors, key=lambda e: (e.row, e.column))
        super().__init__(f"{problem_count(len(self.errors))} in the file")


@dataclass
class ImportResult:
    contracts_created: int = 0
    contracts_updated: int = 0
    contracts_unchanged: int = 0
    commitments_created: int = 0
    commitments_updated: int = 0
    commitments_unchanged: int = 0

    def summary(self):
        if not (self.contracts_created or self.contracts_updated or self.commitments_created or self.commitments_updated):
            return "nothing changed" + (
                f" ({_count(self.contracts_unchanged, 'contract')} already as in the file)"
                if self.contracts_unchanged
                else ", the file has no contracts in it"
            )
        return (
            f"{_count(self.contracts_created, 'contract')} added, {self.contracts_updated} updated, "
            f"{self.contracts_unchanged} unchanged; {_count(self.commitments_created, 'commitment')} added, "
            f"{self.commitments_updated} updated, {self.commitments_unchanged} unchanged"
        )


def _count(number, noun):
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


@dataclass
class _Contract:
    first_row: int
    fields: dict  # the contract's values, as parsed from its first row
    existing: Contract | None = None
    commitments: list = field(default_factory=list)  # (row, measure, target, financial year)


# --- finding organisations ------------------------------------------------------------------


class OrganisationIndex:
    """Every organisation, read once, found by name or by identifier."""

    def __init__(self):
        self.by_identifier, self.by_name, self.by_normalised = {}, {}, {}
        for org in Organisation.objects.only(
            "pk", "name", "normalised_name", "sector", "ods_code", "companies_house_number", "charity_number"
        ):
            for value in (org.ods_code, org.companies_house_number, org.charity_number):
                if value:
                    self.by_identifier.setdefault(value.upper(), set()).add(org)
            self.by_name.setdefault(" ".join(org.name.lower().split()), set()).add(org)
            self.by_normalised.setdefault(org.normalised_name, set()).add(org)

    def find(self, text):
        """(organisation, None) or (None, why not)."""
        text = " ".join(text.split())
        if not text:
            return None, "Give the organisation's name or identifier."
        keys = {
            validators.normalise_ods_code(text),
            validators.normalise_company_number(text),
            validators.normalise_charity_number(text),
        }
        found = set().union(*(self.by_identifier.get(k, set()) for k in keys))
        found |= self.by_name.get(text.lower(), set())
        if not found:
            found = self.by_normalised.get(normalise_name(text), set())
        if len(found) == 1:
            return next(iter(found)), None
        if not found:
            return None, f"No organisation called or numbered '{text}' is registered on the portal."
        names = ", ".join(sorted(o.name for o in found))
        return None, f"'{text}' could be any of {names}; give its Companies House, charity or ODS number."


# --- parsing values -------------------------------------------------------------------------


def _parse_money(text):
    # The reader every figure shares (QuantityError is a ValueError): "0,5" is refused, not £5.
    value = parse_money(text, what="give the contract value in pounds, like 250,000")
    if value.is_signed():
        raise ValueError("The contract value cannot be negative.")
    if value > MAX_VALUE:
        raise ValueError("That value is too large.")
    return value


def _parse_date(text):
    text = text.strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date; write it like 2025-04-01 or 01/04/2025.")


_PLACES = {}
for _place in Place:
    for _key in (_place.value, _place.label, _place.value.replace("_", " ")):
        _PLACES[re.sub(r"[^a-z]+", " ", _key.lower()).strip()] = _place.value
_PLACES["cheshire west"] = Place.CHESHIRE_WEST.value
_PLACES["st helens"] = Place.ST_HELENS.value


def _parse_places(text):
    places, unknown = [], []
    for part in text.split(";"):
        key = re.sub(r"[^a-z]+", " ", part.lower().replace("&", " and ")).strip()
        if not key:
            continue
        place = _PLACES.get(key)
        if place is None:
            unknown.append(part.strip())
        elif place not in places:
            places.append(place)
    if unknown:
        names = ", ".join(Place(p).label for p in Place.values)
        raise ValueError(f"Unknown place(s): {', '.join(unknown)}. The places are: {names}.")
    return places


def _parse_target(measure, text):
    """A commitment's target: what parse_quantity accepts, without its per-quarter limits
    (a target may cover a whole contract)."""
    text = text.strip()
    if not text:
        raise ValueError(f"Give the target in {measure.unit}.")
    if measure.value_kind == ValueKind.YES_NO:
        return parse_yes_no(text)
    value = read_decimal(
        text, value_kind=measure.value_kind, unit=measure.unit, what=f"give the target in {measure.unit}"
    )
    if value.is_signed():
        raise ValueError("A target cannot be negative.")
    if measure.value_kind == ValueKind.PERCENTAGE and value > 100:
        raise ValueError("A percentage must be between 0 and 100.")
    if value > MAX_TARGET:
        raise ValueError("That target is too large.")
    return value


# --- the import -----------------------------------------------------------------------------


def _parse_contract_fields(user, number, record, orgs, allowed, errors):
    """The contract columns of one row as model field values; problems go to ``errors``."""
    values = {}

    def text(column):
        return unescape_cell(record.get(column, "")).strip()

    commissioner, why = orgs.find(text("commissioner"))
    if commissioner is None:
        errors.append(RowError(number, "commissioner", why))
    else:
        if commissioner.pk not in allowed:
            allowed[commissioner.pk] = can_commission_for(user, commissioner)
        if not allowed[commissioner.pk]:
            if commissioner.sector != "public":
                message = f"{commissioner.name} is not a public sector body, so it does not commission contracts here."
            else:
                message = (
                    f"You are not a commissioner or admin of {commissioner.name}, so you cannot record its contracts."
                )
            errors.append(RowError(number, "commissioner", message))
        else:
            values["commissioner"] = commissioner
    supplier, why = orgs.find(text("supplier"))
    if supplier is None:
        errors.append(RowError(number, "supplier", why))
    elif commissioner is not None and supplier.pk == commissioner.pk:
        errors.append(
            RowError(number, "supplier", "The supplier must be a different organisation from the commissioner.")
        )
    else:
        values["supplier"] = supplier
    for column, limit in (("reference", 60), ("title", 200)):
        value = " ".join(text(column).split())
        if not value:
            errors.append(RowError(number, column, f"Give the contract's {column}."))
        elif len(value) > limit:
            errors.append(RowError(number, column, f"Keep the {column} to {limit} characters."))
        else:
            values[column] = value
    for column, parse in (("value", _parse_money), ("start_date", _parse_date), ("end_date", _parse_date)):
        if not text(column):
            errors.append(RowError(number, column, f"Give the contract's {column.replace('_', ' ')}."))
            continue
        try:
            values[column] = parse(text(column))
        except ValueError as exc:
            errors.append(RowError(number, column, str(exc)))
    if "start_date" in values and "end_date" in values and values["end_date"] < values["start_date"]:
        errors.append(RowError(number, "end_date", "The contract cannot end before it starts."))
        del values["end_date"]
    try:
        values["places_served"] = _parse_places(text("places_served"))
    except ValueError as exc:
        errors.append(RowError(number, "places_served", str(exc)))
    return values


def _parse_rows(user, table):
    measures = {m.code.upper(): m for m in Measure.objects.all()}
    codes = [m.code for m in measures.values()]
    orgs = OrganisationIndex()
    allowed = {}
    errors, contracts = [], {}
    for number, record in table.rows:
        row_errors = []
        values = _parse_contract_fields(user, number, record, orgs, allowed, row_errors)
        errors.extend(row_errors)
        contract = None
        if "commissioner" in values and "reference" in values:
            key = (values["commissioner"].pk, values["reference"])
            contract = contracts.get(key)
            if contract is None:
                contract = contracts[key] = _Contract(number, values)
                if row_errors:
                    contract.fields = None  # its first row is wrong; the rest are not compared
            elif contract.fields is not None:
                for column in CONTRACT_COLUMNS:
                    if column in values and values[column] != contract.fields.get(column, values[column]):
                        errors.append(
                            RowError(
                                number,
                                column,
                                f"Differs from row {contract.first_row}: every row of contract "
                                f"{values['reference']} must give the same {column.replace('_', ' ')}.",
                            )
                        )

        code = unescape_cell(record.get("measure_code", "")).strip()
        target_text = unescape_cell(record.get("target_quantity", "")).strip()
        year_text = unescape_cell(record.get("financial_year", "")).strip()
        if not code:
            if target_text or year_text:
                errors.append(RowError(number, "measure_code", "Give the measure code, like NT14."))
            continue
        try:  # the same reading of a code as the returns: "NT 14", "nt014", "NT14 - …"
            measure = measures[parse_measure_code(code, codes).upper()]
        except CodeError as exc:
            errors.append(RowError(number, "measure_code", str(exc)))
            continue
        if not measure.is_active:
            errors.append(RowError(number, "measure_code", f"{measure.code} is no longer reported."))
            continue
        try:
            target = _parse_target(measure, target_text)
        except ValueError as exc:
            errors.append(RowError(number, "target_quantity", str(exc)))
            target = None
        year = None
        if year_text:
            try:
                year = parse_financial_year(year_text)
            except ValueError as exc:
                errors.append(RowError(number, "financial_year", str(exc)))
                continue
            if (
                contract is not None
                and contract.fields
                and "start_date" in contract.fields
                and "end_date" in contract.fields
            ):
                first, last = (financial_year_of(contract.fields[d]) for d in ("start_date", "end_date"))
                if not first <= year <= last:
                    errors.append(
                        RowError(
                            number,
                            "financial_year",
                            f"The contract runs from {financial_year_label(first)} to {financial_year_label(last)}, "
                            f"so it has no {financial_year_label(year)}.",
                        )
                    )
                    continue
        if contract is None or target is None:
            continue
        for other_row, other, _, other_year in contract.commitments:
            if other.pk == measure.pk and other_year == year:
                period = financial_year_label(year) if year else "the whole contract"
                errors.append(
                    RowError(number, "measure_code", f"{measure.code} for {period} is already on row {other_row}.")
                )
                break
        else:
            contract.commitments.append((number, measure, target, year))
    return contracts, errors


_FIELD_COLUMNS = {name: name for name in CONTRACT_COLUMNS}


def _check_models(contracts, errors):
    """Find the contracts already recorded, and let the models check the rest (constraints)."""
    keys = list(contracts)
    existing = {
        (c.commissioner_id, c.reference): c
        for c in Contract.objects.filter(commissioner__in={k[0] for k in keys}, reference__in={k[1] for k in keys})
        .select_related("supplier")
        .prefetch_related("commitments")
    }
    for key, contract in contracts.items():
        if contract.fields is None:
            continue
        current = existing.get(key)
        contract.existing = current
        fields = {k: v for k, v in contract.fields.items() if k != "commissioner"}
        refusal = supplier_change_refusal(current, fields.get("supplier")) if current is not None else None
        if refusal:
            # The one rule and message of the form and the API: a contract with returns keeps its supplier.
            errors.append(RowError(contract.first_row, "supplier", refusal))
            continue
        instance = Contract(pk=current.pk if current else None, commissioner=contract.fields["commissioner"], **fields)
        if current is not None:
            instance._state.adding, instance._state.db = False, current._state.db  # checked as an update
        try:
            instance.full_clean(exclude=["created_by"])
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                column = _FIELD_COLUMNS.get(name, "" if name == NON_FIELD_ERRORS else name)
                errors.extend(RowError(contract.first_row, column, m) for m in messages)


def import_contracts(user, uploaded):
    """Validate every row, then record or update every contract and commitment in one transaction.

    Raises ContractImportError (every RowError) or SpreadsheetError; either way nothing changes.
    """
    table = read_table(uploaded, required_columns=REQUIRED_COLUMNS, optional_columns=["financial_year"])
    contracts, errors = _parse_rows(user, table)
    if not errors and not table.problems:
        _check_models(contracts, errors)
    errors = finish_problems(table, errors)
    if errors:
        raise ContractImportError(errors)
    result = ImportResult()
    with transaction.atomic():
        for contract in contracts.values():
            try:
                _save(user, contract, result)
            except (ContractError, ValidationError) as exc:
                message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                raise ContractImportError([RowError(contract.first_row, "", message)]) from None
    return result


def _save(user, contract, result):
    fields = dict(contract.fields)
    commissioner = fields.pop("commissioner")
    current = contract.existing
    if current is None:
        record_contract(
            user,
            commissioner=commissioner,
            commitments=[(m, t, y) for _, m, t, y in contract.commitments],
            **fields,
        )
        result.contracts_created += 1
        result.commitments_created += len(contract.commitments)
        return
    changed = [name for name, value in fields.items() if getattr(current, name) != value]
    if changed:
        for name in changed:
            setattr(current, name, fields[name])
        current.full_clean(exclude=["created_by"])
        current.save()
        result.contracts_updated += 1
    else:
        result.contracts_unchanged += 1
    recorded = {(c.measure_id, c.financial_year): c for c in current.commitments.all()}
    for _, measure, target, year in contract.commitments:
        before = recorded.get((measure.pk, year))
        if before is not None and before.target_quantity == target:
            result.commitments_unchanged += 1
            continue
        set_commitment(user, current, measure, target, year)
        if before is None:
            result.commitments_created += 1
        else:
            result.commitments_updated += 1


def contract_import_template():
    """An XLSX with the import's columns, and a guide sheet listing the places and measures."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJK", (30, 30, 16, 40, 14, 12, 12, 30, 14, 16, 14), strict=True):
        sheet.column_dimensions[column].width = width

    guide = book.create_sheet("Guide")
    guide.append(["column", "what to put in it"])
    for column in COLUMNS:
        guide.append([column, COLUMN_HELP[column]])
    guide.append([])
    guide.append(["place", "write it as"])
    for place in Place:
        guide.append([place.value, place.label])
    guide.append([])
    guide.append(["measure_code", "measure", "unit"])
    for measure in Measure.objects.active().order_by("code"):
        guide.append([escape_cell(measure.code), escape_cell(measure.title), escape_cell(measure.unit)])
    for row in guide.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 90
    guide.column_dimensions["C"].width = 12
    return book
