"""Drill-through (``enter`` on a dashboard tile): the formula with its actual counts,
and the accounts or records behind the number. ``enter`` on a row opens the
account's 360; ``escape`` goes back to the dashboard."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from tui.bindings import go_to_row, row_end_bindings
from tui.format import literal
from tui.messages import OpenAccount
from tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from core.metrics.drill import Drill

ROW_CAP = 2_000


def cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if column.endswith("_cents"):
        return exact_money(int(value))
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def exact_money(cents: int) -> str:
    """Cents to the cent, as the formula shows them: -1234 is "-$12.34"."""
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


ACRONYMS = {"mrr": "MRR", "nps": "NPS", "csat": "CSAT"}


def heading(column: str) -> str:
    """A column's heading as the other tables write theirs: "start_mrr_cents" is
    "Start MRR" (it read "start mrr", a frame's column name)."""
    words = [ACRONYMS.get(word, word) for word in column.removesuffix("_cents").split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _shown(column: str, value: Any) -> Text:
    """A cell as shown: an amount right-aligned, as the accounts list's MRR."""
    text: Text = literal(cell(column, value))
    if column.endswith("_cents"):
        text.justify = "right"
    return text


class DrillScreen(Screen[None]):
    DEFAULT_CSS = """
    DrillScreen #drill-title { padding: 1 2 0 2; text-style: bold; }
    DrillScreen #drill-formula { padding: 0 2 1 2; color: $accent; }
    DrillScreen #drill-note { padding: 0 2; color: $text-muted; }
    DrillScreen DataTable { height: 1fr; margin: 0 1; }
    """
    BINDINGS = [
        # shown: the footer said '? Help q Quit' alone, no way back to the dashboard
        Binding("escape", "app.back", "Back", id="drill.back"),
        *row_end_bindings("drill"),
    ]

    def __init__(self, drill: Drill, context: str) -> None:
        super().__init__()
        self.drill = drill
        self.context = context

    def compose(self) -> ComposeResult:
        yield Header()
        # the context names a segment or owner as the book does: not markup
        yield Static(f"{self.drill.title} · {self.context}", id="drill-title", markup=False)
        yield Static(self.drill.formula, id="drill-formula", markup=False)
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Static("", id="drill-note", markup=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = "Drill-through"
        rows = self.drill.rows
        table = self.query_one(DataTable)
        # an account's id keys its row (enter opens it), never shown: its name says which
        shown = [column for column in rows.columns if column != "account_id"]
        table.add_columns(*[heading(column) for column in shown])
        for index, row in enumerate(rows.head(ROW_CAP).iter_rows(named=True)):
            account = row.get("account_id")
            table.add_row(
                *[_shown(column, row[column]) for column in shown],
                key=None if account is None else f"{account}:{index}",
            )
        note = "Nothing behind this number in the period." if rows.is_empty() else ""
        opens = " · enter opens the account" if "account_id" in rows.columns else ""
        if rows.height > ROW_CAP:
            note = f"Showing the first {ROW_CAP:,} of {rows.height:,} rows{opens}"
        elif rows.height:
            note = f"{rows.height:,} rows{opens}"
        self.query_one("#drill-note", Static).update(note)
        table.focus()

    def action_row(self, index: int) -> None:
        go_to_row(self.focused, index)

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is None:
            return
        account_id = int(event.row_key.value.split(":")[0])
        ids = self.drill.rows["account_id"].unique(maintain_order=True).to_list()
        self.post_message(OpenAccount(account_id=account_id, ids=ids))
