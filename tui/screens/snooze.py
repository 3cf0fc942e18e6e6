"""``s`` on the task queue: snooze a task for a day, a week, or until a date typed."""

from __future__ import annotations

from datetime import date, timedelta

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from core.dates import parse_day
from core.text import visible
from tui.screens.confirm import close_form
from tui.screens.dialog import Dialog


class SnoozeScreen(Dialog[date | None]):
    """Dismissed with the day the task comes back, or None."""

    DEFAULT_CSS = """
    SnoozeScreen Label { padding: 1 0 0 0; }
    SnoozeScreen #snooze-error { color: $error; }
    """
    BINDINGS = [
        Binding("1", "days(1)", "1 day", id="snooze.day"),
        Binding("w", "days(7)", "1 week", id="snooze.week"),
        Binding("escape", "cancel", "Cancel", id="snooze.cancel"),
    ]

    def __init__(self, title: str, today: date, account: str | None = None) -> None:
        super().__init__()
        self.task_title = title
        self.account = account
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                f"Snooze: {visible(self.account)}" if self.account else "Snooze",
                classes="dialog-title",
                markup=False,
            )
            yield Static(visible(self.task_title), classes="dialog-text", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("1 day (1)", variant="primary", id="day")
                yield Button("1 week (w)", id="week")
            yield Label(
                "Or until a day (tomorrow, +7d, next monday, 2026-03-01), then enter", markup=False
            )
            yield Input(
                placeholder=(self.today + timedelta(days=3)).isoformat(),
                id="until",
                select_on_focus=False,  # the first letter typed on a button stays (on_key)
            )
            yield Static("", id="snooze-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#day", Button).focus()

    def on_key(self, event: events.Key) -> None:
        """A day typed on the buttons goes to the day's field: typed '+3d' or
        'tomorrow', then enter, did nothing (seen in tmux on the demo book), the
        buttons had the focus. 1 and w stay the buttons' keys."""
        until = self.query_one("#until", Input)
        typed = event.character
        if until.has_focus or not event.is_printable or not typed or typed in "1w ":
            return
        event.stop()
        event.prevent_default()
        until.focus()
        until.insert_text_at_cursor(typed)

    @on(Button.Pressed, "#day")
    def _day(self) -> None:
        self.action_days(1)

    @on(Button.Pressed, "#week")
    def _week(self) -> None:
        self.action_days(7)

    def action_days(self, days: int) -> None:
        self.dismiss(self.today + timedelta(days=days))

    @on(Input.Submitted, "#until")
    def _typed(self, event: Input.Submitted) -> None:
        try:
            until = parse_day(event.value, self.today)
        except ValueError as error:
            self.query_one("#snooze-error", Static).update(str(error))
            return
        if until <= self.today:
            self.query_one("#snooze-error", Static).update(
                f"{until} is not after today ({self.today}): pick a later day"
            )
            return
        self.dismiss(until)

    @property
    def unsaved(self) -> bool:
        """Whether a day is typed, which escape would lose."""
        return bool(self.query_one("#until", Input).value.strip())

    def action_cancel(self) -> None:
        close_form(self, self.unsaved, None)
