"""Bulk writes on PostgreSQL: psycopg 3's ``COPY ... FROM STDIN`` in CSV batches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
from sqlalchemy import Table

# From this many rows on, rebuilding the indexes after the load beats updating them.
from core.store.bulk_prepare import BATCH_ROWS, DATETIME_TEXT

# -- PostgreSQL ------------------------------------------------------------------------------


def _postgres_csv(frame: pl.DataFrame) -> pl.DataFrame:
    casts = [
        pl.col(name).dt.strftime(DATETIME_TEXT + "+00")
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime)
    ]
    return frame.with_columns(casts) if casts else frame


def copy_postgres(
    raw: Any, table: Table, frame: pl.DataFrame, on_batch: Callable[[int], None] | None
) -> None:
    columns = ", ".join(f'"{name}"' for name in frame.columns)
    sql = f'COPY "{table.name}" ({columns}) FROM STDIN WITH (FORMAT csv)'
    cursor = raw.cursor()
    with cursor.copy(sql) as copy:
        for batch in _postgres_csv(frame).iter_slices(BATCH_ROWS):
            copy.write(batch.write_csv(include_header=False, date_format="%Y-%m-%d"))
            if on_batch is not None:
                on_batch(batch.height)
    identity = table.autoincrement_column
    if identity is not None and identity.name in frame.columns:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{identity.name}'),"
            f' (SELECT max("{identity.name}") FROM "{table.name}"))'
        )
    cursor.close()
