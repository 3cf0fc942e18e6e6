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

import os
import re
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import CheckConstraint, Column, Engine, Index, Table, types
from sqlalchemy.schema import CreateIndex, DropIndex
from sqlmodel import SQLModel

import core.models  # noqa: F401  (importing the models registers every table)
from core.store.adbc import write_scratch_table
from core.store.db import sqlite_path
from core.store.frames import polars_type
from core.store.rollup import merge_inserted_usage
from core.store.scratch import scratch_folder

# From this many rows on, rebuilding the indexes after the load beats updating them.
INDEX_REBUILD_MIN_ROWS = 20_000
# From this many rows on, staging through ADBC beats ``executemany``.
STAGE_MIN_ROWS = 20_000
_STAGES_PER_TRANSACTION = 8  # SQLite attaches at most 10 databases
_STAGE_PREFIX = "cxtui_stage_"
_STAGE_THREADS = 2  # staging files written at once, one thread each
_BATCH_ROWS = 50_000
_DATETIME_TEXT = "%Y-%m-%d %H:%M:%S%.6f"
_WAL_FLUSH_SECONDS = 0.25
_WAL_FLUSH_MIN_BYTES = 8 * 1024 * 1024


class BulkInsertError(ValueError):
    """A frame that does not fit its table, with a message naming the field."""


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
        with _wal_flushed(sqlite_path(str(engine.url))):
            yield raw
        raw.commit()
    except BaseException:
        raw.rollback()
        raise
    finally:
        if sqlite:
            _detach_stages(raw.dbapi_connection)
            raw.dbapi_connection.execute("PRAGMA ignore_check_constraints=OFF")
            raw.dbapi_connection.execute("PRAGMA foreign_keys=ON")
        raw.close()


def _sync_data(fd: int) -> None:
    """``fdatasync``, or ``fsync`` where there is none (macOS)."""
    getattr(os, "fdatasync", os.fsync)(fd)


@contextmanager
def _wal_flushed(database: Path | None) -> Iterator[None]:
    """While a write transaction runs, a thread writes the new pages of the SQLite
    database's write-ahead log to disk every quarter second. The commit's checkpoint
    must sync the log before it copies it into the database: the log is then mostly
    on disk already, written while the CPU did other work (a 1M-row import writes
    ~150 MB there). A short transaction ends before the first sync. SQLite takes no
    lock on the log file, so this second descriptor cannot release any of its locks."""
    if database is None or os.name != "posix":
        yield
        return
    done = threading.Event()

    def flush() -> None:
        synced = 0
        while not done.wait(_WAL_FLUSH_SECONDS):
            try:
                fd = os.open(f"{database}-wal", os.O_RDONLY)
            except OSError:
                continue
            try:
                size = os.fstat(fd).st_size
                if size - synced >= _WAL_FLUSH_MIN_BYTES:
                    _sync_data(fd)
                    synced = size
            except OSError:
                pass  # the commit's own sync will do it
            finally:
                os.close(fd)

    flusher = threading.Thread(target=flush, name="cxtui-wal-flush", daemon=True)
    flusher.start()
    try:
        yield
    finally:
        done.set()
        flusher.join()


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
    rebuild = existing_indexes(raw, engine, table) if frame.height >= INDEX_REBUILD_MIN_ROWS else []
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
    pipeline = _StagePipeline(raw, engine, table, expected_rows, on_batch)

    def write(frame: pl.DataFrame) -> int:
        if frame.height == 0:
            return 0
        frame = _complete(table, frame)
        _check_not_null(table, frame)
        check_constraints(table, frame)
        if dialect == "sqlite":
            _check_parents(raw, table, frame)
            pipeline.add(frame)
        else:
            _copy_postgres(raw, table, frame, on_batch)
        if table.name == "daily_usage":
            merge_inserted_usage(raw, dialect, frame)
        return frame.height

    try:
        yield write
        pipeline.finish()
    finally:
        pipeline.close()


def driver_rows(engine: Engine, frame: pl.DataFrame) -> Iterator[tuple[Any, ...]]:
    """The frame's rows as values the engine's DB-API driver stores the way SQLAlchemy
    does (on SQLite: dates and datetimes as text, booleans as 0/1)."""
    if engine.dialect.name == "sqlite":
        frame = _sqlite_text(frame)
    return zip(*(column.to_list() for column in frame.iter_columns()), strict=True)


@contextmanager
def deferred_indexes(engine: Engine, tables: Iterable[str]) -> Iterator[None]:
    """Drop the secondary indexes of ``tables`` for the duration of the block (many
    ``bulk_insert`` calls) and rebuild them once at the end, even after an error."""
    targets = [table_for(name) for name in tables]
    raw = engine.raw_connection()
    try:
        dropped = [index for target in targets for index in existing_indexes(raw, engine, target)]
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


# -- preparing the frame -------------------------------------------------------------


def _model_defaults(table: Table) -> dict[str, Any]:
    """Python-side defaults of the SQLModel class behind ``table`` (status, created_at...)."""
    for mapper in SQLModel._sa_registry.mappers:
        if mapper.local_table is table:
            defaults = {}
            for name, field in mapper.class_.model_fields.items():
                if field.default_factory is not None:
                    defaults[name] = field.default_factory()  # type: ignore[call-arg]
                elif not field.is_required() and field.default is not None:
                    defaults[name] = field.default
            return defaults
    return {}


def _complete(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with the table's columns in table order, missing optional ones filled."""
    unknown = [name for name in frame.columns if name not in table.c]
    if unknown:
        raise BulkInsertError(
            f"Table {table.name!r} has no column {', '.join(map(repr, unknown))}; "
            f"its columns are: {', '.join(table.c.keys())}."
        )
    defaults = _model_defaults(table)
    columns = []
    for column in table.columns:
        if column.name in frame.columns:
            columns.append(column.name)
        elif column.name in defaults:
            frame = frame.with_columns(pl.lit(defaults[column.name]).alias(column.name))
            columns.append(column.name)
        elif column.primary_key and column.autoincrement in (True, "auto") and _is_int(column):
            continue
        elif not column.nullable:
            raise BulkInsertError(
                f"Table {table.name!r} needs column {column.name!r} (it cannot be empty)."
            )
    return pl.DataFrame([_typed(table, table.c[name], frame) for name in columns])


def _is_int(column: Column[Any]) -> bool:
    return isinstance(column.type, types.Integer)


def stored_dtype(column: Column[Any]) -> pl.DataType:
    """The polars type that holds the values of a table column."""
    return polars_type(column.type) or pl.String()


def _typed(table: Table, column: Column[Any], frame: pl.DataFrame) -> pl.Series:
    """The column cast to the polars type its SQL type stores, or a clear error."""
    name = column.name
    dtype = frame.schema[name]
    target = stored_dtype(column)
    expr = pl.col(name)
    try:
        if isinstance(target, pl.Datetime):
            if dtype == pl.String:
                expr = expr.str.to_datetime(time_unit="us", strict=True)
            elif isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
                expr = expr.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            elif not isinstance(dtype, pl.Datetime | pl.Null):
                raise TypeError("expected a datetime")
        elif target == pl.Date:
            if dtype == pl.String:
                expr = expr.str.to_date("%Y-%m-%d", strict=True)
            elif not isinstance(dtype, pl.Date | pl.Null):
                raise TypeError("expected a date")
        elif target == pl.Int64 and dtype.is_float():
            raise TypeError("expected whole numbers")
        return frame.select(expr.cast(target, strict=True))[name]
    except (TypeError, pl.exceptions.PolarsError) as error:
        first_line = str(error).splitlines()[0] if str(error) else ""
        raise BulkInsertError(
            f"Column {table.name}.{name} holds {dtype}, which cannot be stored as "
            f"{target}: {first_line}"
        ) from None


def _check_not_null(table: Table, frame: pl.DataFrame) -> None:
    for column in table.columns:
        if column.nullable or column.name not in frame.columns:
            continue
        nulls = frame.select(pl.arg_where(pl.col(column.name).is_null()).first()).item()
        if nulls is not None:
            raise BulkInsertError(
                f"{table.name} row {nulls + 1}: {column.name} is empty, but it is required."
            )


def check_constraints(table: Table, frame: pl.DataFrame) -> None:
    """Every row passes the table's CHECK constraints, evaluated by polars from their
    own SQL (a CHECK fails only when false, not when NULL), or a BulkInsertError names
    the first row that does not."""
    for constraint in sorted(_checks(table), key=lambda check: str(check.name)):
        rule = str(constraint.sqltext)
        names = [c.name for c in table.columns if re.search(rf"\b{c.name}\b", rule)]
        values = frame.select(
            pl.col(name) if name in frame.columns else pl.lit(None).alias(name) for name in names
        )
        broken = pl.sql_expr(rule).fill_null(True).not_()
        row = values.select(pl.arg_where(broken).first()).item()
        if row is not None:
            found = ", ".join(
                f"{name} {value!r}" for name, value in values.row(row, named=True).items()
            )
            raise BulkInsertError(
                f"{table.name} row {row + 1}: {found} breaks the rule {rule} ({constraint.name})."
            )


def _checks(table: Table) -> list[CheckConstraint]:
    return [c for c in table.constraints if isinstance(c, CheckConstraint)]


# -- indexes ---------------------------------------------------------------------------


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


# -- SQLite --------------------------------------------------------------------------------


def _sqlite_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Values exactly as SQLAlchemy writes them to SQLite."""
    casts = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            casts.append(pl.col(name).dt.strftime(_DATETIME_TEXT))
        elif dtype == pl.Date:
            casts.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif dtype == pl.Boolean:
            casts.append(pl.col(name).cast(pl.Int64))
    return frame.with_columns(casts) if casts else frame


def _check_parents(raw: Any, table: Table, frame: pl.DataFrame) -> None:
    """Every foreign key of the frame names an existing row (SQLite's own per-row
    check is off during the load: checking here is faster and names the row)."""
    cursor = raw.cursor()
    for key in sorted(table.foreign_keys, key=lambda key: key.parent.name):
        name = key.parent.name
        if name not in frame.columns:
            continue
        target = key.column
        wanted = frame[name].drop_nulls().unique().sort()
        cursor.execute(
            f'SELECT value FROM json_each(?) WHERE value NOT IN (SELECT "{target.name}"'
            f' FROM "{target.table.name}")',
            ("[" + ",".join(str(value) for value in wanted) + "]",),
        )
        absent = [row[0] for row in cursor.fetchall()]
        if absent:
            row = int(frame[name].is_in(pl.Series(absent).implode()).arg_true()[0])
            raise BulkInsertError(
                f"{table.name} row {row + 1}: {name} {frame[name][row]} does not exist "
                f"in {target.table.name}."
            )
    cursor.close()


def _execute_many(raw: Any, engine: Engine, table: Table, frame: pl.DataFrame) -> None:
    columns = ", ".join(f'"{name}"' for name in frame.columns)
    marks = ", ".join("?" for _ in frame.columns)
    sql = f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})'
    cursor = raw.cursor()
    for batch in frame.iter_slices(_BATCH_ROWS):
        cursor.executemany(sql, driver_rows(engine, batch))
    cursor.close()


class _StagePipeline:
    """Rows for one SQLite table, written from Arrow into private staging files by
    the ADBC driver (no Python object per value) in worker threads (the driver
    releases the GIL), and copied into the table by one ``INSERT ... SELECT`` per file
    on the open transaction, in the order they were given, so they commit or roll
    back with it. While the main thread copies one file, the workers stage the next.

    Frames are grouped into files of at least ``STAGE_MIN_ROWS`` rows, sized so that
    ``expected_rows`` fit in the files the transaction may still attach; smaller
    remainders, and rows beyond the last file, go through ``executemany``. The staging
    files stay attached until the transaction ends (SQLite cannot detach a database a
    transaction has read); ``write_transaction`` then detaches and deletes them. ADBC
    brings its own copy of SQLite: only one of the two libraries ever opens a staging
    file at a time (see ``core.store.db.SqliteLibraryGate``)."""

    def __init__(
        self,
        raw: Any,
        engine: Engine,
        table: Table,
        expected_rows: int,
        on_batch: Callable[[int], None] | None,
    ) -> None:
        self.raw, self.engine, self.table, self.on_batch = raw, engine, table, on_batch
        sqlite = engine.dialect.name == "sqlite"
        attached = len(_stages(raw.dbapi_connection)) if sqlite else 0
        self.first_alias = attached
        self.files_left = _STAGES_PER_TRANSACTION - attached
        self.rows_left = expected_rows
        self.waiting: list[pl.DataFrame] = []
        self.staging: list[tuple[Future[_Staged], int]] = []  # (file, its number)
        self.files = 0
        self.folder: Path | None = None
        self.pool: ThreadPoolExecutor | None = None

    def add(self, frame: pl.DataFrame) -> None:
        if self.waiting and self.waiting[0].columns != frame.columns:
            self._flush(final=True)
        self.waiting.append(frame)
        self._flush(final=False)

    def finish(self) -> None:
        self._flush(final=True)
        while self.staging:
            self._copy_oldest()

    def close(self) -> None:
        """Stop the workers; after an error, remove the files not yet copied."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self.staging and self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
        self.staging.clear()

    def _file_rows(self) -> int:
        """Rows per staging file: the expected rows left, over the files left."""
        return max(STAGE_MIN_ROWS, -(-self.rows_left // max(self.files_left, 1)))

    def _flush(self, final: bool) -> None:
        waiting = sum(frame.height for frame in self.waiting)
        while waiting and (final or waiting >= self._file_rows()):
            frame = pl.concat(self.waiting) if len(self.waiting) > 1 else self.waiting[0]
            size = min(frame.height, self._file_rows())
            if final and frame.height - size < STAGE_MIN_ROWS:
                size = frame.height  # no small remainder of its own
            part, rest = frame.head(size), frame.slice(size)
            self.waiting = [rest] if rest.height else []
            waiting = rest.height
            if part.height >= STAGE_MIN_ROWS and self.files_left > 0:
                self._stage(part)
            else:
                self._write_now(part)

    def _stage(self, part: pl.DataFrame) -> None:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(_STAGE_THREADS, thread_name_prefix="cxtui-stage")
            self.folder = scratch_folder("stage")
        assert self.folder is not None
        path = self.folder / f"stage{self.files}.db"
        self.staging.append((self.pool.submit(_write_stage, path, part), self.files))
        self.files += 1
        self.files_left -= 1
        self.rows_left = max(self.rows_left - part.height, 0)
        # Memory holds the files being staged and one waiting to be copied.
        while len(self.staging) > _STAGE_THREADS:
            self._copy_oldest()

    def _write_now(self, part: pl.DataFrame) -> None:
        while self.staging:  # rows keep the order they were given in
            self._copy_oldest()
        _execute_many(self.raw, self.engine, self.table, part)
        self.rows_left = max(self.rows_left - part.height, 0)
        if self.on_batch is not None:
            self.on_batch(part.height)

    def _copy_oldest(self) -> None:
        future, number = self.staging[0]
        staged = future.result()
        alias = f"{_STAGE_PREFIX}{self.first_alias + number}"
        cursor = self.raw.cursor()
        cursor.execute(f"ATTACH DATABASE ? AS {alias}", (str(staged.path),))
        self.staging.pop(0)
        names = staged.columns + staged.constants
        columns = ", ".join(f'"{name}"' for name in names)
        values = ", ".join(
            [f'"{name}"' for name in staged.columns] + ["?" for _ in staged.constants]
        )
        cursor.execute(
            f'INSERT INTO main."{self.table.name}" ({columns}) SELECT {values} FROM {alias}.stage',
            staged.constant_values,
        )
        cursor.close()
        if self.on_batch is not None:
            self.on_batch(staged.rows)


@dataclass(frozen=True)
class _Staged:
    path: Path
    rows: int
    columns: list[str]  # staged in the file
    constants: list[str]  # one value in every row, bound once as a parameter
    constant_values: tuple[Any, ...]


def _is_constant(column: pl.Series) -> bool:
    if column.null_count() or column.dtype == pl.Boolean:
        return False
    return bool(column.min() == column.max())


def _write_stage(path: Path, frame: pl.DataFrame) -> _Staged:
    """The frame, with its values as SQLAlchemy stores them (formatted here, in a
    worker thread), as table ``stage`` of a new SQLite file, through ADBC. A column
    with one value in every row (a default such as created_at) is not staged: it is
    bound once as a parameter instead of being formatted and stored a million times."""
    constants = [name for name in frame.columns[1:] if _is_constant(frame[name])]
    constant_values = _sqlite_text(frame.head(1).select(constants)).row(0) if constants else ()
    staged = [name for name in frame.columns if name not in constants]
    write_scratch_table(str(path), "stage", _sqlite_text(frame.select(staged)))
    return _Staged(path, frame.height, staged, constants, constant_values)


def _stages(connection: sqlite3.Connection) -> list[tuple[str, str]]:
    """The staging files attached to the connection: (alias, file)."""
    listed = connection.execute("PRAGMA database_list").fetchall()
    return [(name, file) for _, name, file in listed if name.startswith(_STAGE_PREFIX)]


def _detach_stages(connection: sqlite3.Connection) -> None:
    for alias, file in _stages(connection):
        connection.execute(f"DETACH DATABASE {alias}")
        shutil.rmtree(Path(file).parent, ignore_errors=True)


# -- PostgreSQL ------------------------------------------------------------------------------


def _postgres_csv(frame: pl.DataFrame) -> pl.DataFrame:
    casts = [
        pl.col(name).dt.strftime(_DATETIME_TEXT + "+00")
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime)
    ]
    return frame.with_columns(casts) if casts else frame


def _copy_postgres(
    raw: Any, table: Table, frame: pl.DataFrame, on_batch: Callable[[int], None] | None
) -> None:
    columns = ", ".join(f'"{name}"' for name in frame.columns)
    sql = f'COPY "{table.name}" ({columns}) FROM STDIN WITH (FORMAT csv)'
    cursor = raw.cursor()
    with cursor.copy(sql) as copy:
        for batch in _postgres_csv(frame).iter_slices(_BATCH_ROWS):
            copy.write(batch.write_csv(include_header=False, date_format="%Y-%m-%d"))
            if on_batch is not None:
                on_batch(batch.height)
    identity = table.autoincrement_column
    if identity is not None and identity.name in frame.columns:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{identity.name}'),"
            f' (SELECT max("{identity.name}") FROM "{table.name}"))'
        )
    cursor.close()
