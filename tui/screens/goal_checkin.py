"""``enter`` on a goal: a check-in (value, date, comment) through
``core.goals.check_in``, dated today (an ended goal: its due date). A refusal is shown
under its field and what was typed is kept; a check-in never conflicts with another."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from core.dates import day_label
from core.goals import GoalError, format_value
from core.text import visible
from tui.screens.dialog import save_cancel_buttons
from tui.screens.goal_form import GoalDialog

if TYPE_CHECKING:
    from core.goals import GoalView

PLACEHOLDERS = {
    "number": "e.g. 42",
    "currency": "e.g. $12,500",
    "percent": "e.g. 3.5 %",
    "done": "1 (done) or 0 (not done)",
}


class CheckInScreen(GoalDialog):
    def __init__(self, view: GoalView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        goal = self.view.goal
        today: date = min(self.app.today, goal.due_date)  # a goal's value by its due date
        with Vertical(classes="dialog goal-dialog", id="goal-checkin"):
            yield Static(f"Check in: {goal.title}", classes="dialog-title", markup=False)
            yield Static(
                f"Now {format_value(goal.target_type, self.view.current)}, "
                f"target {format_value(goal.target_type, goal.target_value)}",
                id="checkin-now",
                classes="dialog-text",
                markup=False,
            )
            with Horizontal(classes="form-row"):
                yield self.text_field(
                    "value", "Value", placeholder=PLACEHOLDERS.get(goal.target_type, "")
                )
                yield self.text_field("checked_on", day_label("Date"), today.isoformat())
            yield self.text_field("comment", "Comment", placeholder="What changed")
            yield Static("", id="dialog-error", classes="field-error", markup=False)
            yield save_cancel_buttons()

    def on_mount(self) -> None:
        self.query_one("#value", Input).focus()
        super().on_mount()

    def action_save(self) -> None:
        from core.dates import parse_day

        try:
            checked_on = parse_day(self.value("#checked_on"), self.app.today, "the day")
        except ValueError as error:
            self.show_error("checked_on", str(error))
            return
        if checked_on > self.app.today:
            self.show_error("checked_on", "a check-in says what the goal is now: not after today")
            return
        if not self.value("#value").strip():
            self.show_error("value", "type the value the goal has now")
            return
        self.clear_errors()
        self.write(self.value("#value"), checked_on, self.value("#comment"))

    @work(thread=True, exclusive=True, exit_on_error=False, group="goal-checkin")
    def write(self, value: str, checked_on: date, comment: str) -> None:
        from core.goals import check_in

        app = self.app
        goal = self.view.goal
        try:
            checkin = check_in(
                app.database,
                goal.id or 0,
                value,
                app.settings.author,
                checked_on=checked_on,
                comment=comment,
                today=app.today,
            )
        except GoalError as error:
            app.call_from_thread(self.show_refusal, error)
            return
        value = format_value(goal.target_type, checkin.value)
        done = f"Checked in: {visible(goal.title)} at {value} on {checked_on}."
        app.call_from_thread(self.saved, done)
