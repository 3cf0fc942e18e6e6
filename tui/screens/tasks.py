"""The task queue (key ``4``): overdue and due today first, then upcoming, ranked
within a day by MRR at stake and health (``core.playbook.tasks.task_queue``).

``space`` completes, ``s`` snoozes (``u`` undoes either), ``enter`` opens the
account, ``n`` adds a task by hand; ``m`` switches between my tasks and the team's,
``f`` cycles the source (rule, follow-up, manual); ``z`` shows the tasks out of the
queue, done and snoozed, where ``r`` reopens a done one and ``w`` wakes a snoozed one;
``p`` opens the Playbook, the rules that make tasks. Every read and write runs in a
worker.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, LoadingIndicator, Static
from textual.worker import get_current_worker

from core.health.in_force import health_words
from core.interactions import kind_words
from core.text import visible
from tui.app import CxtuiApp
from tui.bindings import go_to_row, row_cursor_bindings, row_end_bindings
from tui.format import account_mrr, band_colours, literal
from tui.messages import OpenAccount
from tui.widgets.footer import KeysFooter
from tui.widgets.table_width import flexible_width, out_of_view

if TYPE_CHECKING:
    import polars as pl

    from core.exporting import ExportFilters

TASK_LIMIT = 2_000
"""At most this many tasks are shown (the count says how many there are)."""

SOURCE_WORDS = {None: "all sources", "rule": "rules", "follow_up": "follow-ups", "manual": "manual"}
SOURCE_CYCLE: list[str | None] = [None, "rule", "follow_up", "manual"]
SOURCE_LABELS = {"rule": "rule", "follow_up": "follow-up", "manual": "manual"}
COLUMNS = (  # label, width (the task's: at most)
    ("When", 8),
    ("Due", 10),
    ("Task", 52),
    ("Account", 22),
    ("MRR", 11),  # a churned account's: "lost $1,200"
    ("Health", 13),
    ("Owner", 16),
    ("From", 9),
)


ASIDE_COLUMNS = tuple((label, 11 if label == "When" else width) for label, width in COLUMNS)
"""The columns of the done and snoozed tasks: When says "done Dec 05", "back Dec 09"."""

TASK_MIN_WIDTH = 24


def task_width(screen_width: int, columns: tuple[tuple[str, int], ...] = COLUMNS) -> int:
    """The Task column's width: the room the other columns leave when every column
    fits (a wide terminal shows whole titles, where 52 cells cut them at 200 columns);
    else its own 52, or less in a terminal too narrow for When, Due, Task and Account
    side by side, so that the account stays on screen (at 80 columns it was two
    letters of it); never below TASK_MIN_WIDTH."""
    return flexible_width(screen_width, columns, "Task", keep=4, minimum=TASK_MIN_WIDTH)


@dataclass(frozen=True)
class Change:
    """A change made to a task here, which ``u`` undoes."""

    what: str  # complete, reopen, snooze or wake
    task_id: int
    title: str
    until: date | None = None  # snooze: the day the task is back
    before: date | None = None  # snooze, wake, reopen: the day it was snoozed until before
    due_on: date | None = None  # the task's due date, which a wake brings it back on

    def undoing(self, today: date) -> Change:
        """The change that undoes this one."""
        if self.what in ("complete", "reopen"):
            return replace(self, what="reopen" if self.what == "complete" else "complete")
        if self.before is not None and self.before > today:  # snoozed before: to that day
            return replace(self, what="snooze", until=self.before, before=self.until)
        return replace(self, what="wake", until=None, before=self.until)


@dataclass
class TasksLoaded(Message):
    frame: pl.DataFrame


def _due_words(due_on: date | None, today: date) -> str:
    """When a task back in the queue is due: 'due today', 'overdue since 2026-12-01',
    'due 2027-01-10' (woken, it was said to be back 'today' whatever its day)."""
    if due_on is None or due_on == today:
        return "due today"
    return f"overdue since {due_on}" if due_on < today else f"due {due_on}"


class TasksScreen(Screen[None]):
    app = getters.app(CxtuiApp)
    table = getters.query_one(DataTable)

    DEFAULT_CSS = """
    TasksScreen #listing-note {  /* wraps in a narrow terminal, not cut */
        height: auto; padding: 0 1; background: $boost; color: $text-muted;
    }
    TasksScreen #tasks-empty { padding: 2 4; color: $text-muted; display: none; }
    TasksScreen.-empty #tasks-empty { display: block; }
    TasksScreen.-empty DataTable { display: none; }
    TasksScreen DataTable { height: 1fr; }
    TasksScreen LoadingIndicator { height: 3; }
    """
    AUTO_FOCUS = "DataTable"
    BINDINGS = [
        Binding("space", "complete", "Done", id="tasks.complete"),
        Binding("u", "undo", "Undo", id="tasks.undo"),
        Binding("s", "snooze", "Snooze", id="tasks.snooze"),
        Binding("r", "reopen", "Reopen", id="tasks.reopen"),
        Binding("w", "wake", "Wake", id="tasks.wake"),
        Binding("enter", "open", "Open account", id="tasks.open", show=False),
        Binding("n", "new", "New task", id="tasks.new"),
        Binding("m", "mine", "Mine / team", id="tasks.mine"),
        Binding("f", "cycle_source", "From", id="tasks.source"),
        Binding("z", "aside", "Done & snoozed", id="tasks.aside"),
        Binding("p", "app.playbook", "Playbook", id="tasks.playbook"),
        *row_cursor_bindings("tasks"),
        *row_end_bindings("tasks"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.mine = False
        self.source: str | None = None
        self.aside = False  # the done and snoozed tasks instead of the queue
        self.queue: pl.DataFrame | None = None
        self.task_width = dict(COLUMNS)["Task"]
        self.changes: list[Change] = []
        """The changes made here, latest last: what ``u`` undoes."""
        self.cursor_to: int | None = None
        """A task to put the cursor on once the queue is read again (one just added)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading the tasks…", id="listing-note", markup=False)
        yield LoadingIndicator()
        yield Static("", id="tasks-empty", markup=False)
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = "Tasks"
        self._add_columns(self.app.size.width)
        self.app.tasks_signal.subscribe(self, lambda _created: self.load())
        self.watch(self.table, "scroll_x", lambda _x: self._update_note(), init=False)
        self.load()

    @property
    def columns(self) -> tuple[tuple[str, int], ...]:
        return ASIDE_COLUMNS if self.aside else COLUMNS

    def _add_columns(self, screen_width: int) -> None:
        self.task_width = task_width(screen_width, self.columns)
        for label, width in self.columns:
            self.table.add_column(label, width=self.task_width if label == "Task" else width)

    def on_resize(self, event: events.Resize) -> None:
        if task_width(event.size.width, self.columns) != self.task_width:
            self._fill(self.queue, screen_width=event.size.width)
        self.call_after_refresh(self._update_note)  # the columns out of view

    def on_screen_resume(self) -> None:
        if self.queue is not None:
            self.load()

    @property
    def owner(self) -> str | None:
        return self.app.settings.current_user if self.mine else None

    # ------------------------------------------------------------------ reading

    @work(thread=True, exclusive=True, exit_on_error=False, group="tasks", name="Reading tasks")
    def load(self) -> None:
        from core.playbook.tasks import task_queue

        app = self.app
        aside = self.aside
        frame = task_queue(
            app.database, app.today, self.owner, self.source, snoozed_only=aside, done_only=aside
        )
        # A newer read replaced this one (a thread cannot be stopped): its rows, read
        # before the latest change (a snooze just written), must not win.
        if not get_current_worker().is_cancelled:
            self.post_message(TasksLoaded(frame=frame))

    @on(TasksLoaded)
    def _loaded(self, message: TasksLoaded) -> None:
        self.query_one(LoadingIndicator).display = False
        self.queue = message.frame
        added, self.cursor_to = self.cursor_to, None
        self._fill(message.frame, cursor_to=added)
        if added is not None and added not in self.task_ids():
            widen = "z shows the queue" if self.aside else "m and f widen it"
            self.notify(f"The task added is not in this view: {widen}.")

    def _fill(
        self,
        frame: pl.DataFrame | None,
        screen_width: int | None = None,
        cursor_to: int | None = None,
    ) -> None:
        """The table shows ``frame``'s tasks (None: none yet), the cursor kept on its
        task, or put on the task ``cursor_to`` when shown; with ``screen_width``, in
        columns laid out again for that width."""
        table = self.table
        keep = self.current_task_id()
        if cursor_to is not None:
            keep = cursor_to
        row = table.cursor_row
        table.clear(columns=screen_width is not None)
        if screen_width is not None:
            self._add_columns(screen_width)
        if frame is None:
            return
        for task in frame.head(TASK_LIMIT).iter_rows(named=True):
            table.add_row(*map(literal, self._cells(task)), key=str(task["id"]))
        ids = self.task_ids()
        if keep in ids:
            row = ids.index(keep)
        if ids:
            table.move_cursor(row=min(row, len(ids) - 1), animate=False)
        self.set_class(not ids, "-empty")
        self.query_one("#tasks-empty", Static).update(self._empty_text())
        self._update_note()

    def _cells(self, task: dict[str, Any]) -> list[Any]:
        colours = band_colours(self.app)
        overdue = task["when"] == "overdue"
        when = Text(task["when"], style=f"bold {colours['red']}" if overdue else "")
        if task["completed_at"] is not None:
            when = Text(f"done {task['completed_at']:%b %d}", style="dim")
        elif self.aside and task["snoozed_until"] is not None:
            when = Text(f"back {task['snoozed_until']:%b %d}", style="dim")
        score = task["score"]
        health = (
            Text(
                f"● {health_words(score, task['band'], task['override'], score_width=3)}",
                style=colours.get(task["band"]) or "",
            )
            if score is not None
            else Text("", style="dim")
        )
        title = visible(task["title"])
        if task.get("followed_up_kind") is not None:  # done by a contact logged: say which
            kind = kind_words(task["followed_up_kind"])
            title = f"(followed up: {kind} {task['followed_up_at']:%b %d}) {title}"
        elif task.get("done_reason") is not None:  # done as its condition ended: say why
            title = f"({visible(task['done_reason'])}) {title}"
        return [
            when,
            task["due_on"].isoformat(),
            title,
            visible(task["account_name"]),
            Text(account_mrr(task["mrr_cents"], task["account_status"]), justify="right"),
            health,
            task["owner"],
            SOURCE_LABELS.get(task["source"], task["source"]),
        ]

    def _update_note(self) -> None:
        count = 0 if self.queue is None else self.queue.height
        if self.aside:
            done = 0 if self.queue is None else self.queue["completed_at"].is_not_null().sum()
            parts = [f"{count - done:,} snoozed, {done:,} done task{'s' if done != 1 else ''}"]
        else:
            parts = [
                f"{count:,} open task{'s' if count != 1 else ''}" if count else "No open tasks"
            ]
        if count > TASK_LIMIT:
            parts.append(f"showing the first {TASK_LIMIT:,}")
        parts.append(f"mine ({self.owner})" if self.mine else "team")
        parts.append(f"from {SOURCE_WORDS[self.source]}")
        parts.extend(self._out_of_view())
        aside_hint = "r reopens a done task, w wakes a snoozed one  ·  z: the queue"
        parts.append(aside_hint if self.aside else "z: done & snoozed")
        self.query_one("#listing-note", Static).update("  ·  ".join(parts))

    def _out_of_view(self) -> list[str]:
        """The columns out of view, as the accounts list says those on its right: at 80
        columns MRR, Health, Owner and From were off screen without a word."""
        if self.queue is None or self.queue.is_empty():
            return []
        return [words] if (words := out_of_view(self.table)) else []

    def _empty_text(self) -> str:
        if self.aside:
            return (
                f"No done or snoozed tasks for {'you' if self.mine else 'the team'} from "
                f"{SOURCE_WORDS[self.source]}. space marks a task done, s snoozes it; "
                "z goes back to the queue."
            )
        if self.mine or self.source:
            return (
                f"No open tasks for {'you' if self.mine else 'the team'} from "
                f"{SOURCE_WORDS[self.source]}. Press m or f to widen the view."
            )
        return (
            "No open tasks. Follow-up dates of logged interactions and playbook rules "
            "will put work here; n adds a task by hand."
        )

    def task_ids(self) -> list[int]:
        return [int(key.value) for key in self.table.rows if key.value is not None]

    def current_task_id(self) -> int | None:
        ids = self.task_ids()
        row = self.table.cursor_row
        return ids[row] if 0 <= row < len(ids) else None

    def current_task(self) -> dict[str, Any] | None:
        task_id = self.current_task_id()
        if task_id is None or self.queue is None:
            return None
        import polars as pl

        found = self.queue.filter(pl.col("id") == task_id)
        return found.row(0, named=True) if found.height else None

    def export_view(self) -> tuple[str, ExportFilters] | None:
        """The open tasks shown, with their filters; None (nothing to export) for the
        done and snoozed ones, which the export of tasks does not hold."""
        from core.exporting import ExportFilters
        from core.scope import Scope

        if self.aside:
            return None

        filters = ExportFilters(
            scope=Scope(owner=self.owner), source=self.source, as_of=self.app.today
        )
        return "tasks", filters

    # ------------------------------------------------------------------ actions

    def action_cursor(self, where: str) -> None:
        if where == "down":
            self.table.action_cursor_down()
        else:
            self.table.action_cursor_up()

    def action_row(self, index: int) -> None:
        go_to_row(self.focused, index)

    def action_mine(self) -> None:
        if not self.mine and not self.app.settings.current_user:
            self.notify(
                'Set user = "Your Name" in the config file, or CXTUI_USER, to see your tasks.',
                title="Who are you?",
                severity="warning",
            )
            return
        self.mine = not self.mine
        self.load()

    def action_aside(self) -> None:
        """Show the done and snoozed tasks (when each was done or comes back), or the
        queue again."""
        self.aside = not self.aside
        self.queue = None
        self._fill(None, screen_width=self.app.size.width)  # When is wider there
        self.refresh_bindings()
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``r`` and ``w`` only where the done and snoozed tasks are listed."""
        return self.aside or action not in ("reopen", "wake")

    def action_cycle_source(self) -> None:
        self.source = SOURCE_CYCLE[(SOURCE_CYCLE.index(self.source) + 1) % len(SOURCE_CYCLE)]
        self.load()

    def action_complete(self) -> None:
        task = self.current_task()
        if task is not None:
            self.write(Change("complete", task["id"], task["title"], due_on=task["due_on"]))

    def action_reopen(self) -> None:
        task = self.current_task()
        if task is None:
            return
        if task["completed_at"] is None:
            self.notify("This task is not done: w wakes a snoozed task.", severity="warning")
            return
        self.write(Change("reopen", task["id"], task["title"], due_on=task["due_on"]))

    def action_wake(self) -> None:
        task = self.current_task()
        if task is None:
            return
        if task["completed_at"] is not None:
            self.notify("This task is done, not snoozed: r reopens it.", severity="warning")
            return
        self.write(
            Change(
                "wake",
                task["id"],
                task["title"],
                before=task["snoozed_until"],
                due_on=task["due_on"],
            )
        )

    def action_undo(self) -> None:
        if not self.changes:
            self.notify("Nothing to undo.")
            return
        self.write(self.changes.pop().undoing(self.app.today), undo=True)

    def action_snooze(self) -> None:
        from tui.screens.snooze import SnoozeScreen

        task = self.current_task()
        if task is None:
            return
        if task["completed_at"] is not None:  # refused before a day is asked for
            self.notify("This task is done: r reopens it, then s snoozes it.", severity="warning")
            return

        def chosen(until: date | None) -> None:
            if until is not None:
                before = task["snoozed_until"]
                due = task["due_on"]
                self.write(Change("snooze", task["id"], task["title"], until, before, due))

        self.app.push_screen(
            SnoozeScreen(task["title"], self.app.today, task["account_name"]), chosen
        )

    def action_open(self) -> None:
        task = self.current_task()
        if task is None:
            return
        if task["account_id"] is None:
            self.notify("This task is not about an account.")
            return
        self.post_message(OpenAccount(account_id=task["account_id"]))

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_new(self) -> None:
        from tui.screens.task_form import TaskFormScreen

        def saved(task_id: int | None) -> None:
            if task_id is not None:
                self.cursor_to = task_id  # where space or s acts next
                self.load()

        self.app.push_screen(TaskFormScreen(), saved)

    @work(thread=True, exit_on_error=False, group="tasks-write", name="Updating a task")
    def write(self, change: Change, undo: bool = False) -> None:
        """Make ``change``; unless it is an ``undo``, ``u`` undoes it next."""
        from core.playbook import tasks

        app = self.app
        database, task_id, by, today = app.database, change.task_id, app.settings.author, app.today
        try:
            if change.what == "complete":
                tasks.complete(database, task_id, by)
            elif change.what == "reopen":  # still snoozed, if it was before it was done
                change = replace(change, before=tasks.reopen(database, task_id, by))
            elif change.what == "wake":
                tasks.wake(database, task_id, today, by)
            else:
                assert change.until is not None
                tasks.snooze(database, task_id, change.until, today, by)
        except tasks.TaskError as error:  # e.g. done by another user meanwhile
            app.call_from_thread(self.notify, str(error), severity="warning")
            app.call_from_thread(self.load)
            return
        app.call_from_thread(self._written, change, undo)

    def _written(self, change: Change, undo: bool) -> None:
        title = change.title
        said = {
            "complete": f"Done: {title}.",
            "reopen": f"Reopened: {title}.",
            "snooze": f"Snoozed until {change.until}: {title}.",
            "wake": f"Back in the queue, {_due_words(change.due_on, self.app.today)}: {title}.",
        }[change.what]
        asleep = change.what == "reopen" and change.before and change.before > self.app.today
        if asleep:  # snoozed before it was done: it still is
            said = f"Reopened: {title}, snoozed until {change.before}: w wakes it."
        if not undo:
            self.changes.append(change)
            said += " Press u to undo."
        self.notify(said, title="Task completed" if change.what == "complete" else "")
        self.load()
