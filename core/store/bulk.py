"""The one fast write path: a polars frame into a table, without ORM objects.

Used by the demo load, the dataset generator and imports. ``bulk_insert`` writes one
frame in its own transaction; ``write_transaction`` + ``insert_frame`` write many
(and anything else, such as updates) in one, and ``frame_writer`` many frames of one
table, staging the next while it copies the last. Every frame is checked in polars first
against the table's NOT NULL and CHECK constraints (the CHECKs' own SQL) and, on
SQLite, its foreign keys; SQLite's own per-row checks are then off for the load.

On SQLite every value is pre-formatted the way SQLAlchemy itself stores it (dates
``YYYY-MM-DD``, datetimes ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC, booleans 0/1, exact
decimals as text). Small frames go through the raw DB-API connection with
``executemany``; from ``STAGE_MIN_ROWS`` rows on, the ADBC driver writes them from
Arrow into staging files (two worker threads) that one ``INSERT ... SELECT`` per file
copies into the table on the open transaction (no Python object per value), while
the workers stage the next files. While a write transaction runs, a thread syncs the
write-ahead log, so that the commit has less left to sync. On PostgreSQL
they go through psycopg 3's ``COPY ... FROM STDIN``. For large loads the table's
secondary indexes (as declared in ``SQLModel.metadata``) are dropped first and rebuilt
after the rows, in the same transaction; ``deferred_indexes`` keeps them dropped
across many loads (a generator writing in chunks), ``indexes_dropped`` across many
``insert_frame`` calls of one transaction. Rows of ``daily_usage`` also go into the
``monthly_usage`` rollup (``core.store.rollup``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import polars as pl
from sqlalchemy import Engine, Index, Table
from sqlalchemy.schema import CreateIndex, DropIndex
from sqlmodel import SQLModel

import core.models  # noqa: F401  (importing the models registers every table)
from core.store.bulk_postgres import copy_postgres
from core.store.bulk_prepare import (  # BulkInsertError: raised to callers
    BulkInsertError,
    check_constraints,
    check_not_null,
    complete_frame,
)
from core.store.bulk_sqlite import StagePipeline, check_parents, detach_stages, wal_flushed
from core.store.db import sqlite_path
from core.store.rollup import DAILY, MONTHLY, merge_inserted_usage

# From this many rows on, rebuilding the indexes after the load beats updating them.
INDEX_REBUILD_MIN_ROWS = 20_000


def table_for(name: str) -> Table:
    table = SQLModel.metadata.tables.get(name)
    if table is None:
        known = ", ".join(sorted(SQLModel.metadata.tables))
        raise BulkInsertError(f"There is no table {name!r}; the tables are: {known}.")
    return table


def bulk_insert(engine: Engine, table: str, frame: pl.DataFrame) -> int:
    """Write every row of ``frame`` into ``table`` in one transaction and return the
    number of rows (see ``insert_frame`` for what the frame may hold)."""
    target = table_for(table)
    if frame.height == 0:
        return 0
    with write_transaction(engine) as raw:
        return insert_frame(raw, engine, target, frame)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Any]:
    """A raw DB-API connection in a write transaction, committed when the block ends
    and rolled back if it raises. On SQLite the transaction holds the write lock from
    its start (``BEGIN IMMEDIATE``), and the database's own per-row foreign key and
    CHECK constraint checks are off: ``insert_frame`` checks both itself, faster (an
    IN-list CHECK makes each ``executemany`` row several times slower)."""
    raw = engine.raw_connection()
    sqlite = engine.dialect.name == "sqlite"
    try:
        if sqlite:
            if raw.dbapi_connection.in_transaction:
                raw.commit()
            cursor = raw.cursor()
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.execute("PRAGMA ignore_check_constraints=ON")
            cursor.execute("BEGIN IMMEDIATE")
            cursor.close()
        with wal_flushed(sqlite_path(str(engine.url))):
            yield raw
        raw.commit()
    except BaseException:
        raw.rollback()
        raise
    finally:
        if sqlite:
            detach_stages(raw.dbapi_connection)
            raw.dbapi_connection.execute("PRAGMA ignore_check_constraints=OFF")
            raw.dbapi_connection.execute("PRAGMA foreign_keys=ON")
        raw.close()


def insert_frame(
    raw: Any,
    engine: Engine,
    table: Table,
    frame: pl.DataFrame,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Insert ``frame`` into ``table`` on the open transaction of ``raw`` (from
    ``write_transaction``) and return the number of rows; ``on_batch`` hears the
    rows of each batch written.

    The frame's columns are the table's column names; a nullable column, a column
    with a model default (filled with that default) or the auto-increment id may be
    left out. Dates are ``pl.Date``, datetimes ``pl.Datetime`` (naive means UTC).
    Every row is checked first against the table's NOT NULL and CHECK constraints
    (the CHECKs' own SQL, evaluated by polars) and, on SQLite, its foreign keys.
    Large loads drop the secondary indexes and rebuild them after the rows. Rows of
    ``daily_usage`` are added to the ``monthly_usage`` rollup. With explicit ids on
    PostgreSQL the id sequence is moved past the largest id.
    """
    if frame.height == 0:
        return 0
    rebuild = load_indexes(raw, engine, [table]) if frame.height >= INDEX_REBUILD_MIN_ROWS else []
    _run_ddl(raw, engine, rebuild, DropIndex)
    with frame_writer(raw, engine, table, frame.height, on_batch) as write:
        write(frame)
    _run_ddl(raw, engine, rebuild, CreateIndex)
    return frame.height


@contextmanager
def frame_writer(
    raw: Any,
    engine: Engine,
    table: Table,
    expected_rows: int,
    on_batch: Callable[[int], None] | None = None,
) -> Iterator[Callable[[pl.DataFrame], int]]:
    """``write(frame)`` for many frames of one table on the open transaction of
    ``raw``, as ``insert_frame`` writes one (without its index handling): each frame
    is checked when it is given. On SQLite, large frames are staged by worker
    threads while the main thread copies the rows staged before, so both cores work
    (``expected_rows``, the most rows the frames may hold, sizes the staging files);
    every row is in the table when the block ends."""
    dialect = engine.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise BulkInsertError(f"cxtui cannot bulk-write to {dialect} databases.")
    pipeline = StagePipeline(raw, engine, table, expected_rows, on_batch)

    def write(frame: pl.DataFrame) -> int:
        if frame.height == 0:
            return 0
        frame = complete_frame(table, frame)
        check_not_null(table, frame)
        check_constraints(table, frame)
        if dialect == "sqlite":
            check_parents(raw, table, frame)
            pipeline.add(frame)
        else:
            copy_postgres(raw, table, frame, on_batch)
        if table.name == DAILY:
            merge_inserted_usage(raw, dialect, frame)
        return frame.height

    try:
        yield write
        pipeline.finish()
    finally:
        pipeline.close()


@contextmanager
def deferred_indexes(engine: Engine, tables: Iterable[str]) -> Iterator[None]:
    """Drop the secondary indexes of ``tables`` for the duration of the block (many
    ``bulk_insert`` calls) and rebuild them once at the end, even after an error."""
    targets = [table_for(name) for name in tables]
    raw = engine.raw_connection()
    try:
        dropped = load_indexes(raw, engine, targets)
        _run_ddl(raw, engine, dropped, DropIndex)
        raw.commit()
        try:
            yield
        finally:
            raw.rollback()
            _run_ddl(raw, engine, dropped, CreateIndex)
            raw.commit()
    finally:
        raw.close()


@contextmanager
def indexes_dropped(raw: Any, engine: Engine, table: Table) -> Iterator[None]:
    """Inside the open transaction of ``raw``: drop the table's secondary indexes for
    the block (many ``insert_frame`` calls then skip their own rebuild) and create
    them again after it. On an error the transaction's rollback restores them."""
    dropped = existing_indexes(raw, engine, table)
    _run_ddl(raw, engine, dropped, DropIndex)
    yield
    _run_ddl(raw, engine, dropped, CreateIndex)


# -- indexes ---------------------------------------------------------------------------


def load_indexes(raw: Any, engine: Engine, tables: list[Table]) -> list[Index]:
    """The secondary indexes a bulk load of ``tables`` (``insert_frame``,
    ``deferred_indexes``: a whole dataset) drops and rebuilds: theirs and their
    rollups'. Loading 3M rows of daily usage kept its rollup's index by month up to
    date row by row: 1.79-1.96 -> 2.08-2.13 s at 10k accounts. An import's many rows
    (``indexes_dropped``) touch a few of the rollup's, which keeps its index."""
    names = [table.name for table in tables]
    if DAILY in names and MONTHLY not in names:
        names.append(MONTHLY)
    return [index for name in names for index in existing_indexes(raw, engine, table_for(name))]


def existing_indexes(raw: Any, engine: Engine, table: Table) -> list[Index]:
    """The table's declared secondary indexes that exist in the database right now."""
    declared = sorted(table.indexes, key=lambda index: str(index.name))
    if not declared:
        return []
    cursor = raw.cursor()
    if engine.dialect.name == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table.name,)
        )
    else:
        cursor.execute(
            "SELECT indexname FROM pg_indexes"
            " WHERE schemaname = current_schema() AND tablename = %s",
            (table.name,),
        )
    present = {row[0] for row in cursor.fetchall()}
    cursor.close()
    return [index for index in declared if index.name in present]


def _run_ddl(raw: Any, engine: Engine, indexes: list[Index], statement: type) -> None:
    cursor = raw.cursor()
    for index in indexes:
        cursor.execute(str(statement(index).compile(dialect=engine.dialect)))
    cursor.close()
