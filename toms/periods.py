"""UK financial years and quarters. The year starts on 1 April: 2025/26 Q1 is April–June 2025."""

import datetime as dt
import re
from dataclasses import dataclass
from functools import total_ordering

_FY_RE = re.compile(r"^\s*(\d{4})\s*(?:/|-)\s*(\d{2}|\d{4})\s*$")
_Q_RE = re.compile(r"^\s*(\d{4})\s*/\s*(\d{2})\s*Q([1-4])\s*$", re.IGNORECASE)


def financial_year_of(day):
    """The start year of the financial year containing ``day`` (2025 for 2025/26)."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_label(start_year):
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def parse_financial_year(text):
    """Read '2025/26', '2025-26', '2025/2026' or '2025' as the start year 2025.

    Raises ValueError with a message for people when the text is not a financial year.
    """
    text = str(text).strip()
    if re.fullmatch(r"\d{4}", text):
        return int(text)
    match = _FY_RE.match(text)
    if match:
        start, end = int(match.group(1)), match.group(2)
        expected = (start + 1) % 100 if len(end) == 2 else start + 1
        if int(end) == expected:
            return start
    raise ValueError(f"'{text}' is not a financial year; write it like 2025/26.")


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
            raise ValueError(f"'{text}' is not a quarter; write it like 2025/26 Q1.")
        start, end, number = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if (start + 1) % 100 != end:
            raise ValueError(f"'{text}' is not a quarter; write it like 2025/26 Q1.")
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
