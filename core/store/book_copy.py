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

From one SQLite file to another, SQLite copies the book itself (``_sqlite_file_copy``):
a page copy of the file (``VACUUM INTO``) when its schema is the one the destination
is migrated to, else ``INSERT ... SELECT`` per table from the file attached; then the
copy's foreign keys and constraints are checked, and a book that fails them (a damaged
one) is copied again as above, whose error names the table and the row. On the S book
(450,024 rows) a copy takes 1.1 s of CPU instead of 3.7 s (0.6x SQLite's own INSERT ...
SELECT, which took 2.2x): migrating the destination ~0.5 s, the page copy 0.13 s, the
check of every page and constraint (``PRAGMA quick_check``) 0.64 s.

The destination is migrated first and must hold no book. On any failure nothing of
the book stays in it: a SQLite file is written beside it and put in its place once
complete (``core.store.db.written_whole``: a new file is not created at all); on
PostgreSQL the transaction is rolled back (a killed process's too, by the server),
leaving the migrated, empty tables.

The source is read through ADBC while the destination file is open in ``sqlite3``:
the two SQLite libraries never open one file at once (the same file is refused), so
the process-wide gate of ``core.store.sqlite_gate`` is not needed there. The copy of
a SQLite file by SQLite opens both files in ``sqlite3`` alone, through the gate.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
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
    source_file, dest_file = sqlite_path(str(source.url)), sqlite_path(normalise_url(dest_url))
    if source_file is not None and dest_file is not None:
        try:
            return _sqlite_file_copy(source_file, dest_url, tell)
        except _NotAsIs:
            pass  # a damaged book: copied below, which names the table and row at fault
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
def _failing_on(table: str | None, dest_url: str) -> Iterator[None]:
    """Any error of the block as a ``CopyFailed`` naming ``table`` (None: the copy of
    the whole file)."""
    try:
        yield
    except (_NotAsIs, CopyFailed):
        raise
    except Exception as error:
        what = "the book" if table is None else f"the table {table}"
        raise CopyFailed(
            f"Copying {what} failed: {_first_line(error)}."
            f" {shown_destination(dest_url)} holds none of the book."
        ) from error


# -- SQLite file to SQLite file -------------------------------------------------------------


class _NotAsIs(Exception):
    """The book copied file to file fails SQLite's checks (a foreign key naming no row,
    a value its CHECK or NOT NULL refuses): it is copied again through ``frame_writer``,
    whose error names the table and the row."""


def _sqlite_file_copy(source_file: Path, dest_url: str, tell: Progress) -> list[Copied]:
    """The book of one SQLite file copied into another by SQLite itself: a page copy of
    the file (``VACUUM INTO``: a consistent snapshot, ids, sequences and every value as
    stored) when its schema is the one the destination is migrated to (with the same
    page size), else every table by ``INSERT ... SELECT`` from the file attached, in
    one transaction. Then the copy is checked (its foreign keys, CHECK and NOT NULL
    constraints: ``_NotAsIs`` when they fail) and set in WAL mode, as a new book is.
    ``monthly_usage`` is copied as it is, not built again from ``daily_usage``."""
    with written_whole(dest_url) as dest, _failing_on(None, dest_url):
        partial = sqlite_path(str(dest.url))
        assert partial is not None
        dest.dispose()
        with _plain_sqlite(source_file) as read:
            as_is = _layout(read) == _layout_of(partial)
            if as_is:
                for end in ("-wal", "-shm"):
                    Path(f"{partial}{end}").unlink(missing_ok=True)
                os.truncate(partial, 0)  # VACUUM INTO writes into an empty file only
                read.execute("VACUUM INTO ?", (str(partial),))
        with _plain_sqlite(partial) as written:
            if not as_is:
                _insert_select(written, source_file, dest_url, tell)
            return _checked(written, tell)


_LAYOUT_PRAGMAS = ("page_size", "auto_vacuum", "encoding")


def _layout(connection: sqlite3.Connection) -> tuple[Any, ...]:
    """What a page copy of the file keeps of it: its schema (tables, indexes, triggers:
    ``_schema_shape``), its page size, auto-vacuum and text encoding."""
    schema = connection.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master"
        " WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
    ).fetchall()
    shapes = tuple((kind, name, table, _schema_shape(sql)) for kind, name, table, sql in schema)
    pragmas = [connection.execute(f"PRAGMA {name}").fetchone()[0] for name in _LAYOUT_PRAGMAS]
    return shapes, tuple(pragmas)


_TABLE_CONSTRAINTS = ("CONSTRAINT ", "PRIMARY KEY", "FOREIGN KEY", "UNIQUE (", "CHECK (")


def _schema_shape(sql: str | None) -> Any:
    """The SQL of a table, index or trigger, its spacing aside; a table's columns in
    their order and its constraints in any order: two files migrated alike by Alembic
    list a table's constraints in an order of their own (its batch operations rebuild a
    table from a set: ``ck_account_status`` before ``ck_account_mrr_non_negative`` in
    one, after it in the other)."""
    if sql is None:
        return None
    text = " ".join(sql.split())
    head, opened, body = text.partition("(")
    if not head.upper().startswith("CREATE TABLE") or not opened:
        return text
    items = _top_level_items(body[: body.rindex(")")])
    constraints = sorted(item for item in items if item.upper().startswith(_TABLE_CONSTRAINTS))
    columns = [item for item in items if not item.upper().startswith(_TABLE_CONSTRAINTS)]
    return head.strip(), tuple(columns), tuple(constraints), body[body.rindex(")") :]


def _top_level_items(body: str) -> list[str]:
    """The parts of a CREATE TABLE's list between commas outside brackets and quotes."""
    items, start, depth, quote = [], 0, 0, ""
    for index, char in enumerate(body):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"`[":
            quote = "]" if char == "[" else char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(body[start:index].strip())
            start = index + 1
    items.append(body[start:].strip())
    return items


def _layout_of(path: Path) -> tuple[Any, ...]:
    with _plain_sqlite(path) as connection:
        return _layout(connection)


def _insert_select(
    written: sqlite3.Connection, source_file: Path, dest_url: str, tell: Progress
) -> None:
    """Every table's rows from the source attached, by column name, in one transaction
    (one moment of the book), without a journal (a failed copy's file is dropped) nor
    foreign keys (``_checked`` checks them after). A row the destination's
    constraints refuse is ``_NotAsIs``."""
    written.execute("PRAGMA foreign_keys=OFF")
    written.execute("PRAGMA journal_mode=OFF")
    written.execute("ATTACH DATABASE ? AS source", (str(source_file),))
    written.execute("BEGIN IMMEDIATE")
    for table in book_tables():
        columns = ", ".join(f'"{column.name}"' for column in table.columns)
        with _failing_on(table.name, dest_url):
            try:
                rows = written.execute(
                    f'INSERT INTO main."{table.name}" ({columns})'
                    f' SELECT {columns} FROM source."{table.name}"'
                ).rowcount
            except sqlite3.IntegrityError as error:
                raise _NotAsIs(str(error)) from error
        tell(table.name, rows, rows)
    written.execute("COMMIT")
    written.execute("DETACH DATABASE source")


def _checked(written: sqlite3.Connection, tell: Progress) -> list[Copied]:
    """The rows per table of the book copied on ``written``, once its foreign keys and
    its CHECK and NOT NULL constraints hold (``_NotAsIs`` otherwise); the file in WAL
    mode, as ``core.store.db`` makes every book."""
    if written.execute("PRAGMA foreign_key_check").fetchone() is not None:
        raise _NotAsIs("a foreign key names no row")
    if written.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
        raise _NotAsIs("a value breaks a constraint")
    written.execute("PRAGMA journal_mode=WAL")
    copied = []
    for table in book_tables():
        [rows] = written.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()
        tell(table.name, rows, rows)
        copied.append(Copied(table.name, rows))
    return copied


@contextmanager
def _plain_sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    """A ``sqlite3`` connection to ``path`` in autocommit mode (no transaction begun
    for it), which waits while an ADBC read of this process runs
    (``core.store.sqlite_gate``)."""
    from core.store.sqlite_gate import SQLITE_GATE

    SQLITE_GATE.sqlite_opening()
    try:
        connection = sqlite3.connect(
            path, isolation_level=None, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000
        )
        try:
            yield connection
        finally:
            connection.close()
    finally:
        SQLITE_GATE.sqlite_closed()


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
