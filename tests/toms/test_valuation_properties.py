"""Properties of social value in £ (toms/valuation.py, and the ICB's deadweight and attribution as
the snapshot applies them), checked with hypothesis against Decimal arithmetic (issue 13 item 3).

Each example writes to the database inside a savepoint that is rolled back, so examples do not see
each other's rows (pytest-django's fixtures run once per test, not once per example).
"""

from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from commitments.models import ReturnLine
from reporting.models import SnapshotGroup, SnapshotMeasure
from reporting.services.snapshots import build_snapshot
from tests.factories import ApprovedReturnFactory, DraftReturnFactory
from tests.reporting.world import Q
from toms.models import Adjustment, Measure, ProxyValue
from toms.valuation import with_value

PENNY = Decimal("0.01")
DB_EXAMPLES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SUMMED = ["NT1", "NT8", "NT14", "NT17", "NT3", "NT4"]

# Realistic sizes (an FTE-year is worth tens of thousands; hours and £ run to millions), kept
# within what a double holds exactly to the penny, since SQLite computes in floating point.
quantities = st.decimals(min_value=0, max_value=100_000, places=4)
proxies = st.decimals(min_value=0, max_value=10_000, places=2)
percentages = st.decimals(min_value=0, max_value=100, places=2)


def pennies(amount):
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def valued(ret):
    return {line.measure.code: line for line in with_value(ret.lines.select_related("measure"))}


@DB_EXAMPLES
@given(st.lists(st.tuples(quantities, proxies), min_size=1, max_size=len(SUMMED)), proxies)
@example([(Decimal("1.0005"), Decimal("10.00"))], Decimal(0))  # £10.005: half a penny rounds up
@example([(Decimal("0.125"), Decimal("0.10"))], Decimal(0))  # £0.0125
@example([(Decimal("2.5"), Decimal("0.01")), (Decimal("0.0001"), Decimal("9999.99"))], Decimal(0))
def test_a_lines_value_is_quantity_times_proxy_rounded_to_the_penny(framework, figures, other_year):
    with rolled_back():
        ret = DraftReturnFactory()  # 2025/26
        for code, (quantity, proxy) in zip(SUMMED, figures, strict=False):
            measure = Measure.objects.get(code=code)
            ProxyValue.objects.create(measure=measure, financial_year=2025, value=proxy, source=f"Test {code}")
            # Another year's value never applies.
            ProxyValue.objects.create(measure=measure, financial_year=2024, value=other_year, source="Last year")
            ReturnLine.objects.create(return_obj=ret, measure=measure, quantity=quantity)
        # A measure with no proxy value that year: no £ at all, never £0.
        unvalued = Measure.objects.get(code="NT2")
        ReturnLine.objects.create(return_obj=ret, measure=unvalued, quantity=Decimal("40"))

        lines = valued(ret)
        for code, (quantity, proxy) in zip(SUMMED, figures, strict=False):
            line = lines[code]
            assert line.proxy_value == proxy and line.proxy_source == f"Test {code}"
            assert line.social_value == pennies(quantity * proxy), (code, quantity, proxy)
            assert line.social_value >= 0
            assert line.social_value == line.social_value.quantize(PENNY)
        assert (lines["NT2"].proxy_value, lines["NT2"].social_value) == (None, None)


@DB_EXAMPLES
@given(quantities, quantities, proxies)
@example(Decimal("0.0005"), Decimal("0.0005"), Decimal("10.00"))  # two half pennies
def test_value_grows_with_quantity_and_adds_up_within_a_penny(framework, a, b, proxy):
    with rolled_back():
        ret = DraftReturnFactory()
        for code, quantity in (("NT1", a), ("NT8", b), ("NT14", a + b), ("NT17", Decimal(0))):
            measure = Measure.objects.get(code=code)
            ProxyValue.objects.create(measure=measure, financial_year=2025, value=proxy, source="Test")
            ReturnLine.objects.create(return_obj=ret, measure=measure, quantity=quantity)
        lines = valued(ret)
        va, vb, both = lines["NT1"].social_value, lines["NT8"].social_value, lines["NT14"].social_value
        assert lines["NT17"].social_value == 0
        # Monotonic: more never values less.
        if a <= b:
            assert va <= vb
        if b <= a:
            assert vb <= va
        # Linear in the quantity but for rounding: each line is within half a penny of exact.
        assert abs(both - (va + vb)) <= PENNY
        assert abs(both - (a + b) * proxy) <= Decimal("0.005")


@DB_EXAMPLES
@given(
    st.lists(quantities, min_size=1, max_size=4),
    proxies,
    percentages,
    percentages,
)
@example([Decimal("1")], Decimal("1000.00"), Decimal(0), Decimal(0))
@example([Decimal("0.25"), Decimal("0.5")], Decimal("1000.00"), Decimal(100), Decimal("12.5"))
@example([Decimal("0.3333")], Decimal("33333.33"), Decimal("33.33"), Decimal("66.67"))
def test_deadweight_and_attribution_never_raise_the_value(framework, figures, proxy, deadweight, attribution):
    """Adjusted £ = gross × (1 − deadweight) × (1 − attribution), line by line to the penny: never
    more than gross, never negative, gross itself at 0 % and 0 %, nothing at 100 %."""
    with rolled_back():
        nt1, nt8 = Measure.objects.get(code="NT1"), Measure.objects.get(code="NT8")
        for measure in (nt1, nt8):
            ProxyValue.objects.create(measure=measure, financial_year=Q.year, value=proxy, source="Test")
        Adjustment.objects.create(
            measure=nt1, financial_year=Q.year, deadweight=deadweight, attribution=attribution, source="Test"
        )
        for quantity in figures:
            ret = ApprovedReturnFactory(year=Q.year, quarter=Q.number)
            ReturnLine.objects.create(return_obj=ret, measure=nt1, quantity=quantity)
            ReturnLine.objects.create(return_obj=ret, measure=nt8, quantity=quantity)
        snapshot = build_snapshot(Q)

        factor = (100 - deadweight) * (100 - attribution) / 10000
        gross = sum(pennies(q * proxy) for q in figures)
        adjusted = sum(pennies(q * proxy * factor) for q in figures)
        row = SnapshotMeasure.objects.get(snapshot=snapshot, scope="*|*|*", measure=nt1)
        assert row.value_gross == gross
        assert row.value_adjusted == adjusted
        assert 0 <= row.value_adjusted <= row.value_gross
        if deadweight == attribution == 0:
            assert row.value_adjusted == row.value_gross
        if 100 in (deadweight, attribution):
            assert row.value_adjusted == 0
        # NT8 has no assumptions: no adjusted figure of its own, and its gross counts as it is.
        nt8_row = SnapshotMeasure.objects.get(snapshot=snapshot, scope="*|*|*", measure=nt8)
        assert (nt8_row.value_gross, nt8_row.value_adjusted) == (gross, None)
        system = SnapshotGroup.objects.get(snapshot=snapshot, scope="*|*|*")
        assert system.value_gross == 2 * gross
        assert system.value_adjusted == adjusted + gross
        assert system.value_adjusted <= system.value_gross
