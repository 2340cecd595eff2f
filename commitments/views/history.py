"""The audit history of a return: every change to it, its lines and its case studies."""


from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from commitments.forms.returns import (
    format_amount,
)
from commitments.models import CaseStudy, ReturnLine, ReturnStatus
from commitments.views.returns import get_return

# --- the audit history --------------------------------------------------------------------

RETURN_FIELDS = {"status": "Status", "attested": "Attested", "review_comment": "Reviewer's comment"}
LINE_FIELDS = {"quantity": "quantity", "narrative": "narrative", "flag": "flag for the reviewer"}


def _short(text, limit=140):
    text = " ".join(str(text or "").split())
    return f"“{text[: limit - 1]}…”" if len(text) > limit else (f"“{text}”" if text else "(blank)")


def _return_event(record, previous):
    if previous is None:
        if record.amendment_of_id:
            return [f"Started a correction of return {record.amendment_of_id}"]
        return ["Started the return"]
    changes = []
    delta = record.diff_against(previous, included_fields=list(RETURN_FIELDS))
    for change in delta.changes:
        if change.field == "status":
            old, new = ReturnStatus(change.old).label, ReturnStatus(change.new).label
            changes.append(f"Status: {old} → {new}")
        elif change.field == "attested":
            changes.append("Confirmed the figures belong only to this return" if change.new else "Attestation cleared")
        else:
            changes.append(f"{RETURN_FIELDS[change.field]}: {_short(change.new)}")
    if not changes and record.revision != previous.revision:
        changes.append(f"Saved the draft (revision {record.revision})")
    return changes


def _line_event(record, previous):
    measure = record.measure
    if record.history_type == "+":
        text = f"Added {measure.code}: {format_amount(measure, record.quantity)}"
        return [text + (f", narrative {_short(record.narrative, 80)}" if record.narrative else "")]
    if record.history_type == "-":
        return [f"Removed {measure.code} (was {format_amount(measure, record.quantity)})"]
    if previous is None:
        return [f"Changed {measure.code}"]
    changes = []
    for change in record.diff_against(previous, included_fields=list(LINE_FIELDS)).changes:
        if change.field == "quantity":
            old, new = format_amount(measure, change.old), format_amount(measure, change.new)
            changes.append(f"{measure.code}: {old} → {new}")
        else:
            old, new = _short(change.old, 60), _short(change.new, 60)
            changes.append(f"{measure.code}: {LINE_FIELDS[change.field]} {old} → {new}")
    return changes


def _case_study_event(record, previous):
    if record.history_type == "+":
        return [f"Added the case study {_short(record.title, 80)}"]
    if record.history_type == "-":
        return [f"Removed the case study {_short(record.title, 80)}"]
    return [f"Changed the case study {_short(record.title, 80)}"]


def _events(records, describe):
    previous, events = {}, []
    for record in records:
        changes = describe(record, previous.get(record.id))
        previous[record.id] = record
        if changes:
            events.append({"when": record.history_date, "who": record.history_user, "changes": changes})
    return events


@login_required
def history(request, pk):
    ret = get_return(request.user, pk)
    order = ("history_date", "history_id")
    events = _events(ret.history.select_related("history_user").order_by(*order), _return_event)
    events += _events(
        ReturnLine.history.filter(return_obj_id=ret.pk).select_related("history_user", "measure").order_by(*order),
        _line_event,
    )
    events += _events(
        CaseStudy.history.filter(return_obj_id=ret.pk).select_related("history_user").order_by(*order),
        _case_study_event,
    )
    for item in ret.evidence.select_related("uploaded_by"):
        events.append({"when": item.uploaded_at, "who": item.uploaded_by, "changes": [f"Uploaded the file {item.name}"]})
    events.sort(key=lambda e: e["when"], reverse=True)
    return render(request, "commitments/returns/history.html", {"ret": ret, "events": _grouped(events)})


def _grouped(events):
    """One entry for what one person did at once: a saved draft is its lines and its revision."""
    groups = []
    for event in events:
        last = groups[-1] if groups else None
        if last and last["who"] == event["who"] and (last["first"] - event["when"]).total_seconds() < 2:
            last["changes"] += event["changes"]
            last["first"] = event["when"]
        else:
            groups.append({**event, "changes": list(event["changes"]), "first": event["when"]})
    return groups


