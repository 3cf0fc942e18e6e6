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

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.store.first_read import sqlite_file
from core.store.migrate import HEAD_QUERY, is_head

if TYPE_CHECKING:
    import polars as pl

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
        name, one after the other on one connection, typed as declared."""
        import adbc_driver_manager
        import polars as pl

        from core.store.adbc import query_frames, sqlite_database, typed_frame

        names = list(queries)
        with _adbc_allowed() as allowed:
            if not allowed:
                raise FileReadError(f"{self.path} is open through another SQLite library")
            try:
                with sqlite_database(str(self.path)) as database:
                    sqls = [queries[name][0] for name in names]
                    frames = query_frames(database, sqls, _BUSY_TIMEOUT_MS)
            except adbc_driver_manager.Error as error:
                raise FileReadError(f"{self.path}: {error}") from error
        return {
            name: typed_frame(
                frame, {column: getattr(pl, dtype)() for column, dtype in queries[name][1].items()}
            )
            for name, frame in zip(names, frames, strict=True)
        }


def open_sqlite_file(url: str) -> SqliteFile | None:
    """The SQLite file behind ``url`` when it exists at the current schema and can
    be read through ADBC in this process, else None."""
    import adbc_driver_manager

    from core.store.adbc import query_frames, sqlite_database

    path = sqlite_file(url)
    if path is None:
        return None
    with _adbc_allowed() as allowed:
        if not allowed:
            return None
        try:
            with sqlite_database(str(path)) as database:
                [versions] = query_frames(database, [HEAD_QUERY], _BUSY_TIMEOUT_MS)
        except adbc_driver_manager.Error:
            return None  # no alembic_version table, not a database, locked
    return SqliteFile(url, path) if is_head(versions.to_series(0).to_list()) else None


def _adbc_allowed() -> AbstractContextManager[bool]:
    """Whether ADBC may open the file now (``core.store.sqlite_gate``)."""
    from core.store.sqlite_gate import SQLITE_GATE

    return SQLITE_GATE.try_adbc()
