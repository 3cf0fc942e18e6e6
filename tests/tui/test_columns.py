"""``c`` on the accounts list: choose its columns and their order, with keys only; the
choice is written to the config file and is what the next launch shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config.list_columns import LIST_COLUMNS, load_list_columns
from tests.tui.conftest import SMALL, bar, press, running, settle, text_of
from tui.app import CxtuiApp
from tui.screens.accounts import AccountsScreen
from tui.screens.columns import ColumnChooser
from tui.widgets.accounts_table import AccountsTable


def headers(app: CxtuiApp) -> list[str]:
    """The column labels of the list, as the table has them and as the screen shows."""
    table = app.screen.query_one(AccountsTable)
    labels = [column.label.plain for column in table.ordered_columns]
    shown = text_of(table).splitlines()[0].split()  # up to the table's right edge
    words = " ".join(labels).split()
    assert shown[:-1] == words[: len(shown) - 1], shown
    assert words[len(shown) - 1].startswith(shown[-1]), shown
    return labels


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The config file the app is started with: not there until a test writes it."""
    return tmp_path / "config.toml"


async def test_choosing_columns_is_kept_for_the_next_launch(
    db_url: str, book, config: Path
) -> None:
    config.write_text('# mine\nuser = "Dana"\n', encoding="utf-8")
    async with running(db_url, path=config) as (app, pilot):
        assert headers(app)[:3] == ["Name", "MRR", "Health"]
        await press(app, pilot, "c")
        assert isinstance(app.screen, ColumnChooser)
        assert app.screen.query_one(".dialog").outer_size.width == 60  # dialog.tcss
        # MRR hidden; Health moved above it; Owner moved up to second; Tickets hidden
        await pilot.press("down", "space", "down", "shift+up")
        await pilot.press("down", "down", "down", "down", "down")  # on Owner
        await pilot.press(*["left_square_bracket"] * 5)
        await press(app, pilot, "end", "up", "space", "enter")  # the last: Churn risk, not shown
        assert isinstance(app.screen, AccountsScreen)
        chosen = ["Name", "Owner", "Health", "30d", "Renewal", "Last touch", "Segment"]
        assert headers(app) == chosen
        assert app.screen.focused is app.screen.query_one(AccountsTable)
    text = config.read_text(encoding="utf-8")
    assert text.startswith('# mine\nuser = "Dana"\n')
    assert load_list_columns(config).columns == (
        "name",
        "owner",
        "health",
        "trend",
        "renewal",
        "last_touch",
        "segment",
    )

    async with running(db_url, path=config) as (app, pilot):
        assert headers(app) == chosen
        # s sorts by the columns shown, in their order: Name ↓, then Owner
        await pilot.press("s", "s")
        assert "sorted by Owner ↑" in bar(app)


async def test_escape_changes_nothing_and_name_cannot_be_hidden(
    db_url: str, book, config: Path
) -> None:
    async with running(db_url, path=config) as (app, pilot):
        before = headers(app)
        await press(app, pilot, "c", "down", "space", "escape")
        assert isinstance(app.screen, AccountsScreen)
        assert headers(app) == before
        await press(app, pilot, "c", "space", "enter")  # space on Name: it stays
        assert headers(app) == before
        assert any("always shown" in str(n.message) for n in app._notifications)
    assert not config.exists()  # nothing chosen, nothing written


async def test_an_unknown_column_in_the_config_is_named_and_ignored(
    db_url: str, book, config: Path
) -> None:
    config.write_text('[accounts_list]\ncolumns = ["name", "arr", "mrr"]\n', encoding="utf-8")
    async with running(db_url, path=config) as (app, _pilot):
        assert headers(app) == ["Name", "MRR"]
        messages = [str(n.message) for n in app._notifications]
        assert any(f"{config}, line 2: 'arr'" in message for message in messages), messages


async def test_the_key_is_in_the_help(db_url: str, book) -> None:
    """'c  Columns' is listed; its keymap id ('accounts.columns') no longer is."""
    async with running(db_url) as (app, pilot):
        await press(app, pilot, "question_mark")
        keys = text_of(app.screen.query_one("#help-keys"))
        line = next(line for line in keys.splitlines() if "Columns" in line)
        assert line.split()[:2] == ["c", "Columns"] and "accounts.columns" not in keys, line
    assert LIST_COLUMNS[0] == "name"


async def test_x_exports_the_chosen_columns_first(
    db_url: str, book, config: Path, tmp_path: Path
) -> None:
    import polars as pl
    from textual.widgets import Input

    from tui.screens.export_dialog import ExportDialog

    config.write_text('[accounts_list]\ncolumns = ["name", "owner", "health"]\n', encoding="utf-8")
    out = tmp_path / "listed.csv"
    async with running(db_url, path=config) as (app, pilot):
        await press(app, pilot, "x")
        assert isinstance(app.screen, ExportDialog)
        app.screen.query_one("#path", Input).value = str(out)
        await press(app, pilot, "enter")
    written = pl.read_csv(out)
    assert written.columns[:5] == ["external_id", "name", "owner", "health", "band"]
    assert {"mrr", "segment", "last_touch"} <= set(written.columns)  # still all there


async def test_on_a_small_terminal_the_bar_counts_the_chosen_columns_out_of_view(
    db_url: str, book, config: Path
) -> None:
    async with running(db_url, path=config) as (app, pilot):
        await pilot.resize_terminal(*SMALL)
        await settle(app, pilot)
        assert "→ 5 more columns: c to choose" in bar(app)
        await press(app, pilot, "c", "down", "space", "enter")  # MRR hidden
        assert headers(app)[:4] == ["Name", "Health", "30d", "Renewal"]
        assert "→ 4 more columns: c to choose" in bar(app)
