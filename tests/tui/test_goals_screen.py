"""Pilot tests of the goals screen (key ``3``) on a real temporary database: creating
each target type, refused inputs, check-ins and their conflict, ``+`` / ``-``,
``space``, history, archive, edit and the filters."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Sparkline, Static, TextArea

from core.goals import (
    GoalForm,
    archive,
    check_in,
    checkin_history,
    create_goal,
    get_goal,
    list_goals,
    validate_goal,
)
from core.models import Goal, GoalTask
from core.store.db import make_engine
from tests.tui.book import TODAY, make_book
from tests.tui.conftest import press, running, settle, text_of
from tui.app import CxtuiApp
from tui.screens.goal_checkin import CheckInScreen
from tui.screens.goal_form import GoalFormScreen
from tui.screens.goal_history import GoalHistoryScreen
from tui.screens.goals import STEP_PAUSE, GoalItem, GoalsScreen, TaskItem
from tui.widgets.goal_progress import GoalProgress

START, DUE = "2026-06-01", "2026-08-31"


def goal_form(title: str, owner: str, target_type: str, **fields: object) -> GoalForm:
    return GoalForm(
        title=title,
        owner=owner,
        start_date=START,
        due_date=DUE,
        target_type=target_type,
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture
def goals(engine: Engine) -> dict[str, int]:
    make_book(engine)
    forms = [
        goal_form(
            "Expansion MRR",
            "Test User",
            "currency",
            target="$20,000",
            step="500",
            scope_owner="Test User",
        ),
        goal_form("NPS above 50", "Dana Scully", "number", target="50", start="20"),
        goal_form("Advisory board", "CS team", "done"),
        goal_form("QBRs", "CS team", "tasks", tasks=["QBR with Acme", "QBR with Globex"]),
    ]
    return {form.title: create_goal(engine, form) for form in forms}


async def goals_screen(app: CxtuiApp, pilot: Pilot) -> GoalsScreen:
    await press(app, pilot, "3")
    screen = app.screen
    assert isinstance(screen, GoalsScreen), screen
    return screen


async def new_goal_form(app: CxtuiApp, pilot: Pilot) -> GoalFormScreen:
    """The goals screen, then ``n``: the new goal's form."""
    await goals_screen(app, pilot)
    await press(app, pilot, "n")
    form = app.screen
    assert isinstance(form, GoalFormScreen), form
    return form


def rows(screen: GoalsScreen) -> list[str]:
    """The goals' titles as listed."""
    return [item.view.goal.title for item in screen.query(GoalItem)]


def row_text(screen: GoalsScreen, title: str) -> str:
    item = next(item for item in screen.query(GoalItem) if item.view.goal.title == title)
    return text_of(item.query_one(GoalProgress))


async def move_to(screen: GoalsScreen, pilot: Pilot, title: str) -> None:
    items = list(screen.goal_list.children)
    screen.goal_list.index = next(
        index
        for index, item in enumerate(items)
        if isinstance(item, GoalItem) and item.view.goal.title == title
    )
    await pilot.pause()


async def press_on(app: CxtuiApp, pilot: Pilot, title: str, *keys: str) -> GoalsScreen:
    """The goals screen with the goal ``title`` highlighted, then ``keys`` pressed and
    what they started finished."""
    screen = await goals_screen(app, pilot)
    await move_to(screen, pilot, title)
    await press(app, pilot, *keys)
    return screen


def error_of(app: CxtuiApp, field: str) -> str:
    return str(app.screen.query_one(f"#error-{field}", Static).render())


def stored_goals(engine: Engine) -> list[Goal]:
    with Session(engine) as session:
        return list(session.exec(select(Goal).order_by(Goal.id)).all())


# ---------------------------------------------------------------------- creating


NEW_GOALS = [
    ("number", {"#target": "40", "#start": "10", "#step": "5"}, "10 / 40"),
    ("currency", {"#target": "$20,000", "#step": "$250"}, "$0.00 / $20,000.00"),
    ("percent", {"#target": "3", "#start": "5"}, "5.0 % / 3.0 %"),
    ("done", {}, "not done"),
    ("tasks", {}, "0 / 3 tasks"),
]


async def test_creating_each_target_type(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    async with running(db_url) as (app, pilot):
        screen = await goals_screen(app, pilot)
        for kind, fields, shown in NEW_GOALS:
            await press(app, pilot, "n")
            form = app.screen
            assert isinstance(form, GoalFormScreen)
            assert form.query_one("#owner", Input).value == "Test User"
            form.query_one("#title", Input).value = f"A {kind} goal"
            form.query_one("#target_type", Select).value = kind
            await pilot.pause()
            if kind == "percent":
                form.query_one("#direction", Select).value = "lower"
            if kind == "tasks":
                form.query_one("#tasks", TextArea).text = "Call Acme\nCall Globex\n\nCall Hooli"
            for selector, value in fields.items():
                form.query_one(selector, Input).value = value
            await press(app, pilot, "ctrl+s")
            assert app.screen is screen, kind
            new = stored_goals(engine)[-1]
            assert (new.title, new.target_type, new.owner) == (f"A {kind} goal", kind, "Test User")
            assert shown in row_text(screen, f"A {kind} goal")
    by_title = {goal.title: goal for goal in stored_goals(engine)}
    assert len(by_title) == len(goals) + len(NEW_GOALS)
    currency = by_title["A currency goal"]
    assert (currency.target_value, currency.step) == (Decimal(20000), Decimal(250))
    percent = by_title["A percent goal"]
    assert (percent.start_value, percent.target_value, percent.direction) == (5, 3, "lower")
    with Session(engine) as session:
        tasks = session.exec(
            select(GoalTask).where(GoalTask.goal_id == by_title["A tasks goal"].id)
        ).all()
    assert [task.title for task in tasks] == ["Call Acme", "Call Globex", "Call Hooli"]


REFUSED = [
    ({"#target": "20", "#start": "20"}, "target", "equals the start value"),
    ({"#start": "", "#due_date": "2026-05-01"}, "due_date", "is not after the start"),
    ({"#due_date": "2026-09-30", "#target": "20 %"}, "target", "is a percentage; a currency"),
    ({"#target": "-$500", "#start": "$1,000"}, "target", "-$500.00 is below zero"),
]


async def test_refused_inputs_write_nothing_and_keep_the_text(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    async with running(db_url) as (app, pilot):
        form = await new_goal_form(app, pilot)
        form.query_one("#title", Input).value = "Refused"
        form.query_one("#start_date", Input).value = "2026-06-10"
        form.query_one("#target_type", Select).value = "currency"
        for fields, field, words in REFUSED:
            for selector, value in fields.items():
                form.query_one(selector, Input).value = value
            await press(app, pilot, "ctrl+s")
            assert app.screen is form
            assert words in error_of(app, field)
            for selector, value in fields.items():
                assert form.query_one(selector, Input).value == value
            assert form.query_one("#title", Input).value == "Refused"
            assert len(stored_goals(engine)) == len(goals)
        await press(app, pilot, "escape")  # something was typed: asks first
        assert app.screen is not form
        await press(app, pilot, "y")
        assert isinstance(app.screen, GoalsScreen)
    assert len(stored_goals(engine)) == len(goals)


# ---------------------------------------------------------------------- changing


async def test_check_in_with_date_and_comment(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    async with running(db_url) as (app, pilot):
        screen = await press_on(app, pilot, "NPS above 50", "enter")
        form = app.screen
        assert isinstance(form, CheckInScreen)
        form.query_one("#value", Input).value = "35"
        form.query_one("#checked_on", Input).value = "2026-06-12"
        form.query_one("#comment", Input).value = "Survey wave 2"
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
        assert "35 / 50" in row_text(screen, "NPS above 50")
    [checkin] = checkin_history(engine, goals["NPS above 50"])
    assert (checkin.value, checkin.checked_on) == (Decimal(35), date(2026, 6, 12))
    assert (checkin.comment, checkin.checked_by) == ("Survey wave 2", "Test User")


async def test_a_check_in_on_an_ended_goal_is_dated_by_its_due_date(
    db_url: str, engine: Engine
) -> None:
    """Enter on a goal that ended offered today's date, and the value then counted
    nine months late ("achieved"); the dialog offers the due date, and a later day is
    refused under the date."""
    make_book(engine)
    ended = goal_form("Spring QBRs", "CS team", "number", target="10")
    ended.start_date, ended.due_date = "2026-03-01", "2026-05-31"  # before TODAY
    goal_id = create_goal(engine, ended)
    async with running(db_url) as (app, pilot):
        screen = await press_on(app, pilot, "Spring QBRs", "enter")
        assert isinstance(app.screen, CheckInScreen)
        day, value = (app.screen.query_one(f"#{name}", Input) for name in ("checked_on", "value"))
        assert day.value == "2026-05-31"  # the due date, not TODAY
        value.value, day.value = "10", "2026-06-01"
        await press(app, pilot, "ctrl+s")
        assert "the goal was due on 2026-05-31" in error_of(app, "checked_on")
        day.value = "2026-05-31"
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
        assert "achieved" in row_text(screen, "Spring QBRs")
    [checkin] = checkin_history(engine, goal_id)
    assert checkin.checked_on == date(2026, 5, 31)


async def test_a_bad_check_in_value_is_refused_in_words(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    async with running(db_url) as (app, pilot):
        await press_on(app, pilot, "Expansion MRR", "enter")
        app.screen.query_one("#value", Input).value = "12 %"
        await press(app, pilot, "ctrl+s")
        assert "is a percentage" in error_of(app, "value")
        assert app.screen.query_one("#value", Input).value == "12 %"
    assert checkin_history(engine, goals["Expansion MRR"]) == []


async def test_a_check_in_after_someone_elses_keeps_both(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    goal_id = goals["NPS above 50"]
    async with running(db_url) as (app, pilot):
        screen = await press_on(app, pilot, "NPS above 50", "enter")
        form = app.screen
        form.query_one("#value", Input).value = "41"
        form.query_one("#comment", Input).value = "mine"
        other = make_engine(db_url)  # somebody else, on their own connection
        try:
            check_in(other, goal_id, "38", "Dana Scully", TODAY)
        finally:
            other.dispose()
        await press(app, pilot, "ctrl+s")  # a check-in only adds history: never a conflict
        assert app.screen is screen
    history = checkin_history(engine, goal_id)
    assert [(c.value, c.checked_by) for c in history] == [
        (Decimal(38), "Dana Scully"),
        (Decimal(41), "Test User"),
    ]


async def test_plus_and_minus_step_by_the_step_size(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    async with running(db_url) as (app, pilot):
        screen = await press_on(app, pilot, "Expansion MRR", "plus", "plus")
        await pilot.press("minus")  # within the pause: still one check-in, of one step
        assert checkin_history(engine, goals["Expansion MRR"]) == []
        await pilot.pause(STEP_PAUSE + 0.3)
        await settle(app, pilot)
        assert "$500.00 / $20,000.00" in row_text(screen, "Expansion MRR")
        await move_to(screen, pilot, "Advisory board")
        await pilot.press("plus")
        assert any("hand-updated" in str(n.message) for n in app._notifications)
        await move_to(screen, pilot, "Expansion MRR")
        await pilot.press("plus")
        await press(app, pilot, "2")  # leaving the screen writes the presses waiting
    values = [c.value for c in checkin_history(engine, goals["Expansion MRR"])]
    assert values == [Decimal(500), Decimal(1000)]
    assert checkin_history(engine, goals["Advisory board"]) == []


async def test_an_ended_goal_says_at_once_that_it_takes_no_step(
    db_url: str, engine: Engine
) -> None:
    """+ on a goal past its due date said "+1 step, saved as one check-in when you
    pause", then, two seconds on, "checked_on: the goal was due on ..."; space on an
    ended done goal said "checked_on: ..." too (a field name in a toast)."""
    make_book(engine)
    for title, kind in (("Spring pipeline", "number"), ("Spring board", "done")):
        form = replace(goal_form(title, "CS team", kind, target="10"), due_date="2026-06-14")
        create_goal(engine, form)  # ended the day before TODAY
    async with running(db_url) as (app, pilot):
        await press_on(app, pilot, "Spring pipeline", "plus")
        said = [str(n.message) for n in app._notifications]
        assert said == [
            "the goal was due on 2026-06-14: a value after it does not count (edit the due date)"
        ]
        await press_on(app, pilot, "Spring board", "space")
        said = [str(n.message) for n in app._notifications]
        assert said[-1].startswith("the goal was due on 2026-06-14: a value after it")
    assert [checkin_history(engine, goal.id or 0) for goal in stored_goals(engine)] == [[], []]


async def test_space_toggles_a_done_goal_and_a_task(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    async with running(db_url) as (app, pilot):
        screen = await press_on(app, pilot, "Advisory board", "space")
        assert "achieved" in row_text(screen, "Advisory board")
        await move_to(screen, pilot, "QBRs")
        assert not screen.query(TaskItem)
        await press(app, pilot, "space")  # shows the tasks under the goal
        assert [item.goal_task.title for item in screen.query(TaskItem)] == [
            "QBR with Acme",
            "QBR with Globex",
        ]
        await press(app, pilot, "j", "j", "space")  # the second task
        assert "1 / 2 tasks" in row_text(screen, "QBRs")
        assert screen.goal_list.highlighted_child.id.startswith("task-")  # type: ignore[union-attr]
        await press(app, pilot, "space")  # and back
        assert "0 / 2 tasks" in row_text(screen, "QBRs")
        await press(app, pilot, "space")
    views = {view.goal.title: view for view in list_goals(engine, TODAY)}
    assert views["Advisory board"].current == 1
    assert [task.done_at is not None for task in views["QBRs"].tasks] == [False, True]


async def test_history_shows_the_check_ins_and_a_sparkline(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    goal_id = goals["NPS above 50"]
    for value, day, comment in (("25", 3, "first"), ("31", 8, ""), ("30", 12, "dip")):
        check_in(engine, goal_id, value, "Dana Scully", date(2026, 6, day), comment)
    async with running(db_url) as (app, pilot):
        screen = await press_on(app, pilot, "NPS above 50", "h")
        history = app.screen
        assert isinstance(history, GoalHistoryScreen)
        assert list(history.query_one(Sparkline).data or []) == [25.0, 31.0, 30.0]
        table = history.query_one(DataTable)
        assert [list(map(str, table.get_row_at(i))) for i in range(table.row_count)] == [
            ["2026-06-03", "25", "Dana Scully", "first"],
            ["2026-06-08", "31", "Dana Scully", ""],
            ["2026-06-12", "30", "Dana Scully", "dip"],
        ]
        assert text_of(history.query_one("#history-note")).strip() == (
            "3 check-ins from 2026-06-03 to 2026-06-12: 25 → 30 (start 20, target 50)"
        )
        # home and end: the first and last check-in (a Textual table scrolls sideways)
        assert app.focused is table
        await press(app, pilot, "end")
        assert table.cursor_row == 2
        await press(app, pilot, "home")
        assert table.cursor_row == 0
        await press(app, pilot, "escape")
        assert app.screen is screen


async def test_history_of_one_check_in_reads_as_one(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    """One check-in read '1 check-ins from 2026-06-08 to 2026-06-08: 31 → 31 (target
    50)' (seen in tmux on the demo book): a plural, a span of one day, a move from a
    value to itself, and not where the goal started."""
    check_in(engine, goals["Expansion MRR"], "$1,250.50", "Test User", date(2026, 6, 8))
    start = get_goal(engine, goals["Expansion MRR"]).start_value  # as stored
    async with running(db_url) as (app, pilot):
        await press_on(app, pilot, "Expansion MRR", "h")
        history = app.screen
        assert isinstance(history, GoalHistoryScreen)
        assert text_of(history.query_one("#history-note")).strip() == (
            f"1 check-in, on 2026-06-08: $1,250.50 (start ${start:,.2f}, target $20,000.00)"
        )
        assert not history.query_one(Sparkline).display  # one value draws no line


async def test_history_marks_the_check_ins_the_goals_dates_no_longer_hold(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    """A goal's start edited to after a check-in leaves the check-in in its history,
    no longer counted: the history showed it as any other."""
    goal_id = goals["NPS above 50"]
    check_in(engine, goal_id, "25", "Dana Scully", date(2026, 6, 3), "kick-off")
    check_in(engine, goal_id, "31", "Dana Scully", date(2026, 6, 20))
    with Session(engine) as session:
        goal = session.get(Goal, goal_id)
        assert goal is not None
        goal.start_date = date(2026, 6, 10)
        session.add(goal)
        session.commit()
    async with running(db_url) as (app, pilot):
        await press_on(app, pilot, "NPS above 50", "h")
        table = app.screen.query_one(DataTable)
        assert [str(table.get_row_at(i)[3]) for i in range(table.row_count)] == [
            "before the start (2026-06-10): not counted · kick-off",
            "",
        ]


async def test_archive_after_confirmation(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    async with running(db_url) as (app, pilot):
        screen = await press_on(app, pilot, "NPS above 50", "a")
        await press(app, pilot, "n")  # not archived
        assert get_goal(engine, goals["NPS above 50"]).archived_at is None
        await press(app, pilot, "a")
        await press(app, pilot, "y")
        assert "NPS above 50" not in rows(screen)
        assert get_goal(engine, goals["NPS above 50"]).archived_at is not None
        # the goal gone from the list is said, and how to bring it back
        said = [str(note.message) for note in app._notifications]
        assert said[-1] == (
            "Archived: NPS above 50. A shows the archived goals; a on it brings it back."
        )
        await press(app, pilot, "A")
        assert rows(screen) == ["NPS above 50"]
        assert "archived" in row_text(screen, "NPS above 50")
        # undone: a on the archived goal brings it back, after asking
        await press(app, pilot, "a")
        assert "back from the archive" in text_of(app.screen.query_one(".dialog-text"))
        await press(app, pilot, "y")
        assert rows(screen) == []
        assert get_goal(engine, goals["NPS above 50"]).archived_at is None
        said = [str(note.message) for note in app._notifications]
        assert said[-1] == "Restored: NPS above 50 is among the active goals again."
        await press(app, pilot, "A")
        assert "NPS above 50" in rows(screen)


async def test_edit_saves_a_new_version_and_keeps_the_check_ins(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    goal_id = goals["NPS above 50"]
    check_in(engine, goal_id, "35", "Dana Scully", date(2026, 6, 10))
    async with running(db_url) as (app, pilot):
        screen = await press_on(app, pilot, "NPS above 50", "e")
        form = app.screen
        assert isinstance(form, GoalFormScreen)
        assert form.query_one("#target", Input).value == "50"
        form.query_one("#title", Input).value = "NPS above 45"
        form.query_one("#target", Input).value = "45"
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
        assert "35 / 45" in row_text(screen, "NPS above 45")
    goal = get_goal(engine, goal_id)
    assert (goal.title, goal.target_value, goal.version) == ("NPS above 45", Decimal(45), 2)
    assert [c.value for c in checkin_history(engine, goal_id)] == [Decimal(35)]
    from core.goals import goal_edits

    (edit,) = goal_edits(engine, goal_id)
    assert edit.edited_by == "Test User"  # the app's user, from CXTUI_USER
    assert edit.changes["title"] == ("NPS above 50", "NPS above 45")


# ---------------------------------------------------------------------- filters


async def test_saving_an_edit_that_kept_the_title_and_dates(db_url: str, engine: Engine) -> None:
    """A goal whose title names a quarter its dates are not (the demo's, shifted to
    the day it is loaded): e, a new owner, ctrl+s saved nothing and said 'the title
    says "this quarter": run it from 2026-04-01 to 2026-06-30, or change the title'."""
    make_book(engine)
    form = goal_form("Churn below 3 %", "CS team", "number", target="3", start="5")
    goal = validate_goal(replace(form, direction="lower"))
    goal.title += " this quarter"  # its dates (June to August) are no quarter
    with Session(engine) as session:
        session.add(goal)
        session.commit()
    async with running(db_url) as (app, pilot):
        screen = await press_on(app, pilot, "Churn below 3 % this quarter", "e")
        assert isinstance(app.screen, GoalFormScreen)
        app.screen.query_one("#owner", Input).value = "Dana Scully"
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
    assert [goal.owner for goal in stored_goals(engine)] == ["Dana Scully"]


async def test_filters_mine_team_status_and_archived(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    check_in(engine, goals["NPS above 50"], "30", "Dana Scully", TODAY, today=TODAY)  # 1/3 way
    async with running(db_url) as (app, pilot):
        screen = await goals_screen(app, pilot)
        assert rows(screen) == ["Advisory board", "QBRs", "NPS above 50", "Expansion MRR"]
        bar = text_of(screen.query_one("#goal-filters"))
        assert "4 of 4 active goals" in bar and "m mine (1)" in bar and "t team (3)" in bar
        await press(app, pilot, "m")
        assert rows(screen) == ["Expansion MRR"]
        await press(app, pilot, "t")
        assert rows(screen) == ["Advisory board", "QBRs", "NPS above 50"]
        await press(app, pilot, "t")
        statuses = {view.goal.title: view.status for view in list_goals(engine, TODAY)}
        await press(app, pilot, "s")  # on track
        assert rows(screen) == [t for t, status in statuses.items() if status == "on track"]
        await press(app, pilot, "s")  # at risk
        assert rows(screen) == [t for t, status in statuses.items() if status == "at risk"]
        assert "status: at risk" in text_of(screen.query_one("#goal-filters"))
        for _ in range(4):  # off track, achieved, missed, any
            await pilot.press("s")
        await settle(app, pilot)
        assert len(rows(screen)) == 4
        await press(app, pilot, "A")
        assert rows(screen) == []
        assert "No goals match these filters" in text_of(screen.query_one("#goals-empty"))


async def test_the_list_has_the_keys_again_after_a_filter_that_matched_nothing(
    db_url: str, goals: dict[str, int]
) -> None:
    """s through "missed (0)" hid the list, which lost the focus: back on "any", enter
    checked nothing in and the footer had no "Check in" until a click."""
    async with running(db_url) as (app, pilot):
        screen = await goals_screen(app, pilot)
        while rows(screen):
            await press(app, pilot, "s")
        while screen.where.status is not None:
            await press(app, pilot, "s")
        assert len(rows(screen)) == 4 and app.focused is screen.goal_list
        await move_to(screen, pilot, "NPS above 50")
        await press(app, pilot, "enter")
        assert isinstance(app.screen, CheckInScreen)


async def test_no_goals_says_how_to_set_one(db_url: str, engine: Engine) -> None:
    make_book(engine)
    async with running(db_url) as (app, pilot):
        screen = await goals_screen(app, pilot)
        assert "No goals yet. Press n to set one" in text_of(screen.query_one("#goals-empty"))
        assert screen.export_view() is not None


async def test_export_view_follows_the_mine_filter(db_url: str, goals: dict[str, int]) -> None:
    async with running(db_url) as (app, pilot):
        screen = await goals_screen(app, pilot)
        kind, filters = screen.export_view()  # type: ignore[misc]
        assert (kind, filters.scope.owner, filters.as_of) == ("goals", None, TODAY)
        await press(app, pilot, "m")
        assert screen.export_view()[1].scope.owner == "Test User"  # type: ignore[index]


async def test_a_metric_linked_goal_records_its_value_and_takes_no_check_in(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    surveys_start = goal_form(
        "NPS from surveys", "CS team", "number", target="60", metric="nps", start="0"
    )
    surveys_start.start_date = "2026-05-01"  # the book's surveys were answered on 05-31
    goal_id = create_goal(engine, surveys_start)
    async with running(db_url) as (app, pilot):
        screen = await goals_screen(app, pilot)
        [view] = [v for v in screen.views if v.goal.id == goal_id]
        assert view.current is not None
        [computed] = checkin_history(engine, goal_id)  # today's value, for the history
        assert (computed.value, computed.checked_on) == (view.current, TODAY)
        assert computed.computed
        await move_to(screen, pilot, "NPS from surveys")
        await press(app, pilot, "enter")
        assert app.screen is screen
        assert any("follows the metric NPS:" in str(n.message) for n in app._notifications)
        await press(app, pilot, "h")
        table = app.screen.query_one(DataTable)
        assert str(table.get_row_at(0)[2]) == "computed (metrics)"


async def test_history_shows_the_definitions_an_edit_replaced(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    from core.goals import form_of, update_goal

    goal_id = goals["NPS above 50"]
    check_in(engine, goal_id, "35", "Dana Scully", date(2026, 6, 10))
    stored = get_goal(engine, goal_id)
    edited = form_of(stored, [])
    edited.title, edited.target = "NPS above 45", "45"
    update_goal(engine, goal_id, edited, stored.version, edited_by="Fox Mulder")
    async with running(db_url) as (app, pilot):
        screen = await press_on(app, pilot, "NPS above 45", "h")
        history = app.screen
        assert isinstance(history, GoalHistoryScreen)
        assert history.query_one("#history-table", DataTable).row_count == 1  # the check-in
        edits = text_of(history.query_one("#history-edits"))
        assert "Fox Mulder" in edits
        for line in (("title", "NPS above 50", "NPS above 45"), ("target", "50", "45")):
            assert any(all(word in row for word in line) for row in edits.splitlines())
        await pilot.press("escape")
        await move_to(screen, pilot, "QBRs")  # never edited
        await press(app, pilot, "h")
        assert "Definition never edited." in text_of(app.screen.query_one("#history-edits"))


async def test_the_period_choice_fills_the_calendar_dates(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    from core.periods import Period

    async with running(db_url) as (app, pilot):
        form = await new_goal_form(app, pilot)
        period = form.query_one("#period", Select)
        assert period.value == "custom"  # today + 90 days
        quarter = Period.quarter_of(TODAY)
        period.value = "quarter"
        await pilot.pause()
        start, due = (
            form.query_one(f"#{name}", Input).value for name in ("start_date", "due_date")
        )
        assert (start, due) == (quarter.start.isoformat(), quarter.end.isoformat())
        form.query_one("#due_date", Input).value = (quarter.end + timedelta(days=1)).isoformat()
        await pilot.pause()
        assert period.value == "custom"  # dates typed by hand say what they are
        form.query_one("#title", Input).value = "Churn down this quarter"
        form.query_one("#target", Input).value = "20"
        await press(app, pilot, "ctrl+s")
        assert "the title says" in text_of(form.query_one("#error-start_date"))


async def test_the_highlighted_goal_says_why_it_has_its_status(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    async with running(db_url) as (app, pilot):
        screen = await goals_screen(app, pilot)
        await pilot.press("j")
        await pilot.pause()
        view = screen.current_view()
        assert view is not None and view.why
        due = f"due {DUE}, {(date.fromisoformat(DUE) - TODAY).days} days left"
        assert text_of(screen.query_one("#goal-why")).strip() == (
            f"{view.goal.title}: {view.why} · {due}"
        )


async def test_at_80x24_the_highlighted_goal_says_when_it_is_due(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    """Below ~100 columns a goal's row gives up its days left: at 80x24 nothing on the
    goals screen said when a goal was due (seen in tmux on the demo book). The line
    under the list says it, whole, for the goal highlighted; an archived one says so."""
    from tests.tui.conftest import SMALL

    async with running(db_url) as (app, pilot):
        await pilot.resize_terminal(*SMALL)
        screen = await press_on(app, pilot, "NPS above 50")
        assert "days left" not in row_text(screen, "NPS above 50")  # the row gave it up
        why = screen.query_one("#goal-why")
        words = " ".join(text_of(why).split())
        assert words.startswith("NPS above 50: ")
        assert words.endswith(" · due 2026-08-31, 77 days left"), words  # 15 Jun to 31 Aug
        assert screen.region.contains_region(why.region) and why.region.height <= 2
        archive(engine, get_goal(engine, goals["NPS above 50"]))
        await press(app, pilot, "1", "3", "A")  # the archived goals, read again
        assert " ".join(text_of(why).split()).endswith(" · archived")


async def test_history_shows_text_from_the_book_as_typed(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    """A check-in's comment and an edited title are shown literally: a DataTable (and
    a Rich table) read a string as markup, and '[/] ...' closed the app."""
    from core.goals import form_of, update_goal

    goal_id = goals["NPS above 50"]
    check_in(engine, goal_id, "35", "Dana Scully", date(2026, 6, 10), comment="[/] up [b]x")
    stored = get_goal(engine, goal_id)
    edited = form_of(stored, [])
    edited.title = "[/] NPS [red]45[/red]"
    update_goal(engine, goal_id, edited, stored.version, edited_by="Fox Mulder")
    async with running(db_url) as (app, pilot):
        await press_on(app, pilot, "[/] NPS [red]45[/red]", "h")
        history = app.screen
        assert isinstance(history, GoalHistoryScreen)
        table = history.query_one("#history-table", DataTable)
        assert str(table.get_row_at(0)[3]) == "[/] up [b]x"
        assert "[/] NPS [red]45[/red]" in text_of(history.query_one("#history-edits"))


async def test_a_check_in_before_the_goals_start_is_refused_under_its_date(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    """A check-in dated 2026-05-20 on a goal that starts on 2026-06-01 was taken."""
    async with running(db_url) as (app, pilot):
        await press_on(app, pilot, "NPS above 50", "enter")
        form = app.screen
        form.query_one("#value", Input).value = "35"
        form.query_one("#checked_on", Input).value = "2026-05-20"
        await press(app, pilot, "ctrl+s")
        assert isinstance(app.screen, CheckInScreen)
        words = "2026-05-20 is before the goal's start on 2026-06-01"
        assert words in error_of(app, "checked_on")
        assert form.query_one("#value", Input).value == "35"  # what was typed stays
    assert checkin_history(engine, goals["NPS above 50"]) == []


async def test_a_decimal_comma_is_read_as_a_custom_field_reads_it(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    """A target of "2,5" was refused ("a comma separates thousands") while the 360's
    number fields read it as 2.5; "1,500" stays fifteen hundred."""
    async with running(db_url) as (app, pilot):
        form = await new_goal_form(app, pilot)
        form.query_one("#title", Input).value = "Seats per account"
        for selector, value in {"#start": "0,5", "#target": "2,5", "#step": "1,500"}.items():
            form.query_one(selector, Input).value = value
        await press(app, pilot, "ctrl+s")
        assert isinstance(app.screen, GoalsScreen), error_of(app, "target")
    new = stored_goals(engine)[-1]
    assert (new.start_value, new.target_value, new.step) == (Decimal("0.5"), 2.5, 1500)


async def test_a_target_not_reached_never_shows_100_percent(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    """ "NPS above 50" at 49.9 showed " 100 % " on its row, and "on track"."""
    check_in(engine, goals["NPS above 50"], "49.9", "Dana Scully", TODAY, today=TODAY)
    async with running(db_url) as (app, pilot):
        screen = await goals_screen(app, pilot)
        assert "  99 % " in row_text(screen, "NPS above 50")


async def test_dates_typed_for_another_quarter_are_kept(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    """Next quarter's dates typed by hand (2026-07-01 to 2026-09-30) were replaced, as
    the last digit went in, by this quarter's (2026-04-01 to 2026-06-30): the dates
    said "a quarter", the period choice took "This quarter" and filled its dates."""
    async with running(db_url) as (app, pilot):
        form = await new_goal_form(app, pilot)
        form.query_one("#title", Input).value = "Next quarter"
        form.query_one("#target", Input).value = "20"
        for name, day in (("start_date", "2026-07-01"), ("due_date", "2026-09-30")):
            field = form.query_one(f"#{name}", Input)
            field.focus()
            field.value = ""
            await pilot.press(*day)
        await pilot.pause()
        dates = [form.query_one(f"#{name}", Input).value for name in ("start_date", "due_date")]
        assert dates == ["2026-07-01", "2026-09-30"]
        assert form.query_one("#period", Select).value == "custom"  # not this quarter
        await press(app, pilot, "ctrl+s")
        assert isinstance(app.screen, GoalsScreen)
    new = stored_goals(engine)[-1]
    assert (new.start_date, new.due_date) == (date(2026, 7, 1), date(2026, 9, 30))


async def test_a_goal_not_begun_or_archived_says_so_before_anything_is_typed(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    """Enter on a goal that starts next month, or an archived one, opened the check-in
    dialog, and only the value typed and saved was refused; + pressed was refused once
    the presses paused. Now said at once, and no dialog opens."""
    later = goal_form("Next month", "CS team", "number", target="10", step="1")
    later.start_date, later.due_date = "2026-07-01", "2026-09-30"
    goal_id = create_goal(engine, later)
    archive(engine, get_goal(engine, goals["NPS above 50"]))
    async with running(db_url) as (app, pilot):
        screen = await press_on(app, pilot, "Next month", "enter")
        assert app.screen is screen
        await press(app, pilot, "plus")
        await press(app, pilot, "A")  # the archived goals
        await move_to(screen, pilot, "NPS above 50")
        await press(app, pilot, "enter")
        assert app.screen is screen
        said = [str(n.message) for n in app._notifications]
    words = "2026-06-15 is before the goal's start on 2026-07-01: it had not begun"
    assert said.count(words) == 2 and any("it was archived on" in words for words in said)
    assert checkin_history(engine, goal_id) == []


async def test_the_forms_dates_read_today_and_plus_days_as_the_command_does(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    """The form's dates took only YYYY-MM-DD ('"+90d" is not a date') while `cxtui goal
    create --from today --due +90d` and the check-in's date read them: +90d is the
    goal's length from its first day."""
    async with running(db_url) as (app, pilot):
        form = await new_goal_form(app, pilot)
        form.query_one("#title", Input).value = "Onboard the new logos"
        form.query_one("#target", Input).value = "12"
        form.query_one("#start_date", Input).value = "tomorrow"
        form.query_one("#due_date", Input).value = "+30d"
        await press(app, pilot, "ctrl+s")
        assert isinstance(app.screen, GoalsScreen), error_of(app, "due_date")
    new = stored_goals(engine)[-1]
    tomorrow = TODAY + timedelta(days=1)
    assert (new.start_date, new.due_date) == (tomorrow, tomorrow + timedelta(days=30))


async def test_home_and_end_go_to_the_first_and_last_goal(
    db_url: str, goals: dict[str, int]
) -> None:
    """home and end scrolled the list and left the highlight where it was. The owners'
    headings take no highlight, so home is the first goal, not the first line."""
    async with running(db_url) as (app, pilot):
        screen = await goals_screen(app, pilot)
        items = list(screen.goal_list.children)
        chosen = [index for index, item in enumerate(items) if not item.disabled]
        assert items[0].disabled and len(chosen) > 2
        await press(app, pilot, "end")
        assert screen.goal_list.index == chosen[-1]
        await press(app, pilot, "home")
        assert screen.goal_list.index == chosen[0]
        await press(app, pilot, "question_mark")
        keys = text_of(app.screen.query_one("#help-keys"))
        assert "First row" in keys and "Last row" in keys, keys


# ---------------------------------------------------------------------- what a save says


def said(app: CxtuiApp) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


async def test_a_check_in_and_a_goal_saved_say_so(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    """A check-in closed its dialog with nothing said but the row's new figure (seen in
    tmux on the demo book: 42 % then 52 %, no word that it was written); a goal's edit
    the same. Each now says what was saved."""
    from sqlalchemy import text

    async with running(db_url) as (app, pilot):
        screen = await press_on(app, pilot, "Expansion MRR", "enter")
        assert isinstance(app.screen, CheckInScreen)
        await press(app, pilot, *"4,250", "tab", "tab", *"Two upsells", "ctrl+s")
        assert app.screen is screen
        with engine.connect() as connection:
            value, day = connection.execute(
                text("SELECT value, checked_on FROM goal_checkin WHERE comment = 'Two upsells'")
            ).one()
        assert f"Checked in: Expansion MRR at ${Decimal(str(value)):,.2f} on {day}." in said(app)

        await press(app, pilot, "e")
        assert isinstance(app.screen, GoalFormScreen)
        await press(app, pilot, "end", *" (Q3)", "ctrl+s")
        assert app.screen is screen
        with engine.connect() as connection:
            (title,) = connection.execute(
                text("SELECT title FROM goal WHERE id = :id"), {"id": goals["Expansion MRR"]}
            ).one()
        assert title == "Expansion MRR (Q3)"
        assert f"Goal saved: {title}." in said(app)


async def test_at_80x24_a_refusal_shows_its_field(db_url: str, engine: Engine) -> None:
    """At 80x24 the new goal form shows its title, owner and scope: ctrl+s with no
    target wrote its refusal under the target, out of view, the cursor left in the
    title, and nothing on screen changed (seen in tmux on the demo book). The target
    now comes into view with its refusal, the cursor in it; nothing is written."""
    from sqlalchemy import text

    from tests.tui.conftest import SMALL

    make_book(engine)
    async with running(db_url) as (app, pilot):
        await pilot.resize_terminal(*SMALL)
        form = await new_goal_form(app, pilot)
        await press(app, pilot, *"Renewals saved", "ctrl+s")
        assert app.screen is form
        error = form.query_one("#error-target", Static)
        assert str(error.render())  # refused: no target
        assert form.focused is form.query_one("#target")
        dialog = form.query_one(".dialog")
        assert dialog.can_view_entire(error), (error.region, dialog.region)
        await press(app, pilot, *"12", "ctrl+s")
        assert app.screen is not form
    with engine.connect() as connection:
        titles = connection.execute(text("SELECT title, target_value FROM goal")).all()
    assert [(title, float(target)) for title, target in titles] == [("Renewals saved", 12.0)]


async def test_a_rate_goal_starts_from_its_metric_and_says_why_below_its_line(
    db_url: str, engine: Engine
) -> None:
    """A new "NRR above 105" goal with its start left blank (the placeholder said 0)
    started from 0 and read "on track: the line is not kept so far" at NRR 103.9 %.
    The placeholder says where it starts, the save says it (NRR over the 92 days
    before: 9,800 / 10,000), and the goal reads at risk below its line."""
    from tests.rows import nrr_book

    with Session(engine) as session:
        nrr_book(session, date(2026, 6, 1))
        session.commit()
    async with running(db_url) as (app, pilot):
        form = await new_goal_form(app, pilot)
        await press(app, pilot, *"NRR above 105")
        form.query_one("#target_type", Select).value = "percent"
        await pilot.pause()
        assert form.query_one("#start", Input).placeholder == "0"
        form.query_one("#metric", Select).value = "nrr_pct"
        await pilot.pause()
        assert form.query_one("#start", Input).placeholder == "the metric before the start"
        form.query_one("#start_date", Input).value = START
        form.query_one("#due_date", Input).value = DUE
        form.query_one("#target", Input).value = "105"
        await press(app, pilot, "ctrl+s")
        screen = app.screen
        assert isinstance(screen, GoalsScreen)
        assert said(app)[-1] == (
            "Goal created: NRR above 105: its start, 98.0 %, is NRR over 2026-03-01 to "
            "2026-05-31, as long before the goal as it runs (e sets another)."
        )
        [goal] = stored_goals(engine)
        assert goal.start_value == Decimal("98.0")
        assert "at risk" in row_text(screen, "NRR above 105")
        why = str(screen.query_one("#goal-why", Static).render())
        gone = round(100 * 14 / 91)  # 1 to 15 June of 1 June to 31 August
        assert why.startswith(
            f"NRR above 105: at risk: NRR 103.9 % is below the 105.0 % line so far, "
            f"{gone} % of time gone; it counts on {DUE}"
        )


async def test_plus_on_a_goal_without_a_step_moves_it_by_a_share_and_says_so(
    db_url: str, engine: Engine
) -> None:
    """+ on a $20,000 goal with no step set moved it by $1, and the check-in was written
    without a word once the presses paused. A step is now a twentieth of the way
    ($1,000), the write is said, and u brings the value back (both kept)."""
    make_book(engine)
    goal_id = create_goal(engine, goal_form("Pipeline", "CS team", "currency", target="$20,000"))
    async with running(db_url) as (app, pilot):
        screen = await press_on(app, pilot, "Pipeline", "plus", "plus")
        assert said(app)[-1].startswith("Pipeline: +$2,000.00 (+2 steps of $1,000.00), saved")
        await pilot.pause(STEP_PAUSE + 0.3)
        await settle(app, pilot)
        assert said(app)[-1] == "Checked in: Pipeline at $2,000.00 (+$2,000.00). u undoes it."
        assert "$2,000.00 / $20,000.00" in row_text(screen, "Pipeline")
        await press(app, pilot, "u")
        assert said(app)[-1] == (
            "Undone: Pipeline is back at $0.00 (both check-ins stay in its history)."
        )
        assert "$0.00 / $20,000.00" in row_text(screen, "Pipeline")
        await press(app, pilot, "u")
        assert said(app)[-1] == "No + / - to undo."
    values = [checkin.value for checkin in checkin_history(engine, goal_id)]
    assert values == [Decimal(20_000) / 20 * 2, Decimal(0)]


async def test_a_new_goal_gets_the_cursor(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    """After n and ctrl+s the cursor stayed on the row it was on (the first goal), not
    on the goal just created; it is on the new goal now, wherever its owner puts it."""
    async with running(db_url) as (app, pilot):
        form = await new_goal_form(app, pilot)
        screen = app.screen_stack[-2]
        assert isinstance(screen, GoalsScreen)
        first = screen.current_view()
        await press(app, pilot, *"Renewal calls", "tab", "ctrl+u", *"CS team")
        form.query_one("#target", Input).value = "12"
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
        [new] = [goal for goal in stored_goals(engine) if goal.title == "Renewal calls"]
        highlighted = screen.current_view()
        assert first is not None and first.goal.title != "Renewal calls"
        assert highlighted is not None and highlighted.goal.id == new.id
        assert rows(screen).index("Renewal calls") != 0


async def test_on_a_task_row_the_footer_says_enter_ticks_it(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    """On a task under a task-list goal the footer read '⏎ Check in' while enter ticked
    the task. It reads '⏎ Tick / untick' there, and '⏎ Check in' on a goal's row."""
    async with running(db_url) as (app, pilot):
        screen = await press_on(app, pilot, "QBRs", "enter", "down")
        assert isinstance(screen.current_item(), TaskItem)
        footer = text_of(screen).splitlines()[-1]
        assert "⏎ Tick / untick" in footer and "Check in" not in footer
        await press(app, pilot, "enter")
        with Session(engine) as session:
            ticked = session.exec(
                select(GoalTask.title).where(col(GoalTask.done_at).is_not(None))
            ).all()
        assert ticked == ["QBR with Acme"]
        await press(app, pilot, "up")
        footer = text_of(screen).splitlines()[-1]
        assert "⏎ Check in" in footer and "Tick" not in footer


async def test_archive_acts_on_the_goal_as_it_is_when_written(
    db_url: str, engine: Engine, goals: dict[str, int]
) -> None:
    """a, then someone's edit of the goal while the question was open, then y: the
    archive was written on the goal as it was when a was pressed, and refused as a
    conflict ('was changed by someone else'). It acts on the goal as it is now."""
    from core.goals import form_of, update_goal

    goal_id = goals["NPS above 50"]
    async with running(db_url) as (app, pilot):
        await press_on(app, pilot, "NPS above 50", "a")
        stored = get_goal(engine, goal_id)
        edited = replace(form_of(stored, []), target="60")
        update_goal(engine, goal_id, edited, stored.version, edited_by="Dana Scully")
        await press(app, pilot, "y")
        assert said(app)[-1].startswith("Archived: NPS above 50.")
    archived = get_goal(engine, goal_id)
    assert archived.archived_at is not None and archived.target_value == 60
