"""``?``: the keys of the screen underneath and of the app, read from the real
bindings (so remapped or added keys show up here by themselves)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from tui.screens.dialog import Dialog


class HelpScreen(Dialog[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="help.close")]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help"):
            yield Static(
                f"Keys: {self.under.sub_title or self.under.title or 'cxtui'}",
                classes="dialog-title",
                markup=False,
            )
            yield Static(self.bindings_table(), id="help-keys", markup=False)
            yield Static(
                Text("esc closes this help · ctrl+p opens the command palette", style="dim"),
                markup=False,
            )

    def bindings_table(self) -> Table:
        table = Table(box=None, padding=(0, 2), show_header=True, header_style="bold")
        table.add_column("Key")
        table.add_column("Does")
        table.add_column("Where")
        table.add_column("Id", style="dim")
        seen: set[tuple[str, str]] = set()
        for key, active in self.under.active_bindings.items():
            binding = active.binding
            if (binding.action, key) in seen or not binding.description:
                continue
            seen.add((binding.action, key))
            where = "everywhere" if active.node is self.app else type(active.node).__name__
            table.add_row(
                binding.key_display or self.app.get_key_display(binding),
                binding.description,
                where,
                binding.id or "",
            )
        return table
