"""Which quarterly returns are due or overdue, and the reminders about them."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

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
    first = last_ended
    for _ in range(lookback_quarters - 1):
        first = first.previous()
    contracts = list(
        contracts.filter(start_date__lte=last_ended.end, end_date__gte=first.start).select_related(
            "supplier", "commissioner"
        )
    )
    if not contracts:
        return []
    current = Return.objects.current().filter(contract__in=contracts, year__gte=first.year)
    # Most returns are done (submitted or approved): only their keys are read, not whole rows.
    done = set(current.filter(status__in=DONE).values_list("contract_id", "year", "quarter"))
    returns = {(r.contract_id, r.year, r.quarter): r for r in current.exclude(status__in=DONE)}
    due = []
    for contract in contracts:
        quarter = max(first, Quarter.containing(contract.start_date))
        while quarter <= last_ended and quarter.start <= contract.end_date:
            key = (contract.pk, quarter.year, quarter.number)
            ret = returns.get(key)
            if key not in done:
                due.append(DueReturn(contract.supplier, contract, quarter, deadline_of(quarter), ret, today))
            quarter = quarter.next()
    return sorted(due, key=lambda d: (d.deadline, d.contract.reference))
