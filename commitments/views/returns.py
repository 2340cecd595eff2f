"""Pages of quarterly returns (the lists are in return_lists.py): the return form, check and submit, review,
corrections, evidence files, case studies and the audit history.

Every view that names a return starts with ``get_return``, which fetches it through
``Return.objects.for_user``: anyone else gets 404. People who may see a return but not act on it
get 403. The use cases live in ``commitments.services.returns`` and ``commitments.services.evidence``; these views only
translate HTTP to and from them.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from charter.selectors import organisations_reported_for
from commitments.due import deadline_of, is_late, is_overdue
from commitments.forms.returns import (
    LineFormSet,
    ReviewForm,
    StartReturnForm,
    SubmitForm,
    form_rows,
    format_amount,
    initial_rows,
    lines_from,
    measure_choices,
    targets_for,
    typed,
    what_changed_meanwhile,
)
from commitments.models import Return, ReturnStatus
from commitments.services import returns as rs
from toms.models import Measure
from toms.periods import Quarter
from toms.valuation import with_value

# --- access helpers -----------------------------------------------------------------------


def get_return(user, pk):
    """The return if this person may see it, else 404 (never 403: no leaks)."""
    try:
        return (
            Return.objects.for_user(user)
            .select_related("organisation", "contract__commissioner", "contract__supplier", "amendment_of")
            .get(pk=pk)
        )
    except (Return.DoesNotExist, ValueError, TypeError):
        raise Http404("No such return.") from None


def require_reporter(user, ret):
    if not rs.can_report(user, ret.organisation):
        raise PermissionDenied(f"Only {ret.organisation.name}'s admins and reporters can change its returns.")


def require_reviewer(user, ret):
    refusal = rs.review_refusal(user, ret)
    if refusal:
        raise PermissionDenied(refusal)


def _quarter_label(quarter):
    return f"{quarter} ({quarter.start:%B} to {quarter.end:%B %Y})"


STATUS_TAGS = {
    ReturnStatus.DRAFT: "grey",
    ReturnStatus.SUBMITTED: "blue",
    ReturnStatus.CHANGES_REQUESTED: "orange",
    ReturnStatus.APPROVED: "green",
    ReturnStatus.SUPERSEDED: "grey",
}


# --- starting a return --------------------------------------------------------------------


def _start_choices(organisations, today):
    from commitments.models import Contract

    subjects = []
    contracts = Contract.objects.filter(supplier__in=organisations).select_related("supplier", "commissioner")
    for contract in contracts:
        label = f"{contract.reference}: {contract.title} (for {contract.commissioner.name})"
        if len(organisations) > 1:
            label = f"{contract.supplier.name} – {label}"
        subjects.append((f"c{contract.pk}", label))
    for organisation in organisations:
        subjects.append((f"o{organisation.pk}", f"{organisation.name}: organisation-wide, outside any contract"))
    quarter = Quarter.containing(today)
    quarters = []
    for _ in range(8):
        quarters.append((f"{quarter.year}-{quarter.number}", _quarter_label(quarter)))
        quarter = quarter.previous()
    return subjects, quarters


@login_required
def start(request):
    """Choose the contract (or organisation-wide) and quarter; opens the return in progress."""
    from commitments.models import Contract

    organisations = list(organisations_reported_for(request.user))
    if not organisations:
        raise PermissionDenied("Only organisation admins and reporters can make returns.")
    subjects, quarters = _start_choices(organisations, dt.date.today())
    data = request.POST if request.method == "POST" else None
    initial = {"subject": request.GET.get("subject", ""), "quarter": request.GET.get("quarter", "")}
    form = StartReturnForm(data, initial=initial, subjects=subjects, quarters=quarters)
    if request.method == "POST" and form.is_valid():
        kind, pk = form.cleaned_data["subject"][0], int(form.cleaned_data["subject"][1:])
        year, number = (int(part) for part in form.cleaned_data["quarter"].split("-"))
        by_pk = {o.pk: o for o in organisations}
        if kind == "c":
            contract = Contract.objects.filter(supplier__in=organisations).get(pk=pk)
            organisation = by_pk[contract.supplier_id]
        else:
            contract, organisation = None, by_pk[pk]
        try:
            ret = rs.start_return(request.user, organisation, Quarter(year, number), contract)
        except rs.ReturnError as exc:
            form.add_error("quarter", str(exc))
        else:
            return redirect("commitments:return-edit", ret.pk)
    status = 400 if form.errors else 200
    return render(request, "commitments/returns/start.html", {"form": form}, status=status)


# --- the return page (check, submit, review) ----------------------------------------------


def _detail_context(request, ret, *, submit_form=None, review_form=None):
    user = request.user
    may_report = rs.can_report(user, ret.organisation)
    may_review = rs.can_review(user, ret)
    reviewer_by_role = may_review or rs.has_review_role(user, ret)
    lines = list(with_value(ret.lines.select_related("measure")))
    targets = targets_for(ret)
    for line in lines:
        line.shown_quantity = format_amount(line.measure, line.quantity)
        line.target = targets.get(line.measure_id)
    valued = [line.social_value for line in lines if line.social_value is not None]
    sees_flags = reviewer_by_role or user.is_icb
    flagged = [line for line in lines if line.flag] if sees_flags else []
    editable = ret.is_editable and may_report
    context = {
        "ret": ret,
        "lines": lines,
        "total_value": sum(valued) if valued else None,
        "unvalued_count": len(lines) - len(valued),
        "sources": sorted({line.proxy_source for line in lines if line.proxy_source}),
        "flagged": flagged,
        "sees_flags": sees_flags,
        "evidence": list(ret.evidence.select_related("uploaded_by")),
        "case_studies": list(ret.case_studies.all()),
        "status_tag": STATUS_TAGS.get(ret.status, "grey"),
        "deadline": deadline_of(ret.period) if ret.contract_id else None,
        "overdue": is_overdue(ret),
        "late": is_late(ret),
        "may_report": may_report,
        "may_review": may_review,
        "editable": editable,
        "can_submit": editable and bool(lines),
        "can_decide": may_review and ret.status == ReturnStatus.SUBMITTED,
        "own_work": reviewer_by_role and not may_review and ret.status == ReturnStatus.SUBMITTED,
        "can_amend": may_report and ret.status == ReturnStatus.APPROVED,
        "open_amendment": None,
        "replaced_by": None,
        "submit_form": submit_form,
        "review_form": review_form,
    }
    if ret.status == ReturnStatus.APPROVED:
        context["open_amendment"] = ret.amendments.exclude(status=ReturnStatus.SUPERSEDED).exclude(
            status=ReturnStatus.APPROVED
        ).first()
    if ret.status == ReturnStatus.SUPERSEDED:
        context["replaced_by"] = ret.amendments.filter(status=ReturnStatus.APPROVED).first()
    if context["can_submit"] and submit_form is None:
        context["submit_form"] = SubmitForm(ret=ret, initial={"revision": ret.revision})
    if context["can_decide"] and review_form is None:
        context["review_form"] = ReviewForm()
    context["errors"] = _form_errors(context["submit_form"], context["review_form"])
    return context


def _form_errors(*forms):
    """(link, message) pairs for the error summary."""
    errors = []
    for form in forms:
        if form is None or not form.is_bound:
            continue
        for name, field_errors in form.errors.items():
            anchor = form[name].id_for_label if name in form.fields else ""
            errors.extend((f"#{anchor}" if anchor else "", message) for message in field_errors)
    return errors


@login_required
def detail(request, pk):
    ret = get_return(request.user, pk)
    return render(request, "commitments/returns/detail.html", _detail_context(request, ret))


@login_required
@require_POST
def submit(request, pk):
    ret = get_return(request.user, pk)
    require_reporter(request.user, ret)
    form = SubmitForm(request.POST, ret=ret)
    if not form.is_valid():
        return render(request, "commitments/returns/detail.html", _detail_context(request, ret, submit_form=form), status=400)
    try:
        rs.submit(ret, request.user, attested=True, revision=form.cleaned_data["revision"])
    except rs.ReturnError as exc:
        messages.error(request, str(exc))
    else:
        who = ret.contract.commissioner.name if ret.contract_id else "the ICB"
        messages.success(request, f"Return submitted. {who} has been told it is ready for review.")
    return redirect("commitments:return-detail", ret.pk)


@login_required
@require_POST
def review(request, pk):
    ret = get_return(request.user, pk)
    require_reviewer(request.user, ret)
    form = ReviewForm(request.POST)
    decision = request.POST.get("decision")
    if form.is_valid():
        comment = form.cleaned_data["comment"]
        try:
            if decision == "approve":
                rs.approve(ret, request.user, comment)
                messages.success(request, "Return approved. Its figures now count towards the contract's progress.")
            elif decision == "changes":
                if not comment.strip():
                    form.add_error("comment", "Say what needs to change, so that the supplier can put it right")
                else:
                    rs.request_changes(ret, request.user, comment)
                    messages.success(request, "Changes requested. The supplier has been sent your comment.")
            else:
                form.add_error(None, "Choose to approve the return or to request changes")
        except rs.ReturnError as exc:
            messages.error(request, str(exc))
    if form.errors:
        return render(request, "commitments/returns/detail.html", _detail_context(request, ret, review_form=form), status=400)
    return redirect("commitments:return-detail", ret.pk)


@login_required
@require_POST
def amend(request, pk):
    ret = get_return(request.user, pk)
    require_reporter(request.user, ret)
    try:
        amendment = rs.amend(ret, request.user)
    except rs.ReturnError as exc:
        messages.error(request, str(exc))
        return redirect("commitments:return-detail", ret.pk)
    messages.success(
        request,
        "Correction started with the approved figures. Change what needs correcting, then submit it for review; "
        "the approved return keeps counting until the correction is approved.",
    )
    return redirect("commitments:return-edit", amendment.pk)


# --- the return form ----------------------------------------------------------------------


def _edit_render(request, ret, formset, rows, *, revision, status=200, stale=None):
    errors = []
    for row in rows:
        code = row.measure.code if row.measure else (typed(row.form, "measure") or "?")
        for message in row.errors:
            errors.append((f"#{row.form['quantity'].auto_id}", f"Line {row.number} ({code}): {message}"))
        for name in ("quantity", "narrative"):
            for message in row.form.errors.get(name, []):
                errors.append((f"#{row.form[name].auto_id}", f"Line {row.number} ({code}): {message}"))
    present = [row.measure.code for row in rows if row.measure]
    last = ret.history.select_related("history_user").first()
    context = {
        "ret": ret,
        "formset": formset,
        "committed_rows": [row for row in rows if row.committed],
        "other_rows": [row for row in rows if not row.committed],
        "revision": revision,
        "errors": errors,
        "stale": stale,
        "add_choices": measure_choices(exclude=present),
        "last_saved": last,
        "has_contract": bool(ret.contract_id),
    }
    return render(request, "commitments/returns/edit.html", context, status=status)


@login_required
def edit(request, pk):
    ret = get_return(request.user, pk)
    require_reporter(request.user, ret)
    if not ret.is_editable:
        messages.error(request, f"This return is {ret.get_status_display().lower()} and cannot be changed.")
        return redirect("commitments:return-detail", ret.pk)
    if request.method != "POST":
        formset = LineFormSet(initial=initial_rows(ret))
        return _edit_render(request, ret, formset, form_rows(formset, ret), revision=ret.revision)

    try:
        revision = int(request.POST.get("revision", ""))
    except ValueError:
        revision = 0  # a page without a revision is treated as stale
    formset = LineFormSet(request.POST)
    if not formset.management_form.is_valid():
        messages.error(request, "The form was incomplete. Nothing was saved; here is the return as it was.")
        return redirect("commitments:return-edit", ret.pk)
    rows = form_rows(formset, ret)
    action = request.POST.get("action", "save")

    if action == "add":
        # Nothing is saved: the same page again, with what was typed and a row for the new measure.
        initial = [{name: typed(row.form, name) for name in ("measure", "quantity", "narrative")} for row in rows]
        code = (request.POST.get("add_measure") or "").strip()
        present = {i["measure"].upper() for i in initial}
        measure = Measure.objects.active().filter(code__iexact=code).first()
        if measure and measure.code.upper() not in present:
            initial.append({"measure": measure.code, "quantity": "", "narrative": ""})
        formset = LineFormSet(initial=initial)
        rows = form_rows(formset, ret)
        if measure is None:
            messages.error(request, "Choose a measure to add.")
        return _edit_render(request, ret, formset, rows, revision=revision)

    formset.is_valid()  # length limits on what was typed
    if any(form.errors for form in formset.forms):
        return _edit_render(request, ret, formset, rows, revision=revision, status=400)
    lines, sources = lines_from(rows)
    try:
        rs.save_draft(ret, request.user, lines, revision=revision)
    except rs.StaleReturnError as exc:
        ret.refresh_from_db()
        stale = what_changed_meanwhile(ret, rows, str(exc))
        return _edit_render(request, ret, formset, rows, revision=ret.revision, status=409, stale=stale)
    except rs.ReturnValidationError as exc:
        for error in exc.errors:
            row = sources[error.line - 1]
            if error.field in ("quantity", "narrative"):
                row.form.add_error(error.field, error.message)
            else:
                row.errors.append(error.message)
        return _edit_render(request, ret, formset, rows, revision=revision, status=400)
    except rs.ReturnError as exc:
        messages.error(request, str(exc))
        return redirect("commitments:return-detail", ret.pk)
    if action == "continue":
        messages.success(request, "Figures saved. Check them, add evidence, then submit the return.")
        return redirect("commitments:return-detail", ret.pk)
    messages.success(request, f"Draft saved at {timezone.localtime():%H:%M}.")
    return redirect("commitments:return-edit", ret.pk)
