"""Bulk writes on SQLite: small frames through ``executemany``; large ones staged
by ADBC into attached files (``StagePipeline``) and copied with one
``INSERT ... SELECT`` each; foreign keys checked in bulk; the write-ahead log synced
while a transaction runs (``wal_flushed``)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine, Table

from core.store.adbc import write_scratch_table

# From this many rows on, rebuilding the indexes after the load beats updating them.
from core.store.bulk_prepare import BATCH_ROWS, BulkInsertError, driver_rows, sqlite_text
from core.store.scratch import scratch_folder
from core.store.threads import Started, start

# From this many rows on, staging through ADBC beats ``executemany``.
STAGE_MIN_ROWS = 20_000
_STAGES_PER_TRANSACTION = 8  # SQLite attaches at most 10 databases
_STAGE_PREFIX = "cxtui_stage_"
_STAGE_THREADS = 2  # staging files written at once, one thread each
_WAL_FLUSH_SECONDS = 0.25
_WAL_FLUSH_MIN_BYTES = 8 * 1024 * 1024


def _sync_data(fd: int) -> None:
    """``fdatasync``, or ``fsync`` where there is none (macOS)."""
    getattr(os, "fdatasync", os.fsync)(fd)


@contextmanager
def wal_flushed(database: Path | None) -> Iterator[None]:
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


# -- SQLite --------------------------------------------------------------------------------


def check_parents(raw: Any, table: Table, frame: pl.DataFrame) -> None:
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
    for batch in frame.iter_slices(BATCH_ROWS):
        cursor.executemany(sql, driver_rows(engine, batch))
    cursor.close()


class StagePipeline:
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
        self.staging: list[tuple[Started[_Staged], int]] = []  # (file, its number)
        self.files = 0
        self.folder: Path | None = None

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
        """After an error: the files being staged end (those not started are not),
        and the files not yet copied are removed."""
        for staged, _number in self.staging:
            staged.drop()
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
        if self.folder is None:
            self.folder = scratch_folder("stage")
        path = self.folder / f"stage{self.files}.db"
        self.staging.append((start(partial(_write_stage, path, part)), self.files))
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
        started, number = self.staging[0]
        staged = started.result()
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
    constant_values = sqlite_text(frame.head(1).select(constants)).row(0) if constants else ()
    staged = [name for name in frame.columns if name not in constants]
    write_scratch_table(str(path), "stage", sqlite_text(frame.select(staged)))
    return _Staged(path, frame.height, staged, constants, constant_values)


def _stages(connection: sqlite3.Connection) -> list[tuple[str, str]]:
    """The staging files attached to the connection: (alias, file)."""
    listed = connection.execute("PRAGMA database_list").fetchall()
    return [(name, file) for _, name, file in listed if name.startswith(_STAGE_PREFIX)]


def detach_stages(connection: sqlite3.Connection) -> None:
    for alias, file in _stages(connection):
        connection.execute(f"DETACH DATABASE {alias}")
        shutil.rmtree(Path(file).parent, ignore_errors=True)
