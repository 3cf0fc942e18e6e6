"""``c`` on the accounts list: which columns it shows and in which order.

Every column of the list is listed, the shown ones first in their order: space shows
or hides the highlighted one (Name is always shown), shift+up / shift+down (or ``[``
``]``) move it, enter applies, escape cancels.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from core.config.list_columns import ALWAYS_SHOWN
from tui.screens.dialog import Dialog
from tui.widgets.accounts_table import ListColumn


class ColumnChooser(Dialog[tuple[str, ...] | None]):
    """Dismissed with the names of the columns to show, in order, or None."""

    DEFAULT_CSS = """
    ColumnChooser OptionList { height: auto; max-height: 14; }
    ColumnChooser #columns-keys { padding-top: 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("space", "toggle", "Show / hide", id="columns.toggle"),
        Binding(
            "shift+up,left_square_bracket",
            "move(-1)",
            "Move up",
            id="columns.up",
            key_display="shift+↑ [",
        ),
        Binding(
            "shift+down,right_square_bracket",
            "move(1)",
            "Move down",
            id="columns.down",
            key_display="shift+↓ ]",
        ),
        Binding("enter", "apply", "Apply", id="columns.apply"),
        Binding("escape", "cancel", "Cancel", id="columns.cancel"),
    ]

    def __init__(self, shown: Sequence[ListColumn], every: Sequence[ListColumn]) -> None:
        """``shown``: the list's columns, in order; ``every``: all of them, in the
        default order (the hidden ones are listed after the shown ones, in that order)."""
        super().__init__()
        self.order = [*shown, *(column for column in every if column not in shown)]
        self.shown = {column.name for column in shown}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Columns of the accounts list", classes="dialog-title", markup=False)
            yield OptionList(*self._options(), id="columns")
            yield Static(
                "space show / hide · shift+↑ shift+↓ or [ ] move · enter apply · esc cancel",
                id="columns-keys",
                markup=False,
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def _options(self) -> list[Option]:
        return [Option(self._prompt(column), id=column.name) for column in self.order]

    def _prompt(self, column: ListColumn) -> Text:
        mark = "[x]" if column.name in self.shown else "[ ]"
        always = "  (always shown)" if column.name == ALWAYS_SHOWN else ""
        return Text(f"{mark} {column.title}{always}")

    @property
    def _list(self) -> OptionList:
        return self.query_one(OptionList)

    def chosen(self) -> tuple[str, ...]:
        """The names of the columns shown, in the order listed."""
        return tuple(column.name for column in self.order if column.name in self.shown)

    def action_toggle(self) -> None:
        index = self._list.highlighted
        if index is None:
            return
        column = self.order[index]
        if column.name == ALWAYS_SHOWN:
            self.notify(f"{column.label} is always shown.", severity="warning")
            return
        self.shown ^= {column.name}
        self._list.replace_option_prompt_at_index(index, self._prompt(column))

    def action_move(self, step: int) -> None:
        options = self._list
        index = options.highlighted
        if index is None or not 0 <= index + step < len(self.order):
            return
        order = self.order
        order[index], order[index + step] = order[index + step], order[index]
        options.set_options(self._options())
        options.highlighted = index + step

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on the list (its own binding) applies, as enter does anywhere here."""
        event.stop()
        self.action_apply()

    def action_apply(self) -> None:
        self.dismiss(self.chosen())

    def action_cancel(self) -> None:
        self.dismiss(None)
