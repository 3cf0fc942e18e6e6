"""Escape on a dialog holding something typed asks before losing it (the filters, a
snooze day, an export's file), as the log, task and override forms do; untouched,
escape closes it at once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from textual.widgets import Input

from core.playbook.tasks import add_manual_task
from tests.tui.book import TODAY, make_book
from tests.tui.conftest import press, running, tasks_screen
from tui.screens.accounts import AccountsScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.export_dialog import ExportDialog
from tui.screens.filters import FiltersScreen
from tui.screens.snooze import SnoozeScreen


async def test_filters_typed_are_kept_unless_discarded(db_url: str, engine: Engine) -> None:
    make_book(engine)
    async with running(db_url) as (app, pilot):
        await press(app, pilot, "f")
        assert isinstance(app.screen, FiltersScreen)
        await press(app, pilot, "escape")  # nothing changed: closes
        assert isinstance(app.screen, AccountsScreen)
        await press(app, pilot, "f")
        app.screen.query_one("#renewal", Input).value = "30"
        await press(app, pilot, "escape")
        assert isinstance(app.screen, ConfirmScreen)
        await press(app, pilot, "n")  # keep editing
        assert isinstance(app.screen, FiltersScreen)
        assert app.screen.query_one("#renewal", Input).value == "30"
        await press(app, pilot, "escape", "y")  # discard
        assert isinstance(app.screen, AccountsScreen)
        assert app.screen.where.renewal_within_days is None


async def test_a_snooze_day_or_an_export_file_typed_asks_first(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    ids = make_book(engine)
    add_manual_task(engine, "Call Globex", TODAY + timedelta(days=1), "Test User", ids["Globex"])
    async with tasks_screen(db_url, tmp_path) as (app, pilot, _screen):
        for key, dialog, field, typed in (
            ("s", SnoozeScreen, "#until", "next monday"),
            ("x", ExportDialog, "#path", str(tmp_path / "mine.csv")),
        ):
            await press(app, pilot, key)
            assert isinstance(app.screen, dialog)
            app.screen.query_one(field, Input).value = typed
            await press(app, pilot, "escape")
            assert isinstance(app.screen, ConfirmScreen), key
            await press(app, pilot, "n")
            assert app.screen.query_one(field, Input).value == typed
            await press(app, pilot, "escape", "y")
            assert not isinstance(app.screen, dialog | ConfirmScreen)
        await press(app, pilot, "x", "escape")  # the file offered, untouched: closes
        assert not isinstance(app.screen, ExportDialog | ConfirmScreen)
