"""PDF reports: who may ask for which, what each contains, and building one (called by the
Celery task, which records progress so the page can show it). charter.pdf owns WeasyPrint."""

import time
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.text import slugify

from charter.models import COMMISSIONING_ROLES, Membership, Organisation, Place
from charter.pdf import render_pdf
from commitments.models import CaseStudy, Contract, ReturnLine, ReturnStatus
from commitments.selectors import contract_progress
from reporting import charts, selectors, tables
from reporting.models import BuildStatus, Report, ReportKind
from toms.models import Combination
from toms.periods import Quarter
from toms.quantities import format_amount
from toms.valuation import with_value


class ReportError(Exception):
    """The report cannot be asked for; the message says why."""


def subject_of(user, kind, subject):
    """The thing the report is about, if this person may have it; else ReportError / LookupError."""
    if kind in (ReportKind.SYSTEM, ReportKind.PLACE):
        if not user.is_icb:
            raise PermissionError("Only ICB staff can build system-wide and place reports.")
        if kind == ReportKind.PLACE:
            if subject not in Place.values:
                raise ReportError("Choose one of the nine places for a place report.")
            return Place(subject).label
        return "Cheshire and Merseyside"
    if kind == ReportKind.CONTRACT:
        contract = Contract.objects.for_user(user).filter(pk=_int(subject)).select_related("commissioner", "supplier").first()
        if contract is None:
            raise LookupError("No such contract.")
        commissions = Membership.objects.filter(
            user=user, organisation=contract.commissioner, role__in=COMMISSIONING_ROLES
        ).exists()
        if not (user.is_icb or commissions):
            raise PermissionError("Only the contract's commissioner can build its report.")
        return contract
    if kind == ReportKind.ORGANISATION:
        organisation = Organisation.objects.for_user(user).filter(pk=_int(subject)).first()
        if organisation is None:
            raise LookupError("No such organisation.")
        return organisation
    raise ReportError("Choose a kind of report.")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _organisation_rows(organisation, quarter):
    """The organisation's approved figures for the financial year to date, combined as each
    measure says (sums for amounts; the latest quarter's level for shares and yes/no)."""
    lines = with_value(
        ReturnLine.objects.filter(
            return_obj__organisation=organisation, return_obj__status=ReturnStatus.APPROVED,
            return_obj__year=quarter.year, return_obj__quarter__lte=quarter.number,
        )
    )
    rows = (
        lines.values("measure", "measure__code", "measure__title", "measure__combination")
        .annotate(total=Sum("quantity"), value=Sum("social_value"), quarters=Count("return_obj__quarter", distinct=True))
        .order_by("measure__code")
    )
    latest = {}
    for measure_id, quantity in lines.filter(
        measure__combination__in=[Combination.SHARE, Combination.YES_NO]
    ).order_by("measure", "-return_obj__quarter").values_list("measure", "quantity"):
        latest.setdefault(measure_id, quantity)
    from toms.models import Measure

    measures = Measure.objects.in_bulk([r["measure"] for r in rows])
    table = tables.Table("organisation", f"Approved figures, {quarter.financial_year_label} to the end of Q{quarter.number}",
                         ["Code", "Measure", "Delivered", "Quarters reported", "£ gross"], numeric=[3, 4])
    total = Decimal(0)
    for r in rows:
        m = measures[r["measure"]]
        value = latest.get(m.pk, r["total"])
        shown = format_amount(m, value)
        if m.combination != Combination.SUMMED:
            shown += " (latest quarter)"
        elif m.is_fte:
            shown = shown.replace(" FTE", " FTE-years")
        table.add(m.code, m.title, (value, shown), r["quarters"], (r["value"], tables.money(r["value"])))
        total += r["value"] or 0
    return table, total


def _contract_rows(contract):
    rows = contract_progress(contract)
    table = tables.Table("commitments", "Commitments against delivery (approved returns to date)",
                         ["Code", "Measure", "Committed", "Delivered", "% of commitment", "£ gross"], numeric=[4, 5])
    total = Decimal(0)
    for r in rows:
        m = r.measure
        pct = r.percent
        delivered = format_amount(m, r.delivered) + (" (latest quarter)" if r.is_level else "")
        committed = format_amount(m, r.committed) if r.committed is not None else "Not committed"
        if m.is_fte:
            delivered, committed = delivered.replace(" FTE", " FTE-years"), committed.replace(" FTE", " FTE-years")
        table.add(m.code, m.title, committed, (r.delivered, delivered), (pct, f"{pct}%" if pct is not None else "–"),
                  (r.social_value, tables.money(r.social_value)))
        total += r.social_value or 0
    return table, total


def report_context(report, user):
    quarter = report.period
    subject = subject_of(user, report.kind, report.subject)
    context = {"report": report, "quarter": quarter, "generated_at": timezone.now(), "subject": subject}
    if report.kind in (ReportKind.SYSTEM, ReportKind.PLACE):
        filters = selectors.Filters(place=report.subject if report.kind == ReportKind.PLACE else "", quarter=quarter)
        board = selectors.dashboard(filters)
        if board.snapshot is None:
            raise ReportError(f"There is no snapshot of {quarter} yet: build it first.")
        all_tables = tables.all_tables(board)
        if report.kind == ReportKind.PLACE:
            all_tables.pop("places", None)
        context.update(board=board, tables=all_tables, charts=charts.board_charts(board, width=420),
                       snapshot=board.snapshot, adjustments=board.adjustments, stories=board.case_studies)
    else:
        if report.kind == ReportKind.CONTRACT:
            table, total = _contract_rows(subject)
            stories = CaseStudy.objects.filter(return_obj__contract=subject, return_obj__status=ReturnStatus.APPROVED)
            context["share_of_value"] = (total / subject.value * 100) if subject.value else None
        else:
            table, total = _organisation_rows(subject, quarter)
            stories = CaseStudy.objects.filter(
                return_obj__organisation=subject, return_obj__status=ReturnStatus.APPROVED,
                return_obj__year=quarter.year, return_obj__quarter__lte=quarter.number,
            )
        from toms.models import Adjustment

        context.update(
            own_table=table, total=total, stories=list(stories.select_related("return_obj__organisation")[:8]),
            adjustments=list(Adjustment.objects.filter(financial_year=quarter.year).select_related("measure")),
            snapshot=None,
        )
    return context


def title_for(kind, subject, quarter):
    if kind == ReportKind.SYSTEM:
        return f"Social value across Cheshire and Merseyside, {quarter}"
    if kind == ReportKind.PLACE:
        return f"Social value in {subject}, {quarter}"
    if kind == ReportKind.CONTRACT:
        return f"Contract {subject.reference}: social value to {quarter}"
    return f"{subject.name}: social value, {quarter.financial_year_label} to Q{quarter.number}"


def request_report(user, kind, subject, quarter):
    """Record a report request (the caller enqueues the build on commit)."""
    thing = subject_of(user, kind, subject)
    return Report.objects.create(
        kind=kind, subject=subject or "", year=quarter.year, quarter=quarter.number, requested_by=user,
        title=title_for(kind, thing, quarter),
    )


def _progress(report, percent, message):
    Report.objects.filter(pk=report.pk).update(progress=percent, message=message, status=BuildStatus.RUNNING)


def build_report(report_id):
    report = Report.objects.select_related("requested_by").get(pk=report_id)
    started = time.monotonic()
    try:
        _progress(report, 10, "Gathering the figures")
        context = report_context(report, report.requested_by)
        _progress(report, 60, "Laying out the pages")
        pdf = render_pdf("reporting/pdf/report.html", context, tagged=True)
    except Exception as exc:
        Report.objects.filter(pk=report.pk).update(
            status=BuildStatus.FAILED, finished_at=timezone.now(), message=str(exc)[:500]
        )
        raise
    name = f"{slugify(report.title)[:80]}.pdf"
    report.file.save(name, ContentFile(pdf), save=False)
    report.status = BuildStatus.DONE
    report.progress = 100
    report.message = f"Ready: {len(pdf) // 1024} KB."
    report.finished_at = timezone.now()
    report.build_seconds = Decimal(f"{time.monotonic() - started:.3f}")
    report.save()
    _email(report, pdf, name)
    return report


def _email(report, pdf, name):
    message = EmailMessage(
        subject=f"Your report is ready: {report.title}",
        body=(
            f"The report you asked for, {report.title}, is attached.\n\n"
            "Its £ figures are estimates made with proxy values; the methods note at the end explains them.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[report.requested_by.email],
    )
    message.attach(name, pdf, "application/pdf")
    message.send()


def quarter_from(text):
    try:
        year, number = str(text).split("-")
        return Quarter(int(year), int(number))
    except (ValueError, TypeError):
        return None


