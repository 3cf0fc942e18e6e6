"""The committed demo book: it loads whole, ends on the day asked, and never lands
on top of existing data."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from core.models import Account, DailyUsage, Interaction, MrrMovement
from core.store import frames
from sample_data import DEMO_ANCHOR, BookNotEmptyError, load_demo
from sample_data.book import DEMO_DIR, TABLES


def _csv_rows(table: str) -> int:
    lines = (DEMO_DIR / f"{table}.csv").read_text(encoding="utf-8").count("\n")
    return lines - 1  # the header


def test_every_csv_row_is_loaded(engine: Engine) -> None:
    counts = load_demo(engine, as_of=DEMO_ANCHOR)
    assert set(counts) == {t for t in TABLES if (DEMO_DIR / f"{t}.csv").exists()}
    assert counts == {table: _csv_rows(table) for table in counts}
    stored = frames.read_frame(engine, select(func.count().label("n")).select_from(Interaction))
    assert stored["n"][0] == counts["interaction"]


def test_the_book_ends_on_as_of(engine: Engine) -> None:
    as_of = DEMO_ANCHOR + timedelta(days=40)
    load_demo(engine, as_of=as_of)
    last = frames.read_frame(engine, select(func.max(DailyUsage.day).label("day")))
    first_start = frames.read_frame(engine, select(func.min(Account.start_date).label("d")))
    assert last["day"][0] == as_of
    original = pl.read_csv(DEMO_DIR / "account.csv", try_parse_dates=True)
    assert first_start["d"][0] == original["start_date"].min() + timedelta(days=40)
    moments = frames.read_frame(engine, select(func.max(Interaction.occurred_at).label("at")))
    assert moments["at"][0].date() <= as_of


def test_mrr_movements_add_up_to_current_mrr(engine: Engine) -> None:
    load_demo(engine, as_of=date(2030, 1, 15))
    accounts = frames.read_frame(engine, select(Account.id, Account.status, Account.mrr_cents))
    sums = frames.read_frame(
        engine,
        select(MrrMovement.account_id, func.sum(MrrMovement.amount_cents).label("total")).group_by(
            MrrMovement.account_id
        ),
    )
    joined = accounts.join(sums, left_on="id", right_on="account_id")
    assert joined.height == accounts.height
    live = joined.filter(pl.col("status") != "churned")
    assert (live["total"] == live["mrr_cents"]).all()
    assert (joined.filter(pl.col("status") == "churned")["total"] == 0).all()


def test_a_database_with_accounts_is_refused(engine: Engine) -> None:
    load_demo(engine, as_of=DEMO_ANCHOR)
    with pytest.raises(BookNotEmptyError, match="already holds 250 accounts"):
        load_demo(engine)
