"""``monthly_usage``: ``daily_usage`` summed per account and month, kept exact by
every write to ``daily_usage``, so the metrics never group millions of daily rows.

Per account and month it holds what the metrics need: the active users summed over
the days, the most active users on one day, and a bitmask of the days with data
(bit d set when day d of the month has a row).

- Rows inserted in bulk (``core.store.bulk.insert_frame``: the generator, the demo load,
  imports) are summed in polars and merged in: adding is exact because the primary
  key makes every inserted day a new one (a clash fails the whole insert).
- Rows updated or deleted (an import that updates rows, ORM writes, see
  ``core.models``) have their months recomputed from ``daily_usage``.

Writes to ``daily_usage`` by hand-written SQL bypass both: call
``refresh_usage_months`` after them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy.engine import Connection

DAILY, MONTHLY = "daily_usage", "monthly_usage"
"""The table the rollup sums, and the rollup: every write to the first writes the
second."""

# Per dialect, SQL for the first day of a date column's month, its day of the month,
# and the larger of two values.
_SQL = {
    "sqlite": {
        "month": "substr({day}, 1, 7) || '-01'",
        "day_of_month": "CAST(substr({day}, 9, 2) AS INTEGER)",
        "greatest": "max",
        "mark": "?",
    },
    "postgresql": {
        "month": "CAST(date_trunc('month', {day}) AS date)",
        "day_of_month": "CAST(extract(day FROM {day}) AS integer)",
        "greatest": "greatest",
        "mark": "%s",
    },
}
_COLUMNS = "account_id, month, users_sum, users_max, day_bits"


def month_sql(dialect: str, day: str) -> str:
    """SQL for the first day of the month of the date column ``day``."""
    return _SQL[dialect]["month"].format(day=day)


def totals_sql(dialect: str, day: str, users: str) -> list[str]:
    """SQL aggregates of daily rows into the rollup's users_sum, users_max, day_bits."""
    day_of_month = _SQL[dialect]["day_of_month"].format(day=day)
    return [
        f"sum({users})",
        f"max({users})",
        f"CAST(sum(CAST(1 AS bigint) << {day_of_month}) AS bigint)",
    ]


def usage_totals(frame: pl.DataFrame) -> pl.DataFrame:
    """The rollup rows of daily usage rows (account_id, day as pl.Date, active_users)."""
    return (
        frame.group_by("account_id", pl.col("day").dt.truncate("1mo").alias("month"))
        .agg(
            pl.col("active_users").sum().alias("users_sum"),
            pl.col("active_users").max().alias("users_max"),
            pl.lit(2, pl.Int64).pow(pl.col("day").dt.day()).sum().alias("day_bits"),
        )
        .sort("account_id", "month")
    )


def merge_inserted_usage(raw: Any, dialect: str, inserted: pl.DataFrame) -> None:
    """Add daily usage rows just inserted on ``raw`` (a DB-API connection, in the
    inserting transaction) to the rollup."""
    totals = usage_totals(inserted)
    if totals.height == 0:
        return
    sql = _SQL[dialect]
    marks = ", ".join([sql["mark"]] * 5)
    statement = (
        f"INSERT INTO monthly_usage ({_COLUMNS}) VALUES ({marks})"
        " ON CONFLICT (account_id, month) DO UPDATE SET"
        " users_sum = monthly_usage.users_sum + excluded.users_sum,"
        f" users_max = {sql['greatest']}(monthly_usage.users_max, excluded.users_max),"
        " day_bits = monthly_usage.day_bits | excluded.day_bits"
    )
    if dialect == "sqlite":
        totals = totals.with_columns(pl.col("month").dt.strftime("%Y-%m-%d"))
    _executemany(raw, statement, list(totals.iter_rows()))


def refresh_usage_months(
    connection: Connection | Any, dialect: str, keys: Iterable[tuple[int, date]]
) -> None:
    """Recompute from ``daily_usage`` the rollup of the months of ``keys`` (account id,
    any day of the month), on ``connection`` (SQLAlchemy or DB-API), in its transaction."""
    months = sorted({(account_id, day.replace(day=1)) for account_id, day in keys})
    if not months:
        return
    mark = _SQL[dialect]["mark"]
    users_sum, users_max, day_bits = totals_sql(dialect, "day", "active_users")
    rows = [(account_id, start, _next_month(start)) for account_id, start in months]
    if dialect == "sqlite":
        rows = [(a, start.isoformat(), end.isoformat()) for a, start, end in rows]
    _executemany(
        connection,
        f"DELETE FROM monthly_usage WHERE account_id = {mark} AND month = {mark}",
        [row[:2] for row in rows],
    )
    _executemany(
        connection,
        f"INSERT INTO monthly_usage ({_COLUMNS})"
        f" SELECT account_id, {mark}, {users_sum}, {users_max}, {day_bits} FROM daily_usage"
        f" WHERE account_id = {mark} AND day >= {mark} AND day < {mark} GROUP BY account_id",
        [(start, account_id, start, end) for account_id, start, end in rows],
    )


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _executemany(connection: Connection | Any, sql: str, rows: list[tuple[Any, ...]]) -> None:
    if isinstance(connection, Connection):
        connection.exec_driver_sql(sql, rows)  # type: ignore[arg-type]
        return
    cursor = connection.cursor()
    cursor.executemany(sql, rows)
    cursor.close()
