"""One goal on one line: title, progress bar, percentage, current / target in the
goal's own units, status in its colour and the days to the due date.

``GoalProgress(view, today)`` takes a ``core.goals.GoalView`` (from
``core.goals.list_goals``); it reads nothing itself, so any screen can list goals
with it (the goals screen, the dashboard)."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.widget import Widget

from core.goals import GoalView, format_value
from core.goals.progress import due_words, progress_text
from tui.format import bar

BAR_WIDTH = 20
NARROW_BAR_WIDTH = 10
VALUES_WIDTH = 27
TITLE_MIN = 20
"""A row leaves at least this many cells to its title, narrowing the rest (``render``)."""
STATUS_CLASSES = {
    "on track": "on-track",
    "at risk": "at-risk",
    "off track": "off-track",
    "achieved": "achieved",
    "missed": "missed",
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


class GoalProgress(Widget):
    """A goal's progress row, drawn as one line. The status colour comes from the
    theme ($success, $warning, $error) through the widget's component classes."""

    COMPONENT_CLASSES = {
        "goal-progress--track",
        "goal-progress--muted",
        *(f"goal-progress--{name}" for name in STATUS_CLASSES.values()),
    }
    DEFAULT_CSS = """
    GoalProgress { height: 1; width: 1fr; }
    GoalProgress > .goal-progress--track { color: $panel-lighten-2; }
    GoalProgress > .goal-progress--muted { text-style: dim; }
    GoalProgress > .goal-progress--on-track { color: $success; }
    GoalProgress > .goal-progress--achieved { color: $success; text-style: bold; }
    GoalProgress > .goal-progress--at-risk { color: $warning; }
    GoalProgress > .goal-progress--off-track { color: $error; }
    GoalProgress > .goal-progress--missed { color: $error; text-style: bold; }
    /* a light theme's success and warning are for fills: words take its text-* */
    GoalProgress:light > .goal-progress--on-track { color: $text-success; }
    GoalProgress:light > .goal-progress--achieved { color: $text-success; }
    GoalProgress:light > .goal-progress--at-risk { color: $text-warning; }
    GoalProgress:light > .goal-progress--off-track { color: $text-error; }
    GoalProgress:light > .goal-progress--missed { color: $text-error; }
    GoalProgress:light > .goal-progress--track { color: $panel-darken-3; }
    GoalProgress.-archived { text-style: dim; }
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
        self.set_class(view.goal.archived_at is not None, "-archived")

    def show(self, view: GoalView, today: date | None = None) -> None:
        """Show another state of the goal (after a check-in)."""
        self.view = view
        if today is not None:
            self.today = today
        self.set_class(view.goal.archived_at is not None, "-archived")
        self.refresh()

    def render(self) -> Text:
        view = self.view
        status_style = self.get_component_rich_style(
            f"goal-progress--{STATUS_CLASSES.get(view.status, 'on-track')}", partial=True
        )
        muted = self.get_component_rich_style("goal-progress--muted", partial=True)
        track = self.get_component_rich_style("goal-progress--track", partial=True)
        archived = view.goal.archived_at is not None
        due = "archived" if archived else due_words(view.goal.due_date, self.today)
        values = goal_values(view)
        # A narrow row gives up room in this order, so that its title, values and
        # status stay readable: a shorter bar, then the days to the due date, then
        # the bar (the percentage stays), then the values' column (each row's values
        # as long as they are, no longer in line with the other rows').
        for bar_width, values_width, with_due in (
            (BAR_WIDTH, VALUES_WIDTH, True),
            (NARROW_BAR_WIDTH, VALUES_WIDTH, True),
            (NARROW_BAR_WIDTH, VALUES_WIDTH, False),
            (0, VALUES_WIDTH, False),
            (0, len(values), False),
        ):
            filled = bar(view.progress / 100, bar_width).rstrip()
            right = Text.assemble(
                " ",
                (filled, status_style),
                ("━" * (bar_width - len(filled)), track),
                f" {progress_text(view.progress):>4} % ",
                f"{values:>{values_width}} ",
                (f"{view.status:<9}", status_style),
                (f" {due:>17}" if with_due else "", muted),
            )
            if self.size.width - right.cell_len >= TITLE_MIN:
                break
        width = max(0, self.size.width - right.cell_len)
        title = Text(view.goal.title, no_wrap=True, overflow="ellipsis")
        title.truncate(width, overflow="ellipsis", pad=True)
        return Text.assemble(title, right)
