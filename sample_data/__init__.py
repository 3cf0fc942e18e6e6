"""The demo book: a fictional SaaS company's customers, committed as CSVs in
``sample_data/demo/`` (rewritten by ``python -m sample_data.generator --write-demo``)
and loaded with ``load_demo``, shifted so that the book ends on the day you load it,
at the moment you load it: what the CSVs hold later that day has not happened yet."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from core.store.bulk import bulk_insert
from sample_data.book import (
    DEMO_ANCHOR,
    DEMO_DIR,
    TABLES,
    BookNotEmptyError,
    ensure_empty,
    read_csv,
)

__all__ = ["DEMO_ANCHOR", "BookNotEmptyError", "demo_frames", "fresh_demo_database", "load_demo"]


BEGUN_AT = {
    "interaction": ("occurred_at", "created_at"),
    "survey_response": ("answered_at",),
    "ticket": ("opened_at",),
    "task": ("created_at",),
    "purchase": ("purchased_at",),
}
"""The moments a row comes to be: a row with one after the book's moment is left out
(a call not made yet, a ticket not opened yet). A later moment after it (a ticket's
answer or resolution, a task or goal task done) is left empty: not happened yet."""


def demo_frames(as_of: date | None = None, now: datetime | None = None) -> dict[str, pl.DataFrame]:
    """The committed demo CSVs, one frame per table, with every date and datetime
    moved by ``as_of - DEMO_ANCHOR`` days (default: today; DEMO_ANCHOR: no move) and
    nothing after ``now`` (``BEGUN_AT``), the moment the book is built: by default the
    real now (stored moments are UTC) when the book ends today, else the end of
    ``as_of`` (a book asked to end on another day is whole)."""
    as_of = as_of or date.today()
    if now is None:
        now = datetime.now(UTC) if as_of == date.today() else datetime.combine(as_of, time.max)
    until = now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now
    shift = pl.duration(days=(as_of - DEMO_ANCHOR).days)
    frames = {}
    for table in TABLES:
        path = DEMO_DIR / f"{table}.csv"
        if not path.exists():
            continue
        frame = read_csv(table, path)
        moved = [
            (pl.col(name) + shift).alias(name)
            for name, dtype in frame.schema.items()
            if dtype == pl.Date or isinstance(dtype, pl.Datetime)
        ]
        frames[table] = _until(table, frame.with_columns(moved), until)
    kept = frames["interaction"].get_column("id")
    frames["task"] = frames["task"].filter(
        pl.col("interaction_id").is_null() | pl.col("interaction_id").is_in(kept.implode())
    )
    return frames


def _until(table: str, frame: pl.DataFrame, until: datetime) -> pl.DataFrame:
    """``frame`` without the rows begun after ``until`` and with its other moments
    after ``until`` emptied."""
    begun = BEGUN_AT.get(table, ())
    for name in begun:
        frame = frame.filter(pl.col(name) <= until)
    later = [
        pl.when(pl.col(name) <= until).then(pl.col(name)).alias(name)
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime) and name not in begun
    ]
    return frame.with_columns(later)


def load_demo(
    engine: Engine, as_of: date | None = None, now: datetime | None = None
) -> dict[str, int]:
    """Write the demo book into an empty database, ending on ``as_of`` (default:
    today) at ``now`` (``demo_frames``), and return the rows written per table. Ids
    come from the CSVs, so the foreign keys match. A database that already has
    accounts is refused (BookNotEmptyError)."""
    ensure_empty(engine, "the demo book")
    frames = demo_frames(as_of, now)
    return {table: bulk_insert(engine, table, frame) for table, frame in frames.items()}


def fresh_demo_database(as_of: date | None = None) -> tuple[str, Path]:
    """A fresh copy of the demo book in a scratch folder of this process, never in the
    user's own database: its URL and the folder, to remove when done with it. Two
    copies (two ``cxtui --demo`` at once, the welcome screen's "Load the demo book")
    never share a file, and a folder left by a process killed meanwhile is removed by
    the next (``core.store.scratch``)."""
    import shutil

    from core.store.db import open_engine, sqlite_url
    from core.store.scratch import scratch_folder

    folder = scratch_folder("demo")
    url = sqlite_url(folder / "demo.db")
    try:
        engine = open_engine(url)
        try:
            load_demo(engine, as_of)
        finally:
            engine.dispose()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return url, folder
