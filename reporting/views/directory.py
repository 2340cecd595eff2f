"""The ICB's directory of organisations: every organisation, searchable and filtered by sector,
kind, place, charter status and reporting status, each with its people, contracts, returns and
signature. ICB analysts and admins only; anyone else signed in gets 403.
"""

import datetime as dt
from urllib.parse import urlencode

from django.contrib.postgres.fields import ArrayField
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BigIntegerField, BooleanField, Count, Exists, F, Func, OuterRef, Q, Value
from django.db.models.functions import Cast
from django.http import Http404
from django.shortcuts import render

from charter.access import icb_required
from charter.models import Invitation, Kind, Membership, Organisation, Place, Sector, Signature, SignatureStatus
from charter.models.signatures import OPEN_STATUSES
from commitments.due import due_on_contracts, is_late, is_overdue
from commitments.models import Contract, Return, ReturnStatus

PAGE_SIZE = 25

CHARTER_STATUSES = [("signed", "Signed"), ("pending", "Signature waiting"), ("not_signed", "Not signed")]
REPORTING_STATUSES = [
    ("overdue", "Has overdue returns"),
    ("reporting", "Has submitted returns"),
    ("never", "Has never submitted a return"),
]
SUBMITTED = [ReturnStatus.SUBMITTED, ReturnStatus.APPROVED, ReturnStatus.SUPERSEDED]


class _AnyOf(Func):
    """``field = ANY(array)``, PostgreSQL's membership test against one array parameter."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def _one_of(ids):
    """The organisations among ``ids``: on PostgreSQL one array parameter however many there are
    (an IN list of thousands is slow to plan)."""
    if connection.vendor == "postgresql":
        # One text parameter cast to an array: a list of thousands of numbers went through the
        # driver's array adaptation on every view (3 MiB, and garbage collections of 100 ms).
        array = Cast(Value("{" + ",".join(map(str, ids)) + "}"), ArrayField(BigIntegerField()))
        return _AnyOf(F("pk"), array)
    return Q(pk__in=ids)


def directory_rows(params, today):
    """The organisations matching the filters, with their charter status as annotations."""
    live = Signature.objects.filter(organisation=OuterRef("pk"), status=SignatureStatus.LIVE)
    waiting = Signature.objects.filter(organisation=OuterRef("pk"), status__in=OPEN_STATUSES)
    submitted = Return.objects.filter(organisation=OuterRef("pk"), status__in=SUBMITTED)
    rows = Organisation.objects.annotate(signed=Exists(live), waiting=Exists(waiting))
    q = params.get("q", "").strip()
    if q:
        code = q.replace(" ", "").upper()
        rows = rows.filter(
            Q(name__icontains=q) | Q(companies_house_number=code) | Q(charity_number=code) | Q(ods_code=code)
            | Q(email_domain__iexact=q.lstrip("@"))
        )
    for field, choices in (("sector", Sector), ("kind", Kind), ("place", Place)):
        value = params.get(field, "")
        if value in choices.values:
            rows = rows.filter(**{field: value})
    charter = params.get("charter", "")
    if charter == "signed":
        rows = rows.filter(signed=True)
    elif charter == "pending":
        rows = rows.filter(signed=False, waiting=True)
    elif charter == "not_signed":
        rows = rows.filter(signed=False, waiting=False)
    reporting = params.get("reporting", "")
    if reporting == "overdue":
        rows = rows.filter(_one_of(due_on_contracts(Contract.objects.all(), today=today).overdue().supplier_ids()))
    elif reporting == "reporting":
        rows = rows.filter(Exists(submitted))
    elif reporting == "never":
        rows = rows.exclude(Exists(submitted))
    return rows.order_by("name", "pk")


def _counts(ids):
    """People, contracts and returns of one page's organisations: three grouped queries."""
    people = dict(Membership.objects.filter(organisation__in=ids).values_list("organisation").annotate(n=Count("pk")))
    supplied = dict(Contract.objects.filter(supplier__in=ids).values_list("supplier").annotate(n=Count("pk")))
    commissioned = dict(Contract.objects.filter(commissioner__in=ids).values_list("commissioner").annotate(n=Count("pk")))
    returns = dict(
        Return.objects.filter(organisation__in=ids, status__in=SUBMITTED).order_by()
        .values_list("organisation").annotate(n=Count("pk"))
    )
    return people, supplied, commissioned, returns


@icb_required
def directory(request):
    today = dt.date.today()
    params = {key: request.GET.get(key, "") for key in ("q", "sector", "kind", "place", "charter", "reporting")}
    page = Paginator(directory_rows(params, today), PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [o.pk for o in page.object_list]
    people, supplied, commissioned, returns = _counts(ids)
    for o in page.object_list:
        o.people_count = people.get(o.pk, 0)
        o.contract_count = supplied.get(o.pk, 0) + commissioned.get(o.pk, 0)
        o.return_count = returns.get(o.pk, 0)
    context = {
        "page": page,
        "params": params,
        "query_string": urlencode({k: v for k, v in params.items() if v}),
        "filtered": any(params.values()),
        "sectors": Sector.choices,
        "kinds": Kind.choices,
        "places": Place.choices,
        "charter_statuses": CHARTER_STATUSES,
        "reporting_statuses": REPORTING_STATUSES,
    }
    return render(request, "reporting/directory/list.html", context)


@icb_required
def organisation(request, pk):
    try:
        org = Organisation.objects.for_user(request.user).get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such organisation.") from None
    today = dt.date.today()
    contracts = (
        Contract.objects.for_user(request.user)
        .filter(Q(supplier=org) | Q(commissioner=org))
        .select_related("supplier", "commissioner")
        .order_by("-end_date", "reference")
    )
    returns = list(
        Return.objects.for_user(request.user).filter(organisation=org)
        .select_related("contract").order_by("-year", "-quarter", "-pk")[:20]
    )
    for r in returns:
        r.overdue, r.late = is_overdue(r, today), is_late(r)
    status_counts = dict(
        Return.objects.filter(organisation=org).order_by().values_list("status").annotate(n=Count("pk"))
    )
    overdue = list(due_on_contracts(Contract.objects.filter(supplier=org), today=today).overdue())
    context = {
        "organisation": org,
        "members": list(org.memberships.select_related("user").order_by("role", "user__full_name")),
        "invitations": list(Invitation.objects.for_user(request.user).pending().filter(organisation=org)),
        "signatures": list(org.signatures.select_related("version").order_by("-created_at")),
        "contracts": list(contracts[:20]),
        "contract_count": contracts.count(),
        "returns": returns,
        "status_counts": [(label, status_counts.get(value, 0)) for value, label in ReturnStatus.choices],
        "overdue": overdue,
    }
    return render(request, "reporting/directory/detail.html", context)
