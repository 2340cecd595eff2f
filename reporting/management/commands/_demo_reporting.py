"""Demo data for reporting: illustrative deadweight and attribution, a snapshot of every quarter
with approved returns, and the latest one published for the public summary."""

from decimal import Decimal

from django.utils import timezone

from reporting.services.snapshots import build_snapshot, quarters_with_returns
from toms.models import Adjustment, ProxyValue

DEMO_SOURCE = "Illustrative ICB assumptions for the demo (not real figures)"


def seed_reporting(stdout):
    for proxy in ProxyValue.objects.filter(measure__code__in=["NT1", "NT14", "NT17"]).select_related("measure"):
        Adjustment.objects.update_or_create(
            measure=proxy.measure, financial_year=proxy.financial_year,
            defaults={"deadweight": Decimal("20"), "attribution": Decimal("10"), "source": DEMO_SOURCE},
        )
    snapshots = [build_snapshot(quarter) for quarter in quarters_with_returns()]
    if snapshots:
        latest = snapshots[-1]
        latest.published_at = latest.published_at or timezone.now()
        latest.save(update_fields=["published_at"])
    stdout.write(f"Reporting: {len(snapshots)} quarterly snapshot(s) built; the latest is published.")
