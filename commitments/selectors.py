"""Reads of contracts: scoped fetches and progress against commitments."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.http import Http404

from commitments.models import Contract, ReturnLine, ReturnStatus
from toms.codes import natural_code_key
from toms.models import Measure, ValueKind
from toms.valuation import with_value


def get_contract_for(user, pk):
    try:
        return Contract.objects.for_user(user).select_related("commissioner", "supplier").get(pk=pk)
    except (Contract.DoesNotExist, ValueError, TypeError):
        raise Http404("No such contract.") from None


# Percentages and yes/no answers are levels, not amounts: adding quarters together means nothing.
LEVEL_KINDS = {ValueKind.PERCENTAGE, ValueKind.YES_NO}


@dataclass
class MeasureProgress:
    measure: Measure
    committed: Decimal | None
    delivered: Decimal  # the total to date; for a level, the latest approved quarter's figure
    social_value: Decimal | None  # None: no proxy value for any year delivered
    unvalued_lines: int  # delivered lines whose year has no proxy value
    sources: list

    @property
    def is_level(self):
        return self.measure.value_kind in LEVEL_KINDS

    @property
    def percent(self):
        if not self.committed:
            return None
        return min(Decimal(100), (self.delivered / self.committed * 100)).quantize(Decimal("1"))


def committed_totals(contract, measure_ids=None):
    """The target over the whole contract per measure: the whole-contract commitment where there
    is one, else the sum of the per-year commitments (never both added together)."""
    commitments = contract.commitments.all()
    if measure_ids is not None:
        commitments = commitments.filter(measure__in=measure_ids)
    whole, by_year = {}, {}
    for measure_id, year, target in commitments.values_list("measure", "financial_year", "target_quantity"):
        if year is None:
            whole[measure_id] = target
        else:
            by_year[measure_id] = by_year.get(measure_id, Decimal(0)) + target
    return {**by_year, **whole}


def contract_progress(contract):
    """Per measure: committed over the contract vs delivered in approved returns, and £ value."""
    committed = committed_totals(contract)
    approved = ReturnLine.objects.filter(return_obj__contract=contract, return_obj__status=ReturnStatus.APPROVED)
    lines = with_value(approved)
    delivered = {
        row["measure"]: row
        for row in lines.values("measure").annotate(
            delivered=Sum("quantity"),
            value=Sum("social_value"),
            unvalued=Count("pk", filter=Q(proxy_value__isnull=True)),
        )
    }
    latest = {}
    for measure_id, quantity in (
        approved.filter(measure__value_kind__in=LEVEL_KINDS)
        .order_by("measure", "-return_obj__year", "-return_obj__quarter")
        .values_list("measure", "quantity")
    ):
        latest.setdefault(measure_id, quantity)
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
                delivered=latest.get(measure.pk, d.get("delivered") or Decimal(0)),
                social_value=d.get("value"),
                unvalued_lines=d.get("unvalued", 0),
                sources=sorted(sources.get(measure.pk, [])),
            )
        )
    rows.sort(key=lambda r: (r.committed is None, natural_code_key(r.measure.code)))
    return rows
