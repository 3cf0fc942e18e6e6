"""Keys typed in one burst apply in the order typed in a text field. A terminal
delivers keys typed fast (or pasted by a macro, or read on a loaded machine) as one
read: every key is queued before the first is handled. Textual's Input and TextArea
type a character at once, but their editing keys (backspace, home, ctrl+u...) are
bindings, run when the key comes back up to the app (Textualize/textual#6605): so
"abc", backspace, "d" read "abc", not "abd". ``CxtuiApp.on_event`` runs them in
order (``run_in_field``)."""

from __future__ import annotations

from sqlalchemy import Engine
from textual import events
from textual.keys import key_to_character
from textual.widgets import Input, TextArea

from tests.tui.conftest import on_account, press, running, settle
from tui.app import CxtuiApp
from tui.screens.account import AccountScreen
from tui.screens.accounts import AccountsScreen
from tui.screens.goal_checkin import CheckInScreen
from tui.screens.log_form import LogInteractionScreen

KEY_OF = {"/": "slash", "-": "minus", " ": "space"}


def burst(app: CxtuiApp, *keys: str) -> None:
    """Post ``keys`` to the app without waiting between them, as a terminal's read
    of keys typed fast does (Pilot's ``press`` waits after each key). A key is one
    character, typed, or a key's name ("backspace", "ctrl+u")."""
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(KEY_OF.get(key, key), key))
        else:
            app.post_message(events.Key(key, key_to_character(key)))


async def test_a_backspace_typed_in_a_burst_deletes_where_it_was_typed(
    db_url: str, engine: Engine, book: dict[str, int]
) -> None:
    """The log form's summary: "abc", backspace, "d" read "abc" (the backspace ran
    after the "d", deleting it); "abd" now. Then tab to the notes (a TextArea),
    "wxy", left, backspace, end, "z": "wxz" before, "wyz" now."""
    async with on_account(db_url, engine, "EXT-1001") as (app, pilot, _screen):
        await press(app, pilot, "l", "c")  # the log form; a call: on to the summary
        form = app.screen
        assert isinstance(form, LogInteractionScreen)
        summary = form.query_one("#summary", Input)
        assert app.focused is summary
        burst(app, *"abc", "backspace", "d", "tab", *"wxy", "left", "backspace", "end", "z")
        await settle(app, pilot)
        assert summary.value == "abd"
        notes = form.query_one("#notes", TextArea)  # a TextArea: the same
        assert (app.focused, notes.text) == (notes, "wyz")


async def test_a_date_typed_after_tab_and_ctrl_u_is_kept(
    db_url: str, engine: Engine, book: dict[str, int]
) -> None:
    """The goal check-in: tab to the date, ctrl+u to clear it, a date typed, in one
    burst, left the date empty (ctrl+u ran last); it holds the date typed now."""
    from core.goals import create_goal
    from tests.rows import goal_form

    create_goal(
        engine,
        goal_form(
            title="NPS above 50",
            owner="Test User",
            start_date="2026-06-01",
            due_date="2026-08-31",
            target="50",
        ),
    )
    async with running(db_url) as (app, pilot):
        await press(app, pilot, "3", "enter")  # the goals screen; check in the goal
        dialog = app.screen
        assert isinstance(dialog, CheckInScreen)
        burst(app, *"42", "tab", "ctrl+u", *"2026-06-12")
        await settle(app, pilot)
        values = [dialog.query_one(f"#{name}", Input).value for name in ("value", "checked_on")]
        assert values == ["42", "2026-06-12"]


async def test_screen_keys_typed_in_the_search_after_home_stay_text(
    db_url: str, book: dict[str, int]
) -> None:
    """The accounts list's search: "/", "glob", home, "l", "/" in one burst. "l" and
    "/" are keys of the list's screen (log, search) but are text in the search, typed
    where home put the cursor: "l/glob", the list still shown, no log form opened.
    Home ran after them, which read "globl/". Then backspaces and Enter: Globex."""
    async with running(db_url) as (app, pilot):
        burst(app, "/", *"glob", "home", "l", "/")
        await settle(app, pilot)
        assert isinstance(app.screen, AccountsScreen)
        search = app.screen.query_one("#search", Input)
        assert (app.focused, search.value, search.cursor_position) == (search, "l/glob", 2)
        burst(app, "backspace", "backspace", "enter")  # "glob"; Enter opens the match
        await settle(app, pilot)
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.account_id == book["Globex"]


async def test_a_field_key_whose_action_does_not_run_goes_on_to_the_app(
    db_url: str, book: dict[str, int]
) -> None:
    """ctrl+c in the search with nothing selected: the field's copy does not run, so
    the key goes on to the app's binding, which says how to quit, as it did before
    the field's keys ran in its queue; the text typed around it is kept in order."""
    async with running(db_url) as (app, pilot):
        burst(app, "/", *"ab", "ctrl+c", "backspace", "c")
        await settle(app, pilot)
        assert app.screen.query_one("#search", Input).value == "ac"
        told = [str(notification.message) for notification in app._notifications]
        assert any("to quit" in message for message in told), told
