"""The accounts list: a virtual table over a polars frame.

``AccountsBackend`` implements textual-fastdatatable's backend interface over a
``core.accounts.listing`` frame and formats only the rows on screen, so the
table shows 100k accounts as fast as 100. Searching, filtering and sorting build a
new frame in polars and swap the backend (``AccountsTable.show``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Literal, Protocol

import polars as pl
from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.color import Color
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget
from textual_fastdatatable import DataTable, DataTableBackend

from core.churn import RISK
from core.config.list_columns import CHOSEN_ONLY, LIST_COLUMNS
from core.health.in_force import health_words
from core.health.trend import TREND_FLAT_POINTS
from tui import private_api
from tui.format import account_mrr, band_colours, days_ago, trend_arrow


@dataclass(frozen=True)
class ListColumn:
    name: str
    """Its name in the config file (``core.config.list_columns.LIST_COLUMNS``)."""
    label: str
    key: str
    """The frame column it shows and sorts by."""
    width: int
    right: bool = False
    about: str = ""
    """What it shows, in the column chooser, when the label alone does not say."""
    field_type: str | None = None
    """A custom field's type (``core.accounts.fields``); None for the list's own columns."""
    read_later: bool = False
    """Its values are read after the list is shown (a custom field's, the churn
    risk's), in the screen's fields worker, and joined to the book."""
    legend: str = ""
    """What its cells' marks and words mean, in the help screen (``?``)."""

    @property
    def title(self) -> str:
        return f"{self.label} ({self.about})" if self.about else self.label


FIELD_WIDTHS = (8, 24)
"""The narrowest and widest a custom field's column is: its label's or its longest
value's length between."""
ORDERED_TYPES = ("number", "money")
"""The custom field types shown right-aligned, as figures."""


def field_list_column(
    name: str, label: str, field_type: str, type_words: str, longest: int = 0
) -> ListColumn:
    """The column of the custom field ``name`` (``field:NAME`` in the config file and
    the frame: ``core.accounts.field_names.field_column``); ``longest``: its longest
    value, in characters, as shown."""
    from core.accounts.field_names import field_column

    width = max(FIELD_WIDTHS[0], min(FIELD_WIDTHS[1], max(len(label), longest)))
    right = field_type in ORDERED_TYPES
    about = f"custom field, {type_words}"
    column = field_column(name)
    return ListColumn(column, label, column, width, right, about, field_type, read_later=True)


_BY_NAME = {
    column.name: column
    for column in (
        ListColumn("name", "Name", "name", 28),
        ListColumn(
            "mrr",
            "MRR",
            "mrr_cents",
            12,  # "lost $39,468"
            right=True,
            legend="what it pays a month; churned: what it paid when it left (lost $114)",
        ),
        ListColumn(
            "health",
            "Health",
            "health_score",
            13,
            legend="score and band; * an override by a CS manager; no score: no recent"
            " usage, interactions, surveys or tickets",
        ),
        ListColumn(
            "trend",
            "30d",
            "trend_30d",
            6,
            about="health trend over 30 days",
            legend=f"the score's change in 30 days: ▲ up, ▼ down (more than"
            f" {TREND_FLAT_POINTS:.0f} points), ▶ within {TREND_FLAT_POINTS:.0f}; — no score"
            " now or 30 days ago",
        ),
        ListColumn("renewal", "Renewal", "days_to_renewal", 18, legend="date (days to go)"),
        ListColumn(
            "last_touch",
            "Last touch",
            "days_since_interaction",
            10,
            right=True,
            legend="the last interaction logged",
        ),
        ListColumn("owner", "Owner", "owner", 14),
        ListColumn("segment", "Segment", "segment", 11),
        ListColumn(
            "tickets",
            "Tickets",
            "open_tickets",
            7,
            right=True,
            about="open tickets",
            legend="· none",
        ),
        ListColumn(
            "churn_risk",
            "Churn risk",
            RISK,
            10,
            right=True,
            about="from the churn model",
            read_later=True,
        ),
    )
}
COLUMNS: tuple[ListColumn, ...] = tuple(_BY_NAME[name] for name in LIST_COLUMNS)
"""The list's columns shown when none are chosen, in order (the config's ``LIST_COLUMNS``)."""
OPTIONAL_COLUMNS: tuple[ListColumn, ...] = tuple(_BY_NAME[name] for name in CHOSEN_ONLY)
"""The list's own columns shown only when chosen (``c``): the churn risk."""


def list_columns(names: Sequence[str], fields: Sequence[ListColumn] = ()) -> tuple[ListColumn, ...]:
    """The columns of these config names, in their order: the list's own, and the
    custom fields' among ``fields`` (a name of neither is left out)."""
    known = _BY_NAME | {column.name: column for column in fields}
    return tuple(known[name] for name in names if name in known)


class Wide(Protocol):
    """A column with its width in cells: a ``ListColumn``, a Textual ``DataTable``'s."""

    @property
    def width(self) -> int: ...


def columns_in_view(width: int, columns: Sequence[Wide] = COLUMNS) -> int:
    """How many of the first ``columns`` fit, whole, in ``width`` cells (each column
    has a cell of padding on either side)."""
    used = shown = 0
    for column in columns:
        used += column.width + 2
        if used > width:
            break
        shown += 1
    return shown


SOURCE_COLUMNS = (
    "id",
    "name",
    "segment",
    "owner",
    "status",
    "mrr_cents",
    "mrr_recorded",
    "health_score",
    "health_band",
    "override",
    "trend_30d",
    "trend",
    "renewal_date",
    "days_to_renewal",
    "days_since_interaction",
    "open_tickets",
)


NO_STYLE = Style()
TREND_COLOURS = {"up": "green", "down": "red"}


def health_text(
    score: float | None, band: str | None, override: str | None, status: str, style: Style
) -> Text:
    """The Health cell: ``core.health.in_force.health_words`` after a dot in the band's
    colour, the score right-aligned."""
    if score is None and override is None:
        return Text("churned" if status == "churned" else health_words(None, None), style="dim")
    return Text(f"● {health_words(score, band, override, score_width=3)}", style=style)


class AccountsBackend(DataTableBackend[pl.DataFrame]):
    """Formats the rows of a ``load_accounts`` frame on demand."""

    def __init__(
        self,
        data: pl.DataFrame,
        max_rows: int | None = None,
        column_names: Sequence[str] | None = None,
        styles: Mapping[str, Style] | None = None,
        complete: bool = True,
        shown: Sequence[ListColumn] = COLUMNS,
    ) -> None:
        super().__init__(data, max_rows=max_rows, column_names=column_names)
        self.shown = tuple(shown)
        """The list's columns, in order."""
        self.complete = complete
        """False while the last interactions are still being read."""
        later = [column.key for column in self.shown if column.read_later]
        self.data = data.select(*SOURCE_COLUMNS, *later)
        fields = [column for column in self.shown if column.field_type is not None]
        self._fields = [(column.key, column.field_type or "", column.right) for column in fields]
        """The custom fields' columns: frame column, type, right-aligned."""
        self._styles = styles or {}
        """The style of each colour word ("green", "yellow", "red") in the theme."""
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
        return [column.label for column in self.shown]

    @property
    def column_content_widths(self) -> Sequence[int]:
        return [column.width for column in self.shown]

    def account_id(self, index: int) -> int:
        return int(self.data["id"][index])

    def _format_row(self, index: int) -> tuple[Any, ...]:
        row = self.data.row(index, named=True)
        renewal: date | None = row["renewal_date"]
        days = row["days_to_renewal"]
        since = row["days_since_interaction"]
        cells = {
            "name": row["name"],
            "segment": row["segment"],
            "owner": row["owner"],
            "mrr_cents": Text(
                account_mrr(row["mrr_cents"], row["status"], row["mrr_recorded"]),
                justify="right",
                style="dim" if row["status"] == "churned" or not row["mrr_recorded"] else "",
            ),
            "health_score": health_text(
                row["health_score"],
                row["health_band"],
                row["override"],
                row["status"],
                self._styles.get(row["health_band"] or "", NO_STYLE),
            ),
            "trend_30d": Text(
                trend_arrow(row["trend"], row["trend_30d"]),
                style=self._styles.get(TREND_COLOURS.get(row["trend"] or "", ""), NO_STYLE),
            ),
            "days_to_renewal": "" if renewal is None else f"{renewal.isoformat()} ({days:+d}d)",
            "days_since_interaction": Text(days_ago(since), justify="right")
            if self.complete
            else Text("…", justify="right", style="dim"),
            "open_tickets": Text(
                str(row["open_tickets"]) if row["open_tickets"] else "·", justify="right"
            ),
        }
        if RISK in row:
            risk = row[RISK]
            cells[RISK] = Text("·" if risk is None else f"{risk * 100:.0f} %", justify="right")
        if self._fields:
            from core.accounts.field_names import shown_value

            for key, field_type, right in self._fields:
                shown = shown_value(field_type, row[key])
                cells[key] = Text(shown, justify="right") if right else shown
        return tuple(cells[column.key] for column in self.shown)

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
        raise NotImplementedError("sort the frame with core.accounts.listing.sort_accounts")


class AccountsTable(DataTable):
    """The accounts list. ``show`` swaps in a new frame and keeps the cursor on
    the same account when it is still listed. It overrides private methods of the
    library's table (``tui.private_api.TABLE_HOOKS``) and reaches its other private
    names through ``tui.private_api``."""

    DEFAULT_CSS = """
    AccountsTable { height: 1fr; max-height: 100%; }
    """
    BINDINGS = [Binding("enter", "select_cursor", "Open", id="accounts.open")]
    BINDINGS_FIRST = True
    """Keys only ever mean bindings here: the app runs them before routing the next
    key (``CxtuiApp.on_event``), so keys typed right after "/" reach the search."""

    def __init__(self, *, id: str | None = None, columns: Sequence[ListColumn] = COLUMNS) -> None:
        self.list_columns = tuple(columns)
        """The columns shown, in order (``change_columns`` changes them)."""
        self._lines_style: Style | None = None
        self._lines_background: Color | None = None
        self._laid_out: tuple[Size, Size, Size] | None = None
        super().__init__(
            backend=AccountsBackend(_empty_frame(self.list_columns), shown=self.list_columns),
            column_labels=[column.label for column in self.list_columns],
            column_widths=[column.width for column in self.list_columns],
            cursor_type="row",
            render_markup=False,
            max_column_content_width=40,
            id=id,
        )

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.restyle())

    def change_columns(self, columns: Sequence[ListColumn]) -> None:
        """Show ``columns`` instead, with no rows until ``show`` gives them."""
        self.list_columns = tuple(columns)
        private_api.columns_replaced(
            self, [column.label for column in columns], [column.width for column in columns]
        )
        self.backend = AccountsBackend(_empty_frame(self.list_columns), shown=self.list_columns)
        self.backend.render_markup = False
        private_api.data_replaced(self)

    def render_lines(self, crop: Region) -> list[Strip]:
        """The table's own style and background are worked out once for the lines
        drawn together, not for each line (Textual walks the widget's ancestors)."""
        self._lines_style = self.rich_style
        self._lines_background = self.background_colors[1]
        try:
            return super().render_lines(crop)
        finally:
            self._lines_style = self._lines_background = None

    @property
    def rich_style(self) -> Style:
        return self._lines_style or super().rich_style

    def _render_line_in_row(
        self,
        row_index: int,
        line_no: int,
        x1: int,
        x2: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
        selection_anchor_location: Coordinate | None,
    ) -> tuple[list[list[Segment]], list[list[Segment]], int, int]:
        """A body row in one pass, each cell one segment of fitted text.

        The library renders every cell through ``Console.render_lines`` (padding,
        wrapping, cropping), about 0.5 ms a cell, and works out the row's and each
        cell's styles again for every row. Our rows are one line of plain cells with
        a row cursor, no fixed or labelled columns: the styles are the same for every
        cell of a row (``_get_styles_to_render_cell``, cached), the text is fitted
        here, and all the columns are returned (``_render_line`` crops them to the
        window). The header and anything else still go through the library."""
        if row_index < 0 or row_index < self.fixed_rows or self.cursor_type != "row":
            return super()._render_line_in_row(
                row_index,
                line_no,
                x1,
                x2,
                base_style,
                cursor_location,
                hover_location,
                selection_anchor_location,
            )
        cursor = cursor_location.row == row_index
        hover = hover_location.row == row_index
        width = self.size.width
        key = (
            row_index,
            base_style,
            cursor,
            hover,
            width,
            self.show_cursor,
            *private_api.row_cache_state(self),
        )
        cache = private_api.row_render_cache(self)
        row = cache.get(key)
        if row is None:
            row_style = private_api.row_style(self, row_index, base_style)
            component, post = private_api.body_cell_styles(self, hover, cursor)
            cells: list[list[Segment]] = []
            columns = self.ordered_columns
            for index, (value, column) in enumerate(
                zip(self.accounts.get_row_at(row_index), columns, strict=True)
            ):
                text, style, right = _cell_parts(value)
                outer, inner = _cell_styles(row_style, component, post, style)
                meta = Style.from_meta({"row": row_index, "column": index})
                same = inner == outer
                outer += meta
                inner = outer if same else inner + meta
                cells.append(_fit(text, column.render_width - 2, right, outer, inner))
            table_width = sum(column.render_width for column in columns)
            fill = _fill_style(row_style, self._lines_background or self.background_colors[1])
            cells.append([Segment(" " * max(0, width - table_width), fill)])
            row = ([], cells)
            cache[key] = row
        return row[0], row[1], 0, 0

    def _band_styles(self) -> dict[str, Style]:
        """The colour words' styles in the current theme (looked up once per frame
        shown: the theme is not cheap to get, and every row has two)."""
        colours = band_colours(self.app)
        return {word: Style(color=colour) for word, colour in colours.items() if colour}

    @property
    def accounts(self) -> AccountsBackend:
        assert isinstance(self.backend, AccountsBackend)
        return self.backend

    def show(self, frame: pl.DataFrame, keep_account: int | None = None) -> None:
        """Show ``frame``; the cursor goes to ``keep_account`` if listed, else stays
        at its row (clamped)."""
        row = self.cursor_row
        self.backend = AccountsBackend(
            frame,
            styles=self._band_styles(),
            complete=getattr(self.app, "book_complete", True),
            shown=self.list_columns,
        )
        self.backend.render_markup = False
        found = self._row_of(keep_account)
        if found is not None:
            row = found
        private_api.data_replaced(self)
        self._update_dimensions([])
        self.check_idle()
        self.refresh()
        self.move_cursor(row=max(0, min(row, frame.height - 1)), animate=False)
        scrollbar = [self.vertical_scrollbar] if self.show_vertical_scrollbar else []
        post_refresh_now(self, *scrollbar)

    def _update_dimensions(self, new_rows: Iterable[int]) -> None:
        """The table's scrollable size, from its row count: the columns have fixed
        widths, so no row is measured (nor is any by the library, which passes no
        rows). A new size updates the scrollbars without laying out the screen
        again, as Textual does for a size known without layout; the screen is laid
        out only if a scrollbar appears or goes. Done at once when a frame is shown:
        the library waits for the next idle, and its layout then came a frame after
        the search field's, a second frame after every keystroke."""
        header = self.header_height if self.show_header else 0
        width = sum(column.render_width for column in self.ordered_columns)
        size = Size(width + private_api.row_label_column_width(self), self.row_count + header)
        if size != self.virtual_size:
            self.set_reactive(DataTable.virtual_size, size)
            private_api.update_scrollbars(self, size)
            self.refresh()

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        """Nothing to do when a layout of the screen gives the table the sizes it
        had. Textual's scroll views refresh their scrollbars on every layout, and the
        search field lays the screen out after each keystroke: a second frame, a
        moment after the one with the new rows, for scrollbars that had not changed
        (the table's scrollable size is its own: ``_update_dimensions``)."""
        sizes = (size, virtual_size, container_size)
        if sizes == self._laid_out:
            return False
        self._laid_out = sizes
        return super()._size_updated(size, virtual_size, container_size, layout)

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


def post_refresh_now(*widgets: Widget) -> None:
    """Tell the screen now, not when each widget is next idle, that these widgets
    must be drawn again. After a search keystroke the screen draws the frame the
    search field asked for as soon as the keystroke is handled; the list's and the
    filter bar's requests, posted when they were next idle, came after it and made
    a second frame a moment later (``private_api.check_refresh`` is what the widget
    runs when idle; run again then, it finds nothing left to post)."""
    for widget in widgets:
        private_api.check_refresh(widget)


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


@lru_cache(maxsize=16)
def _fill_style(row_style: Style, background: Color) -> Style:
    """The style of the space right of the last column (the library's: the row's
    background faded into the table's)."""
    faded = Color.from_rich_color(row_style.bgcolor).blend(background, factor=0.25)
    return Style.from_color(color=row_style.color, bgcolor=faded.rich_color)


@lru_cache(maxsize=64)
def _parse_style(style: str) -> Style:
    return Style.parse(style)


def _fit(text: str, width: int, right: bool, outer: Style, inner: Style) -> list[Segment]:
    """One padded cell of ``width`` text cells: the text in ``inner``, cut with an
    ellipsis when too long, aligned with spaces in ``outer``; one segment when the
    two styles are the same (most cells), as simplifying the library's would give."""
    if width <= 0:
        return [Segment(" " * max(width + 2, 0), outer)]
    length = len(text) if text.isascii() else cell_len(text)
    if length > width:
        text = set_cell_size(text, width - 1) + "…"
        length = width
    fill = " " * (width - length)
    if outer == inner:
        return [Segment(f" {fill}{text} " if right else f" {text}{fill} ", outer)]
    if right:
        return [Segment(f" {fill}", outer), Segment(text, inner), Segment(" ", outer)]
    return [Segment(" ", outer), Segment(text, inner), Segment(f"{fill} ", outer)]


def _empty_frame(columns: Sequence[ListColumn]) -> pl.DataFrame:
    from core.accounts.listing import LIST_COLUMNS as LIST_SCHEMA

    later = {
        column.key: pl.String if column.field_type is not None else pl.Float64
        for column in columns
        if column.read_later
    }
    return pl.DataFrame(schema=LIST_SCHEMA | later)
