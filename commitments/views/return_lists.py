"""Lists of returns that fit the person: a supplier's due and overdue returns and its own returns;
a commissioner's review queue, their suppliers' returns and who to chase; the ICB's view of every
organisation's due, overdue and submitted returns.

Counts of lines are made for the rows of one page only, after pagination, never for the whole
list. Every row is read through ``Return.objects.for_user``.
"""

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import render

from charter.models import COMMISSIONING_ROLES, REPORTING_ROLES, Membership, Sector
from commitments import queues
from commitments.due import due_on_contracts, is_late, is_overdue, returns_due
from commitments.models import Contract, Return, ReturnLine, ReturnStatus
from commitments.views.returns import STATUS_TAGS

PAGE_SIZE = 25
DUE_SHOWN = 20

def annotate_page(rows, *, flags=False, today=None):
    """Line counts (and flagged lines) for one page of returns in one query; overdue and late
    from each return's deadline."""
    rows = list(rows)
    counts = ReturnLine.objects.filter(return_obj__in=[r.pk for r in rows]).order_by().values("return_obj")
    extra = {"flag_count": Count("pk", filter=~Q(flag=""))} if flags else {}
    by_return = {c["return_obj"]: c for c in counts.annotate(line_count=Count("pk"), **extra)}
    for r in rows:
        found = by_return.get(r.pk, {})
        r.line_count = found.get("line_count", 0)
        r.flag_count = found.get("flag_count", 0)
        r.overdue = is_overdue(r, today)
        r.late = is_late(r)
    return rows


def _roles(user):
    """From one query of the person's memberships: the organisations they report for, and the
    contracts whose due returns they follow (every contract for the ICB; a commissioner's own)."""
    memberships = list(Membership.objects.filter(user=user).select_related("organisation"))
    reporting = sorted(
        (m.organisation for m in memberships if m.role in REPORTING_ROLES), key=lambda o: o.name
    )
    commissioning = [
        m.organisation_id for m in memberships
        if m.role in COMMISSIONING_ROLES and m.organisation.sector == Sector.PUBLIC
    ]
    if user.is_icb:
        scope_kind, contracts = "system", Contract.objects.all()
    elif commissioning:
        scope_kind, contracts = "commissioner", Contract.objects.filter(commissioner__in=commissioning)
    else:
        scope_kind, contracts = None, None
    is_reviewer = user.is_icb_admin or bool(commissioning)
    return reporting, scope_kind, contracts, is_reviewer


@login_required
def return_list(request):
    """What is due and overdue for the person, and the returns they may see."""
    user = request.user
    today = dt.date.today()
    organisations, scope_kind, contracts, is_reviewer = _roles(user)
    due = returns_due(organisations, today=today) if organisations else None
    followed = due_on_contracts(contracts, today=today) if contracts is not None else None
    followed_overdue = followed.overdue() if followed is not None else None

    queue = queues.review_queue(user) if is_reviewer else Return.objects.none()
    queue_count = queues.waiting_count(request) if is_reviewer else 0

    own = Membership.objects.filter(user=user).values("organisation_id")
    returns = Return.objects.for_user(user)
    whose = request.GET.get("whose", "")
    if whose == "ours":
        returns = returns.filter(organisation__in=own)
    elif whose == "suppliers":
        returns = returns.filter(contract__commissioner__in=own)
    else:
        whose = ""
    status = request.GET.get("status", "")
    if status in ReturnStatus.values:
        returns = returns.filter(status=status)
    else:
        status = ""
    returns = returns.select_related("organisation", "contract").order_by("-year", "-quarter", "organisation__name", "-pk")
    paginator = Paginator(returns, PAGE_SIZE)
    paginator.count = queues.cached_count(returns)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = annotate_page(page.object_list, today=today)

    context = {
        # The oldest few here (a supplier may owe hundreds); the due list pages the rest.
        "due": due[:DUE_SHOWN] if due is not None else [],
        "due_count": due.count() if due is not None else 0,
        "overdue_count": due.overdue().count() if due is not None else 0,
        "scope_kind": scope_kind,
        "followed_count": followed.count() if followed is not None else 0,
        "followed_overdue_count": followed_overdue.count() if followed is not None else 0,
        "followed_overdue": followed_overdue[:10] if followed is not None else [],
        "is_reviewer": is_reviewer,
        "queue": list(queue.select_related("organisation", "contract")[:5]) if queue_count else [],
        "queue_count": queue_count,
        "is_commissioner": scope_kind == "commissioner",
        "page": page,
        "query_string": urlencode({k: v for k, v in (("whose", whose), ("status", status)) if v}),
        "status": status,
        "whose": whose,
        "statuses": ReturnStatus.choices,
        "status_tags": STATUS_TAGS,
        "can_start": bool(organisations),
        # Their own organisations' due returns, unless they follow others' and owe none themselves.
        "show_own_due": bool(organisations) and (bool(due) or scope_kind is None),
        "due_shown": DUE_SHOWN,
        "today": today,
    }
    return render(request, "commitments/returns/list.html", context)


@login_required
def due_list(request):
    """Every return due and overdue that this person follows: their own organisations' as a
    supplier, those on contracts they commission, or all for the ICB. Paginated; overdue first."""
    user = request.user
    today = dt.date.today()
    organisations, scope_kind, contracts, _ = _roles(user)
    if contracts is None:
        scope_kind, items = "supplier", (returns_due(organisations, today=today) if organisations else [])
    else:
        items = due_on_contracts(contracts, today=today)
    only_overdue = request.GET.get("overdue") == "1"
    overdue = items.overdue() if items else []
    overdue_count = len(overdue)
    if only_overdue:
        items = overdue
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "scope_kind": scope_kind,
        "total": len(items),
        "overdue_count": overdue_count,
        "only_overdue": only_overdue,
        "query_string": "overdue=1" if only_overdue else "",
    }
    return render(request, "commitments/returns/due_list.html", context)


@login_required
def review_list(request):
    """Returns waiting for this person's decision (paginated), and those they decided recently."""
    user = request.user
    is_reviewer = queues.is_reviewer(user)
    waiting = queues.review_queue(user).select_related("organisation", "contract")
    page = Paginator(waiting, PAGE_SIZE).get_page(request.GET.get("page"))
    queues.waiting_count(request, known=page.paginator.count)
    page.object_list = annotate_page(page.object_list, flags=True)
    decided = (
        queues.review_scope(user)
        .filter(status__in=[ReturnStatus.APPROVED, ReturnStatus.CHANGES_REQUESTED])
        .select_related("organisation", "contract")
        .order_by("-reviewed_at")[:20]
    )
    context = {
        "page": page,
        "waiting": page.object_list,
        "decided": list(decided),
        "status_tags": STATUS_TAGS,
        "is_reviewer": is_reviewer,
    }
    return render(request, "commitments/returns/review_list.html", context)
