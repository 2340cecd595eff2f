"""UK financial years and quarters. The year starts on 1 April: 2025/26 Q1 is April–June 2025."""

import datetime as dt
import re
from dataclasses import dataclass
from functools import total_ordering

# The financial years the portal works with (start years). Parsing refuses others, so that a
# typed year can never reach date arithmetic outside what dates (and columns) hold.
FIRST_YEAR, LAST_YEAR = 1990, 2099

_FY_RE = re.compile(r"^\s*(\d{4})\s*(?:/|-)\s*(\d{2}|\d{4})\s*$")
_Q_RE = re.compile(r"^\s*(\d{4})\s*/\s*(\d{2})\s*Q([1-4])\s*$", re.IGNORECASE)


def financial_year_of(day):
    """The start year of the financial year containing ``day`` (2025 for 2025/26)."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_label(start_year):
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def shown(text, limit=40):
    """What someone typed, for a message: at most ``limit`` characters."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "…"


def year_range_problem(start_year, typed=None):
    """A message if the financial year starting in ``start_year`` is outside the portal's years."""
    if FIRST_YEAR <= start_year <= LAST_YEAR:
        return None
    what = f"'{shown(typed)}'" if typed is not None else financial_year_label(start_year)
    return (
        f"{what} is outside the years the portal covers; "
        f"give a year from {financial_year_label(FIRST_YEAR)} to {financial_year_label(LAST_YEAR)}."
    )


def parse_financial_year(text):
    """Read '2025/26', '2025-26', '2025/2026' or '2025' as the start year 2025.

    Raises ValueError with a message for people when the text is not a financial year, or is
    one outside FIRST_YEAR to LAST_YEAR.
    """
    text = str(text).strip()
    start = None
    if re.fullmatch(r"\d{4}", text):
        start = int(text)
    else:
        match = _FY_RE.match(text)
        if match:
            first, end = int(match.group(1)), match.group(2)
            expected = (first + 1) % 100 if len(end) == 2 else first + 1
            if int(end) == expected:
                start = first
    if start is None:
        raise ValueError(f"'{shown(text)}' is not a financial year; write it like 2025/26.")
    problem = year_range_problem(start, text)
    if problem:
        raise ValueError(problem)
    return start


@total_ordering
@dataclass(frozen=True)
class Quarter:
    """A UK financial quarter: ``Quarter(2025, 1)`` is 2025/26 Q1, April to June 2025."""

    year: int  # the financial year's start year
    number: int  # 1 to 4

    def __post_init__(self):
        if self.number not in (1, 2, 3, 4):
            raise ValueError("A quarter is numbered 1 to 4.")

    @classmethod
    def containing(cls, day):
        year = financial_year_of(day)
        months_in = (day.month - 4) % 12
        return cls(year, months_in // 3 + 1)

    @classmethod
    def current(cls):
        return cls.containing(dt.date.today())

    @classmethod
    def parse(cls, text):
        match = _Q_RE.match(str(text))
        if not match:
            raise ValueError(f"'{shown(text)}' is not a quarter; write it like 2025/26 Q1.")
        start, end, number = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if (start + 1) % 100 != end:
            raise ValueError(f"'{shown(text)}' is not a quarter; write it like 2025/26 Q1.")
        problem = year_range_problem(start, text)
        if problem:
            raise ValueError(problem)
        return cls(start, number)

    @property
    def start(self):
        month = 4 + 3 * (self.number - 1)
        year = self.year if month <= 12 else self.year + 1
        return dt.date(year, (month - 1) % 12 + 1, 1)

    @property
    def end(self):
        return self.next().start - dt.timedelta(days=1)

    def next(self):
        return Quarter(self.year, self.number + 1) if self.number < 4 else Quarter(self.year + 1, 1)

    def previous(self):
        return Quarter(self.year, self.number - 1) if self.number > 1 else Quarter(self.year - 1, 4)

    @property
    def financial_year_label(self):
        return financial_year_label(self.year)

    def __str__(self):
        return f"{self.financial_year_label} Q{self.number}"

    def __lt__(self, other):
        return (self.year, self.number) < (other.year, other.number)
