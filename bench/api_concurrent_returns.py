#!/usr/bin/env python
"""Benchmark: submit quarterly returns through the API from concurrent clients, against gunicorn
and PostgreSQL, and count the errors (the target is zero).

    .venv/bin/python bench/api_concurrent_returns.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/socialvalue_bench_api \\
        .venv/bin/python bench/api_concurrent_returns.py --returns 200 --clients 20 --workers 4

Steps: create the throwaway database named in DATABASE_URL (it refuses to touch a database that
already exists, unless --replace), migrate it, load the TOM framework, create one supplier with
N contracts live in 2025/26 Q1 and a reporter; start ``gunicorn config.wsgi`` on a free loopback
port (DEBUG=true, the embedded defaults: eager Celery, console e-mail into the server log); get
the reporter's token from POST /api/v1/token/; then C client threads each take contracts from a
shared queue and, for each, create a return (POST /api/v1/returns/), fill it in (PUT lines) and
submit it (POST .../submit/). It prints the wall time, returns and requests per second, request
latency (p50/p95/max, overall and by step) and every non-2xx answer; then checks in the database
that N returns are submitted with their lines; then stops gunicorn and drops the database.

Bounded: N returns (default 200), a time limit (default 300 s) after which no new return is
started, a 30 s timeout per request. It exits 0 only with zero errors and a correct database.
"""

import argparse
import contextlib
import http.client
import json
import os
import queue
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import _common  # noqa: E402
from bench._common import free_port, percentile, stop_gunicorn, tail, wait_until_answering  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/socialvalue_bench_api"
PASSWORD = "bench-api-password-not-secret"
REPORTER_EMAIL = "reporter@bench.example.org"
QUARTER = "2025/26 Q1"
CONTENDED_QUARTER = "2025/26 Q2"
LINES = [
    {"measure": "NT1", "quantity": "2.5", "narrative": "Local people hired on the contract"},
    {"measure": "NT14", "quantity": "12,500.00", "narrative": "Spend with a Wirral social enterprise"},
    {"measure": "NT17", "quantity": 120, "narrative": "Volunteering with a food bank"},
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--returns", type=int, default=200, help="returns to submit (default 200)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent client threads (default 20)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument(
        "--contend", type=int, default=10, metavar="N",
        help="then start N more returns (2025/26 Q2), each by several clients at the same instant (default 10)",
    )
    parser.add_argument("--contend-clients", type=int, default=5, help="clients per contended return (default 5)")
    parser.add_argument("--time-limit", type=float, default=300, help="seconds before no new return starts")
    parser.add_argument("--replace", action="store_true", help="drop the database first if it exists")
    parser.add_argument("--keep", action="store_true", help="keep the database and the server log afterwards")
    args = parser.parse_args()
    if not (1 <= args.returns <= 5000 and 1 <= args.clients <= 200 and 1 <= args.workers <= 32):
        parser.error("keep to 1–5000 returns, 1–200 clients and 1–32 workers")
    if not (0 <= args.contend <= args.returns and 2 <= args.contend_clients <= 50):
        parser.error("--contend is at most --returns; --contend-clients is 2 to 50")
    return args


# --- the throwaway database -----------------------------------------------------------------


def database_settings(url):
    import environ

    config = environ.Env.db_url_config(url)
    if "postgresql" not in config["ENGINE"]:
        sys.exit("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
    return config


def admin_connection(config):
    import psycopg

    return psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    )


def create_database(config, replace):
    from psycopg import sql

    name = config["NAME"]
    with admin_connection(config) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not replace:
            sys.exit(
                f"The database {name!r} already exists. This benchmark creates and drops its own database; "
                "choose another name in DATABASE_URL, or pass --replace if it is a leftover of this benchmark."
            )
        if exists:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(config):
    from psycopg import sql

    with admin_connection(config) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(config["NAME"])))


def prepare_data(n_returns):
    """The framework, a council, a supplier with n contracts, its reporter, the council's commissioner."""
    import datetime as dt

    from charter.models import Membership, Organisation, Role, User
    from commitments.models import Contract
    from toms.services import load_framework

    load_framework()
    council = Organisation.objects.create(
        name="Bench Borough Council", sector="public", kind="local_authority", place="wirral", size="large"
    )
    supplier = Organisation.objects.create(
        name="Bench Facilities Ltd", sector="private", kind="business", place="liverpool", size="medium"
    )
    reporter = User.objects.create_user(REPORTER_EMAIL, PASSWORD, full_name="Bench Reporter")
    commissioner = User.objects.create_user("commissioner@bench.example.org", PASSWORD, full_name="Bench Buyer")
    Membership.objects.create(user=reporter, organisation=supplier, role=Role.REPORTER)
    Membership.objects.create(user=commissioner, organisation=council, role=Role.COMMISSIONER)
    Contract.objects.bulk_create(
        [
            Contract(
                commissioner=council, supplier=supplier, reference=f"BENCH-{n:04d}", title=f"Bench contract {n}",
                value=100_000 + n, start_date=dt.date(2024, 4, 1), end_date=dt.date(2028, 3, 31),
                places_served=["wirral"],
            )
            for n in range(1, n_returns + 1)
        ]
    )
    return supplier.pk, list(Contract.objects.filter(supplier=supplier).order_by("pk").values_list("pk", flat=True))


# --- the server -----------------------------------------------------------------------------


def start_gunicorn(port, workers, database_url, log_path):
    """DEBUG on with the embedded defaults: eager Celery, console e-mail into the server log."""
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "EMAIL_URL"}}
    env.update({"DEBUG": "true", "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings"})
    return _common.start_gunicorn(port, log_path, env, workers=workers)


# --- the clients ----------------------------------------------------------------------------


class Client:
    """One client thread's connection; gunicorn's sync workers close it after each answer and
    http.client opens a new one for the next request."""

    def __init__(self, port, token, results):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Token {token}"
        self.results = results

    def call(self, step, method, path, body=None):
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=self.headers)
            response = self.conn.getresponse()
            raw = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            status, raw = 0, f"{type(exc).__name__}: {exc}".encode()
        elapsed = time.perf_counter() - started
        self.results.record(step, elapsed, status, method, path, raw)
        if 200 <= status < 300:
            return json.loads(raw)
        return None

    def close(self):
        self.conn.close()


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = {}
        self.errors = []
        self.statuses = Counter()
        self.completed = 0

    def record(self, step, elapsed, status, method, path, raw):
        with self.lock:
            self.latencies.setdefault(step, []).append(elapsed)
            self.statuses[status] += 1
            if not 200 <= status < 300:
                self.errors.append((step, status, method, path, raw[:400].decode(errors="replace")))

    def done(self):
        with self.lock:
            self.completed += 1


def submit_one(client, organisation_id, contract_id):
    created = client.call(
        "create", "POST", "/api/v1/returns/",
        {"organisation": organisation_id, "contract": contract_id, "quarter": QUARTER},
    )
    if not created:
        return False
    path = f"/api/v1/returns/{created['id']}/"
    saved = client.call("save lines", "PUT", path, {"revision": created["revision"], "lines": LINES})
    if not saved:
        return False
    submitted = client.call("submit", "POST", path + "submit/", {"attested": True, "revision": saved["revision"]})
    return bool(submitted) and submitted.get("status") == "submitted"


def run_clients(port, token, organisation_id, contract_ids, n_clients, time_limit):
    work = queue.SimpleQueue()
    for pk in contract_ids:
        work.put(pk)
    results = Results()
    deadline = time.monotonic() + time_limit

    def worker():
        client = Client(port, token, results)
        try:
            while time.monotonic() < deadline:
                try:
                    contract_id = work.get_nowait()
                except queue.Empty:
                    return
                if submit_one(client, organisation_id, contract_id):
                    results.done()
        finally:
            client.close()

    threads = [threading.Thread(target=worker, name=f"client-{i}", daemon=True) for i in range(n_clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=time_limit + 60)
    return results, time.perf_counter() - started


def run_contention(port, token, organisation_id, contract_ids, n_clients):
    """Several clients start the same return at the same instant (released by a barrier): each
    must get 200 or 201 with the same return, and the database must hold one return."""
    results = Results()
    answers = {}

    for contract_id in contract_ids:
        barrier = threading.Barrier(n_clients)
        ids = []

        def start(contract_id=contract_id, barrier=barrier, ids=ids):
            client = Client(port, token, results)
            body = {"organisation": organisation_id, "contract": contract_id, "quarter": CONTENDED_QUARTER}
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=30)
            created = client.call("same return at once", "POST", "/api/v1/returns/", body)
            client.close()
            ids.append(created["id"] if created else None)

        threads = [threading.Thread(target=start, daemon=True) for _ in range(n_clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)
        answers[contract_id] = ids
    disagreeing = sum(1 for ids in answers.values() if len(set(ids)) != 1 or None in ids)
    return results, disagreeing


def ms(seconds):
    return f"{seconds * 1000:7.1f} ms"


def report(results, wall, n_returns):
    everything = [x for values in results.latencies.values() for x in values]
    requests = len(everything)
    print(f"\nResults ({requests} requests)")
    print(f"  wall time                  {wall:8.2f} s")
    print(f"  returns submitted          {results.completed:8d} of {n_returns}")
    print(f"  throughput                 {results.completed / wall:8.1f} returns/s   {requests / wall:8.1f} requests/s")
    print(f"  latency, all requests      p50 {ms(percentile(everything, 0.5))}   p95 {ms(percentile(everything, 0.95))}"
          f"   max {ms(max(everything, default=0))}")
    for step, values in results.latencies.items():
        print(f"    {step:<22}   p50 {ms(percentile(values, 0.5))}   p95 {ms(percentile(values, 0.95))}"
              f"   max {ms(max(values))}   ({len(values)} requests)")
    print(f"  status codes               {dict(sorted(results.statuses.items()))}")
    print(f"  errors (non-2xx)           {len(results.errors):8d}")
    for step, status, method, path, body in results.errors[:10]:
        print(f"    {step}: {method} {path} -> {status}: {body}")


def verify(organisation_id, n_returns, n_contended):
    from django.db.models import Count

    from commitments.models import Return

    contended = Return.objects.filter(organisation_id=organisation_id, year=2025, quarter=2)
    contended_ok = contended.count() == n_contended and not contended.exclude(status="draft").exists()
    returns = Return.objects.filter(organisation_id=organisation_id, year=2025, quarter=1)
    by_status = dict(returns.values_list("status").annotate(n=Count("pk")).order_by())
    wrong_lines = returns.annotate(n=Count("lines")).exclude(n=len(LINES)).count()
    per_contract = returns.values("contract").annotate(n=Count("pk")).filter(n__gt=1).count()
    print("\nDatabase check")
    print(f"  returns by status          {by_status}")
    print(f"  returns without {len(LINES)} lines    {wrong_lines}")
    print(f"  contracts with 2+ returns  {per_contract}")
    ok = by_status == {"submitted": n_returns} and wrong_lines == 0 and per_contract == 0
    print(f"  {'OK' if ok else 'WRONG'}: {n_returns} returns expected, each submitted with its lines")
    if n_contended:
        print(f"  {'OK' if contended_ok else 'WRONG'}: {contended.count()} contended {CONTENDED_QUARTER} returns "
              f"(expected {n_contended}, one per contract, drafts)")
    return ok and contended_ok


def main():
    args = parse_args()
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    config = database_settings(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DEBUG", "true")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.pop("CELERY_BROKER_URL", None)

    tmpdir = Path(tempfile.mkdtemp(prefix="sv-bench-api-"))
    log_path = tmpdir / "gunicorn.log"
    server = None
    created = False
    ok = False
    try:
        started = time.perf_counter()
        create_database(config, args.replace)
        created = True
        import django
        from django.core.management import call_command
        from django.db import connections

        django.setup()
        call_command("migrate", verbosity=0)
        migrated = time.perf_counter()
        organisation_id, contract_ids = prepare_data(args.returns)
        connections.close_all()
        print(f"PostgreSQL database {config['NAME']!r} at {config.get('HOST')}:{config.get('PORT') or 5432}")
        print(f"  create and migrate         {migrated - started:8.2f} s")
        print(f"  framework and {args.returns} contracts {time.perf_counter() - migrated:6.2f} s")

        port = free_port()
        server = start_gunicorn(port, args.workers, database_url, log_path)
        wait_until_answering(server, port, log_path)
        print(f"gunicorn: {args.workers} sync workers on 127.0.0.1:{port} (log: {log_path})")

        sign_in = Results()
        token = (Client(port, None, sign_in).call(
            "token", "POST", "/api/v1/token/", {"email": REPORTER_EMAIL, "password": PASSWORD}
        ) or {}).get("token")
        if not token:
            raise RuntimeError(f"could not obtain a token: {sign_in.errors}")

        print(f"{args.clients} client threads: create, fill in (3 lines) and submit {args.returns} returns "
              f"for {QUARTER}…")
        results, wall = run_clients(port, token, organisation_id, contract_ids, args.clients, args.time_limit)
        report(results, wall, args.returns)
        errors = len(results.errors)

        if args.contend:
            print(f"\nContention: {args.contend} returns for {CONTENDED_QUARTER}, each started by "
                  f"{args.contend_clients} clients at the same instant…")
            contention, disagreeing = run_contention(
                port, token, organisation_id, contract_ids[: args.contend], args.contend_clients
            )
            values = contention.latencies.get("same return at once", [])
            print(f"  requests                   {len(values):8d}   p50 {ms(percentile(values, 0.5))}"
                  f"   p95 {ms(percentile(values, 0.95))}")
            print(f"  status codes               {dict(sorted(contention.statuses.items()))}")
            print(f"  errors (non-2xx)           {len(contention.errors):8d}")
            print(f"  returns where the clients got different answers  {disagreeing}")
            for step, status_code, method, path, body in contention.errors[:5]:
                print(f"    {step}: {method} {path} -> {status_code}: {body[:120]}")
            errors += len(contention.errors) + disagreeing

        stop_gunicorn(server)
        server = None
        if errors:
            print(f"\nLast lines of the server log:\n{tail(log_path, 40)}")
        ok = verify(organisation_id, args.returns, args.contend) and not errors
    finally:
        stop_gunicorn(server)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 (Django may not be set up yet)
            pass
        if created and not args.keep:
            drop_database(config)
            print(f"Dropped the database {config['NAME']!r}.")
        if not args.keep and ok:
            for child in tmpdir.iterdir():
                child.unlink()
            tmpdir.rmdir()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
