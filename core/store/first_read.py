"""The accounts list's first read when the app starts, straight from a SQLite file.

Drawing the list is what a user waits for; SQLAlchemy, SQLModel and the models take
about a second to import. So when the database is a SQLite file whose schema is
already current, the list's parts are read through ADBC's low-level API, Arrow
straight into polars, without that stack or pyarrow, by the very queries the engine
runs (``core.accounts.queries.list_part_queries``, compiled ahead in ``first_read_sql``);
the engine is opened after the list is drawn. Anything else (another database, a
schema to migrate, a file that cannot be read) returns None, and the app takes the
usual way: ``core.store.db.open_engine`` then ``core.accounts.queries.load_accounts_first``.

The parts are read side by side (``core.store.threads``), one connection each, and
the list's module is imported while they run: the driver releases the GIL.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

from core.store.first_read_sql import FIELD_QUERIES, PLACEHOLDER_DAY, PLACEHOLDER_FIELD_ID, QUERIES
from core.store.migrate import HEAD_QUERY, is_head
from core.store.threads import side_by_side

if TYPE_CHECKING:
    import polars as pl

    from core.accounts.field_frames import ListFieldValues

Read = TypeVar("Read")
_SQLITE_PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")
# How long a read waits for a lock: the parts' connections open together and the
# first to open a WAL file sets it up; a lock held longer (another process writing)
# sends the app the engine's way, which waits as every connection does.
_BUSY_TIMEOUT_MS = 2_000


def sqlite_file(url: str) -> Path | None:
    """The existing file behind a plain SQLite URL (``core.store.db.sqlite_url``), else None."""
    for prefix in _SQLITE_PREFIXES:
        if url.startswith(prefix):
            encoded = url.removeprefix(prefix)
            if not encoded or "?" in encoded or encoded == ":memory:":
                return None  # a query string: the engine's way
            path = Path(unquote(encoded))  # as core.store.db.sqlite_url encoded it
            return path if path.is_file() else None
    return None


def _sql(today: date) -> dict[str, tuple[str, dict[str, str]]]:
    """The list's queries on ``today`` with the polars type name of each column: the
    compiled queries of ``first_read_sql``, their placeholder days replaced (SQLite
    compares days as 'YYYY-MM-DD' text)."""
    from core.health.trend import trend_window

    placeholder = date.fromisoformat(PLACEHOLDER_DAY)
    days = [
        (f"'{old.isoformat()}'", f"'{new.isoformat()}'")
        for old, new in zip(
            (placeholder, *trend_window(placeholder)), (today, *trend_window(today)), strict=True
        )
    ]
    queries = {}
    for name, (sql, dtypes) in QUERIES.items():
        for old, new in days:
            sql = sql.replace(old, new)
        queries[name] = (sql, dtypes)
    return queries


def read_first_list(url: str, today: date) -> pl.DataFrame | None:
    """The accounts list without its last interactions, as
    ``core.accounts.queries.load_accounts_first`` reads it, or None when ``url`` is not a
    SQLite file at the current schema (or cannot be read this way)."""
    return from_file(url, lambda database: _read(database, today))


def read_first_fields(url: str, names: list[str]) -> ListFieldValues | None:
    """The custom fields and the values of those ``names`` name, as
    ``core.accounts.field_views.read_list_fields`` reads them, straight from the file
    like ``read_first_list`` (beside it, at the app's start: the list shows its field
    columns with its first rows); None when it cannot be read this way (an older
    schema without custom fields, a locked file)."""
    return from_file(url, lambda database: _read_fields(database, names))


def from_file(url: str, read: Callable[[Any], Read | None]) -> Read | None:
    """``read`` on an ADBC handle to the SQLite file behind ``url``; None when ``url``
    is not one, when another SQLite library has the file open in this process, or
    when the driver fails."""
    import adbc_driver_manager
    import adbc_driver_sqlite

    path = sqlite_file(url)
    if path is None:
        return None
    with _adbc_allowed() as allowed:
        if not allowed:
            return None
        try:
            database = adbc_driver_sqlite.connect(str(path))
        except adbc_driver_manager.Error:
            return None
        try:
            return read(database)
        except adbc_driver_manager.Error:
            return None
        finally:
            database.close()


def _read_fields(database: Any, names: list[str]) -> ListFieldValues:
    import polars as pl

    from core.accounts.field_frames import ListFieldValues, list_fields, list_values, tidy_fields

    fields = tidy_fields(_part(database, "custom_fields", *FIELD_QUERIES["custom_fields"]))
    chosen, unknown = list_fields(fields, names)
    sql, dtypes = FIELD_QUERIES["field_values"]
    queries = [
        sql.replace(f"IN ({PLACEHOLDER_FIELD_ID})", f"IN ({int(field_id)})")
        for field_id in chosen["id"]
    ]
    long = pl.DataFrame()
    if queries:  # a field per connection, read side by side (the driver releases the GIL)
        long = pl.concat(
            side_by_side(
                [partial(_part, database, "field_values", query, dtypes) for query in queries]
            )
        )
    return ListFieldValues(fields, list_values(long, chosen), tuple(unknown))


def _read(database: Any, today: date) -> pl.DataFrame | None:
    queries = _sql(today)

    def versions() -> list[str]:
        from core.accounts import listing  # noqa: F401  (imported while the parts are read)

        return _execute(database, HEAD_QUERY).to_series(0).to_list()

    def part(name: str, sql: str, dtypes: dict[str, str]) -> pl.DataFrame | Exception:
        try:
            return _part(database, name, sql, dtypes)
        except Exception as error:  # raised below when the schema is current
            return error

    head, *parts = side_by_side(
        [versions, *(partial(part, name, *q) for name, q in queries.items())]
    )
    if not is_head(head):
        return None  # the schema needs migrating (the parts may have failed)
    read = {}
    for name, frame in zip(queries, parts, strict=True):
        if isinstance(frame, Exception):
            raise frame
        read[name] = frame
    from core.accounts.listing import list_frame, list_parts

    return list_frame(list_parts(read), today)


def _part(database: Any, name: str, sql: str, dtypes: dict[str, str]) -> pl.DataFrame:
    """One part, typed as its query declares; the accounts also through
    ``accounts_part`` (here, while the other parts are read)."""
    import polars as pl

    from core.accounts.listing import accounts_part
    from core.store.adbc import typed_frame

    frame = typed_frame(
        _execute(database, sql), {column: getattr(pl, dtype)() for column, dtype in dtypes.items()}
    )
    return accounts_part(frame) if name == "accounts" else frame


def _execute(database: Any, sql: str) -> pl.DataFrame:
    """Run ``sql`` on a connection of its own (the query runs without the GIL; its
    Arrow result is handed to polars once polars is imported)."""
    from core.store.adbc import query_frames

    return query_frames(database, [sql], _BUSY_TIMEOUT_MS)[0]


def _adbc_allowed() -> AbstractContextManager[bool]:
    """Whether an ADBC read may start now: not while a connection through Python's
    sqlite3 is open in this process (``core.store.sqlite_gate``); the engine opening
    beside the first read waits for it instead."""
    from core.store.sqlite_gate import SQLITE_GATE

    return SQLITE_GATE.try_adbc()
