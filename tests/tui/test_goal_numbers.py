"""The goal form and the check-in dialog, typed into by keys, read a number as a
custom field's number does (``core.numbers.typed_number``): "1e3", "1 500" and
digits other than 0-9 are refused under the field, and nothing is written (read back
with plain SQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from textual.widgets import Input, Select, Static

from core.goals import create_goal
from tests.rows import goal_form
from tests.tui.book import make_book
from tests.tui.conftest import press, running, type_text
from tui.app import CxtuiApp
from tui.screens.goal_checkin import CheckInScreen
from tui.screens.goal_form import GoalFormScreen
from tui.screens.goals import GoalsScreen

BAD = ["1e3", "1 500", "\u0661\u0665\u0660\u0660", "\uff11\uff15\uff10\uff10"]


def _rows(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql)).all()]


def _error(app: CxtuiApp, field: str) -> str:
    return str(app.screen.query_one(f"#error-{field}", Static).render())


async def _type_into(app: CxtuiApp, pilot, selector: str, typed: str) -> None:  # type: ignore[no-untyped-def]
    field = app.screen.query_one(selector, Input)
    field.focus()
    field.value = ""
    await type_text(pilot, typed)
    assert field.value == typed


@pytest.mark.parametrize("typed", BAD)
async def test_the_goal_form_refuses_a_target_that_is_not_a_number(
    db_url: str, engine: Engine, typed: str
) -> None:
    make_book(engine)
    before = _rows(engine, "SELECT count(*) FROM goal")
    async with running(db_url) as (app, pilot):
        await press(app, pilot, "3")
        assert isinstance(app.screen, GoalsScreen)
        await press(app, pilot, "n")
        form = app.screen
        assert isinstance(form, GoalFormScreen)
        assert form.query_one("#target_type", Select).value == "number"
        await _type_into(app, pilot, "#title", "Seats sold")
        await _type_into(app, pilot, "#target", typed)
        await press(app, pilot, "ctrl+s")
        assert app.screen is form  # refused: the form stays, with what was typed
        assert f'"{typed}" is not a number' in _error(app, "target")
        assert form.query_one("#target", Input).value == typed
    assert _rows(engine, "SELECT count(*) FROM goal") == before


@pytest.mark.parametrize("typed", BAD)
async def test_the_check_in_dialog_refuses_a_value_that_is_not_a_number(
    db_url: str, engine: Engine, typed: str
) -> None:
    make_book(engine)
    goal_id = create_goal(
        engine,
        goal_form(
            title="Seats sold",
            owner="Test User",
            start_date="2026-06-01",
            due_date="2026-08-31",
            target="5000",
        ),
    )
    before = _rows(engine, "SELECT count(*) FROM goal_checkin")
    async with running(db_url) as (app, pilot):
        await press(app, pilot, "3")
        screen = app.screen
        assert isinstance(screen, GoalsScreen)
        await press(app, pilot, "enter")
        dialog = app.screen
        assert isinstance(dialog, CheckInScreen) and dialog.view.goal.id == goal_id
        await _type_into(app, pilot, "#value", typed)
        await press(app, pilot, "ctrl+s")
        assert app.screen is dialog
        assert f'"{typed}" is not a number' in _error(app, "value")
    assert _rows(engine, "SELECT count(*) FROM goal_checkin") == before
