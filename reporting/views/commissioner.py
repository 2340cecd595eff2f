"""A commissioner's contracts side by side: delivered against committed per measure, £ to date,
social value as a share of contract value, returns overdue, and their suppliers' reporting rate."""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from charter.selectors import organisations_commissioned_for
from commitments.due import returns_due
from commitments.models import Contract
from commitments.selectors import contract_progress
from reporting.models import Snapshot, SnapshotGroup, scope_key
from toms.quantities import format_amount


@login_required
def commissioner(request):
    organisations = list(organisations_commissioned_for(request.user))
    if not organisations:
        raise PermissionDenied("This page is for commissioners.")
    contracts = list(
        Contract.objects.for_user(request.user).filter(commissioner__in=organisations)
        .select_related("supplier", "commissioner").order_by("commissioner__name", "reference")
    )
    overdue = {}
    for due in returns_due([c.supplier_id for c in contracts]):
        if due.overdue and due.contract.commissioner_id in {o.pk for o in organisations}:
            overdue.setdefault(due.contract.pk, []).append(due)
    rows = []
    for contract in contracts:
        progress = contract_progress(contract)
        for r in progress:
            r.committed_text = format_amount(r.measure, r.committed) if r.committed is not None else "Not committed"
            r.delivered_text = format_amount(r.measure, r.delivered)
        value = sum((r.social_value or Decimal(0) for r in progress), Decimal(0))
        rows.append({
            "contract": contract,
            "progress": progress,
            "value": value,
            "share": (value / contract.value * 100) if contract.value else None,
            "overdue": overdue.get(contract.pk, []),
        })
    latest = Snapshot.objects.built().order_by("-year", "-quarter").first()
    rates = []
    if latest:
        groups = {
            g.scope: g
            for g in SnapshotGroup.objects.filter(
                snapshot=latest, scope__in=[scope_key(commissioner=o.pk) for o in organisations]
            )
        }
        rates = [(o, groups.get(scope_key(commissioner=o.pk))) for o in organisations]
    context = {"rows": rows, "organisations": organisations, "latest": latest, "rates": rates}
    return render(request, "reporting/commissioner.html", context)
