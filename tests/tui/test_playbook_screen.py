"""Pilot test of the Playbook screen (``p`` on the task queue): rules on and off and
their settings written to the config file, a dry run that writes nothing, a run."""

from __future__ import annotations

import tomllib
from pathlib import Path

from sqlalchemy import Engine
from textual.widgets import Input

from core.models import RuleRun, Task
from core.playbook.rules import RULE_TITLES
from tests.rows import count
from tests.tui.conftest import press, tasks_screen, text_of
from tui.screens.playbook import PlaybookScreen, RuleSettingsScreen


async def test_playbook_toggles_edits_dry_runs_and_runs(
    db_url: str, engine: Engine, book: dict[str, int], tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("# my settings\n")
    async with tasks_screen(db_url, tmp_path) as (app, pilot, _tasks):
        await press(app, pilot, "p")
        screen = app.screen
        assert isinstance(screen, PlaybookScreen)
        rules = list(RULE_TITLES)
        assert [status.name for status in screen.statuses] == rules
        assert "never" in str(screen.table.get_row_at(0)[3])

        # space: the first rule off, written to the config file, comments kept
        await press(app, pilot, "space")
        assert config.read_text().startswith("# my settings\n")
        assert tomllib.loads(config.read_text())["rules"]["ticket_unresolved"] == {"enabled": False}
        assert str(screen.table.get_row_at(0)[0]) == "off"

        # enter on "Renewal coming up": a refusal names the field, then a good value
        row = rules.index("renewal_due")
        await press(app, pilot, *["j"] * row, "enter")
        assert isinstance(app.screen, RuleSettingsScreen)
        await pilot.press("backspace", "backspace", "ctrl+s")
        assert "Days before the renewal: must be a whole number" in text_of(
            app.screen.query_one("#rule-error")
        )
        await press(app, pilot, *"36500", "ctrl+s")  # a hundred years: no threshold
        assert "3,650, not 36500" in text_of(app.screen.query_one("#rule-error"))
        await press(app, pilot, *["backspace"] * 5, "9", "0", "ctrl+s")
        assert app.screen is screen
        saved = tomllib.loads(config.read_text())["rules"]
        assert saved["renewal_due"] == {"days": 90}
        assert "renewal within 90 days" in str(screen.table.get_row_at(row)[2])

        # d: what a run would create, nothing written
        await press(app, pilot, "d")
        dry_run = text_of(screen.query_one("#dry-run"))
        assert "A run now would create" in dry_run and "Nothing was written" in dry_run
        assert count(engine, Task) == 0 and count(engine, RuleRun) == 0

        # r: the run, recorded per enabled rule, and the table says when
        await press(app, pilot, "r")
        made = count(engine, Task)
        assert made > 0 and f"would create {made} task" in dry_run
        # it said "Running the rules…" until the screen was left
        assert f"The rules ran: {made} new tasks" in text_of(screen.query_one("#dry-run"))
        assert count(engine, RuleRun) == len(rules) - 1  # the rule switched off did not run
        assert "never" in str(screen.table.get_row_at(0)[3])
        assert "never" not in str(screen.table.get_row_at(row)[3])


async def test_escape_asks_before_dropping_a_changed_setting(
    db_url: str, book: dict[str, int], tmp_path: Path
) -> None:
    """Escape in a rule's settings dropped what was typed without a word (the goal and
    log forms ask first); unchanged settings still close at once."""
    from tui.screens.confirm import ConfirmScreen

    config = tmp_path / "config.toml"
    async with tasks_screen(db_url, tmp_path) as (app, pilot, _tasks):
        await press(app, pilot, "p", "enter")
        settings = app.screen
        assert isinstance(settings, RuleSettingsScreen)
        await press(app, pilot, "escape")
        assert isinstance(app.screen, PlaybookScreen)  # nothing changed: closed

        await press(app, pilot, "enter", "backspace", "backspace", "7", "2", "escape")
        assert isinstance(app.screen, ConfirmScreen)
        await press(app, pilot, "n")  # keep editing
        assert isinstance(app.screen, RuleSettingsScreen)
        assert app.screen.query_one("#setting-hours", Input).value == "72"
        await press(app, pilot, "escape", "y")
        assert isinstance(app.screen, PlaybookScreen)
    assert not config.exists() or "72" not in config.read_text()


async def test_home_and_end_go_to_the_first_and_last_rule(
    db_url: str, book: dict[str, int], tmp_path: Path
) -> None:
    """A Textual table scrolls sideways on home and end: end stayed on the first rule."""
    async with tasks_screen(db_url, tmp_path) as (app, pilot, _tasks):
        await press(app, pilot, "p")
        screen = app.screen
        assert isinstance(screen, PlaybookScreen)
        await press(app, pilot, "end")
        assert screen.table.cursor_row == len(RULE_TITLES) - 1
        await press(app, pilot, "home")
        assert screen.table.cursor_row == 0


async def test_the_footer_and_the_help_name_enter_for_a_rule_s_settings(
    db_url: str, book: dict[str, int], tmp_path: Path
) -> None:
    """enter opens a rule's settings, yet the footer read 'space On / off  d Dry run
    r Run now' and ? listed '⏎ Select the table': nothing said how to change a rule's
    settings (seen in tmux on the demo book)."""
    from textual.widgets._footer import FooterKey

    from tui.screens.help import HelpScreen

    async with tasks_screen(db_url, tmp_path) as (app, pilot, _tasks):
        await press(app, pilot, "p")
        screen = app.screen
        assert isinstance(screen, PlaybookScreen)
        footer = [(key.key_display, key.description) for key in screen.query(FooterKey)]
        assert ("⏎", "Settings") in footer, footer
        await press(app, pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = [line.split() for line in text_of(app.screen.query_one("#help-keys")).splitlines()]
        assert ["⏎", "Settings", "the", "rules", "table"] in rows, rows
        assert not [row for row in rows if "Select" in row], rows
        await press(app, pilot, "escape", "enter")  # the key named does what it says
        assert isinstance(app.screen, RuleSettingsScreen)
        title = text_of(app.screen.query_one(".dialog-title")).strip()
        assert title == RULE_TITLES["ticket_unresolved"]
