"""Which quarterly returns are due or overdue, and the reminders about them."""

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.db import connections
from django.db.models import Exists, IntegerField, OuterRef, Q, Value

from charter.models import Organisation
from commitments.models import Contract, Return, ReturnStatus
from common.generations import Generation
from toms.periods import Quarter

DONE = (ReturnStatus.SUBMITTED, ReturnStatus.APPROVED)

# Figures about returns (due counts, suppliers and pages; list and queue counts), cached until a
# return, contract, membership or organisation changes: commitments/apps.py connects
# ``RETURN_FIGURES.changed`` to their saves and deletes, and the services' bulk writes call it.
# Five minutes at most as a safety net. Each figure's key names the query it answers (the
# contracts and quarters), so a new quarter, or another person's contracts, is another entry.
RETURN_FIGURES = Generation("commitments:returns", seconds=300)


def deadline_of(quarter):
    return quarter.end + dt.timedelta(days=settings.RETURN_DEADLINE_DAYS)


@dataclass
class DueReturn:
    organisation: object
    contract: object
    quarter: Quarter
    deadline: dt.date
    ret: object  # the return in progress, or None
    today: dt.date

    @property
    def overdue(self):
        return self.deadline < self.today

    @property
    def state(self):
        if self.ret is not None and self.ret.status == ReturnStatus.CHANGES_REQUESTED:
            return "Changes requested"
        if self.overdue:
            return "Overdue"
        return "In progress" if self.ret is not None else "Due"


def is_late(ret):
    """Whether a contract return was submitted after its quarter's deadline."""
    if not ret.contract_id or ret.submitted_at is None:
        return False
    return ret.submitted_at.date() > deadline_of(ret.period)


def is_overdue(ret, today=None):
    """Whether a contract return is past its deadline and not yet submitted (or sent back)."""
    if not ret.contract_id or ret.status in DONE or ret.status == ReturnStatus.SUPERSEDED:
        return False
    return deadline_of(ret.period) < (today or dt.date.today())


def returns_due(organisations, *, today=None, lookback_quarters=4):
    """Contract returns the organisations (as suppliers) have not yet submitted for quarters that
    have ended, oldest first.

    A contract owes a return for every quarter it was live in, from its start (or the last
    ``lookback_quarters``) to the last quarter that has ended.
    """
    from commitments.models import Contract

    contracts = Contract.objects.filter(supplier__in=organisations)
    return due_on_contracts(contracts, today=today, lookback_quarters=lookback_quarters)


def due_on_contracts(contracts, *, today=None, lookback_quarters=4):
    """As returns_due, for any set of contracts: a commissioner's, or every contract for the ICB."""
    today = today or dt.date.today()
    last_ended = Quarter.containing(today).previous()
    quarters = [last_ended]
    for _ in range(lookback_quarters - 1):
        quarters.insert(0, quarters[0].previous())
    return DueReturns(contracts, quarters, today)


class DueReturns:
    """The returns owed on a set of contracts for some quarters and not yet submitted (or sent
    back), in deadline order then by contract reference, never a loop over every contract in
    Python.

    Each quarter's owing contracts are one ``WHERE NOT EXISTS`` query, which the database answers
    with an anti-join (the quarter's done returns read once from their index) rather than a lookup
    per contract; counts and suppliers group the quarters' queries joined by ``UNION ALL`` in one
    statement.

    It behaves as a read-only sequence of ``DueReturn`` (``len``, slices, iteration), so
    ``Paginator`` pages it in SQL; ``overdue()`` and ``not_overdue()`` narrow it by deadline, and
    ``where()`` by a further condition per quarter.
    """

    def __init__(self, contracts, quarters, today, conditions=None):
        self.contracts, self.quarters, self.today = contracts, list(quarters), today
        self.conditions = conditions or {}  # quarter -> a further condition on its contracts
        self._counts = None
        self._whole = None  # the set this one was narrowed from, whose counts it shares

    def _owing(self, quarter):
        """The contracts that owe ``quarter``'s return: live in it, with no current return done
        for it (and meeting this set's further condition for the quarter, if any)."""
        done = Return.objects.current().filter(
            contract=OuterRef("pk"), year=quarter.year, quarter=quarter.number, status__in=DONE
        )
        owing = self.contracts.filter(start_date__lte=quarter.end, end_date__gte=quarter.start).filter(~Exists(done))
        if quarter in self.conditions:
            owing = owing.filter(self.conditions[quarter])
        return owing

    def _narrowed(self, quarters, conditions=None):
        """This set for some of its quarters (and further conditions, if given). Without new
        conditions its counts are read from this set's, so one query counts both halves."""
        narrowed = DueReturns(self.contracts, quarters, self.today, self.conditions if conditions is None else conditions)
        if conditions is None:
            narrowed._whole = self
        return narrowed

    def overdue(self):
        return self._narrowed([q for q in self.quarters if deadline_of(q) < self.today])

    def not_overdue(self):
        return self._narrowed([q for q in self.quarters if deadline_of(q) >= self.today])

    def where(self, conditions):
        """Narrowed by a further condition on the contracts per quarter (``conditions`` maps a
        quarter to a ``Q`` or expression); quarters without one are dropped."""
        return self._narrowed([q for q in self.quarters if q in conditions], dict(conditions))

    def _owed_sql(self, *columns):
        """SQL and parameters of one row per return owed: the quarter's index (``qi``) and the
        contract's ``columns``, each quarter's query joined by ``UNION ALL``."""
        parts, params = [], []
        for i, quarter in enumerate(self.quarters):
            rows = self._owing(quarter).order_by().annotate(qi=Value(i, output_field=IntegerField()))
            sql, part_params = rows.values("qi", *columns).query.sql_with_params()
            parts.append(f"SELECT * FROM ({sql}) owed_{i}")  # noqa: S608 - compiled by the ORM, values as params
            params.extend(part_params)
        return " UNION ALL ".join(parts), params

    def _fetch(self, what, make_sql, shape=None):
        """The rows answering ``what`` (or ``shape(rows)``), from the cache while nothing behind
        them has changed; the SQL is built (``make_sql`` gives it and its parameters) only when
        they must be read. A set narrowed by further conditions is read afresh each time."""
        def fetch():
            sql, params = make_sql()
            with connections[self.contracts.db].cursor() as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
            return shape(rows) if shape else [tuple(row) for row in rows]

        if self.conditions:
            return fetch()
        return RETURN_FIGURES.remember((*self._contracts_key, what, self.quarters), fetch)

    @cached_property
    def _contracts_key(self):
        """Which contracts, as the cache keys name them: the query's SQL and parameters."""
        sql, params = self.contracts.query.sql_with_params()
        return self.contracts.db, sql, [str(p) for p in params]

    def counts(self):
        """How many are owed for each quarter, in one query (shared with the set this was
        narrowed from)."""
        if self._counts is None and self._whole is not None:
            whole = dict(zip(self._whole.quarters, self._whole.counts(), strict=True))
            self._counts = [whole[q] for q in self.quarters]
        if self._counts is None:
            found = {}
            if self.quarters:
                def sql():
                    owed, params = self._owed_sql()
                    return f"SELECT qi, COUNT(*) FROM ({owed}) owed GROUP BY qi", params  # noqa: S608 - as _owed_sql

                found = dict(self._fetch("counts", sql))
            self._counts = [found.get(i, 0) for i in range(len(self.quarters))]
        return self._counts

    def count(self):
        return sum(self.counts())

    def __len__(self):
        return self.count()

    def __bool__(self):
        return self.count() > 0

    def __iter__(self):
        """Every one: a query per quarter, and one for the returns in progress."""
        chosen = [
            (quarter, list(self._owing(quarter).select_related("supplier", "commissioner").order_by("reference", "pk")))
            for quarter in self.quarters
        ]
        return iter(self._with_returns(chosen, whole=True))

    def _page(self, quarter, first, last):
        """The quarter's owing contracts from ``first`` to ``last``: their ids sorted and cut (and
        cached) before the suppliers and commissioners are joined, so only the page's rows are."""
        def sql():
            return self._owing(quarter).order_by("reference", "pk").values_list("pk")[first:last].query.sql_with_params()

        ids = [pk for (pk,) in self._fetch(("page", quarter, first, last), sql)]
        return list(
            Contract.objects.using(self.contracts.db).filter(pk__in=ids).select_related("supplier", "commissioner").order_by("reference", "pk")
        )

    def __getitem__(self, index):
        if isinstance(index, int):
            items = self[index : index + 1]
            if not items:
                raise IndexError(index)
            return items[0]
        start, stop, step = index.indices(self.count())
        if step != 1:
            raise ValueError("DueReturns slices have no step")
        chosen, offset = [], 0
        for quarter, n in zip(self.quarters, self.counts(), strict=True):
            if stop <= offset:
                break
            if start < offset + n:
                chosen.append((quarter, self._page(quarter, max(start - offset, 0), min(stop - offset, n))))
            offset += n
        return self._with_returns(chosen)

    def _with_returns(self, chosen, whole=False):
        """``DueReturn`` rows for the chosen (quarter, contracts), each with its return in progress
        (if any), read in one query. ``whole``: the contracts are all the quarter's, so they are
        named by the quarter's query rather than one by one."""
        wanted = Q(pk__in=[])
        for quarter, contracts in chosen:
            if contracts:
                named = self._owing(quarter).values("pk") if whole else [c.pk for c in contracts]
                wanted |= Q(contract__in=named, year=quarter.year, quarter=quarter.number)
        in_progress = {
            (r.contract_id, r.year, r.quarter): r
            for r in Return.objects.current().filter(wanted).exclude(status__in=DONE)
        } if any(contracts for _, contracts in chosen) else {}
        return [
            DueReturn(c.supplier, c, quarter, deadline_of(quarter),
                      in_progress.get((c.pk, quarter.year, quarter.number)), self.today)
            for quarter, contracts in chosen for c in contracts
        ]

    def suppliers(self, limit=None):
        """(supplier id, name, how many owed) for every supplier owing one (or the first ``limit``),
        most owed first then by name, in one query."""
        if not self.quarters:
            return []

        def sql():
            owed, params = self._owed_sql("supplier_id")
            organisations = Organisation._meta.db_table
            # As _owed_sql, and a model's table name:
            sql = (
                f"SELECT o.id, o.name, t.n FROM (SELECT supplier_id, COUNT(*) AS n FROM ({owed}) owed "  # noqa: S608
                f"GROUP BY supplier_id) t JOIN {organisations} o ON o.id = t.supplier_id ORDER BY t.n DESC, o.name, o.id"
            )
            if limit is not None:
                sql, params = sql + " LIMIT %s", [*params, int(limit)]
            return sql, params

        return self._fetch(("suppliers", limit), sql)

    def supplier_ids(self):
        """The ids of the suppliers owing one, in one (cached) query."""
        if not self.quarters:
            return []

        def sql():
            owed, params = self._owed_sql("supplier_id")
            return f"SELECT DISTINCT supplier_id FROM ({owed}) owed", params  # noqa: S608 - as _owed_sql

        # Cached as plain numbers, not rows: thousands of tuples unpickled on every view kept
        # Python's garbage collector busy (one view in four took 100 ms longer).
        return self._fetch("supplier_ids", sql, shape=lambda rows: [pk for (pk,) in rows])
