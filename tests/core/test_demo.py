"""The committed demo book: it loads whole, ends on the day asked, comes with a year
of health scores, and never lands on top of existing data."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from core.health.config import default_model
from core.health.store import recompute_all
from core.models import Account, DailyUsage, HealthModel, HealthSnapshot, Interaction, MrrMovement
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


def test_the_demo_has_a_year_of_the_shipped_models_scores(engine: Engine) -> None:
    """Scores every week of the last quarter, then every other week back to a year
    (a month's end always has some in its last 30 days, as the band counts need),
    none on the day it ends (the app scores that day itself). Each is what the
    shipped health model computes on its day from the book's own records: scored
    again here, on the book loaded 40 days later, they do not change."""
    as_of = DEMO_ANCHOR + timedelta(days=40)
    load_demo(engine, as_of=as_of)
    days = frames.read_frame(engine, select(HealthSnapshot.day).distinct())["day"].sort()
    ago = [(as_of - day).days for day in days]
    assert ago[-1] == 7 and ago[0] >= 358
    gaps = [earlier - later for later, earlier in zip(ago[1:], ago, strict=False)]
    assert gaps[-12:] == [7] * 12 and max(gaps) == 14
    [fingerprint] = frames.read_frame(engine, select(HealthModel.fingerprint))["fingerprint"]
    assert fingerprint == default_model().fingerprint()

    columns = (HealthSnapshot.account_id, HealthSnapshot.score, HealthSnapshot.band)
    columns += (HealthSnapshot.components, HealthSnapshot.left_out, HealthSnapshot.model_id)
    day = days[-5]

    def scores() -> pl.DataFrame:
        query = select(*columns).where(HealthSnapshot.day == day)
        return frames.read_frame(engine, query).sort("account_id")

    stored = scores()
    assert stored.height > 150
    recompute_all(engine, as_of=day, model=default_model())
    assert scores().equals(stored)
