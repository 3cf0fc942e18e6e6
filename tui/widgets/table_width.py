"""A table of fixed columns and one that takes the room left (the task queue's Task,
the Playbook's Settings), and the words that count the columns out of view."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.widgets.accounts_table import columns_in_view

if TYPE_CHECKING:
    from textual.widgets import DataTable


def flexible_width(
    screen_width: int, columns: tuple[tuple[str, int], ...], label: str, keep: int, minimum: int
) -> int:
    """The width of the column ``label`` among ``columns`` (label, width): the room
    the others leave when every column fits (a wide terminal shows it whole); else its
    own width, or less in a terminal too narrow for the first ``keep`` columns side by
    side, so that they stay on screen; never below ``minimum``."""

    def room(shown: tuple[tuple[str, int], ...]) -> int:
        # every cell has a column of padding each side; 2 more for the scrollbar
        others = sum(width + 2 for name, width in shown if name != label)
        return screen_width - others - 2 - 2

    own = dict(columns)[label]
    if room(columns) >= own:
        return room(columns)
    return max(minimum, min(own, room(columns[:keep])))


def out_of_view(table: DataTable[object]) -> str | None:
    """The columns out of view, as the accounts list says those on its right ("→ 4
    more columns: → scrolls"), either side ("← 1 · → 3 more columns"); None when all
    are in view or the table has no rows. One cut on the right is out of view, as
    there; one on the left when no more than its padding cell shows."""
    if not table.size.width or not table.row_count:
        return None
    columns = table.ordered_columns
    scrolled = round(table.scroll_x)
    seen = columns_in_view(scrolled + table.scrollable_content_region.width, columns)
    left, right = columns_in_view(scrolled + 1, columns), len(columns) - seen
    sides = [f"{arrow} {count}" for arrow, count in (("←", left), ("→", right)) if count]
    if not sides:
        return None
    more = f"{' · '.join(sides)} more column{'s' if left + right != 1 else ''}"
    return more if len(sides) == 2 else f"{more}: {sides[0][0]} scrolls"
