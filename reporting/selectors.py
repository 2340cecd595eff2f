"""Reads of snapshots for the dashboards, reports, exports and API. A fixed number of queries
whatever the size of the data: everything comes from snapshot rows, already aggregated."""

from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from charter.models import Organisation, Place, Sector
from commitments.models import CaseStudy, ReturnStatus
from reporting.models import (
    ALL,
    Snapshot,
    SnapshotContract,
    SnapshotGroup,
    SnapshotMeasure,
    SnapshotMissing,
    SnapshotVcfse,
    scope_key,
)
from toms.models import Combination
from toms.periods import Quarter, financial_year_label
from toms.quantities import format_amount

PLACES = [(p.value, p.label) for p in Place]
SECTORS = [(s.value, s.label) for s in Sector]


@dataclass
class Filters:
    place: str = ""
    sector: str = ""
    commissioner: int | None = None
    year: int | None = None
    quarter: Quarter | None = None

    @property
    def scope(self):
        return scope_key(self.place, self.sector, self.commissioner)

    def scope_with(self, place=None, sector=None, commissioner=None):
        return scope_key(
            place if place is not None else self.place,
            sector if sector is not None else self.sector,
            commissioner if commissioner is not None else self.commissioner,
        )

    @property
    def is_filtered(self):
        return bool(self.place or self.sector or self.commissioner)


@dataclass
class MeasureRow:
    measure: object
    figure: object  # SnapshotMeasure

    @property
    def combination(self):
        return self.measure.combination

    @property
    def shown(self):
        f, m = self.figure, self.measure
        if m.combination == Combination.SHARE:
            return f"median {format_amount(m, f.median)} (range {format_amount(m, f.low)} to {format_amount(m, f.high)})"
        if m.combination == Combination.YES_NO:
            return f"{f.yes_count} of {f.reporters} said yes"
        text = format_amount(m, f.quantity)
        return text.replace(" FTE", " FTE-years") if m.is_fte else text


@dataclass
class Dashboard:
    snapshot: Snapshot | None
    filters: Filters
    group: SnapshotGroup | None = None
    previous: SnapshotGroup | None = None
    year_to_date: dict = field(default_factory=dict)
    trend: list = field(default_factory=list)
    measures: list = field(default_factory=list)
    themes: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)
    places: list = field(default_factory=list)
    sectors: list = field(default_factory=list)
    commissioners: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    missing_count: int = 0
    contracts: list = field(default_factory=list)
    case_studies: list = field(default_factory=list)
    vcfse: list = field(default_factory=list)
    adjustments: list = field(default_factory=list)

    @property
    def change(self):
        if not self.group or not self.previous or self.previous.value_gross in (None, 0):
            return None
        return round(100 * ((self.group.value_gross or 0) - self.previous.value_gross) / self.previous.value_gross)


def snapshots_built():
    return list(Snapshot.objects.built().order_by("year", "quarter"))


def choose_snapshot(filters, built=None, published_only=False):
    qs = Snapshot.objects.published() if published_only else Snapshot.objects.built()
    if filters.quarter:
        return qs.filter(year=filters.quarter.year, quarter=filters.quarter.number).first()
    if filters.year:
        qs = qs.filter(year=filters.year)
    return qs.order_by("-year", "-quarter").first()


def _breakdown(snapshot, scopes):
    groups = {g.scope: g for g in SnapshotGroup.objects.filter(snapshot=snapshot, scope__in=[s for s, _ in scopes])}
    return [(label, groups[s]) for s, label in scopes if s in groups]


def dashboard(filters, *, published_only=False, case_studies_public=False, full=True):
    snapshot = choose_snapshot(filters, published_only=published_only)
    board = Dashboard(snapshot=snapshot, filters=filters)
    if snapshot is None:
        return board
    quarter = snapshot.period
    scope = filters.scope
    groups = {
        (g.snapshot.year, g.snapshot.quarter): g
        for g in SnapshotGroup.objects.filter(scope=scope, snapshot__built_at__isnull=False)
        .select_related("snapshot").order_by("snapshot__year", "snapshot__quarter")
    }
    board.group = groups.get((quarter.year, quarter.number))
    previous = quarter.previous()
    board.previous = groups.get((previous.year, previous.number))
    board.trend = [
        {"quarter": str(Quarter(y, q)), "value": float(g.value_gross or 0), "chosen": (y, q) == (quarter.year, quarter.number),
         "group": g}
        for (y, q), g in groups.items()
        if (y, q) <= (quarter.year, quarter.number)
    ][-8:]
    ytd = [g for (y, q), g in groups.items() if y == quarter.year and q <= quarter.number]
    board.year_to_date = {
        "label": f"{financial_year_label(quarter.year)} to the end of Q{quarter.number}",
        "value_gross": sum((g.value_gross or Decimal(0) for g in ytd), Decimal(0)),
        "value_adjusted": sum((g.value_adjusted or Decimal(0) for g in ytd), Decimal(0)),
        "returns": sum(g.returns for g in ytd),
    }
    figures = (
        SnapshotMeasure.objects.filter(snapshot=snapshot, scope=scope)
        .select_related("measure__outcome__theme")
        .order_by("measure__outcome__theme__order", "measure__outcome__order", "measure__order")
    )
    board.measures = [MeasureRow(f.measure, f) for f in figures]
    themes, outcomes = OrderedDict(), OrderedDict()
    for row in board.measures:
        outcome = row.measure.outcome
        for bucket, key in ((themes, outcome.theme), (outcomes, outcome)):
            entry = bucket.setdefault(key.pk, {"name": key.name, "value_gross": Decimal(0), "value_adjusted": Decimal(0),
                                               "measures": 0})
            entry["measures"] += 1
            entry["value_gross"] += row.figure.value_gross or 0
            entry["value_adjusted"] += (
                row.figure.value_adjusted if row.figure.value_adjusted is not None else (row.figure.value_gross or 0)
            )
    board.themes, board.outcomes = list(themes.values()), list(outcomes.values())
    if not full:
        return board
    board.places = _breakdown(snapshot, [(filters.scope_with(place=p), label) for p, label in PLACES])
    board.sectors = _breakdown(snapshot, [(filters.scope_with(sector=s), label) for s, label in SECTORS])
    commissioner_scopes = SnapshotGroup.objects.filter(
        snapshot=snapshot, scope__startswith=f"{filters.place or ALL}|{filters.sector or ALL}|"
    ).exclude(scope__endswith=f"|{ALL}").exclude(scope__endswith="|0")
    rows = list(commissioner_scopes)
    names = Organisation.objects.in_bulk([int(g.scope.rsplit("|", 1)[1]) for g in rows])
    board.commissioners = sorted(
        ((names[int(g.scope.rsplit("|", 1)[1])], g) for g in rows if int(g.scope.rsplit("|", 1)[1]) in names),
        key=lambda pair: pair[0].name,
    )
    if filters.commissioner:
        board.commissioners = [(o, g) for o, g in board.commissioners if o.pk == filters.commissioner]
    missing = SnapshotMissing.objects.filter(snapshot=snapshot)
    if filters.place:
        missing = missing.filter(place=filters.place)
    if filters.sector:
        missing = missing.filter(sector=filters.sector)
    if filters.commissioner:
        missing = missing.filter(commissioner_id=filters.commissioner)
    board.missing_count = missing.count()
    board.missing = list(
        missing.select_related("contract", "supplier", "commissioner").order_by("commissioner__name", "supplier__name")[:50]
    )
    contracts = SnapshotContract.objects.filter(snapshot=snapshot, value_gross__isnull=False)
    if filters.place:
        contracts = contracts.filter(contract__supplier__place=filters.place)
    if filters.sector:
        contracts = contracts.filter(contract__supplier__sector=filters.sector)
    if filters.commissioner:
        contracts = contracts.filter(contract__commissioner_id=filters.commissioner)
    board.contracts = list(
        contracts.select_related("contract__supplier", "contract__commissioner").order_by("-value_gross")[:10]
    )
    stories = CaseStudy.objects.filter(
        return_obj__status=ReturnStatus.APPROVED, return_obj__year=quarter.year, return_obj__quarter=quarter.number
    )
    if case_studies_public:
        stories = stories.filter(consent_to_publish=True)
    if filters.place:
        stories = stories.filter(return_obj__organisation__place=filters.place)
    if filters.sector:
        stories = stories.filter(return_obj__organisation__sector=filters.sector)
    if filters.commissioner:
        stories = stories.filter(return_obj__contract__commissioner_id=filters.commissioner)
    board.case_studies = list(stories.select_related("return_obj__organisation").order_by("-created_at")[:6])
    vcfse_scope = scope_key(filters.place, filters.sector)
    board.vcfse = list(
        SnapshotVcfse.objects.filter(snapshot=snapshot, scope=vcfse_scope).select_related("measure").order_by("measure__code")
    )
    year_to_date = dict(
        SnapshotVcfse.objects.filter(
            scope=vcfse_scope, snapshot__year=quarter.year, snapshot__quarter__lte=quarter.number,
            snapshot__built_at__isnull=False,
        ).values_list("measure").annotate(total=Sum("delivered"))
    )
    for row in board.vcfse:
        row.year_to_date = year_to_date.get(row.measure_id, row.delivered)
        row.percent_of_target = round(100 * row.year_to_date / row.year_target) if row.year_target else None
    from toms.models import Adjustment

    board.adjustments = list(
        Adjustment.objects.filter(financial_year=quarter.year).select_related("measure").order_by("measure__code")
    )
    return board


def contract_totals(contracts):
    """£ to date per contract from every built snapshot (one query)."""
    rows = (
        SnapshotContract.objects.filter(contract__in=contracts)
        .values("contract")
        .annotate(gross=Sum("value_gross"), adjusted=Sum("value_adjusted"))
    )
    return {r["contract"]: r for r in rows}
