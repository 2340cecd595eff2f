"""Generate a system-scale data set for the reporting benchmarks, in SQL (INSERT … SELECT from
generate_series: no row passes through Python), on PostgreSQL.

At --scale 1: 20,000 organisations, 2,000 contracts, 16 quarters (2022/23 Q1 to 2025/26 Q4),
about 3,000,000 approved return lines (contract returns of 20 lines, organisation-wide returns
of 12), proxy values for every summed measure and year, deadweight and attribution for a few.
--scale 10 multiplies organisations, contracts and returns by ten.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sv_bench .venv/bin/python bench/reporting_data.py --scale 1

The database is created if missing, migrated, and emptied of returns, contracts and
organisations first (it is the benchmark's own database: never point it at real data).
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import configure_environment

QUARTERS = [(year, q) for year in range(2022, 2026) for q in range(1, 5)]


def ensure_database(url):
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def run(sql, params=None, label=None):
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        count = cursor.rowcount
    if label:
        print(f"  {label:<44} {count:>10,} rows  {time.perf_counter() - started:6.1f} s", flush=True)
    return count


def generate(scale):
    organisations = int(20_000 * scale)
    public = max(10, int(100 * scale))
    contracts = int(2_000 * scale)
    own_reporters = int(12_000 * scale)
    run("TRUNCATE reporting_snapshot, reporting_snapshotbuild, reporting_report CASCADE")
    run("TRUNCATE commitments_returnline, commitments_return, commitments_commitment, commitments_contract CASCADE")
    run("DELETE FROM charter_organisation WHERE name LIKE 'Bench %%'")
    run(
        """
        INSERT INTO charter_organisation (name, slug, sector, kind, place, size, companies_house_number,
            charity_number, ods_code, website, email_domain, normalised_name, is_anchor_institution,
            created_at, updated_at)
        SELECT 'Bench ' || CASE WHEN n <= %(public)s THEN 'Council ' ELSE 'Organisation ' END || n,
               'bench-' || n,
               CASE WHEN n <= %(public)s THEN 'public' WHEN n %% 3 = 0 THEN 'vcfse' ELSE 'private' END,
               CASE WHEN n <= %(public)s THEN 'local_authority' WHEN n %% 3 = 0 THEN 'charity' ELSE 'business' END,
               (ARRAY['cheshire_east','cheshire_west','halton','knowsley','liverpool','sefton','st_helens',
                      'warrington','wirral','outside'])[1 + n %% 10],
               (ARRAY['micro','small','medium','large'])[1 + n %% 4],
               '', '', '', '', '', 'bench ' || n, n <= %(public)s, now(), now()
        FROM generate_series(1, %(organisations)s) AS n
        """,
        {"public": public, "organisations": organisations}, "organisations",
    )
    run("CREATE TEMP TABLE bench_org AS SELECT id, row_number() OVER (ORDER BY id) AS n FROM charter_organisation "
        "WHERE name LIKE 'Bench %%'")
    run(
        """
        INSERT INTO commitments_contract (commissioner_id, supplier_id, reference, title, value, start_date,
            end_date, places_served, created_at, updated_at)
        SELECT c.id, s.id, 'BENCH-' || k, 'Bench contract ' || k, 50000 + (k * 7919) %% 5000000,
               DATE '2022-04-01', DATE '2026-03-31', '[]'::jsonb, now(), now()
        FROM generate_series(1, %(contracts)s) AS k
        JOIN bench_org c ON c.n = 1 + k %% %(public)s
        JOIN bench_org s ON s.n = %(public)s + k
        """,
        {"contracts": contracts, "public": public}, "contracts",
    )
    values = ", ".join(f"({y}, {q})" for y, q in QUARTERS)
    run(
        f"""
        INSERT INTO commitments_return (organisation_id, contract_id, year, quarter, status, revision, created_at,
            updated_at, submitted_at, attested, reviewed_at, review_comment)
        SELECT c.supplier_id, c.id, p.y, p.q, 'approved', 2, now(), now(),
               make_date(p.y + (p.q + 2) / 4, ((p.q * 3 + 3) %% 12) + 1, 1)::timestamptz
                   + ((c.id %% 45) || ' days')::interval,
               true, now(), ''
        FROM commitments_contract c CROSS JOIN (VALUES {values}) AS p(y, q)
        """,  # noqa: S608 - the quarters are this script's constants
        None, "contract returns",
    )
    run(
        f"""
        INSERT INTO commitments_return (organisation_id, contract_id, year, quarter, status, revision, created_at,
            updated_at, submitted_at, attested, reviewed_at, review_comment)
        SELECT o.id, NULL, p.y, p.q, 'approved', 2, now(), now(), now(), true, now(), ''
        FROM bench_org o CROSS JOIN (VALUES {values}) AS p(y, q)
        WHERE o.n > %(public)s + %(contracts)s AND o.n <= %(public)s + %(contracts)s + %(own)s
        """,  # noqa: S608 - the quarters are this script's constants
        {"public": public, "contracts": contracts, "own": own_reporters}, "organisation-wide returns",
    )
    run("CREATE TEMP TABLE bench_measure AS SELECT id, combination, row_number() OVER (ORDER BY code) - 1 AS k, "
        "count(*) OVER () AS total FROM toms_measure")
    run(
        """
        INSERT INTO commitments_returnline (return_id, measure_id, quantity, narrative, flag)
        SELECT r.id, m.id,
               CASE m.combination
                   WHEN 'share' THEN (r.id * 13 + m.k * 7) %% 101
                   WHEN 'yes_no' THEN (r.id + m.k) %% 2
                   ELSE ((r.id * 31 + m.k * 17) %% 1000) / 4.0
               END,
               '', ''
        FROM commitments_return r JOIN bench_measure m
          ON ((r.id * 7 + m.k) %% m.total) < CASE WHEN r.contract_id IS NULL THEN 12 ELSE 20 END
        """,
        None, "approved return lines",
    )
    run("DELETE FROM toms_proxyvalue WHERE source = 'Bench'")
    run(
        """
        INSERT INTO toms_proxyvalue (measure_id, financial_year, value, source, created_at, updated_at)
        SELECT m.id, y, 1 + (m.k * 37) %% 500, 'Bench', now(), now()
        FROM bench_measure m CROSS JOIN generate_series(2022, 2025) AS y
        WHERE m.combination = 'summed'
        ON CONFLICT DO NOTHING
        """,
        None, "proxy values",
    )
    run(
        """
        INSERT INTO toms_adjustment (measure_id, financial_year, deadweight, attribution, source, updated_at)
        SELECT m.id, y, 20, 10, 'Bench assumptions', now()
        FROM bench_measure m CROSS JOIN generate_series(2022, 2025) AS y
        WHERE m.combination = 'summed' AND m.k %% 5 = 0
        ON CONFLICT DO NOTHING
        """,
        None, "deadweight and attribution",
    )
    started = time.perf_counter()
    run("ANALYZE")
    print(f"  {'ANALYZE':<44} {'':>10}       {time.perf_counter() - started:6.1f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1, help="1: about 3 M lines; 10: about 30 M")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of the benchmark's own, e.g. "
                 "postgres://postgres@127.0.0.1:5432/sv_bench")
    ensure_database(os.environ["DATABASE_URL"])
    configure_environment()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from bench._common import database_description
    from toms.services import load_framework

    print(f"Database: {database_description(connection)}; scale {args.scale}")
    call_command("migrate", verbosity=0)
    load_framework()
    started = time.perf_counter()
    with transaction.atomic():
        generate_scaled(args.scale)
    total = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM commitments_returnline")
        lines = cursor.fetchone()[0]
    print(f"Generated {lines:,} approved return lines in {total:.1f} s")


def generate_scaled(scale):
    generate(scale)


if __name__ == "__main__":
    main()
