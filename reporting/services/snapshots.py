"""Build a quarter's snapshot in SQL, in one transaction.

The quarter's approved lines (the current version of each return only: an approved amendment
has superseded what it corrects, and submitted returns do not count yet) are staged once in a
temporary table with their £ (gross, and adjusted where the ICB set deadweight and attribution)
and the reporting organisation's place and sector; then ``INSERT … SELECT`` statements aggregate
them into every scope. Nothing loops over rows in Python, so memory stays flat as data grows.

It is idempotent (the snapshot row is kept, its figures replaced) and atomic: if anything fails,
or the worker dies, the transaction rolls back and the previous figures stay as they were.
"""

import datetime as dt
import itertools
import time
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from charter.models import Signature, SignatureStatus
from commitments.due import deadline_of
from reporting.models import (
    Snapshot,
    SnapshotContract,
    SnapshotGroup,
    SnapshotMeasure,
    SnapshotMissing,
    SnapshotVcfse,
)
from toms.periods import Quarter

STAGE = "reporting_stage_lines"
DUE = "reporting_stage_due"

# The scope text place|sector|commissioner for each combination of filters ('*' is all).
SCOPE_PARTS = (
    ("place", "'*'"),
    ("sector", "'*'"),
    ("CAST(comm AS VARCHAR(20))", "'*'"),
)


def scope_expressions():
    for choice in itertools.product((0, 1), repeat=3):
        parts = [SCOPE_PARTS[i][choice[i]] for i in range(3)]
        yield " || '|' || ".join(parts)


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def _tables():
    from charter.models import Organisation
    from commitments.models import Contract, PartnerCommitment, Return, ReturnLine, ReturnLineRecipient, Target
    from toms.models import Adjustment, Measure, ProxyValue

    return {
        "line": _table(ReturnLine),
        "ret": _table(Return),
        "org": _table(Organisation),
        "contract": _table(Contract),
        "pv": _table(ProxyValue),
        "adj": _table(Adjustment),
        "measure": _table(Measure),
        "sm": _table(SnapshotMeasure),
        "sg": _table(SnapshotGroup),
        "sc": _table(SnapshotContract),
        "smiss": _table(SnapshotMissing),
        "sv": _table(SnapshotVcfse),
        "pc": _table(PartnerCommitment),
        "target": _table(Target),
        "recipient": _table(ReturnLineRecipient),
    }


def _stage(cursor, t, quarter):
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE {STAGE} AS
        SELECT l.id AS line_id, l.measure_id, r.id AS return_id, r.organisation_id AS org, r.contract_id,
               o.place, o.sector, COALESCE(c.commissioner_id, 0) AS comm, m.combination AS comb,
               l.quantity AS q,
               ROUND(l.quantity * pv.value, 2) AS gross,
               ROUND(l.quantity * pv.value * (100 - a.deadweight) * (100 - a.attribution) / 10000, 2) AS adjusted
        FROM {t["line"]} l
        JOIN {t["ret"]} r ON r.id = l.return_id
        JOIN {t["org"]} o ON o.id = r.organisation_id
        JOIN {t["measure"]} m ON m.id = l.measure_id
        LEFT JOIN {t["contract"]} c ON c.id = r.contract_id
        LEFT JOIN {t["pv"]} pv ON pv.measure_id = l.measure_id AND pv.financial_year = r.year
        LEFT JOIN {t["adj"]} a ON a.measure_id = l.measure_id AND a.financial_year = r.year
        WHERE r.status = 'approved' AND r.year = %s AND r.quarter = %s
        """,  # noqa: S608 - table names and scope expressions are this module's constants
        [quarter.year, quarter.number],
    )
    # Contract returns owed for the quarter: contracts live in it. Received: a return submitted
    # (or approved, or replaced by an approved amendment). On time: first submitted by the deadline.
    deadline = deadline_of(quarter)
    due_by = timezone.make_aware(dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time()))
    cursor.execute(f"DROP TABLE IF EXISTS {DUE}")
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE {DUE} AS
        SELECT c.id AS contract_id, c.supplier_id, c.commissioner_id AS comm, s.place, s.sector, c.value,
               (SELECT MIN(r.submitted_at) FROM {t["ret"]} r
                 WHERE r.contract_id = c.id AND r.organisation_id = c.supplier_id AND r.year = %s AND r.quarter = %s
                   AND r.status IN ('submitted', 'approved', 'superseded')) AS first_submitted
        FROM {t["contract"]} c JOIN {t["org"]} s ON s.id = c.supplier_id
        WHERE c.start_date <= %s AND c.end_date >= %s
        """,  # noqa: S608 - table names and scope expressions are this module's constants
        [quarter.year, quarter.number, quarter.end, quarter.start],
    )
    return due_by


ORG_ALL = "reporting_stage_org_all"  # per organisation and measure, all commissioners together
ORG_COMM = "reporting_stage_org_comm"  # per organisation, measure and commissioner
CELLS = "reporting_stage_cells"  # per place, sector and commissioner


def _stage_rollups(cursor):
    """Aggregate the staged lines once to the finest grain each figure needs, so that every scope
    is a small roll-up: figures per organisation and measure (for reporters, medians and yes
    counts), and per place, sector and commissioner (returns and contracts belong to exactly one
    commissioner, so their counts add up across cells)."""
    for table in (ORG_ALL, ORG_COMM, CELLS):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    per_org = """
        SELECT place, sector, {comm} AS comm, measure_id, org, MAX(comb) AS comb,
               AVG(q) AS v, MAX(q) AS mx, COUNT(*) AS n, SUM(q) AS qsum, SUM(gross) AS gross,
               SUM(adjusted) AS adjusted, SUM(CASE WHEN gross IS NULL THEN 1 ELSE 0 END) AS unvalued
        FROM {stage} GROUP BY place, sector, {comm_group} measure_id, org
    """
    cursor.execute(f"CREATE TEMPORARY TABLE {ORG_COMM} AS "
                   + per_org.format(comm="comm", comm_group="comm,", stage=STAGE))
    cursor.execute(f"CREATE TEMPORARY TABLE {ORG_ALL} AS "
                   + per_org.format(comm="0", comm_group="", stage=STAGE))
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE {CELLS} AS
        SELECT place, sector, comm, COUNT(DISTINCT return_id) AS returns, COUNT(DISTINCT contract_id) AS contracts,
               SUM(gross) AS gross, SUM(COALESCE(adjusted, gross)) AS adjusted,
               SUM(CASE WHEN contract_id IS NOT NULL THEN gross END) AS contract_gross
        FROM {STAGE} GROUP BY place, sector, comm
        """  # noqa: S608 - table names are this module's constants
    )


def _source(scope):
    """Figures for a scope that names a commissioner come from the per-commissioner table."""
    return ORG_ALL if scope.endswith("'*'") else ORG_COMM


def _insert_measures(cursor, t, snapshot_id, scope):
    source = _source(scope)
    cursor.execute(
        f"""
        WITH ranked AS (
            SELECT {scope} AS scope, measure_id, v,
                   ROW_NUMBER() OVER (PARTITION BY {scope}, measure_id ORDER BY v) AS rn,
                   COUNT(*) OVER (PARTITION BY {scope}, measure_id) AS k
            FROM {source} WHERE comb = 'share'
        ),
        med AS (
            SELECT scope, measure_id, AVG(v) AS median FROM ranked
            WHERE 2 * rn >= k AND 2 * rn <= k + 2 GROUP BY scope, measure_id
        ),
        tot AS (
            SELECT {scope} AS scope, measure_id, SUM(n) AS lines, COUNT(*) AS reporters, SUM(qsum) AS quantity,
                   SUM(CASE WHEN mx >= 1 THEN 1 ELSE 0 END) AS yes_count, MIN(v) AS low, MAX(v) AS high,
                   SUM(gross) AS gross, SUM(adjusted) AS adjusted, SUM(unvalued) AS unvalued
            FROM {source} GROUP BY 1, measure_id
        )
        INSERT INTO {t["sm"]} (snapshot_id, scope, measure_id, lines, reporters, quantity, yes_count,
                               median, low, high, value_gross, value_adjusted, unvalued_lines)
        SELECT %s, tot.scope, tot.measure_id, tot.lines, tot.reporters, tot.quantity, tot.yes_count,
               med.median, tot.low, tot.high, tot.gross, tot.adjusted, tot.unvalued
        FROM tot LEFT JOIN med ON med.scope = tot.scope AND med.measure_id = tot.measure_id
        """,  # noqa: S608 - table names and scope expressions are this module's constants
        [snapshot_id],
    )


def _insert_groups(cursor, t, snapshot_id, scope, due_by):
    orgs = _source(scope)
    cursor.execute(
        f"""
        INSERT INTO {t["sg"]} (snapshot_id, scope, returns, organisations, contracts, value_gross,
                               value_adjusted, contract_value_gross, expected, received, on_time,
                               live_contract_value)
        SELECT %s, scope, SUM(returns), SUM(organisations), SUM(contracts), SUM(gross), SUM(adjusted),
               SUM(contract_gross), SUM(expected), SUM(received), SUM(on_time), SUM(live_value)
        FROM (
            SELECT {scope} AS scope, SUM(returns) AS returns, 0 AS organisations, SUM(contracts) AS contracts,
                   SUM(gross) AS gross, SUM(adjusted) AS adjusted, SUM(contract_gross) AS contract_gross,
                   0 AS expected, 0 AS received, 0 AS on_time, CAST(NULL AS NUMERIC) AS live_value
            FROM {CELLS} GROUP BY 1
            UNION ALL
            SELECT scope, 0, COUNT(*), 0, CAST(NULL AS NUMERIC), CAST(NULL AS NUMERIC), CAST(NULL AS NUMERIC), 0, 0, 0,
                   CAST(NULL AS NUMERIC)
            FROM (SELECT DISTINCT {scope} AS scope, org FROM {orgs}) reporting_organisations GROUP BY scope
            UNION ALL
            SELECT {scope} AS scope, 0, 0, 0, CAST(NULL AS NUMERIC), CAST(NULL AS NUMERIC), CAST(NULL AS NUMERIC),
                   COUNT(*), SUM(CASE WHEN first_submitted IS NOT NULL THEN 1 ELSE 0 END),
                   SUM(CASE WHEN first_submitted < %s THEN 1 ELSE 0 END), SUM(value)
            FROM {DUE} GROUP BY 1
        ) parts
        GROUP BY scope
        """,  # noqa: S608 - table names and scope expressions are this module's constants
        [snapshot_id, due_by],
    )


def _insert_contracts_and_missing(cursor, t, snapshot_id):
    cursor.execute(
        f"""
        INSERT INTO {t["sc"]} (snapshot_id, contract_id, lines, value_gross, value_adjusted)
        SELECT %s, contract_id, COUNT(*), SUM(gross), SUM(COALESCE(adjusted, gross))
        FROM {STAGE} WHERE contract_id IS NOT NULL GROUP BY contract_id
        """,  # noqa: S608 - table names and scope expressions are this module's constants
        [snapshot_id],
    )
    cursor.execute(
        f"""
        INSERT INTO {t["smiss"]} (snapshot_id, contract_id, supplier_id, commissioner_id, place, sector)
        SELECT %s, contract_id, supplier_id, comm, place, sector FROM {DUE} WHERE first_submitted IS NULL
        """,  # noqa: S608 - table names and scope expressions are this module's constants
        [snapshot_id],
    )


def _insert_vcfse(cursor, t, snapshot_id, year):
    """Partner VCFSE delivery against targets, for place and sector scopes."""
    for choice in itertools.product((0, 1), repeat=2):
        scope = " || '|' || ".join([SCOPE_PARTS[i][choice[i]] for i in range(2)] + ["'*'"])
        cursor.execute(
            f"""
            WITH base AS (
                SELECT {scope} AS scope, s.measure_id, s.org, s.q, s.line_id
                FROM {STAGE} s JOIN {t["measure"]} m ON m.id = s.measure_id
                WHERE m.is_partner_vcfse AND s.org IN (SELECT organisation_id FROM {t["pc"]})
            ),
            delivered AS (
                SELECT scope, measure_id, COUNT(DISTINCT org) AS organisations, SUM(q) AS delivered
                FROM base GROUP BY scope, measure_id
            ),
            answered AS (
                SELECT b.scope, b.measure_id,
                       SUM(CASE WHEN r.status = 'confirmed' THEN r.amount ELSE 0 END) AS confirmed,
                       SUM(CASE WHEN r.status = 'disputed' THEN r.amount ELSE 0 END) AS disputed
                FROM base b JOIN {t["recipient"]} r ON r.line_id = b.line_id
                GROUP BY b.scope, b.measure_id
            ),
            targets AS (
                SELECT {scope} AS scope, measure_id, SUM(value) AS year_target FROM (
                    SELECT o.place, o.sector, 0 AS comm, tg.measure_id, tg.value
                    FROM {t["target"]} tg
                    JOIN {t["pc"]} pc ON pc.id = tg.commitment_id
                    JOIN {t["org"]} o ON o.id = pc.organisation_id
                    WHERE tg.financial_year = %s
                ) committed
                GROUP BY 1, measure_id
            )
            INSERT INTO {t["sv"]} (snapshot_id, scope, measure_id, organisations, delivered, confirmed,
                                   unconfirmed, disputed, year_target)
            SELECT %s, d.scope, d.measure_id, d.organisations, d.delivered, COALESCE(a.confirmed, 0),
                   d.delivered - COALESCE(a.confirmed, 0) - COALESCE(a.disputed, 0), COALESCE(a.disputed, 0),
                   tg.year_target
            FROM delivered d
            LEFT JOIN answered a ON a.scope = d.scope AND a.measure_id = d.measure_id
            LEFT JOIN targets tg ON tg.scope = d.scope AND tg.measure_id = d.measure_id
            """,  # noqa: S608 - table names and scope expressions are this module's constants
            [year, snapshot_id],
        )


def _totals(cursor):
    cursor.execute(
        f"SELECT COUNT(DISTINCT return_id), COUNT(DISTINCT org), COUNT(DISTINCT contract_id), COUNT(*) FROM {STAGE}"  # noqa: S608
    )
    return cursor.fetchone()


def build_snapshot(quarter, *, after_figures=None):
    """Build (or rebuild) ``quarter``'s snapshot and return it.

    ``after_figures`` is called inside the transaction once the figures are written: tests use
    it to fail the build half-way and see that the previous snapshot survives.
    """
    started = time.monotonic()
    t = _tables()
    with transaction.atomic():
        snapshot, _ = Snapshot.objects.get_or_create(year=quarter.year, quarter=quarter.number)
        # Two builds of one quarter queue up here rather than interleave.
        snapshot = Snapshot.objects.select_for_update().get(pk=snapshot.pk)
        for model in (SnapshotMeasure, SnapshotGroup, SnapshotContract, SnapshotMissing, SnapshotVcfse):
            model.objects.filter(snapshot=snapshot).delete()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Room to aggregate in memory (hash) rather than sort on disk; this transaction only.
                cursor.execute("SET LOCAL work_mem = '256MB'")
            due_by = _stage(cursor, t, quarter)
            _stage_rollups(cursor)
            for scope in scope_expressions():
                _insert_measures(cursor, t, snapshot.pk, scope)
                _insert_groups(cursor, t, snapshot.pk, scope, due_by)
            _insert_contracts_and_missing(cursor, t, snapshot.pk)
            _insert_vcfse(cursor, t, snapshot.pk, quarter.year)
            returns, organisations, contracts, lines = _totals(cursor)
            for table in (STAGE, DUE, ORG_ALL, ORG_COMM, CELLS):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
        if after_figures:
            after_figures(snapshot)
        quarter_end = timezone.make_aware(dt.datetime.combine(quarter.end + dt.timedelta(days=1), dt.time()))
        signatures = (
            Signature.objects.filter(live_from__lt=quarter_end)
            .filter(Q(status=SignatureStatus.LIVE) | Q(ended_at__gte=quarter_end))
            .values("organisation").distinct().count()
        )
        snapshot.returns_count = returns
        snapshot.organisations_count = organisations
        snapshot.contracts_count = contracts
        snapshot.lines_count = lines
        snapshot.signatures_to_date = signatures
        snapshot.deadline = deadline_of(quarter)
        snapshot.built_at = timezone.now()
        snapshot.build_seconds = Decimal(f"{time.monotonic() - started:.3f}")
        snapshot.save()
    return snapshot


def quarters_with_returns():
    from commitments.models import Return, ReturnStatus

    rows = Return.objects.filter(status=ReturnStatus.APPROVED).values_list("year", "quarter").distinct()
    return sorted(Quarter(y, q) for y, q in rows)
