"""The dates cxtui accepts: what both SQLite and PostgreSQL store, and what date
arithmetic (a year back, a horizon ahead) can reach without overflowing."""

from __future__ import annotations

from datetime import date

from core.text import shortened

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9000, 12, 31)
MAX_HORIZON_DAYS = 3650  # ten years: the longest look ahead or back a command takes


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
