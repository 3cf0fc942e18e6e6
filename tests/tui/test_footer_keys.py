"""The footer (``KeysFooter``) is composed again only when the keys it shows change:
composing its keys anew was the largest part of opening the 360 a second time, for
the very same keys."""

from __future__ import annotations

from pathlib import Path

from textual.widgets._footer import FooterKey

from tests.tui.conftest import SIZE, book_open, press, snapshot_app
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
