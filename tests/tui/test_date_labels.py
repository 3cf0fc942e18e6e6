"""Every date field of the app says what it takes, from one place
(``core.dates.DAY_HINT``): the labels said "(YYYY-MM-DD)" although each field reads
``core.dates.parse_day``, which takes "today", "+14d", "next monday" too; the task
form's said "+N days", which it refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from textual.screen import Screen
from textual.widgets import Input, Label

from core.dates import DAY_HINT, parse_day
from core.goals import create_goal
from core.goals.form import GoalForm
from tests.tui.book import TODAY
from tests.tui.conftest import press, running, text_of


def _labels(screen: Screen[object]) -> list[str]:
    return [text_of(label).strip() for label in screen.query(Label)]


def test_the_hint_is_true() -> None:
    """Each form the hint names is read, as the hint means it."""
    assert parse_day("2026-06-01", TODAY).isoformat() == "2026-06-01"
    assert parse_day("today", TODAY) == TODAY
    assert parse_day("+14d", TODAY) == TODAY + timedelta(days=14)
    assert DAY_HINT == "YYYY-MM-DD, today, +14d"


async def test_every_date_field_says_what_it_takes(
    db_url: str, engine: Engine, book: dict[str, int]
) -> None:
    dates = {"start_date": TODAY.isoformat(), "due_date": (TODAY + timedelta(days=90)).isoformat()}
    form = GoalForm("NPS above 50", "Test User", target_type="number", target="50", **dates)
    create_goal(engine, form)
    hint = f"({DAY_HINT})"
    async with running(db_url) as (app, pilot):
        await press(app, pilot, "enter")  # the first account's 360
        await press(app, pilot, "o")
        assert f"Expires on {hint}" in _labels(app.screen), _labels(app.screen)
        await press(app, pilot, "escape", "l")
        follow_up = app.screen.query_one("#follow-up", Input)
        assert follow_up.placeholder == f"optional, a task: {DAY_HINT}"
        await press(app, pilot, "escape", "escape", "4", "n")
        assert f"Due {hint}" in _labels(app.screen), _labels(app.screen)
        await press(app, pilot, "escape", "3", "n")
        assert f"Start and due: {DAY_HINT}" in _labels(app.screen), _labels(app.screen)
        for name in ("start_date", "due_date"):
            assert app.screen.query_one(f"#{name}", Input).placeholder == DAY_HINT
        await press(app, pilot, "escape", "enter")  # a check-in of the goal
        assert f"Date {hint}" in _labels(app.screen), _labels(app.screen)


async def test_the_log_forms_hints_fit_at_80_columns(db_url: str, book: dict[str, int]) -> None:
    """At 80 columns the When field's hint lost its last word ("... 2026-03-01 14:0")."""
    from rich.cells import cell_len

    from core.config.settings import Settings
    from tests.tui.conftest import SMALL, settle
    from tui.app import make_app

    app = make_app(db_url, today=TODAY, settings=Settings(), recompute_health=False)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2", "enter", "l")
        fields = [field for field in app.screen.query(Input) if field.region.width]  # shown
        assert any(field.id == "when" for field in fields)
        for field in fields:
            room = field.content_size.width - 1  # the cursor's cell after the text
            assert cell_len(field.placeholder) <= room, (field.id, field.placeholder, room)
