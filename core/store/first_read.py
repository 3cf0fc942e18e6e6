"""The accounts list's first read when the app starts, straight from a SQLite file.

Drawing the list is what a user waits for; SQLAlchemy, SQLModel and the models take
about a second to import. So when the database is a SQLite file whose schema is
already current, the list's parts (``core.accounts.listing.PARTS``) are read through
ADBC's low-level API, Arrow straight into polars, without that stack or pyarrow;
the engine is opened after the list is drawn. Anything else (another database, a
schema to migrate, a file that cannot be read) returns None, and the app takes the
usual way: ``core.store.db.open_engine`` then ``core.accounts.queries.load_accounts_first``.

The parts are read in parallel, one connection each, and polars is imported while
they run: the driver releases the GIL.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from core.health.trend import TREND_DAYS, TREND_LOOKBACK_DAYS
from core.store.migrate import HEAD_QUERY, is_head

if TYPE_CHECKING:
    import polars as pl

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


def _sql(today: date) -> dict[str, str]:
    """The SQL of each part on ``today`` (SQLite: a day is 'YYYY-MM-DD' text). The
    latest snapshot per account uses SQLite's rule that the other columns of a
    ``max()`` group come from the row holding the maximum."""
    day = f"'{today.isoformat()}'"
    month_from = f"'{(today - timedelta(days=TREND_LOOKBACK_DAYS)).isoformat()}'"
    month_to = f"'{(today - timedelta(days=TREND_DAYS)).isoformat()}'"
    return {
        "accounts": 'SELECT id, external_id, name, segment, "plan", owner, status, mrr_cents,'
        " coalesce(renewal_date, '') AS renewal_date FROM account",
        "current": "SELECT account_id AS id, max(day) AS day, score AS computed_score, band"
        f" FROM health_snapshot WHERE day <= {day} GROUP BY account_id",
        "month_ago": "SELECT account_id AS id, max(day) AS day, score AS score_30d_ago"
        f" FROM health_snapshot WHERE day <= {month_to} AND day >= {month_from}"
        " GROUP BY account_id",
        # the override in force (core.health.store.active_overrides): the newest
        "overrides": "SELECT id AS override_id, account_id AS id, score AS override_score,"
        " coalesce(band, '') AS override_band FROM health_override"
        f" WHERE ended_at IS NULL AND starts_on <= {day} AND expires_on > {day}",
        "tickets": "SELECT account_id AS id, count(id) AS open_tickets FROM ticket"
        " WHERE resolved_at IS NULL GROUP BY account_id",
    }


def read_first_list(url: str, today: date) -> pl.DataFrame | None:
    """The accounts list without its last interactions, as
    ``core.accounts.queries.load_accounts_first`` reads it, or None when ``url`` is not a
    SQLite file at the current schema (or cannot be read this way)."""
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
            return _read(database, today)
        except adbc_driver_manager.Error:
            return None
        finally:
            database.close()


def _read(database: Any, today: date) -> pl.DataFrame | None:
    with ThreadPoolExecutor(max_workers=len(_sql(today)) + 1) as pool:
        head = pool.submit(_execute, database, HEAD_QUERY)
        parts = {name: pool.submit(_part, database, name, sql) for name, sql in _sql(today).items()}
        from core.accounts.listing import PARTS, list_frame, override_bands

        if not is_head(head.result().to_series(0).to_list()):
            return None  # the schema needs migrating (the parts may have failed)
        frames = {name: part.result() for name, part in parts.items()}
    newest = frames["overrides"].sort("override_id").unique("id", keep="last")
    frames["overrides"] = override_bands(newest.select(PARTS["overrides"].keys()))
    return list_frame(frames, today)


def _part(database: Any, name: str, sql: str) -> pl.DataFrame:
    """One part, typed as ``PARTS`` says; the accounts also through ``accounts_part``
    (here, while the other parts are read)."""
    import polars as pl

    from core.accounts.listing import PARTS, accounts_part

    schema = PARTS[name] | ({"override_id": pl.Int64()} if name == "overrides" else {})
    frame = _typed(_execute(database, sql), schema)
    return accounts_part(frame) if name == "accounts" else frame


def _execute(database: Any, sql: str) -> pl.DataFrame:
    """Run ``sql`` on a connection of its own (the query runs without the GIL; its
    Arrow result is handed to polars once polars is imported)."""
    from core.store.adbc import query_frames

    return query_frames(database, [sql], _BUSY_TIMEOUT_MS)[0]


def _typed(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """``frame`` with the columns of ``schema``, typed as ``core.store.frames`` types a
    SQLite read: empty text is null, days are parsed."""
    import polars as pl

    columns = []
    for name, dtype in schema.items():
        column = pl.col(name)
        if frame.schema[name] == pl.String:
            column = column.replace("", None)
            if dtype == pl.Date:
                column = column.str.to_date("%Y-%m-%d", strict=True)
        columns.append(column.cast(dtype).alias(name))
    return frame.select(columns)


def _adbc_allowed() -> AbstractContextManager[bool]:
    """Whether an ADBC read may start now. Two SQLite libraries must not have the
    file open at once in one process (``core.store.db.SqliteLibraryGate``); connections
    through Python's sqlite3 only exist once core.store.db is imported, so before that,
    as at the app's start, the read goes ahead."""
    db = sys.modules.get("core.store.db")
    return db.SQLITE_GATE.try_adbc() if db is not None else nullcontext(True)
