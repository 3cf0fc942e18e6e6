"""One goal on one line: title, progress bar, percentage, current / target in the
goal's own units, status in its colour and the days to the due date.

``GoalProgress(view, today)`` takes a ``core.goals.GoalView`` (from
``core.goals.list_goals``); it reads nothing itself, so any screen can list goals
with it (the goals screen, the dashboard)."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label

from core.goals import GoalView, format_value
from tui.format import bar

BAR_WIDTH = 20
STATUS_CLASSES = {
    "on track": "-on-track",
    "at risk": "-at-risk",
    "off track": "-off-track",
    "achieved": "-achieved",
    "missed": "-missed",
}


def goal_values(view: GoalView) -> str:
    """Current / target in the goal's units: "$12,000.00 / $20,000.00", "2 / 5 tasks"."""
    goal = view.goal
    if goal.target_type == "tasks":
        return f"{view.tasks_done} / {len(view.tasks)} tasks"
    if goal.target_type == "done":
        return format_value("done", view.current if view.current is not None else 0)
    current = format_value(goal.target_type, view.current)
    return f"{current} / {format_value(goal.target_type, goal.target_value)}"


def due_words(due: date, today: date) -> str:
    days = (due - today).days
    if days == 0:
        return "due today"
    if days > 0:
        return f"{days} day{'s' if days != 1 else ''} left"
    return f"ended {-days} day{'s' if days != -1 else ''} ago"


class GoalProgress(Widget):
    """A goal's progress row. The status colour comes from the theme ($success,
    $warning, $error) through a class on the widget."""

    DEFAULT_CSS = """
    GoalProgress { height: 1; width: 1fr; }
    GoalProgress > Horizontal { height: 1; }
    GoalProgress Label { height: 1; margin-right: 1; }
    GoalProgress .goal-title { width: 1fr; text-overflow: ellipsis; text-wrap: nowrap; }
    GoalProgress .goal-bar { width: 20; background: $foreground 10%; }
    GoalProgress .goal-pct { width: 6; text-align: right; }
    GoalProgress .goal-values { width: 27; text-align: right; }
    GoalProgress .goal-status { width: 9; }
    GoalProgress .goal-due { width: 18; margin-right: 0; color: $text-muted; }
    GoalProgress.-on-track .goal-bar, GoalProgress.-on-track .goal-status { color: $success; }
    GoalProgress.-achieved .goal-bar, GoalProgress.-achieved .goal-status {
        color: $success; text-style: bold;
    }
    GoalProgress.-at-risk .goal-bar, GoalProgress.-at-risk .goal-status { color: $warning; }
    GoalProgress.-off-track .goal-bar, GoalProgress.-off-track .goal-status { color: $error; }
    GoalProgress.-missed .goal-bar, GoalProgress.-missed .goal-status {
        color: $error; text-style: bold;
    }
    GoalProgress.-archived Label { text-style: dim; }
    """

    def __init__(
        self,
        view: GoalView,
        today: date,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.view = view
        self.today = today

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(classes="goal-title")
            yield Label(classes="goal-bar")
            yield Label(classes="goal-pct")
            yield Label(classes="goal-values")
            yield Label(classes="goal-status")
            yield Label(classes="goal-due")

    def on_mount(self) -> None:
        self._fill()

    def show(self, view: GoalView, today: date | None = None) -> None:
        """Show another state of the goal (after a check-in) without rebuilding."""
        self.view = view
        if today is not None:
            self.today = today
        self._fill()

    def _fill(self) -> None:
        view = self.view
        for status_class in STATUS_CLASSES.values():
            self.remove_class(status_class)
        self.add_class(STATUS_CLASSES.get(view.status, "-on-track"))
        self.set_class(view.goal.archived_at is not None, "-archived")
        self.query_one(".goal-title", Label).update(view.goal.title)
        self.query_one(".goal-bar", Label).update(bar(view.progress / 100, BAR_WIDTH))
        self.query_one(".goal-pct", Label).update(f"{view.progress:.0f} %")
        self.query_one(".goal-values", Label).update(goal_values(view))
        self.query_one(".goal-status", Label).update(view.status)
        archived = view.goal.archived_at is not None
        due = "archived" if archived else due_words(view.goal.due_date, self.today)
        self.query_one(".goal-due", Label).update(due)
