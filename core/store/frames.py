"""Bulk reads into polars.

Metrics and health scores are computed over whole tables at once, so reads go
through ADBC (Arrow, no Python objects per row) on SQLite and PostgreSQL alike.
A query is a SQLAlchemy ``Select`` over the tables of ``core.models``; the column
types it selects decide the polars types of the frame, whatever the database
returned (SQLite hands dates back as text, PostgreSQL as Arrow dates).
"""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import Dialect, Engine, Select, func, types
from sqlalchemy.engine import make_url

from core.store.adbc import (
    query_frames,
    sqlite_database,
    typed_frame,
)
from core.store.db import SQLITE_BUSY_TIMEOUT_MS
from core.store.sqlite_file import rows_frame
from core.store.sqlite_gate import SQLITE_GATE
from core.store.sqlite_moments import sqlite_micros


def polars_type(sa_type: types.TypeEngine[Any]) -> pl.DataType | None:
    """The polars type that holds values of a SQLAlchemy type (None when unknown).
    Reads type their frames with it and ``core.store.bulk`` checks frames against it."""
    if isinstance(sa_type, types.TypeDecorator):
        sa_type = sa_type.impl_instance if hasattr(sa_type, "impl_instance") else sa_type.impl
    if isinstance(sa_type, types.DateTime):
        return pl.Datetime("us")
    if isinstance(sa_type, types.Date):
        return pl.Date()
    if isinstance(sa_type, types.Boolean):
        return pl.Boolean()
    if isinstance(sa_type, types.Integer):
        return pl.Int64()
    if isinstance(sa_type, types.Float):
        return pl.Float64()
    if isinstance(sa_type, types.String):
        return pl.String()
    return None


_polars_type = polars_type  # the name core.health.scoring imports


def _is_textual(dtype: pl.DataType | None) -> bool:
    return dtype is not None and (
        dtype == pl.String or dtype == pl.Date or isinstance(dtype, pl.Datetime)
    )


def _sqlite_column(column: Any, dtype: pl.DataType | None) -> Any:
    """How SQLite hands ``column`` over. A moment, stored as SQLAlchemy's text
    ``YYYY-MM-DD HH:MM:SS.ffffff``, as microseconds since 1970 (``sqlite_micros``,
    taken from an index that holds them where there is one). Even computed, it
    costs 30 % less than parsing the text in polars (1.9M tickets' three moments:
    1.1 instead of 1.6 s of CPU) and ``typed_frame`` casts it as it is.
    Other text (and days) behind ``coalesce``: NULLs first would make the driver
    type a text column as an integer."""
    if isinstance(dtype, pl.Datetime):
        return sqlite_micros(column).label(column.key)
    if _is_textual(dtype):
        return func.coalesce(column, "").label(column.key)
    return column


def _postgres_connection(engine: Engine) -> Any:
    import adbc_driver_postgresql.dbapi

    libpq_url = make_url(str(engine.url.render_as_string(hide_password=False))).set(
        drivername="postgresql"
    )
    return adbc_driver_postgresql.dbapi.connect(libpq_url.render_as_string(hide_password=False))


def read_frame(engine: Engine, query: Select[Any]) -> pl.DataFrame:
    """Run ``query`` and return its rows as a polars frame, typed from the query's
    columns. Parameters are bound as literals (the values are our own typed
    Python values, rendered by SQLAlchemy for the dialect)."""
    return read_frames(engine, {"frame": query})["frame"]


def read_frames(
    engine: Engine, queries: dict[str, Select[Any]], parallel: bool = False
) -> dict[str, pl.DataFrame]:
    """Run several queries and return their frames by name (each typed as
    ``read_frame`` types it): one after the other on one connection (on PostgreSQL
    this saves opening an ADBC connection per query) or, with ``parallel`` on SQLite,
    each on its own connection in its own thread (the driver releases the GIL). On
    SQLite all of them go through ADBC, or all through ``sqlite3`` when ADBC is not
    allowed (see ``core.store.db.SqliteLibraryGate``)."""
    compiled = {name: compile_query(engine.dialect, query) for name, query in queries.items()}
    return read_compiled(engine, compiled, parallel)


def read_compiled(
    engine: Engine,
    compiled: dict[str, tuple[str, dict[str, pl.DataType | None]]],
    parallel: bool = False,
) -> dict[str, pl.DataFrame]:
    """``read_frames`` of queries compiled ahead (``compile_query``): their SQL and types."""
    is_sqlite = engine.dialect.name == "sqlite"
    if not is_sqlite:
        return _read_postgres(engine, compiled)
    with SQLITE_GATE.try_adbc() as adbc_allowed:
        if adbc_allowed:
            return _read_sqlite_adbc(engine, compiled, parallel)
    return {
        name: typed_frame(_read_sqlite3(engine, sql, dtypes), dtypes)
        for name, (sql, dtypes) in compiled.items()
    }


def compile_query(
    dialect: Dialect, query: Select[Any]
) -> tuple[str, dict[str, pl.DataType | None]]:
    """The SQL of ``query`` for ``dialect`` with its parameters inlined, and the polars
    type of each selected column (``typed_frame`` makes the frame read so)."""
    is_sqlite = dialect.name == "sqlite"
    columns = list(query.selected_columns)
    dtypes = {column.key: polars_type(column.type) for column in columns}
    if is_sqlite:
        query = query.with_only_columns(
            *[_sqlite_column(column, dtypes[column.key]) for column in columns],
            maintain_column_froms=True,
        )
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    return sql, dtypes


def _read_postgres(
    engine: Engine, compiled: dict[str, tuple[str, dict[str, pl.DataType | None]]]
) -> dict[str, pl.DataFrame]:
    connection = _postgres_connection(engine)
    try:
        cursor = connection.cursor()
        frames = {}
        for name, (sql, dtypes) in compiled.items():
            cursor.execute(sql)
            frame = pl.from_arrow(cursor.fetch_arrow_table())
            assert isinstance(frame, pl.DataFrame)
            frames[name] = typed_frame(frame, dtypes)
        cursor.close()
    finally:
        connection.close()
    return frames


def _read_sqlite_adbc(
    engine: Engine,
    compiled: dict[str, tuple[str, dict[str, pl.DataType | None]]],
    parallel: bool,
) -> dict[str, pl.DataFrame]:
    """Through ADBC's low-level API (``core.store.adbc``): one connection, or one per query
    in its own thread."""
    sqls = [sql for sql, _dtypes in compiled.values()]
    dtypes = [dtypes for _sql, dtypes in compiled.values()]
    with sqlite_database(engine.url.database or ":memory:") as database:
        frames = query_frames(database, sqls, SQLITE_BUSY_TIMEOUT_MS, dtypes, parallel)
    return dict(zip(compiled, frames, strict=True))


def _read_sqlite3(engine: Engine, sql: str, dtypes: dict[str, pl.DataType | None]) -> pl.DataFrame:
    """The slower path, through Python's sqlite3, while other connections are open
    in this process (see ``core.store.db.SqliteLibraryGate``)."""
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(sql).fetchall()
    return rows_frame([tuple(row) for row in rows], dtypes)
