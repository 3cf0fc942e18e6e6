"""A whole book copied from one database to another (``cxtui copy``): SQLite to
PostgreSQL when a team moves to a shared server, or to another SQLite file.

Every table is copied with its ids, in bulk: read in chunks through ADBC (Arrow, in
one read transaction on the source, so the copy is one moment of the book) and
written through the one fast write path (``core.store.bulk.frame_writer``: staging
files on SQLite, ``COPY`` on PostgreSQL, whose id sequences are then moved past the
ids copied and whose foreign keys are checked once each after the rows), in one write
transaction on the destination. ``monthly_usage``, the
rollup of ``daily_usage``, is not read: that write path builds it from the daily rows
it writes, as every load does (``core.store.rollup``).

The destination is migrated first and must hold no book. On any failure nothing of
the book stays in it: a SQLite file is written beside it and put in its place once
complete (``core.store.db.written_whole``: a new file is not created at all); on
PostgreSQL the transaction is rolled back (a killed process's too, by the server),
leaving the migrated, empty tables.

The source is read through ADBC while the destination file is open in ``sqlite3``:
the two SQLite libraries never open one file at once (the same file is refused), so
the process-wide gate of ``core.store.sqlite_gate`` is not needed here.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import (
    Column,
    Engine,
    String,
    Table,
    cast,
    create_engine,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from core.models import ExactDecimal
from core.store.adbc import sqlite_datetime
from core.store.bulk import frame_writer, indexes_dropped, write_transaction
from core.store.bulk_prepare import stored_dtype
from core.store.db import (
    SQLITE_BUSY_TIMEOUT_MS,
    normalise_url,
    shown_url,
    sqlite_path,
    written_whole,
)
from core.store.rollup import MONTHLY

CHUNK_ROWS = 200_000
"""About this many rows are read (and held) at a time."""

_SQLITE_BATCH_ROWS = str(1 << 22)  # a chunk in one Arrow batch, typed from all its rows

Progress = Callable[[str, int, int], None]
"""Told (table, rows copied so far, rows of the table) as a table is copied."""


class CopyRefused(Exception):
    """A destination the book cannot be copied into; nothing was written to it."""


class CopyFailed(Exception):
    """A copy that failed on a table (named in the message); the destination holds
    none of the book."""


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int


def book_tables() -> list[Table]:
    """Every table of a book, parents before their children."""
    return list(SQLModel.metadata.sorted_tables)


def check_destination(source_url: str, dest_url: str) -> None:
    """Refuse (``CopyRefused``, in words) a destination that is the source, or that
    holds a book or another application's tables, before anything is written."""
    source_url, dest_url = normalise_url(source_url), normalise_url(dest_url)
    dest = shown_destination(dest_url)
    if _same_database(source_url, dest_url):
        raise CopyRefused(f"{dest} is the book being copied: give another database.")
    try:
        tables = _tables_with_rows(dest_url)
    except Exception as error:  # sqlite3's, SQLAlchemy's, the server's (a password...)
        raise CopyRefused(f"{dest} cannot be read: {_first_line(error)}") from None
    if tables is None:
        return
    ours = {table.name for table in book_tables()} | {"alembic_version"}
    refused = ""
    if foreign := sorted(set(tables) - ours):
        refused = f"holds another application's tables ({', '.join(foreign[:5])})"
    elif filled := sorted(name for name in ours - {"alembic_version"} if tables.get(name)):
        more = f" and {len(filled) - 3} more tables" if len(filled) > 3 else ""
        refused = f"holds a book already (rows in {', '.join(filled[:3])}{more})"
    if refused:
        raise CopyRefused(
            f"{dest} {refused}: copy into a new or empty database. Nothing was written."
        )


def copy_book(source: Engine, dest_url: str, progress: Progress | None = None) -> list[Copied]:
    """Copy every table of the book of ``source`` (migrated) into ``dest_url`` (new or
    empty: see ``check_destination``), ids kept, in one transaction; the rows per
    table. ``CopyFailed`` names the table a failure happened on; the destination then
    holds none of the book."""
    check_destination(source.url.render_as_string(hide_password=False), dest_url)
    tell = progress or (lambda _table, _done, _total: None)
    copied: list[Copied] = []
    with (
        _source_reader(source) as read,
        written_whole(dest_url) as dest,
        write_transaction(dest) as raw,
    ):
        keys = _drop_foreign_keys(raw) if dest.dialect.name == "postgresql" else []
        for table in book_tables():
            if table.name == MONTHLY:  # built from daily_usage as it is written
                continue
            with _failing_on(table.name, dest_url):
                rows = _copy_table(
                    read, raw, dest, table, tell, source.dialect.name == "postgresql"
                )
                copied.append(Copied(table.name, rows))
        for table_name, add in keys:
            with _failing_on(table_name, dest_url):
                _execute(raw, add)
        copied.append(Copied(MONTHLY, _count(raw, MONTHLY)))
    order = [table.name for table in book_tables()]
    return sorted(copied, key=lambda done: order.index(done.table))


@contextmanager
def _failing_on(table: str, dest_url: str) -> Iterator[None]:
    """Any error of the block as a ``CopyFailed`` naming ``table``."""
    try:
        yield
    except Exception as error:
        raise CopyFailed(
            f"Copying the table {table} failed: {_first_line(error)}."
            f" {shown_destination(dest_url)} holds none of the book."
        ) from error


def _drop_foreign_keys(raw: Any) -> list[tuple[str, str]]:
    """On PostgreSQL, in the open transaction: drop the foreign keys of the schema the
    book is written in, and return (table, the ALTER TABLE that adds the key back).
    Each key is then checked once over all the rows copied, as pg_restore does, instead
    of once per row: the demo book in 2.3-5.6 s instead of 10-17 s (runs alternated on
    a busy machine)."""
    cursor = raw.cursor()
    cursor.execute(
        "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid)"
        " FROM pg_constraint WHERE contype = 'f'"
        " AND connamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
        " ORDER BY 1, 2"
    )
    keys = cursor.fetchall()
    for table, name, _definition in keys:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    cursor.close()
    return [
        (table.strip('"'), f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        for table, name, definition in keys
    ]


def _execute(raw: Any, sql: str) -> None:
    cursor = raw.cursor()
    cursor.execute(sql)
    cursor.close()


# -- one table ----------------------------------------------------------------------------

Reader = Callable[[Any], pl.DataFrame]


def _copy_table(
    read: Reader, raw: Any, dest: Engine, table: Table, tell: Progress, from_postgres: bool
) -> int:
    """Every row of ``table``, read a chunk at a time (ranges of its first key column),
    written on the open transaction ``raw``; its indexes are built once, after them."""
    first = table.primary_key.columns.values()[0]
    [(total, low, high)] = read(
        f'SELECT count(*) AS "rows", min("{first.name}") AS low, max("{first.name}") AS high'
        f' FROM "{table.name}"',
    ).rows()
    tell(table.name, 0, total)
    if total == 0:
        return 0
    done = 0

    def written(rows: int) -> None:
        nonlocal done
        done += rows
        tell(table.name, done, total)

    with indexes_dropped(raw, dest, table), frame_writer(raw, dest, table, total, written) as write:
        for start, end in _ranges(low, high, total):
            query = _chunk_query(table, first.name, start, end, from_postgres)
            write(_as_stored(table, read(query)))
    if done != total:  # a row outside the ranges read (a bug, not the book's)
        raise RuntimeError(f"{done:,} rows written of {total:,}")
    return total


def _ranges(low: int, high: int, total: int) -> Iterator[tuple[int, int]]:
    """Ranges of values [start, end) of the first key column, from ``low`` to
    ``high``, of about ``CHUNK_ROWS`` rows each if the values are spread evenly."""
    chunks = max(1, -(-total // CHUNK_ROWS))
    width = max(1, -(-(high - low + 1) // chunks))
    for start in range(low, high + 1, width):
        yield start, start + width


def _chunk_query(table: Table, key: str, start: int, end: int, from_postgres: bool) -> Any:
    column = table.c[key]
    keys = list(table.primary_key.columns)
    columns = [_decimal_text(c) if from_postgres and _is_decimal(c) else c for c in table.columns]
    return select(*columns).where(column >= start, column < end).order_by(*keys)


def _is_decimal(column: Column[Any]) -> bool:
    return isinstance(column.type, ExactDecimal)


def _decimal_text(column: Column[Any]) -> Any:
    """PostgreSQL's NUMERIC as the text SQLite keeps (5.100000 as 5.1): ADBC would
    hand it over as an Arrow extension type that polars cannot read."""
    return cast(func.trim_scale(column), String).label(column.name)


def _as_stored(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    """The frame read, each column in the polars type its table column stores (as
    ``core.store.bulk`` takes it), every value as it was: SQLite's moments and days
    parsed from their text, PostgreSQL's aware moments in UTC. Empty text stays
    empty text (the metrics' reads take it for NULL; a copy may not)."""
    casts = []
    for column in table.columns:
        name, target = column.name, stored_dtype(column)
        current = frame.schema[name]
        value = pl.col(name)
        if current == target:
            continue
        if current == pl.String and isinstance(target, pl.Datetime):
            value = sqlite_datetime(value)
        elif current == pl.String and target == pl.Date:
            value = value.str.to_date("%Y-%m-%d", strict=True)
        elif isinstance(current, pl.Datetime) and current.time_zone is not None:
            value = value.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            value = value.dt.cast_time_unit("us")
        else:
            value = value.cast(target, strict=True)
        casts.append(value.alias(name))
    return frame.with_columns(casts) if casts else frame


def _count(raw: Any, table: str) -> int:
    cursor = raw.cursor()
    cursor.execute(f'SELECT count(*) FROM "{table}"')
    [count] = cursor.fetchone()
    cursor.close()
    return int(count)


# -- reading the source ---------------------------------------------------------------------


@contextmanager
def _source_reader(source: Engine) -> Iterator[Reader]:
    """``read(query)``: the rows of a ``Select`` or of SQL text as the driver types
    them, all read in one read-only transaction on the source through ADBC (on
    SQLite, a chunk in one Arrow batch: its columns are typed from all of its rows)."""
    path = sqlite_path(str(source.url))
    if path is not None:
        import adbc_driver_sqlite.dbapi

        connection = adbc_driver_sqlite.dbapi.connect(str(path), autocommit=True)
        begin = "BEGIN"
    else:
        import adbc_driver_postgresql.dbapi

        libpq = source.url.set(drivername="postgresql").render_as_string(hide_password=False)
        connection = adbc_driver_postgresql.dbapi.connect(libpq, autocommit=True)
        begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    try:
        cursor = connection.cursor()
        if path is not None:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.adbc_statement.set_options(
                **{"adbc.sqlite.query.batch_rows": _SQLITE_BATCH_ROWS}
            )
        cursor.execute(begin)

        def read(query: Any) -> pl.DataFrame:
            if not isinstance(query, str):
                literal = {"literal_binds": True}
                query = str(query.compile(dialect=source.dialect, compile_kwargs=literal))
            cursor.execute(query)
            frame = pl.from_arrow(cursor.fetch_arrow_table())
            assert isinstance(frame, pl.DataFrame)
            return frame

        yield read
        cursor.execute("ROLLBACK")
        cursor.close()
    finally:
        connection.close()


# -- the destination ------------------------------------------------------------------------


def _tables_with_rows(url: str) -> dict[str, bool] | None:
    """The destination's tables, each with whether it holds a row; None for a SQLite
    file that does not exist yet (or is empty). Nothing is created or written."""
    path = sqlite_path(url)
    if path is not None:
        if not path.exists() or path.stat().st_size == 0:
            return None
        # Not mode=ro: a read-only connection to a file in WAL mode leaves a -wal and a
        # -shm file beside it; the last connection, closing, removes them.
        with sqlite3.connect(path) as probe:
            probe.execute("PRAGMA query_only=ON")
            names = [row[0] for row in probe.execute(_SQLITE_TABLES)]
            found = {
                name: _has_rows(lambda sql: probe.execute(sql).fetchone(), name) for name in names
            }
        probe.close()
        return found
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            names = inspect(connection).get_table_names()
            return {
                name: _has_rows(lambda sql: connection.execute(text(sql)).first(), name)
                for name in names
            }
    finally:
        engine.dispose()


_SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"


def _has_rows(first_row: Callable[[str], Any], table: str) -> bool:
    quoted = table.replace('"', '""')
    return first_row(f'SELECT 1 FROM "{quoted}" LIMIT 1') is not None


def _same_database(a: str, b: str) -> bool:
    """True when the URLs name one database: one SQLite file (however its path is
    spelled), or one PostgreSQL database and schema on one server."""
    path_a, path_b = sqlite_path(a), sqlite_path(b)
    if path_a is not None or path_b is not None:
        if path_a is None or path_b is None:
            return False
        if path_a.exists() and path_b.exists():
            return os.path.samefile(path_a, path_b)
        return path_a.resolve() == path_b.resolve()
    url_a, url_b = make_url(a), make_url(b)

    def where(url: Any) -> tuple[Any, ...]:
        host = url.host or "localhost"
        host = "localhost" if host in ("127.0.0.1", "::1") else host
        return host, url.port or 5432, url.database, url.query.get("options")

    return where(url_a) == where(url_b)


def shown_destination(url: str) -> str:
    """A database as it is named to the user: its file, or its URL as typed
    (``postgresql://``), without the password."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    return shown_url(url).replace("postgresql+psycopg://", "postgresql://", 1)


def _first_line(error: BaseException) -> str:
    reason = str(getattr(error, "orig", None) or error).strip()
    return reason.splitlines()[0].rstrip(".") if reason else type(error).__name__
