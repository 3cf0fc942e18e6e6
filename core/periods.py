"""Reporting periods: a calendar month, a quarter, a year or any date range.

A period is two inclusive dates. Moments stored as UTC datetimes fall in a period
when ``start_moment <= moment < end_moment``: the end moment is the first instant
of the day after the last day, so 23:59:59.999999 of the last day is inside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from core.dates import FIRST_DAY, LAST_DAY
from core.text import shortened

PERIOD_FORMS = "month, quarter, year, YYYY, YYYY-MM, YYYY-Qn or YYYY-MM-DD..YYYY-MM-DD"

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(first: date) -> date:
    return add_months(first, 1) - timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period:
    """``start`` to ``end``, both inclusive. ``kind`` is month, quarter, year or range."""

    start: date
    end: date
    kind: str = "range"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"a period cannot end ({self.end}) before it starts ({self.start})")

    @classmethod
    def month_of(cls, day: date) -> Period:
        first = day.replace(day=1)
        return cls(first, _month_end(first), "month")

    @classmethod
    def quarter_of(cls, day: date) -> Period:
        first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return cls(first, _month_end(add_months(first, 2)), "quarter")

    @classmethod
    def year_of(cls, day: date) -> Period:
        return cls(date(day.year, 1, 1), date(day.year, 12, 31), "year")

    @classmethod
    def parse(cls, text: str, as_of: date) -> Period:
        """A period from its command-line form; month, quarter and year are the ones
        containing ``as_of``. Raises ValueError naming the accepted forms."""
        value = text.strip()
        period = cls._parsed(value, as_of, text)
        for day in (period.start, period.end):
            if not FIRST_DAY <= day <= LAST_DAY:
                raise ValueError(
                    f"bad period '{shortened(text)}': its dates must be from {FIRST_DAY}"
                    f" to {LAST_DAY}"
                )
        return period

    @classmethod
    def _parsed(cls, value: str, as_of: date, text: str) -> Period:
        named = {"month": cls.month_of, "quarter": cls.quarter_of, "year": cls.year_of}
        try:
            if value.lower() in named:
                return named[value.lower()](as_of)
            if match := _MONTH.match(value):
                return cls.month_of(date(int(match[1]), int(match[2]), 1))
            if match := _QUARTER.match(value):
                return cls.quarter_of(date(int(match[1]), 3 * int(match[2]) - 2, 1))
            if match := _YEAR.match(value):
                return cls.year_of(date(int(match[1]), 1, 1))
            if match := _RANGE.match(value):
                return cls(date.fromisoformat(match[1]), date.fromisoformat(match[2]))
        except ValueError as error:
            raise ValueError(f"bad period '{shortened(text)}': {error}") from None
        raise ValueError(f"bad period '{shortened(text)}': use {PERIOD_FORMS}")

    def previous(self) -> Period:
        """The period of the same kind just before this one (a range: the same number
        of days just before)."""
        if self.kind == "month":
            return Period.month_of(self.start - timedelta(days=1))
        if self.kind == "quarter":
            return Period.quarter_of(self.start - timedelta(days=1))
        if self.kind == "year":
            return Period.year_of(self.start - timedelta(days=1))
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def whole_months(self) -> int | None:
        """How many calendar months the period covers exactly, or None when it does
        not start on a 1st or end on a month's last day."""
        if self.start.day != 1 or (self.end + timedelta(days=1)).day != 1:
            return None
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def years(self) -> Fraction:
        """The period's length in years, exactly: whole months / 12, else days / 365.25."""
        months = self.whole_months
        return Fraction(months, 12) if months is not None else Fraction(self.days * 4, 1461)

    @property
    def start_moment(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)

    @property
    def end_moment(self) -> datetime:
        """The first instant after the period (exclusive upper bound)."""
        after = self.end + timedelta(days=1)
        return datetime(after.year, after.month, after.day, tzinfo=UTC)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return f"{self.start.year}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def last_months(as_of: date, count: int = 12) -> list[Period]:
    """The ``count`` calendar months up to and including the one containing ``as_of``,
    oldest first."""
    current = as_of.replace(day=1)
    return [Period.month_of(add_months(current, -offset)) for offset in range(count - 1, -1, -1)]
