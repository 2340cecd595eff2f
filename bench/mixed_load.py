#!/usr/bin/env python
"""Load test: 50 concurrent users mixing the public register, return drafting and submission,
review and the ICB dashboard, against gunicorn and PostgreSQL with the system-scale data set.
Target: zero errors, p95 under 300 ms for every page.

    .venv/bin/python bench/mixed_load.py                      # sv_bench, 50 users, 15 s warm-up + 60 s
    .venv/bin/python bench/mixed_load.py --users 50 --duration 120 --workers 5
    .venv/bin/python bench/mixed_load.py --database-url postgres://postgres@127.0.0.1:5432/sv_bench

The database must already hold the system-scale data set (bench/reporting_data.py --scale 1 and
a snapshot of 2025/26 Q4, built by bench/snapshot_build.py). This script only adds its own rows,
idempotently, and never changes the figures of 2025/26 and earlier: a "Load Council" with
commissioners, ten "Load supplier NN" organisations with a reporter each and contracts live in
2026/27, an ICB analyst, and "Load signatory NNNNN" organisations on the public register (live
from this year, so they count in no earlier quarter). It deletes the load suppliers' returns of
earlier runs, so every submission uses a fresh (contract, quarter) of 2026/27 Q1 to Q3; and it
publishes the latest snapshot if none is published, for the public summary.

The server is a second process: ``gunicorn config.wsgi`` on a loopback port with production
settings (DEBUG off, a random SECRET_KEY, static files collected into a temporary directory and
served by WhiteNoise), Celery with a Redis broker and no worker (approvals queue their snapshot
refresh and e-mails instead of running them in the request, as in production; the queued tasks
are discarded at the end), and the cache in Redis. Cookies are not marked Secure, since the
clients speak plain HTTP on loopback.

Virtual users are threads of this process, each with its own session (``requests``), waiting a
random 1 to 3 s between requests (``--think``): anonymous visitors (home, register, a search, an
organisation's entry, the public summary), suppliers (their returns list, then a return created,
filled in and submitted through the API with the reporter's token), commissioners (the review
list, a submitted return's page, approving it with the review form) and ICB analysts (home, the
dashboard for 2025/26 Q4, whole and by place). Signing in happens before the clock starts. It
prints requests per second, and per page: requests, median, p95, max and errors; the load
average at the start, during and at the end. It exits 1 on any error (a status other than the
one expected, no answer within 30 s, a traceback in the server log, or the database disagreeing
with what the users were told), 2 if there is none but a page's p95 is over 300 ms, else 0.
"""

import argparse
import contextlib
import datetime as dt
import os
import queue
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench._common import (  # noqa: E402
    free_port,
    percentile,
    start_gunicorn,
    stop_gunicorn,
    tail,
    wait_until_answering,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/sv_bench"
PASSWORD = "load-test-password-not-secret-2026"
SUPPLIERS = 10
COMMISSIONERS = 5
ANALYSTS = 3
# Quarters of 2026/27 that have begun (returns are for quarters that have begun).
QUARTERS = ["2026/27 Q1", "2026/27 Q2", "2026/27 Q3"]
CONTRACT_START, CONTRACT_END = dt.date(2026, 4, 1), dt.date(2027, 3, 31)
DASHBOARD_QUARTER = "2025-4"
PLACES = ["cheshire_east", "cheshire_west", "halton", "knowsley", "liverpool", "sefton", "st_helens",
          "warrington", "wirral"]
LINES = [
    {"measure": "NT1", "quantity": "2.5", "narrative": "Local people hired on the contract"},
    {"measure": "NT14", "quantity": "12,500.00", "narrative": "Spend with a Wirral social enterprise"},
    {"measure": "NT17", "quantity": 120, "narrative": "Volunteering with a food bank"},
]
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ROLES = ("public", "supplier", "commissioner", "analyst")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"default {DEFAULT_DATABASE_URL}")
    parser.add_argument("--users", type=int, default=50, help="concurrent virtual users (default 50)")
    parser.add_argument("--duration", type=float, default=60, help="measured seconds (default 60)")
    parser.add_argument("--warm-up", type=float, default=15, help="seconds of load before measuring (default 15)")
    parser.add_argument("--think", default="1,3", help="seconds between a user's requests, min,max (default 1,3)")
    parser.add_argument(
        "--mix", default="public=25,supplier=15,commissioner=5,analyst=5",
        help="share of the users in each role, scaled to --users (default public=25,supplier=15,"
        "commissioner=5,analyst=5)",
    )
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers (default 5: 2 × 2 cores + 1)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker; more than 1 uses gthread")
    parser.add_argument("--conn-max-age", type=int, default=60,
                        help="DB_CONN_MAX_AGE for the server (default 60, the portal's default)")
    parser.add_argument("--contracts-per-supplier", type=int, default=100, help="default 100 (× 3 quarters)")
    parser.add_argument("--signatories", type=int, default=5000, help="organisations on the register (default 5000)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379", help="Redis for the broker and cache")
    parser.add_argument("--broker-db", type=int, default=14, help="Redis database of the Celery broker (emptied)")
    parser.add_argument("--cache-db", type=int, default=15, help="Redis database of the cache (emptied)")
    parser.add_argument("--no-publish", action="store_true", help="do not publish the latest snapshot")
    parser.add_argument("--solo", type=int, default=5,
                        help="first request each page N times alone, one at a time (default 5; 0: skip)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    try:
        low, high = (float(x) for x in args.think.split(","))
    except ValueError:
        parser.error("--think is min,max in seconds, like 1,3")
    if not 0 <= low <= high <= 60:
        parser.error("--think: 0 <= min <= max <= 60")
    args.think = (low, high)
    try:
        shares = {role: float(share) for role, share in (part.split("=") for part in args.mix.split(","))}
    except ValueError:
        parser.error("--mix is role=share,… with roles public, supplier, commissioner, analyst")
    if set(shares) - set(ROLES) or sum(shares.values()) <= 0:
        parser.error("--mix: roles are public, supplier, commissioner and analyst")
    args.mix = shares
    if not (1 <= args.users <= 500 and 1 <= args.workers <= 32 and 1 <= args.threads <= 32):
        parser.error("keep to 1–500 users, 1–32 workers and 1–32 threads")
    if not (5 <= args.duration <= 3600 and 0 <= args.warm_up <= 600):
        parser.error("--duration is 5 to 3600 s, --warm-up 0 to 600 s")
    return args


def role_counts(users, shares):
    """Users per role in proportion to the shares, the remainders to the largest fractions."""
    total = sum(shares.values())
    exact = {role: users * shares.get(role, 0) / total for role in ROLES}
    counts = {role: int(value) for role, value in exact.items()}
    for role in sorted(ROLES, key=lambda r: exact[r] - counts[r], reverse=True)[: users - sum(counts.values())]:
        counts[role] += 1
    return counts


# --- the data: the load's own organisations, people and contracts ---------------------------


def setup_data(args):
    """Create (or find) the load's organisations, people, contracts and register entries; delete
    the load suppliers' returns of earlier runs. Returns what the virtual users need."""
    from django.db import connection, transaction
    from django.utils import timezone

    from charter.models import CharterVersion, Membership, Organisation, Role, Signature, User
    from charter.models.people import normalise_name
    from commitments.models import Contract, Return, ReturnLine
    from reporting.models import Snapshot
    from toms.models import Measure

    missing = {line["measure"] for line in LINES} - set(
        Measure.objects.filter(code__in=[line["measure"] for line in LINES]).values_list("code", flat=True)
    )
    if missing:
        sys.exit(f"The database lacks the measures {sorted(missing)}: load the TOM framework first.")

    def organisation(name, **fields):
        org = Organisation.objects.filter(name=name).first()
        return org or Organisation.objects.create(name=name, **fields)

    def person(email, full_name, **fields):
        user = User.objects.filter(email=email).first()
        if user is None:
            return User.objects.create_user(email, PASSWORD, full_name=full_name, **fields)
        if not user.check_password(PASSWORD) or not user.is_active:
            user.set_password(PASSWORD)
            user.is_active = True
            user.save()
        return user

    def member(user, org, role):
        Membership.objects.get_or_create(user=user, organisation=org, defaults={"role": role})

    with transaction.atomic():
        council = organisation("Load Council", sector="public", kind="local_authority", place="wirral", size="large")
        commissioners = []
        for n in range(1, COMMISSIONERS + 1):
            user = person(f"load.commissioner{n}@load.example", f"Load Commissioner {n}")
            member(user, council, Role.COMMISSIONER)
            commissioners.append(user.email)
        suppliers, reporters = [], []
        for n in range(1, SUPPLIERS + 1):
            org = organisation(
                f"Load supplier {n:02d}", sector="private", kind="business", place=PLACES[n % len(PLACES)],
                size="medium",
            )
            user = person(f"load.reporter{n:02d}@load.example", f"Load Reporter {n:02d}")
            member(user, org, Role.REPORTER)
            suppliers.append(org)
            reporters.append(user.email)
        analysts = [
            person(f"load.analyst{n}@load.example", f"Load Analyst {n}", system_role="icb_analyst").email
            for n in range(1, ANALYSTS + 1)
        ]

        existing = set(Contract.objects.filter(commissioner=council).values_list("reference", flat=True))
        Contract.objects.bulk_create(
            [
                Contract(
                    commissioner=council, supplier=org, reference=f"LOAD-{s:02d}-{k:04d}",
                    title=f"Load contract {s:02d}-{k:04d}", value=250_000 + k, start_date=CONTRACT_START,
                    end_date=CONTRACT_END, places_served=[org.place],
                )
                for s, org in enumerate(suppliers, start=1)
                for k in range(1, args.contracts_per_supplier + 1)
                if f"LOAD-{s:02d}-{k:04d}" not in existing
            ],
            batch_size=1000,
        )
        contracts = defaultdict(list)
        for supplier_id, pk in (
            Contract.objects.filter(commissioner=council, supplier__in=suppliers, start_date=CONTRACT_START)
            .order_by("pk").values_list("supplier_id", "pk")
        ):
            contracts[supplier_id].append(pk)

        # The load returns of earlier runs, their lines and their history, so that every
        # (contract, quarter) is free again.
        old = list(Return.objects.filter(organisation__in=suppliers).values_list("pk", flat=True))
        if old:
            Return.objects.filter(pk__in=old).delete()
            ReturnLine.history.model.objects.filter(return_obj_id__in=old).delete()
            Return.history.model.objects.filter(id__in=old).delete()

        # The public register: organisations with a live signature from this year on.
        have = Organisation.objects.filter(name__startswith="Load signatory ").count()
        if have < args.signatories:
            Organisation.objects.bulk_create(
                [
                    Organisation(
                        name=f"Load signatory {i:05d}", slug=f"load-signatory-{i:05d}",
                        normalised_name=normalise_name(f"Load signatory {i:05d}"),
                        sector=("private", "vcfse", "public")[i % 3],
                        kind=("business", "charity", "nhs_trust")[i % 3], place=PLACES[i % len(PLACES)],
                        size=("micro", "small", "medium", "large")[i % 4],
                    )
                    for i in range(have + 1, args.signatories + 1)
                ],
                batch_size=2000,
            )
        version = CharterVersion.objects.current()
        if version is None:
            sys.exit("The database has no published Charter version.")
        unsigned = Organisation.objects.filter(name__startswith="Load signatory ").exclude(
            signatures__status="live"
        )
        now = timezone.now()
        start_of_year = timezone.make_aware(dt.datetime(2026, 4, 1))
        Signature.objects.bulk_create(
            [
                Signature(
                    organisation=org, version=version, status="live", signatory_name="A Person",
                    designation="Chief Executive", signatory_email=f"ceo{org.pk}@load.example",
                    principles=version.principles[:3], priorities=version.priorities[:2],
                    statement="We will buy local, hire locally and volunteer with local charities. " * 3,
                    confirmed_at=now, live_from=max(start_of_year, now - dt.timedelta(days=org.pk % 200)),
                )
                for org in unsigned
            ],
            batch_size=2000,
        )
        slugs = list(
            Organisation.objects.filter(name__startswith="Load signatory ", signatures__status="live")
            .order_by("pk").values_list("slug", flat=True)
        )

        published = None
        if not args.no_publish and not Snapshot.objects.filter(published_at__isnull=False).exists():
            latest = Snapshot.objects.filter(built_at__isnull=False).order_by("-year", "-quarter").first()
            if latest:
                latest.published_at = now
                latest.save(update_fields=["published_at"])
                published = latest
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE charter_organisation, charter_signature, commitments_contract, commitments_return")
    return {
        "suppliers": [(org.pk, reporters[i], contracts[org.pk]) for i, org in enumerate(suppliers)],
        "commissioners": commissioners,
        "analysts": analysts,
        "slugs": slugs,
        "deleted_returns": len(old),
        "published": published,
    }


def describe_data():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        counts = {}
        for label, table in [("organisations", "charter_organisation"), ("live signatures", "charter_signature"),
                             ("contracts", "commitments_contract"), ("returns", "commitments_return")]:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (constant table names)
            counts[label] = cursor.fetchone()[0]
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'commitments_returnline'")
        counts["return lines (estimate)"] = cursor.fetchone()[0]
        cursor.execute("SELECT year, quarter, published_at IS NOT NULL FROM reporting_snapshot "
                       "WHERE built_at IS NOT NULL ORDER BY year, quarter")
        snapshots = [f"{y}/{(y + 1) % 100:02d} Q{q}{' (published)' if p else ''}" for y, q, p in cursor.fetchall()]
    return version, counts, snapshots


# --- the server -----------------------------------------------------------------------------


def redis_databases(args):
    import redis

    return [redis.Redis.from_url(f"{args.redis_url}/{db}") for db in (args.broker_db, args.cache_db)]


def server_environment(args, static_root):
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "PYTHONPATH"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update({
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "LOAD_STATIC_ROOT": str(static_root),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": args.database_url,
        "DB_CONN_MAX_AGE": str(args.conn_max_age),
        "CELERY_BROKER_URL": f"{args.redis_url}/{args.broker_db}",
        "CACHE_URL": f"{args.redis_url}/{args.cache_db}",
        "EMAIL_URL": "consolemail://",
        # Plain HTTP on loopback: no redirect to HTTPS, and cookies a plain-HTTP client sends back.
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "TRUSTED_PROXY_COUNT": "0",
        "LOG_LEVEL": "WARNING",
    })
    return env


def collect_static(env):
    started = time.perf_counter()
    subprocess.run(
        [str(REPO / ".venv/bin/python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=REPO, env=env, check=True,
    )
    return time.perf_counter() - started


def machine_cpu():
    """(busy, total) jiffies of every CPU since boot, from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def cpu_seconds(pid):
    """CPU time (user + system) of a process and its children, from /proc."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    for p in [str(pid), *children]:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


# --- the virtual users ----------------------------------------------------------------------


class Run:
    """The shared state of a run: the clock, the results, the returns waiting for review."""

    def __init__(self, base, think, seed):
        self.base = base
        self.think_range = think
        self.seed = seed
        self.lock = threading.Lock()
        self.samples = defaultdict(list)  # page -> [seconds], measured window only
        self.errors = []  # (phase, page, method, path, status, detail)
        self.counts = defaultdict(int)
        self.to_review = queue.SimpleQueue()
        self.measure_from = self.measure_until = self.stop_at = float("inf")
        self.tokens = {}
        self.solo = None  # page -> [seconds] while pages are requested one at a time

    def phase(self, at):
        if at < self.measure_from:
            return "warm-up"
        return "measured" if at < self.measure_until else "after"

    def running(self):
        return time.monotonic() < self.stop_at

    def record(self, page, started, elapsed, ok, method, path, status, detail):
        phase = self.phase(started)
        with self.lock:
            if self.solo is not None:
                self.solo[page].append(elapsed)
            elif phase == "measured":
                self.samples[page].append(elapsed)
                if not ok:
                    self.counts[f"errors:{page}"] += 1
            if not ok:
                self.errors.append((phase, page, method, path, status, detail))

    def count(self, what):
        with self.lock:
            self.counts[what] += 1


class VirtualUser:
    role = ""

    def __init__(self, run, number):
        import requests

        self.run = run
        self.number = number
        self.rng = random.Random(run.seed * 1000 + number)
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"sv-load/{self.role}-{number}"

    def think(self):
        low, high = self.run.think_range
        time.sleep(self.rng.uniform(low, high))

    def request(self, page, method, path, *, expect=(200,), record=True, **kwargs):
        """One request, timed; None (and an error recorded) unless its status is expected."""
        import requests

        if not self.run.running():
            return None
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 30)
        started = time.monotonic()
        try:
            response = self.session.request(method, self.run.base + path, **kwargs)
            status, detail = response.status_code, ""
            if status not in expect:
                detail = response.headers.get("Location") or response.text[:300]
        except requests.RequestException as exc:
            response, status, detail = None, 0, f"{type(exc).__name__}: {exc}"[:300]
        elapsed = time.monotonic() - started
        ok = status in expect
        if record:
            self.run.record(page, started, elapsed, ok, method, path, status, detail)
        elif not ok:
            with self.run.lock:
                self.run.errors.append(("sign-in", page, method, path, status, detail))
        return response if ok else None

    def sign_in(self, email):
        page = self.request("sign-in page", "GET", "/accounts/login/", record=False)
        match = CSRF_INPUT.search(page.text) if page is not None else None
        if not match:
            return False
        signed_in = self.request(
            "sign in", "POST", "/accounts/login/", expect=(302,), record=False,
            data={"csrfmiddlewaretoken": match.group(1), "username": email, "password": PASSWORD},
            headers={"Referer": self.run.base + "/accounts/login/"},
        )
        return signed_in is not None and "/accounts/login/" not in signed_in.headers.get("Location", "")

    def prepare(self):
        return True

    def tasks(self):
        raise NotImplementedError

    def pages(self):
        """The pages this user reads, for requesting them one at a time before the load."""
        return []

    def live(self):
        tasks = self.tasks()
        weights = [w for w, _ in tasks]
        while self.run.running():
            self.rng.choices(tasks, weights)[0][1]()
            self.think()


class Visitor(VirtualUser):
    """Anonymous: the home page, the register (browsed, searched, an entry) and the public summary."""

    role = "public"

    def tasks(self):
        slugs = self.run.slugs

        def search():
            self.request("register search", "GET", "/register/",
                         params={"q": f"signatory {self.rng.randint(1, 999)}", "place": self.rng.choice(["", *PLACES])})

        return [
            (1, lambda: self.request("home (anonymous)", "GET", "/")),
            (2, lambda: self.request("register", "GET", "/register/",
                                     params={"page": self.rng.randint(1, 20)} if self.rng.random() < 0.5 else None)),
            (2, search),
            (2, lambda: self.request("register entry", "GET", f"/register/{self.rng.choice(slugs)}/")),
            (1, lambda: self.request("public summary", "GET", "/social-value/")),
        ]

    def pages(self):
        return [task for _, task in self.tasks()]


class Supplier(VirtualUser):
    """A reporter: the returns list, then a return created, filled in and submitted by the API."""

    role = "supplier"

    def __init__(self, run, number, organisation_id, email, slots):
        super().__init__(run, number)
        self.organisation_id, self.email, self.slots = organisation_id, email, slots

    def prepare(self):
        if not self.sign_in(self.email):
            return False
        with self.run.lock:  # one token per reporter, as an integration would keep it
            token = self.run.tokens.get(self.email)
        if token is None:
            answer = self.request("API token", "POST", "/api/v1/token/", record=False,
                                  json={"email": self.email, "password": PASSWORD})
            if answer is None:
                return False
            token = answer.json()["token"]
            with self.run.lock:
                self.run.tokens[self.email] = token
        self.api = {"Authorization": f"Token {token}", "Accept": "application/json"}
        return True

    def submit_a_return(self):
        if self.request("returns list", "GET", "/returns/") is None:
            return
        try:
            contract, quarter = self.slots.get_nowait()
        except queue.Empty:
            self.run.count("no (contract, quarter) left")
            return
        self.think()
        created = self.request(
            "API: start a return", "POST", "/api/v1/returns/", expect=(201,), headers=self.api,
            json={"organisation": self.organisation_id, "contract": contract, "quarter": quarter},
        )
        if created is None:
            return
        body = created.json()
        path = f"/api/v1/returns/{body['id']}/"
        self.think()
        saved = self.request("API: save lines", "PUT", path, headers=self.api,
                             json={"revision": body["revision"], "lines": LINES})
        if saved is None:
            return
        self.think()
        submitted = self.request("API: submit", "POST", path + "submit/", headers=self.api,
                                 json={"attested": True, "revision": saved.json()["revision"]})
        if submitted is not None:
            self.run.count("returns submitted")
            self.run.to_review.put(body["id"])

    def tasks(self):
        return [(4, self.submit_a_return), (1, lambda: self.request("home (supplier)", "GET", "/"))]

    def pages(self):
        return [lambda: self.request("home (supplier)", "GET", "/"),
                lambda: self.request("returns list", "GET", "/returns/")]


class Commissioner(VirtualUser):
    """A commissioner of the Load Council: the review list, a submitted return, approved."""

    role = "commissioner"

    def __init__(self, run, number, email):
        super().__init__(run, number)
        self.email = email

    def prepare(self):
        return self.sign_in(self.email)

    def review_one(self):
        listing = self.request("review list", "GET", "/returns/review/")
        if listing is None:
            return
        try:
            pk = self.run.to_review.get_nowait()
        except queue.Empty:
            return
        self.think()
        page = self.request("return page (reviewer)", "GET", f"/returns/{pk}/")
        if page is None:
            return
        match = CSRF_INPUT.search(page.text)
        token = match.group(1) if match else self.session.cookies.get("csrftoken", "")
        self.think()
        approved = self.request(
            "approve (review form)", "POST", f"/returns/{pk}/review/", expect=(302,),
            data={"csrfmiddlewaretoken": token, "decision": "approve", "comment": ""},
            headers={"Referer": self.run.base + f"/returns/{pk}/"},
        )
        if approved is not None:
            self.run.count("returns approved")

    def tasks(self):
        return [(4, self.review_one), (1, lambda: self.request("home (commissioner)", "GET", "/"))]

    def pages(self):
        return [lambda: self.request("home (commissioner)", "GET", "/"),
                lambda: self.request("review list", "GET", "/returns/review/")]


class Analyst(VirtualUser):
    """An ICB analyst: home, and the dashboard for 2025/26 Q4, whole and by place."""

    role = "analyst"

    def __init__(self, run, number, email):
        super().__init__(run, number)
        self.email = email

    def prepare(self):
        return self.sign_in(self.email)

    def tasks(self):
        return [
            (1, lambda: self.request("home (ICB)", "GET", "/")),
            (2, lambda: self.request("dashboard", "GET", "/reporting/dashboard/",
                                     params={"quarter": DASHBOARD_QUARTER})),
            (2, lambda: self.request("dashboard by place", "GET", "/reporting/dashboard/",
                                     params={"quarter": DASHBOARD_QUARTER, "place": self.rng.choice(PLACES)})),
        ]

    def pages(self):
        return [task for _, task in self.tasks()]


def make_users(run, counts, data, rng):
    users, number = [], 0
    slots = []
    for _organisation, _email, contract_ids in data["suppliers"]:
        pairs = [(c, q) for c in contract_ids for q in QUARTERS]
        rng.shuffle(pairs)
        pool = queue.SimpleQueue()
        for pair in pairs:
            pool.put(pair)
        slots.append(pool)
    for role in ROLES:
        for k in range(counts[role]):
            number += 1
            if role == "public":
                users.append(Visitor(run, number))
            elif role == "supplier":
                organisation_id, email, _ = data["suppliers"][k % len(data["suppliers"])]
                users.append(Supplier(run, number, organisation_id, email, slots[k % len(slots)]))
            elif role == "commissioner":
                users.append(Commissioner(run, number, data["commissioners"][k % len(data["commissioners"])]))
            else:
                users.append(Analyst(run, number, data["analysts"][k % len(data["analysts"])]))
    return users


def run_load(args, base, data, counts, server_pid):
    run = Run(base, args.think, args.seed)
    run.server_pid = server_pid
    run.slugs = data["slugs"]
    users = make_users(run, counts, data, random.Random(args.seed))

    # Sign in first, four at a time (each sign-in hashes a password: about a CPU-second), unmeasured.
    started = time.monotonic()
    signing_in = threading.Semaphore(4)
    ready = []

    def prepare(user):
        with signing_in:
            if user.prepare():
                with run.lock:
                    ready.append(user)

    threads = [threading.Thread(target=prepare, args=(u,), daemon=True) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    signed_in = time.monotonic() - started
    if len(ready) != len(users):
        return run, signed_in, None

    # Each page alone (one request at a time), after one unmeasured request per worker, for comparison.
    solo = defaultdict(list)
    if args.solo:
        for user in {type(u): u for u in reversed(users)}.values():  # the first user of each role
            for page in user.pages():
                for _ in range(args.workers):
                    page()
                run.solo = solo
                for _ in range(args.solo):
                    page()
                run.solo = None
    run.solo_figures = solo

    # Users start over the first seconds of the warm-up, in a random order, like a spawn rate.
    now = time.monotonic()
    ramp = min(5.0, args.warm_up / 2)
    run.measure_from = now + args.warm_up
    run.measure_until = run.stop_at = run.measure_from + args.duration
    loads = []

    def live(user, delay):
        time.sleep(delay)
        user.live()

    order = list(users)
    random.Random(args.seed).shuffle(order)
    threads = [
        threading.Thread(target=live, args=(u, ramp * i / len(order)), daemon=True) for i, u in enumerate(order)
    ]
    for thread in threads:
        thread.start()
    while time.monotonic() < run.measure_from:
        time.sleep(0.2)
    sampler_stop = threading.Event()

    def sample_load():
        while not sampler_stop.wait(5):
            loads.append(os.getloadavg()[0])

    sampler = threading.Thread(target=sample_load, daemon=True)
    sampler.start()
    measured = {"load_start": os.getloadavg(), "cpu_start": cpu_seconds(run.server_pid),
                "machine_start": machine_cpu(), "client_start": sum(os.times()[:2])}
    while time.monotonic() < run.measure_until:
        time.sleep(0.2)
    measured["cpu_end"] = cpu_seconds(run.server_pid)
    measured["machine_end"] = machine_cpu()
    measured["client_end"] = sum(os.times()[:2])
    measured["load_end"] = os.getloadavg()
    sampler_stop.set()
    for thread in threads:
        thread.join(timeout=40)
    measured["load_samples"] = loads
    return run, signed_in, measured


def verify(data, run):
    """The load suppliers' returns in the database agree with what the users were told."""
    from django.db.models import Count

    from commitments.models import Return

    returns = Return.objects.filter(organisation_id__in=[org for org, _, _ in data["suppliers"]])
    by_status = dict(returns.values_list("status").annotate(n=Count("pk")).order_by())
    sent = returns.exclude(status="draft")
    wrong_lines = sent.annotate(n=Count("lines")).exclude(n=len(LINES)).count()
    approved, submitted = run.counts["returns approved"], run.counts["returns submitted"]
    ok = (by_status.get("approved", 0) == approved and by_status.get("submitted", 0) == submitted - approved
          and wrong_lines == 0 and set(by_status) <= {"draft", "submitted", "approved"})
    print(f"Database: the load returns by status {dict(sorted(by_status.items()))}, {wrong_lines} sent without "
          f"their {len(LINES)} lines: {'OK' if ok else 'WRONG'} ({submitted} submitted and {approved} approved "
          "by the users; drafts are returns the clock stopped)")
    return ok


# --- the report -----------------------------------------------------------------------------


def ms(seconds):
    return f"{seconds * 1000:8.0f}"


def report(run, duration, measured):
    if run.solo_figures:
        print("\nEach page alone (one request at a time, medians; before the load):")
        print("  " + ", ".join(f"{page} {statistics.median(v) * 1000:.0f} ms" for page, v in run.solo_figures.items()))
    everything = [x for values in run.samples.values() for x in values]
    errors_measured = sum(1 for e in run.errors if e[0] == "measured")
    print(f"\nMeasured {duration:.0f} s: {len(everything)} requests, {len(everything) / duration:.1f} requests/s, "
          f"{errors_measured} errors")
    print(f"  {'page':<26} {'requests':>8} {'req/s':>6} {'median':>8} {'p95':>8} {'max':>8} {'errors':>6}   (ms)")
    order = ["home (anonymous)", "register", "register search", "register entry", "public summary",
             "home (supplier)", "returns list", "API: start a return", "API: save lines", "API: submit",
             "home (commissioner)", "review list", "return page (reviewer)", "approve (review form)",
             "home (ICB)", "dashboard", "dashboard by place"]
    over = []
    for page in [p for p in order if p in run.samples] + sorted(set(run.samples) - set(order)):
        values = run.samples[page]
        p95 = percentile(values, 0.95)
        if p95 > 0.3:
            over.append(page)
        print(f"  {page:<26} {len(values):>8} {len(values) / duration:>6.1f} {ms(statistics.median(values))} "
              f"{ms(p95)} {ms(max(values))} {run.counts.get(f'errors:{page}', 0):>6}{'  over 300 ms' if p95 > 0.3 else ''}")
    print(f"  {'all requests':<26} {len(everything):>8} {len(everything) / duration:>6.1f} "
          f"{ms(statistics.median(everything) if everything else 0)} {ms(percentile(everything, 0.95))} "
          f"{ms(max(everything, default=0))} {errors_measured:>6}")
    print(f"  returns submitted {run.counts['returns submitted']}, approved {run.counts['returns approved']} "
          f"(whole run, warm-up included)")
    if run.counts["no (contract, quarter) left"]:
        print(f"  suppliers found no free (contract, quarter) {run.counts['no (contract, quarter) left']} times: "
              "raise --contracts-per-supplier")
    samples = measured["load_samples"]
    mean = statistics.fmean(samples) if samples else measured["load_end"][0]
    print(f"Load average (1 min) at the start {measured['load_start'][0]:.2f}, during {min(samples, default=mean):.2f} "
          f"to {max(samples, default=mean):.2f} (mean {mean:.2f}), at the end {measured['load_end'][0]:.2f}; "
          f"{os.cpu_count()} CPUs")
    cpu = measured["cpu_end"] - measured["cpu_start"]
    client = measured["client_end"] - measured["client_start"]
    busy = measured["machine_end"][0] - measured["machine_start"][0]
    jiffies = measured["machine_end"][1] - measured["machine_start"][1]
    print(f"CPU in the {duration:.0f} s: the machine {busy / max(jiffies, 1):.0%} busy; gunicorn {cpu:.1f} CPU-s "
          f"({cpu / duration:.2f} CPUs, {cpu / max(len(everything), 1) * 1000:.1f} ms per request); "
          f"these clients {client:.1f} CPU-s; the rest is PostgreSQL, Redis and other work on the machine")
    if run.errors:
        print(f"\nErrors ({len(run.errors)}, all phases):")
        for phase, page, method, path, status, detail in run.errors[:15]:
            print(f"  [{phase}] {page}: {method} {path} -> {status or 'no answer'}: {detail[:200]!r}")
    if over:
        print(f"\nTarget missed: p95 over 300 ms for {', '.join(over)}.")
    return over


def main():
    args = parse_args()
    import environ

    config = environ.Env.db_url_config(args.database_url)
    if "postgresql" not in config["ENGINE"]:
        sys.exit("This benchmark needs PostgreSQL: --database-url postgres://…")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DEBUG"] = "true"  # this process only sets up the data; the server runs with DEBUG off
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL"):
        os.environ.pop(name, None)
    counts = role_counts(args.users, args.mix)
    if counts["supplier"] and not counts["commissioner"]:
        print("Note: no commissioner in the mix; submitted returns stay unreviewed.")

    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    data = setup_data(args)
    version, sizes, snapshots = describe_data()
    connections.close_all()
    print(f"PostgreSQL {version}, database {config['NAME']!r}: "
          + ", ".join(f"{n:,} {label}" for label, n in sizes.items()))
    print(f"  snapshots: {', '.join(snapshots) or 'none'}")
    print(f"  load data ready in {time.perf_counter() - started:.1f} s: {SUPPLIERS} suppliers × "
          f"{args.contracts_per_supplier} contracts × {len(QUARTERS)} quarters of 2026/27, {len(data['slugs']):,} "
          f"load signatories; {data['deleted_returns']} returns of earlier runs deleted")
    if data["published"]:
        print(f"  published the snapshot of {data['published'].period} for the public summary")
    if "2025/26 Q4" not in ", ".join(snapshots):
        print("  warning: no snapshot of 2025/26 Q4: the dashboard has nothing to show (bench/snapshot_build.py)")

    tmpdir = Path(tempfile.mkdtemp(prefix="sv-load-"))
    log_path = tmpdir / "gunicorn.log"
    env = server_environment(args, tmpdir / "static")
    brokers = redis_databases(args)
    server = None
    ok = False
    over = []
    try:
        for db in brokers:
            db.flushdb()
        print(f"collectstatic into {tmpdir / 'static'}: {collect_static(env):.1f} s")
        port = free_port()
        server = start_gunicorn(port, log_path, env, workers=args.workers, threads=args.threads)
        wait_until_answering(server, port, log_path, path="/accounts/login/")
        kind = f"gthread, {args.threads} threads each" if args.threads > 1 else "sync"
        print(f"gunicorn: {args.workers} workers ({kind}) on 127.0.0.1:{port}, DEBUG off, "
              f"DB_CONN_MAX_AGE={args.conn_max_age}; Celery broker {env['CELERY_BROKER_URL']} with no worker "
              f"(approvals queue the snapshot refresh, not build it), cache {env['CACHE_URL']}; log {log_path}")
        print(f"{args.users} users: " + ", ".join(f"{n} {role}" for role, n in counts.items())
              + f"; {args.think[0]:g}–{args.think[1]:g} s between a user's requests; "
              f"warm-up {args.warm_up:g} s, measured {args.duration:g} s")

        run, signed_in, measured = run_load(args, f"http://127.0.0.1:{port}", data, counts, server.pid)
        print(f"signed in {sum(counts[r] for r in ROLES if r != 'public')} users in {signed_in:.1f} s (not measured)")
        if measured is None:
            print("Some users could not sign in; nothing was measured.")
            for error in run.errors[:10]:
                print(f"  {error}")
            print(tail(log_path, 40))
            return 1
        over = report(run, args.duration, measured)
        queued = brokers[0].llen("celery")
        print(f"Celery tasks left queued in Redis (e-mails, snapshot refreshes; discarded): {queued}")
        stop_gunicorn(server)
        server = None
        log = log_path.read_text(errors="replace")
        tracebacks = log.count("Traceback (most recent call last)")
        if tracebacks:
            print(f"\nThe server log has {tracebacks} tracebacks; its end:\n{tail(log_path, 40)}")
        consistent = verify(data, run)
        ok = not run.errors and not tracebacks and consistent
        print(f"\n{'No errors' if ok else 'FAILED'}: {len(run.errors)} errors; "
              + (f"target missed: p95 over 300 ms on {len(over)} of {len(run.samples)} pages" if over
                 else "target met: every page's p95 under 300 ms"))
    finally:
        stop_gunicorn(server)
        for db in brokers:
            with contextlib.suppress(Exception):
                db.flushdb()
        if ok:
            shutil.rmtree(tmpdir, ignore_errors=True)
        else:
            print(f"Server log kept: {log_path}")
    if not ok:
        return 1
    return 2 if over else 0


if __name__ == "__main__":
    sys.exit(main())
