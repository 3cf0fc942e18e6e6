"""The footer (``KeysFooter``) is composed again only when the keys it shows change:
composing its keys anew was the largest part of opening the 360 a second time, for
the very same keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Label
from textual.widgets._footer import FooterKey

from tests.tui.conftest import SIZE, SMALL, TELCO, book_open, press, snapshot_app, text_of
from tui.app import CxtuiApp
from tui.widgets.footer import KeysFooter


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
    "log form": (("2", "enter", "l"), "esc Cancel ^s Save ^t Template"),
    "edit entry": (("2", "enter", "e"), "esc Cancel ^s Save ^t Template"),
    "snooze": (("4", "s"), "esc Cancel 1 1 day w 1 week"),
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


SCREENS = {
    "dashboard": ("1",),
    "accounts": ("2",),
    "goals": ("3",),
    "tasks": ("4",),
    "account 360": ("2", "enter"),
    "drill-through": ("1", "enter"),
    "playbook": ("4", "p"),
    "column chooser": ("2", "c"),
    "import": ("2", "i"),  # then the Telco-shaped file read
}


@pytest.mark.parametrize("size", [SMALL, (100, 30), (120, 40)], ids=["80", "100", "120"])
@pytest.mark.parametrize("shown", list(SCREENS))
async def test_the_footer_shows_whole_keys_escape_and_help_first(
    demo_url: str, tmp_path: Path, shown: str, size: tuple[int, int]
) -> None:
    """Keys that did not fit were cut where the line ended: at 80 columns the accounts
    list ended in 'c Colu', the 360 in 't Time', the dashboard in 's'; at 120 the 360's
    '? Help' read '?' and its 'q Quit' was gone, at 100 the task queue's too; the import
    screen's 'esc Close' read 'esc Clos' at 80, a file read. A footer
    too narrow for its keys is compact, its escape key ('esc Back'), '? Help' and
    'q Quit' first; the keys that still do not fit are left out whole (? lists them)."""
    app = snapshot_app(demo_url, tmp_path)
    async with app.run_test(size=size) as pilot:
        await book_open(app, pilot)
        await press(app, pilot, *SCREENS[shown])
        if shown == "import":  # its keys for a file read: 'v Map values', 'c In cents'
            app.screen.query_one("#path", Input).value = str(TELCO)
            await press(app, pilot, "enter")
        footer = app.screen.query_one(KeysFooter)
        palette = footer.query(".-command-palette")
        end = palette.first().region.x if palette else size[0]
        shown_keys = [
            key for key in keys(app) if key.display and key.parent.display and key not in palette
        ]
        for key in shown_keys:
            assert key.region.width > 0 and key.region.right <= end, (key, key.region, end)
        # a group's keys ('[ ]') are shown with their words ('Prev/next period')
        children = list(footer.children)
        for index, child in enumerate(children):
            if child.display and child.has_class("-grouped"):
                words = next(c for c in children[index:] if isinstance(c, Label))
                assert words.display and words.region.right <= end, (words, end)
        actions = [key.action for key in shown_keys]
        first = [key.action for key in keys(app) if key.key == "escape"]
        first += [] if app.screen.is_modal else ["help", "quit"]  # a dialog's keys alone
        assert set(first) <= set(actions), actions
        if footer.compact:
            assert actions[: len(first)] == first, actions
        assert len(shown_keys) > len(first) or len(keys(app)) - len(palette) == len(first)
