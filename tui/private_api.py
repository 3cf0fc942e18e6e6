"""Every private name of Textual and textual-fastdatatable that cxtui relies on.

The rest of ``tui`` reaches them only through the functions here, so an upgrade
that renames or removes one breaks this module alone, and
``tests/tui/test_private_api.py`` names what went missing. pyproject.toml pins
both libraries below their next minor version for this reason; check this module
(and run that test) before raising a pin. No private name of rich is used.

Besides the functions, ``AccountsTable`` overrides private methods of
textual-fastdatatable's ``DataTable`` (``TABLE_HOOKS``), and ``CxtuiApp`` one of
Textual's ``App`` (``APP_HOOKS``): an override must keep the name and signature of
the method it replaces, so those stay in their classes.

Its imports are for type checking only: importing it loads nothing more (the
app's first frame comes before the table library is loaded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.style import Style
    from textual.app import App
    from textual.cache import LRUCache
    from textual.geometry import Size
    from textual.screen import Screen
    from textual.widget import PseudoClasses, Widget
    from textual_fastdatatable import DataTable

TABLE_HOOKS = ("_render_line_in_row", "_update_dimensions", "_size_updated")
"""Private methods of textual-fastdatatable's ``DataTable`` (``_size_updated``:
Textual's ``ScrollView``) that ``tui.widgets.accounts_table.AccountsTable``
overrides: drawing a body row in one pass (the library renders each cell through
rich's ``Console.render_lines``), the scrollable size from the row count alone,
and no refresh of the scrollbars on a layout that changed no size. Their docstrings
in ``accounts_table`` say why."""

APP_HOOKS = ("_handle_exception",)
"""Private methods of Textual's ``App`` that ``tui.app.CxtuiApp`` overrides: what
becomes of an error no one handled (the app ends, its traceback printed), made to
end the app even when drawing the traceback fails. Its docstring says why."""


# ---------------------------------------------------------------- Textual: App


async def check_bindings(app: App[Any], key: str, priority: bool = False) -> bool:
    """Run the binding of ``key`` now (``App._check_bindings``), True if one ran.

    ``CxtuiApp.on_event`` runs the bindings of focus-moving keys before the next key
    is routed (and ``_run_in_field`` the rest of a key whose text field's own action
    did not run); Textual has no public way to run the bindings of a key
    (``simulate_key`` posts it and goes through the same routing that came too late)."""
    return await app._check_bindings(key, priority=priority)


# ------------------------------------------------------------ Textual: Screen


def copy_css_update_count(screen: Screen[Any]) -> None:
    """Mark ``screen`` as styled with the app's stylesheet as it is: copy the app's
    ``_css_update_count`` to the screen's.

    A screen whose count differs from the app's makes Textual re-parse the whole
    stylesheet and restyle every screen when it is first shown as a mode (~0.1 s);
    there is no public way to say a screen needs no restyle. Where the attribute
    does not exist, nothing is done and the screen is styled the usual way."""
    count = getattr(screen.app, "_css_update_count", None)
    if count is not None:
        screen._css_update_count = count


# ------------------------------------------------------------ Textual: Widget


def check_refresh(widget: Widget) -> None:
    """Post the refresh ``widget`` has pending now (``Widget._check_refresh``), as
    it does when it is next idle: so that the screen draws it in the frame it is
    about to draw, not in a second one (``accounts_table.post_refresh_now``)."""
    widget._check_refresh()


def update_scrollbars(widget: Widget, virtual_size: Size) -> None:
    """Update the scrollbars for a new ``virtual_size`` without laying out the
    screen (``Widget._scroll_update``), as Textual does itself for a size known
    without layout. There is no public call that does only that."""
    widget._scroll_update(virtual_size)


# ---------------------------------------------- textual-fastdatatable: DataTable
# ``AccountsTable._render_line_in_row`` draws a body row the library would draw,
# with the library's cache, cache key and styles: the helpers below.


def row_render_cache(table: DataTable) -> LRUCache[Any, Any]:
    """The table's cache of rendered rows (``_row_render_cache``), which the
    library clears whenever the rows, the styles or the size change: rows drawn by
    ``AccountsTable`` are kept in it so that they are dropped at the same times."""
    return table._row_render_cache


def row_cache_state(table: DataTable) -> tuple[bool, int, PseudoClasses]:
    """What, besides the row and its styles, a cached row depends on, as the
    library's own cache key has it: whether the hover cursor shows
    (``_show_hover_cursor``), the count of updates to the data (``_update_count``)
    and the focus/hover state used by its CSS (``_pseudo_class_state``)."""
    return table._show_hover_cursor, table._update_count, table._pseudo_class_state


def row_style(table: DataTable, row_index: int, base_style: Style) -> Style:
    """The style of a body row (``_get_row_style``: zebra stripes, CSS)."""
    return table._get_row_style(row_index, base_style)


def body_cell_styles(table: DataTable, hover: bool, cursor: bool) -> tuple[Style, Style]:
    """The component and post styles of a body cell of a row-cursor table
    (``_get_styles_to_render_cell``, cached by the library): the same for every
    cell of a row, so ``AccountsTable`` gets them once per row."""
    return table._get_styles_to_render_cell(
        False,  # is_header_cell
        False,  # is_row_label_cell
        False,  # is_fixed_style_cell
        hover,
        cursor,
        False,  # in_range
        table.show_cursor,
        table._show_hover_cursor,
        False,  # show_range_highlight
        table.cursor_foreground_priority == "css",
        table.cursor_background_priority == "css",
    )


def row_label_column_width(table: DataTable) -> int:
    """The width of the row-label column (``_row_label_column_width``), part of the
    table's scrollable width."""
    return table._row_label_column_width


def columns_replaced(table: DataTable, labels: list[str], widths: list[int]) -> None:
    """Give the table other columns (``_column_labels``, ``_column_widths``, and its
    cached ``_ordered_columns`` dropped, as the library does when it adds one): the
    library can add a column but has no public way to replace them, and a new table
    mounted in place of the old one cost the list ~60 ms at its start."""
    table._column_labels = list(labels)
    table._column_widths = list(widths)
    table._ordered_columns = None


def data_replaced(table: DataTable) -> None:
    """Tell the table its backend was swapped: count an update (``_update_count``,
    part of its cache keys) and clear its render caches (``_clear_caches``), as
    the library does when it changes its own data. Swapping the backend is not
    one of the library's public operations."""
    table._update_count += 1
    table._clear_caches()
