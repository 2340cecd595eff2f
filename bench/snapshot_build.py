"""Benchmark the quarterly snapshot, the ICB dashboard and the PDF reports on the data set made
by bench/reporting_data.py (PostgreSQL). Prints:

- the snapshot build (every scope, in one transaction) beside one hand-written SQL query computing
  the same per-measure totals with GROUPING SETS, and their ratio; peak Python memory of the build;
- the dashboard: median and 95th percentile server time over N requests and its query count;
- the system-wide and place PDF build times.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sv_bench .venv/bin/python bench/snapshot_build.py
"""

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import configure_environment

HAND_WRITTEN = """
WITH lines AS (
    SELECT l.measure_id, r.organisation_id AS org, o.place, o.sector, COALESCE(c.commissioner_id, 0) AS comm,
           m.combination, l.quantity AS q, ROUND(l.quantity * pv.value, 2) AS gross,
           ROUND(l.quantity * pv.value * (100 - a.deadweight) * (100 - a.attribution) / 10000, 2) AS adjusted
    FROM commitments_returnline l
    JOIN commitments_return r ON r.id = l.return_id
    JOIN charter_organisation o ON o.id = r.organisation_id
    JOIN toms_measure m ON m.id = l.measure_id
    LEFT JOIN commitments_contract c ON c.id = r.contract_id
    LEFT JOIN toms_proxyvalue pv ON pv.measure_id = l.measure_id AND pv.financial_year = r.year
    LEFT JOIN toms_adjustment a ON a.measure_id = l.measure_id AND a.financial_year = r.year
    WHERE r.status = 'approved' AND r.year = %s AND r.quarter = %s
)
SELECT place, sector, comm, measure_id, COUNT(*), SUM(q), SUM(gross), SUM(adjusted), COUNT(DISTINCT org),
       SUM(CASE WHEN combination = 'yes_no' AND q >= 1 THEN 1 ELSE 0 END),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY q) FILTER (WHERE combination = 'share')
FROM lines
GROUP BY GROUPING SETS ((measure_id), (place, measure_id), (sector, measure_id), (comm, measure_id),
    (place, sector, measure_id), (place, comm, measure_id), (sector, comm, measure_id),
    (place, sector, comm, measure_id))
"""


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def backend_cpu_seconds(connection):
    """CPU time used so far by this connection's PostgreSQL server process (user + system), read
    from /proc when the server runs on this machine, else None. Unlike the wall-clock time, it
    hardly moves when other work shares the CPUs."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_timed(connection, fn):
    before = backend_cpu_seconds(connection)
    seconds, result = timed(fn)
    after = backend_cpu_seconds(connection)
    return seconds, (after - before if before is not None else None), result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quarter", default="2025/26 Q4")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--parts", default="snapshot,dashboard,pdf", help="which figures to print")
    args = parser.parse_args()
    configure_environment()
    import django

    django.setup()
    from django.db import connection

    from bench._common import database_description
    from toms.periods import Quarter

    quarter = Quarter.parse(args.quarter)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM commitments_returnline")
        all_lines = cursor.fetchone()[0]
    print(f"Database: {database_description(connection)}; {all_lines:,} return lines in all")
    parts = args.parts.split(",")
    if "snapshot" in parts:
        snapshot(quarter)
    if "dashboard" in parts:
        dashboard(quarter, args.requests)
    if "pdf" in parts:
        pdfs(quarter)


def snapshot(quarter, runs=3):
    from django.db import connection

    from reporting.models import SnapshotGroup, SnapshotMeasure
    from reporting.services.snapshots import build_snapshot

    def hand():
        with connection.cursor() as cursor:
            cursor.execute(HAND_WRITTEN, [quarter.year, quarter.number])
            return len(cursor.fetchall())

    build_snapshot(quarter)  # warm the caches, as the hand-written query gets below
    hand()
    # Alternate the two, best of N each: on a shared machine the fastest run is the least disturbed.
    builds, hands = [], []
    for _ in range(runs):
        tracemalloc.start()
        seconds, snap = timed(lambda: build_snapshot(quarter))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        builds.append(seconds)
        hand_seconds, rows = timed(hand)
        hands.append(hand_seconds)
    seconds, hand_seconds = min(builds), min(hands)
    print(f"\nSnapshot of {quarter}: {snap.lines_count:,} approved lines, {snap.returns_count:,} returns "
          f"(best of {runs}, alternating)")
    print(f"  build_snapshot (every scope, one transaction)   {seconds:7.2f} s   "
          f"{SnapshotMeasure.objects.filter(snapshot=snap).count():,} measure rows, "
          f"{SnapshotGroup.objects.filter(snapshot=snap).count():,} scope rows   "
          f"(runs: {', '.join(f'{b:.2f}' for b in builds)})")
    print(f"  one hand-written GROUPING SETS query            {hand_seconds:7.2f} s   {rows:,} rows   "
          f"(runs: {', '.join(f'{h:.2f}' for h in hands)})")
    print(f"  ratio                                           {seconds / hand_seconds:7.2f} x")
    # The same pair measured in CPU time of the database server process, which other work on the
    # machine hardly moves; parallel query workers are switched off for this pass, as their CPU
    # time would not be counted.
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0")
    try:
        build_cpu = min(cpu_timed(connection, lambda: build_snapshot(quarter))[1] for _ in range(2))
        hand_cpu = min(cpu_timed(connection, hand)[1] for _ in range(2))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET max_parallel_workers_per_gather")
    if build_cpu is not None:
        print(f"  database CPU time (no parallel workers): build {build_cpu:.2f} s, hand-written {hand_cpu:.2f} s, "
              f"ratio {build_cpu / hand_cpu:.2f} x")
    print(f"  peak Python memory during the build             {peak / 1024:7.0f} KiB")


def dashboard(quarter, requests):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from charter.models import User

    setup_test_environment(debug=False)
    # The builds above replaced every figure row several times over; autovacuum would clean the
    # dead rows and refresh the statistics within a minute. Do it now, as it would.
    with connection.cursor() as cursor:
        for table in ("snapshotmeasure", "snapshotgroup", "snapshotcontract", "snapshotmissing", "snapshotvcfse"):
            cursor.execute(f"VACUUM ANALYZE reporting_{table}")
    user, _ = User.objects.get_or_create(email="bench.analyst@example.org", defaults={"system_role": "icb_analyst"})
    client = Client()
    client.force_login(user)
    url = f"/reporting/dashboard/?quarter={quarter.year}-{quarter.number}"
    for path in (url, url + "&place=liverpool"):
        client.get(path)  # warm: templates and the chart cache
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        times.sort()
        p95 = times[int(0.95 * len(times)) - 1]
        print(f"\nDashboard {path}: {requests} requests, median {statistics.median(times):.0f} ms, "
              f"p95 {p95:.0f} ms, {len(queries)} queries, {len(response.content) // 1024} KB")


def pdfs(quarter):
    from charter.models import User
    from reporting.models import Report
    from reporting.services.reports import build_report, request_report

    user = User.objects.get(email="bench.analyst@example.org")
    print()
    for kind, subject in (("system", ""), ("place", "liverpool")):
        report = request_report(user, kind, subject, quarter)
        seconds, report = timed(lambda report=report: build_report(report.pk))
        print(f"{report.get_kind_display():<32} {seconds:6.2f} s  ({report.file.size // 1024} KB)")
        Report.objects.filter(pk=report.pk).delete()


if __name__ == "__main__":
    os.environ.setdefault("EMAIL_URL", "dummymail://")
    main()
