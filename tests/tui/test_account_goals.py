"""The account 360's goals panel: the live goals scoped to the account's segment or
owner, drawn with their progress bars; an empty state in words."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session
from textual.pilot import Pilot

from core.models import Goal, utcnow
from tests.tui.book import TODAY, make_book
from tests.tui.conftest import account_header, press, running, settle, text_of
from tui.app import CxtuiApp
from tui.screens.account import AccountScreen
from tui.widgets.goal_progress import GoalProgress


def add_goal(engine: Engine, title: str, **fields: object) -> None:
    values: dict[str, object] = {
        "title": title,
        "owner": "Test User",
        "start_date": TODAY - timedelta(days=30),
        "due_date": TODAY + timedelta(days=60),
        "target_type": "number",
        "start_value": Decimal(0),
        "target_value": Decimal(10),
    }
    values.update(fields)
    with Session(engine) as session:
        session.add(Goal(**values))  # type: ignore[arg-type]
        session.commit()


def goals_book(engine: Engine) -> dict[str, int]:
    ids = make_book(engine)
    add_goal(engine, "Enterprise QBRs held", scope_segment="Enterprise")
    add_goal(engine, "SMB onboarding calls", scope_segment="SMB")
    add_goal(engine, "Dana's renewals signed", scope_owner="Dana Scully")
    add_goal(engine, "Whole-book NPS above 40")  # no scope: the dashboard's, not the 360's
    add_goal(engine, "Archived Enterprise goal", scope_segment="Enterprise", archived_at=utcnow())
    return ids


def shown(app: CxtuiApp) -> set[str]:
    screen = app.screen
    assert isinstance(screen, AccountScreen)
    return {widget.view.goal.title for widget in screen.query(GoalProgress)}


def panel_text(app: CxtuiApp) -> str:
    """The text of the rows the goals panel shows (goals, then its note if shown)."""
    panel = app.screen.query_one("#a360-goals")
    return "\n".join(text_of(row) for row in panel.children if row.display)


async def open_account(app: CxtuiApp, pilot: Pilot, account_id: int) -> None:
    app.open_account(account_id)
    await settle(app, pilot)
    assert isinstance(app.screen, AccountScreen)


async def test_a_goal_of_the_accounts_segment_shows_one_of_another_does_not(
    db_url: str, engine: Engine
) -> None:
    ids = goals_book(engine)
    async with running(db_url) as (app, pilot):
        await open_account(app, pilot, ids["Acme Corp"])  # Enterprise, Test User
        assert shown(app) == {"Enterprise QBRs held"}
        text = panel_text(app)
        assert "Enterprise QBRs held" in text and "0 / 10" in text
        assert "SMB" not in text and "No goals" not in text

        await open_account(app, pilot, ids["Globex"])  # Enterprise, Dana Scully
        assert shown(app) == {"Enterprise QBRs held", "Dana's renewals signed"}

        await open_account(app, pilot, ids["Vandelay Industries"])  # SMB, Test User
        assert shown(app) == {"SMB onboarding calls"}


async def test_no_goal_for_the_owner_or_segment_says_so(db_url: str, engine: Engine) -> None:
    ids = goals_book(engine)
    async with running(db_url) as (app, pilot):
        await open_account(app, pilot, ids["Initech"])  # Mid-Market, Test User
        assert shown(app) == set()
        assert "No goals for this owner or segment" in panel_text(app)


async def test_walking_to_an_account_of_another_scope_reads_its_goals(
    db_url: str, engine: Engine
) -> None:
    ids = goals_book(engine)
    async with running(db_url) as (app, pilot):
        await open_account(app, pilot, ids["Acme Corp"])
        # the list's order is by name: Acme Corp, Cyberdyne (same scope), Globex
        await press(app, pilot, "right_square_bracket")
        assert "Cyberdyne" in account_header(app)
        assert shown(app) == {"Enterprise QBRs held"}
        await press(app, pilot, "right_square_bracket")
        assert "Globex" in account_header(app)
        assert shown(app) == {"Enterprise QBRs held", "Dana's renewals signed"}


async def test_back_from_another_screen_the_goals_are_read_again(
    db_url: str, engine: Engine
) -> None:
    ids = goals_book(engine)
    async with running(db_url) as (app, pilot):
        await open_account(app, pilot, ids["Initech"])  # Mid-Market, Test User
        assert shown(app) == set()
        add_goal(engine, "Mid-Market adoption", scope_segment="Mid-Market")
        await press(app, pilot, "3")  # the goals screen, where such a goal would be made
        await press(app, pilot, "2")
        assert isinstance(app.screen, AccountScreen)
        assert shown(app) == {"Mid-Market adoption"}
