"""What the demo load and the generator share: the anchor date, the tables they
write (parents before children), where the demo CSVs live and how they are typed,
and the refusal to write into a database that already holds accounts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, func, select

from core.models import Account
from core.store.bulk import table_for
from core.store.bulk_prepare import stored_dtype

DEMO_ANCHOR = date(2026, 11, 30)
"""The last day of the demo book; ``load_demo`` moves it to today."""

DEMO_DIR = Path(__file__).parent / "demo"

TABLES = (
    "account",
    "contact",
    "interaction",
    "daily_usage",
    "survey_response",
    "ticket",
    "mrr_movement",
    "purchase",
    "task",
    "retention_cost",
    "goal",
    "goal_task",
    "goal_checkin",
    "health_model",
    "health_snapshot",
)
"""Every table with sample data, parents before children."""

CSV_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
CSV_DATE_FORMAT = "%Y-%m-%d"


class BookNotEmptyError(ValueError):
    """Sample data goes into an empty database only."""


def ensure_empty(engine: Engine, what: str) -> None:
    """Refuse to write ``what`` into a database that already has accounts."""
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(Account)).scalar_one()
    if count:
        raise BookNotEmptyError(
            f"This database already holds {count:,} accounts; {what} only goes into an "
            "empty database. Use a new --db file."
        )


def csv_schema(table: str) -> dict[str, pl.DataType]:
    """The polars type of every column of ``table``, for reading its CSV."""
    return {column.name: stored_dtype(column) for column in table_for(table).columns}


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """One table as CSV, in the stable format the demo book is committed in."""
    frame.write_csv(
        path,
        datetime_format=CSV_DATETIME_FORMAT,
        date_format=CSV_DATE_FORMAT,
        line_terminator="\n",
    )


def read_csv(table: str, path: Path) -> pl.DataFrame:
    """A committed CSV, typed from its table's columns."""
    schema = csv_schema(table)
    header = pl.read_csv(path, n_rows=0).columns
    return pl.read_csv(path, schema={name: schema[name] for name in header})
