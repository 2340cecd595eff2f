"""The snapshot build through a real Celery worker on Redis, reading the test database (see
tests/test_celery_worker.py for how the worker is started; skipped without a broker)."""

from decimal import Decimal

import pytest

from reporting.models import BuildStatus, Snapshot, SnapshotBuild, SnapshotMeasure
from reporting.tasks import build_snapshot_task
from tests.reporting.world import build_world
from tests.test_celery_worker import TASK_TIMEOUT, celery_worker_process, worker  # noqa: F401 (fixtures)

pytestmark = pytest.mark.celery_worker


def test_a_worker_builds_the_snapshot(worker):  # noqa: F811
    from toms.services import load_framework

    load_framework()
    build_world()
    build = SnapshotBuild.objects.create(year=2025, quarter=1)
    result = build_snapshot_task.apply_async((2025, 1, build.pk), queue=worker.queue)
    outcome = result.get(timeout=TASK_TIMEOUT)
    assert outcome["returns"] == 3, worker.log()
    snapshot = Snapshot.objects.get(year=2025, quarter=1)
    nt1 = SnapshotMeasure.objects.get(snapshot=snapshot, scope="*|*|*", measure__code="NT1")
    assert nt1.quantity == Decimal("0.75") and nt1.value_adjusted == Decimal("540.00")
    build.refresh_from_db()
    assert build.status == BuildStatus.DONE
