"""Snapshot figures against a small data set worked out by hand (tests/reporting/world.py)."""

from decimal import Decimal

import pytest

from reporting.models import Snapshot, SnapshotGroup, SnapshotMeasure, SnapshotMissing, scope_key
from reporting.services.snapshots import build_snapshot
from tests.factories import ApprovedReturnFactory
from tests.reporting.world import Q, build_world, lines


@pytest.fixture
def world(framework):
    return build_world()


def figure(snapshot, code, scope="*|*|*"):
    return SnapshotMeasure.objects.get(snapshot=snapshot, scope=scope, measure__code=code)


def test_summed_measures_add_approved_current_lines_only(world):
    snap = build_snapshot(Q)
    nt1 = figure(snap, "NT1")
    # Alpha's amendment 0.5 (not its superseded 0.25), Beta 0.25; not the submitted 5, nor the
    # changes-requested 3, nor next quarter's 9. FTE-years: quarters add up.
    assert nt1.quantity == Decimal("0.75")
    assert nt1.value_gross == Decimal("750.00")
    # Deadweight 20% and attribution 10%: 750 × 0.8 × 0.9.
    assert nt1.value_adjusted == Decimal("540.00")
    nt8 = figure(snap, "NT8")
    assert nt8.quantity == Decimal("130") and nt8.value_gross == Decimal("1300.00")
    assert nt8.value_adjusted is None  # no assumptions set for NT8


def test_shares_give_median_and_range_and_yes_no_counts(world):
    snap = build_snapshot(Q)
    nt2 = figure(snap, "NT2")
    assert (nt2.reporters, nt2.median, nt2.low, nt2.high) == (3, Decimal("60"), Decimal("40"), Decimal("70"))
    nt83 = figure(snap, "NT83")
    assert (nt83.yes_count, nt83.reporters) == (2, 3)
    # One commissioner's suppliers: Alpha 40% and Beta 60%, an even count: the median is 50.
    council = scope_key(commissioner=world.council.pk)
    assert figure(snap, "NT2", council).median == Decimal("50")
    assert figure(snap, "NT83", council).yes_count == 1
    # One place: Liverpool is Alpha alone.
    assert figure(snap, "NT1", scope_key(place="liverpool")).quantity == Decimal("0.5")
    assert figure(snap, "NT2", scope_key(place="liverpool", sector="private")).median == Decimal("40")


def test_totals_reporting_rate_and_missing_returns(world):
    snap = build_snapshot(Q)
    assert (snap.returns_count, snap.organisations_count, snap.contracts_count) == (3, 3, 2)
    system = SnapshotGroup.objects.get(snapshot=snap, scope="*|*|*")
    assert system.value_gross == Decimal("2050.00")
    assert system.value_adjusted == Decimal("1840.00")  # adjusted where set, gross elsewhere
    assert system.contract_value_gross == Decimal("1950.00")
    # Four contracts live; Alpha, Beta and the charity sent theirs; Alpha (first sent 10 July)
    # and the charity on time, Beta late.
    assert (system.expected, system.received, system.on_time) == (4, 3, 2)
    assert system.reporting_rate == 75
    assert system.live_contract_value == Decimal("1600000.00")
    assert system.value_per_pound == Decimal("1950") / Decimal("1600000")
    council = SnapshotGroup.objects.get(snapshot=snap, scope=scope_key(commissioner=world.council.pk))
    assert (council.expected, council.received, council.on_time) == (3, 2, 1)
    assert list(SnapshotMissing.objects.filter(snapshot=snap).values_list("contract__reference", flat=True)) == [
        "LCC-E"
    ]


def test_building_twice_gives_the_same_snapshot(world):
    def rows(snap):
        return sorted(
            SnapshotMeasure.objects.filter(snapshot=snap).values_list(
                "scope", "measure__code", "quantity", "median", "yes_count", "reporters", "value_gross", "value_adjusted"
            )
        )

    first = build_snapshot(Q)
    before = rows(first)
    second = build_snapshot(Q)
    assert second.pk == first.pk and Snapshot.objects.count() == 1
    assert rows(second) == before
    assert SnapshotGroup.objects.filter(snapshot=second).count() == len(
        set(SnapshotGroup.objects.filter(snapshot=second).values_list("scope", flat=True))
    )


def test_a_build_that_fails_half_way_leaves_the_previous_snapshot(world):
    snap = build_snapshot(Q)
    built_at = snap.built_at
    lines(ApprovedReturnFactory(contract=world.ke, submitted_at=snap.built_at), NT1=10)

    def crash(snapshot):
        assert SnapshotMeasure.objects.filter(snapshot=snapshot).exists()  # figures half written
        raise RuntimeError("worker died")

    with pytest.raises(RuntimeError):
        build_snapshot(Q, after_figures=crash)
    snap.refresh_from_db()
    assert snap.built_at == built_at
    assert figure(snap, "NT1").quantity == Decimal("0.75")
    assert SnapshotMissing.objects.filter(snapshot=snap).count() == 1
    # The next good build takes the new return.
    assert figure(build_snapshot(Q), "NT1").quantity == Decimal("10.75")


def test_partner_vcfse_delivery_against_targets_confirmed_and_not(world):
    from commitments.models import PartnerCommitment, Return, ReturnLineRecipient, Target
    from toms.models import Measure

    nt14 = Measure.objects.get(code="NT14")
    commitment = PartnerCommitment.objects.create(organisation=world.b, baseline_year=2024)
    Target.objects.create(commitment=commitment, measure=nt14, financial_year=2025, value=Decimal("10000"))
    beta = Return.objects.get(contract=world.kb, year=2025, quarter=1, status="approved")
    line = lines(beta, NT14=4000).lines.get(measure=nt14)
    ReturnLineRecipient.objects.create(line=line, organisation=world.v, amount=2500, status="confirmed")
    ReturnLineRecipient.objects.create(line=line, name="Halton Food Bank", amount=1000, status="disputed")
    ReturnLineRecipient.objects.create(line=line, name="Knowsley Youth", amount=300)
    # Alpha has no commitment: its NT14 is not Partner VCFSE delivery.
    lines(world.a_amended, NT14=999)
    from reporting.models import SnapshotVcfse

    snap = build_snapshot(Q)
    row = SnapshotVcfse.objects.get(snapshot=snap, scope="*|*|*", measure=nt14)
    assert (row.organisations, row.delivered, row.confirmed, row.disputed, row.unconfirmed, row.year_target) == (
        1, Decimal("4000"), Decimal("2500"), Decimal("1000"), Decimal("500"), Decimal("10000")
    )
    assert SnapshotVcfse.objects.get(snapshot=snap, scope="wirral|*|*", measure=nt14).delivered == Decimal("4000")
    assert not SnapshotVcfse.objects.filter(snapshot=snap, scope="liverpool|*|*").exists()
