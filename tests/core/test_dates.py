"""The one grammar of days typed by a person (``core.dates.parse_day``), used by the
log form, the task form, snooze, goal check-ins, the override's expiry and the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.dates import parse_day
from core.interactions import parse_when

SATURDAY = date(2026, 12, 5)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("today", "2026-12-05"),
        (" Tomorrow ", "2026-12-06"),
        ("yesterday", "2026-12-04"),
        ("+7d", "2026-12-12"),
        ("+7", "2026-12-12"),
        ("-2d", "2026-12-03"),
        ("+2w", "2026-12-19"),
        ("-1w", "2026-11-28"),
        ("next monday", "2026-12-07"),
        ("next saturday", "2026-12-12"),  # the next one after today
        ("friday", "2026-12-11"),
        ("2026-01-02", "2026-01-02"),
    ],
)
def test_the_grammar(text: str, day: str) -> None:
    assert parse_day(text, SATURDAY) == date.fromisoformat(day)


@pytest.mark.parametrize("text", ["soon", "next month", "+2y", "2026-13-01", "10000-01-01", ""])
def test_what_is_not_a_day_is_refused_in_words(text: str) -> None:
    with pytest.raises(ValueError, match=r"the due date: .*(not a date|out of range)"):
        parse_day(text, SATURDAY, "the due date")


def test_a_moment_takes_the_same_days_and_a_time() -> None:
    now = datetime(2026, 12, 5, 15, 30, tzinfo=UTC)
    assert parse_when("next monday 09:15", now) == datetime(2026, 12, 7, 9, 15, tzinfo=UTC)
    assert parse_when("yesterday", now) == datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    assert parse_when("today", now) == now
    assert parse_when("-3h", now) == datetime(2026, 12, 5, 12, 30, tzinfo=UTC)
    assert parse_when("2026-03-01 14:00", now) == datetime(2026, 3, 1, 14, 0, tzinfo=UTC)
