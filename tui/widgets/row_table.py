"""A table of rows whose ``home`` and ``end`` go to its first and last row, as the
accounts list's do: Textual's own ``DataTable`` scrolls sideways on them (its
``ctrl+home`` and ``ctrl+end`` go to the first and last row)."""

from __future__ import annotations

from textual.binding import Binding, BindingType
from textual.widgets import DataTable


class RowTable(DataTable[object]):
    BINDINGS: list[BindingType] = [
        Binding("home", "scroll_top", "First row", id="rows.first", show=False),
        Binding("end", "scroll_bottom", "Last row", id="rows.last", show=False),
    ]
