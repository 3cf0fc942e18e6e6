"""The 30-day trend of a health score: up, down or flat. Light, so the accounts
list can show it before the database stack is imported (``core.store.first_read`` needs
the windows before polars is imported)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

TREND_DAYS = 30
TREND_FLAT_POINTS = 5.0  # a change of this many points or less is flat
TREND_LOOKBACK_DAYS = 60  # the snapshot "30 days ago" is the latest in [-60, -30]


def trend_window(today: date) -> tuple[date, date]:
    """The days between which the snapshot "30 days ago" is the latest."""
    return today - timedelta(days=TREND_LOOKBACK_DAYS), today - timedelta(days=TREND_DAYS)


def trend_expr(now: pl.Expr, before: pl.Expr) -> pl.Expr:
    """up / down / flat (a change of TREND_FLAT_POINTS or less), null without both."""
    import polars as pl

    change = now - before
    return (
        pl.when(change.is_null())
        .then(None)
        .when(change > TREND_FLAT_POINTS)
        .then(pl.lit("up"))
        .when(change < -TREND_FLAT_POINTS)
        .then(pl.lit("down"))
        .otherwise(pl.lit("flat"))
    )
