"""The rules for a return's lines that go beyond one quantity, the same for the web form, the
spreadsheet and the API. Each message names the measure, so every channel can say which line is
wrong and why.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from toms.models import ValueKind
from toms.quantities import format_amount

# A quantity this many times the organisation's previous highest is flagged for the reviewer.
UNUSUAL_FACTOR = Decimal("3")


@dataclass(frozen=True)
class LineError:
    line: int  # 1-based position in the return, or the spreadsheet row
    measure: str  # the measure code, or what was typed
    field: str
    message: str

    def __str__(self):
        return f"Line {self.line} ({self.measure}): {self.message}"


def period_problems(quarter, contract, *, today=None):
    """Why a return cannot be made for this quarter (and contract), as a list of messages."""
    today = today or dt.date.today()
    problems = []
    if quarter.start > today:
        problems.append(f"{quarter} has not started yet; returns are for quarters that have begun.")
    if contract is not None and not contract.is_live_in(quarter):
        problems.append(
            f"Contract {contract.reference} runs {contract.start_date:%d %b %Y} to {contract.end_date:%d %b %Y}, "
            f"so it is not live in {quarter}."
        )
    return problems


def unusual_flag(measure, quantity, *, previous_highest=None, committed=None):
    """Why a plausible value deserves a second look, or ''. Such values are accepted."""
    reasons = []
    if previous_highest and previous_highest > 0 and quantity > previous_highest * UNUSUAL_FACTOR:
        reasons.append(
            f"more than {UNUSUAL_FACTOR} times this organisation's highest earlier quarter "
            f"({format_amount(measure, previous_highest)})"
        )
    if committed and committed > 0 and quantity > committed and measure.value_kind != ValueKind.PERCENTAGE:
        reasons.append(f"more than the whole commitment on the contract ({format_amount(measure, committed)})")
    text = "; ".join(reasons)
    # Only the first letter: str.capitalize() would lower-case the unit too ("12.0000 fte").
    return text[:1].upper() + text[1:]
