"""Partner VCFSE use cases: make the commitment, revise its targets, name the VCFSE organisations
that benefited on a return line, and the recipient's own word (confirm or dispute). Each checks
who may act, changes nothing on a refusal, and raises CommitmentError with a message for people
that names the field.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from charter.models import REPORTING_ROLES, Membership, Organisation, Place, Role, Sector
from commitments.models import (
    Baseline,
    BaselineMethod,
    Confirmation,
    OpportunityKind,
    PartnerCommitment,
    Return,
    ReturnLineRecipient,
    ReturnStatus,
    Target,
)
from commitments.models.returns import EDITABLE_RETURN_STATUSES
from commitments.models.vcfse import AMOUNT_LIMIT
from toms.models import Measure, ValueKind
from toms.periods import financial_year_label, financial_year_of
from toms.quantities import QuantityError, read_decimal

VCFSE_CODES = ["NT14", "NT15", "NT16", "NT17"]
# What the roadmap asks of each sector (section 8.1). VCFSE organisations choose which apply.
SECTOR_MEASURES = {
    Sector.PUBLIC: ["NT14"],
    Sector.PRIVATE: ["NT14", "NT15", "NT16", "NT17"],
    Sector.VCFSE: None,
}
TARGET_YEARS = 3  # targets for at least the next three financial years
LARGE_FACTOR = Decimal(10)  # a target over ten times the baseline asks for confirmation


class CommitmentError(Exception):
    """A refusal; ``field`` names what to put right (or is None), str(error) says how."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class NeedsConfirmation(CommitmentError):
    """A target over ten times the baseline: allowed once the person confirms it."""


# --- who may do what ----------------------------------------------------------------------


def can_manage(user, organisation):
    """An organisation admin makes and revises the commitment."""
    return user.is_authenticated and user.memberships.filter(organisation=organisation, role=Role.ADMIN).exists()


def can_answer(user, organisation):
    """A VCFSE's admins and reporters confirm or dispute what others reported giving it."""
    return (
        user.is_authenticated
        and user.memberships.filter(organisation=organisation, role__in=REPORTING_ROLES).exists()
    )


def vcfse_measures():
    return list(Measure.objects.partner_vcfse().order_by("code"))


def measures_asked(organisation):
    """The measures the roadmap asks this organisation's sector to baseline; None: it chooses."""
    codes = SECTOR_MEASURES.get(organisation.sector)
    if codes is None:
        return None
    return [m for m in vcfse_measures() if m.code in codes]


# --- checking figures ---------------------------------------------------------------------


def parse_amount(measure, raw, field):
    """A baseline or target as a Decimal in the measure's unit, or CommitmentError naming ``field``.

    Read by the same rules as every other figure in the portal (``toms.quantities.read_decimal``):
    "0,5" is refused rather than read as 5, a £ sign only on a money measure.
    """
    unit = "pounds" if measure.unit == "£" else measure.unit
    if str(raw if raw is not None else "").strip() == "":
        raise CommitmentError(f"Enter the {measure.code} figure in {unit}.", field)
    try:
        value = read_decimal(
            raw, value_kind=measure.value_kind, unit=measure.unit,
            what=f"enter the {measure.code} figure as a number of {unit}, like 12500",
        )
    except QuantityError as exc:
        raise CommitmentError(f"{measure.code}: {exc}", field) from None
    if value < 0:
        raise CommitmentError(f"The {measure.code} figure cannot be negative; enter 0 or more.", field)
    if value >= AMOUNT_LIMIT:
        raise CommitmentError(
            f"The {measure.code} figure is too large; enter less than {AMOUNT_LIMIT:,} {unit}.", field
        )
    places = 2 if measure.value_kind == ValueKind.MONEY else 4
    if value.as_tuple().exponent < -places:
        raise CommitmentError(f"Give the {measure.code} figure to at most {places} decimal places.", field)
    return value


def check_baseline_year(year, today=None):
    today = today or dt.date.today()
    current = financial_year_of(today)
    if year > current:
        raise CommitmentError(
            f"The baseline year {financial_year_label(year)} has not started yet; choose "
            f"{financial_year_label(current)} or an earlier year.",
            "baseline_year",
        )
    if year < 2015:
        raise CommitmentError("Choose a baseline year from 2015/16 onwards.", "baseline_year")


def target_problems(measure, baseline, targets, *, field="targets"):
    """Check a measure's targets in year order against the baseline: raise CommitmentError if one
    is below the year before; NeedsConfirmation if one is over ten times the baseline."""
    previous, previous_label = baseline, "the baseline"
    large = []
    for year, value in sorted(targets.items()):
        label = financial_year_label(year)
        if previous is not None and value < previous:
            raise CommitmentError(
                f"The {measure.code} target for {label} ({_fmt(measure, value)}) is below {previous_label} "
                f"({_fmt(measure, previous)}). The commitment is to increase year on year: enter "
                f"{_fmt(measure, previous)} or more.",
                f"{field}_{year}",
            )
        if baseline and value > baseline * LARGE_FACTOR:
            large.append(label)
        previous, previous_label = value, f"the {label} target"
    return large


def _fmt(measure, value):
    value = Decimal(value)
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    return f"£{text}" if measure.unit == "£" else f"{text} {measure.unit}"


# --- baselines from returns ---------------------------------------------------------------


def baseline_proposals(organisation, year):
    """Per measure code: what the organisation's approved returns for ``year`` add up to
    (organisation-wide and on its contracts), counting recipients in C&M and the rest apart,
    and the returns used. ``value`` is None where no approved return has the measure."""
    from commitments.vcfse_progress import delivery

    found = delivery(organisation, years=[year])
    proposals = {}
    for measure in vcfse_measures():
        used = list(
            Return.objects.filter(
                organisation=organisation, year=year, status=ReturnStatus.APPROVED, lines__measure=measure
            ).select_related("contract").order_by("quarter", "contract__reference")
        )
        d = found.get((measure.pk, year))
        proposals[measure.code] = {
            "measure": measure,
            "value": d.counted if d and used else None,
            "outside": d.outside if d else Decimal(0),
            "returns": used,
        }
    return proposals


# --- making and revising the commitment ---------------------------------------------------


@transaction.atomic
def make_commitment(
    user, organisation, *, baseline_year, baselines, targets, opportunity_kinds=(), opportunities="",
    public_figures=False, confirm_large=False, today=None,
):
    """Make the organisation's commitment.

    ``baselines``: {code: {"value": raw, "method": BaselineMethod, "how": str, "reason": str}};
    ``targets``: {code: {year: raw}}. All or nothing.
    """
    if not can_manage(user, organisation):
        raise CommitmentError(f"Only {organisation.name}'s admins can make its Partner VCFSE commitment.")
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()  # one at a time
    if PartnerCommitment.objects.filter(organisation=organisation).exists():
        raise CommitmentError(
            f"{organisation.name} has already made the commitment; revise its targets instead.", "baseline_year"
        )
    check_baseline_year(int(baseline_year), today)
    kinds = list(opportunity_kinds)
    unknown = [k for k in kinds if k not in OpportunityKind.values]
    if unknown:
        raise CommitmentError(f"Unknown kind of opportunity: {', '.join(unknown)}.", "opportunity_kinds")
    if not kinds and not (opportunities or "").strip():
        raise CommitmentError("Say what opportunities you have identified, or choose at least one kind.", "opportunities")
    asked = measures_asked(organisation)
    by_code = {m.code: m for m in vcfse_measures()}
    codes = [m.code for m in asked] if asked is not None else [c for c in VCFSE_CODES if c in baselines]
    missing = [c for c in codes if c not in baselines]
    if missing:
        raise CommitmentError(f"Give a baseline for {', '.join(missing)}.", f"baseline_{missing[0]}")
    proposals = baseline_proposals(organisation, int(baseline_year))
    checked = []
    for code in codes:
        measure = by_code[code]
        given = baselines[code]
        value = parse_amount(measure, given.get("value"), f"baseline_{code}")
        method = given.get("method") or ""
        if method not in BaselineMethod.values:
            raise CommitmentError(f"Say how the {code} baseline was worked out.", f"method_{code}")
        proposed = proposals[code]["value"]
        reason = (given.get("reason") or "").strip()
        if proposed is not None and value != proposed and not reason:
            raise CommitmentError(
                f"The {code} baseline differs from your approved returns for "
                f"{financial_year_label(int(baseline_year))} ({_fmt(measure, proposed)}): say why.",
                f"reason_{code}",
            )
        year_targets = {}
        wanted = [int(baseline_year) + n for n in range(1, TARGET_YEARS + 1)]
        for year in wanted:
            raw = (targets.get(code) or {}).get(year)
            year_targets[year] = parse_amount(measure, raw, f"target_{code}_{year}")
        for year, raw in (targets.get(code) or {}).items():
            if year not in wanted and str(raw or "").strip():
                year_targets[int(year)] = parse_amount(measure, raw, f"target_{code}_{year}")
        large = target_problems(measure, value, year_targets, field=f"target_{code}")
        if large and not confirm_large:
            raise NeedsConfirmation(
                f"The {code} target for {', '.join(large)} is more than ten times the baseline: "
                "check it, and confirm it if it is right.",
                f"target_{code}",
            )
        checked.append((measure, value, method, given, proposed, reason, year_targets))
    commitment = PartnerCommitment.objects.create(
        organisation=organisation, baseline_year=int(baseline_year), opportunity_kinds=kinds,
        opportunities=(opportunities or "").strip(), public_figures=bool(public_figures), created_by=user,
    )
    for measure, value, method, given, proposed, reason, year_targets in checked:
        Baseline.objects.create(
            commitment=commitment, measure=measure, value=value, method=method,
            how=(given.get("how") or "").strip(), proposed=proposed, reason=reason,
        )
        for year, target in sorted(year_targets.items()):
            Target.objects.create(
                commitment=commitment, measure=measure, financial_year=year, value=target,
                reason="Set with the commitment.", set_by=user,
            )
    return commitment


@transaction.atomic
def revise_target(user, commitment, measure, year, raw, reason, *, confirm_large=False):
    """Set or change one year's target for a measure, with a reason kept in its history."""
    if not can_manage(user, commitment.organisation):
        raise CommitmentError(f"Only {commitment.organisation.name}'s admins can revise its targets.")
    reason = (reason or "").strip()
    if not reason:
        raise CommitmentError("Say why the target is being revised.", "reason")
    if len(reason) > 2000:
        raise CommitmentError("Keep the reason to 2,000 characters.", "reason")
    year = int(year)
    if year <= commitment.baseline_year:
        raise CommitmentError(
            f"Targets are for the years after the baseline year {commitment.baseline_label}.", "financial_year"
        )
    value = parse_amount(measure, raw, "value")
    baseline = commitment.baselines.filter(measure=measure).first()
    if baseline is None:
        raise CommitmentError(f"The commitment has no {measure.code} baseline to set targets from.", "measure")
    existing = {t.financial_year: t for t in commitment.targets.select_for_update().filter(measure=measure)}
    planned = {y: t.value for y, t in existing.items()}
    planned[year] = value
    large = target_problems(measure, baseline.value, planned, field="value")
    if large and financial_year_label(year) in large and not confirm_large:
        raise NeedsConfirmation(
            f"{_fmt(measure, value)} is more than ten times the baseline: check it, and confirm it if it is right.",
            "value",
        )
    target = existing.get(year)
    if target is None:
        return Target.objects.create(
            commitment=commitment, measure=measure, financial_year=year, value=value, reason=reason, set_by=user
        )
    if target.value == value:
        raise CommitmentError(f"The {financial_year_label(year)} target is already {_fmt(measure, value)}.", "value")
    target.value, target.reason, target.set_by = value, reason, user
    target.save()
    commitment.save(update_fields=["updated_at"])
    return target


@transaction.atomic
def update_commitment(user, commitment, *, opportunity_kinds, opportunities, public_figures):
    if not can_manage(user, commitment.organisation):
        raise CommitmentError(f"Only {commitment.organisation.name}'s admins can change its commitment.")
    unknown = [k for k in opportunity_kinds if k not in OpportunityKind.values]
    if unknown:
        raise CommitmentError(f"Unknown kind of opportunity: {', '.join(unknown)}.", "opportunity_kinds")
    if not opportunity_kinds and not (opportunities or "").strip():
        raise CommitmentError("Say what opportunities you have identified, or choose at least one kind.", "opportunities")
    commitment.opportunity_kinds = list(opportunity_kinds)
    commitment.opportunities = (opportunities or "").strip()
    commitment.public_figures = bool(public_figures)
    commitment.save()
    return commitment


# --- recipients on return lines -----------------------------------------------------------


def _check_line_editable(user, line):
    from commitments.services.returns import can_report

    ret = line.return_obj
    if not can_report(user, ret.organisation):
        raise CommitmentError(f"Only {ret.organisation.name}'s admins and reporters can name recipients.")
    if ret.status not in EDITABLE_RETURN_STATUSES:
        raise CommitmentError(f"This return is {ret.get_status_display().lower()} and cannot be changed.")
    if not line.measure.is_partner_vcfse:
        raise CommitmentError("Recipients are named only on the Partner VCFSE measures (NT14 to NT17).", "measure")


def _recipient(line, entry, *, named_so_far):
    """A checked, unsaved recipient from {organisation | name, charity_number, place; amount}."""
    organisation = entry.get("organisation")
    name = " ".join((entry.get("name") or "").split())
    charity = (entry.get("charity_number") or "").strip().upper().replace(" ", "")
    place = entry.get("place") or ""
    if organisation is None and not name:
        raise CommitmentError("Pick the recipient from the register, or give its name.", "organisation")
    if organisation is not None:
        if organisation.pk == line.return_obj.organisation_id:
            raise CommitmentError("An organisation cannot name itself as a recipient.", "organisation")
        if organisation.sector != Sector.VCFSE:
            raise CommitmentError(f"{organisation.name} is not a VCFSE organisation; pick a VCFSE one.", "organisation")
        name, charity, place = "", "", ""
    else:
        if len(name) > 200:
            raise CommitmentError("Keep the name to 200 characters.", "name")
        if charity:
            from charter.validators import normalise_charity_number, validate_charity_number

            charity = normalise_charity_number(charity)
            try:
                validate_charity_number(charity)
            except Exception:
                raise CommitmentError(
                    "Enter a registered charity number like 1012345, SC012345 or NIC100002, or leave it blank.",
                    "charity_number",
                ) from None
            registered = Organisation.objects.filter(charity_number=charity).first()
            if registered is not None:
                raise CommitmentError(
                    f"Charity {charity} is registered on the portal as {registered.name}: pick it from the register.",
                    "charity_number",
                )
        if place not in Place.values:
            raise CommitmentError("Say where the recipient is based: one of the nine places, or outside.", "place")
    amount = parse_amount(line.measure, entry.get("amount"), "amount")
    if amount == 0:
        raise CommitmentError("Enter the amount the recipient received: more than 0.", "amount")
    if named_so_far + amount > line.quantity:
        raise CommitmentError(
            f"The recipients named add up to more than the line's {_fmt(line.measure, line.quantity)}: "
            f"enter at most {_fmt(line.measure, max(line.quantity - named_so_far, Decimal(0)))}.",
            "amount",
        )
    return ReturnLineRecipient(
        line=line, organisation=organisation, name=name, charity_number=charity, place=place, amount=amount
    )


@transaction.atomic
def add_recipient(user, line, entry):
    _check_line_editable(user, line)
    named = sum((r.amount for r in line.recipients.select_for_update()), Decimal(0))
    recipient = _recipient(line, entry, named_so_far=named)
    recipient.created_by = user
    recipient.save()
    return recipient


@transaction.atomic
def remove_recipient(user, recipient):
    _check_line_editable(user, recipient.line)
    recipient.delete()


@transaction.atomic
def set_recipients(user, line, entries):
    """Replace the line's recipients with ``entries`` (all or nothing): used by the API.
    An entry for the same recipient and amount keeps its confirmation."""
    _check_line_editable(user, line)
    existing = list(line.recipients.select_for_update())
    new, named = [], Decimal(0)
    for number, entry in enumerate(entries, start=1):
        try:
            recipient = _recipient(line, entry, named_so_far=named)
        except CommitmentError as exc:
            raise CommitmentError(f"Recipient {number}: {exc}", exc.field) from None
        named += recipient.amount
        new.append(recipient)
    kept = []
    for recipient in new:
        same = next(
            (
                r for r in existing
                if (r.organisation_id, r.name, r.charity_number, r.amount)
                == (recipient.organisation_id, recipient.name, recipient.charity_number, recipient.amount)
            ),
            None,
        )
        if same is not None:
            existing.remove(same)
            kept.append(same)
        else:
            recipient.created_by = user
            recipient.save()
            kept.append(recipient)
    for old in existing:
        old.delete()
    return kept


def copy_recipients(original, amendment):
    """An amendment starts with the approved return's recipients, and their answers."""
    lines = {line.measure_id: line for line in amendment.lines.all()}
    copies = []
    for recipient in ReturnLineRecipient.objects.filter(line__return_obj=original).select_related("line"):
        line = lines.get(recipient.line.measure_id)
        if line is None:
            continue
        recipient.pk = None
        recipient.line = line
        copies.append(recipient)
    for copy in copies:
        copy.save()


# --- the recipient's own word -------------------------------------------------------------


@transaction.atomic
def answer(user, recipient, status, comment=""):
    """The recipient confirms or disputes what it was credited with. Nothing else changes: a
    dispute is flagged to the reviewer on the return's page."""
    recipient = ReturnLineRecipient.objects.select_for_update(of=("self",)).select_related(
        "organisation", "line__return_obj"
    ).get(pk=recipient.pk)
    if recipient.organisation_id is None or not can_answer(user, recipient.organisation):
        raise CommitmentError("Only the recipient organisation's admins and reporters can answer for it.")
    if recipient.line.return_obj.status == ReturnStatus.DRAFT:
        raise CommitmentError("This return has not been submitted yet.")
    if status not in (Confirmation.CONFIRMED, Confirmation.DISPUTED):
        raise CommitmentError("Choose whether you confirm or dispute this entry.", "status")
    comment = (comment or "").strip()
    if status == Confirmation.DISPUTED and not comment:
        raise CommitmentError("Say what is wrong with this entry, so the reporting organisation can put it right.", "comment")
    if len(comment) > 2000:
        raise CommitmentError("Keep the comment to 2,000 characters.", "comment")
    recipient.status = status
    recipient.comment = comment
    recipient.answered_by = user
    recipient.answered_at = timezone.now()
    recipient.save(update_fields=["status", "comment", "answered_by", "answered_at"])
    return recipient


def members_answering(organisation):
    return Membership.objects.filter(organisation=organisation, role__in=REPORTING_ROLES)
