"""The 360's health panel: what it says of a score, component by component."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from core.health.store import recompute_account
from core.models import MrrMovement
from tests.rows import new_account
from tests.tui.book import TODAY, make_book
from tests.tui.conftest import running, settle, text_of
from tui.screens.account import AccountScreen


async def test_a_score_not_computed_shows_no_weight_nor_points(db_url: str, engine: Engine) -> None:
    """An account with commercial facts alone has no score; its commercial row said
    "0%" and "0.0", as if the component weighed nothing and added nothing, while
    ``cxtui health --account`` says "-" for both: no weight applies to no score."""
    make_book(engine)
    with Session(engine) as session:
        account_id = new_account(
            session, "NEW-1", mrr_cents=10_000, renewal_date=TODAY + timedelta(days=20)
        )
        session.commit()
    recompute_account(engine, account_id, as_of=TODAY)
    async with running(db_url) as (app, pilot):
        app.open_account(account_id)
        await settle(app, pilot)
        assert isinstance(app.screen, AccountScreen)
        health = text_of(app.screen.query_one("#health"))
        assert "Not enough signals to score" in health
        [commercial] = [line for line in health.splitlines() if "commercial" in line]
        assert "%" not in commercial and "0.0" not in commercial, commercial
        assert "left out: no data" in health


async def test_the_timeline_counts_one_event_in_the_singular(db_url: str, engine: Engine) -> None:
    """ "Timeline: everything (1 events)" on an account of an import with its first
    MRR movement alone."""
    make_book(engine)
    with Session(engine) as session:
        account_id = new_account(session, "NEW-2")
        session.add(
            MrrMovement(account_id=account_id, occurred_on=TODAY, kind="new", amount_cents=100)
        )
        session.commit()
    async with running(db_url) as (app, pilot):
        app.open_account(account_id)
        await settle(app, pilot)
        bar = text_of(app.screen.query_one("#timeline-bar"))
        assert "Timeline: everything (1 event)  ·" in bar, bar
