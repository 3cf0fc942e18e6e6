"""A screen that lists rows read by a worker, with an honest empty state; the goals
and tasks screens are made of it until they get their own."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, LoadingIndicator, Static

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy import Engine


class RowsLoaded(Message):
    def __init__(self, frame: pl.DataFrame) -> None:
        super().__init__()
        self.frame = frame


class ListingScreen(Screen[None]):
    DEFAULT_CSS = """
    ListingScreen #listing-note { padding: 0 1; height: auto; color: $text-muted; }
    ListingScreen DataTable { height: 1fr; }
    ListingScreen LoadingIndicator { height: 3; }
    """
    TITLE_TEXT = ""
    EMPTY_TEXT = ""
    COLUMNS: tuple[tuple[str, str], ...] = ()
    """(frame column, label)"""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="listing-note")
        yield LoadingIndicator()
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.TITLE_TEXT
        table = self.query_one(DataTable)
        for _key, label in self.COLUMNS:
            table.add_column(label)
        self.load()

    def on_screen_resume(self) -> None:
        if self.is_mounted and self.query(DataTable):
            self.load()

    def read(self, engine: Engine) -> pl.DataFrame:
        raise NotImplementedError

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        self.post_message(RowsLoaded(self.read(self.app.engine)))  # type: ignore[attr-defined]

    @on(RowsLoaded)
    def _loaded(self, message: RowsLoaded) -> None:
        self.query_one(LoadingIndicator).display = False
        frame = message.frame
        table = self.query_one(DataTable)
        table.clear()
        for row in frame.select([key for key, _ in self.COLUMNS]).iter_rows():
            table.add_row(*[_cell(value) for value in row])
        note = (
            self.EMPTY_TEXT if frame.is_empty() else f"{frame.height:,} {self.TITLE_TEXT.lower()}"
        )
        self.query_one("#listing-note", Static).update(note)
        table.display = not frame.is_empty()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
