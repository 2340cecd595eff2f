#!/usr/bin/env python
"""Benchmark of the lists and tasks that grow with the data: the register, its exports, the
signing search, the ICB's returns list and the reminders task.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sv_perf \\
        .venv/bin/python bench/lists.py                    # 20,000 organisations, 5,000 signatures
    ... bench/lists.py --scale 0.1 --runs 5                # a smaller data set, quicker

It builds its own throwaway database (Django's test-database machinery, so the real one is never
touched), fills it with bulk inserts (organisations, live signatures, contracts, quarterly returns
and their lines, people), then prints for each page the SQL queries, response size and the median
and p95 time of N requests with the Django test Client after one warm-up, and for the reminders
task its time and queries on a first run (e-mails sent) and a second run (nothing due).
It asserts nothing: it prints figures.
"""

import argparse
import datetime as dt
import logging
import statistics
import sys
import time
import tracemalloc
import warnings
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench._common import configure_environment, database_description  # noqa: E402

TODAY = dt.date(2026, 2, 20)  # Q3 2025/26 has ended; its returns are due on 1 March


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 20,000 organisations (default)")
    parser.add_argument("--runs", type=int, default=10, help="requests per page (default 10)")
    parser.add_argument("--only", default="", help="measure only the pages whose label contains this")
    parser.add_argument(
        "--keep", action="store_true",
        help="keep the throwaway database afterwards, and reuse it (without building) if it is there",
    )
    return parser.parse_args()


def build(scale):
    """The data set, by bulk inserts. Returns the ICB admin to sign in as."""
    from django.utils import timezone

    from charter.models import CharterVersion, Membership, Organisation, Signature, User
    from commitments.models import Contract, Return, ReturnLine
    from toms.models import Measure
    from toms.services import load_framework

    load_framework()
    n_orgs = int(20_000 * scale)
    n_signed = int(5_000 * scale)
    n_contracts = max(int(2_000 * scale), 10)
    kinds = ["private_company", "charity", "social_enterprise", "council", "nhs_trust"]
    sectors = ["private", "vcfse", "vcfse", "public", "public"]
    places = ["liverpool", "wirral", "sefton", "knowsley", "st_helens", "halton", "warrington", "cheshire_east"]
    orgs = [
        Organisation(
            name=f"Bench Organisation {i:05d}", slug=f"bench-organisation-{i:05d}",
            normalised_name=f"bench organisation {i:05d}", sector=sectors[i % 5], kind=kinds[i % 5],
            place=places[i % len(places)], size="small", is_anchor_institution=i % 5 >= 3,
        )
        for i in range(n_orgs)
    ]
    Organisation.objects.bulk_create(orgs, batch_size=2000)
    orgs = list(Organisation.objects.order_by("pk"))
    version = CharterVersion.objects.current()
    now = timezone.now()
    Signature.objects.bulk_create(
        [
            Signature(
                organisation=org, version=version, status="live", signatory_name="A Person",
                designation="Chief Executive", signatory_email=f"ceo{org.pk}@bench.example",
                principles=version.principles[:3], priorities=version.priorities[:2],
                statement="We will buy local, hire locally and volunteer with local charities. " * 3,
                confirmed_at=now, live_from=now - dt.timedelta(days=org.pk % 700),
            )
            for org in orgs[:n_signed]
        ],
        batch_size=2000,
    )
    icb = User.objects.create_user("icb.admin@bench.example", "bench-password-2026", full_name="ICB", system_role="icb_admin")
    commissioners = [o for o in orgs if o.sector == "public"][:50]
    suppliers = [o for o in orgs if o.sector != "public"][: max(n_contracts // 2, 5)]
    Contract.objects.bulk_create(
        [
            Contract(
                commissioner=commissioners[i % len(commissioners)], supplier=suppliers[i % len(suppliers)],
                reference=f"BEN-{i:05d}", title=f"Bench contract {i}", value=Decimal(1_000_000),
                start_date=dt.date(2024, 4, 1), end_date=dt.date(2028, 3, 31), places_served=["liverpool"],
            )
            for i in range(n_contracts)
        ],
        batch_size=2000,
    )
    users = User.objects.bulk_create(
        [User(email=f"reporter{s.pk}@bench.example", full_name=f"Reporter {s.pk}") for s in suppliers]
    )
    users = {u.email: u for u in User.objects.filter(email__startswith="reporter")}
    Membership.objects.bulk_create(
        [Membership(organisation=s, user=users[f"reporter{s.pk}@bench.example"], role="reporter") for s in suppliers]
    )
    # Eight quarters per contract, 2024/25 Q1 to 2025/26 Q3 less the last: approved, then a few
    # submitted and a draft, so that some returns are due and overdue.
    quarters = [(2024, 1), (2024, 2), (2024, 3), (2024, 4), (2025, 1), (2025, 2), (2025, 3)]
    returns = []
    for contract in Contract.objects.all():
        for k, (year, quarter) in enumerate(quarters):
            if (year, quarter) == (2025, 3) and contract.pk % 3:
                continue  # most contracts have not started Q3: due
            status = "approved" if k < 5 else ("submitted" if contract.pk % 2 else "draft")
            returns.append(
                Return(
                    organisation_id=contract.supplier_id, contract=contract, year=year, quarter=quarter,
                    status=status, attested=status != "draft", submitted_at=now if status != "draft" else None,
                )
            )
    Return.objects.bulk_create(returns, batch_size=2000)
    measures = list(Measure.objects.order_by("code")[:8])
    ReturnLine.objects.bulk_create(
        (
            ReturnLine(return_obj_id=pk, measure=m, quantity=Decimal(10), narrative="Delivered.")
            for pk in Return.objects.values_list("pk", flat=True)
            for m in measures
        ),
        batch_size=5000,
    )
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load: realistic plans
    return icb, data_sizes()


def data_sizes():
    from charter.models import Organisation, Signature
    from commitments.models import Contract, Return, ReturnLine

    return {
        "organisations": Organisation.objects.count(), "signatures": Signature.objects.count(),
        "contracts": Contract.objects.count(), "returns": Return.objects.count(),
        "lines": ReturnLine.objects.count(),
    }


def kept():
    """The ICB admin and sizes of a data set kept from an earlier ``--keep`` run, or (None, None)."""
    from charter.models import User

    icb = User.objects.filter(email="icb.admin@bench.example").first()
    if icb is None:
        return None, None
    return icb, data_sizes()


def measure(client, url, runs, before=None):
    """``before``: called before each request (not timed), e.g. a change that empties a cache."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get():
        if before is not None:
            before()
        # A streamed response is read chunk by chunk, as a client would, not held whole.
        response = client.get(url)
        if response.streaming:
            return response, sum(len(chunk) for chunk in response.streaming_content)
        return response, len(response.content)

    response, body = get()  # warm-up
    times = []
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        get()
        times.append(time.perf_counter() - started)
    count = len(queries)
    for _ in range(runs - 1):
        started = time.perf_counter()
        get()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    get()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return response.status_code, body, count, statistics.median(times), p95, peak


def reminders():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from commitments.models import ReturnReminder
    from commitments.tasks import send_return_reminders

    ReturnReminder.objects.all().delete()  # a kept data set: as if never reminded
    rows = []
    for label in ("first run (sends)", "second run (nothing due)"):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            sent = send_return_reminders(today=TODAY.isoformat())
            elapsed = time.perf_counter() - started
        rows.append((label, sent, elapsed, len(queries)))
    return rows


def main():
    args = parse_args()
    configure_environment()
    import django

    django.setup()
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment, teardown_test_environment

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    setup_test_environment(debug=False)
    old_name = None
    try:
        old_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False, keepdb=args.keep
        )
        print(database_description(connection))
        started = time.perf_counter()
        icb, sizes = kept() if args.keep else (None, None)
        if icb is None:
            icb, sizes = build(args.scale)
        print(f"data set built in {time.perf_counter() - started:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in sizes.items()))
        anonymous, signed_in = Client(), Client()
        signed_in.force_login(icb)
        pages = [
            ("register, first page", anonymous, "/register/"),
            ("register, a search", anonymous, "/register/?q=Organisation+004"),
            ("register CSV export", anonymous, "/register/export.csv"),
            ("register JSON export", anonymous, "/register/export.json"),
            ("signing search (20 signed)", anonymous, "/charter/sign/?q=Bench+Organisation+00"),
            ("returns, ICB", signed_in, "/returns/"),
            ("due returns, ICB", signed_in, "/returns/due/"),
            ("overdue returns, last page", signed_in, "/returns/due/?overdue=1&page=last"),
            ("review queue, ICB admin", signed_in, "/returns/review/"),
            ("home, ICB admin", signed_in, "/"),
            ("organisation directory", signed_in, "/icb/organisations/"),
            ("directory, overdue filter", signed_in, "/icb/organisations/?reporting=overdue"),
        ]
        # Due returns' counts are cached until a return, contract, membership or organisation
        # changes: the same pages again, each request just after such a change.
        from commitments.due import RETURN_FIGURES

        changed = [
            ("returns, ICB", "/returns/"), ("due returns, ICB", "/returns/due/"), ("home, ICB admin", "/"),
            ("directory, overdue filter", "/icb/organisations/?reporting=overdue"),
        ]
        pages += [(f"{label}, after a change", signed_in, url, RETURN_FIGURES.changed) for label, url in changed]
        print(f"\n{'page':<42} {'status':>6} {'size':>10} {'queries':>8} {'median':>10} {'p95':>10} {'peak mem':>10}")
        for label, client, url, *before in pages:
            if args.only not in label:
                continue
            try:
                status, size, queries, median, p95, peak = measure(client, url, args.runs, *before)
            except Exception as exc:  # report and go on
                print(f"{label:<42} failed: {exc!r}")
                continue
            print(
                f"{label:<42} {status:>6} {size / 1024:>8.0f}Ki {queries:>8} {median * 1000:>8.0f}ms "
                f"{p95 * 1000:>8.0f}ms {peak / 2**20:>8.1f}Mi"
            )
        print("\nreminders task (send_return_reminders)")
        for label, sent, elapsed, queries in reminders():
            print(f"  {label:<26} {sent:>5} e-mails {elapsed * 1000:>8.0f}ms {queries:>6} queries")
    finally:
        if old_name is not None and not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
