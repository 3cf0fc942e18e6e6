"""Text from data never drives the terminal: an account name with escape sequences
is shown escaped in the list and in the 360."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from textual.app import App

from core.models import Account
from tests.tui.book import TODAY, make_book
from tests.tui.conftest import names, press, running, text_of
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
