"""SQLite through ADBC's low-level API: Arrow into and out of polars as it is.

No pyarrow (its import alone takes ~0.2 s), no SQLAlchemy: ``core.store.first_read`` uses
this before either is imported. The driver releases the GIL while it works, so
queries on connections of their own run in parallel threads. ADBC brings its own
copy of SQLite: see ``core.store.db.SqliteLibraryGate`` for when it may open a file.
"""

from __future__ import annotations

from contextlib import closing
from functools import partial
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


def query_frames(
    database: Any,
    queries: list[str],
    busy_timeout_ms: int,
    dtypes: list[dict[str, pl.DataType | None]] | None = None,
    side_by_side: bool = False,
) -> list[pl.DataFrame]:
    """Run ``queries`` one after the other on a new connection to ``database`` and
    return their rows, each frame typed by ``typed_frame`` with its ``dtypes`` when
    given. A lock held by another connection is waited for up to ``busy_timeout_ms``.
    polars is imported once the first query has run. ``side_by_side``: each query on
    a connection of its own, side by side (``core.store.threads``: the driver releases
    the GIL while a query runs, and polars while it types a frame)."""
    typed = dtypes or [None] * len(queries)
    if side_by_side and len(queries) > 1:
        from core.store.threads import side_by_side as together

        reads = [
            partial(query_frames, database, [sql], busy_timeout_ms, [types])
            for sql, types in zip(queries, typed, strict=True)
        ]
        return [frame for [frame] in together(reads)]
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
    return [
        frame if types is None else typed_frame(frame, types)
        for frame, types in zip(frames, typed, strict=True)
    ]


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


def typed_frame(frame: pl.DataFrame, dtypes: dict[str, pl.DataType | None]) -> pl.DataFrame:
    """Cast each column to ``dtypes`` (the types of the columns the query declared,
    ``core.store.frames.compile_query``): text from SQLite parsed, empty text null;
    datetimes naive, in UTC."""
    import polars as pl

    casts = []
    for name, dtype in dtypes.items():
        column = pl.col(name)
        current = frame.schema[name]
        if dtype is None:
            continue
        if current == pl.String and dtype != pl.String:
            column = column.replace("", None)
            if dtype == pl.Date:
                casts.append(column.str.to_date("%Y-%m-%d", strict=True).alias(name))
            elif isinstance(dtype, pl.Datetime):
                casts.append(sqlite_datetime(column).alias(name))
            else:
                casts.append(column.cast(dtype).alias(name))
        elif current == pl.String and dtype == pl.String:
            casts.append(column.replace("", None).alias(name))
        elif isinstance(current, pl.Datetime) and current.time_zone is not None:
            casts.append(
                column.dt.convert_time_zone("UTC")
                .dt.replace_time_zone(None)
                .dt.cast_time_unit("us")
                .alias(name)
            )
        elif current != dtype:
            casts.append(column.cast(dtype).alias(name))
    return frame.with_columns(casts) if casts else frame


def sqlite_datetime(text: pl.Expr) -> pl.Expr:
    """SQLAlchemy's SQLite datetime text, ``YYYY-MM-DD HH:MM:SS[.ffffff]``, parsed by
    position: about 3x faster than ``str.to_datetime`` with a format (measured on
    184k tickets); a value not in that shape fails the cast."""
    import polars as pl

    def number(start: int, length: int) -> pl.Expr:
        return text.str.slice(start, length).cast(pl.Int64, strict=True)

    micros = text.str.slice(20, 6).str.pad_end(6, "0").cast(pl.Int64, strict=True)
    return text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=True).cast(
        pl.Datetime("us")
    ) + pl.duration(
        hours=number(11, 2),
        minutes=number(14, 2),
        seconds=number(17, 2),
        microseconds=micros,
        time_unit="us",
    )
