"""Past health scores for a book that has none: an imported book starts with today's
scores alone, so no account can be "down 15 points in 30 days" and the band counts of
past months are empty until weeks have passed. ``backfill`` scores the day each week
back from today, as the app scores a day it opens on, from the data as it stands now
and with today's health model (both said to the user: a past score is not what the
model of the time said)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from core.health.store import has_snapshots, score_day_if_missing

if TYPE_CHECKING:
    from sqlalchemy import Engine

BACKFILL_STEP_DAYS = 7
MAX_BACKFILL_WEEKS = 260  # five years of weekly scores


@dataclass
class Backfilled:
    """The days a backfill looked at, oldest first, by what became of them."""

    scored: list[date] = field(default_factory=list)
    kept: list[date] = field(default_factory=list)  # they had scores: left as they are
    empty: list[date] = field(default_factory=list)  # no live account on that day


def backfill_days(as_of: date, weeks: int) -> list[date]:
    """The day each week back from ``as_of`` (7, 14... days before it), oldest first."""
    if not 1 <= weeks <= MAX_BACKFILL_WEEKS:
        raise ValueError(f"weeks must be 1 to {MAX_BACKFILL_WEEKS}, not {weeks:,}")
    step = BACKFILL_STEP_DAYS
    return [as_of - timedelta(days=step * week) for week in range(weeks, 0, -1)]


def backfill(
    engine: Engine,
    as_of: date,
    weeks: int,
    progress: Callable[[float], None] | None = None,
) -> Backfilled:
    """Score each of ``backfill_days`` that has no scores yet (a day with scores is
    kept: history is never overwritten)."""
    days = backfill_days(as_of, weeks)
    done = Backfilled()
    for index, day in enumerate(days):
        if has_snapshots(engine, day):
            done.kept.append(day)
        elif score_day_if_missing(engine, day):
            done.scored.append(day)
        else:
            done.empty.append(day)
        if progress is not None:
            progress((index + 1) / len(days))
    return done
