"""The committed demo book: it loads whole, ends on the day asked, comes with a year
of health scores, and never lands on top of existing data."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import polars as pl
import pytest
from sqlalchemy import DateTime, Engine, func, select, text

from core.health.config import default_model
from core.health.store import recompute_all
from core.models import Account, DailyUsage, HealthModel, HealthSnapshot, Interaction, MrrMovement
from core.store import frames
from core.store.bulk import table_for
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


def _raw(table: str) -> pl.DataFrame:
    """A committed CSV as plain polars reads it (not cxtui's typed reader)."""
    return pl.read_csv(DEMO_DIR / f"{table}.csv", try_parse_dates=True)


@pytest.mark.parametrize("clock", [time(0, 0), time(9, 58), time(16, 0), time(22, 30)])
def test_nothing_in_the_demo_is_after_the_moment_it_is_built(engine: Engine, clock: time) -> None:
    """Loaded today, the demo book held the whole of its last day: the 360 showed
    calls and tickets later than now. Built at ``clock`` on its last day, nothing
    stored is later; calls, answers and tickets of that day before it are as
    committed, tickets answered or resolved later are still open, and the follow-up
    tasks of calls not logged yet are not there."""
    built = datetime.combine(DEMO_ANCHOR, clock)
    counts = load_demo(engine, as_of=DEMO_ANCHOR, now=built)
    moment, checked = built.replace(tzinfo=UTC), 0
    with engine.connect() as connection:
        for table in map(table_for, TABLES):
            for column in table.columns:
                if not isinstance(getattr(column.type, "impl", column.type), DateTime):
                    continue
                checked += 1
                query = select(func.count()).select_from(table).where(column > moment)
                later = connection.execute(query).scalar_one()
                assert later == 0, f"{table.name}.{column.name}: {later} rows after {built}"
    assert checked >= 15  # every moment of the book, the tickets' and tasks' among them
    interactions = _raw("interaction").filter(
        (pl.col("occurred_at") <= built) & (pl.col("created_at") <= built)
    )
    assert counts["interaction"] == interactions.height
    stored = frames.read_frame(engine, select(Interaction.id, Interaction.occurred_at))
    assert stored.sort("id").equals(interactions.select("id", "occurred_at").sort("id"))
    tickets = _raw("ticket").filter(pl.col("opened_at") <= built)
    assert counts["ticket"] == tickets.height
    open_now = tickets.filter(pl.col("resolved_at").is_null() | (pl.col("resolved_at") > built))
    with engine.connect() as connection:
        unresolved = "SELECT count(*) FROM ticket WHERE resolved_at IS NULL"
        assert connection.execute(text(unresolved)).scalar_one() == open_now.height
    kept = interactions.get_column("id").implode()
    tasks = _raw("task").filter(
        (pl.col("created_at") <= built)
        & (pl.col("interaction_id").is_null() | pl.col("interaction_id").is_in(kept))
    )
    assert counts["task"] == tasks.height
    assert counts["daily_usage"] == _csv_rows("daily_usage")  # a day's totals, dated today


def test_the_demo_loaded_on_another_day_is_whole() -> None:
    """A book asked to end on a day other than today is not cut: it ends that day."""
    from sample_data import demo_frames

    whole = demo_frames(DEMO_ANCHOR)
    assert whole["interaction"].height == _csv_rows("interaction")
    assert whole["ticket"].get_column("resolved_at").max() == _raw("ticket")["resolved_at"].max()
