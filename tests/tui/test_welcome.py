"""The welcome screen's "Load the demo book" writes the demo into a copy of its own,
never into the user's database, and the app moves to that copy and says so."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import pytest

from core.store.db import sqlite_path
from tests.tui.conftest import bar, running, settle
from tui.screens.accounts import AccountsScreen
from tui.screens.welcome import WelcomeScreen


def _accounts_in(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT count(*) FROM account").fetchone()[0]
    finally:
        connection.close()


async def test_the_demo_goes_into_its_own_file_and_the_app_follows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the demo copy goes
    mine = tmp_path / "mine.db"
    async with running(f"sqlite:///{mine}") as (app, pilot):
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.press("d")
        await settle(app, pilot, rounds=200)
        assert isinstance(app.screen, AccountsScreen)
        demo = sqlite_path(app.db_url)
        assert demo is not None and demo.parent.parent == scratch
        assert _accounts_in(demo) == 250
        assert "250 of 250 accounts" in bar(app)
        said = " ".join(str(n.message) for n in app._notifications)
        assert f"Demo book loaded into {demo}" in said
        assert "your own database is untouched" in said
        assert _accounts_in(mine) == 0  # the user's file: still empty
    assert not demo.parent.exists()  # the copy goes with the app, as cxtui --demo's


async def test_an_empty_list_says_how_to_fill_it(tmp_path: Path) -> None:
    """'Start empty' led to a list that read 'No accounts yet.' and nothing more,
    while i (not in the footer) imports a file from there."""
    from textual.widgets import Static

    from tests.tui.conftest import press, text_of
    from tui.screens.import_wizard import ImportWizardScreen

    async with running(f"sqlite:///{tmp_path / 'mine.db'}") as (app, pilot):
        assert isinstance(app.screen, WelcomeScreen)
        await press(app, pilot, "escape")
        assert isinstance(app.screen, AccountsScreen), app.screen
        said = " ".join(text_of(app.screen.query_one("#empty", Static)).split())
        assert "No accounts yet: i imports a file" in said, said
        assert "cxtui --demo" in said, said
        await press(app, pilot, "i")
        assert isinstance(app.screen, ImportWizardScreen), app.screen


async def test_the_welcome_says_how_to_import_more_files_later(tmp_path: Path) -> None:
    """The welcome offers one import; after it closed, nothing said how to import the
    next file. It says that i does it, on the dashboard (where the app opens) or the
    accounts list, whole at 80x24 above its buttons, and i does there."""
    from textual.widgets import Button

    from tests.tui.conftest import SMALL, press, text_of
    from tui.screens.import_wizard import ImportWizardScreen

    async with running(f"sqlite:///{tmp_path / 'mine.db'}") as (app, pilot):
        await pilot.resize_terminal(*SMALL)
        await settle(app, pilot)
        welcome = app.screen
        assert isinstance(welcome, WelcomeScreen)
        shown = " ".join(text_of(welcome.query_one(".dialog-text")).split())
        said = (
            "To import more files later (interactions, tickets, surveys...): i, on the"
            " dashboard or the accounts list."
        )
        assert said in shown, shown
        button = welcome.query_one("#import", Button)
        assert button.region.bottom <= SMALL[1], button.region
        for keys in (("escape", "1", "i"), ("escape", "2", "i")):  # dashboard, list
            await press(app, pilot, *keys)
            assert isinstance(app.screen, ImportWizardScreen), app.screen
