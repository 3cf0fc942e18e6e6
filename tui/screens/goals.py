"""Goals (key ``3``): every goal with its progress bar, grouped by owner, filtered by
mine / team / status / archived; new, edit, check in, step, toggle, history and
archive from the keyboard. The goals are read (``core.goals.list_goals``) and
written in thread workers; after a write the goal written is read again (a new goal:
every goal)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import groupby
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, Label, ListItem, ListView, LoadingIndicator, Static

from core.goals import STATUSES, GoalConflict, GoalError, GoalFilter, GoalView
from core.text import visible
from tui.app import CxtuiApp
from tui.bindings import go_to_row, row_cursor_bindings, row_end_bindings
from tui.messages import BookChanged
from tui.widgets.footer import KeysFooter
from tui.widgets.goal_progress import GoalProgress

if TYPE_CHECKING:
    from core.exporting import ExportFilters
    from core.models import GoalTask

STEP_PAUSE = 2.0  # seconds: + / - presses closer together than this make one check-in
WHO_WORDS = {"all": "everyone's", "mine": "mine", "team": "team"}


@dataclass
class GoalsLoaded(Message):
    views: list[GoalView]


@dataclass
class GoalUpdated(Message):
    """One goal as it is after a change (archived or not)."""

    view: GoalView


class GoalItem(ListItem):
    """A goal's row in the list."""

    def __init__(self, view: GoalView, today: Any) -> None:
        super().__init__(GoalProgress(view, today), id=f"goal-{view.goal.id}")
        self.view = view


class TaskItem(ListItem):
    """A task of an expanded task-list goal."""

    def __init__(self, view: GoalView, task: GoalTask) -> None:
        mark = "☑" if task.done_at is not None else "☐"
        super().__init__(
            Label(f"{mark} {task.title}", markup=False),
            id=f"task-{task.id}",
            classes="goal-task" + (" -done" if task.done_at is not None else ""),
        )
        self.view = view
        self.goal_task = task


class OwnerHeader(ListItem):
    """An owner's group title; the cursor skips it."""

    def __init__(self, text: str) -> None:
        super().__init__(Label(text, markup=False), classes="owner-header", disabled=True)


class GoalList(ListView):
    """The goals and their tasks; ``enter`` checks in (or shows a task list's tasks),
    and on a task ticks it: the footer names what it does on the row."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Check in", id="goals.check_in"),
        Binding("enter", "tick", "Tick / untick", id="goals.tick"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        on_task = isinstance(self.highlighted_child, TaskItem)
        if action == "select_cursor":
            return not on_task
        if action == "tick":
            return on_task
        return True

    def action_tick(self) -> None:
        self.action_select_cursor()  # the screen ticks the task selected

    def watch_index(self, old_index: int | None, new_index: int | None) -> None:
        super().watch_index(old_index, new_index)
        self.refresh_bindings()


STEP_KEYS = Binding.Group("Step")
"""``+`` and ``-`` side by side in the footer: ``+ - Step`` (? says up and down)."""


class GoalsScreen(Screen[None]):
    app = getters.app(CxtuiApp)
    goal_list = getters.query_one("#goal-list", ListView)

    CSS_PATH = "goals.tcss"
    AUTO_FOCUS = "#goal-list"
    BINDINGS = [
        Binding("n", "new", "New", id="goals.new"),
        Binding("e", "edit", "Edit", id="goals.edit"),
        Binding("plus", "step(1)", "Step up", id="goals.step_up", key_display="+", group=STEP_KEYS),
        Binding(
            "minus", "step(-1)", "Step down", id="goals.step_down", key_display="-", group=STEP_KEYS
        ),
        Binding("space", "toggle", "Toggle", id="goals.toggle"),
        Binding("h", "history", "History", id="goals.history"),
        Binding("a", "archive", "Archive or restore", id="goals.archive", show=False),
        Binding("m", "who('mine')", "My goals", id="goals.mine", show=False),
        Binding("t", "who('team')", "Team goals", id="goals.team", show=False),
        Binding("s", "cycle_status", "Next status", id="goals.status", show=False),
        Binding("A", "archived", "Active or archived", id="goals.archived", show=False),
        Binding("u", "undo_step", "Undo the last + / -", id="goals.undo_step", show=False),
        *row_cursor_bindings("goals"),
        *row_end_bindings("goals"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.views: list[GoalView] = []
        self.where = GoalFilter()
        self.expanded: set[int] = set()
        self.loaded = False
        self._modal = False
        self._write_lock = threading.Lock()
        # + / - presses not written yet: goal id -> (the goal as pressed, steps)
        self._steps: dict[int, tuple[GoalView, int]] = {}
        self._steps_timer: Timer | None = None
        # the last + / - written: goal id, the value before and after it, its words
        self._last_step: tuple[int, Decimal, Decimal, str] | None = None
        self._go_to: int | None = None
        """A goal to put the cursor on once the goals are read again (one created)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the goals…", id="goal-filters", markup=False)
        yield LoadingIndicator()
        yield Static("", id="goals-empty", markup=False)
        yield GoalList(id="goal-list")
        yield Static("", id="goal-why", markup=False)
        yield KeysFooter()

    def on_unmount(self) -> None:
        """The app is closing (or the screen goes): write the presses waiting now."""
        from core.goals import goal_view, step

        waiting, self._steps = self._steps, {}
        engine = self.app.engine
        for goal_id, (_view, steps) in waiting.items():
            if steps and engine is not None:
                with suppress(GoalError, GoalConflict):
                    now = goal_view(engine, goal_id, self.today)
                    step(engine, now, steps, self.app.settings.author, self.today)

    def on_mount(self) -> None:
        self.sub_title = "Goals"
        self.load()

    def on_screen_resume(self) -> None:
        if self._modal:  # back from one of our dialogs: its callback reloads if needed
            self._modal = False
        elif self.loaded:
            self.load()

    @property
    def today(self) -> Any:
        return self.app.today

    @property
    def user(self) -> str | None:
        return self.app.settings.current_user

    # ------------------------------------------------------------------ reading

    @work(thread=True, exclusive=True, exit_on_error=False, group="goals-read")
    def load(self) -> None:
        """Read every goal; the metric-linked ones' values of today go into their
        history (so it can be plotted), once a day, replaced by a later read."""
        from core.goals import list_goals, record_metric_values

        engine = self.app.database
        views = list_goals(engine, self.today, include_archived=True)
        self.post_message(GoalsLoaded(views=views))
        record_metric_values(engine, self.today, views)

    @on(GoalsLoaded)
    async def _loaded(self, message: GoalsLoaded) -> None:
        self.views = message.views
        self.loaded = True
        self.query_one(LoadingIndicator).display = False
        await self.show_goals()

    def shown_views(self) -> list[GoalView]:
        return [view for view in self.views if self.where.matches(view, self.user)]

    async def show_goals(self) -> None:
        """Rebuild the rows from ``self.views``, keeping the cursor on the same row."""
        goal_list = self.goal_list
        current = goal_list.highlighted_child
        keep = current.id if current is not None else None
        position = goal_list.index or 0
        shown = self.shown_views()
        items: list[ListItem] = []
        for owner, group in groupby(shown, key=lambda view: view.goal.owner):
            views = list(group)
            you = " (you)" if owner == self.user else ""
            count = f"{len(views)} goal{'s' if len(views) != 1 else ''}"
            items.append(OwnerHeader(f"{owner}{you} · {count}"))
            for view in views:
                items.append(GoalItem(view, self.today))
                if view.goal.id in self.expanded:
                    items.extend(TaskItem(view, task) for task in view.tasks)
        await goal_list.clear()
        await goal_list.extend(items)
        ids = [item.id for item in items]
        if self._go_to is not None:
            keep, self._go_to = f"goal-{self._go_to}", None
            if keep not in ids:
                self.notify(
                    "The new goal is not among those shown: m, t, s and A change the filters."
                )
        if keep is not None and keep in ids:
            goal_list.index = ids.index(keep)
        elif items:  # the row that took its place, or the goal under that title
            position = min(position, len(items) - 1)
            if isinstance(items[position], OwnerHeader):
                position = position + 1 if position + 1 < len(items) else position - 1
            goal_list.index = position
        self._update_bar(len(shown))
        self._update_empty(shown)

    def _update_bar(self, shown: int) -> None:
        user, views = self.user, self.views

        def count(where: GoalFilter) -> int:
            return sum(1 for view in views if where.matches(view, user))

        def key(text: str, on: bool) -> Text:
            return Text(f" {text} ", style="bold reverse" if on else "")

        where = self.where
        kind = "archived" if where.archived else "active"
        status = where.status or "any"
        parts = [
            Text(f"{shown} of {count(GoalFilter(archived=where.archived))} {kind} goals"),
            key(f"m mine ({count(replace(where, who='mine'))})", where.who == "mine"),
            key(f"t team ({count(replace(where, who='team'))})", where.who == "team"),
            key(f"s status: {status} ({shown})", where.status is not None),
            key(
                f"A archived ({count(GoalFilter(archived=True))})",
                where.archived,
            ),
        ]
        self.query_one("#goal-filters", Static).update(Text("  ·  ").join(parts))

    def _update_empty(self, shown: list[GoalView]) -> None:
        empty = self.query_one("#goals-empty", Static)
        if not self.views:
            text = (
                "No goals yet. Press n to set one: e.g. 'churn below 3 % this quarter', "
                "'NPS above 50' or 'QBR with every top-20 account'."
            )
        elif self.where.who == "mine" and not self.user:
            text = 'Who are you? Set CXTUI_USER or `user = "..."` in the config file.'
        elif not shown:
            text = "No goals match these filters (m, t, s and A change them)."
        else:
            text = ""
        empty.update(text)
        empty.display = bool(text)
        self.goal_list.display = bool(shown)
        if shown and self.focused is None:  # hiding the list (no goal matched) took focus
            self.goal_list.focus()

    # ------------------------------------------------------------------ the row

    def current_item(self) -> ListItem | None:
        return self.goal_list.highlighted_child

    def current_view(self) -> GoalView | None:
        item = self.current_item()
        if isinstance(item, GoalItem | TaskItem):
            return item.view
        return None

    @on(ListView.Highlighted, "#goal-list")
    def _show_why(self) -> None:
        """Under the list, why the highlighted goal has its status, and when it is due:
        below ~100 columns its row gives up the days left, and at 80x24 nothing on the
        screen said when a goal was due."""
        from core.goals.progress import due_words

        view = self.current_view()
        text = ""
        if view is not None and view.why:
            goal = view.goal
            due = (
                "archived"
                if goal.archived_at is not None
                else f"due {goal.due_date.isoformat()}, {due_words(goal.due_date, self.today)}"
            )
            text = f"{goal.title}: {view.why} · {due}"
        self.query_one("#goal-why", Static).update(Text(text))

    def _goal_or_say(self) -> GoalView | None:
        view = self.current_view()
        if view is None:
            self.notify("No goal here: n sets a new one.")
        return view

    # ------------------------------------------------------------------ actions

    def action_cursor(self, where: str) -> None:
        if where == "down":
            self.goal_list.action_cursor_down()
        else:
            self.goal_list.action_cursor_up()

    def action_row(self, index: int) -> None:
        go_to_row(self.focused, index)

    def action_who(self, who: str) -> None:
        self.where = replace(self.where, who="all" if self.where.who == who else who)
        if who == "mine" and not self.user:
            self.notify(
                'Set CXTUI_USER or user = "..." in the config file to see your goals.',
                severity="warning",
            )
        self.run_worker(self.show_goals(), group="goals-show", exclusive=True)

    def action_cycle_status(self) -> None:
        order: list[str | None] = [None, *STATUSES]
        position = order.index(self.where.status)
        self.where = replace(self.where, status=order[(position + 1) % len(order)])
        self.run_worker(self.show_goals(), group="goals-show", exclusive=True)

    def action_archived(self) -> None:
        self.where = replace(self.where, archived=not self.where.archived)
        self.run_worker(self.show_goals(), group="goals-show", exclusive=True)

    def _open(self, screen: Screen[Any], goal_id: int | None = None) -> None:
        """Show a dialog; once it saved, read that goal again (every goal for a new one,
        the cursor then on it)."""

        def closed(saved: Any) -> None:
            if saved:
                self.app.post_message(BookChanged(detail="goals"))
                if goal_id is None:
                    self._go_to = getattr(screen, "goal_id", None)
                    self.load()
                else:
                    self.reload_goal(goal_id)

        self._modal = True
        self.app.push_screen(screen, closed)

    def action_new(self) -> None:
        from tui.screens.goal_form import GoalFormScreen

        self._open(GoalFormScreen(owner=self.user or ""))

    def action_edit(self) -> None:
        from tui.screens.goal_form import GoalFormScreen

        view = self._goal_or_say()
        if view is not None:
            self._open(GoalFormScreen(view), view.goal.id)

    @on(ListView.Selected)
    def _selected(self, event: ListView.Selected) -> None:
        event.stop()
        if isinstance(event.item, TaskItem):
            self.action_toggle()
        else:
            self.action_check_in()

    def action_check_in(self) -> None:
        view = self._goal_or_say()
        if view is None:
            return
        goal = view.goal
        if goal.target_type == "tasks":
            self._expand(view)
        elif goal.metric:
            from core.metrics.registry import BY_KEY

            known = BY_KEY.get(goal.metric)
            metric = known.title if known else goal.metric  # as the goal form names it
            self.notify(f"This goal follows the metric {metric}: it needs no check-ins.")
        elif self._takes_values(view, min(self.today, goal.due_date)):
            from tui.screens.goal_checkin import CheckInScreen

            self._open(CheckInScreen(view), view.goal.id)

    def _takes_values(self, view: GoalView, day: Any) -> bool:
        """Whether the goal takes a value dated ``day``; if not, why is said at once
        (archived, not begun, ended), before anything is typed."""
        from core.goals.store import check_running

        try:
            check_running(view.goal, day, "checked_on")
        except GoalError as error:
            self.notify(error.problem, severity="warning")
            return False
        return True

    def action_step(self, direction: int) -> None:
        """``+`` / ``-``: presses that come within ``STEP_PAUSE`` seconds of each other
        make one check-in (``+ + +`` is one check-in of three steps), written once
        the presses pause, or when the screen is left."""
        from core.goals import can_step, format_value
        from core.goals.store import step_size

        view = self._goal_or_say()
        if view is None:
            return
        if not can_step(view.goal):
            self.notify("Only hand-updated number and currency goals step.", severity="warning")
            return
        if not self._takes_values(view, self.today):  # now, not once the presses are written
            return
        goal_id = view.goal.id or 0
        _pressed, steps = self._steps.get(goal_id, (view, 0))
        self._steps[goal_id] = (view, steps + direction)
        total = steps + direction
        size = step_size(view.goal)
        amount = format_value(view.goal.target_type, abs(size * total))
        self.notify(
            f"{view.goal.title}: {'+' if total >= 0 else '-'}{amount} "
            f"({total:+d} step{'s' if abs(total) != 1 else ''} of "
            f"{format_value(view.goal.target_type, size)}), saved as one check-in when you pause",
            timeout=STEP_PAUSE,
            markup=False,
        )
        if self._steps_timer is not None:
            self._steps_timer.stop()
        self._steps_timer = self.set_timer(STEP_PAUSE, self.write_steps)

    def write_steps(self) -> None:
        """Write the + / - presses waiting, one check-in per goal."""
        from core.goals import step

        if self._steps_timer is not None:
            self._steps_timer.stop()
            self._steps_timer = None
        waiting, self._steps = self._steps, {}
        user, today = self.app.settings.author, self.today
        for view, steps in waiting.values():
            if steps:
                self.write(
                    view,
                    lambda engine, now, steps=steps: step(engine, now, steps, user, today),
                    self._stepped,
                )

    def _stepped(self, view: GoalView, saved: Any) -> str:
        """What a + / - check-in wrote, in words, kept for ``u``."""
        from core.goals import format_value

        kind = view.goal.target_type
        before = view.current if view.current is not None else view.goal.start_value
        words = f"{visible(view.goal.title)} at {format_value(kind, saved.value)} ({saved.comment})"
        self._last_step = (view.goal.id or 0, before, saved.value, words)
        return f"Checked in: {words}. u undoes it."

    def action_undo_step(self) -> None:
        """``u``: a check-in back to the value before the last + / - written (both stay
        in the history), unless the goal's value changed since."""
        from core.goals import check_in, format_value

        if self._last_step is None:
            self.notify("No + / - to undo.")
            return
        goal_id, before, after, words = self._last_step
        self._last_step = None
        view = next((view for view in self.views if view.goal.id == goal_id), None)
        if view is None:
            return
        user, today, kind = self.app.settings.author, self.today, view.goal.target_type

        def undo(engine: Any, now: GoalView) -> None:
            if now.current != after:
                shown = format_value(kind, now.current)
                raise GoalError("goal", f"{visible(now.goal.title)} is now {shown}: not undone")
            check_in(engine, goal_id, before, user, today, f"undo of {words}", today)

        self.write(
            view,
            undo,
            f"Undone: {visible(view.goal.title)} is back at {format_value(kind, before)} "
            "(both check-ins stay in its history).",
        )

    def on_screen_suspend(self) -> None:
        self.write_steps()  # leaving the screen loses no press

    def action_toggle(self) -> None:
        from core.goals import toggle_done, toggle_task

        item = self.current_item()
        view = self._goal_or_say()
        if view is None:
            return
        user, today = self.app.settings.author, self.today
        if isinstance(item, TaskItem):
            task_id = item.goal_task.id or 0
            self.write(view, lambda engine, now: toggle_task(engine, now.goal, task_id, today))
        elif view.goal.target_type == "tasks":
            self._expand(view)
        elif view.goal.target_type == "done":
            self.write(view, lambda engine, now: toggle_done(engine, now, user, today))
        else:
            self.notify("space toggles a done / not-done goal or a task; enter checks in.")

    def _expand(self, view: GoalView) -> None:
        """Show or hide a task-list goal's tasks under it."""
        goal_id = view.goal.id or 0
        self.expanded ^= {goal_id}
        self.run_worker(self.show_goals(), group="goals-show", exclusive=True)

    def action_history(self) -> None:
        from tui.screens.goal_history import GoalHistoryScreen

        view = self._goal_or_say()
        if view is not None:
            self._open(GoalHistoryScreen(view))

    def action_archive(self) -> None:
        from core.goals import archive
        from tui.screens.confirm import ConfirmScreen

        view = self._goal_or_say()
        if view is None:
            return
        goal = view.goal
        restore = goal.archived_at is not None  # a on an archived goal undoes the archive

        title = visible(goal.title)
        done = (
            f"Restored: {title} is among the active goals again."
            if restore
            else f"Archived: {title}. A shows the archived goals; a on it brings it back."
        )

        def answer(yes: bool | None) -> None:
            if yes:
                self.write(view, lambda engine, now: archive(engine, now.goal, not restore), done)

        self._modal = True
        question = (
            f'Bring "{goal.title}" back from the archive?'
            if restore
            else f'Archive "{goal.title}"? Its history is kept (a on it, among the archived, '
            "brings it back)."
        )
        self.app.push_screen(
            ConfirmScreen(question, yes="Restore" if restore else "Archive"), answer
        )

    # ------------------------------------------------------------------ writing

    @work(thread=True, exit_on_error=False, group="goals-write")
    def write(
        self,
        view: GoalView,
        change: Callable[[Any, GoalView], object],
        done: str | Callable[[GoalView, Any], str] = "",
    ) -> None:
        """Change one goal (one change at a time): ``change(engine, goal as it is now)``
        (so ``+ + +`` steps three times), then show that goal again. A refusal or a
        conflict is told in words; a change made, in ``done``'s (or those ``done`` makes
        of the goal as it was and what ``change`` returned)."""
        from core.goals import goal_view

        engine = self.app.database
        goal_id = view.goal.id or 0
        with self._write_lock:
            try:
                now = goal_view(engine, goal_id, self.today)
                result = change(engine, now)
            except (GoalError, GoalConflict) as error:  # a refusal's words, not its field
                words = error.problem if isinstance(error, GoalError) else str(error)
                self.app.call_from_thread(self.notify, words, severity="warning")
            else:
                self.app.post_message(BookChanged(detail="goals"))
                said = done(now, result) if callable(done) else done
                if said:
                    self.app.call_from_thread(self.notify, said, markup=False)
            self.post_message(GoalUpdated(view=goal_view(engine, goal_id, self.today)))

    @work(thread=True, exit_on_error=False, group="goals-write")
    def reload_goal(self, goal_id: int) -> None:
        from core.goals import goal_view

        engine = self.app.database
        self.post_message(GoalUpdated(view=goal_view(engine, goal_id, self.today)))

    @on(GoalUpdated)
    async def _goal_updated(self, message: GoalUpdated) -> None:
        fresh = message.view
        self.views = [fresh if view.goal.id == fresh.goal.id else view for view in self.views]
        await self.show_goals()

    # ------------------------------------------------------------------ export

    def export_view(self) -> tuple[str, ExportFilters] | None:
        """The goals shown: "mine" exports the user's goals (the export has every
        active goal otherwise; it knows no status filter)."""
        from core.exporting import ExportFilters
        from core.scope import Scope

        owner = self.user if self.where.who == "mine" else None
        return "goals", ExportFilters(scope=Scope(owner=owner), as_of=self.today)
