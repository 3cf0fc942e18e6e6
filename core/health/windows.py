"""The days health reads as of a day: the windows of the signals behind a score, and
of the snapshots behind its trend and drop. Light (the standard library only), for
the reads compiled ahead (``core.health.health_sql``) as for the engine's
(``core.health.queries``).

A window ending with ``as_of`` ends at the end of that day in UTC: moments strictly
before the first instant of ``end`` (the day after ``as_of``) count.
"""

from __future__ import annotations

from datetime import date, timedelta

from core.health.trend import TREND_LOOKBACK_DAYS, trend_window

USAGE_DAYS = 30  # the usage window, and the window before it for the trend
RECENT_DAYS = 90  # meetings, interaction sentiment, slow first responses, contraction
SURVEY_DAYS = 365  # an NPS or CSAT answer older than this is not data any more
DROP_DAYS = 7  # "dropped to red this week": red now, not red 7 days ago

_ONE_DAY = timedelta(days=1)


def signal_days(as_of: date) -> dict[str, date]:
    """The days the signals as of ``as_of`` are read on, by the names of the
    queries' parameters (``core.health.queries.signal_queries``)."""
    end = as_of + _ONE_DAY
    return {
        "as_of": as_of,
        "end": end,  # its first instant ends every window of moments
        "usage_start": as_of - timedelta(days=2 * USAGE_DAYS - 1),
        "usage_split": as_of - timedelta(days=USAGE_DAYS),  # after it: the last 30 days
        "recent_start": end - timedelta(days=RECENT_DAYS),
        "survey_start": end - timedelta(days=SURVEY_DAYS),
        "movements_since": as_of - timedelta(days=RECENT_DAYS),
    }


def snapshot_days(as_of: date) -> dict[str, date]:
    """The days the snapshots in force on ``as_of`` are read on
    (``core.health.queries.snapshot_queries``): the latest by ``as_of``, the one
    behind the 30-day trend, and the one of a week ago."""
    trend_from, trend_to = trend_window(as_of)
    return {
        "as_of": as_of,
        "trend_from": trend_from,
        "trend_to": trend_to,
        "week_from": as_of - timedelta(days=TREND_LOOKBACK_DAYS),
        "week_to": as_of - timedelta(days=DROP_DAYS),
    }
