"""The first launch without a user name: "Who are you?". The name is written to the
config file (and the dialog says where); every write of the app records it, and it
picks "my book". Escape asks again next time and records the login name meanwhile."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from core.text import has_control, text_problem
from tui.screens.dialog import Dialog

NAME_LIMIT = 80
"""The length of the columns that record who wrote (``logged_by``, ``edited_by``...)."""


class WhoAreYouScreen(Dialog[str | None]):
    """Dismissed with the name typed, or None (escape)."""

    DEFAULT_CSS = """
    WhoAreYouScreen #who-error { color: $error; }
    """
    BINDINGS = [Binding("escape", "cancel", "Not now", id="who.cancel")]

    def __init__(self, config: Path | None, login: str) -> None:
        super().__init__()
        self.config = config
        self.login = login

    def compose(self) -> ComposeResult:
        where = f"It is saved in {self.config}." if self.config else ""
        with Vertical(classes="dialog"):
            yield Static("Who are you?", classes="dialog-title", markup=False)
            yield Static(
                "Your name is recorded with what you write (calls logged, check-ins, "
                f"overrides) and picks your book (m on the list). {where} "
                f"Escape: ask again next time, and record you as {self.login!r} meanwhile.",
                classes="dialog-text",
                markup=False,
            )
            yield Input(placeholder="e.g. Maya Lindqvist", id="who-name")
            yield Static("", id="who-error", markup=False)

    @on(Input.Submitted, "#who-name")
    def _named(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        problem = (
            "type your name, then enter"
            if not name
            else "no control characters, please"
            if has_control(name)
            else text_problem(name, NAME_LIMIT)
        )
        if problem:
            self.query_one("#who-error", Static).update(problem)
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)
