"""``?``: the keys of the screen underneath and of the app, read from the real
bindings (so remapped or added keys show up here by themselves)."""

from __future__ import annotations

import re

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from tui.screens.dialog import Dialog

WIDGET_WORDS = {
    "AccountsTable": "the list",
    "GoalList": "the list",
    "DataTable": "the table",
    "KpiTile": "a tile",
    "VerticalScroll": "the page",
}
"""Where the keys of a widget work, said of its class (another class: its name's words,
'the text area')."""


def where_words(node: object, under: Screen, app: object) -> str:
    """Where a key bound on ``node`` works, in words: the help listed 'PlaybookScreen',
    'AccountsTable', 'KpiTile'."""
    if node is app:
        return "everywhere"
    if node is under:
        return "this screen"
    name = type(node).__name__
    return WIDGET_WORDS.get(name) or "the " + " ".join(re.findall(r"[A-Z][a-z]*", name)).lower()


class HelpScreen(Dialog[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="help.close")]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        legend = self.legend_table()
        with VerticalScroll(classes="dialog", id="help"):
            yield Static(
                f"{'Columns and keys' if legend else 'Keys'}: "
                f"{self.under.sub_title or self.under.title or 'cxtui'}",
                classes="dialog-title",
                markup=False,
            )
            if legend is not None:  # first: the keys are many, the columns few
                yield Static(legend, id="help-legend", classes="dialog-text", markup=False)
            yield Static(self.bindings_table(), id="help-keys", markup=False)
            yield Static(
                Text("esc closes this help · ctrl+p opens the command palette", style="dim"),
                markup=False,
            )

    def legend_table(self) -> Table | None:
        """What the columns of the screen underneath show, when it says
        (``help_legend``: each column's label and its legend)."""
        help_legend = getattr(self.under, "help_legend", None)
        rows: list[tuple[str, str]] = help_legend() if help_legend is not None else []
        if not rows:
            return None
        table = Table(box=None, padding=(0, 2), show_header=True, header_style="bold")
        table.add_column("Column", no_wrap=True)
        table.add_column("Shows")
        for label, legend in rows:
            table.add_row(Text(label), Text(legend))
        return table

    def bindings_table(self) -> Table:
        """cxtui's own keys first (those with an id: the screen's, then the app's),
        then the widgets' keys for moving around, each action once: a list's forty
        cursor keys (shift+, ctrl+ variants) came first and hid the screen's."""
        table = Table(box=None, padding=(0, 2), show_header=True, header_style="bold")
        table.add_column("Key")
        table.add_column("Does")
        table.add_column("Where")  # no keymap ids: nothing the user can do takes one
        rows: list[tuple[int, bool, str, str, str]] = []
        seen: set[tuple[str, str]] = set()
        for key, active in self.under.active_bindings.items():
            binding = active.binding
            if (binding.action, key) in seen or not binding.description:
                continue
            seen.add((binding.action, key))
            everywhere = active.node is self.app
            group = 2 if not binding.id else 1 if everywhere else 0
            where = where_words(active.node, self.under, self.app)
            key_shown = binding.key_display or self.app.get_key_display(binding)
            # a screen's priority key (home, end) took the place of the focused table's
            # own, above the screen's keys: it is listed after them
            rows.append((group, binding.priority, key_shown, binding.description, where))
        moving: set[str] = set()
        for group, _, key_shown, description, where in sorted(rows, key=lambda r: r[:2]):
            if group == 2:
                if description in moving:
                    continue  # the same move by another key (shift+, ctrl+)
                moving.add(description)
            table.add_row(key_shown, description, where)
        return table
