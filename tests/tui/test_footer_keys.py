"""The footer (``KeysFooter``) is composed again only when the keys it shows change:
composing its keys anew was the largest part of opening the 360 a second time, for
the very same keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from tests.tui.conftest import SIZE, SMALL, book_open, press, snapshot_app, text_of
from tui.app import CxtuiApp


def keys(app: CxtuiApp) -> list[FooterKey]:
    return list(app.screen.query(FooterKey))


def words(app: CxtuiApp) -> list[str]:
    return [key.description for key in keys(app)]


async def test_the_same_keys_are_not_composed_again(demo_url: str, tmp_path: Path) -> None:
    app = snapshot_app(demo_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await book_open(app, pilot)
        on_list = keys(app)
        assert "Open" in words(app)
        await press(app, pilot, "enter")
        on_360 = keys(app)
        assert "Override health" in words(app) and "Log" in words(app)
        await press(app, pilot, "escape", "j", "enter", "escape", "j", "enter")
        assert keys(app) == on_360  # the 360's keys: the same widgets
        await press(app, pilot, "escape")
        assert keys(app) == on_list

        # keys that change are shown: the search's, then the list's again
        await press(app, pilot, "slash")
        assert words(app) == ["Search", "palette"]
        await press(app, pilot, "escape")
        assert "Open" in words(app) and "Sort" in words(app)
        await press(app, pilot, "4", "z")  # the task queue's done and snoozed tasks
        assert "Reopen" in words(app) and "Wake" in words(app)


async def test_the_drill_through_shows_its_way_back(demo_url: str, tmp_path: Path) -> None:
    """A tile's drill-through (enter on the dashboard) showed '? Help q Quit' alone in
    its footer: escape went back, unsaid. The footer shows 'esc Back'."""
    from tui.screens.dashboard import DashboardScreen
    from tui.screens.drill import DrillScreen

    app = snapshot_app(demo_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await book_open(app, pilot)
        await press(app, pilot, "1")
        await press(app, pilot, "enter")
        assert isinstance(app.screen, DrillScreen)
        assert "Back" in words(app), words(app)
        await press(app, pilot, "escape")
        assert isinstance(app.screen, DashboardScreen)


DIALOG_KEYS = {
    "log form": (("2", "enter", "l"), "^s Save esc Cancel ^t Template"),
    "edit entry": (("2", "enter", "e"), "^s Save esc Cancel ^t Template"),
    "snooze": (("4", "s"), "1 1 day w 1 week esc Cancel"),
    "filters": (("2", "f"), "esc Cancel ^s Apply ^r Clear all"),
    "help": (("question_mark",), "esc Close"),
}


@pytest.mark.parametrize("dialog", list(DIALOG_KEYS))
async def test_a_dialog_shows_its_own_keys(demo_url: str, tmp_path: Path, dialog: str) -> None:
    """Under a dialog the footer of the screen behind it stayed in view: the log form,
    or the edit of a timeline entry, over the 360 read 'esc Back ... e Edit entry d
    Delete entry', keys that do nothing there. A dialog shows its own keys, on the
    last line, over that footer."""
    from tui.screens.account import AccountScreen

    *keys_pressed, last_key = DIALOG_KEYS[dialog][0]
    app = snapshot_app(demo_url, tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await book_open(app, pilot)
        await press(app, pilot, *keys_pressed)
        if dialog == "edit entry":  # the timeline's first interaction (its first: MRR)
            screen = app.screen
            assert isinstance(screen, AccountScreen)
            sources = [row["source"] for row in screen.rows]
            timeline = screen.query_one("#timeline", DataTable)
            timeline.move_cursor(row=sources.index("interaction"))
        await press(app, pilot, last_key)
        assert app.screen.is_modal, app.screen
        last = " ".join(text_of(app.screen).splitlines()[-1].split())
        assert last == DIALOG_KEYS[dialog][1], text_of(app.screen)
