"""The demo book's health score history: what the shipped health model computes from
the book's own records on each of ``history_days``, as if cxtui had scored the book
all year. Without it, every 30-day trend said "new", the health tiles had no past
month to compare with, and "down 15 points in 30 days" found no one.

Computed once, when the demo's CSVs are written (~2 s), in a scratch SQLite file;
the app scores the day it opens the book itself, with the user's model.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import polars as pl
from sqlalchemy import select

from core.health.config import default_model
from core.health.store import recompute_all
from core.models import HealthModel, HealthSnapshot
from core.store.bulk import bulk_insert
from core.store.db import open_engine
from core.store.frames import read_frame
from core.store.urls import sqlite_url
from sample_data.book import TABLES

WEEKLY = 13
"""Weeks before the anchor scored every week: the trend's "30 days back" and an
account's 90-day line have a score every week."""
EVERY_OTHER_WEEK_UNTIL = 52
"""Then every other week back to a year: a month's end (the band counts look 30 days
back) always has a score within its last 30 days."""


def history_days(anchor: date) -> list[date]:
    """The days before ``anchor`` the demo has health scores of, oldest first."""
    weeks = [*range(1, WEEKLY + 1), *range(WEEKLY + 1, EVERY_OTHER_WEEK_UNTIL + 1, 2)]
    return sorted(anchor - timedelta(weeks=week) for week in weeks)


def health_history(frames: dict[str, pl.DataFrame], anchor: date) -> dict[str, pl.DataFrame]:
    """The ``health_model`` row of the shipped model and the ``health_snapshot`` rows
    it gives the book of ``frames`` (one frame per table) on ``history_days(anchor)``.
    The model's first use is the first of those days, so the CSV is the same on every
    run."""
    days = history_days(anchor)
    with TemporaryDirectory() as folder:
        engine = open_engine(sqlite_url(Path(folder) / "history.db"))
        try:
            for table in TABLES:
                if table in frames:
                    bulk_insert(engine, table, frames[table])
            model = default_model()
            for day in days:
                recompute_all(engine, as_of=day, model=model)
            models = read_frame(engine, select(HealthModel).order_by(HealthModel.id))
            snapshots = read_frame(
                engine,
                select(HealthSnapshot).order_by(HealthSnapshot.day, HealthSnapshot.account_id),
            )
        finally:
            engine.dispose()
    first_use = datetime(days[0].year, days[0].month, days[0].day)
    return {
        "health_model": models.with_columns(pl.lit(first_use).alias("first_used_at")),
        "health_snapshot": snapshots,
    }
