"""Moments on SQLite, read as microseconds since 1970.

SQLAlchemy stores a moment on SQLite as text, ``YYYY-MM-DD HH:MM:SS.ffffff``. The bulk
reads (``core.store.frames``) hand it over as an integer, computed by SQLite
(``sqlite_micros``). Turning the text into that number is most of what reading
tickets or survey answers costs, so the indexes those reads go through also hold the
number: an index whose ``info`` names columns under ``MICROS_ON_SQLITE`` ends, on
SQLite only, with ``sqlite_micros`` of each, and SQLite then takes the values from the
index instead of computing them (1.9M tickets' three moments: 0.19 instead of 0.53 s).
The expression must be the same, to the letter, in the read and in the index.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, cast, func, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateIndex
from sqlalchemy.sql.elements import ColumnElement

MICROS_ON_SQLITE = "sqlite_micros"
"""The key of ``Index.info`` naming the moment columns an index holds as microseconds
on SQLite (a tuple of column names)."""


def sqlite_micros(column: Any) -> ColumnElement[int]:
    """``column``, a moment stored as text, as microseconds since 1970: the whole seconds
    from SQLite's ``unixepoch`` (which would round the fraction), the fraction from the
    text (missing digits read as 0). NULL stays NULL."""
    seconds = func.unixepoch(func.substr(column, 1, 19))
    fraction = func.substr(column.op("||")(literal_column("'000000'", String)), 21, 6)
    return seconds * 1_000_000 + cast(fraction, Integer)


@compiles(CreateIndex, "sqlite")
def _create_index_on_sqlite(create: CreateIndex, compiler: Any, **kw: Any) -> str:
    """SQLite's ``CREATE INDEX``, ending with the microseconds of the moments the
    index's ``info`` names (``MICROS_ON_SQLITE``)."""
    ddl: str = compiler.visit_create_index(create, **kw)
    index = create.element
    moments = index.info.get(MICROS_ON_SQLITE, ())
    if not moments:
        return ddl
    assert ddl.endswith(")"), ddl  # no WHERE clause: the expressions go last
    extra = ", ".join(
        compiler.sql_compiler.process(
            sqlite_micros(index.table.c[name]), include_table=False, literal_binds=True
        )
        for name in moments
    )
    return f"{ddl[:-1]}, {extra})"
