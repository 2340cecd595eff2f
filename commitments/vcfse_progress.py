"""Reads for the Partner VCFSE commitment: delivery from approved returns (never typed twice),
progress against targets with a projection to year end, and the ICB's system-wide figures.

What counts: each organisation's *approved* returns for NT14–NT17, organisation-wide and on its
contracts. A superseded return (replaced by an approved amendment) is not approved, so every
quarter is counted once. Amounts a line names as received by recipients outside Cheshire and
Merseyside are shown apart and not counted; the rest (named recipients in C&M and the part not
attributed to anyone) counts.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import BooleanField as BoolField
from django.db.models import Case, Count, F, Q, Sum, Value, When

from charter.models import Organisation, Place, Sector, SignatureStatus
from commitments.models import (
    Baseline,
    Confirmation,
    PartnerCommitment,
    Return,
    ReturnLine,
    ReturnLineRecipient,
    ReturnStatus,
    Target,
)
from toms.models import Measure, ProxyValue
from toms.periods import financial_year_label, financial_year_of

ZERO = Decimal(0)
PROJECTION_METHOD = (
    "Projected to the year end as the average of the quarters with an approved return so far, "
    "times four. A quarter with an approved return but no figure for a measure counts as nothing delivered."
)
COUNTING_RULE = (
    "Counted: approved returns only, organisation-wide and on contracts, each quarter once. Amounts named as "
    "received by VCFSE organisations outside Cheshire and Merseyside are shown apart and not counted."
)


@dataclass
class Delivery:
    """One organisation's delivery of one measure in one financial year."""

    total: Decimal = ZERO  # every approved line
    on_contracts: Decimal = ZERO
    outside: Decimal = ZERO  # named recipients outside C&M: shown apart
    confirmed: Decimal = ZERO  # named recipients in C&M, by their answer
    unconfirmed: Decimal = ZERO
    disputed: Decimal = ZERO
    quarters: dict = field(default_factory=dict)  # quarter number -> counted

    @property
    def counted(self):
        return self.total - self.outside

    @property
    def named(self):
        return self.confirmed + self.unconfirmed + self.disputed

    @property
    def unnamed(self):
        return self.total - self.outside - self.named

    @property
    def share_named(self):
        """Percentage of the total attributed to named recipients (in C&M or not)."""
        if not self.total:
            return None
        return _pct(self.named + self.outside, self.total)


def _pct(part, whole):
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def approved_vcfse_lines(organisations=None, years=None):
    lines = ReturnLine.objects.filter(return_obj__status=ReturnStatus.APPROVED, measure__is_partner_vcfse=True)
    if organisations is not None:
        lines = lines.filter(return_obj__organisation__in=organisations)
    if years is not None:
        lines = lines.filter(return_obj__year__in=list(years))
    return lines


def delivery_by_organisation(organisations=None, years=None):
    """{(organisation id, measure id, year): Delivery}, in a few grouped queries."""
    lines = approved_vcfse_lines(organisations, years)
    result = defaultdict(Delivery)
    for row in lines.values(
        "return_obj__organisation", "measure", "return_obj__year", "return_obj__quarter"
    ).annotate(
        total=Sum("quantity"), contracted=Sum("quantity", filter=Q(return_obj__contract__isnull=False))
    ):
        d = result[(row["return_obj__organisation"], row["measure"], row["return_obj__year"])]
        d.total += row["total"]
        d.on_contracts += row["contracted"] or ZERO
        d.quarters[row["return_obj__quarter"]] = d.quarters.get(row["return_obj__quarter"], ZERO) + row["total"]
    outside = Case(
        When(Q(organisation__place=Place.OUTSIDE) | Q(organisation__isnull=True, place=Place.OUTSIDE), then=Value(True)),
        default=Value(False),
        output_field=BoolField(),
    )
    recipients = ReturnLineRecipient.objects.filter(line__in=lines).annotate(is_outside=outside)
    for row in recipients.values(
        "line__return_obj__organisation", "line__measure", "line__return_obj__year", "line__return_obj__quarter",
        "status", "is_outside",
    ).annotate(received=Sum("amount")):
        d = result[(row["line__return_obj__organisation"], row["line__measure"], row["line__return_obj__year"])]
        if row["is_outside"]:
            d.outside += row["received"]
            q = row["line__return_obj__quarter"]
            d.quarters[q] = d.quarters.get(q, ZERO) - row["received"]
        else:
            setattr(d, row["status"], getattr(d, row["status"]) + row["received"])
    return dict(result)


def delivery(organisation, years=None):
    """{(measure id, year): Delivery} for one organisation."""
    return {(m, y): d for (_, m, y), d in delivery_by_organisation([organisation.pk], years).items()}


def quarters_reported(organisation_ids, years=None):
    """{(organisation id, year): set of quarter numbers with an approved return}."""
    returns = Return.objects.filter(organisation__in=organisation_ids, status=ReturnStatus.APPROVED)
    if years is not None:
        returns = returns.filter(year__in=list(years))
    found = defaultdict(set)
    for org, year, quarter in returns.values_list("organisation", "year", "quarter").distinct():
        found[(org, year)].add(quarter)
    return found


def projection(counted, quarters):
    """Year-end projection from the quarters reported so far, or None when the year is complete
    (all four reported) or nothing has been reported."""
    n = len(quarters)
    if n == 0 or n >= 4:
        return None
    return (counted / n * 4).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def proxy_values(measure_ids, years):
    return {
        (m, y): (v, s)
        for m, y, v, s in ProxyValue.objects.filter(measure__in=measure_ids, financial_year__in=list(years)).values_list(
            "measure", "financial_year", "value", "source"
        )
    }


@dataclass
class YearRow:
    year: int
    target: Decimal | None
    delivery: Delivery
    quarters_reported: list
    projected: Decimal | None
    social_value: Decimal | None
    proxy_source: str = ""
    is_baseline: bool = False

    @property
    def label(self):
        return financial_year_label(self.year)

    @property
    def percent(self):
        return _pct(self.delivery.counted, self.target)

    @property
    def quarter_cells(self):
        """Q1–Q4: the counted figure, 0 for a quarter reported without the measure, None if no
        approved return for the quarter."""
        return [
            self.delivery.quarters.get(q, ZERO) if q in self.quarters_reported else None for q in (1, 2, 3, 4)
        ]

    @property
    def quarterly_pace(self):
        return None if self.target is None else (self.target / 4).quantize(Decimal("0.01"))


@dataclass
class MeasureRows:
    measure: Measure
    baseline: Baseline
    years: list
    history: list = field(default_factory=list)  # earlier target values, newest first


def progress(commitment, today=None):
    """Per measure of the commitment: the baseline year and each later year up to the last target
    (or this year), with target, delivery, percentage, £ proxy value and projection."""
    today = today or dt.date.today()
    baselines = list(commitment.baselines.select_related("measure"))
    targets = {(t.measure_id, t.financial_year): t for t in commitment.targets.all()}
    last = max([y for _, y in targets] + [financial_year_of(today), commitment.baseline_year])
    years = list(range(commitment.baseline_year, last + 1))
    org = commitment.organisation_id
    deliveries = delivery_by_organisation([org], years)
    reported = quarters_reported([org], years)
    proxies = proxy_values([b.measure_id for b in baselines], years)
    result = []
    for baseline in baselines:
        rows = []
        for year in years:
            d = deliveries.get((org, baseline.measure_id, year), Delivery())
            quarters = sorted(reported.get((org, year), set()))
            target = targets.get((baseline.measure_id, year))
            proxy = proxies.get((baseline.measure_id, year))
            rows.append(
                YearRow(
                    year=year,
                    target=target.value if target else None,
                    delivery=d,
                    quarters_reported=quarters,
                    projected=projection(d.counted, quarters) if year == financial_year_of(today) else None,
                    social_value=(d.counted * proxy[0]).quantize(Decimal("0.01"), ROUND_HALF_UP) if proxy else None,
                    proxy_source=proxy[1] if proxy else "",
                    is_baseline=year == commitment.baseline_year,
                )
            )
        result.append(MeasureRows(measure=baseline.measure, baseline=baseline, years=rows))
    return result


def target_history(commitment):
    """Every version of every target, newest first: (measure code, year label, value, reason, who, when)."""
    rows = []
    for h in (
        Target.history.filter(commitment_id=commitment.pk)
        .select_related("history_user", "measure")
        .order_by("-history_date", "-history_id")
    ):
        rows.append(
            {
                "measure": h.measure,
                "year": financial_year_label(h.financial_year),
                "value": h.value,
                "reason": h.reason,
                "who": h.history_user,
                "when": h.history_date,
                "kind": {"+": "Set", "~": "Revised", "-": "Removed"}[h.history_type],
            }
        )
    return rows


# --- the ICB's system view ----------------------------------------------------------------


def system_view(year):
    """The system-wide Partner VCFSE figures for one financial year."""
    commitments = PartnerCommitment.objects.select_related("organisation")
    committed = list(commitments)
    committed_ids = [c.organisation_id for c in committed]
    by_sector = dict.fromkeys(Sector.values, 0)
    by_place = dict.fromkeys(Place.values, 0)
    for c in committed:
        by_sector[c.organisation.sector] += 1
        by_place[c.organisation.place] += 1
    signed_not_committed = list(
        Organisation.objects.filter(signatures__status=SignatureStatus.LIVE)
        .exclude(pk__in=committed_ids)
        .distinct()
        .order_by("name")
    )
    measures = list(Measure.objects.partner_vcfse().order_by("code"))
    baseline_sums = {
        row["measure"]: row
        for row in Baseline.objects.values("measure").annotate(total=Sum("value"), organisations=Count("pk"))
    }
    target_sums = {
        row["measure"]: row
        for row in Target.objects.filter(financial_year=year)
        .values("measure")
        .annotate(total=Sum("value"), organisations=Count("commitment"))
    }
    deliveries = delivery_by_organisation(committed_ids, [year])
    delivered = defaultdict(Delivery)
    for (_, measure_id, _), d in deliveries.items():
        agg = delivered[measure_id]
        for name in ("total", "on_contracts", "outside", "confirmed", "unconfirmed", "disputed"):
            setattr(agg, name, getattr(agg, name) + getattr(d, name))
    measure_rows = []
    for m in measures:
        d = delivered.get(m.pk, Delivery())
        target = target_sums.get(m.pk, {}).get("total")
        measure_rows.append(
            {
                "measure": m,
                "baseline": baseline_sums.get(m.pk, {}).get("total") or ZERO,
                "baselines": baseline_sums.get(m.pk, {}).get("organisations", 0),
                "target": target or ZERO,
                "targets": target_sums.get(m.pk, {}).get("organisations", 0),
                "delivery": d,
                "percent": _pct(d.counted, target),
            }
        )
    reported = Return.objects.filter(
        year=year, status__in=[ReturnStatus.SUBMITTED, ReturnStatus.APPROVED, ReturnStatus.SUPERSEDED]
    ).values("organisation")
    not_reported = [c.organisation for c in commitments.exclude(organisation__in=reported)]
    differing = list(
        Baseline.objects.filter(proposed__isnull=False)
        .exclude(value=F("proposed"))
        .select_related("commitment__organisation", "measure")
        .order_by("commitment__organisation__name", "measure__code")
    )
    return {
        "differing_baselines": differing,
        "year": year,
        "year_label": financial_year_label(year),
        "committed": committed,
        "by_sector": [(Sector(s).label, n) for s, n in by_sector.items()],
        "by_place": [(Place(p).label, n) for p, n in by_place.items()],
        "signed_not_committed": signed_not_committed,
        "measures": measure_rows,
        "top_recipients": top_recipients(year),
        "not_reported": not_reported,
    }


def top_recipients(year, per_place=5):
    """The VCFSE organisations receiving most in ``year`` by place: £ (NT14, NT16) and hours
    (NT15, NT17) apart, since they cannot be added together. [(place label, [rows])]."""
    recipients = ReturnLineRecipient.objects.filter(
        line__return_obj__status=ReturnStatus.APPROVED, line__return_obj__year=year
    )
    totals = {}
    for row in recipients.values(
        "organisation", "organisation__name", "organisation__place", "name", "place", "line__measure__unit"
    ).annotate(received=Sum("amount"), confirmed=Sum("amount", filter=Q(status=Confirmation.CONFIRMED))):
        key = row["organisation"] or f"name:{row['name']}"
        entry = totals.setdefault(
            key,
            {
                "name": row["organisation__name"] or row["name"],
                "registered": bool(row["organisation"]),
                "place": row["organisation__place"] or row["place"],
                "pounds": ZERO,
                "hours": ZERO,
                "confirmed_pounds": ZERO,
            },
        )
        if row["line__measure__unit"] == "£":
            entry["pounds"] += row["received"]
            entry["confirmed_pounds"] += row["confirmed"] or ZERO
        else:
            entry["hours"] += row["received"]
    by_place = defaultdict(list)
    for entry in totals.values():
        by_place[entry["place"]].append(entry)
    result = []
    for place in Place.values:
        rows = sorted(by_place.get(place, []), key=lambda e: (-e["pounds"], -e["hours"], e["name"]))[:per_place]
        if rows:
            result.append((Place(place).label, rows))
    return result
