"""Which quarterly returns are due or overdue, and the reminders about them."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q

from commitments.models import Return, ReturnStatus
from toms.periods import Quarter

DONE = {ReturnStatus.SUBMITTED, ReturnStatus.APPROVED}


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
    back), in deadline order then by contract reference: one query per quarter for a count, a page
    or the suppliers, never a loop over every contract in Python.

    It behaves as a read-only sequence of ``DueReturn`` (``len``, slices, iteration), so
    ``Paginator`` pages it in SQL; ``overdue()`` and ``not_overdue()`` narrow it by deadline.
    """

    def __init__(self, contracts, quarters, today):
        self.contracts, self.quarters, self.today = contracts, list(quarters), today
        self._counts = None

    def _owing_filter(self, quarter):
        """Live in ``quarter``, with no current return done for it."""
        done = Return.objects.current().filter(
            contract=OuterRef("pk"), year=quarter.year, quarter=quarter.number, status__in=DONE
        )
        return Q(start_date__lte=quarter.end, end_date__gte=quarter.start) & ~Exists(done)

    def _live(self):
        """The contracts live in any of the quarters: the only ones that can owe (and an index
        range rather than every contract ever made)."""
        live = Q(pk__in=[])
        for q in self.quarters:
            live |= Q(start_date__lte=q.end, end_date__gte=q.start)
        return self.contracts.filter(live)

    def _owing(self, quarter):
        """The contracts that owe ``quarter``'s return."""
        return self.contracts.filter(self._owing_filter(quarter))

    def _narrowed(self, keep):
        """The quarters ``keep`` accepts (given whether they are overdue), their counts taken from
        this set's single count query."""
        chosen = [(q, n) for q, n in zip(self.quarters, self.counts(), strict=True) if keep(deadline_of(q) < self.today)]
        narrowed = DueReturns(self.contracts, [q for q, _ in chosen], self.today)
        narrowed._counts = [n for _, n in chosen]
        return narrowed

    def overdue(self):
        return self._narrowed(lambda late: late)

    def not_overdue(self):
        return self._narrowed(lambda late: not late)

    def counts(self):
        """How many are owed for each quarter, in one query."""
        if self._counts is None:
            row = self._live().order_by().aggregate(**{
                f"q{i}": Count("pk", filter=self._owing_filter(q)) for i, q in enumerate(self.quarters)
            }) if self.quarters else {}
            self._counts = [row[f"q{i}"] for i in range(len(self.quarters))]
        return self._counts

    def count(self):
        return sum(self.counts())

    def __len__(self):
        return self.count()

    def __bool__(self):
        return self.count() > 0

    def __iter__(self):
        """Every one, in two queries: the contracts owing any of the quarters (flagged by quarter),
        then the returns in progress."""
        if not self.quarters:
            return iter([])
        flags = {
            f"owes_{i}": ExpressionWrapper(self._owing_filter(q), output_field=BooleanField())
            for i, q in enumerate(self.quarters)
        }
        contracts = list(
            self._live().annotate(**flags).select_related("supplier", "commissioner").order_by("reference", "pk")
        )
        chosen = [
            (q, [c for c in contracts if getattr(c, f"owes_{i}")]) for i, q in enumerate(self.quarters)
        ]
        return iter(self._with_returns(chosen))

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
                first, last = max(start - offset, 0), min(stop - offset, n)
                contracts = self._owing(quarter).select_related("supplier", "commissioner").order_by("reference", "pk")
                chosen.append((quarter, list(contracts[first:last])))
            offset += n
        return self._with_returns(chosen)

    def _with_returns(self, chosen):
        """``DueReturn`` rows for the chosen (quarter, contracts), each with its return in progress
        (if any), read in one query."""
        wanted = Q(pk__in=[])
        for quarter, contracts in chosen:
            wanted |= Q(contract__in=contracts, year=quarter.year, quarter=quarter.number)
        in_progress = {
            (r.contract_id, r.year, r.quarter): r
            for r in Return.objects.current().filter(wanted).exclude(status__in=DONE)
        } if any(contracts for _, contracts in chosen) else {}
        return [
            DueReturn(c.supplier, c, quarter, deadline_of(quarter),
                      in_progress.get((c.pk, quarter.year, quarter.number)), self.today)
            for quarter, contracts in chosen for c in contracts
        ]

    def suppliers(self):
        """(supplier id, name, how many owed) for every supplier owing one, most owed first, in one query."""
        if not self.quarters:
            return []
        owed = {f"q{i}": Count("pk", filter=self._owing_filter(q)) for i, q in enumerate(self.quarters)}
        rows = self._live().order_by().values("supplier_id", "supplier__name").annotate(**owed)
        totals = [(row["supplier_id"], row["supplier__name"], sum(row[k] for k in owed)) for row in rows]
        return sorted((t for t in totals if t[2]), key=lambda t: (-t[2], t[1], t[0]))
