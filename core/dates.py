"""The dates cxtui accepts: what both SQLite and PostgreSQL store, and what date
arithmetic (a year back, a horizon ahead) can reach without overflowing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from core.text import shortened

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9000, 12, 31)
MAX_HORIZON_DAYS = 3650  # ten years: the longest look ahead or back a command takes


def moment(day: date) -> datetime:
    """The first instant of ``day`` in UTC, as queries compare moments with days."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def aware(stored: datetime) -> datetime:
    """A stored moment (UTC; naive as SQLite gives it back) made aware."""
    return stored if stored.tzinfo is not None else stored.replace(tzinfo=UTC)


class DateRangeError(ValueError):
    """A date outside ``FIRST_DAY`` .. ``LAST_DAY``, said in words."""


def in_range(day: date, what: str = "the date") -> date:
    """``day``, or DateRangeError naming ``what`` when it is out of range."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise DateRangeError(
            f"{what} {day.isoformat()} is out of range: use a date from"
            f" {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"
        )
    return day


def iso_day(text: str, what: str = "the date") -> date:
    """A YYYY-MM-DD date in range, or ValueError in words."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f'{what}: "{shortened(text, 40)}" is not a date (YYYY-MM-DD)') from None
    return in_range(day, what)


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SHIFT = re.compile(r"^([+-])\s*(\d{1,5})\s*([dw]?)$")
DAY_GRAMMAR = "YYYY-MM-DD, today, tomorrow, yesterday, +7d, -2d, +2w or next monday"
DAY_HINT = "YYYY-MM-DD, today, +14d"
"""What a date field's label says it takes, briefly: a few of ``DAY_GRAMMAR``'s forms
(a refused day names them all)."""


def day_label(what: str) -> str:
    """The label of a date field that ``parse_day`` reads: "Due (YYYY-MM-DD, today, +14d)"."""
    return f"{what} ({DAY_HINT})"


def parse_day(text: str, today: date, what: str = "the date") -> date:
    """A day as a person types it, the one grammar of every date field and option:
    an ISO date, ``today``, ``tomorrow``, ``yesterday``, ``+7d`` / ``-2d`` (days; a
    bare ``+7`` too), ``+2w`` / ``-1w`` (weeks), ``next monday`` (or ``monday``: the
    next one after today). In range (``in_range``), or ValueError in words."""
    value = " ".join(text.strip().lower().split())
    named = {"today": 0, "tomorrow": 1, "yesterday": -1}
    if value in named:
        return in_range(today + timedelta(days=named[value]), what)
    shift = _SHIFT.match(value)
    if shift:
        sign, amount, unit = shift.groups()
        days = int(amount) * (7 if unit == "w" else 1) * (-1 if sign == "-" else 1)
        try:
            return in_range(today + timedelta(days=days), what)
        except OverflowError:
            raise DateRangeError(f"{what}: {value} is too far from today") from None
    weekday = value.removeprefix("next ")
    if weekday in WEEKDAYS:
        ahead = (WEEKDAYS.index(weekday) - today.weekday() - 1) % 7 + 1
        return in_range(today + timedelta(days=ahead), what)
    try:
        return iso_day(value, what)
    except DateRangeError:
        raise
    except ValueError:
        raise ValueError(
            f'{what}: "{shortened(text.strip(), 40)}" is not a date; type {DAY_GRAMMAR}'
        ) from None
