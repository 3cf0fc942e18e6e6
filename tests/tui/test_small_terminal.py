"""Every screen by keyboard alone in the terminals people really use (80x24 on a
laptop split, 100x30, a light theme): what tab reaches is on screen, and what a
screen lists can be read. On the demo book, as a user opens it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.color import Color
from textual.errors import NoWidget
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget

from core.config.settings import Settings
from tests.tui.conftest import SIZE, SMALL, SNAPSHOT_DAY, press, settle, text_of
from tui.app import CxtuiApp, make_app


@asynccontextmanager
async def demo_app(
    demo_url: str, tmp_path: Path, size: tuple[int, int], **options: object
) -> AsyncIterator[tuple[CxtuiApp, Pilot]]:
    """The app on the demo book at ``size``, on the dashboard, settled; ``options``
    are ``make_app``'s."""
    settings = Settings(theme="textual-dark", path=tmp_path / "config.toml", user="Tester")
    app = make_app(
        demo_url, today=SNAPSHOT_DAY, settings=settings, recompute_health=False, **options
    )
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        yield app, pilot


def on_screen(app: CxtuiApp, widget: Widget) -> bool:
    """Whether ``widget`` is drawn whole: inside the screen and not cut off by a
    container around it."""
    try:
        geometry = app.screen.find_widget(widget)
    except NoWidget:
        return False
    region = geometry.region
    return region.area > 0 and geometry.clip.contains_region(region)


async def tab_through(app: CxtuiApp, pilot: Pilot) -> list[str]:
    """Tab once round the dialog shown: the ids of the widgets that took the focus
    while not on screen."""
    unseen: list[str] = []
    visited: set[int] = set()
    while app.focused is not None and id(app.focused) not in visited:
        visited.add(id(app.focused))
        if not on_screen(app, app.focused):
            unseen.append(app.focused.id or type(app.focused).__name__)
        await press(app, pilot, "tab")
    return unseen


DIALOGS = {
    "new goal": ("3", "n"),
    "goal check-in": ("3", "enter"),
    "new task": ("4", "n"),
}


@pytest.mark.parametrize("size", [SMALL, (100, 30)], ids=["80x24", "100x30"])
@pytest.mark.parametrize("dialog", list(DIALOGS))
async def test_tab_reaches_every_field_of_a_dialog_on_screen(
    demo_url: str, tmp_path: Path, dialog: str, size: tuple[int, int]
) -> None:
    """A dialog taller than the terminal scrolls to the field tab moves to. The new
    goal form ended at its scope fields at 80x24 and at its dates at 100x30: its
    values, direction, step and buttons could not be seen, tab moved the focus into
    them all the same; the task form's owner and buttons were cut off at both sizes."""
    async with demo_app(demo_url, tmp_path, size) as (app, pilot):
        await press(app, pilot, *DIALOGS[dialog])
        assert app.screen.is_modal
        assert await tab_through(app, pilot) == []


@pytest.mark.parametrize("size", [SMALL, (100, 30)], ids=["80x24", "100x30"])
async def test_each_goal_row_shows_its_values_and_status(
    demo_url: str, tmp_path: Path, size: tuple[int, int]
) -> None:
    """At 80x24 a goal's row ran off the screen: '1.6 % /' without its target, 'at
    risk' and 'on track' not shown, titles cut to 'NPS above 5…'; at 100x30 the titles
    were cut to 13 characters ('Churn below 3…'). A narrow row now gives up bar width
    and the days left first."""
    from tui.screens.goals import GoalItem
    from tui.widgets.goal_progress import TITLE_MIN, GoalProgress, goal_values

    async with demo_app(demo_url, tmp_path, size) as (app, pilot):
        await press(app, pilot, "3")
        rows = [item.query_one(GoalProgress) for item in app.screen.query(GoalItem)]
        assert len(rows) == 6
        for row in rows:
            shown = text_of(row)
            title = row.view.goal.title
            assert f"{goal_values(row.view)} {row.view.status}" in shown, shown
            assert shown.startswith(title[: TITLE_MIN - 1]), shown


async def test_the_filter_form_shows_whole_names_and_fields_at_80_columns(
    demo_url: str, tmp_path: Path
) -> None:
    """Its four lists side by side cut the owners to 'Aiko T…', 'Maya L…', the
    segments to 'Enterpri…', and the second days input, the field's value and 'Save
    as…' ran off the right edge. Below 120 columns the lists go two by two and each
    input has a line."""
    from textual.widgets import SelectionList

    async with demo_app(demo_url, tmp_path, SMALL) as (app, pilot):
        await press(app, pilot, "2", "f")
        for name in ("owners", "segments", "plans", "statuses"):
            shown = text_of(app.screen.query_one(f"#{name}", SelectionList))
            assert "…" not in shown, shown
        assert await tab_through(app, pilot) == []


async def test_the_tasks_show_their_account_at_80_columns(demo_url: str, tmp_path: Path) -> None:
    """The Task column took 52 of 80 columns: each task's account showed as one or two
    letters ('S', 'H'), and most tasks ('Follow up: routine check-in') do not name it.
    The task column narrows to leave the account on screen, and widens back with the
    terminal (52 at 120 columns), the cursor on the same task."""
    from tui.screens.tasks import TasksScreen

    async with demo_app(demo_url, tmp_path, SMALL) as (app, pilot):
        await press(app, pilot, "4", "j", "j")
        screen = app.screen
        assert isinstance(screen, TasksScreen) and screen.queue is not None
        shown = text_of(screen.table)
        for account in screen.queue["account_name"].head(10):
            assert account in shown, shown
        chosen = screen.current_task_id()
        await pilot.resize_terminal(120, 40)
        await settle(app, pilot)
        assert screen.table.ordered_columns[2].width == 52
        assert screen.current_task_id() == chosen


def contrast(foreground: Color, background: Color) -> float:
    """The WCAG contrast ratio of two colours (1 to 21; 3 asked of large text, 4.5 of
    body text)."""

    def luminance(colour: Color) -> float:
        channels = [value / 255 for value in (colour.r, colour.g, colour.b)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def word_colours(widget: Widget, word: str) -> list[tuple[Color, Color]]:
    """The foreground and background of every piece of ``widget``'s text on screen
    that holds ``word``."""
    width, height = widget.outer_size
    found = []
    for strip in widget.render_lines(Region(0, 0, width, height)):
        for segment in strip:
            style = segment.style
            if word in segment.text and style and style.color and style.bgcolor:
                found.append(
                    (Color.from_rich_color(style.color), Color.from_rich_color(style.bgcolor))
                )
    return found


async def test_health_bands_and_goal_statuses_read_in_a_light_theme(
    demo_url: str, tmp_path: Path
) -> None:
    """In textual-light the bands' words ('92 green', '45 yellow'), the goals' 'on
    track' and 'at risk' and the dashboard's good changes were drawn in the theme's
    success and warning, colours for fills: 1.8:1 and 1.5:1 on its grey background,
    1.3:1 on the list's zebra rows. Words now take its text-success, text-warning and
    text-error. The days left of the goal under the cursor were black on its blue."""
    from tui.screens.goals import GoalItem
    from tui.widgets.goal_progress import GoalProgress
    from tui.widgets.kpi_tile import KpiTile

    async with demo_app(demo_url, tmp_path, (160, 50)) as (app, pilot):
        app.theme = "textual-light"
        await press(app, pilot, "2", "j")  # off the first row: the cursor's colours are its own
        table = app.screen.query_one("#accounts")
        shown = {"green": word_colours(table, "green"), "yellow": word_colours(table, "yellow")}
        await press(app, pilot, "3")
        selected, *rows = [item.query_one(GoalProgress) for item in app.screen.query(GoalItem)]
        shown["days left, on the cursor"] = word_colours(selected, "days left")
        # the bars' unfilled part, a white line on the list's grey (1.5:1), is drawn
        # about as visibly as in the dark theme (2:1 there; 1.9:1 now)
        tracks = [pair for row in rows for pair in word_colours(row, "━")]
        assert tracks and all(contrast(*pair) >= 1.8 for pair in tracks), tracks
        for status in ("on track", "at risk"):
            shown[status] = [pair for row in rows for pair in word_colours(row, status)]
        await press(app, pilot, "1")
        for tile in app.screen.query(KpiTile):
            if tile.quality != "flat":
                arrows = word_colours(tile, "▲") + word_colours(tile, "▼")
                shown.setdefault(f"{tile.quality} change", []).extend(arrows)
        assert {"good change", "bad change"} <= set(shown)
        for what, pairs in shown.items():
            assert pairs, what
            for foreground, background in pairs:
                # before: 1.3 to 1.8; now 2.7 (yellow on a zebra row) to 7.3
                assert contrast(foreground, background) >= 2.5, (what, foreground, background)


async def test_the_dashboard_says_its_scope_at_80_columns(demo_url: str, tmp_path: Path) -> None:
    """The period bar ended in the key hints and then the scope, on one line: at 80
    columns it stopped at 'p month/quarter · [ ]', so 's' switched the figures to my
    book, a segment or an owner without a word of it on screen. The scope comes
    before the hints, and the bar wraps."""
    async with demo_app(demo_url, tmp_path, SMALL) as (app, pilot):
        bar = app.screen.query_one("#switch-bar")
        assert "scope: team" in " ".join(text_of(bar).split())
        await press(app, pilot, "s")
        user = app.settings.current_user
        assert f"scope: my book ({user})" in " ".join(text_of(bar).split())


async def test_the_playbook_explains_its_columns_at_80_columns(
    demo_url: str, tmp_path: Path
) -> None:
    """The line that says what the columns mean stopped at 'New: tasks made by the'
    at 80 columns, 'Made: in all' never shown. It wraps."""
    async with demo_app(demo_url, tmp_path, SMALL) as (app, pilot):
        await press(app, pilot, "4", "p")
        note = " ".join(text_of(app.screen.query_one("#playbook-note")).split())
        assert "New: tasks made by the last run · Made: in all" in note, note


async def test_the_playbook_shows_each_rules_settings_whole_at_80x24(
    demo_url: str, tmp_path: Path
) -> None:
    """At 80x24 the Playbook's Settings column was cut at the screen's edge ('7 days
    after · looks back 7 days ·'), Last ran, New and Made off screen without a word.
    The settings wrap in a column that fits; the note counts the columns out of view,
    and every rule's row is on screen."""
    from core.playbook.rules import DEFAULT_RULES, describe_settings

    async with demo_app(demo_url, tmp_path, SMALL) as (app, pilot):
        await press(app, pilot, "4", "p")
        lines = text_of(app.screen).splitlines()
        top = next(row for row, line in enumerate(lines) if " Settings" in line)
        start = lines[top].index("Settings")
        after = lines[top][start + len("Settings") :]  # up to the next label, if any
        end = start + len("Settings") + (len(after) - len(after.lstrip()) if after.strip() else 99)
        shown = " ".join(" ".join(line[start:end] for line in lines[top + 1 :]).split())
        for rule, settings in DEFAULT_RULES.items():
            words = describe_settings(rule, settings)
            assert words in shown, (rule, words, shown)
        note = " ".join(text_of(app.screen.query_one("#playbook-note")).split())
        assert "→ 3 more columns: → scrolls" in note, note


async def test_the_goals_filter_bar_shows_the_archived_count_at_80_columns(
    demo_url: str, tmp_path: Path
) -> None:
    """The bar of the goals' filters stopped at 's status: any (6)': 'A archived (0)',
    the key and how many goals it would show, was cut off. It wraps."""
    async with demo_app(demo_url, tmp_path, SMALL) as (app, pilot):
        await press(app, pilot, "3")
        bar = " ".join(text_of(app.screen.query_one("#goal-filters")).split())
        assert "A archived (0)" in bar, bar


async def test_the_tasks_show_whole_titles_in_a_wide_terminal(
    demo_url: str, tmp_path: Path
) -> None:
    """At 200 columns the Task column kept 52 cells with 50 free on the right: 'Call
    Silverline Freight: NPS 6 on 2026-11-23, no fol'. It takes the room left."""
    from tui.screens.tasks import TasksScreen

    # the playbook's tasks have the long titles ('Call X: NPS 6 on DAY, no follow-up yet')
    async with demo_app(demo_url, tmp_path, (200, 60), run_rules=True) as (app, pilot):
        await press(app, pilot, "4")
        screen = app.screen
        assert isinstance(screen, TasksScreen) and screen.queue is not None
        shown = text_of(screen.table)
        for title in screen.queue["title"].head(20):
            assert title in shown, title


async def test_the_dashboard_lists_and_goals_read_at_80_columns(
    demo_url: str, tmp_path: Path
) -> None:
    """Side by side, each list had 36 columns: the at-risk accounts' health read
    'yell', their why was off the edge, the renewal dates read '2026-'. Below 100
    columns the lists stack. The goals panel's rows, each narrowed its own way, put
    their percentages in different columns; they drop the bar before the alignment."""
    from textual.widgets import DataTable

    from tui.widgets.goal_progress import GoalProgress

    async with demo_app(demo_url, tmp_path, SMALL) as (app, pilot):
        await settle(app, pilot)
        at_risk = text_of(app.screen.query_one("#at-risk", DataTable))
        renewals = text_of(app.screen.query_one("#renewals", DataTable))
        assert "45 yellow" in at_risk and "Why" in at_risk, at_risk
        assert re.search(r"\b2026-12-\d\d\b", renewals), renewals
        rows = [text_of(row) for row in app.screen.query(GoalProgress)]
        assert len(rows) == 6
        # the progress: "42 %" then the values, right-aligned after two spaces or more
        percent = [re.search(r"\d+ %  ", row) for row in rows]
        assert len({match.end() for match in percent if match}) == 1, rows


@pytest.mark.parametrize(
    "keys",
    ["1", "2", "3", "4", ("2", "enter")],
    ids=["dashboard", "accounts", "goals", "tasks", "account 360"],
)
async def test_the_footer_shows_the_help_key_at_80_columns(
    demo_url: str, tmp_path: Path, keys: str | tuple[str, ...]
) -> None:
    """At 80 columns the footer's keys ran past its end: on the dashboard, the accounts
    list and the goals, '? Help' was cut or gone, as 'q Quit'. The footer is compact
    there, and '[ ]' (dashboard) and '+ -' (goals) share one description. The task
    queue's and the 360's keys need ~110 columns: there '? Help' and 'q Quit' come
    first."""
    async with demo_app(demo_url, tmp_path, SMALL) as (app, pilot):
        await press(app, pilot, *keys)
        footer_keys = {key.key: key for key in app.screen.query("FooterKey")}  # type: ignore[attr-defined]
        palette = footer_keys["ctrl+p"].region
        help_key = footer_keys["question_mark"].region
        assert help_key.width and help_key.right <= palette.x, (help_key, palette)
        # Textual's compact footer gives every key a cell of margin after it, the
        # palette's (docked right) too: the 360's 'l Log' showed its 'l' in that cell,
        # past '^p palette'
        assert palette.right == SMALL[0], palette
        assert text_of(app.screen).splitlines()[-1].endswith("^p palette")


async def test_the_accounts_bar_wraps_instead_of_being_cut_at_80_columns(
    demo_url: str, tmp_path: Path
) -> None:
    """The bar above the list is one line: with my book, a search and a sort on, at
    80 columns it stopped at '... · sorted by', the sort's column and direction and the
    columns out of view ('→ 5 more columns: c to choose') cut without a mark."""
    async with demo_app(demo_url, tmp_path, SMALL, start="accounts") as (app, pilot):
        await press(app, pilot, "m", "s", "s", "slash", "H", "a", "r", "b", "o", "r", "enter")
        shown = " ".join(text_of(app.screen.query_one("#filter-bar")).split())
        # Test User has no Harbor: the bar says how to widen the list (28eaf61)
        undo = "no account matches: escape clears the search, m shows the team's accounts"
        assert f'search "Harbor" · {undo} · sorted by MRR ↑ · → ' in shown, shown
        assert shown.endswith("more columns: c to choose"), shown


OPENED_AT_TOP = {
    **DIALOGS,
    "log form": ("2", "enter", "l"),
    "export": ("2", "x"),
    "override": ("2", "enter", "o"),
}


@pytest.mark.parametrize("dialog", list(OPENED_AT_TOP))
async def test_a_dialog_opens_on_its_title_at_80x24(
    demo_url: str, tmp_path: Path, dialog: str
) -> None:
    """At 80x24 the new goal form opened scrolled three lines down: 'New goal' and
    the label 'Title' above its first field were out of view, the form began with a
    bare input reading 'e.g. NPS above 50'; the new task form four lines down."""
    async with demo_app(demo_url, tmp_path, SMALL) as (app, pilot):
        await press(app, pilot, *OPENED_AT_TOP[dialog])
        assert app.screen.is_modal
        box = app.screen.query_one(".dialog")
        title = box.query(".dialog-title").first()
        assert box.scroll_y == 0 and on_screen(app, title), (box.scroll_y, text_of(app.screen))


@pytest.mark.parametrize("theme", ["ansi-dark", "ansi-light"])
async def test_every_screen_opens_in_an_ansi_theme(
    demo_url: str, tmp_path: Path, theme: str
) -> None:
    """The palette offers the terminal's own colours (ansi-dark, ansi-light). Chosen,
    the accounts list failed as it drew its rows ("'ansi_green' is not a valid color":
    the theme's colours are Textual's names, the bands' words took them as Rich's);
    in tmux the app then took no key but ctrl+p, and opened so again, the theme
    being saved. The bands' words take the terminal's green, yellow and red."""
    async with demo_app(demo_url, tmp_path, SIZE) as (app, pilot):
        app.theme = theme
        opened = {}
        for key in ("2", "enter", "3", "4", "1"):
            await press(app, pilot, key)
            opened[key] = type(app.screen).__name__
            if key == "2":
                assert " green " in text_of(app.screen.query_one("#accounts"))
        assert opened == {
            "2": "AccountsScreen",
            "enter": "AccountScreen",
            "3": "GoalsScreen",
            "4": "TasksScreen",
            "1": "DashboardScreen",
        }


async def test_the_footer_under_a_dialog_keeps_its_keys_at_80x24(
    demo_url: str, tmp_path: Path
) -> None:
    """The footer stays in view under a dialog at 80x24. Composed again as the new goal
    form opened, it listed the goals screen's keys without the app's: '⏎ Check in n New
    e Edit + - Step…', no '? Help', 'q Quit' nor '^p palette'. It keeps what it showed."""
    async with demo_app(demo_url, tmp_path, SMALL) as (app, pilot):
        await press(app, pilot, "3")
        before = text_of(app.screen).splitlines()[-1]
        assert before.startswith("? Help q Quit") and before.endswith("^p palette"), before
        for key in ("n", "escape", "enter"):  # the new goal form, then a check-in
            await press(app, pilot, key)
            await pilot.pause(0.2)
            await settle(app, pilot)
            under = app.screen_stack[-2] if app.screen.is_modal else app.screen
            assert text_of(under).splitlines()[-1] == before, key
        await press(app, pilot, "escape")
        assert text_of(app.screen).splitlines()[-1] == before
