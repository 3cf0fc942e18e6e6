"""``n`` on the task queue: a task written by hand. The account is named (completed
from the book's names), the due date typed; every refusal is shown in words next to
its field, and a refused form writes nothing and keeps what was typed."""

from __future__ import annotations

from datetime import date

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Static

from core.dates import day_label, parse_day
from tui.screens.dialog import Dialog, save_cancel_bindings, save_cancel_buttons

FIELDS = (
    ("account", "Account (name or external id; empty for none)", "start typing a name"),
    ("title", "Task", "what to do, e.g. Send the QBR deck"),
    ("due_on", day_label("Due"), ""),
    ("owner", "Owner", "who does it"),
)


class TaskFormScreen(Dialog[int | None]):
    """Dismissed with the new task's id, or None when cancelled."""

    DEFAULT_CSS = """
    TaskFormScreen Label { padding: 1 0 0 0; }
    TaskFormScreen .field-error { color: $error; height: auto; }
    """
    BINDINGS = save_cancel_bindings("task_form")
    AUTO_FOCUS = ""  # not None: that is the app's AUTO_FOCUS
    """The account takes the focus in ``on_mount``, not scrolled to (GoalFormScreen's
    AUTO_FOCUS: the form opened four lines down at 80x24)."""

    def __init__(self) -> None:
        super().__init__()
        self.defaults: dict[str, str] = {}

    @property
    def unsaved(self) -> bool:
        """Something was typed (the app asks before quitting)."""
        return self.is_mounted and any(
            self.value(name) != self.defaults.get(name, "") for name, _label, _hint in FIELDS
        )

    def compose(self) -> ComposeResult:
        app = self.app
        names = [] if app.book is None else app.book["name"].to_list()
        defaults = {"due_on": app.today.isoformat(), "owner": app.settings.current_user or ""}
        self.defaults = defaults
        with Vertical(classes="dialog", id="task-form"):
            yield Static("New task", classes="dialog-title", markup=False)
            for name, label, placeholder in FIELDS:
                yield Label(label, markup=False)
                yield Input(
                    defaults.get(name, ""),
                    placeholder=placeholder,
                    id=name,
                    suggester=SuggestFromList(names, case_sensitive=False)
                    if name == "account"
                    else None,
                )
                yield Static("", id=f"{name}-error", classes="field-error", markup=False)
            yield save_cancel_buttons()

    def on_mount(self) -> None:
        self.query_one("#account", Input).focus(scroll_visible=False)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self.query_one(f"#{event.input.id}-error", Static).update("")

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        """Enter moves to the next field; on the last one it saves. On the account, it
        takes the name its completion shows first (typed 'aster fo', 'Aster Foods'
        shown: enter then save refused 'no account is named "aster fo"')."""
        if event.input.id == "account":
            event.input.cursor_position = len(event.input.value)
            event.input.action_cursor_right()  # Textual's: takes the completion shown
        if event.input.id == FIELDS[-1][0]:
            self.action_save()
        else:
            self.focus_next()

    def value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    def problem(self, field: str, text: str) -> None:
        """Say what is wrong under ``field``, and put the cursor there: what is typed
        next is its correction."""
        self.query_one(f"#{field}-error", Static).update(text)
        self.query_one(f"#{field}", Input).focus()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        today: date = self.app.today
        try:
            due = parse_day(self.value("due_on"), today)
        except ValueError as error:
            self.problem("due_on", str(error))
            return
        self.write(self.value("account"), self.value("title"), due, self.value("owner"))

    @work(thread=True, exclusive=True, exit_on_error=False, group="task-form", name="Saving a task")
    def write(self, account: str, title: str, due: date, owner: str) -> None:
        from core.playbook.tasks import TaskError, account_named, add_manual_task

        app = self.app
        try:
            account_id = account_named(app.database, account)
            task_id = add_manual_task(
                app.database, title, due, owner, account_id, today=app.today, by=app.settings.author
            )
        except TaskError as error:
            app.call_from_thread(self.problem, error.field or "title", str(error))
            return
        app.call_from_thread(self._saved, task_id, title.strip())

    def _saved(self, task_id: int, title: str) -> None:
        self.notify(f"Task added: {title}.")
        self.dismiss(task_id)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        from tui.screens.confirm import close_form

        close_form(self, self.unsaved, None, "Discard this task?")
