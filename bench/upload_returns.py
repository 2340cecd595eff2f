#!/usr/bin/env python
"""Benchmark of the bulk return upload: one organisation's 5,000-line spreadsheet, end to end.

    .venv/bin/python bench/upload_returns.py                      # a throwaway SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/socialvalue_bench \\
        .venv/bin/python bench/upload_returns.py                  # a throwaway PostgreSQL database

Like bench/framework_catalogue.py it creates its own database with Django's test-database
machinery (bench_<name>_<pid>), migrates it, loads the TOM framework, and makes a supplier with
100 contracts and a reporter. It builds an XLSX of 5,000 lines (100 contracts x 4 quarters of
2025/26, 12 or 13 measures each: 400 draft returns) and times
``commitments.spreadsheets.returns.import_returns`` on it, end to end (read the file, check every row,
start and save 400 drafts in one transaction), printing:

- the time, rows per second and SQL queries of the first upload (every draft created), and the
  time spent reading the file alone;
- the peak Python memory of the same upload, measured separately with tracemalloc (which slows
  Python down, so its time is not the figure above);
- the time of the same file uploaded again (every draft updated, its lines unchanged);
- the time (wall clock and CPU) and peak memory of uploading a 5 KB workbook whose sheet declares
  16,384 columns x 5,000 rows (``<dimension ref="A1:XFD5000"/>``, and one real cell at XFD5000):
  it must be read by its real cells, or refused, in well under 2 s.

It asserts nothing about time (the target is under 10 s on the development machine, PostgreSQL).
"""

import argparse
import io
import os
import platform
import shutil
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench._common import configure_environment, database_description  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contracts", type=int, default=100, help="contracts (default 100)")
    parser.add_argument(
        "--quarters", type=int, default=4, choices=range(1, 5), help="quarters of 2025/26, 1 to 4 (default 4)"
    )
    parser.add_argument("--lines", type=int, default=5000, help="lines in the file (default 5000)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    return parser.parse_args()


def make_people(contract_count):
    """A supplier with ``contract_count`` contracts from one council, and its reporter."""
    import datetime as dt

    from charter.models import Membership, Organisation, Role, User
    from commitments.models import Contract

    council = Organisation.objects.create(
        name="Bench Borough Council", sector="public", kind="local_authority", place="wirral", size="large"
    )
    supplier = Organisation.objects.create(
        name="Bench Facilities Ltd", sector="private", kind="business", place="liverpool", size="large"
    )
    reporter = User.objects.create_user("reporter@bench.example", "not used", full_name="Bench Reporter")
    Membership.objects.create(user=reporter, organisation=supplier, role=Role.REPORTER)
    Contract.objects.bulk_create(
        Contract(
            commissioner=council,
            supplier=supplier,
            reference=f"BBC-{n:04d}",
            title=f"Bench contract {n}",
            value=1_000_000,
            start_date=dt.date(2024, 4, 1),
            end_date=dt.date(2028, 3, 31),
            places_served=["wirral"],
        )
        for n in range(1, contract_count + 1)
    )
    return supplier, reporter


def build_file(contract_count, quarter_count, line_count):
    """An XLSX of ``line_count`` lines spread evenly over contracts x quarters."""
    from openpyxl import Workbook

    from commitments.spreadsheets.bulk import BULK_COLUMNS
    from toms.models import Measure, ValueKind

    measures = list(Measure.objects.active().order_by("code"))
    groups = [(c, q) for c in range(1, contract_count + 1) for q in range(1, quarter_count + 1)]
    per_group, extra = divmod(line_count, len(groups))
    if per_group + (extra > 0) > len(measures):
        raise SystemExit(f"{line_count} lines need more than {len(measures)} measures per return.")
    book = Workbook()
    sheet = book.active
    sheet.title = "Returns"
    sheet.append(BULK_COLUMNS)
    for index, (contract, quarter) in enumerate(groups):
        count = per_group + (1 if index < extra else 0)
        start = index % len(measures)
        for offset in range(count):
            measure = measures[(start + offset) % len(measures)]
            if measure.value_kind == ValueKind.YES_NO:
                quantity = "yes"
            elif measure.value_kind == ValueKind.PERCENTAGE:
                quantity = (index + offset) % 100
            else:
                quantity = round(10 + (index * 7 + offset * 13) % 900 + 0.25, 2)
            sheet.append(
                [f"BBC-{contract:04d}", f"2025/26 Q{quarter}", measure.code, quantity, f"Delivered in line {offset}"]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), len(groups)


def huge_dimension_file():
    """A small bulk workbook whose sheet declares A1:XFD5000, with one real cell at XFD5000."""
    import re
    import zipfile

    from openpyxl import Workbook

    from commitments.spreadsheets.bulk import BULK_COLUMNS

    book = Workbook()
    sheet = book.active
    sheet.title = "Returns"
    sheet.append(BULK_COLUMNS)
    for quarter in range(1, 4):
        sheet.append(["BBC-0001", f"2025/26 Q{quarter}", "NT1", 1, ""])
    sheet["XFD5000"] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<dimension ref="[A-Z0-9:]+" ?/>', b'<dimension ref="A1:XFD5000"/>', content)
                assert b"A1:XFD5000" in content
            target.writestr(info.filename, content)
    return out.getvalue()


def time_huge_dimension(supplier, reporter):
    from common.spreadsheets import SpreadsheetError

    data = huge_dimension_file()
    tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    try:
        result, _, _ = run_import(supplier, reporter, data, keep=False)
        outcome = f"read by its real cells: {result.summary()} (rolled back)"
    except SpreadsheetError as exc:
        outcome = f"refused: {exc}"
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\nimport_returns, a {len(data) / 1024:.1f} KiB workbook declaring 16,384 columns x 5,000 rows")
    print(f"  time              {elapsed:8.2f} s   ({cpu:.2f} s CPU; target under 2 s)")
    print(f"  peak memory       {peak / 1_048_576:8.1f} MiB (tracemalloc, slows Python, so the time above is an upper bound)")
    print(f"  outcome           {outcome}")


def upload(data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("returns.xlsx", data)


class Meter:
    """Counts SQL queries and the time spent in them, and the time spent in the service calls
    made by import_returns (DraftBatch.start_many, lock, plan, apply), without changing them."""

    def __init__(self):
        self.queries = 0
        self.sql_seconds = 0.0
        self.seconds = {"start_many": 0.0, "lock": 0.0, "plan": 0.0, "apply": 0.0}

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries += 1
            self.sql_seconds += time.perf_counter() - started

    def wrap(self, name, func):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started

        return timed


def run_import(supplier, reporter, data, *, keep):
    """import_returns on ``data``; rolled back unless ``keep``. Returns (result, seconds, Meter)."""
    from django.db import connection, transaction

    from commitments.spreadsheets import bulk as return_spreadsheets

    meter = Meter()
    from commitments.services.returns import DraftBatch

    originals = {name: getattr(DraftBatch, name) for name in meter.seconds}
    for name, func in originals.items():
        setattr(DraftBatch, name, meter.wrap(name, func))
    try:
        with transaction.atomic(), connection.execute_wrapper(meter):
            started = time.perf_counter()
            result = return_spreadsheets.import_returns(reporter, supplier, upload(data))
            elapsed = time.perf_counter() - started
            if not keep:
                transaction.set_rollback(True)
    finally:
        for name, func in originals.items():
            setattr(DraftBatch, name, func)
    return result, elapsed, meter


def report(label, result, elapsed, meter, lines, read_time=None):
    print(f"\n{label}")
    print(f"  time              {elapsed:8.2f} s   ({lines / elapsed:,.0f} rows/s)")
    if read_time is not None:
        print(f"  reading the file  {read_time:8.2f} s   (read_table alone, measured apart)")
    for name, seconds in meter.seconds.items():
        print(f"  in DraftBatch.{name:<10} {seconds:6.2f} s")
    print(
        f"  SQL queries       {meter.queries:8,d}     ({meter.queries / lines:.2f} per line), {meter.sql_seconds:.2f} s in the database driver"
    )
    print(f"  result            {result.summary()}")


def main():
    args = parse_args()
    tmpdir = configure_environment()

    import django

    django.setup()
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

    from django.db import connection
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
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        migrate_time = time.perf_counter() - started

        from commitments.spreadsheets.bulk import BULK_REQUIRED
        from common.spreadsheets import read_table
        from toms.services import load_framework

        load_framework()
        supplier, reporter = make_people(args.contracts)
        data, groups = build_file(args.contracts, args.quarters, args.lines)

        print("Social Value Portal: bulk return upload benchmark")
        print(f"  Python {platform.python_version()}, Django {django.get_version()}")
        print(f"  {database_description(connection)}")
        print(f"  create and migrate the database: {migrate_time:.2f} s")
        print(
            f"  file: {args.lines:,} lines for {args.contracts} contracts x {args.quarters} quarters "
            f"= {groups} returns, {len(data) / 1024:.0f} KiB XLSX"
        )

        started = time.perf_counter()
        read_table(upload(data), required_columns=BULK_REQUIRED)
        read_time = time.perf_counter() - started

        result, elapsed, meter = run_import(supplier, reporter, data, keep=False)
        report(
            "import_returns, first upload (every draft created; rolled back)",
            result,
            elapsed,
            meter,
            args.lines,
            read_time,
        )

        tracemalloc.start()
        run_import(supplier, reporter, data, keep=True)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  peak memory       {peak / 1_048_576:8.1f} MiB (tracemalloc, in a separate run, kept)")

        result, elapsed, meter = run_import(supplier, reporter, data, keep=False)
        report(
            "import_returns, the same file again (every draft already as in the file)",
            result,
            elapsed,
            meter,
            args.lines,
        )
        time_huge_dimension(supplier, reporter)
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
