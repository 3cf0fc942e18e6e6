"""Key bindings that several screens share."""

from __future__ import annotations

from textual.binding import Binding, BindingType


def row_cursor_bindings(prefix: str) -> list[BindingType]:
    """``j`` and ``k`` (not shown in the footer) run the screen's
    ``action_cursor("down")`` and ``action_cursor("up")``; their ids are
    ``PREFIX.down`` and ``PREFIX.up``."""
    return [
        Binding("j", "cursor('down')", "Down", id=f"{prefix}.down", show=False),
        Binding("k", "cursor('up')", "Up", id=f"{prefix}.up", show=False),
    ]
