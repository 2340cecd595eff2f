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
    # Places and sectors are codes: compared byte by byte ("C"), every sort and hash on them is
    # several times cheaper than under the database's language collation.
    collate = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE {STAGE} AS
        SELECT lines.*,
               -- Each organisation counts once per measure as a reporter (and as a yes, when any of
               -- its lines says yes) across commissioners, and once within each commissioner: the
               -- flags let every scope count organisations with plain sums, in one pass.
               CASE WHEN ROW_NUMBER() OVER by_org = 1 THEN 1 ELSE 0 END AS first_org,
               CASE WHEN ROW_NUMBER() OVER by_comm = 1 THEN 1 ELSE 0 END AS first_comm,
               MAX(CASE WHEN q >= 1 THEN 1 ELSE 0 END) OVER by_org AS yes_org,
               MAX(CASE WHEN q >= 1 THEN 1 ELSE 0 END) OVER by_comm AS yes_comm
        FROM (
        SELECT l.id AS line_id, l.measure_id, r.id AS return_id, r.organisation_id AS org, r.contract_id,
               o.place{collate} AS place, o.sector{collate} AS sector, COALESCE(c.commissioner_id, 0) AS comm,
               m.combination AS comb,
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
        ) lines
        WINDOW by_org AS (PARTITION BY org, measure_id ORDER BY comm
                          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
               by_comm AS (PARTITION BY org, measure_id, comm ORDER BY line_id
                           ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
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
        SELECT c.id AS contract_id, c.supplier_id, c.commissioner_id AS comm, s.place{collate} AS place,
               s.sector{collate} AS sector, c.value,
               (SELECT MIN(r.submitted_at) FROM {t["ret"]} r
                 WHERE r.contract_id = c.id AND r.organisation_id = c.supplier_id AND r.year = %s AND r.quarter = %s
                   AND r.status IN ('submitted', 'approved', 'superseded')) AS first_submitted
        FROM {t["contract"]} c JOIN {t["org"]} s ON s.id = c.supplier_id
        WHERE c.start_date <= %s AND c.end_date >= %s
        """,  # noqa: S608 - table names and scope expressions are this module's constants
        [quarter.year, quarter.number, quarter.end, quarter.start],
    )
    return due_by


SHARE_LINES = "reporting_stage_share_lines"  # the share measures' lines
SHARES = "reporting_stage_shares"  # the share measures' median and range in every scope

# The eight scopes: every combination of place, sector and commissioner, each either named or all.
DIMENSIONS = ("place", "sector", "comm")
SCOPES = tuple(itertools.product((False, True), repeat=3))


def _named_columns(named):
    """The grouped dimensions of one combination, e.g. ["place", "comm"]."""
    return [d for d, on in zip(DIMENSIONS, named, strict=True) if on]


def _scope_text(named):
    """The scope column for one combination: 'liverpool|*|12', '*|*|*' …"""
    parts = [SCOPE_PARTS[i][0 if named[i] else 1] for i in range(3)]
    return " || '|' || ".join(parts)


def _grouped(select, source, *, by=(), across=None):
    """``SELECT {scope}, {select} FROM source GROUP BY …`` for the eight scopes at once.

    PostgreSQL aggregates every scope in one pass over ``source`` with ``GROUPING SETS`` (the
    scope text is rebuilt from the grouped columns, which are never null in the staged rows);
    SQLite, which has no grouping sets, gets the same rows from eight ``GROUP BY`` queries.

    ``across`` names placeholders in ``select`` with two expressions each: the first for scopes
    across commissioners, the second for scopes of one commissioner."""
    extra = [*by]
    across = across or {}
    if connection.vendor == "postgresql":
        sets = ", ".join(
            "(" + ", ".join(_named_columns(named) + extra) + ")"
            for named in SCOPES
        )
        scope = " || '|' || ".join(
            f"COALESCE(CAST({d} AS VARCHAR(40)), '*')" for d in DIMENSIONS
        )
        select = select.format(**{
            name: f"CASE WHEN GROUPING(comm) = 1 THEN {every} ELSE {one} END" for name, (every, one) in across.items()
        })
        return f"SELECT {scope} AS scope, {select} FROM {source} GROUP BY GROUPING SETS ({sets})"  # noqa: S608
    queries = []
    for named in SCOPES:
        columns = _named_columns(named) + extra
        group = f"GROUP BY {', '.join(columns)}" if columns else ""
        chosen = select.format(**{name: pair[1 if named[2] else 0] for name, pair in across.items()})
        queries.append(f"SELECT {_scope_text(named)} AS scope, {chosen} FROM {source} {group}")  # noqa: S608
    return " UNION ALL ".join(queries)


def _insert_measures(cursor, t, snapshot_id):
    """Every measure in every scope, from the staged lines in one statement, combined as the measure
    says: a quantity only for summed measures, how many organisations said yes only for yes/no
    measures (an organisation says yes when any of its lines does), and for shares (never summed)
    the median and range of one value per reporting organisation."""
    _stage_shares(cursor)
    # Every figure is a sum (organisations too, through the flags staged with the lines), so the
    # lines are first summed to the finest scope, and the eight scopes roll up those few rows.
    cells = f"""(
        SELECT place, sector, comm, measure_id, MAX(comb) AS comb, COUNT(*) AS n, SUM(q) AS q,
               SUM(first_org) AS reporters_org, SUM(first_comm) AS reporters_comm,
               SUM(first_org * yes_org) AS yes_org, SUM(first_comm * yes_comm) AS yes_comm,
               SUM(gross) AS gross, SUM(adjusted) AS adjusted, SUM(CASE WHEN gross IS NULL THEN 1 ELSE 0 END) AS unvalued
        FROM {STAGE} GROUP BY place, sector, comm, measure_id
    ) cells"""  # noqa: S608 - this module's constants
    figures = _grouped(
        "measure_id, SUM(n) AS lines, {reporters} AS reporters, "
        "CASE WHEN MAX(comb) = 'summed' THEN SUM(q) END AS quantity, "
        "CASE WHEN MAX(comb) = 'yes_no' THEN {yes} END AS yes_count, "
        "SUM(gross) AS gross, SUM(adjusted) AS adjusted, SUM(unvalued) AS unvalued",
        cells, by=["measure_id"],
        across={"reporters": ("SUM(reporters_org)", "SUM(reporters_comm)"), "yes": ("SUM(yes_org)", "SUM(yes_comm)")},
    )
    cursor.execute(
        f"""
        INSERT INTO {t["sm"]} (snapshot_id, scope, measure_id, lines, reporters, quantity, yes_count,
                               median, low, high, value_gross, value_adjusted, unvalued_lines)
        SELECT %s, figures.scope, figures.measure_id, lines, reporters, quantity, yes_count,
               shares.median, shares.low, shares.high, gross, adjusted, unvalued
        FROM ({figures}) figures
        LEFT JOIN {SHARES} shares ON shares.scope = figures.scope AND shares.measure_id = figures.measure_id
        """,  # noqa: S608 - table names and scope expressions are this module's constants
        [snapshot_id],
    )


def _stage_shares(cursor):
    """Median, lowest and highest of the share measures in every scope, across organisations: each
    organisation counts once with the average of its lines (within the commissioner, in a
    commissioner's scope)."""
    for table in (SHARE_LINES, SHARES):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {SHARE_LINES} AS SELECT place, sector, comm, measure_id, org, q "  # noqa: S608
        f"FROM {STAGE} WHERE comb = 'share'"
    )
    if connection.vendor == "postgresql":
        # One row per organisation, measure and commissioner with its average there (v_comm) and
        # across its commissioners (v_all, on the first row only); exact medians from two
        # percentile_disc (the lower and upper middle values, averaged), every scope in one pass.
        source = f"""(
            SELECT place, sector, comm, measure_id, org, AVG(q) AS v_comm,
                   SUM(SUM(q)) OVER (PARTITION BY org, measure_id) / SUM(COUNT(*)) OVER (PARTITION BY org, measure_id)
                       AS v_all,
                   ROW_NUMBER() OVER (PARTITION BY org, measure_id ORDER BY comm) AS nth
            FROM {SHARE_LINES} GROUP BY place, sector, comm, measure_id, org
        ) per_org"""  # noqa: S608 - this module's constants

        def median(v, only=""):
            return (f"(percentile_disc(0.5) WITHIN GROUP (ORDER BY {v}) {only} "
                    f"- percentile_disc(0.5) WITHIN GROUP (ORDER BY -{v}) {only}) / 2")

        first = "FILTER (WHERE nth = 1)"
        figures = _grouped(
            "measure_id, {median} AS median, {low} AS low, {high} AS high", source, by=["measure_id"],
            across={"median": (median("v_all", first), median("v_comm")),
                    "low": (f"MIN(v_all) {first}", "MIN(v_comm)"),
                    "high": (f"MAX(v_all) {first}", "MAX(v_comm)")},
        )
        cursor.execute(f"CREATE TEMPORARY TABLE {SHARES} AS {figures}")
        return
    # SQLite: the scopes' organisations ranked together with window functions.
    per_org = " UNION ALL ".join(
        f"SELECT {_scope_text(named)} AS scope, measure_id, org, AVG(q) AS v FROM {SHARE_LINES} GROUP BY "  # noqa: S608
        + ", ".join([*_named_columns(named), "measure_id", "org"])
        for named in SCOPES
    )
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE {SHARES} AS
        WITH per_org AS ({per_org}),
        ranked AS (
            SELECT scope, measure_id, v,
                   ROW_NUMBER() OVER (PARTITION BY scope, measure_id ORDER BY v) AS rn,
                   COUNT(*) OVER (PARTITION BY scope, measure_id) AS k
            FROM per_org
        )
        SELECT scope, measure_id, AVG(CASE WHEN 2 * rn >= k AND 2 * rn <= k + 2 THEN v END) AS median,
               MIN(v) AS low, MAX(v) AS high
        FROM ranked GROUP BY scope, measure_id
        """  # noqa: S608 - table names and scope expressions are this module's constants
    )


def _insert_groups(cursor, t, snapshot_id, due_by):
    """Each scope's totals: returns, organisations and contracts reporting, £, and the reporting
    rate from the contracts that owed a return."""
    cursor.execute(
        f"""
        INSERT INTO {t["sg"]} (snapshot_id, scope, returns, organisations, contracts, value_gross,
                               value_adjusted, contract_value_gross, expected, received, on_time,
                               live_contract_value)
        SELECT %s, scope, SUM(returns), SUM(organisations), SUM(contracts), SUM(gross), SUM(adjusted),
               SUM(contract_gross), SUM(expected), SUM(received), SUM(on_time), SUM(live_value)
        FROM (
            {_grouped(
                "COUNT(*) AS returns, COUNT(DISTINCT org) AS organisations, COUNT(DISTINCT contract_id) AS contracts, "
                "SUM(gross) AS gross, SUM(adjusted) AS adjusted, "
                "SUM(CASE WHEN contract_id IS NOT NULL THEN gross END) AS contract_gross, "
                "0 AS expected, 0 AS received, 0 AS on_time, CAST(NULL AS NUMERIC) AS live_value",
                f"(SELECT return_id, MAX(place) AS place, MAX(sector) AS sector, MAX(comm) AS comm, MAX(org) AS org, "
                f"MAX(contract_id) AS contract_id, SUM(gross) AS gross, SUM(COALESCE(adjusted, gross)) AS adjusted "
                f"FROM {STAGE} GROUP BY return_id) per_return",
            )}
            UNION ALL
            {_grouped(
                "0, 0, 0, CAST(NULL AS NUMERIC), CAST(NULL AS NUMERIC), CAST(NULL AS NUMERIC), COUNT(*), "
                "SUM(CASE WHEN first_submitted IS NOT NULL THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN first_submitted < %s THEN 1 ELSE 0 END), SUM(value)",
                DUE,
            )}
        ) parts
        GROUP BY scope
        """,  # noqa: S608 - table names and scope expressions are this module's constants
        [snapshot_id, *([due_by] * (1 if connection.vendor == "postgresql" else len(SCOPES)))],
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
    for named in SCOPES:
        if named[2]:
            continue  # across commissioners only
        scope = _scope_text(named)
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


def _totals(cursor, t, snapshot_id):
    """Returns, organisations, contracts and lines in all, read from the all-scope figures."""
    everything = "'*|*|*'"
    cursor.execute(
        f"""
        SELECT (SELECT COALESCE(SUM(returns), 0) FROM {t["sg"]} WHERE snapshot_id = %s AND scope = {everything}),
               (SELECT COALESCE(SUM(organisations), 0) FROM {t["sg"]} WHERE snapshot_id = %s AND scope = {everything}),
               (SELECT COALESCE(SUM(contracts), 0) FROM {t["sg"]} WHERE snapshot_id = %s AND scope = {everything}),
               (SELECT COALESCE(SUM(lines), 0) FROM {t["sm"]} WHERE snapshot_id = %s AND scope = {everything})
        """,  # noqa: S608 - table names are this module's constants
        [snapshot_id] * 4,
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
            _insert_measures(cursor, t, snapshot.pk)
            _insert_groups(cursor, t, snapshot.pk, due_by)
            _insert_contracts_and_missing(cursor, t, snapshot.pk)
            _insert_vcfse(cursor, t, snapshot.pk, quarter.year)
            returns, organisations, contracts, lines = _totals(cursor, t, snapshot.pk)
            for table in (STAGE, DUE, SHARE_LINES, SHARES):
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
