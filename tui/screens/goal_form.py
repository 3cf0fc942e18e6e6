"""``n`` / ``e`` on the goals screen: a goal's every field in one form, validated by
``core.goals.validate_goal`` (refusals shown in words next to their field), saved by
``create_goal`` or ``update_goal`` in a worker. ``GoalDialog`` holds the habits the
goal dialogs share (check-in too): field errors, ``ctrl+s``, ``escape`` asks first
when something was typed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from core.dates import DAY_HINT
from core.goals import (
    DIRECTIONS,
    LINKABLE_METRICS,
    TARGET_TYPES,
    GoalConflict,
    GoalError,
    GoalForm,
)
from core.metrics.registry import BY_KEY
from core.text import visible
from tui.screens.dialog import Dialog, save_cancel_bindings, save_cancel_buttons

if TYPE_CHECKING:
    from core.goals import GoalView

MANUAL = "manual"
START_HINT = "0"
METRIC_START_HINT = "the metric before the start"


class GoalDialog(Dialog[bool]):
    """Dismissed with True once something was saved."""

    CSS_PATH = ["dialog.tcss", "goal_dialog.tcss"]
    BINDINGS = save_cancel_bindings("goal_dialog")

    def __init__(self) -> None:
        super().__init__()
        self.unsaved = False
        self._filling = True

    def on_mount(self) -> None:
        self.call_after_refresh(self._filled)

    def _filled(self) -> None:
        self._filling = False

    @on(Input.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    def _typed(self) -> None:
        if not self._filling:
            self.unsaved = True

    def field(self, name: str, label: str, widget: Widget) -> Vertical:
        """A label, the input and the line where its refusal is shown."""
        return Vertical(
            Label(label, classes="field-label", markup=False),
            widget,
            Static("", id=f"error-{name}", classes="field-error", markup=False),
            classes="field",
            id=f"field-{name}",
        )

    def text_field(self, name: str, label: str, value: str = "", placeholder: str = "") -> Vertical:
        """A field whose input, ``#name``, holds ``value``."""
        return self.field(name, label, Input(value, placeholder=placeholder, id=name))

    def choice_field(
        self, name: str, label: str, options: Iterable[str | tuple[str, str]], value: str
    ) -> Vertical:
        """A field whose select, ``#name``, has ``value`` chosen (never blank). Each of
        ``options`` is a (label, value) pair, or a value shown as it is."""
        pairs = [(option, option) if isinstance(option, str) else option for option in options]
        return self.field(name, label, Select(pairs, value=value, allow_blank=False, id=name))

    def clear_errors(self) -> None:
        for error in self.query(".field-error").results(Static):
            error.update("")
        self.query_one("#dialog-error", Static).update("")

    def show_error(self, field: str, message: str) -> None:
        """The refusal next to its field (or under the form when no field has it),
        the cursor in that field and the field in view: at 80x24 the new goal's target
        is below the fold, and a refused ctrl+s changed nothing that could be seen."""
        self.clear_errors()
        found = self.query(f"#error-{field}")
        target = found.first(Static) if found else self.query_one("#dialog-error", Static)
        target.update(message)
        typed = self.query(f"#{field}")
        if typed and typed.first().focusable:
            typed.first().focus(scroll_visible=False)
        shown = self.query(f"#field-{field}")
        # once laid out with the refusal's lines
        self.call_after_refresh((shown.first() if shown else target).scroll_visible, animate=False)

    def show_refusal(self, error: GoalError) -> None:
        message = str(error).removeprefix(f"{error.field}: ")
        self.show_error(error.field, message)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_save(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        from tui.screens.confirm import close_form

        close_form(self, self.unsaved, False)

    def saved(self, done: str = "") -> None:
        """Closed, saved; ``done`` says what was saved (the list showed the new figure
        alone: nothing said the check-in or the goal was written)."""
        self.unsaved = False
        if done:
            self.notify(done, markup=False)
        self.dismiss(True)

    def value(self, selector: str) -> str:
        return self.query_one(selector, Input).value


class GoalFormScreen(GoalDialog):
    """A new goal, or (given ``view``) the next version of an existing one."""

    AUTO_FOCUS = ""  # not None: that is the app's AUTO_FOCUS
    """The title takes the focus in ``on_mount``, not scrolled to: focused as the
    screen opened (before its layout), it was centred in the dialog, which opened
    three lines down at 80x24 ('New goal' and the label 'Title' out of view)."""

    def __init__(self, view: GoalView | None = None, owner: str = "") -> None:
        super().__init__()
        self.view = view
        self.owner = owner
        self._shown_kind = ""
        self.version = view.goal.version if view is not None else 0
        """The version the edit is based on (moved on by a conflict)."""
        self.goal_id: int | None = view.goal.id if view is not None else None
        """The goal saved (a new one's once it is created)."""

    def compose(self) -> ComposeResult:
        from datetime import timedelta

        from core.goals import form_of

        today = self.app.today
        if self.view is not None:
            form = form_of(self.view.goal, self.view.tasks)
            heading = f"Edit goal: {self.view.goal.title}"
        else:
            form = GoalForm(
                title="",
                owner=self.owner,
                start_date=today.isoformat(),
                due_date=(today + timedelta(days=90)).isoformat(),
                target_type="number",
            )
            heading = "New goal"
        with Vertical(classes="dialog goal-dialog", id="goal-form"):
            yield Static(heading, classes="dialog-title", markup=False)
            with Vertical(id="goal-fields"):  # the dialog scrolls (dialog.tcss)
                yield self.text_field("title", "Title", form.title, "e.g. NPS above 50")
                with Horizontal(classes="form-row"):
                    yield self.text_field(
                        "owner",
                        "Owner (a person, or the team)",
                        form.owner,
                        "e.g. Customer Success",
                    )
                    yield self.choice_field(
                        "target_type", "Target type", TARGET_TYPES, form.target_type
                    )
                with Horizontal(classes="form-row"):
                    yield self.text_field(
                        "scope_segment", "Scope: segment", form.scope_segment, "whole book"
                    )
                    yield self.text_field(
                        "scope_owner", "Scope: account owner", form.scope_owner, "every owner"
                    )
                with Horizontal(classes="form-row dates"):
                    yield self.choice_field(
                        "period",
                        "Period",
                        PERIOD_CHOICES,
                        _period_kind(form.start_date, form.due_date, today),
                    )
                    yield self.text_field("start_date", "Start", form.start_date, DAY_HINT)
                    yield self.text_field("due_date", "Due", form.due_date, DAY_HINT)
                # the hint on a line of its own: beside "Period", in a third of 80
                # columns, "Start (YYYY-MM-DD, ...)" was cut
                yield Label(
                    f"Start and due: {DAY_HINT}", classes="field-label dates-hint", markup=False
                )
                with Horizontal(classes="form-row values"):
                    yield self.text_field(
                        "start",
                        "Start value",
                        form.start,
                        METRIC_START_HINT if form.metric else START_HINT,
                    )
                    yield self.text_field(
                        "target", "Target value", form.target, "e.g. 50, $20,000, 3 %"
                    )
                with Horizontal(classes="form-row"):
                    yield self.choice_field("direction", "Direction", DIRECTIONS, form.direction)
                    yield self.choice_field(
                        "metric",
                        "Progress from",
                        _metric_options(form.target_type),
                        form.metric or MANUAL,
                    )
                yield self.text_field(
                    "step",
                    "Step for + / - (number and currency goals)",
                    form.step,
                    "a twentieth of start to target",
                )
                yield self.field(
                    "tasks",
                    "Tasks, one per line",
                    TextArea("\n".join(form.tasks), id="tasks"),
                )
            yield Static("", id="dialog-error", classes="field-error", markup=False)
            yield save_cancel_buttons()

    def on_mount(self) -> None:
        self._show_fields_of(self._kind())
        self.query_one("#title", Input).focus(scroll_visible=False)
        super().on_mount()

    def _kind(self) -> str:
        return str(self.query_one("#target_type", Select).value)

    @on(Select.Changed, "#period")
    def _period_chosen(self, event: Select.Changed) -> None:
        """A calendar period fills in its dates (the one containing today)."""
        from core.goals.form import calendar_period

        if event.value == CUSTOM or self._filling:
            return
        period = calendar_period(str(event.value), self.app.today)
        self.query_one("#start_date", Input).value = period.start.isoformat()
        self.query_one("#due_date", Input).value = period.end.isoformat()

    @on(Input.Changed, "#start_date, #due_date")
    def _dates_typed(self) -> None:
        """Dates typed by hand say which period of today they are (or custom)."""
        kind = _period_kind(self.value("#start_date"), self.value("#due_date"), self.app.today)
        period = self.query_one("#period", Select)
        if period.value != kind:
            period.value = kind

    @on(Select.Changed, "#target_type")
    def _type_changed(self, event: Select.Changed) -> None:
        kind = str(event.value)
        if kind == self._shown_kind:
            return
        metric = self.query_one("#metric", Select)
        chosen = metric.value
        options = list(_metric_options(kind))
        metric.set_options(options)
        metric.value = chosen if any(value == chosen for _, value in options) else MANUAL
        self._show_fields_of(kind)

    @on(Select.Changed, "#metric")
    def _metric_chosen(self, event: Select.Changed) -> None:
        """A metric goal left without a start starts from its metric before it: the
        start's placeholder says so (it said 0, which a rate never starts from)."""
        by_hand = event.value == MANUAL
        self.query_one("#start", Input).placeholder = START_HINT if by_hand else METRIC_START_HINT

    def _show_fields_of(self, kind: str) -> None:
        """Only the fields the target type uses."""
        self._shown_kind = kind
        valued = kind not in ("done", "tasks")
        self.query_one(".values").display = valued
        self.query_one("#field-direction").display = valued
        self.query_one("#field-step").display = kind in ("number", "currency")
        self.query_one("#field-tasks").display = kind == "tasks"
        self.query_one("#field-metric").display = valued

    def read_form(self) -> GoalForm:
        kind = self._kind()
        metric = str(self.query_one("#metric", Select).value)
        valued = kind not in ("done", "tasks")
        return GoalForm(
            title=self.value("#title"),
            owner=self.value("#owner"),
            start_date=self.value("#start_date"),
            due_date=self.value("#due_date"),
            target_type=kind,
            target=self.value("#target") if valued else "",
            start=self.value("#start") if valued else "",
            direction=str(self.query_one("#direction", Select).value) if valued else "raise",
            metric="" if metric == MANUAL or not valued else metric,
            scope_segment=self.value("#scope_segment"),
            scope_owner=self.value("#scope_owner"),
            step=self.value("#step") if kind in ("number", "currency") else "",
            tasks=self.query_one("#tasks", TextArea).text.splitlines() if kind == "tasks" else [],
        )

    def action_save(self) -> None:
        from core.goals import validate_goal

        form = self.read_form()
        try:
            goal = validate_goal(
                form, None if self.view is None else self.view.goal, self.app.today
            )
        except GoalError as error:
            self.show_refusal(error)
            return
        self.clear_errors()
        # Dates typed as +90d or next monday are saved as the days they named today.
        days = {"start_date": goal.start_date, "due_date": goal.due_date}
        for name, day in days.items():
            self.query_one(f"#{name}", Input).value = day.isoformat()
        self.write(replace(form, **{name: day.isoformat() for name, day in days.items()}))

    @work(thread=True, exclusive=True, exit_on_error=False, group="goal-form")
    def write(self, form: GoalForm) -> None:
        from core.goals import create_goal, get_goal, update_goal
        from core.goals.store import start_words, starts_from_metric

        engine = self.app.database
        title = visible(form.title.strip())
        done = f"Goal created: {title}." if self.view is None else f"Goal saved: {title}."
        try:
            if self.view is None:
                goal_id = self.goal_id = create_goal(engine, form)
            else:
                goal_id = self.view.goal.id or 0
                update_goal(engine, goal_id, form, self.version, edited_by=self.app.settings.author)
            if starts_from_metric(form):
                done = f"{done[:-1]}: {start_words(get_goal(engine, goal_id))} (e sets another)."
        except GoalError as error:
            self.app.call_from_thread(self.show_refusal, error)
            return
        except GoalConflict as error:
            self.app.call_from_thread(self._conflict, error)
            return
        self.app.call_from_thread(self.saved, done)

    def _conflict(self, error: GoalConflict) -> None:
        """Somebody saved the goal meanwhile: say so; what was typed stays, and the
        next ctrl+s saves over the new version."""
        self.version = error.goal.version
        self.show_error("goal", str(error))


CUSTOM = "custom"
PERIOD_CHOICES = [
    ("Custom dates", CUSTOM),
    ("This month", "month"),
    ("This quarter", "quarter"),
    ("This year", "year"),
]


def _period_kind(start: str, due: str, today: date) -> str:
    """``month``, ``quarter`` or ``year`` when the dates are exactly this calendar
    period (the one containing ``today``, as the choice's words say), else ``custom``:
    next quarter's dates are not "This quarter", whose choice would replace them."""
    from core.goals.form import GOAL_PERIODS, calendar_period

    try:
        first, last = date.fromisoformat(start.strip()), date.fromisoformat(due.strip())
    except ValueError:
        return CUSTOM
    for kind in GOAL_PERIODS:
        period = calendar_period(kind, today)
        if (period.start, period.end) == (first, last):
            return kind
    return CUSTOM


def _metric_options(kind: str) -> list[tuple[str, str]]:
    """Check-ins by hand, or a metric whose values are of the goal's type."""
    return [("check-ins by hand", MANUAL)] + [
        (BY_KEY[metric].title, metric)
        for metric, metric_kind in LINKABLE_METRICS.items()
        if metric_kind == kind
    ]
