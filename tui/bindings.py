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


def step_bindings(prefix: str, previous: str, next_: str) -> list[BindingType]:
    """``[`` and ``]`` run the screen's ``action_step(-1)`` and ``action_step(1)``,
    shown as ``previous`` and ``next_``; their ids are ``PREFIX.previous`` and
    ``PREFIX.next``."""
    return [
        Binding(
            "left_square_bracket", "step(-1)", previous, id=f"{prefix}.previous", key_display="["
        ),
        Binding("right_square_bracket", "step(1)", next_, id=f"{prefix}.next", key_display="]"),
    ]
