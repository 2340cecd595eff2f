"""Quarterly return use cases: start, save a draft, submit, review, amend. Each is atomic, checks
who may act and from which state, and raises ReturnError with a message for people.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from charter.models import Role
from toms.models import Measure, Return, ReturnLine, ReturnStatus
from toms.models.returns import EDITABLE_RETURN_STATUSES, OPEN_RETURN_STATUSES
from toms.periods import Quarter
from toms.validation import LineError, QuantityError, parse_quantity, period_problems, unusual_flag


class ReturnError(Exception):
    """A return cannot do what was asked; str(error) says why."""


class ReturnValidationError(ReturnError):
    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


class StaleReturnError(ReturnError):
    """Someone else saved the return since this person opened it."""


@dataclass(frozen=True)
class LineInput:
    """One line as typed: a measure code, the raw quantity and a narrative."""

    measure: str
    quantity: object
    narrative: str = ""


# --- who may do what ----------------------------------------------------------------------


def can_report(user, organisation):
    return (
        user.is_authenticated
        and user.memberships.filter(organisation=organisation, role__in=[Role.ADMIN, Role.REPORTER]).exists()
    )


def can_review(user, ret):
    """The contract's commissioner reviews; an ICB admin reviews organisation-wide returns."""
    if not user.is_authenticated:
        return False
    if ret.contract_id is None:
        return user.is_icb_admin
    return user.memberships.filter(
        organisation_id=ret.contract.commissioner_id, role__in=[Role.COMMISSIONER, Role.ADMIN]
    ).exists()


def _lock(ret):
    return Return.objects.select_for_update(of=("self",)).select_related("contract", "organisation").get(pk=ret.pk)


def _notify(kind, ret):
    from toms.tasks import send_return_notification

    transaction.on_commit(lambda: send_return_notification.delay(ret.pk, kind))


# --- starting and editing -----------------------------------------------------------------


@transaction.atomic
def start_return(user, organisation, quarter, contract=None, *, today=None):
    """The open return for this organisation, contract and quarter, created if there is none."""
    if not can_report(user, organisation):
        raise ReturnError(f"Only {organisation.name}'s admins and reporters can make its returns.")
    if contract is not None and contract.supplier_id != organisation.pk:
        raise ReturnError(f"{organisation.name} is not the supplier on contract {contract.reference}.")
    problems = period_problems(quarter, contract, today=today)
    if problems:
        raise ReturnError(" ".join(problems))
    existing = Return.objects.filter(
        organisation=organisation, contract=contract, year=quarter.year, quarter=quarter.number
    )
    open_return = existing.filter(status__in=OPEN_RETURN_STATUSES).first()
    if open_return:
        return open_return
    if existing.filter(status=ReturnStatus.APPROVED).exists():
        raise ReturnError(f"The return for {quarter} is approved; to correct it, start an amendment.")
    try:
        with transaction.atomic():  # a savepoint: two people may start the same return at once
            return Return.objects.create(
                organisation=organisation,
                contract=contract,
                year=quarter.year,
                quarter=quarter.number,
                created_by=user,
            )
    except IntegrityError:
        # The one-open-return constraint let the other request win; use the return it made.
        return Return.objects.filter(
            organisation=organisation, contract=contract, year=quarter.year, quarter=quarter.number,
            status__in=OPEN_RETURN_STATUSES,
        ).get()


def validate_lines(ret, lines):
    """Parse every line; return (measure, quantity, narrative) triples or raise with every error."""
    measures = {m.code.upper(): m for m in Measure.objects.all()}
    errors, parsed, seen = [], [], {}
    for number, line in enumerate(lines, start=1):
        code = (line.measure or "").strip().upper()
        measure = measures.get(code)
        if not code:
            errors.append(LineError(number, "?", "measure", "Give the measure code, like NT14."))
            continue
        if measure is None:
            errors.append(LineError(number, code or "?", "measure", f"There is no measure '{code}' in the framework."))
            continue
        if not measure.is_active:
            errors.append(LineError(number, measure.code, "measure", "This measure is no longer reported."))
            continue
        if code in seen:
            errors.append(
                LineError(
                    number,
                    measure.code,
                    "measure",
                    f"{measure.code} is already on line {seen[code]}; a measure may appear once in a return.",
                )
            )
            continue
        seen[code] = number
        try:
            quantity = parse_quantity(measure, line.quantity)
        except QuantityError as exc:
            errors.append(LineError(number, measure.code, "quantity", str(exc)))
            continue
        narrative = (line.narrative or "").strip()
        if len(narrative) > 4000:
            errors.append(LineError(number, measure.code, "narrative", "Keep the narrative to 4,000 characters."))
            continue
        parsed.append((measure, quantity, narrative))
    if errors:
        raise ReturnValidationError(errors)
    return parsed


def _flags(ret, parsed):
    """Reviewer flags for plausible but unusual values (accepted, never refused)."""
    codes = [m.pk for m, _, _ in parsed]
    earlier = (
        ReturnLine.objects.filter(
            return_obj__organisation=ret.organisation,
            measure__in=codes,
            return_obj__status__in=[ReturnStatus.APPROVED, ReturnStatus.SUBMITTED],
        )
        .exclude(return_obj=ret)
        .exclude(return_obj__year=ret.year, return_obj__quarter=ret.quarter)
        .values("measure")
        .annotate(highest=Max("quantity"))
    )
    highest = {row["measure"]: row["highest"] for row in earlier}
    committed = {}
    if ret.contract_id:
        from commitments.selectors import committed_totals

        committed = committed_totals(ret.contract, codes)
    return {
        m.pk: unusual_flag(m, q, previous_highest=highest.get(m.pk), committed=committed.get(m.pk))
        for m, q, _ in parsed
    }


@transaction.atomic
def save_draft(ret, user, lines, *, revision):
    """Replace the return's lines with ``lines`` (all or nothing) and bump its revision.

    ``revision`` is the revision the person started from; if someone saved since, nothing is
    changed and StaleReturnError says so.
    """
    ret = _lock(ret)
    if not can_report(user, ret.organisation):
        raise ReturnError("Only the organisation's admins and reporters can change its returns.")
    if ret.status not in EDITABLE_RETURN_STATUSES:
        raise ReturnError(f"This return is {ret.get_status_display().lower()} and cannot be changed.")
    if int(revision) != ret.revision:
        raise StaleReturnError(
            "Someone else saved this return after you opened it, so your changes were not saved. "
            "Check what they changed, then save yours again."
        )
    parsed = validate_lines(ret, lines)
    flags = _flags(ret, parsed)
    existing = {line.measure_id: line for line in ret.lines.all()}
    keep = set()
    for measure, quantity, narrative in parsed:
        keep.add(measure.pk)
        line = existing.get(measure.pk)
        flag = flags[measure.pk]
        if line is None:
            ReturnLine.objects.create(
                return_obj=ret, measure=measure, quantity=quantity, narrative=narrative, flag=flag
            )
        elif (line.quantity, line.narrative, line.flag) != (quantity, narrative, flag):
            line.quantity, line.narrative, line.flag = quantity, narrative, flag
            line.save()
    for measure_id, line in existing.items():
        if measure_id not in keep:
            line.delete()  # the history keeps it
    ret.revision += 1
    ret.save(update_fields=["revision", "updated_at"])
    return ret


# --- the review workflow ------------------------------------------------------------------


@transaction.atomic
def submit(ret, user, *, attested, revision=None):
    """Send a draft (or a return sent back for changes) to its reviewer."""
    ret = _lock(ret)
    if not can_report(user, ret.organisation):
        raise ReturnError("Only the organisation's admins and reporters can submit its returns.")
    if ret.status not in EDITABLE_RETURN_STATUSES:
        raise ReturnError(f"This return is {ret.get_status_display().lower()}; only drafts can be submitted.")
    if revision is not None and int(revision) != ret.revision:
        raise StaleReturnError("Someone else saved this return after you opened it; check it, then submit.")
    if not attested:
        raise ReturnError(
            "Confirm that the figures relate only to this contract (or your organisation) and this quarter, "
            "and are not counted in another return."
        )
    if not ret.lines.exists():
        raise ReturnError("Add at least one measure before submitting.")
    problems = period_problems(ret.period, ret.contract)
    if problems:
        raise ReturnError(" ".join(problems))
    ret.status = ReturnStatus.SUBMITTED
    ret.attested = True
    ret.submitted_at = timezone.now()
    ret.submitted_by = user
    ret.revision += 1
    ret.save(update_fields=["status", "attested", "submitted_at", "submitted_by", "revision", "updated_at"])
    _notify("submitted", ret)
    return ret


@transaction.atomic
def approve(ret, user, comment=""):
    ret = _lock(ret)
    if not can_review(user, ret):
        raise ReturnError(
            "Only the contract's commissioner (or an ICB admin, for organisation-wide returns) can review it."
        )
    if ret.status != ReturnStatus.SUBMITTED:
        raise ReturnError(f"Only a submitted return can be approved; this one is {ret.get_status_display().lower()}.")
    if ret.amendment_of_id:
        # The correction replaces what it corrects; the original stays, marked as superseded.
        Return.objects.filter(pk=ret.amendment_of_id, status=ReturnStatus.APPROVED).update(
            status=ReturnStatus.SUPERSEDED, updated_at=timezone.now()
        )
    ret.status = ReturnStatus.APPROVED
    ret.reviewed_at = timezone.now()
    ret.reviewed_by = user
    ret.review_comment = (comment or "").strip()
    ret.revision += 1
    ret.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_comment", "revision", "updated_at"])
    _notify("approved", ret)
    return ret


@transaction.atomic
def request_changes(ret, user, comment):
    ret = _lock(ret)
    if not can_review(user, ret):
        raise ReturnError(
            "Only the contract's commissioner (or an ICB admin, for organisation-wide returns) can review it."
        )
    if ret.status != ReturnStatus.SUBMITTED:
        raise ReturnError(f"Only a submitted return can be sent back; this one is {ret.get_status_display().lower()}.")
    comment = (comment or "").strip()
    if not comment:
        raise ReturnError("Say what needs to change, so that the reporter can put it right.")
    if len(comment) > 4000:
        raise ReturnError("Keep the comment to 4,000 characters.")
    ret.status = ReturnStatus.CHANGES_REQUESTED
    ret.reviewed_at = timezone.now()
    ret.reviewed_by = user
    ret.review_comment = comment
    ret.revision += 1
    ret.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_comment", "revision", "updated_at"])
    _notify("changes_requested", ret)
    return ret


@transaction.atomic
def amend(ret, user):
    """Start a correction of an approved return: a new draft with its lines, reviewed again."""
    ret = _lock(ret)
    if not can_report(user, ret.organisation):
        raise ReturnError("Only the organisation's admins and reporters can amend its returns.")
    if ret.status != ReturnStatus.APPROVED:
        raise ReturnError("Only an approved return can be amended.")
    open_amendment = Return.objects.filter(amendment_of=ret, status__in=OPEN_RETURN_STATUSES).first()
    if open_amendment:
        return open_amendment
    amendment = Return.objects.create(
        organisation=ret.organisation,
        contract=ret.contract,
        year=ret.year,
        quarter=ret.quarter,
        amendment_of=ret,
        created_by=user,
    )
    bulk_create_with_history(
        [
            ReturnLine(
                return_obj=amendment,
                measure_id=line.measure_id,
                quantity=line.quantity,
                narrative=line.narrative,
                flag=line.flag,
            )
            for line in ret.lines.all()
        ],
        ReturnLine,
    )
    return amendment


def quarter_of(ret):
    return Quarter(ret.year, ret.quarter)
