"""A SQLite file read without SQLAlchemy or the models (~1 s of imports on a short
command): queries compiled ahead from the same selects the engine runs (such as
``core.metrics.book_sql``) run through ADBC's low-level API, Arrow straight into
polars (``core.store.adbc``), as the app's first read of the list does
(``core.store.first_read``).

``open_sqlite_file`` gives a ``SqliteFile`` only for a plain SQLite URL whose file
exists at the current schema; anything else (PostgreSQL, a schema to migrate, a file
this process has open through Python's sqlite3) is None, and the caller opens the
engine (``core.store.db.open_engine``), which migrates and reads as usual.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from core.store.first_read import from_file, sqlite_file
from core.store.migrate import HEAD_QUERY, is_head
from core.store.sqlite_gate import SQLITE_GATE

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable, Iterator

    import polars as pl
    from sqlalchemy import Engine

T = TypeVar("T")

_BUSY_TIMEOUT_MS = 5_000
"""How long a read waits for a lock held by another process (a write, an import)."""


class FileReadError(Exception):
    """The file could not be read this way (locked, changed, damaged): the engine's
    way says what is wrong."""


@dataclass(frozen=True)
class SqliteFile:
    """A SQLite file at the current schema, to read compiled queries from."""

    url: str
    path: Path

    def read(self, queries: dict[str, tuple[str, dict[str, str]]]) -> dict[str, pl.DataFrame]:
        """The rows of each query (SQL and the polars type name of each column), by
        name, typed as declared: through ADBC, each query on its own connection, side
        by side (``core.store.threads``); or one after the other through Python's
        ``sqlite3`` while this process has a connection of that library open
        (``core.store.sqlite_gate``)."""
        import polars as pl

        from core.store.adbc import typed_frame

        names = list(queries)
        sqls = [queries[name][0] for name in names]
        dtypes = [
            {column: getattr(pl, dtype)() for column, dtype in queries[name][1].items()}
            for name in names
        ]
        with SQLITE_GATE.try_adbc() as allowed:
            frames = self._read_adbc(sqls, dtypes) if allowed else None
        if frames is None:
            frames = [
                typed_frame(frame, types)
                for frame, types in zip(self._read_sqlite3(sqls, dtypes), dtypes, strict=True)
            ]
        return dict(zip(names, frames, strict=True))

    def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one write transaction through Python's ``sqlite3``, with
        the engine's settings (``core.store.db``: foreign keys checked, the busy
        timeout), holding the write lock from its start: committed when ``work``
        returns, rolled back when it raises. A failure of the database (locked,
        changed, damaged) is a ``FileReadError``, with nothing written: the engine's
        way follows and says what is wrong."""
        with self._sqlite3() as connection:
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = work(connection)
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
            return result

    @contextmanager
    def _sqlite3(self) -> Iterator[sqlite3.Connection]:
        """A connection of Python's ``sqlite3`` (``core.store.sqlite_gate``), its
        errors raised as ``FileReadError``."""
        import sqlite3

        SQLITE_GATE.sqlite_opening()
        try:
            connection = sqlite3.connect(
                str(self.path), timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None
            )
            add_unixepoch(connection)
            try:
                yield connection
            except sqlite3.Error as error:
                raise FileReadError(f"{self.path}: {error}") from error
            finally:
                connection.close()
        finally:
            SQLITE_GATE.sqlite_closed()

    def _read_adbc(
        self, sqls: list[str], dtypes: list[dict[str, pl.DataType | None]]
    ) -> list[pl.DataFrame]:
        import adbc_driver_manager

        from core.store.adbc import query_frames, sqlite_database

        try:
            with sqlite_database(str(self.path)) as database:
                return query_frames(database, sqls, _BUSY_TIMEOUT_MS, dtypes, side_by_side=True)
        except adbc_driver_manager.Error as error:
            raise FileReadError(f"{self.path}: {error}") from error

    def _read_sqlite3(
        self, sqls: list[str], dtypes: list[dict[str, pl.DataType | None]]
    ) -> list[pl.DataFrame]:
        with self._sqlite3() as connection:
            return [
                rows_frame(connection.execute(sql).fetchall(), types)
                for sql, types in zip(sqls, dtypes, strict=True)
            ]


def add_unixepoch(connection: sqlite3.Connection) -> None:
    """Give ``connection`` SQLite's ``unixepoch`` when its library is older than 3.38
    (Python's own SQLite may be: ADBC brings 3.53): compiled queries read moments
    with it (``core.store.frames``). A Python function then, slower, to the same
    whole seconds (``unixepoch_of``)."""
    import sqlite3

    if sqlite3.sqlite_version_info < (3, 38):
        connection.create_function("unixepoch", 1, unixepoch_of, deterministic=True)


def unixepoch_of(text: str | None) -> int | None:
    """The whole seconds since 1970 of a moment's text (UTC unless it says otherwise),
    as SQLite's ``unixepoch`` gives them for the text the queries hand it (no
    fraction); None for None or text that is not a moment, as SQLite gives NULL."""
    from calendar import timegm
    from datetime import UTC, datetime

    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return timegm(moment.timetuple())


def rows_frame(rows: list[tuple[Any, ...]], dtypes: dict[str, pl.DataType | None]) -> pl.DataFrame:
    """Rows of a compiled query (``core.store.frames.compile_query``) read through
    Python's ``sqlite3`` as a frame for ``typed_frame``: text and days (and columns of
    no known type) as the text SQLite stores, booleans as its integers, moments as
    the microseconds the query computes, the others as their type."""
    import polars as pl

    def raw(dtype: pl.DataType | None) -> pl.DataType:
        if dtype is None or dtype in (pl.String, pl.Date):
            return pl.String()
        if dtype == pl.Boolean or isinstance(dtype, pl.Datetime):
            return pl.Int64()
        return dtype

    raw_types = {name: raw(dtype) for name, dtype in dtypes.items()}
    return pl.DataFrame(rows, schema=raw_types, orient="row")


def engine_file(engine: Engine) -> SqliteFile | None:
    """The SQLite file behind an open engine (at the current schema: opening the
    engine migrated it), for the queries compiled ahead to read without compiling
    their selects again (~20 ms of the caller's thread a read of the metrics book);
    None for PostgreSQL, a database in memory, or a URL with options."""
    if engine.dialect.name != "sqlite":
        return None
    url = engine.url.render_as_string(hide_password=False)
    path = sqlite_file(url)
    return None if path is None else SqliteFile(url, path)


def open_sqlite_file(url: str) -> SqliteFile | None:
    """The SQLite file behind ``url`` when it exists at the current schema and can
    be read through ADBC in this process, else None."""
    from core.store.adbc import query_frames

    def versions(database: Any) -> list[str]:
        return query_frames(database, [HEAD_QUERY], _BUSY_TIMEOUT_MS)[0].to_series(0).to_list()

    path, found = sqlite_file(url), from_file(url, versions)
    return SqliteFile(url, path) if path is not None and found and is_head(found) else None
