"""``h`` on a goal: its check-ins, oldest first, with a sparkline of the values
(who, when, comment; values the metrics engine recorded say so), and under them
every edit of the goal's definition (who, when, what changed from what to what)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Sparkline, Static

from core.goals import format_value, not_counted
from tui.bindings import go_to_row, row_end_bindings
from tui.format import literal
from tui.screens.dialog import Dialog

if TYPE_CHECKING:
    from decimal import Decimal

    from core.goals import GoalEdit, GoalView
    from core.models import Goal, GoalCheckin

FIELD_LABELS = {
    "scope_segment": "segment",
    "scope_owner": "scope owner",
    "start_date": "start date",
    "due_date": "due date",
    "target_type": "target type",
    "start_value": "start value",
    "target_value": "target",
}


@dataclass
class HistoryLoaded(Message):
    checkins: list[GoalCheckin]
    edits: list[GoalEdit]


class GoalHistoryScreen(Dialog[None]):
    CSS_PATH = ["dialog.tcss", "goal_dialog.tcss"]
    BINDINGS = [
        Binding("escape,h", "close", "Close", id="goal_history.close"),
        *row_end_bindings("goal_history"),
    ]
    DEFAULT_CSS = """
    GoalHistoryScreen #history-edits-body { height: auto; max-height: 12; margin-top: 1; }
    """

    def __init__(self, view: GoalView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog goal-dialog", id="goal-history"):
            yield Static(f"History: {self.view.goal.title}", classes="dialog-title", markup=False)
            yield Static(
                "Reading the check-ins…", id="history-note", classes="dialog-text", markup=False
            )
            yield Sparkline([], id="history-sparkline")
            yield DataTable(cursor_type="row", id="history-table")
            with VerticalScroll(id="history-edits-body"):
                yield Static("", id="history-edits", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("Date", "Value", "Who", "Comment"):
            table.add_column(label)
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="goal-history")
    def load(self) -> None:
        from core.goals import checkin_history, goal_edits

        engine = self.app.database
        goal_id = self.view.goal.id or 0
        self.post_message(
            HistoryLoaded(
                checkins=checkin_history(engine, goal_id), edits=goal_edits(engine, goal_id)
            )
        )

    @on(HistoryLoaded)
    def _loaded(self, message: HistoryLoaded) -> None:
        goal = self.view.goal
        checkins = message.checkins
        note = self.query_one("#history-note", Static)
        sparkline = self.query_one(Sparkline)
        table = self.query_one(DataTable)
        if goal.target_type == "tasks":
            done = self.view.tasks_done
            note.update(
                f"A task-list goal moves by ticking its tasks: {done} of "
                f"{len(self.view.tasks)} done."
            )
        elif not checkins:
            note.update("No check-ins yet: enter on the goal adds one.")
        else:
            note.update(_summary(goal, checkins))
        sparkline.data = [float(checkin.value) for checkin in checkins]
        sparkline.display = len(checkins) > 1
        table.display = bool(checkins)
        for checkin in checkins:
            # A check-in the goal's dates were edited around stays, marked as such.
            outside = not_counted(goal, checkin.checked_on)
            comment = checkin.comment or ""
            cells = (
                checkin.checked_on.isoformat(),
                format_value(goal.target_type, checkin.value),
                "computed (metrics)" if checkin.computed else checkin.checked_by or "—",
                comment if outside is None else " · ".join(filter(None, (outside, comment))),
            )
            table.add_row(*map(literal, cells))
        self.query_one("#history-edits", Static).update(_edits(message.edits))

    def action_row(self, index: int) -> None:
        go_to_row(self.focused, index)

    def action_close(self) -> None:
        self.dismiss(None)


def _summary(goal: Goal, checkins: list[GoalCheckin]) -> str:
    """The check-ins in a line, with where the goal started and is going: one read
    '1 check-ins from 2026-12-07 to 2026-12-07: 31 → 31 (target 10)'."""

    def shown(value: Decimal) -> str:
        return format_value(goal.target_type, value)

    first, last = checkins[0], checkins[-1]
    ends = f"start {shown(goal.start_value)}, target {shown(goal.target_value)}"
    if len(checkins) == 1:
        return f"1 check-in, on {first.checked_on}: {shown(first.value)} ({ends})"
    return (
        f"{len(checkins)} check-ins from {first.checked_on} to {last.checked_on}: "
        f"{shown(first.value)} → {shown(last.value)} ({ends})"
    )


def _edits(edits: list[GoalEdit]) -> Table | Text:
    """The goal's earlier definitions: one line per changed field of each edit."""
    if not edits:
        return Text("Definition never edited.", style="dim")
    table = Table(
        title="Edits of the definition",
        title_justify="left",
        box=None,
        padding=(0, 1),
        header_style="bold",
        expand=True,
    )
    for label in ("Edited", "By", "Field", "Before", "After"):
        table.add_column(label, overflow="fold")
    for edit in edits:
        for index, (name, (before, after)) in enumerate(edit.changes.items()):
            first = index == 0
            cells = (
                edit.edited_at.strftime("%Y-%m-%d %H:%M") if first else "",
                (edit.edited_by or "—") if first else "",
                FIELD_LABELS.get(name, name),
                _shown(before),
                _shown(after),
            )
            table.add_row(*map(literal, cells))
    return table


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)
