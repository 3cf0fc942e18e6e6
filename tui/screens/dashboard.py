"""The dashboard (key ``1``): what the book holds today, from the loaded accounts
list. The metrics dashboard (churn, NRR, NPS, goals) replaces it in its own issue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from core.accounts import BANDS, book_summary
from tui.format import money

if TYPE_CHECKING:
    import polars as pl


class DashboardScreen(Screen[None]):
    DEFAULT_CSS = """
    DashboardScreen #summary { padding: 1 2; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading…", id="summary")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Dashboard"
        self.app.book_signal.subscribe(self, self.show)  # type: ignore[attr-defined]
        if self.app.book is not None:  # type: ignore[attr-defined]
            self.show(self.app.book)  # type: ignore[attr-defined]

    def show(self, book: pl.DataFrame) -> None:
        summary = book_summary(book)
        theme = self.app.current_theme
        colours = {"green": theme.success, "yellow": theme.warning, "red": theme.error}
        table = Table(box=None, padding=(0, 2), show_header=False)
        table.add_column(style="bold")
        table.add_column(justify="right")
        table.add_row("Accounts", f"{summary.accounts:,}")
        table.add_row("Active (not churned)", f"{summary.active:,}")
        table.add_row("MRR of active accounts", money(summary.mrr_cents))
        table.add_row(
            "Renewing in 30 days",
            f"{summary.renewing_30d:,} ({money(summary.renewing_30d_mrr_cents)} MRR)",
        )
        for band in BANDS:
            table.add_row(Text(f"● {band}", style=colours[band] or ""), f"{summary.bands[band]:,}")
        table.add_row(Text("no score yet", style="dim"), f"{summary.bands[None]:,}")
        title = Text.assemble(
            ("Book today", "bold"),
            (f"  as of {self.app.today.isoformat()}", "dim"),  # type: ignore[attr-defined]
            "\n",
        )
        grid = Table.grid()
        grid.add_row(title)
        grid.add_row(table)
        self.query_one("#summary", Static).update(grid)
