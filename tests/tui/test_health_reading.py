"""One account's health reads the same on the accounts list, the 360 and the
dashboard's lists (``core.health.in_force.health_words``), and the export carries
the figures they show. An override that set the band alone showed as "72*red" on
the list (the computed 72 beside the override's band, as if the 72 were the
override's), "— red" on the 360 and "red 72" on the dashboard."""

from __future__ import annotations

import polars as pl
from sqlalchemy import Engine
from textual.widgets import DataTable

from core.exporting import ExportFilters, export_frame
from core.health.in_force import OVERRIDE_BAND, OVERRIDE_SCORE, health_words
from core.health.overrides import set_override
from core.playbook.tasks import add_manual_task
from tests.tui.book import TODAY, make_book
from tests.tui.conftest import press, running, settle, text_of
from tui.screens.account import AccountScreen
from tui.screens.accounts import AccountsScreen
from tui.screens.dashboard import DashboardScreen


def test_health_words() -> None:
    assert health_words(72.4, "green") == "72 green"
    assert health_words(30, "red", OVERRIDE_SCORE) == "30 red*"
    assert health_words(72.4, "red", OVERRIDE_BAND) == "72→red*"  # the computed 72
    assert health_words(None, "red", OVERRIDE_BAND) == "— red*"  # no computed score
    assert health_words(None, None) == "no score"
    assert health_words(7, "red", score_width=3) == "  7 red"


def _line_of(text: str, name: str) -> str:
    """The line of ``text`` that names ``name``, its runs of spaces as one."""
    return " ".join(next(line for line in text.splitlines() if name in line).split())


async def test_a_band_override_reads_the_same_everywhere(db_url: str, engine: Engine) -> None:
    """Acme Corp: computed 82 green, overridden to red without a score; Hooli: its
    score overridden to 30 (red); Globex: 35 red, no override. Each reads the same
    on the list, the 360 and the dashboard's at-risk list; the export has the same
    score and band (checked against the scores the book was written with)."""
    ids = make_book(engine)
    set_override(engine, ids["Acme Corp"], reason="Champion left", band="red", as_of=TODAY)
    want = {"Acme Corp": "82→red*", "Hooli": "30 red*", "Globex": "35 red"}
    for name in want:
        add_manual_task(engine, f"Call {name}", TODAY, "Test User", ids[name])
    async with running(db_url) as (app, pilot):
        accounts = app.screen
        assert isinstance(accounts, AccountsScreen)
        listed = text_of(accounts.table)
        for name, words in want.items():
            assert f"● {words}" in _line_of(listed, name), _line_of(listed, name)
        for name, words in want.items():
            app.open_account(ids[name])
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, AccountScreen)
            headline = " ".join(text_of(screen.query_one("#health")).splitlines()[1].split())
            assert f"● {words}" in headline, headline
            await press(app, pilot, "escape")
        await press(app, pilot, "1")
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        at_risk = text_of(dashboard.query_one("#at-risk"))
        for name, words in want.items():
            assert f" {words} " in _line_of(at_risk, name), _line_of(at_risk, name)
        await press(app, pilot, "4")  # the task queue read "● 82 red" for Acme Corp
        queue = text_of(app.screen.query_one(DataTable))
        for name, words in want.items():
            assert f"● {words} " in _line_of(queue, f"Call {name}"), _line_of(queue, name)
    exported = export_frame(engine, "accounts", ExportFilters(as_of=TODAY))
    exported = exported.filter(pl.col("name").is_in(list(want)))
    shown = {row["name"]: f"{row['health']:.0f} {row['band']}" for row in exported.to_dicts()}
    assert shown == {"Acme Corp": "82 red", "Hooli": "30 red", "Globex": "35 red"}


async def test_an_account_without_a_score_reads_no_score_on_the_list_and_the_360(
    db_url: str, engine: Engine
) -> None:
    """The list said "no data" where the 360 and the dashboard's lists say "no score"."""
    from sqlmodel import Session

    from tests.rows import new_account

    make_book(engine)
    with Session(engine) as session:
        unscored = new_account(session, "Nova Ltd", mrr_cents=50_000)
        session.commit()
    async with running(db_url) as (app, pilot):
        accounts = app.screen
        assert isinstance(accounts, AccountsScreen)
        assert "no score" in _line_of(text_of(accounts.table), "Nova Ltd")
        app.open_account(unscored)
        await settle(app, pilot)
        assert "No health score yet" in text_of(app.screen.query_one("#health"))
