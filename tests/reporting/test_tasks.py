"""Snapshots refresh after approvals (on commit, coalesced), after each deadline, and on request."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache

from commitments.services.returns import approve
from reporting import tasks
from reporting.models import BuildStatus, Snapshot, SnapshotBuild, SnapshotMeasure
from tests.factories import MembershipFactory, SubmittedReturnFactory
from tests.reporting.world import Q, build_world, lines


@pytest.fixture
def world(framework):
    cache.clear()
    return build_world()


def nt1(snapshot):
    return SnapshotMeasure.objects.get(snapshot=snapshot, scope="*|*|*", measure__code="NT1").quantity


def test_an_approval_refreshes_its_quarters_snapshot_on_commit(world, django_capture_on_commit_callbacks):
    reviewer = MembershipFactory(organisation=world.council, role="commissioner").user
    ret = lines(SubmittedReturnFactory(contract=world.ke), NT1=2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        approve(ret, reviewer)
    assert not Snapshot.objects.exists()  # nothing until the approval commits
    for callback in callbacks:
        callback()
    assert nt1(Snapshot.objects.get(year=2025, quarter=1)) == Decimal("2.75")


def test_many_approvals_in_a_minute_give_one_build(world):
    conf = tasks.build_snapshot_task.app.conf
    conf.task_always_eager = False  # as with a broker (the autouse fixture restores it)
    with mock.patch.object(tasks.build_snapshot_task, "apply_async") as send:
        for _ in range(5):
            tasks.on_return_approved(None, year=2025, quarter=1, return_id=1)
        tasks.on_return_approved(None, year=2025, quarter=2, return_id=2)
    assert send.call_count == 2
    assert send.call_args_list[0].kwargs["countdown"] == tasks.REFRESH_DELAY_SECONDS
    assert send.call_args_list[0].args[0] == (2025, 1)
    # Once the build starts, the next approval queues another.
    tasks.build_snapshot_task(2025, 1)
    with mock.patch.object(tasks.build_snapshot_task, "apply_async") as send:
        tasks.on_return_approved(None, year=2025, quarter=1, return_id=3)
    assert send.call_count == 1


def test_beat_builds_the_quarter_whose_deadline_has_passed_once(world):
    tasks.build_snapshots_after_deadline("2025-07-30")  # Q1 not yet due: builds 2024/25 Q4
    assert not Snapshot.objects.filter(year=2025, quarter=1).exists()
    result = tasks.build_snapshots_after_deadline("2025-07-31")  # Q1's deadline was 30 July
    assert result["returns"] == 3
    assert Snapshot.objects.get(year=2025, quarter=1).built_at is not None
    built = Snapshot.objects.get(year=2025, quarter=1).built_at
    with mock.patch.object(tasks.timezone, "now", return_value=built + dt.timedelta(days=1)):
        assert tasks.build_snapshots_after_deadline("2025-08-01") is None


def test_a_requested_rebuild_records_its_progress(world, icb_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        build = tasks.request_rebuild(Q, icb_admin)
    build.refresh_from_db()
    assert build.status == BuildStatus.DONE
    assert "3 approved returns" in build.message


def test_a_failed_rebuild_says_so_and_keeps_the_figures(world, icb_admin):
    tasks.build_snapshot_task(2025, 1)
    build = SnapshotBuild.objects.create(year=2025, quarter=1, requested_by=icb_admin)
    with mock.patch("reporting.tasks.build_snapshot", side_effect=RuntimeError("disk full")), pytest.raises(
        RuntimeError
    ):
        tasks.build_snapshot_task(2025, 1, build.pk)
    build.refresh_from_db()
    assert build.status == BuildStatus.FAILED and "disk full" in build.message
    assert nt1(Snapshot.objects.get(year=2025, quarter=1)) == Decimal("0.75")


def test_a_build_whose_worker_died_says_so_and_stops_polling(client, world, icb_admin):
    """A build left 'running' by a killed worker is not shown as in progress for ever."""
    from django.urls import reverse
    from django.utils import timezone

    fresh = SnapshotBuild.objects.create(year=2025, quarter=1, requested_by=icb_admin, status=BuildStatus.RUNNING)
    dead = SnapshotBuild.objects.create(year=2025, quarter=1, requested_by=icb_admin, status=BuildStatus.RUNNING)
    SnapshotBuild.objects.filter(pk=dead.pk).update(created_at=timezone.now() - SnapshotBuild.STALLED_AFTER * 2)
    client.force_login(icb_admin)
    body = client.get(reverse("reporting:build", args=[fresh.pk])).content.decode()
    assert "data-poll-url" in body and "Stopped without finishing" not in body
    body = client.get(reverse("reporting:build", args=[dead.pk])).content.decode()
    assert "Stopped without finishing" in body and "The previous figures were kept" in body
    assert "stopped without finishing" in body and "in progress" not in body
    assert "data-poll-url" not in body
    listing = client.get(reverse("reporting:snapshots")).content.decode()
    assert "Stopped without finishing" in listing
