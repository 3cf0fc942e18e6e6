"""The 360's Fields panel: the book's custom fields and the account's values, as an
import of a Telco-shaped file kept them, each edited with ``e``; on its last row, a
field added to the book, by keys alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import Engine
from textual.pilot import Pilot
from textual.widgets import DataTable

from core.interactions import account_id_of
from tests.tui.conftest import on_account, press, running, settle, text_of
from tui.app import CxtuiApp
from tui.screens.account import ADD_FIELD, AccountScreen


def _fields(screen: AccountScreen) -> dict[str, str]:
    """The panel's fields and values, without its last row (to add a field)."""
    table = screen.query_one("#fields", DataTable)
    rows = [table.get_row_at(index) for index in range(table.row_count)]
    assert str(rows[-1][0]) == ADD_FIELD
    return {str(label): str(value) for label, value in rows[:-1]}


@asynccontextmanager
async def on_telco_account(
    db_url: str, telco: Engine
) -> AsyncIterator[tuple[CxtuiApp, Pilot, AccountScreen]]:
    """The app on the 360 of the Telco file's first account (17 fields, all set)."""
    async with on_account(db_url, telco, "7590-VHVEG") as opened:
        yield opened


async def test_the_360_shows_the_custom_fields(db_url: str, book, telco: Engine) -> None:
    engine = telco
    first = account_id_of(engine, "7590-VHVEG")
    blank = account_id_of(engine, "4472-LVYGI")  # tenure 0, no TotalCharges
    assert first is not None and blank is not None
    async with running(db_url) as (app, pilot):
        app.open_account(first)
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        assert screen.query_one("#fields-box").display
        shown = _fields(screen)
        assert len(shown) == 17
        assert shown["Payment method"] == "Electronic check"
        assert shown["Total charges"] == "$29.85"
        assert shown["Senior citizen"] == "No" and shown["Partner"] == "Yes"
        assert shown["Tenure"] == "1"
        assert shown["Multiple lines"] == "No phone service"
        assert screen.query_one("#fields-box").border_title == "Fields (17 of 17 set)"
        app.open_account(blank)
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        assert _fields(screen)["Total charges"] == "—"
        assert screen.query_one("#fields-box").border_title == "Fields (16 of 17 set)"


async def test_a_book_without_custom_fields_shows_a_row_to_add_one(db_url: str, book) -> None:
    async with running(db_url) as (app, pilot):
        await press(app, pilot, "enter")
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.query_one("#fields-box").display
        assert _fields(app.screen) == {}
        assert app.screen.query_one("#fields-box").border_title == "Fields"


async def test_e_on_the_fields_panel_edits_a_value_with_history(
    db_url: str, book, telco: Engine
) -> None:
    from sqlalchemy import text
    from textual.widgets import Input

    from tui.screens.field_edit import FieldEditScreen

    engine = telco
    async with on_telco_account(db_url, telco) as (app, pilot, screen):
        table = screen.query_one("#fields", DataTable)
        table.focus()
        table.move_cursor(row=15)  # Payment method
        await press(app, pilot, "e")
        assert isinstance(app.screen, FieldEditScreen)
        app.screen.query_one("#field-value", Input).value = "cash"
        await press(app, pilot, "enter")
        error = str(app.screen.query_one("#field-error").render())
        assert "one of: Bank transfer (automatic)" in error  # refused in words, still open
        app.screen.query_one("#field-value", Input).value = "mailed check"
        await press(app, pilot, "enter")
        assert app.screen is screen
        assert _fields(screen)["Payment method"] == "Mailed check"
    with engine.connect() as connection:
        history = connection.execute(
            text("SELECT old_value, new_value, changed_by, source FROM account_field_revision")
        ).all()
    assert [tuple(row) for row in history] == [
        ("Electronic check", "Mailed check", "Test User", "edit")
    ]


async def test_a_field_is_added_from_the_360_by_keys_alone(
    db_url: str, book, engine: Engine
) -> None:
    """tab to the Fields panel, e on "+ Add a field": a name, a type, choices and the
    account's value. A refusal names what is wrong and keeps what was typed; the
    saved field is the book's (another account has none yet), with its revision."""
    from sqlalchemy import text
    from textual.widgets import Input

    from tests.tui.conftest import type_text
    from tui.screens.field_edit import AddFieldScreen

    async with running(db_url) as (app, pilot):
        await press(app, pilot, "enter")
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        while screen.focused is not screen.query_one("#fields", DataTable):
            await pilot.press("tab")
        await press(app, pilot, "e")
        assert isinstance(app.screen, AddFieldScreen)
        await type_text(pilot, "Segment")  # one of every account's own columns
        await pilot.press("tab", "enter", "down", "down", "down", "enter")  # text -> choice
        await pilot.press("tab")
        await type_text(pilot, "Bronze, Silver, Gold")
        await pilot.press("tab")
        await type_text(pilot, "gold")
        await press(app, pilot, "ctrl+s")
        error = str(app.screen.query_one("#new-field-error").render())
        assert "'Segment' is a column of every account already" in error
        name = app.screen.query_one("#new-field-name", Input)
        assert name.value == "Segment"  # nothing typed is lost
        name.value = ""
        name.focus()
        await type_text(pilot, "Plan tier")
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
        assert _fields(screen) == {"Plan tier": "Gold"}
        assert screen.query_one("#fields-box").border_title == "Fields (1 of 1 set)"
    with engine.connect() as connection:
        fields = connection.execute(text("SELECT name, type, choices FROM custom_field")).all()
        history = connection.execute(
            text("SELECT account_id, old_value, new_value, changed_by FROM account_field_revision")
        ).all()
    assert [tuple(row) for row in fields] == [
        ("Plan tier", "choice", '["Bronze", "Silver", "Gold"]')
    ]
    assert [tuple(row)[1:] for row in history] == [(None, "Gold", "Test User")]


async def _escape_asks(app, pilot, dialog: type, field: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """In ``dialog`` (open), ``text`` typed into ``field``: escape asks, n keeps it,
    escape then y drops it."""
    from textual.widgets import Input

    from tests.tui.conftest import type_text
    from tui.screens.confirm import ConfirmScreen

    assert isinstance(app.screen, dialog)
    await type_text(pilot, text)
    await press(app, pilot, "escape")
    assert isinstance(app.screen, ConfirmScreen)
    await press(app, pilot, "n")
    assert app.screen.query_one(f"#{field}", Input).value == text
    await press(app, pilot, "escape", "y")
    assert isinstance(app.screen, AccountScreen)


async def test_escape_in_the_field_dialogs_asks_before_dropping_what_was_typed(
    db_url: str, book, telco: Engine
) -> None:
    """Escape closed both dialogs at once, losing a typed value or a whole new field
    (name, choices, value) without a word; now it asks, as the log form does."""
    from tui.screens.field_edit import AddFieldScreen, FieldEditScreen

    async with on_telco_account(db_url, telco) as (app, pilot, screen):
        table = screen.query_one("#fields", DataTable)
        table.focus()
        table.move_cursor(row=15)  # Payment method
        await press(app, pilot, "e", "escape")  # nothing typed: closes at once
        assert app.screen is screen
        await press(app, pilot, "e")
        await _escape_asks(app, pilot, FieldEditScreen, "field-value", "Mailed")
        table.move_cursor(row=table.row_count - 1)  # + Add a field
        await press(app, pilot, "e")
        await _escape_asks(app, pilot, AddFieldScreen, "new-field-name", "Region")


async def test_home_and_end_go_to_the_panels_first_and_last_row(
    db_url: str, book: dict[str, int], telco: Engine
) -> None:
    """On the Fields panel (17 fields, then "+ Add a field") end went nowhere: a
    Textual table scrolls sideways on home and end. They go to the first and last
    row, as on the accounts list, and ? lists them; the timeline's too."""
    from tui.screens.help import HelpScreen

    async with on_telco_account(db_url, telco) as (app, pilot, screen):
        fields = screen.query_one("#fields", DataTable)
        fields.focus()
        await press(app, pilot, "end")
        assert fields.cursor_row == 17 and str(fields.get_row_at(17)[0]) == ADD_FIELD
        await press(app, pilot, "home")
        assert fields.cursor_row == 0
        await press(app, pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = text_of(app.screen.query_one("#help-keys"))
        assert "Last row" in keys and "First row" in keys, keys
        await press(app, pilot, "escape")
        app.open_account(book["Acme Corp"])
        await settle(app, pilot)
        timeline = app.screen.query_one("#timeline", DataTable)
        timeline.focus()
        await press(app, pilot, "end")
        assert timeline.row_count > 1 and timeline.cursor_row == timeline.row_count - 1
