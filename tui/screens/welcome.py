"""The first screen on an empty database: load the demo book, or see how to bring
your own data."""

from __future__ import annotations

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, LoadingIndicator, Static
from textual.worker import Worker

from tui.app import CxtuiApp
from tui.messages import BookChanged

WELCOME = """\
Welcome to cxtui, a customer-success workspace for the terminal.

This database has no accounts yet. Load the demo book (250 accounts with a year of \
interactions, surveys, tickets and revenue) to look around, or import your own file \
(CSV, TSV, XLSX, Parquet or JSON lines; `cxtui import --help` does it from the command line)."""


class WelcomeScreen(ModalScreen[None]):
    app = getters.app(CxtuiApp)

    CSS_PATH = "dialog.tcss"
    BINDINGS = [
        Binding("d", "load_demo", "Load the demo book", id="welcome.demo"),
        Binding("i", "import_file", "Import a file", id="welcome.import"),
        Binding("escape", "dismiss", "Start empty", id="welcome.close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="welcome"):
            yield Static("cxtui", classes="dialog-title")
            yield Static(WELCOME, classes="dialog-text")
            yield LoadingIndicator()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Load the demo book (d)", variant="primary", id="demo")
                yield Button("Import a file (i)", id="import")
                yield Button("Start empty (esc)", id="close")

    def on_mount(self) -> None:
        self.query_one(LoadingIndicator).display = False
        self.query_one("#demo", Button).focus()

    @on(Button.Pressed, "#demo")
    def action_load_demo(self) -> None:
        self.query_one(LoadingIndicator).display = True
        self.query_one("#demo", Button).disabled = True
        self.load_demo()

    @on(Button.Pressed, "#import")
    def action_import_file(self) -> None:
        self.dismiss()
        self.app.action_import()

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss()

    @work(
        thread=True, exclusive=True, exit_on_error=False, group="demo", name="Loading the demo book"
    )
    def load_demo(self) -> None:
        from sample_data import load_demo

        counts = load_demo(self.app.database, as_of=self.app.today)
        self.app.call_from_thread(self._loaded, counts)

    def _loaded(self, counts: dict[str, int]) -> None:
        self.app.post_message(BookChanged())
        self.app.run_rules_now(quiet=True)
        self.notify(f"Demo book loaded: {counts.get('account', 0):,} accounts.")
        self.dismiss()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.is_finished and event.worker.error is not None:
            self.query_one(LoadingIndicator).display = False
            self.query_one("#demo", Button).disabled = False
