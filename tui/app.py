"""The Textual app. ``make_app`` is what the CLI and the tests build."""

from __future__ import annotations

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static


class CxtuiApp(App[None]):
    TITLE = "cxtui"
    BINDINGS = [Binding("q", "quit", "Quit", id="quit")]

    def __init__(self, db_url: str) -> None:
        super().__init__()
        self.db_url = db_url

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Opening the database…", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.load_summary()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load_summary(self) -> None:
        from sqlalchemy import func
        from sqlmodel import Session, select

        from core.db import open_engine
        from core.models import Account

        engine = open_engine(self.db_url)
        with Session(engine) as session:
            count = session.exec(select(func.count()).select_from(Account)).one()
        engine.dispose()
        self.call_from_thread(self.query_one("#status", Static).update, f"{count:,} accounts")


def make_app(db_url: str) -> CxtuiApp:
    return CxtuiApp(db_url)
