"""The accounts list: a virtual table over a polars frame.

``AccountsBackend`` implements textual-fastdatatable's backend interface over a
``core.account_list`` frame and formats only the rows on screen, so the
table shows 100k accounts as fast as 100. Searching, filtering and sorting build a
new frame in polars and swap the backend (``AccountsTable.show``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Literal

import polars as pl
from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual_fastdatatable import DataTable, DataTableBackend

from tui.format import days_ago, money, trend_arrow


@dataclass(frozen=True)
class ListColumn:
    label: str
    key: str
    """The frame column it shows and sorts by."""
    width: int
    right: bool = False


COLUMNS: tuple[ListColumn, ...] = (
    ListColumn("Name", "name", 28),
    ListColumn("Segment", "segment", 11),
    ListColumn("Owner", "owner", 14),
    ListColumn("MRR", "mrr_cents", 11, right=True),
    ListColumn("Health", "health_score", 12),
    ListColumn("30d", "trend_30d", 6),
    ListColumn("Renewal", "days_to_renewal", 18),
    ListColumn("Last touch", "days_since_interaction", 10, right=True),
    ListColumn("Tickets", "open_tickets", 7, right=True),
)
SOURCE_COLUMNS = (
    "id",
    "name",
    "segment",
    "owner",
    "status",
    "mrr_cents",
    "health_score",
    "health_band",
    "overridden",
    "trend_30d",
    "trend",
    "renewal_date",
    "days_to_renewal",
    "days_since_interaction",
    "open_tickets",
)


def health_text(
    score: float | None, band: str | None, overridden: bool, status: str, style: Style
) -> Text:
    if score is None:
        return Text("churned" if status == "churned" else "no score", style="dim")
    mark = "*" if overridden else " "
    return Text(f"● {score:3.0f}{mark}{band or ''}", style=style)


class AccountsBackend(DataTableBackend[pl.DataFrame]):
    """Formats the rows of a ``load_accounts`` frame on demand."""

    def __init__(
        self,
        data: pl.DataFrame,
        max_rows: int | None = None,
        column_names: Sequence[str] | None = None,
        styles: Callable[[str | None], Style] | None = None,
        complete: bool = True,
    ) -> None:
        super().__init__(data, max_rows=max_rows, column_names=column_names)
        self.complete = complete
        """False while the last interactions are still being read."""
        self.data = data.select(SOURCE_COLUMNS)
        self._styles = styles or (lambda _band: Style())
        self._row = lru_cache(maxsize=256)(self._format_row)

    @classmethod
    def from_pydict(
        cls,
        data: Mapping[str, Sequence[Any]],
        max_rows: int | None = None,
        column_names: Sequence[str] | None = None,
    ) -> AccountsBackend:
        return cls(pl.from_dict(dict(data)), max_rows=max_rows, column_names=column_names)

    @property
    def source_data(self) -> pl.DataFrame:
        return self.data

    @property
    def source_row_count(self) -> int:
        return self.data.height

    @property
    def row_count(self) -> int:
        return self.data.height

    @property
    def columns(self) -> Sequence[str]:
        return [column.label for column in COLUMNS]

    @property
    def column_content_widths(self) -> Sequence[int]:
        return [column.width for column in COLUMNS]

    def account_id(self, index: int) -> int:
        return int(self.data["id"][index])

    def _format_row(self, index: int) -> tuple[Any, ...]:
        row = self.data.row(index, named=True)
        renewal: date | None = row["renewal_date"]
        days = row["days_to_renewal"]
        since = row["days_since_interaction"]
        return (
            row["name"],
            row["segment"],
            row["owner"],
            Text(money(row["mrr_cents"]), justify="right"),
            health_text(
                row["health_score"],
                row["health_band"],
                row["overridden"],
                row["status"],
                self._styles(row["health_band"]),
            ),
            Text(
                trend_arrow(row["trend"], row["trend_30d"]),
                style=self._styles({"up": "green", "down": "red"}.get(row["trend"] or "")),
            ),
            "" if renewal is None else f"{renewal.isoformat()} ({days:+d}d)",
            Text(days_ago(since), justify="right")
            if self.complete
            else Text("…", justify="right", style="dim"),
            Text(str(row["open_tickets"]) if row["open_tickets"] else "·", justify="right"),
        )

    def get_row_at(self, index: int) -> Sequence[Any]:
        if index < 0 or index >= self.data.height:
            raise IndexError(f"no row {index} in {self.data.height} accounts")
        return self._row(index)

    def get_cell_at(self, row_index: int, column_index: int) -> Any:
        return self.get_row_at(row_index)[column_index]

    def get_column_at(self, index: int) -> Sequence[Any]:
        return [self.get_cell_at(row, index) for row in range(self.data.height)]

    def append_column(self, label: str, default: Any | None = None) -> int:
        raise NotImplementedError("the accounts list is read-only")

    def append_rows(self, records: Iterable[Iterable[Any]]) -> list[int]:
        raise NotImplementedError("the accounts list is read-only")

    def drop_row(self, row_index: int) -> None:
        raise NotImplementedError("the accounts list is read-only")

    def update_cell(self, row_index: int, column_index: int, value: Any) -> None:
        raise NotImplementedError("the accounts list is read-only")

    def sort(self, by: list[tuple[str, Literal["ascending", "descending"]]] | str) -> None:
        raise NotImplementedError("sort the frame with core.account_list.sort_accounts")


class AccountsTable(DataTable):
    """The accounts list. ``show`` swaps in a new frame and keeps the cursor on
    the same account when it is still listed."""

    DEFAULT_CSS = """
    AccountsTable { height: 1fr; max-height: 100%; }
    """
    BINDINGS = [Binding("enter", "select_cursor", "Open", id="accounts.open")]
    BINDINGS_FIRST = True
    """Keys only ever mean bindings here: the app runs them before routing the next
    key (``CxtuiApp.on_event``), so keys typed right after "/" reach the search."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            backend=AccountsBackend(_empty_frame(), styles=self._band_style),
            column_labels=[column.label for column in COLUMNS],
            column_widths=[column.width for column in COLUMNS],
            cursor_type="row",
            render_markup=False,
            max_column_content_width=40,
            id=id,
        )

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.restyle())

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
        in_range: bool = False,
    ) -> list[list[Segment]]:
        """A body cell as one segment, without Rich's layout machinery.

        The library renders every cell through ``Console.render_lines`` (padding,
        wrapping, cropping), about 0.5 ms a cell: a full screen of the list cost
        200 ms after each search keystroke. Our cells are one line of text with one
        style, so they are fitted here in microseconds; the header and anything
        else still go through the library. Same cache, same key, same styles."""
        if row_index < 0 or column_index < 0 or row_index < self.fixed_rows:
            return super()._render_cell(
                row_index, column_index, base_style, width, cursor, hover, in_range
            )
        key = (
            row_index,
            column_index,
            base_style,
            cursor,
            hover,
            in_range,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        lines = self._cell_render_cache.get(key)
        if lines is None:
            component_style, post_style = self._get_styles_to_render_cell(
                False,
                False,
                column_index < self.fixed_columns,
                hover,
                cursor,
                in_range,
                self.show_cursor,
                self._show_hover_cursor,
                self.cursor_type == "range",
                self.cursor_foreground_priority == "css",
                self.cursor_background_priority == "css",
            )
            value = self.accounts.get_cell_at(row_index, column_index)
            text, style, right = _cell_parts(value)
            outer, inner = _cell_styles(base_style, component_style, post_style, style)
            meta = Style.from_meta({"row": row_index, "column": column_index})
            lines = [_fit(text, width - 2, right, outer + meta, inner + meta)]
            self._cell_render_cache[key] = lines
        return lines

    def _band_style(self, band: str | None) -> Style:
        theme = self.app.current_theme
        colour = {"green": theme.success, "yellow": theme.warning, "red": theme.error}.get(
            band or ""
        )
        return Style(color=colour) if colour else Style()

    @property
    def accounts(self) -> AccountsBackend:
        assert isinstance(self.backend, AccountsBackend)
        return self.backend

    def show(self, frame: pl.DataFrame, keep_account: int | None = None) -> None:
        """Show ``frame``; the cursor goes to ``keep_account`` if listed, else stays
        at its row (clamped)."""
        row = self.cursor_row
        self.backend = AccountsBackend(
            frame, styles=self._band_style, complete=getattr(self.app, "book_complete", True)
        )
        self.backend.render_markup = False
        found = self._row_of(keep_account)
        if found is not None:
            row = found
        self._update_count += 1
        self._require_update_dimensions = True
        self._clear_caches()
        self.check_idle()
        self.refresh()
        self.move_cursor(row=max(0, min(row, frame.height - 1)), animate=False)

    def _row_of(self, account_id: int | None) -> int | None:
        if account_id is None:
            return None
        found = self.accounts.data.select(pl.arg_where(pl.col("id") == account_id))
        return int(found.item(0, 0)) if found.height else None

    def move_to_account(self, account_id: int) -> None:
        row = self._row_of(account_id)
        if row is not None and row != self.cursor_row:
            self.move_cursor(row=row, animate=False)

    def restyle(self) -> None:
        """Re-render after a theme change (the band colours come from the theme)."""
        self.show(self.accounts.data, keep_account=self.current_account_id())

    def current_account_id(self) -> int | None:
        if self.row_count == 0:
            return None
        return self.accounts.account_id(self.cursor_row)

    def account_ids(self) -> list[int]:
        return self.accounts.data["id"].to_list()


def _cell_parts(value: Any) -> tuple[str, Style, bool]:
    """A cell's plain text, its style, and whether it is right-aligned."""
    if isinstance(value, Text):
        style = value.style if isinstance(value.style, Style) else _parse_style(value.style)
        return value.plain, style, value.justify == "right"
    return ("" if value is None else str(value)), Style(), False


@lru_cache(maxsize=256)
def _cell_styles(base: Style, component: Style, post: Style, own: Style) -> tuple[Style, Style]:
    """A cell's padding and text styles (few combinations: combined once each)."""
    outer = base + component
    return outer + post, outer + own + post


@lru_cache(maxsize=64)
def _parse_style(style: str) -> Style:
    return Style.parse(style)


def _fit(text: str, width: int, right: bool, outer: Style, inner: Style) -> list[Segment]:
    """One padded cell of ``width`` text cells: the text in ``inner``, cut with an
    ellipsis when too long, aligned with spaces in ``outer``."""
    if width <= 0:
        return [Segment(" " * max(width + 2, 0), outer)]
    if cell_len(text) > width:
        text = set_cell_size(text, width - 1) + "…"
    fill = Segment(" " * (width - cell_len(text)), outer)
    body = [fill, Segment(text, inner)] if right else [Segment(text, inner), fill]
    return [Segment(" ", outer), *body, Segment(" ", outer)]


def _empty_frame() -> pl.DataFrame:
    from core.account_list import LIST_COLUMNS

    return pl.DataFrame(schema=LIST_COLUMNS)
