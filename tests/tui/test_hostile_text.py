"""Text from data never drives the terminal: an account name with escape sequences
is shown escaped in the list and in the 360."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from textual.app import App
from textual.widgets import DataTable

from core.models import Account
from tests.tui.book import TODAY, make_book
from tests.tui.conftest import names, press, running, settle, text_of
from tui.screens.account import AccountScreen


def everything_shown(app: App[Any]) -> str:
    """The text of every widget on the current screen."""
    return "\n".join(text_of(widget) for widget in app.screen.query("*") if widget.display)


EVIL = "Evil\x1b]0;pwned\x07 Co\x1b[2J"


async def test_an_account_name_with_escape_sequences_is_shown_escaped(
    db_url: str, engine: Engine
) -> None:
    make_book(engine)
    with Session(engine) as session:
        session.add(
            Account(
                external_id="EVIL-1",
                name=EVIL,
                segment="SMB",
                plan="Pro",
                owner="x",
                start_date=TODAY,
            )
        )
        session.commit()
    async with running(db_url) as (app, pilot):
        shown = [name for name in names(app) if name.startswith("Evil")]
        assert shown == ["Evil\\x1b]0;pwned\\x07 Co\\x1b[2J"]
        screen_text = everything_shown(app)
        assert "\x1b" not in screen_text and "\\x1b]0;pwned" in screen_text
        await press(app, pilot, "slash", *"evil", "enter")
        assert isinstance(app.screen, AccountScreen)
        assert "\x1b" not in str(app.screen.sub_title)
        assert "\x1b" not in everything_shown(app)
        assert "Evil\\x1b]0;pwned" in everything_shown(app)


MARKUP = "[/] pricing [red]urgent[/red] \x1b[2J"
"""Text that Rich would read as markup (a closing tag with nothing to close raised
MarkupError, which closed the app) and a control sequence."""


async def test_text_that_looks_like_markup_is_shown_as_typed_in_the_360(
    db_url: str, engine: Engine
) -> None:
    from core.interactions import EntryForm, edit_entry, log_entry
    from core.models import Contact, Ticket
    from tests.tui.book import _at
    from tui.screens.override import OverrideScreen
    from tui.screens.revisions import RevisionsScreen

    ids = make_book(engine)
    account_id = ids["Globex"]
    with Session(engine) as session:
        account = session.get(Account, account_id)
        assert account is not None
        account.name = f"Globex {MARKUP}"
        session.add(Contact(account_id=account_id, name=f"Bob {MARKUP}", role="[b]CTO"))
        session.add(
            Ticket(account_id=account_id, subject=MARKUP, priority="[/]", opened_at=_at(TODAY))
        )
        session.commit()
    now = datetime.combine(TODAY, time(12), tzinfo=UTC)
    logged = log_entry(engine, account_id, EntryForm(kind="call", summary="Plain"), "Sam", now)
    edit_entry(engine, logged.entry_id, EntryForm(kind="call", summary=MARKUP), "Sam", now)
    log_entry(engine, account_id, EntryForm(kind="nps", score="3", comment=MARKUP), "Sam", now)
    shown = "[/] pricing [red]urgent[/red] \\x1b[2J"
    async with running(db_url) as (app, pilot):
        app.open_account(account_id)
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        text = everything_shown(app)
        assert "\x1b" not in text
        assert f"{shown} — Sam" in text  # the call, in the timeline
        assert f"NPS 3: {shown}" in text
        contacts = text_of(screen.query_one("#contacts"))
        assert "Bob [/] pricing" in contacts and "[b]CTO" in contacts
        tickets = text_of(screen.query_one("#tickets"))
        assert "[/]" in tickets and "[/] pricing [red]" in tickets
        row = next(i for i, row in enumerate(screen.rows) if row["summary"].startswith("[/]"))
        screen.query_one("#timeline", DataTable).move_cursor(row=row)
        await press(app, pilot, "h")
        assert isinstance(app.screen, RevisionsScreen)
        text = everything_shown(app)
        assert "Plain" in text and shown in text
        await press(app, pilot, "escape", "o")
        assert isinstance(app.screen, OverrideScreen)
        assert f"Health override: Globex {shown}" in everything_shown(app)


async def test_a_search_or_a_scope_that_looks_like_markup_is_shown_as_typed(
    db_url: str, engine: Engine
) -> None:
    """Typing '[/' in the list's search closed the app (the line above the list read
    it as markup), as did the filters (which list the segments) and cycling the
    dashboard's scope to a segment named so."""
    from sqlmodel import col, update
    from textual.widgets import SelectionList

    from tui.screens.dashboard import DashboardScreen
    from tui.screens.drill import DrillScreen
    from tui.screens.filters import FiltersScreen

    ids = make_book(engine)
    with Session(engine) as session:
        globex = update(Account).where(col(Account.id) == ids["Globex"])
        session.exec(globex.values(segment="[/]SMB"))
        session.commit()
    async with running(db_url) as (app, pilot):
        await press(app, pilot, "slash", *"[/")
        assert 'search "[/"' in text_of(app.screen.query_one("#filter-bar"))
        await press(app, pilot, "escape", "escape", "f")  # the filters list the segments
        filters = app.screen
        assert isinstance(filters, FiltersScreen), filters
        segments = filters.query_one("#segments", SelectionList)
        prompts = [
            str(segments.get_option_at_index(i).prompt) for i in range(segments.option_count)
        ]
        assert "[/]SMB" in prompts
        await press(app, pilot, "escape", "1")
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        for _ in range(12):  # the team, then each owner and segment
            if "[/]SMB" in text_of(dashboard.query_one("#switch-bar")):
                break
            await press(app, pilot, "s")
        assert "scope: segment [/]SMB (s)" in text_of(dashboard.query_one("#switch-bar"))
        await press(app, pilot, "enter")  # the MRR drill, in that scope
        assert isinstance(app.screen, DrillScreen)
        assert "[/]SMB" in text_of(app.screen.query_one("#drill-title"))


async def test_an_override_reason_with_escape_sequences_is_shown_escaped(
    db_url: str, engine: Engine
) -> None:
    """A reason set with ``cxtui health override --reason`` reached the terminal as
    typed in the 360's health panel: its escape sequences drove the terminal."""
    from datetime import timedelta

    from core.health.overrides import set_override

    ids = make_book(engine)
    set_override(
        engine,
        ids["Globex"],
        reason=f"Said {EVIL}",
        score=20,
        expires_on=TODAY + timedelta(days=5),
        set_by="Dana\x1b[31m",
        as_of=TODAY,
    )
    async with running(db_url) as (app, pilot):
        app.open_account(ids["Globex"])
        await settle(app, pilot)
        health = text_of(app.screen.query_one("#health"))
        assert "\x1b" not in health
        assert "Said Evil\\x1b]0;pwned\\x07" in health and "Dana\\x1b[31m" in health


async def test_a_segment_and_owner_that_look_like_markup_are_shown_as_typed_in_the_palette(
    db_url: str, engine: Engine
) -> None:
    """The palette reads a hit's help as markup: with an owner '[/] Ops' the help
    raised MarkupError and the account was not offered at all; '[b]Key[/b]' alone
    lost its brackets."""
    from textual.command import CommandList

    from tests.rows import new_account

    make_book(engine)
    with Session(engine) as session:
        new_account(session, "MK-1", name="Markup Co", segment="[b]Key[/b]", owner="[/] Ops")
        session.commit()
    async with running(db_url) as (app, pilot):
        await press(app, pilot, "ctrl+p")
        await pilot.press(*"markup")
        await settle(app, pilot)
        hits = app.screen.query_one(CommandList)
        shown = text_of(hits)
        assert "Open account · [b]Key[/b] · [/] Ops" in shown, shown
