"""The metrics book's queries (``core.metrics.book_queries``), and the dashboard's band
counts' (``core.metrics.dashboard.band_history``), compiled for SQLite on placeholder
days, for reading a SQLite file without SQLAlchemy. Generated, in ``book_sql.json``:
``python -m core.metrics.book_queries`` rewrites it from the queries, and
``tests/core/test_book_sql.py`` fails when they differ."""

from __future__ import annotations

from datetime import date, timedelta

from core.store.compiled_sql import SqlAndTypes, load, with_days

PLACEHOLDERS = {
    "as_of": date(1111, 1, 1),
    "window_start": date(1111, 2, 2),
    "data_end": date(1111, 3, 3),
    "first_whole": date(1111, 4, 4),
    "after_whole": date(1111, 5, 5),
    "low": date(1111, 6, 6),
    "high": date(1111, 7, 7),
    "band_day": date(1111, 8, 8),
    "middle": date(1111, 9, 9),
    "band_since": date(1111, 10, 10),
    "first_day": date(1111, 11, 11),
    "last_day": date(1111, 12, 12),
}
"""The days the queries are compiled on, one per parameter: none of them is a day of
any other parameter, nor one day before or after one."""

_ONE_DAY = timedelta(days=1)


def usage_edges(start: date, end: date) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """How usage from ``start`` to ``end`` is read: the whole months (their first day,
    and the first day after the last one) from the monthly rollup, None when there is
    none; and the days of the months cut by the window (first and last day, each pair
    within one month) from the daily table."""
    first_whole = (
        start if start.day == 1 else (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    )
    after_whole = (end + _ONE_DAY).replace(day=1)  # the first day after the last whole month
    if first_whole >= after_whole:
        return None, [(start, end)]
    edges = [(start, first_whole - _ONE_DAY), (after_whole, end)]
    return (first_whole, after_whole), [(low, high) for low, high in edges if low <= high]


def middle_of(start: date, end: date) -> date:
    """The day that cuts the window ``start`` to ``end`` in two: the survey answers
    and the tickets (the book's largest reads) are read in two halves, side by side
    (each half on its own connection and thread, 1.35 -> 0.93 s for 1.9M tickets
    on 2 cores)."""
    return start + (end - start) // 2


def purchases_from(window_start: date) -> date:
    """The first day the purchases of a window starting on ``window_start`` are read
    from: the first of its month a year before, so that the year up to any day of the
    window (behind the purchase CLV, ``core.metrics.book.year_to``) is read."""
    return date(window_start.year - 1, window_start.month, 1)


def substituted(name: str, days: dict[str, date]) -> str:
    """The SQL of ``BOOK_SQL[name]`` on ``days`` (by the names of ``PLACEHOLDERS``):
    each placeholder day and its first instant, the first instant after ``data_end``
    (where the window's moments end) and ``purchases_from`` the window's start."""
    sql = BOOK_SQL[name][0]
    derived = {
        "after": (lambda day: day + _ONE_DAY, "data_end"),
        "purchases_from": (purchases_from, "window_start"),
    }
    for key, (derive, source) in derived.items():
        if source in days:
            placeholder = {key: derive(PLACEHOLDERS[source])}
            sql = with_days(sql, placeholder, {key: derive(days[source])})
    return with_days(sql, PLACEHOLDERS, days)


BOOK_SQL: dict[str, SqlAndTypes] = load(__file__)
