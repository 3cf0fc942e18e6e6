"""SQLite through ADBC's low-level API: Arrow into and out of polars as it is.

No pyarrow (its import alone takes ~0.2 s), no SQLAlchemy: ``core.store.first_read`` uses
this before either is imported. The driver releases the GIL while it works, so
queries on connections of their own run in parallel threads. ADBC brings its own
copy of SQLite: see ``core.store.db.SqliteLibraryGate`` for when it may open a file.
"""

from __future__ import annotations

from contextlib import closing
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

# One batch holds a whole result, so that a column the driver types from its first
# batch (its rule) is typed from all of the rows.
_BATCH_ROWS = str(1 << 20)


def sqlite_database(path: str) -> closing[Any]:
    """An ADBC database handle on the SQLite file ``path``, to open connections on."""
    import adbc_driver_sqlite

    return closing(adbc_driver_sqlite.connect(path))


def _connection(database: Any) -> closing[Any]:
    import adbc_driver_manager

    return closing(adbc_driver_manager.AdbcConnection(database))


def _statement(connection: Any) -> closing[Any]:
    import adbc_driver_manager

    return closing(adbc_driver_manager.AdbcStatement(connection))


def query_frames(database: Any, queries: list[str], busy_timeout_ms: int) -> list[pl.DataFrame]:
    """Run ``queries`` one after the other on a new connection to ``database`` and
    return their rows. A lock held by another connection is waited for up to
    ``busy_timeout_ms``. polars is imported once the first query has run."""
    frames = []
    with _connection(database) as connection, _statement(connection) as statement:
        statement.set_sql_query(f"PRAGMA busy_timeout={busy_timeout_ms}")
        statement.execute_update()
        statement.set_options(**{"adbc.sqlite.query.batch_rows": _BATCH_ROWS})
        for sql in queries:
            statement.set_sql_query(sql)
            stream, _rows = statement.execute_query()
            import polars as pl

            frames.append(pl.DataFrame(stream))
    return frames


def write_scratch_table(path: str, table: str, frame: pl.DataFrame) -> None:
    """``frame`` as table ``table`` of a new SQLite scratch file ``path``: no journal,
    no syncs, and large pages (13% faster at 1M rows)."""
    with sqlite_database(path) as database, _connection(database) as connection:
        with _statement(connection) as statement:
            for pragma in ("page_size=65536", "journal_mode=OFF", "synchronous=OFF"):
                statement.set_sql_query(f"PRAGMA {pragma}")
                statement.execute_update()
        with _statement(connection) as statement:
            statement.set_options(
                **{"adbc.ingest.target_table": table, "adbc.ingest.mode": "adbc.ingest.mode.create"}
            )
            statement.bind_stream(frame.__arrow_c_stream__())
            statement.execute_update()
