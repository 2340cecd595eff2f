#!/usr/bin/env python
"""Benchmark of the TOM framework catalogue: loading it, and reading it as a page and via the API.

    .venv/bin/python bench/framework_catalogue.py                 # a throwaway SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/socialvalue \\
        .venv/bin/python bench/framework_catalogue.py --runs 50   # a throwaway PostgreSQL database

It creates its own database with Django's test-database machinery (named bench_<name>_<pid>, so
it never touches the real database nor a test run's test_<name>), migrates it, and prints:

- the time (and SQL queries) of ``load_framework`` on an empty database and when re-run;
- for the catalogue page /framework/, a measure page and the API /api/v1/measures/: the number
  of SQL queries and the median, fastest and slowest time of N requests with the Django test
  Client (after one warm-up request), and the response size.

It asserts nothing about time: it prints figures. A page that cannot be rendered yet (for example
a missing template) is reported and the other figures are still printed.
"""

import argparse
import logging
import os
import platform
import shutil
import statistics
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench._common import configure_environment, database_description  # noqa: E402

PAGES = [
    ("catalogue page", "/framework/", "text/html"),
    ("measure page (NT14)", "/framework/measures/NT14/", "text/html"),
    ("API measures list", "/api/v1/measures/", "application/json"),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="requests per page (default 20)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the benchmark database afterwards"
    )
    return parser.parse_args()


def ms(seconds):
    return f"{seconds * 1000:8.1f} ms"


def timed(func):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = func()
        elapsed = time.perf_counter() - started
    return result, elapsed, len(queries)


def bench_load_framework():
    from toms.models import Measure, Outcome, Theme
    from toms.services import load_framework

    print("\nload_framework (fixtures/tom_framework.json)")
    for label in ("first run, empty database", "re-run (idempotent)"):
        report, elapsed, queries = timed(load_framework)
        print(f"  {label:<28} {ms(elapsed)}  {queries:5d} queries  ({report.summary()})")
    print(
        f"  catalogue: {Theme.objects.count()} themes, {Outcome.objects.count()} outcomes, "
        f"{Measure.objects.count()} measures "
        f"({Measure.objects.partner_vcfse().count()} Partner VCFSE)"
    )


def bench_page(client, label, url, accept, runs):
    try:
        response, first, _ = timed(lambda: client.get(url, HTTP_ACCEPT=accept))  # warm-up
    except Exception as exc:  # a page still being written must not stop the other figures
        print(f"  {label:<20} {url:<27} not measured: {type(exc).__name__}: {exc}")
        return
    if response.status_code != 200:
        print(f"  {label:<20} {url:<27} not measured: HTTP {response.status_code}")
        return
    times, query_counts = [], set()
    for _ in range(runs):
        response, elapsed, queries = timed(lambda: client.get(url, HTTP_ACCEPT=accept))
        times.append(elapsed)
        query_counts.add(queries)
    queries = "/".join(str(q) for q in sorted(query_counts))
    print(
        f"  {label:<20} {url:<27} {queries:>3} queries  median {ms(statistics.median(times))}"
        f"  min {ms(min(times))}  max {ms(max(times))}  first {ms(first)}"
        f"  {len(response.content) / 1024:6.1f} KiB"
    )


def main():
    args = parse_args()
    tmpdir = configure_environment()

    import django

    django.setup()
    # Whitenoise warns when static files have not been collected; the benchmark does not need
    # them. A failing page is reported on one line below, not with the request logger's trace.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    logging.getLogger("django.request").setLevel(logging.CRITICAL)

    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment, teardown_test_environment

    settings_dict = connection.settings_dict
    base_name = Path(str(settings_dict["NAME"])).stem or "socialvalue"
    if connection.vendor == "sqlite":
        settings_dict["TEST"]["NAME"] = str(tmpdir / f"bench_{base_name}.sqlite3")
    else:
        settings_dict["TEST"]["NAME"] = f"bench_{base_name}_{os.getpid()}"

    setup_test_environment(debug=False)
    old_name = None
    try:
        started = time.perf_counter()
        old_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        migrate_time = time.perf_counter() - started

        print("Social Value Portal: framework catalogue benchmark")
        print(f"  Python {platform.python_version()}, Django {django.get_version()}")
        print(f"  {database_description(connection)}")
        print(f"  create and migrate the database: {migrate_time:.2f} s")

        bench_load_framework()

        print(f"\nRequests with the Django test Client ({args.runs} runs after one warm-up)")
        client = Client()
        for label, url, accept in PAGES:
            bench_page(client, label, url, accept, args.runs)
    finally:
        if old_name is not None and not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        if args.keep:
            print(f"\nKept the database {settings_dict['NAME']}")
        else:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
