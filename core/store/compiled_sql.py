"""Queries compiled ahead for SQLite, to read (and write) a file without importing
SQLAlchemy or the models (~1 s on a short command): the very statements the engine
runs, compiled once on placeholder values and kept as data in a JSON file beside
the module that uses them (``core/metrics/book_sql.json``, ``core/health/health_sql.json``,
``core/store/first_read_sql.json``); the real values are put in by text, as
SQLAlchemy's SQLite dialect writes them.

A placeholder day stands for a parameter's day and for its first instant (the
moment a query compares timestamps with); no placeholder is another one, nor one day
before or after one. A placeholder id list stands for a list of ids.

``compiled`` and ``rewrite`` make the generated files (SQLAlchemy imported there
only); each has a test that fails when the statements and the file differ.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

SqlAndTypes = tuple[str, dict[str, str]]
"""A compiled query: its SQL, and the polars type name of each column it selects."""


def literal(value: date) -> str:
    """``value`` as SQLAlchemy's SQLite dialect writes a literal date or datetime."""
    if isinstance(value, datetime):
        return f"'{value:%Y-%m-%d %H:%M:%S.%f}'"
    return f"'{value.isoformat()}'"


def midnight(day: date) -> datetime:
    """The first instant of ``day``."""
    return datetime(day.year, day.month, day.day)


def with_days(sql: str, placeholders: dict[str, date], days: dict[str, date]) -> str:
    """``sql`` with each placeholder day of ``days``' keys (and its first instant)
    replaced by the day given."""
    for key, day in days.items():
        placeholder = placeholders[key]
        sql = sql.replace(literal(midnight(placeholder)), literal(midnight(day)))
        sql = sql.replace(literal(placeholder), literal(day))
    return sql


def with_ids(sql: str, placeholder: int, ids: list[int]) -> str:
    """``sql`` with the list of the one ``placeholder`` id (``IN (-1)``) replaced by
    ``ids`` (at least one)."""
    if not ids:
        raise ValueError("an id list needs at least one id")
    return sql.replace(f"({placeholder})", f"({', '.join(str(int(i)) for i in ids)})")


def compiled(queries: dict[str, Any]) -> dict[str, SqlAndTypes]:
    """Each select compiled for SQLite with its values inlined, with the polars type
    name of each column (``getattr(polars, name)()`` makes the type again)."""
    import polars as pl
    from sqlalchemy.dialects import sqlite

    from core.store.frames import compile_query

    def type_name(dtype: Any) -> str:
        if dtype is None:
            raise TypeError("a column of a compiled query has no polars type")
        return "Datetime" if isinstance(dtype, pl.Datetime) else repr(dtype)

    result = {}
    for name, query in queries.items():
        sql, dtypes = compile_query(sqlite.dialect(), query)
        result[name] = (sql, {column: type_name(dtype) for column, dtype in dtypes.items()})
    return result


def statement_sql(statement: Any) -> str:
    """An insert, update or delete compiled for SQLite with ``?`` parameters, in the
    order of its columns."""
    from sqlalchemy.dialects import sqlite

    return str(statement.compile(dialect=sqlite.dialect()))


def generated_file(module_file: str) -> Path:
    """The JSON file that holds the compiled SQL of the module at ``module_file``:
    beside it, of the same name (``book_sql.py`` -> ``book_sql.json``)."""
    return Path(module_file).with_suffix(".json")


def load(module_file: str) -> Any:
    """The compiled SQL kept for the module at ``module_file``, each compiled query
    a ``SqlAndTypes`` again (JSON keeps it as a list)."""
    raw = json.loads(generated_file(module_file).read_text(encoding="utf-8"))
    return _tuples(raw)


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        return {key: _tuples(item) for key, item in value.items()}
    return value


def rewrite(module: Any, value: dict[str, Any]) -> None:
    """Write ``value`` (compiled queries, by name) as ``module``'s generated file."""
    text = json.dumps(value, indent=1, ensure_ascii=False)
    generated_file(module.__file__).write_text(f"{text}\n", encoding="utf-8")
