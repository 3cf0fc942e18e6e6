"""A frame made ready for a table, before any write: the model's defaults filled
in, every column typed as stored, NOT NULL and CHECK constraints checked in polars
(``BulkInsertError`` names the row and column), and values formatted for SQLite
the way SQLAlchemy stores them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import polars as pl
from sqlalchemy import CheckConstraint, Column, Engine, Table, types
from sqlmodel import SQLModel

import core.models  # noqa: F401  (importing the models registers every table)
from core.store.frames import polars_type

# From this many rows on, rebuilding the indexes after the load beats updating them.

BATCH_ROWS = 50_000
DATETIME_TEXT = "%Y-%m-%d %H:%M:%S%.6f"


class BulkInsertError(ValueError):
    """A frame that does not fit its table, with a message naming the field."""


def driver_rows(engine: Engine, frame: pl.DataFrame) -> Iterator[tuple[Any, ...]]:
    """The frame's rows as values the engine's DB-API driver stores the way SQLAlchemy
    does (on SQLite: dates and datetimes as text, booleans as 0/1)."""
    if engine.dialect.name == "sqlite":
        frame = sqlite_text(frame)
    return zip(*(column.to_list() for column in frame.iter_columns()), strict=True)


# -- preparing the frame -------------------------------------------------------------


def _model_defaults(table: Table) -> dict[str, Any]:
    """Python-side defaults of the SQLModel class behind ``table`` (status, created_at...)."""
    for mapper in SQLModel._sa_registry.mappers:
        if mapper.local_table is table:
            defaults = {}
            for name, field in mapper.class_.model_fields.items():
                if field.default_factory is not None:
                    defaults[name] = field.default_factory()  # type: ignore[call-arg]
                elif not field.is_required() and field.default is not None:
                    defaults[name] = field.default
            return defaults
    return {}


def complete_frame(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with the table's columns in table order, missing optional ones filled."""
    unknown = [name for name in frame.columns if name not in table.c]
    if unknown:
        raise BulkInsertError(
            f"Table {table.name!r} has no column {', '.join(map(repr, unknown))}; "
            f"its columns are: {', '.join(table.c.keys())}."
        )
    defaults = _model_defaults(table)
    columns = []
    for column in table.columns:
        if column.name in frame.columns:
            columns.append(column.name)
        elif column.name in defaults:
            frame = frame.with_columns(pl.lit(defaults[column.name]).alias(column.name))
            columns.append(column.name)
        elif column.primary_key and column.autoincrement in (True, "auto") and _is_int(column):
            continue
        elif not column.nullable:
            raise BulkInsertError(
                f"Table {table.name!r} needs column {column.name!r} (it cannot be empty)."
            )
    return pl.DataFrame([_typed(table, table.c[name], frame) for name in columns])


def _is_int(column: Column[Any]) -> bool:
    return isinstance(column.type, types.Integer)


def stored_dtype(column: Column[Any]) -> pl.DataType:
    """The polars type that holds the values of a table column."""
    return polars_type(column.type) or pl.String()


def _typed(table: Table, column: Column[Any], frame: pl.DataFrame) -> pl.Series:
    """The column cast to the polars type its SQL type stores, or a clear error."""
    name = column.name
    dtype = frame.schema[name]
    target = stored_dtype(column)
    expr = pl.col(name)
    try:
        if isinstance(target, pl.Datetime):
            if dtype == pl.String:
                expr = expr.str.to_datetime(time_unit="us", strict=True)
            elif isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
                expr = expr.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            elif not isinstance(dtype, pl.Datetime | pl.Null):
                raise TypeError("expected a datetime")
        elif target == pl.Date:
            if dtype == pl.String:
                expr = expr.str.to_date("%Y-%m-%d", strict=True)
            elif not isinstance(dtype, pl.Date | pl.Null):
                raise TypeError("expected a date")
        elif target == pl.Int64 and dtype.is_float():
            raise TypeError("expected whole numbers")
        return frame.select(expr.cast(target, strict=True))[name]
    except (TypeError, pl.exceptions.PolarsError) as error:
        first_line = str(error).splitlines()[0] if str(error) else ""
        raise BulkInsertError(
            f"Column {table.name}.{name} holds {dtype}, which cannot be stored as "
            f"{target}: {first_line}"
        ) from None


def check_not_null(table: Table, frame: pl.DataFrame) -> None:
    for column in table.columns:
        if column.nullable or column.name not in frame.columns:
            continue
        nulls = frame.select(pl.arg_where(pl.col(column.name).is_null()).first()).item()
        if nulls is not None:
            raise BulkInsertError(
                f"{table.name} row {nulls + 1}: {column.name} is empty, but it is required."
            )


def check_constraints(table: Table, frame: pl.DataFrame) -> None:
    """Every row passes the table's CHECK constraints, evaluated by polars from their
    own SQL (a CHECK fails only when false, not when NULL), or a BulkInsertError names
    the first row that does not."""
    for constraint in sorted(_checks(table), key=lambda check: str(check.name)):
        rule = str(constraint.sqltext)
        names = [c.name for c in table.columns if re.search(rf"\b{c.name}\b", rule)]
        values = frame.select(
            pl.col(name) if name in frame.columns else pl.lit(None).alias(name) for name in names
        )
        broken = pl.sql_expr(rule).fill_null(True).not_()
        row = values.select(pl.arg_where(broken).first()).item()
        if row is not None:
            found = ", ".join(
                f"{name} {value!r}" for name, value in values.row(row, named=True).items()
            )
            raise BulkInsertError(
                f"{table.name} row {row + 1}: {found} breaks the rule {rule} ({constraint.name})."
            )


def _checks(table: Table) -> list[CheckConstraint]:
    return [c for c in table.constraints if isinstance(c, CheckConstraint)]


def sqlite_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Values exactly as SQLAlchemy writes them to SQLite."""
    casts = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            casts.append(pl.col(name).dt.strftime(DATETIME_TEXT))
        elif dtype == pl.Date:
            casts.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif dtype == pl.Boolean:
            casts.append(pl.col(name).cast(pl.Int64))
    return frame.with_columns(casts) if casts else frame
