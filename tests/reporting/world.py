"""A small data set whose figures are worked out by hand in tests/reporting/test_snapshot.py."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from charter.models import Place, Sector
from commitments.models import ReturnLine
from tests.factories import (
    ApprovedReturnFactory,
    ContractFactory,
    DraftReturnFactory,
    OrganisationFactory,
    SubmittedReturnFactory,
)
from toms.models import Adjustment, Measure, ProxyValue
from toms.periods import Quarter

Q = Quarter(2025, 1)  # April to June 2025; returns due 30 July 2025


def at(day):
    return timezone.make_aware(dt.datetime(2025, day.month, day.day, 12))


def lines(ret, **figures):
    for code, quantity in figures.items():
        ReturnLine.objects.create(return_obj=ret, measure=Measure.objects.get(code=code), quantity=Decimal(str(quantity)))
    return ret


class World:
    pass


def build_world():
    w = World()
    m = {code: Measure.objects.get(code=code) for code in ["NT1", "NT8", "NT2", "NT83"]}
    ProxyValue.objects.create(measure=m["NT1"], financial_year=2025, value=Decimal("1000.00"), source="Test FTE-year")
    ProxyValue.objects.create(measure=m["NT8"], financial_year=2025, value=Decimal("10.00"), source="Test hour")
    Adjustment.objects.create(
        measure=m["NT1"], financial_year=2025, deadweight=20, attribution=10, source="ICB assumptions 2025"
    )
    w.council = OrganisationFactory(public=True, name="Liverpool Example Council", place=Place.LIVERPOOL)
    w.council2 = OrganisationFactory(public=True, name="Wirral Example Council", place=Place.WIRRAL)
    w.a = OrganisationFactory(name="Alpha Facilities Ltd", place=Place.LIVERPOOL, sector=Sector.PRIVATE)
    w.b = OrganisationFactory(name="Beta Catering Ltd", place=Place.WIRRAL, sector=Sector.PRIVATE)
    w.v = OrganisationFactory(vcfse=True, name="Wirral Helping Hands")
    w.d = OrganisationFactory(public=True, name="Halton Example Trust", place=Place.HALTON)
    w.e = OrganisationFactory(name="Echo Cleaning Ltd", place=Place.LIVERPOOL)
    w.ka = ContractFactory(commissioner=w.council, supplier=w.a, value=1_000_000, reference="LCC-A")
    w.kb = ContractFactory(commissioner=w.council, supplier=w.b, value=500_000, reference="LCC-B")
    w.kv = ContractFactory(commissioner=w.council2, supplier=w.v, value=100_000, reference="WBC-V")
    w.ke = ContractFactory(commissioner=w.council, supplier=w.e, value=0, reference="LCC-E")

    # Alpha: approved on time, then corrected by an approved amendment (counts once, amended).
    original = lines(
        ApprovedReturnFactory(contract=w.ka, status="superseded", submitted_at=at(dt.date(2025, 7, 10))),
        NT1=0.25, NT8=100,
    )
    w.a_amended = lines(
        ApprovedReturnFactory(contract=w.ka, amendment_of=original, submitted_at=at(dt.date(2025, 8, 20))),
        NT1=0.5, NT8=120, NT2=40, NT83=1,
    )
    # Alpha's organisation-wide return was sent back: it does not count.
    lines(DraftReturnFactory(contract=None, organisation=w.a, status="changes_requested"), NT1=3)
    # Beta: approved, but sent late. Half a person for a quarter is 0.125 FTE-years... twice.
    lines(ApprovedReturnFactory(contract=w.kb, submitted_at=at(dt.date(2025, 8, 15))), NT1=0.25, NT2=60, NT83=0)
    # The charity: submitted on time, not yet approved: received, not counted.
    lines(SubmittedReturnFactory(contract=w.kv, submitted_at=at(dt.date(2025, 7, 20))), NT1=5)
    # Halton trust: organisation-wide, approved.
    lines(ApprovedReturnFactory(contract=None, organisation=w.d, submitted_at=at(dt.date(2025, 7, 1))),
          NT2=70, NT83=1, NT8=10)
    # Another quarter's approved return stays out of this quarter.
    lines(ApprovedReturnFactory(contract=w.kb, quarter=2, submitted_at=at(dt.date(2025, 10, 1))), NT1=9)
    w.m = m
    return w
