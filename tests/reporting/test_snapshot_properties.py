"""Properties of the snapshot's combination rules (reporting/services/snapshots.py), checked with
hypothesis on small random sets of returns taken through the real workflow (start, save, submit,
approve, amend) (issue 13 item 3):

- a share (a percentage) is never summed: its median, low and high are those of one figure per
  organisation (the mean of its figures, if it reported in more than one return), however many
  organisations report, and the median lies between low and high;
- yes/no: how many organisations said yes, of how many reported;
- summed measures: the total of the current approved versions (an approved amendment replaces
  what it corrects; a submitted amendment does not count yet), with £ to the penny line by line;
- none of it depends on the order in which returns were approved: the same returns approved in
  two random orders give exactly the same snapshot, figure for figure, in every scope.

Each example runs in a savepoint that is rolled back (pytest-django's fixtures run once per
test, not once per example); the two orders each run in a savepoint of their own.
"""

from collections import defaultdict
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charter.models import Place, Role, Sector
from commitments.services import returns as rs
from reporting.api import SnapshotMeasureSerializer
from reporting.models import (
    Snapshot,
    SnapshotContract,
    SnapshotGroup,
    SnapshotMeasure,
    SnapshotMissing,
    SnapshotVcfse,
    scope_key,
)
from reporting.services.snapshots import build_snapshot
from tests.factories import ContractFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.reporting.world import Q
from toms.models import Adjustment, Measure, ProxyValue

PROXY = {"NT1": Decimal("1000.00"), "NT8": Decimal("12.50")}
ADJUSTED = {"NT1": Decimal("0.72")}  # deadweight 20 %, attribution 10 %
SUMMED, SHARE, YES_NO = ("NT1", "NT8"), "NT2", "NT83"
PENNY = Decimal("0.01")

DB_EXAMPLES = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

# What one version of a return says: some of the four measures, as typed.
version = st.fixed_dictionaries(
    {},
    optional={
        "NT1": st.decimals(min_value=0, max_value=5, places=2),  # FTE-years
        "NT8": st.integers(min_value=0, max_value=500).map(Decimal),  # hours
        "NT2": st.decimals(min_value=0, max_value=100, places=1),  # a percentage
        "NT83": st.sampled_from([Decimal(0), Decimal(1)]),  # no / yes
    },
).filter(bool)
# A return's history: its versions (the original, then amendments), and whether the last one is
# left waiting for review (submitted, not approved).
history = st.tuples(st.lists(version, min_size=1, max_size=3), st.booleans())
organisation = st.fixed_dictionaries(
    {
        "place": st.sampled_from([Place.LIVERPOOL, Place.WIRRAL]),
        "sector": st.sampled_from([Sector.PRIVATE, Sector.VCFSE]),
        "commissioner": st.integers(min_value=0, max_value=1),
        "contract_return": st.none() | history,
        "own_return": st.none() | history,  # organisation-wide, reviewed by the ICB
    }
)
worlds = st.lists(organisation, min_size=1, max_size=3).filter(
    lambda orgs: any(o["contract_return"] or o["own_return"] for o in orgs)
)


def pennies(amount):
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


class World:
    """The organisations, contracts and people of one example, and its returns' histories."""

    def __init__(self, orgs):
        for code, value in PROXY.items():
            measure = Measure.objects.get(code=code)
            ProxyValue.objects.create(measure=measure, financial_year=Q.year, value=value, source="Test")
        Adjustment.objects.create(
            measure=Measure.objects.get(code="NT1"),
            financial_year=Q.year,
            deadweight=20,
            attribution=10,
            source="Test",
        )
        self.councils = [OrganisationFactory(public=True) for _ in range(2)]
        self.reviewers = [MembershipFactory(organisation=c, role=Role.COMMISSIONER).user for c in self.councils]
        self.icb_admin = UserFactory(system_role="icb_admin", is_staff=True)
        self.slots = []  # (organisation, contract or None, reporter, reviewer, versions, last_waits, commissioner)
        self.contracts = []
        for spec in orgs:
            org = OrganisationFactory(place=spec["place"], sector=spec["sector"])
            council = self.councils[spec["commissioner"]]
            contract = ContractFactory(commissioner=council, supplier=org)  # owes a return, sent or not
            self.contracts.append(contract)
            reporter = MembershipFactory(organisation=org, role=Role.REPORTER).user
            if spec["contract_return"]:
                versions, waits = spec["contract_return"]
                reviewer = self.reviewers[spec["commissioner"]]
                self.slots.append((org, contract, reporter, reviewer, versions, waits, council.pk))
            if spec["own_return"]:
                versions, waits = spec["own_return"]
                self.slots.append((org, None, reporter, self.icb_admin, versions, waits, 0))

    def events(self):
        """One event per version: slot i's k-th event is its k-th version."""
        return [i for i, slot in enumerate(self.slots) for _ in slot[4]]

    def play(self, order):
        """Take every version through the workflow, slots interleaved in ``order``."""
        done = defaultdict(int)
        approved = {}
        for i in order:
            org, contract, reporter, reviewer, versions, waits, _ = self.slots[i]
            k = done[i]
            done[i] += 1
            # The original is started; each later version amends the one approved before it.
            ret = rs.start_return(reporter, org, Q, contract) if k == 0 else rs.amend(approved[i], reporter)
            lines = [rs.LineInput(measure=code, quantity=str(q)) for code, q in versions[k].items()]
            rs.save_draft(ret, reporter, lines, revision=ret.revision)
            ret.refresh_from_db()
            rs.submit(ret, reporter, attested=True, revision=ret.revision)
            if k == len(versions) - 1 and waits:
                continue
            approved[i] = rs.approve(ret, reviewer)
        return build_snapshot(Q)

    # --- what the snapshot should say, worked out from the histories --------------------------

    def counted(self):
        """(organisation, scope parts, figures) of each slot's current approved version."""
        for org, contract, _, _, versions, waits, comm in self.slots:
            current = versions[:-1] if waits else versions
            if current:
                yield org, contract, (org.place, org.sector, str(comm)), current[-1]

    def expected_measures(self):
        per_scope = defaultdict(lambda: defaultdict(list))  # (scope, code) -> org -> quantities
        for org, _, parts, figures in self.counted():
            for mask in range(8):
                scope = "|".join(part if mask & (1 << n) else "*" for n, part in enumerate(parts))
                for code, quantity in figures.items():
                    per_scope[(scope, code)][org.pk].append(quantity)
        return per_scope


def everything(snapshot):
    """Every figure of a snapshot, ids of the snapshot itself and build timings aside."""
    rows = {
        "snapshot": {
            name: getattr(snapshot, name)
            for name in (
                "year",
                "quarter",
                "returns_count",
                "organisations_count",
                "contracts_count",
                "lines_count",
                "signatures_to_date",
                "deadline",
            )
        }
    }
    for model in (SnapshotMeasure, SnapshotGroup, SnapshotContract, SnapshotMissing, SnapshotVcfse):
        found = [
            tuple(sorted((k, v) for k, v in row.items() if k not in ("id", "snapshot_id")))
            for row in model.objects.filter(snapshot=snapshot).values()
        ]
        rows[model.__name__] = sorted(found, key=repr)
    return rows


def check_figures(world, snapshot):
    expected = world.expected_measures()
    rows = {
        (row.scope, row.measure.code): row
        for row in SnapshotMeasure.objects.filter(snapshot=snapshot).select_related("measure")
    }
    assert set(rows) == set(expected)
    for (scope, code), by_org in expected.items():
        row = rows[(scope, code)]
        every = [q for quantities in by_org.values() for q in quantities]
        assert (row.lines, row.reporters) == (len(every), len(by_org)), (scope, code)
        if code in SUMMED:
            assert row.quantity == sum(every), (scope, code)
            assert row.value_gross == sum(pennies(q * PROXY[code]) for q in every), (scope, code)
            if code in ADJUSTED:
                assert row.value_adjusted == sum(pennies(q * PROXY[code] * ADJUSTED[code]) for q in every)
            else:
                assert row.value_adjusted is None
        elif code == SHARE:
            # One figure per organisation; never a sum, however many report.
            each = [sum(quantities) / len(quantities) for quantities in by_org.values()]
            assert (row.median, row.low, row.high) == (median(each), min(each), max(each)), (scope, code)
            assert row.low <= row.median <= row.high
            assert row.quantity is None
            assert (row.value_gross, row.value_adjusted) == (None, None)
        elif code == YES_NO:
            said_yes = sum(1 for quantities in by_org.values() if max(quantities) >= 1)
            assert (row.yes_count, row.reporters) == (said_yes, len(by_org)), (scope, code)
            assert row.yes_count <= row.reporters

    counted = list(world.counted())
    system = SnapshotGroup.objects.get(snapshot=snapshot, scope=scope_key())
    assert system.returns == snapshot.returns_count == len(counted)
    assert system.organisations == snapshot.organisations_count == len({org.pk for org, *_ in counted})
    assert system.contracts == snapshot.contracts_count == len({c.pk for _, c, *_ in counted if c})
    assert snapshot.lines_count == sum(len(figures) for *_, figures in counted)
    valued = [pennies(q * PROXY[code]) for *_, figures in counted for code, q in figures.items() if code in PROXY]
    assert system.value_gross == (sum(valued) if valued else None)
    # Every contract owes a return; those with any version submitted have sent one.
    sent = {slot[1].pk for slot in world.slots if slot[1]}
    assert (system.expected, system.received) == (len(world.contracts), len(sent))
    assert set(SnapshotMissing.objects.filter(snapshot=snapshot).values_list("contract_id", flat=True)) == {
        c.pk for c in world.contracts if c.pk not in sent
    }


@DB_EXAMPLES
@given(worlds, st.data())
def test_figures_follow_the_combination_rules_whatever_order_returns_were_approved_in(framework, orgs, data):
    with rolled_back():
        world = World(orgs)
        events = world.events()
        first_order = data.draw(st.permutations(events), label="first order")
        second_order = data.draw(st.permutations(events), label="second order")
        with rolled_back():
            snapshot = world.play(first_order)
            check_figures(world, snapshot)
            first = everything(snapshot)
        with rolled_back():
            second = everything(world.play(second_order))
        assert second == first


def test_the_api_never_publishes_a_summed_share(framework):
    world = World(
        [
            {
                "place": Place.LIVERPOOL,
                "sector": Sector.PRIVATE,
                "commissioner": 0,
                "contract_return": ([{"NT2": Decimal("60")}], False),
                "own_return": None,
            },
            {
                "place": Place.WIRRAL,
                "sector": Sector.PRIVATE,
                "commissioner": 1,
                "contract_return": ([{"NT2": Decimal("70")}], False),
                "own_return": None,
            },
        ]
    )
    snapshot = world.play(world.events())
    row = SnapshotMeasure.objects.select_related("measure").get(
        snapshot=snapshot, scope=scope_key(), measure__code=SHARE
    )
    published = SnapshotMeasureSerializer(row).data
    assert published["median"] == "65.0000"
    assert published["quantity"] is None  # not 130: two percentages never add up to anything
    assert Snapshot.objects.count() == 1
