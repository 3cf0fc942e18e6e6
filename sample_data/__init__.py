"""The demo book: a fictional SaaS company's customers, committed as CSVs in
``sample_data/demo/`` (rewritten by ``python -m sample_data.generator --write-demo``)
and loaded with ``load_demo``, shifted so that the book ends on the day you load it."""

from __future__ import annotations

from datetime import date
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


def demo_frames(as_of: date | None = None) -> dict[str, pl.DataFrame]:
    """The committed demo CSVs, one frame per table, with every date and datetime
    moved by ``as_of - DEMO_ANCHOR`` days (default: today; DEMO_ANCHOR: no move)."""
    shift = pl.duration(days=((as_of or date.today()) - DEMO_ANCHOR).days)
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
        frames[table] = frame.with_columns(moved)
    return frames


def load_demo(engine: Engine, as_of: date | None = None) -> dict[str, int]:
    """Write the demo book into an empty database, ending on ``as_of`` (default:
    today), and return the rows written per table. Ids come from the CSVs, so the
    foreign keys match. A database that already has accounts is refused
    (BookNotEmptyError)."""
    ensure_empty(engine, "the demo book")
    return {table: bulk_insert(engine, table, frame) for table, frame in demo_frames(as_of).items()}


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
