"""The generator: the same seed gives the same book, byte for byte, and its stories
hold together (MRR adds up, churners fade before they leave)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from core.models import Account, DailyUsage, MrrMovement
from core.store import frames
from sample_data.book import DEMO_DIR, BookNotEmptyError
from sample_data.generator import (
    DEMO_ANCHOR,
    SIZES,
    Spec,
    book_frames,
    generate_into,
    write_demo,
)

SMALL = Spec(accounts=120, days=240, interactions_per_year=40.0, chunk_accounts=50)


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo")
    write_demo(str(directory), seed=7)
    return directory


def test_the_committed_demo_is_what_the_seed_generates(demo_copy: Path) -> None:
    committed = sorted(path.name for path in DEMO_DIR.glob("*.csv"))
    assert committed == sorted(path.name for path in demo_copy.glob("*.csv"))
    for name in committed:
        assert (demo_copy / name).read_bytes() == (DEMO_DIR / name).read_bytes(), name


def test_another_seed_gives_another_book(demo_copy: Path) -> None:
    other = book_frames(SIZES["demo"], seed=8)["account"]  # its health scores not needed
    assert not other.equals(pl.read_csv(demo_copy / "account.csv", schema=other.schema))


def test_demo_book_shape(demo_copy: Path) -> None:
    accounts = pl.read_csv(demo_copy / "account.csv", try_parse_dates=True)
    assert accounts.height == SIZES["demo"].accounts
    assert set(accounts["segment"]) == {"Enterprise", "Mid-market", "SMB"}
    assert accounts["owner"].n_unique() == 8
    live = accounts.filter(pl.col("status") != "churned")
    soon = live.filter(pl.col("renewal_date") <= DEMO_ANCHOR + timedelta(days=90))
    assert soon.height >= 10
    churned = accounts.filter(pl.col("status") == "churned")
    assert 15 <= churned.height <= accounts.height // 3
    assert churned["churned_at"].is_not_null().all()
    usage = pl.read_csv(demo_copy / "daily_usage.csv", try_parse_dates=True)
    assert usage["day"].max() == DEMO_ANCHOR
    assert usage["day"].min() == DEMO_ANCHOR - timedelta(days=SIZES["demo"].days - 1)


def test_generated_book_holds_together(engine: Engine) -> None:
    counts = generate_into(engine, SMALL, seed=3)
    assert counts["account"] == SMALL.accounts
    accounts = frames.read_frame(
        engine, select(Account.id, Account.status, Account.mrr_cents, Account.churned_at)
    )
    assert accounts.height == SMALL.accounts
    sums = frames.read_frame(
        engine,
        select(MrrMovement.account_id, func.sum(MrrMovement.amount_cents).label("total")).group_by(
            MrrMovement.account_id
        ),
    )
    joined = accounts.join(sums, left_on="id", right_on="account_id")
    live = joined.filter(pl.col("status") != "churned")
    assert (live["total"] == live["mrr_cents"]).all()
    assert (joined.filter(pl.col("status") == "churned")["total"] == 0).all()
    stored = frames.read_frame(engine, select(func.count().label("n")).select_from(DailyUsage))
    assert stored["n"][0] == counts["daily_usage"]


def test_churners_fade_before_they_leave(engine: Engine) -> None:
    """Active users per seat in the 30 days before churn are well below the same
    accounts' level half a year earlier, and below the book's other accounts."""
    generate_into(engine, Spec(accounts=300, days=365, interactions_per_year=8.0), seed=5)
    accounts = frames.read_frame(engine, select(Account.id, Account.seats, Account.churned_at))
    usage = frames.read_frame(
        engine, select(DailyUsage.account_id, DailyUsage.day, DailyUsage.active_users)
    ).join(accounts, left_on="account_id", right_on="id")
    churners = usage.filter(pl.col("churned_at").is_not_null())
    assert churners["account_id"].n_unique() >= 8
    days_left = (pl.col("churned_at") - pl.col("day")).dt.total_days()
    late = churners.filter(days_left <= 30)["active_users"].sum()
    early = churners.filter((days_left > 150) & (days_left <= 180))["active_users"].sum()
    late_days = churners.filter(days_left <= 30).height
    early_days = churners.filter((days_left > 150) & (days_left <= 180)).height
    assert late / late_days < 0.6 * early / early_days


def test_generating_into_a_book_is_refused(engine: Engine) -> None:
    generate_into(engine, Spec(accounts=5, days=120, interactions_per_year=5.0), seed=1)
    with pytest.raises(BookNotEmptyError, match="already holds 5 accounts"):
        generate_into(engine, Spec(accounts=5, days=120, interactions_per_year=5.0), seed=1)


def test_progress_reaches_the_end(engine: Engine) -> None:
    seen: list[float] = []
    small = Spec(accounts=40, days=90, interactions_per_year=10.0, chunk_accounts=10)
    generate_into(engine, small, seed=2, progress=seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == 1.0
    assert len(seen) >= 3


def test_every_generated_goal_is_one_a_user_could_have_typed(engine: Engine) -> None:
    """Each goal of a generated book passes the goal form's checks, as typed again."""
    from sqlmodel import Session

    from core.goals.form import form_of, validate_goal
    from core.models import Goal, GoalTask

    generate_into(engine, SMALL, seed=5)
    with Session(engine) as session:
        goals = session.exec(select(Goal)).scalars().all()
        tasks = session.exec(select(GoalTask)).scalars().all()
    assert len(goals) >= 4
    for goal in goals:
        validate_goal(form_of(goal, [task for task in tasks if task.goal_id == goal.id]))


@pytest.mark.parametrize(
    ("then", "usual", "direction", "step", "line"),
    [
        (5.1, 3, "lower", 0.5, 3),  # the usual line still to reach
        (2.6, 3, "lower", 0.5, 2.1),  # already below it (the L book): half a point lower
        (0.4, 3, "lower", 0.5, None),  # no churn line left above 0 %
        (26, 50, "raise", 10, 50),
        (-30, 50, "raise", 10, 50),
        (50, 50, "raise", 10, 60),  # on the line: past it
        (95, 50, "raise", 10, None),  # no NPS above 100
    ],
)
def test_a_generated_line_goal_starts_on_the_wrong_side_of_its_line(
    then: float, usual: float, direction: str, step: float, line: float | None
) -> None:
    from sample_data.generator.team import line_to_keep

    assert line_to_keep(then, usual, direction, step) == line
