"""Reads of contracts: scoped fetches and progress against commitments."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.http import Http404

from commitments.models import Contract
from toms.models import Measure, ReturnLine, ReturnStatus
from toms.valuation import with_value


def get_contract_for(user, pk):
    try:
        return Contract.objects.for_user(user).select_related("commissioner", "supplier").get(pk=pk)
    except (Contract.DoesNotExist, ValueError, TypeError):
        raise Http404("No such contract.") from None


@dataclass
class MeasureProgress:
    measure: Measure
    committed: Decimal | None
    delivered: Decimal
    social_value: Decimal | None  # None: no proxy value for any year delivered
    unvalued_lines: int  # delivered lines whose year has no proxy value
    sources: list

    @property
    def percent(self):
        if not self.committed:
            return None
        return min(Decimal(100), (self.delivered / self.committed * 100)).quantize(Decimal("1"))


def contract_progress(contract):
    """Per measure: committed over the contract vs delivered in approved returns, and £ value."""
    committed = {
        row["measure"]: row["total"]
        for row in contract.commitments.values("measure").annotate(total=Sum("target_quantity"))
    }
    lines = with_value(
        ReturnLine.objects.filter(return_obj__contract=contract, return_obj__status=ReturnStatus.APPROVED)
    )
    delivered = {
        row["measure"]: row
        for row in lines.values("measure").annotate(
            delivered=Sum("quantity"),
            value=Sum("social_value"),
            unvalued=Count("pk", filter=Q(proxy_value__isnull=True)),
        )
    }
    sources = {}
    for row in lines.filter(proxy_source__isnull=False).values("measure", "proxy_source").distinct():
        sources.setdefault(row["measure"], []).append(row["proxy_source"])
    measures = Measure.objects.filter(pk__in=set(committed) | set(delivered)).with_structure()
    rows = []
    for measure in measures:
        d = delivered.get(measure.pk, {})
        rows.append(
            MeasureProgress(
                measure=measure,
                committed=committed.get(measure.pk),
                delivered=d.get("delivered") or Decimal(0),
                social_value=d.get("value"),
                unvalued_lines=d.get("unvalued", 0),
                sources=sorted(sources.get(measure.pk, [])),
            )
        )
    rows.sort(key=lambda r: (r.committed is None, r.measure.code))
    return rows
