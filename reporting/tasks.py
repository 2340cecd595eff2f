"""Celery tasks of the reporting app: building snapshots and PDF reports. Thin wrappers over
services; ids in, ids out."""

import datetime as dt

from celery import shared_task
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from commitments.due import deadline_of
from reporting.models import BuildStatus, Snapshot, SnapshotBuild
from reporting.services.snapshots import build_snapshot
from toms.periods import Quarter

# Approvals within this many seconds of the first one are coalesced into one build.
REFRESH_DELAY_SECONDS = 60


def _refresh_key(quarter):
    return f"reporting:snapshot-refresh:{quarter.year}:{quarter.number}"


@shared_task(acks_late=True)
def build_snapshot_task(year, quarter, build_id=None):
    """Build one quarter's snapshot; with ``build_id``, record its progress for the page."""
    period = Quarter(year, quarter)
    cache.delete(_refresh_key(period))  # approvals from now on need a build after this one
    if build_id:
        SnapshotBuild.objects.filter(pk=build_id).update(status=BuildStatus.RUNNING, started_at=timezone.now())
    try:
        snapshot = build_snapshot(period)
    except Exception as exc:
        if build_id:
            SnapshotBuild.objects.filter(pk=build_id).update(
                status=BuildStatus.FAILED, finished_at=timezone.now(),
                message=f"The build failed and the previous figures were kept: {exc}"[:500],
            )
        raise
    if build_id:
        SnapshotBuild.objects.filter(pk=build_id).update(
            status=BuildStatus.DONE, finished_at=timezone.now(),
            message=f"Built from {snapshot.returns_count} approved returns in {snapshot.build_seconds} s.",
        )
    return {"snapshot": snapshot.pk, "returns": snapshot.returns_count, "seconds": str(snapshot.build_seconds)}


def schedule_refresh(quarter):
    """Refresh a quarter's snapshot within a minute; many calls in that minute give one build."""
    if build_snapshot_task.app.conf.task_always_eager:  # the demo: no broker, build now
        build_snapshot_task.delay(quarter.year, quarter.number)
        return True
    if not cache.add(_refresh_key(quarter), "queued", timeout=REFRESH_DELAY_SECONDS * 2):
        return False  # a build is already queued and will include this approval
    build_snapshot_task.apply_async((quarter.year, quarter.number), countdown=REFRESH_DELAY_SECONDS)
    return True


def on_return_approved(sender, year, quarter, **kwargs):
    schedule_refresh(Quarter(year, quarter))


def request_rebuild(quarter, user):
    """An ICB admin's rebuild: recorded, then enqueued once the request is committed."""
    build = SnapshotBuild.objects.create(year=quarter.year, quarter=quarter.number, requested_by=user)
    transaction.on_commit(lambda: build_snapshot_task.delay(quarter.year, quarter.number, build.pk))
    return build


@shared_task
def build_snapshots_after_deadline(today=None):
    """Daily from beat: once a quarter's deadline has passed, build its snapshot if it has not
    been built since the deadline (late returns approved after it refresh it anyway)."""
    today = dt.date.fromisoformat(today) if today else timezone.localdate()
    quarter = Quarter.containing(today).previous()
    deadline = deadline_of(quarter)
    if today <= deadline:
        quarter = quarter.previous()
        deadline = deadline_of(quarter)
    after = timezone.make_aware(dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time()))
    if Snapshot.objects.for_quarter(quarter).filter(built_at__gte=after).exists():
        return None
    return build_snapshot_task(quarter.year, quarter.number)


@shared_task
def build_report_task(report_id):
    """Build a PDF report, record its progress, and e-mail it to the person who asked."""
    from reporting.services.reports import build_report

    report = build_report(report_id)
    return {"report": report.pk, "seconds": str(report.build_seconds)}
