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


def returns_due(organisations, *, today=None, lookback_quarters=4):
    """Contract returns not yet submitted for quarters that have ended, oldest first.

    A contract owes a return for every quarter it was live in, from its start (or the last
    ``lookback_quarters``) to the last quarter that has ended.
    """
    from commitments.models import Contract

    today = today or dt.date.today()
    last_ended = Quarter.containing(today).previous()
    first = last_ended
    for _ in range(lookback_quarters - 1):
        first = first.previous()
    contracts = list(
        Contract.objects.filter(
            supplier__in=organisations, start_date__lte=last_ended.end, end_date__gte=first.start
        ).select_related("supplier", "commissioner")
    )
    if not contracts:
        return []
    returns = {
        (r.contract_id, r.year, r.quarter): r
        for r in Return.objects.current().filter(contract__in=contracts, year__gte=first.year)
    }
    due = []
    for contract in contracts:
        quarter = max(first, Quarter.containing(contract.start_date))
        while quarter <= last_ended and quarter.start <= contract.end_date:
            ret = returns.get((contract.pk, quarter.year, quarter.number))
            if ret is None or ret.status not in DONE:
                due.append(DueReturn(contract.supplier, contract, quarter, deadline_of(quarter), ret, today))
            quarter = quarter.next()
    return sorted(due, key=lambda d: (d.deadline, d.contract.reference))
