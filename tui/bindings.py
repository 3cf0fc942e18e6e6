"""Key bindings that several screens share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.actions import SkipAction
from textual.binding import Binding, BindingType

if TYPE_CHECKING:
    from textual.widget import Widget


def row_cursor_bindings(prefix: str) -> list[BindingType]:
    """``j`` and ``k`` (not shown in the footer) run the screen's
    ``action_cursor("down")`` and ``action_cursor("up")``; their ids are
    ``PREFIX.down`` and ``PREFIX.up``."""
    return [
        Binding("j", "cursor('down')", "Down", id=f"{prefix}.down", show=False),
        Binding("k", "cursor('up')", "Up", id=f"{prefix}.up", show=False),
    ]


def row_end_bindings(prefix: str) -> list[BindingType]:
    """``home`` and ``end`` (not shown in the footer; ``?`` lists them as "First row"
    and "Last row") run the screen's ``action_row(0)`` and ``action_row(-1)``, which
    ``go_to_row`` does. Priority bindings: they come before the focused table's own
    ``home`` and ``end``, which scroll a Textual table sideways. Their ids are
    ``PREFIX.first_row`` and ``PREFIX.last_row``."""
    return [
        Binding("home", "row(0)", "First row", id=f"{prefix}.first_row", show=False, priority=True),
        Binding("end", "row(-1)", "Last row", id=f"{prefix}.last_row", show=False, priority=True),
    ]


def go_to_row(focused: Widget | None, index: int) -> None:
    """The cursor of the table or list in focus on its row ``index`` (0 the first, -1
    the last; in a list, of the items it can highlight: not a heading). Anywhere else
    (a field, a tile) the key does what it does there."""
    from textual.widgets import DataTable, ListView  # not on the way to the first frame

    if isinstance(focused, DataTable):
        if focused.row_count:
            focused.move_cursor(row=index % focused.row_count, animate=False)
    elif isinstance(focused, ListView):
        items = [row for row, item in enumerate(focused.children) if not item.disabled]
        if items:
            focused.index = items[index]
    else:
        raise SkipAction()


def step_bindings(prefix: str, previous: str, next_: str, both: str) -> list[BindingType]:
    """``[`` and ``]`` run the screen's ``action_step(-1)`` and ``action_step(1)``,
    described as ``previous`` and ``next_`` (in ``?``), shown together in the footer as
    ``[ ] both``; their ids are ``PREFIX.previous`` and ``PREFIX.next``."""
    group = Binding.Group(both)
    return [
        Binding(
            "left_square_bracket",
            "step(-1)",
            previous,
            id=f"{prefix}.previous",
            key_display="[",
            group=group,
        ),
        Binding(
            "right_square_bracket",
            "step(1)",
            next_,
            id=f"{prefix}.next",
            key_display="]",
            group=group,
        ),
    ]
