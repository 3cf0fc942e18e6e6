"""The first screen on an empty database: load the demo book, or see how to bring
your own data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, LoadingIndicator, Static
from textual.worker import Worker

from tui.screens.dialog import Dialog

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy import Engine

WELCOME = """\
Welcome to cxtui, a customer-success workspace for the terminal.

This database has no accounts yet. Load the demo book (250 accounts with a year of \
interactions, surveys, tickets and revenue) to look around in a copy of its own (your \
database stays as it is), or import your own file (CSV, TSV, XLSX, Parquet or JSON \
lines; `cxtui import --help` does it from the command line). To import more files \
later (interactions, tickets, surveys...): i, on the dashboard or the accounts list."""


class WelcomeScreen(Dialog[None]):
    BINDINGS = [
        Binding("d", "load_demo", "Load the demo book", id="welcome.demo"),
        Binding("i", "import_file", "Import a file", id="welcome.import"),
        Binding("escape", "dismiss", "Start empty", id="welcome.close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="welcome"):
            yield Static("cxtui", classes="dialog-title", markup=False)
            yield Static(WELCOME, classes="dialog-text", markup=False)
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
        """A fresh demo copy of its own (as ``cxtui --demo`` makes), never the user's
        database: writing the demo there would mix it with the user's own book."""
        import shutil

        from core.store.db import open_engine
        from sample_data import fresh_demo_database

        url, folder = fresh_demo_database(as_of=self.app.today)
        try:
            engine = open_engine(url)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self.app.call_from_thread(self._loaded, url, folder, engine)

    def _loaded(self, url: str, folder: Path, engine: Engine) -> None:
        from core.store.db import sqlite_path

        self.app.use_demo_database(url, folder, engine)
        self.app.run_rules_now(quiet=True)
        self.notify(
            f"Demo book loaded into {sqlite_path(url)}; your own database is untouched. "
            "This copy is removed when you quit (cxtui --demo opens a fresh one).",
            title="Demo book",
            timeout=15,
        )
        self.dismiss()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.is_finished and event.worker.error is not None:
            self.query_one(LoadingIndicator).display = False
            self.query_one("#demo", Button).disabled = False
