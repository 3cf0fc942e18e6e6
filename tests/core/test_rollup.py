"""The monthly_usage rollup equals daily_usage grouped by account and month after
every kind of write: a generated book, an import, an upsert import, ORM inserts,
updates and deletes. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, select
from sqlmodel import Session

from core.importing import ImportOptions, import_file
from core.models import DailyUsage, MonthlyUsage
from core.store.frames import read_frame
from sample_data.generator import Spec, generate_into


def expected_rollup(engine: Engine) -> list[tuple[int, date, int, int, list[int]]]:
    """Per account and month, from the daily rows: users summed, their max and the
    days of the month that have a row."""
    daily = read_frame(
        engine, select(DailyUsage.account_id, DailyUsage.day, DailyUsage.active_users)
    )
    grouped = (
        daily.group_by("account_id", pl.col("day").dt.month_start().alias("month"))
        .agg(
            pl.col("active_users").sum().alias("users_sum"),
            pl.col("active_users").max().alias("users_max"),
            pl.col("day").dt.day().sort().alias("days"),
        )
        .sort("account_id", "month")
    )
    return [tuple(row) for row in grouped.rows()]  # type: ignore[misc]


def stored_rollup(engine: Engine) -> list[tuple[int, date, int, int, list[int]]]:
    frame = read_frame(
        engine,
        select(
            MonthlyUsage.account_id,
            MonthlyUsage.month,
            MonthlyUsage.users_sum,
            MonthlyUsage.users_max,
            MonthlyUsage.day_bits,
        ).order_by(MonthlyUsage.account_id, MonthlyUsage.month),
    )
    return [
        (account, month, total, most, [d for d in range(1, 32) if bits >> d & 1])
        for account, month, total, most, bits in frame.rows()
    ]


def assert_rollup_exact(engine: Engine) -> None:
    expected = expected_rollup(engine)
    assert expected, "the test needs usage rows"
    assert stored_rollup(engine) == expected


def test_generated_book(engine: Engine) -> None:
    # Chunks of 10 accounts: each chunk's months are merged into the rollup separately.
    generate_into(engine, Spec(accounts=30, days=75, interactions_per_year=5.0, chunk_accounts=10))
    assert_rollup_exact(engine)


def write(tmp_path: Path, name: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(["account,date,dau,logins", *rows]) + "\n", encoding="utf-8")
    return path


def test_import_then_upsert_import(engine: Engine, tmp_path: Path) -> None:
    options = ImportOptions(create_missing_accounts=True)
    first = write(
        tmp_path,
        "first.csv",
        ["A-1,2024-01-01,5,1", "A-1,2024-01-31,9,1", "A-1,2024-02-15,4,1", "A-2,2024-01-10,7,1"],
    )
    import_file(engine, "usage", first, options)
    assert_rollup_exact(engine)
    # Lower January's busiest day of A-1 (its max must fall back to 5), add a day to
    # A-2's January and a new month, leave February unchanged.
    second = write(
        tmp_path,
        "second.csv",
        ["A-1,2024-01-31,2,1", "A-1,2024-02-15,4,1", "A-2,2024-01-11,1,1", "A-2,2024-03-03,6,1"],
    )
    result = import_file(engine, "usage", second, options)
    assert (result.inserted, result.updated, result.skipped) == (2, 1, 1)
    assert_rollup_exact(engine)
    assert stored_rollup(engine)[0][1:] == (date(2024, 1, 1), 7, 5, [1, 31])


def test_orm_inserts_updates_and_deletes(engine: Engine, tmp_path: Path) -> None:
    import_file(
        engine,
        "usage",
        write(tmp_path, "usage.csv", ["A-1,2024-01-05,3,1", "A-1,2024-01-06,8,1"]),
        ImportOptions(create_missing_accounts=True),
    )
    with Session(engine) as session:
        busiest = session.get(DailyUsage, (1, date(2024, 1, 6)))
        assert busiest is not None
        session.add(DailyUsage(account_id=1, day=date(2024, 1, 20), active_users=4))
        busiest.active_users = 1
        session.commit()
        assert_rollup_exact(engine)
        quiet = session.get(DailyUsage, (1, date(2024, 1, 5)))
        session.delete(quiet)
        moved = session.get(DailyUsage, (1, date(2024, 1, 20)))
        assert moved is not None
        moved.day = date(2024, 2, 2)  # leaves January for February
        session.commit()
    assert_rollup_exact(engine)
    assert [row[1:] for row in stored_rollup(engine)] == [
        (date(2024, 1, 1), 1, 1, [6]),
        (date(2024, 2, 1), 4, 4, [2]),
    ]
