"""The health override dialog (``o`` on the account 360): what is typed is never
lost without a question, and the override in force is shown as set."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select
from textual.widgets import Input

from core.health.overrides import set_override
from tests.tui.book import TODAY
from tests.tui.conftest import press, running, settle, text_of, type_text
from tui.screens.account import AccountScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.override import OverrideScreen


async def _override_form(app, pilot, account_id: int) -> OverrideScreen:  # type: ignore[no-untyped-def]
    app.open_account(account_id)
    await settle(app, pilot)
    await press(app, pilot, "o")
    assert isinstance(app.screen, OverrideScreen)
    return app.screen


async def test_escape_asks_before_dropping_a_typed_reason(
    db_url: str, book: dict[str, int]
) -> None:
    async with running(db_url) as (app, pilot):
        form = await _override_form(app, pilot, book["Globex"])
        await press(app, pilot, "escape")  # nothing typed: closes at once
        assert isinstance(app.screen, AccountScreen)
        form = await _override_form(app, pilot, book["Globex"])
        await type_text(pilot, "20")
        form.query_one("#reason", Input).focus()
        await type_text(pilot, "Champion left")
        await press(app, pilot, "escape")
        assert isinstance(app.screen, ConfirmScreen)
        await press(app, pilot, "n")  # keep editing: all of it still there
        assert app.screen is form
        assert form.query_one("#score", Input).value == "20"
        assert form.query_one("#reason", Input).value == "Champion left"
        await press(app, pilot, "escape", "y")
        assert isinstance(app.screen, AccountScreen)


async def test_an_override_of_score_zero_is_shown_as_zero(
    db_url: str, engine: Engine, book: dict[str, int]
) -> None:
    set_override(
        engine,
        book["Globex"],
        reason="Told us they are leaving",
        score=0,
        expires_on=TODAY + timedelta(days=10),
        set_by="Dana Scully",
        as_of=TODAY,
    )
    async with running(db_url) as (app, pilot):
        form = await _override_form(app, pilot, book["Globex"])
        shown = text_of(form.query_one(".dialog-text"))
        assert "Active override: 0 red" in shown, shown


async def test_the_dialog_opens_on_an_account_without_a_score(
    db_url: str, engine: Engine, book: dict[str, int]
) -> None:
    """``o`` on an account whose score could not be computed (no signals yet) closed
    the app: the dialog formatted the missing score as a number."""
    from core.health.store import recompute_account
    from core.models import Interaction, SurveyResponse, Ticket

    account_id = book["Vandelay Industries"]
    with Session(engine) as session:  # its signals gone: commercial facts alone
        for model in (Interaction, SurveyResponse, Ticket):
            for row in session.exec(select(model).where(model.account_id == account_id)):
                session.delete(row)
        session.commit()
    assert recompute_account(engine, account_id, as_of=TODAY) is None
    async with running(db_url) as (app, pilot):
        form = await _override_form(app, pilot, account_id)
        shown = text_of(form.query_one(".dialog-text"))
        assert "Computed score: none, not enough signals yet" in shown, shown


async def test_a_refusal_is_seen_in_a_small_terminal(db_url: str, book: dict[str, int]) -> None:
    """At 80x24 the dialog ended at the expiry: a refusal (its line under it) and the
    buttons were cut off, so ctrl+s seemed to do nothing."""
    from tests.tui.conftest import SMALL

    async with running(db_url) as (app, pilot):
        await pilot.resize_terminal(*SMALL)
        form = await _override_form(app, pilot, book["Globex"])
        await type_text(pilot, "20")
        await press(app, pilot, "ctrl+s")
        error = form.query_one("#override-error")
        assert "reason" in text_of(error)
        box = form.query_one("#override").content_region  # inside its border
        assert box.contains_region(error.region) and error.region.height > 0


async def test_a_refusal_puts_the_cursor_in_the_field_it_names(
    db_url: str, engine: Engine, book: dict[str, int]
) -> None:
    """After 'An override needs a reason' the cursor stayed in the score: the reason
    typed next went to that number field, which dropped its letters without a word
    (found in tmux: '35', ctrl+s, then the reason, read '35e')."""
    from core.models import HealthOverride

    async with running(db_url) as (app, pilot):
        form = await _override_form(app, pilot, book["Globex"])
        await type_text(pilot, "35")
        await press(app, pilot, "ctrl+s")
        assert "needs a reason" in text_of(form.query_one("#override-error"))
        await type_text(pilot, "Renewed verbally")
        assert form.query_one("#reason", Input).value == "Renewed verbally"
        assert form.query_one("#score", Input).value == "35"
        form.query_one("#expires", Input).value = "yesterday"
        await press(app, pilot, "ctrl+s")
        assert "must expire after today" in text_of(form.query_one("#override-error"))
        assert form.focused is form.query_one("#expires")
        await pilot.press("ctrl+u")  # Input: delete to the start
        await type_text(pilot, "+7d")
        await press(app, pilot, "ctrl+s")
        assert isinstance(app.screen, AccountScreen)
    with Session(engine) as session:
        saved = session.exec(
            select(HealthOverride).where(HealthOverride.account_id == book["Globex"])
        ).one()
        assert (saved.score, saved.reason) == (35, "Renewed verbally")
        assert saved.expires_on == TODAY + timedelta(days=7)
