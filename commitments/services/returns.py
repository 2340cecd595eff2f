"""Quarterly return use cases: start, save a draft, submit, review, amend. Each is atomic, checks
who may act and from which state, and raises ReturnError with a message for people.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from charter import audit
from charter.models import COMMISSIONING_ROLES, REPORTING_ROLES, AuditKind
from commitments.due import RETURN_FIGURES
from commitments.models import Return, ReturnLine, ReturnStatus
from commitments.models.returns import EDITABLE_RETURN_STATUSES, OPEN_RETURN_STATUSES
from commitments.signals import return_approved
from commitments.validation import LineError, period_problems, unusual_flag
from common.site import site_url
from toms.codes import CodeError, parse_measure_code
from toms.models import Measure
from toms.periods import Quarter
from toms.quantities import QuantityError, parse_quantity, shown


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
        and user.memberships.filter(organisation=organisation, role__in=REPORTING_ROLES).exists()
    )


NOT_REVIEWER_MESSAGE = "Only the contract's commissioner (or an ICB admin, for organisation-wide returns) can review it."
OWN_WORK_MESSAGE = (
    "You submitted this return or saved its figures, and nobody reviews their own work: "
    "someone else who reviews it must approve it or request changes."
)


def is_own_work(user, ret):
    """Whether this person submitted the return or last started, saved or amended its draft."""
    if not user.is_authenticated:
        return False
    last_editor = ret.last_edited_by_id or ret.created_by_id
    return user.pk in {ret.submitted_by_id, last_editor}


def has_review_role(user, ret):
    """The contract's commissioner reviews; an ICB admin reviews organisation-wide returns."""
    if not user.is_authenticated:
        return False
    if ret.contract_id is None:
        return user.is_icb_admin
    return user.memberships.filter(
        organisation_id=ret.contract.commissioner_id, role__in=COMMISSIONING_ROLES
    ).exists()


def review_refusal(user, ret):
    """Why this person may not review the return, or None if they may."""
    if not has_review_role(user, ret):
        return NOT_REVIEWER_MESSAGE
    if is_own_work(user, ret):
        return OWN_WORK_MESSAGE
    return None


def can_review(user, ret):
    """Whether this person may approve the return or request changes: a reviewer by role
    (see has_review_role) who neither submitted it nor saved its last draft."""
    return review_refusal(user, ret) is None


def _lock(ret):
    return Return.objects.select_for_update(of=("self",)).select_related("contract", "organisation").get(pk=ret.pk)


def _audit(kind, ret, user):
    """The review in the audit log, in the review's own transaction (rolled back with it)."""
    amendment = f", amending return {ret.amendment_of_id}" if ret.amendment_of_id else ""
    audit.record(kind, actor=user, organisation=ret.organisation, target=f"{ret} (return {ret.pk}{amendment})",
                 detail=ret.review_comment)


def _notify(kind, ret):
    from commitments.tasks import send_return_notification

    link_base = site_url()  # the address the reviewer or reporter used
    transaction.on_commit(lambda: send_return_notification.delay(ret.pk, kind, link_base))


# --- starting and editing -----------------------------------------------------------------

STALE_MESSAGE = (
    "Someone else saved this return after you opened it, so your changes were not saved. "
    "Check what they changed, then save yours again."
)


@dataclass
class _Plan:
    ret: Return
    created: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    removed: list = field(default_factory=list)


class DraftBatch:
    """Starts and saves one organisation's draft returns, reading what they share once.

    The person's right to report is checked once; the measures, the organisation's earlier
    figures (for reviewer flags) and each contract's targets are read once however many drafts
    are saved; lines are written in bulk with their history. ``start_return`` and ``save_draft``
    are batches of one, so a spreadsheet of 5,000 lines and a single form follow the same rules.
    Use inside a transaction.
    """

    def __init__(self, user, organisation):
        if not can_report(user, organisation):
            raise ReturnError(f"Only {organisation.name}'s admins and reporters can make or change its returns.")
        self.user = user
        self.organisation = organisation
        self._measures = None
        self._earlier = None
        self._committed = {}

    @property
    def measures(self):
        if self._measures is None:
            self._measures = {m.code.upper(): m for m in Measure.objects.all()}
        return self._measures

    def start(self, quarter, contract=None, *, today=None):
        """The open return for this contract (or none) and quarter, created if there is none,
        and whether it was created now: ``(return, created)``, like ``get_or_create``."""
        organisation = self.organisation
        if contract is not None and contract.supplier_id != organisation.pk:
            raise ReturnError(f"{organisation.name} is not the supplier on contract {contract.reference}.")
        problems = period_problems(quarter, contract, today=today)
        if problems:
            raise ReturnError(" ".join(problems))
        key = {"organisation": organisation, "contract": contract, "year": quarter.year, "quarter": quarter.number}
        current = list(
            Return.objects.filter(**key, status__in=[*OPEN_RETURN_STATUSES, ReturnStatus.APPROVED]).only(
                "pk", "status", "revision"
            )
        )
        open_return = next((r for r in current if r.status in OPEN_RETURN_STATUSES), None)
        if open_return:
            return open_return, False
        if current:
            raise ReturnError(f"The return for {quarter} is approved; to correct it, start an amendment.")
        try:
            with transaction.atomic():  # a savepoint: two people may start the same return at once
                return Return.objects.create(**key, created_by=self.user, last_edited_by=self.user), True
        except IntegrityError:
            # The one-open-return constraint let the other request win; use the return it made.
            return Return.objects.filter(**key, status__in=OPEN_RETURN_STATUSES).get(), False

    def start_many(self, periods, *, today=None):
        """The open returns for many (quarter, contract or None) pairs, creating the missing ones
        in one go. Returns {(contract id or None, year, quarter number): Return}."""
        found, wanted = {}, {}
        for quarter, contract in periods:
            if contract is not None and contract.supplier_id != self.organisation.pk:
                raise ReturnError(f"{self.organisation.name} is not the supplier on contract {contract.reference}.")
            problems = period_problems(quarter, contract, today=today)
            if problems:
                raise ReturnError(" ".join(problems))
            wanted[(contract.pk if contract else None, quarter.year, quarter.number)] = contract
        years = {year for _, year, _ in wanted}
        approved = set()
        for ret in Return.objects.filter(
            organisation=self.organisation, year__in=years, status__in=[*OPEN_RETURN_STATUSES, ReturnStatus.APPROVED]
        ).only("pk", "contract_id", "year", "quarter", "status", "revision"):
            key = (ret.contract_id, ret.year, ret.quarter)
            if key in wanted:
                if ret.status in OPEN_RETURN_STATUSES:
                    found[key] = ret
                else:
                    approved.add(key)
        missing = [key for key in wanted if key not in found]
        for key in missing:
            if key in approved:
                raise ReturnError(
                    f"The return for {Quarter(key[1], key[2])} is approved; to correct it, start an amendment."
                )
        new = [
            Return(
                organisation=self.organisation, contract=wanted[key], year=key[1], quarter=key[2],
                created_by=self.user, last_edited_by=self.user,
            )
            for key in missing
        ]
        if new:
            try:
                with transaction.atomic():
                    bulk_create_with_history(new, Return, batch_size=500, default_user=self.user)
                    RETURN_FIGURES.changed()  # a bulk insert sends no signal
            except IntegrityError:
                raise ReturnError(
                    "Someone started one of these returns at the same moment; nothing was saved. Try again."
                ) from None
            for ret in Return.objects.filter(
                organisation=self.organisation, year__in=years, status__in=OPEN_RETURN_STATUSES
            ).only("pk", "contract_id", "year", "quarter", "status", "revision"):
                found.setdefault((ret.contract_id, ret.year, ret.quarter), ret)
        return found

    def lock(self, returns):
        """Lock these returns for saving, with their lines: {pk: Return}."""
        locked = (
            Return.objects.select_for_update(of=("self",))
            .select_related("contract", "organisation")
            .prefetch_related("lines")
            .filter(pk__in=[r.pk for r in returns])
            .order_by("pk")  # always the same order, so two batches cannot deadlock
        )
        return {ret.pk: ret for ret in locked}

    def plan(self, ret, lines, *, revision):
        """Check ``lines`` for a locked return and work out what changes; writes nothing."""
        if ret.organisation_id != self.organisation.pk:
            raise ReturnError(f"This return is not {self.organisation.name}'s.")
        if ret.status not in EDITABLE_RETURN_STATUSES:
            raise ReturnError(f"This return is {ret.get_status_display().lower()} and cannot be changed.")
        if int(revision) != ret.revision:
            raise StaleReturnError(STALE_MESSAGE)
        parsed = validate_lines(ret, lines, measures=self.measures)
        flags = self._flags(ret, parsed)
        existing = {line.measure_id: line for line in ret.lines.all()}
        plan = _Plan(ret)
        for measure, quantity, narrative in parsed:
            line, flag = existing.pop(measure.pk, None), flags[measure.pk]
            if line is None:
                plan.created.append(
                    ReturnLine(return_obj=ret, measure=measure, quantity=quantity, narrative=narrative, flag=flag)
                )
            elif (line.quantity, line.narrative, line.flag) != (quantity, narrative, flag):
                line.quantity, line.narrative, line.flag = quantity, narrative, flag
                plan.changed.append(line)
        plan.removed = list(existing.values())
        return plan

    def apply(self, plans):
        """Write planned changes: every line and every return's new revision, in bulk, with history."""
        created = [line for plan in plans for line in plan.created]
        changed = [line for plan in plans for line in plan.changed]
        if created:
            bulk_create_with_history(created, ReturnLine, batch_size=1000, default_user=self.user)
        if changed:
            bulk_update_with_history(
                changed, ReturnLine, ["quantity", "narrative", "flag"], batch_size=1000, default_user=self.user
            )
        for plan in plans:
            for line in plan.removed:  # lines no longer given; the history keeps them
                line.delete()
        now = timezone.now()
        for plan in plans:
            plan.ret.revision += 1
            plan.ret.updated_at = now
            plan.ret.last_edited_by = self.user
            getattr(plan.ret, "_prefetched_objects_cache", {}).pop("lines", None)  # now out of date
        if plans:
            bulk_update_with_history(
                [plan.ret for plan in plans], Return, ["revision", "updated_at", "last_edited_by"], batch_size=1000,
                default_user=self.user,
            )
        return [plan.ret for plan in plans]

    def save(self, ret, lines, *, revision):
        """Replace the return's lines with ``lines`` (all or nothing) and bump its revision.

        ``revision`` is the revision the person started from; if someone saved since, nothing is
        changed and StaleReturnError says so.
        """
        locked = self.lock([ret])
        if ret.pk not in locked:
            raise ReturnError("This return no longer exists.")
        (saved,) = self.apply([self.plan(locked[ret.pk], lines, revision=revision)])
        return saved

    def _earlier_highest(self, ret):
        """The organisation's highest submitted or approved figure per measure, in other quarters."""
        if self._earlier is None:
            self._earlier = {}
            rows = (
                ReturnLine.objects.filter(
                    return_obj__organisation=self.organisation,
                    return_obj__status__in=[ReturnStatus.APPROVED, ReturnStatus.SUBMITTED],
                )
                .values_list("measure", "return_obj__year", "return_obj__quarter")
                .annotate(highest=Max("quantity"))
            )
            for measure_id, year, quarter, highest in rows:
                self._earlier.setdefault(measure_id, []).append((year, quarter, highest))
        return {
            measure_id: max((h for y, q, h in quarters if (y, q) != (ret.year, ret.quarter)), default=None)
            for measure_id, quarters in self._earlier.items()
        }

    def _flags(self, ret, parsed):
        """Reviewer flags for plausible but unusual values (accepted, never refused)."""
        highest = self._earlier_highest(ret)
        committed = {}
        if ret.contract_id:
            from commitments.selectors import committed_totals

            if ret.contract_id not in self._committed:
                self._committed[ret.contract_id] = committed_totals(ret.contract)
            committed = self._committed[ret.contract_id]
        return {
            m.pk: unusual_flag(m, q, previous_highest=highest.get(m.pk), committed=committed.get(m.pk))
            for m, q, _ in parsed
        }


@transaction.atomic
def start_or_get_return(user, organisation, quarter, contract=None, *, today=None):
    """``(return, created)``: the open return for this organisation, contract and quarter,
    created if there is none. Two simultaneous starts get one return."""
    return DraftBatch(user, organisation).start(quarter, contract, today=today)


def start_return(user, organisation, quarter, contract=None, *, today=None):
    """The open return for this organisation, contract and quarter, created if there is none."""
    return start_or_get_return(user, organisation, quarter, contract, today=today)[0]


@transaction.atomic
def save_draft(ret, user, lines, *, revision):
    """Replace the return's lines with ``lines`` (all or nothing); see DraftBatch.save."""
    return DraftBatch(user, ret.organisation).save(ret, lines, revision=revision)


def validate_lines(ret, lines, *, measures=None):
    """Parse every line; return (measure, quantity, narrative) triples or raise with every error."""
    if measures is None:
        measures = {m.code.upper(): m for m in Measure.objects.all()}
    errors, parsed, seen = [], [], {}
    codes = [m.code for m in measures.values()]
    for number, line in enumerate(lines, start=1):
        typed = line.measure or ""
        if not typed.strip():
            errors.append(LineError(number, "?", "measure", "Give the measure code, like NT14."))
            continue
        try:  # "NT 1", "nt01" and "NT1 - local employees" are NT1
            code = parse_measure_code(typed, codes).upper()
        except CodeError as exc:
            errors.append(LineError(number, shown(typed.strip(), 20), "measure", str(exc)))
            continue
        measure = measures[code]
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
    refusal = review_refusal(user, ret)
    if refusal:
        raise ReturnError(refusal)
    if ret.status != ReturnStatus.SUBMITTED:
        raise ReturnError(f"Only a submitted return can be approved; this one is {ret.get_status_display().lower()}.")
    if ret.amendment_of_id:
        # The correction replaces what it corrects; the original stays, marked as superseded.
        Return.objects.filter(pk=ret.amendment_of_id, status=ReturnStatus.APPROVED).update(
            status=ReturnStatus.SUPERSEDED, updated_at=timezone.now()
        )
        RETURN_FIGURES.changed()  # an update sends no signal
    ret.status = ReturnStatus.APPROVED
    ret.reviewed_at = timezone.now()
    ret.reviewed_by = user
    ret.review_comment = (comment or "").strip()
    ret.revision += 1
    ret.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_comment", "revision", "updated_at"])
    _audit(AuditKind.RETURN_APPROVED, ret, user)
    _notify("approved", ret)
    # Reporting refreshes the quarter's snapshot once the approval is committed.
    year, quarter, pk = ret.year, ret.quarter, ret.pk
    transaction.on_commit(
        lambda: return_approved.send(sender=Return, return_id=pk, year=year, quarter=quarter)
    )
    return ret


@transaction.atomic
def request_changes(ret, user, comment):
    ret = _lock(ret)
    refusal = review_refusal(user, ret)
    if refusal:
        raise ReturnError(refusal)
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
    _audit(AuditKind.CHANGES_REQUESTED, ret, user)
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
        last_edited_by=user,
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
    from commitments.services.vcfse import copy_recipients  # the VCFSE recipients named, and their answers

    copy_recipients(ret, amendment)
    return amendment

