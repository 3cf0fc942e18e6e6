"""Health's statements (``core.health.queries``) compiled for SQLite on placeholder
days, for recomputing and reading the health of a SQLite file without SQLAlchemy.
Generated, in ``health_sql.json``: ``python -m core.health.queries`` rewrites it
from the statements, and ``tests/core/test_health_sql.py`` fails when they differ."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.store.compiled_sql import load, with_days, with_ids

PLACEHOLDERS = {
    "as_of": date(1112, 1, 1),
    "end": date(1112, 2, 2),
    "usage_start": date(1112, 3, 3),
    "usage_split": date(1112, 4, 4),
    "recent_start": date(1112, 5, 5),
    "survey_start": date(1112, 6, 6),
    "movements_since": date(1112, 7, 7),
    "trend_from": date(1112, 8, 8),
    "trend_to": date(1112, 9, 9),
    "week_from": date(1112, 10, 10),
    "week_to": date(1112, 11, 11),
}
"""The days the reads are compiled on, one per parameter (``core.health.windows``):
none of them is a day of any other parameter, nor one day before or after one."""

SILENT = -987_654_321
"""The one account id the read of silent accounts' earlier contacts is compiled on."""


def read_sql(name: str, days: dict[str, date], ids: list[int] | None = None) -> tuple[str, Any]:
    """The read ``name`` on ``days`` (by the names of ``PLACEHOLDERS``), for ``ids``
    where it is compiled on ``SILENT``, with the polars type name of its columns."""
    sql, types = HEALTH_SQL["reads"][name]
    sql = with_days(
        sql, PLACEHOLDERS, {key: day for key, day in days.items() if key in PLACEHOLDERS}
    )
    return (sql if ids is None else with_ids(sql, SILENT, ids)), types


HEALTH_SQL: dict[str, Any] = load(__file__)
"""``reads``: each read by name (``SqlAndTypes``); ``writes``: each write's SQL."""
