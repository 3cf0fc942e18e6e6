"""The accounts list (key ``2``): search, filters, "my book", sorting, open an account.

The whole book is one polars frame (``app.book``); every keystroke filters and sorts
it in polars and swaps the table's backend, with no query to the database.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, Input, LoadingIndicator, Static

from core.accounts.field_names import field_column
from core.accounts.listing import (
    AccountFilter,
    apply_filter,
    narrows,
    sort_accounts,
    with_fields,
)
from core.churn import RISK
from core.config.list_columns import ChosenColumns, load_list_columns
from tui.app import CxtuiApp
from tui.bindings import row_cursor_bindings
from tui.messages import OpenAccount
from tui.screens.styling import mark_styled
from tui.widgets.accounts_table import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    AccountsTable,
    ListColumn,
    columns_in_view,
    field_list_column,
    list_columns,
    post_refresh_now,
)
from tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    import polars as pl
    from textual_fastdatatable import DataTable

    from core.accounts.field_frames import ListFieldValues
    from core.exporting import ExportFilters


class AccountsScreen(Screen[None]):
    app = getters.app(CxtuiApp)
    table = getters.query_one(AccountsTable)

    # Default CSS rather than a CSS_PATH file: a screen's CSS file is added to the
    # app's stylesheet when the screen is first shown, which parses the whole
    # stylesheet again and restyles every screen (see __init__).
    DEFAULT_CSS = """
    AccountsScreen #search {
        height: 1;
        border: none;
        padding: 0 1;
        background: $surface;
        color: $text-muted;
    }
    AccountsScreen #search:focus {
        background: $boost;
        color: $text;
    }
    AccountsScreen #filter-bar {
        width: 100%;
        height: 1;  /* more when the text takes more (_update_bar) */
        padding: 0 1;
        background: $boost;
        color: $text-muted;
    }
    AccountsScreen #empty {
        display: none;
        padding: 2 4;
        color: $text-muted;
    }
    AccountsScreen.-empty #empty {
        display: block;
    }
    AccountsScreen.-empty AccountsTable, AccountsScreen.-empty #search {
        display: none;
    }
    AccountsScreen LoadingIndicator {
        height: 3;
    }
    /* AccountsTable's own height, more specific than Textual's `DataTable { height:
       auto }` (the dashboard's tables: a DataTable to CSS too, of the same specificity
       as `AccountsTable`, so the one added to the stylesheet last won). Added after the
       list was shown, it made the table as tall as its rows: the screen scrolled the
       search line and the filter bar away under the header. */
    AccountsScreen AccountsTable {
        height: 1fr;
        max-height: 100%;
    }
    """
    AUTO_FOCUS = "AccountsTable"
    BINDINGS = [
        *row_cursor_bindings("accounts"),
        Binding("g", "cursor('top')", "Top", id="accounts.top", show=False),
        Binding("G", "cursor('bottom')", "Bottom", id="accounts.bottom", show=False),
        Binding("slash", "search", "Search", id="accounts.search", key_display="/"),
        Binding("f", "filters", "Filters", id="accounts.filters"),
        Binding("m", "my_book", "My book", id="accounts.my_book"),
        Binding("l", "log", "Log", id="accounts.log"),
        Binding("s", "cycle_sort", "Sort", id="accounts.sort"),
        Binding("S", "reverse_sort", "Reverse sort", id="accounts.reverse", show=False),
        Binding("c", "choose_columns", "Columns", id="accounts.columns"),
        Binding("escape", "clear_search", "Clear search", id="accounts.clear", show=False),
        Binding("i", "app.import", "Import", id="accounts.import", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        mark_styled(self)
        self.where = AccountFilter()
        self.sort_column = "name"
        self.descending = False
        self._sorted: tuple[pl.DataFrame, tuple[str, bool], pl.DataFrame] | None = None
        self._view: tuple[pl.DataFrame, AccountFilter, pl.DataFrame] | None = None
        """The sorted book, the filter and the rows it kept, last shown."""
        self.shown = 0
        self.total = 0
        self._bar_lines = 1
        """How many lines the bar above the list takes (its CSS height: 1)."""
        self.chosen = load_list_columns(self.app.settings.path)
        """The columns chosen in the config file (``c`` changes them)."""
        self.field_data: ListFieldValues | None = None
        """The book's custom fields and the values of those the list needs: its chosen
        columns' and its filter's (read in a worker once the database is open)."""
        self._joined: tuple[pl.DataFrame, pl.DataFrame | None, pl.DataFrame] | None = None
        """The book, the fields' values, and the book with them joined, last made."""
        self._risk_told: str | None = ""
        """The churn model the user was last told the risk column comes from (None:
        that there is none)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="/ to search name or external id", id="search")
        # what the search and filters hold, as typed: not markup
        yield Static("Loading the accounts…", id="filter-bar", markup=False)
        yield LoadingIndicator()
        yield Static(
            "No accounts yet: i imports a file (CSV, TSV, XLSX, Parquet or JSON lines);"
            " cxtui --demo opens the demo book to look around.",
            id="empty",
            markup=False,
        )
        yield AccountsTable(id="accounts", columns=self._columns(self.chosen.columns))
        # the footer comes once the rows are drawn (_book_loaded): its keys are a
        # dozen widgets to style, work the first rows need not wait for

    def on_mount(self) -> None:
        self.sub_title = "Accounts"
        if self.app.settings.problem is None:  # else the app said the file is not used
            for problem in self.chosen.problems:
                self.notify(problem, title="Config file", severity="warning", timeout=15)
        self.app.book_signal.subscribe(self, self._book_loaded)
        # the chosen fields' values straight from the file beside the list's first
        # read; else (another database, a schema to migrate) once the engine is open
        if self.app.engine is None and self._needed_fields():
            self._read_fields_first(self._needed_fields())
        self.app.database_signal.subscribe(self, lambda _accounts: self._read_fields_if_needed())
        book = self.app.book
        if book is not None:
            self._book_loaded(book)

    def on_screen_resume(self) -> None:
        """Back from a 360, the cursor goes to the account it showed last ([ ] may
        have walked on), once: back from a dialog of the list, it stays where the
        user moved it."""
        last, self.app.last_account_id = self.app.last_account_id, None
        if last is not None and self.app.book is not None:
            self.table.move_to_account(last)

    def _book_loaded(self, book: pl.DataFrame) -> None:
        self.query_one(LoadingIndicator).display = False
        self.total = book.height
        # the fields' values again after a change of the book (an import, an edit)
        if self.app.engine is not None and (self.field_data is None or not self.app.book_complete):
            self._read_fields_if_needed(again=True)
        self.refresh_list(keep_account=self.table.current_account_id())
        if self.focused is None:  # a reload never takes the focus from the search
            self.set_focus(self.table)
        self.call_after_refresh(self._mount_footer)

    async def _mount_footer(self) -> None:
        """The footer, once the first rows are drawn (see compose), unless the screen
        is gone meanwhile (the app quit)."""
        if self.is_attached and not self.query(KeysFooter):
            await self.mount(KeysFooter())
            self.refresh_bindings()  # the footer shows the keys once told they are there

    # ------------------------------------------------------------ custom fields

    def _columns(self, names: tuple[str, ...]) -> tuple[ListColumn, ...]:
        """The list's columns of these config names: those read after the list is
        shown (custom fields, the churn risk) once their values are read (until then
        they are left out)."""
        have = self._read_columns()
        columns = list_columns(names, self._field_columns(loaded_only=True))
        return tuple(column for column in columns if not column.read_later or column.key in have)

    def _read_columns(self) -> set[str]:
        """The columns read after the list was shown, so far (custom fields, churn risk)."""
        return set(self.field_data.values.columns) if self.field_data is not None else set()

    def _field_columns(self, loaded_only: bool = False) -> list[ListColumn]:
        """A column for each custom field of the book (``loaded_only``: of those whose
        values the list has read), in the fields' order."""
        if self.field_data is None:
            return []
        import polars as pl

        from core.accounts.field_names import TYPE_WORDS

        values = self.field_data.values
        texts = [column for column in values.columns if column not in ("id", RISK)]
        longest = (
            {
                column: int(length or 0)
                for column, length in values.select(pl.col(texts).str.len_chars().max())
                .row(0, named=True)
                .items()
            }
            if values.height and texts
            else {}
        )
        money = 4  # "$" and the thousands' commas a canonical amount does not have
        return [
            field_list_column(
                name,
                label,
                field_type,
                TYPE_WORDS[field_type],
                longest.get(field_column(name), 0) + (money if field_type == "money" else 0),
            )
            for name, label, field_type in self.field_data.fields.select(
                "name", "label", "type"
            ).iter_rows()
            if not loaded_only or field_column(name) in values.columns
        ]

    def _needed_fields(self) -> list[str]:
        """The custom fields the list needs the values of: its columns' and filter's."""
        return list(dict.fromkeys([*self.chosen.fields, *self.where.field_names]))

    def _needs_risk(self) -> bool:
        """True when the churn risk is among the chosen columns."""
        return "churn_risk" in self.chosen.columns

    def _missing_fields(self) -> list[str]:
        """What the list needs and has not read yet: the needed fields' names, and
        ``churn_risk_90d`` when the churn risk column is chosen."""
        have = self._read_columns()
        missing = [name for name in self._needed_fields() if field_column(name) not in have]
        return [*missing, RISK] if self._needs_risk() and RISK not in have else missing

    def _read_fields_if_needed(self, again: bool = False) -> None:
        """Read the needed fields' values (and the churn risk) in a worker when some
        are missing (``again``: read them all again, as after a change of the book)."""
        needed, risk = self._needed_fields(), self._needs_risk()
        if self.app.engine is not None and (needed or risk) and (again or self._missing_fields()):
            self._read_fields(needed, risk)

    @work(thread=True, exit_on_error=False, group="list-fields-first")
    def _read_fields_first(self, names: list[str]) -> None:
        """The fields' values as the app's first read reads the list (no engine)."""
        self.app.threads.reading()
        from core.store.first_read import read_first_fields

        data = read_first_fields(self.app.db_url, names)
        if data is not None:
            self.app.call_from_thread(self._fields_read_first, data)

    async def _fields_read_first(self, data: ListFieldValues) -> None:
        if self.field_data is None:  # the engine's read did not come first
            await self._fields_read(data)

    @work(thread=True, exclusive=True, exit_on_error=False, group="list-fields")
    def _read_fields(self, names: list[str], risk: bool) -> None:
        self.app.threads.reading()
        from core.accounts.field_views import read_list_fields

        data = read_list_fields(self.app.database, names, self.app.today if risk else None)
        self.app.call_from_thread(self._fields_read, data)

    async def _fields_read(self, data: ListFieldValues) -> None:
        """Show the fields' columns (a new table when they change), the chosen ones
        spelled as the database names them; name those it does not have (left out)."""
        from core.accounts.field_names import field_key, field_of_column

        if RISK in data.values.columns and data.risk_model != self._risk_told:
            self._risk_told = data.risk_model  # once per model, not after each change
            self._tell_risk_basis(data.risk_model)
        self.field_data = data
        self._joined = None
        spelled = dict(data.fields.select("key", "name").iter_rows())
        columns: list[str] = []
        for column in self.chosen.columns:
            name = field_of_column(column)
            if name is None:
                columns.append(column)
            elif field_key(name) in spelled:
                columns.append(field_column(spelled[field_key(name)]))
            elif self.app.settings.problem is None:
                where = self.chosen.where(column) or "the config file"
                self.notify(
                    f"{where}: {column!r} names no custom field of this database; left out",
                    title="Config file",
                    severity="warning",
                    timeout=15,
                )
        self.chosen = replace(self.chosen, columns=tuple(columns))
        names = tuple(column.name for column in self._columns(self.chosen.columns))
        if names != tuple(column.name for column in self.table.list_columns):
            self._show_columns(names)
        else:
            self._view = None
            self.refresh_list(keep_account=self.table.current_account_id())

    def _tell_risk_basis(self, model: str | None) -> None:
        """What the churn risk column means, or that it has no model to read."""
        if model is None:
            self.notify(
                'No churn model yet: ctrl+p "Fit the churn model" (or `cxtui model fit`) '
                "fits one on this book. The churn risk column stays empty until then.",
                title="Churn risk",
                severity="warning",
                timeout=10,
            )
        else:
            self.notify(f"The column is the chance of {model}.", title="Churn risk", timeout=10)

    def _book_with_fields(self, book: pl.DataFrame) -> pl.DataFrame:
        """The book with the fields' values joined (once per book and read)."""
        values = self.field_data.values if self.field_data is not None else None
        if self._joined is None or self._joined[0] is not book or self._joined[1] is not values:
            self._joined = (book, values, with_fields(book, values))
        return self._joined[2]

    def apply_filter(self, where: AccountFilter) -> None:
        """Narrow the list by ``where``; its custom fields are read first if needed."""
        self.where = where
        self._read_fields_if_needed()
        self.refresh_list(keep_account=self.table.current_account_id())

    # ------------------------------------------------------------ the list

    def refresh_list(self, keep_account: int | None = None) -> None:
        """Filter and sort the book in polars and show the result. A search typed on
        filters the rows the last one kept rather than the whole book."""
        book = self.app.book
        if book is None:
            return
        book = self._book_with_fields(book)
        if any(condition.column not in book.columns for condition in self.where.fields):
            self._update_bar()  # "reading custom fields…": shown once they are read
            return
        ordered = self._sorted_book(book)
        source = ordered
        if self._view is not None:
            last_ordered, last_where, last_view = self._view
            if last_ordered is ordered and narrows(self.where, last_where):
                source = last_view
        view = apply_filter(source, self.where)
        self._view = (ordered, self.where, view)
        self.shown = view.height
        self.set_class(book.height == 0, "-empty")
        if book.height == 0:  # nothing to search: i, f and the rest are the screen's keys
            self.set_focus(None)
        elif self.focused is None:
            self.table.focus()
        self.table.show(view, keep_account=keep_account)
        self._update_bar()

    def _sorted_book(self, book: pl.DataFrame) -> pl.DataFrame:
        """The book in the current order, sorted once per order (a filter keeps it)."""
        if self.sort_column not in book.columns:  # a field column no longer read
            self.sort_column, self.descending = "name", False
        # Keyed by the book itself, held, not by its id(): a book joined again with
        # newly read fields could take the id of the freed one and get its old order
        # and old values (the churn risk column stayed empty after a fit).
        order = (self.sort_column, self.descending)
        if self._sorted is None or self._sorted[0] is not book or self._sorted[1] != order:
            field_type = next(
                (c.field_type for c in self.table.list_columns if c.key == self.sort_column), None
            )
            by = None
            if field_type is not None:
                from core.accounts.field_views import sort_key

                by = sort_key(field_type, self.sort_column)
            ordered = sort_accounts(book, self.sort_column, self.descending, by)
            self._sorted = (book, order, ordered)
        return self._sorted[2]

    def on_resize(self) -> None:
        self.call_after_refresh(self._update_bar)  # the columns out of view

    def _undo_words(self) -> str:
        """The keys that widen a list its search and filters left empty ("" when
        nothing narrows it): the list showed an empty table and '0 of 7,043 accounts'."""
        where = self.where
        keys = []
        if where.search:
            keys.append("escape clears the search")
        if where.my_book:
            keys.append("m shows the team's accounts")
        if replace(where, search="", my_book=None).describe():
            keys.append("f changes the filters")
        return ", ".join(keys)

    def _sorted_by(self) -> str:
        """The sort in words: "sorted by MRR ↓" (the column may be hidden)."""
        columns = (*COLUMNS, *self.table.list_columns)
        label = next((c.label for c in columns if c.key == self.sort_column), self.sort_column)
        return f"sorted by {label} {'↓' if self.descending else '↑'}"

    def _update_bar(self) -> None:
        if self.app.cannot_open:  # the app said so (CxtuiApp._not_opening): nothing is read
            return
        parts = [f"{self.shown:,} of {self.total:,} accounts", *self.where.describe()]
        if self.shown == 0 and self.total and (undo := self._undo_words()):
            parts.append(f"no account matches: {undo}")
        if not self.app.book_complete:
            parts.append("reading last interactions…")
        missing = self._missing_fields()
        if any(name != RISK for name in missing):
            parts.append("reading custom fields…")
        if RISK in missing:
            parts.append("computing churn risk…")
        parts.append(self._sorted_by())
        table = self.table
        columns = table.list_columns
        hidden = len(columns) - columns_in_view(table.scrollable_content_region.width, columns)
        if hidden > 0 and table.size.width:
            more = f"{hidden} more column{'s' if hidden != 1 else ''}"
            parts.append(f"→ {more}: c to choose")
        text = "  ·  ".join(parts)
        bar = self.query_one("#filter-bar", Static)
        # as many lines as the text takes (one line cut the sort and the columns out of
        # view at 80 columns), laid out again only when that changes: no layout after
        # each keystroke
        if width := bar.content_size.width:
            lines = len(Text(text).wrap(self.app.console, width))
            if lines != self._bar_lines:
                self._bar_lines = lines
                bar.styles.height = lines
        bar.update(text, layout=False)
        post_refresh_now(bar)

    def visible_account_ids(self) -> list[int]:
        return self.table.account_ids()

    def help_legend(self) -> list[tuple[str, str]]:
        """The shown columns' legends, for the help screen (``?``)."""
        return [
            (column.label, column.legend) for column in self.table.list_columns if column.legend
        ]

    def export_view(self) -> tuple[str, ExportFilters]:
        """``x`` exports exactly the accounts listed, whatever narrows them, in the list's
        order, with the columns it shows first (every other column follows)."""
        from core.exporting import ExportFilters

        ids = self.visible_account_ids()
        return "accounts", ExportFilters(
            account_ids=frozenset(ids),
            account_order=tuple(ids),
            listed=tuple(self.where.describe()),
            sorted_by=self._sorted_by(),
            list_columns=tuple(column.name for column in self.table.list_columns),
            as_of=self.app.today,
        )

    # ------------------------------------------------------------------ actions

    def action_cursor(self, where: str) -> None:
        table = self.table
        if where == "down":
            table.action_cursor_down()
        elif where == "up":
            table.action_cursor_up()
        elif where == "top":
            table.move_cursor(row=0, animate=False)
        elif where == "bottom":
            table.move_cursor(row=max(0, table.row_count - 1), animate=False)

    def action_open(self) -> None:
        account_id = self.table.current_account_id()
        if account_id is not None:
            self.post_message(OpenAccount(account_id=account_id, ids=self.visible_account_ids()))

    @on(AccountsTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_log(self) -> None:
        """``l``: log an interaction with the account under the cursor."""
        from tui.screens.log_form import LogInteractionScreen

        account_id = self.table.current_account_id()
        if account_id is None:
            return
        row = self.table.accounts.data.row(self.table.cursor_row, named=True)
        self.app.push_screen(LogInteractionScreen(account_id, row["name"]))

    def action_search(self) -> None:
        self.add_class("-searching")
        # now, not after a refresh: the keys typed right after "/" go to the search
        self.set_focus(self.query_one("#search", Input))

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.where = replace(self.where, search=event.value)
        self.refresh_list()
        self.table.move_cursor(row=0, animate=False)  # Enter opens the first match

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        """Enter in the search opens the account under the cursor (the best match)."""
        self.table.focus()
        if not self.query_one("#search", Input).value:
            self.remove_class("-searching")
        self.action_open()

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        had_search = bool(search.value)
        self.remove_class("-searching")
        search.value = ""
        self.table.focus()
        if had_search or self.where.search:
            self.where = replace(self.where, search="")
            self.refresh_list(keep_account=self.table.current_account_id())

    def action_my_book(self) -> None:
        if self.where.my_book:
            self.where = replace(self.where, my_book=None)
        else:
            user = self.app.settings.current_user
            if not user:
                self.notify(
                    'Set user = "Your Name" in the config file, or CXTUI_USER, to see your book.',
                    title="Who are you?",
                    severity="warning",
                )
                return
            self.where = replace(self.where, my_book=user)
        self.refresh_list(keep_account=self.table.current_account_id())
        if self.where.my_book and self.shown == 0:
            self._say_why_my_book_is_empty(self.where.my_book)

    def _say_why_my_book_is_empty(self, user: str) -> None:
        """An empty "my book" says why: no account has an owner (an imported book
        without an owner column), or none is this user's."""
        book = self.app.book
        owners = [] if book is None else book["owner"].drop_nulls().unique().to_list()
        owners = sorted(owner for owner in owners if owner.strip())
        if not owners:
            words = "No account of this book has an owner: import an owner column to have books."
        else:
            named = ", ".join(owners[:5]) + (", …" if len(owners) > 5 else "")
            words = f"No account is owned by {user}. The owners here: {named}."
        self.notify(words, title="My book is empty", severity="warning", markup=False)

    def action_filters(self) -> None:
        from tui.screens.filters import FiltersScreen

        book = self.app.book
        if book is None:
            return

        def apply(where: AccountFilter | None) -> None:
            if where is not None:
                self.apply_filter(
                    replace(where, search=self.where.search, my_book=self.where.my_book)
                )

        self.app.push_screen(FiltersScreen(book, self.where, self.custom_fields()), apply)

    def custom_fields(self) -> pl.DataFrame:
        """The book's custom fields (``core.accounts.fields.custom_fields``): as read
        with the list's values, else read now (a small table)."""
        if self.field_data is not None:
            return self.field_data.fields
        from core.accounts.fields import custom_fields

        return custom_fields(self.app.database)

    def action_cycle_sort(self) -> None:
        """Ascending, then descending, then the next column."""
        keys = [column.key for column in self.table.list_columns]
        if not self.descending and self.sort_column in keys:
            self.descending = True
        else:  # the next column shown (the first, after a hidden one)
            after = keys.index(self.sort_column) + 1 if self.sort_column in keys else 0
            self.sort_column = keys[after % len(keys)]
            self.descending = False
        self.refresh_list(keep_account=self.table.current_account_id())

    def action_reverse_sort(self) -> None:
        self.descending = not self.descending
        self.refresh_list(keep_account=self.table.current_account_id())

    def sort_by(self, column: str) -> None:
        """Sort by ``column``; again on the same column reverses the direction."""
        if column == self.sort_column:
            self.descending = not self.descending
        else:
            self.sort_column, self.descending = column, False
        self.refresh_list(keep_account=self.table.current_account_id())

    @on(AccountsTable.HeaderSelected)
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(self.table.list_columns[event.column_index].key)

    def action_choose_columns(self) -> None:
        """``c``: choose the list's columns and their order; kept in the config file."""
        from tui.screens.columns import ColumnChooser

        if self.field_data is None and self.app.engine is not None:
            from core.accounts.field_frames import ListFieldValues

            fields = self.custom_fields()
            self.field_data = ListFieldValues(fields, fields.select("id").head(0))
        every = (*COLUMNS, *OPTIONAL_COLUMNS, *self._field_columns())
        self.app.push_screen(ColumnChooser(self.table.list_columns, every), self._columns_chosen)

    async def _columns_chosen(self, names: tuple[str, ...] | None) -> None:
        from core.config.list_columns import save_list_columns

        if names is None or names == tuple(c.name for c in self.table.list_columns):
            return
        try:
            save_list_columns(names, self.app.settings.path)
        except (ValueError, OSError) as error:  # ConfigFileError is a ValueError
            self.notify(
                f"Shown until you quit; not saved: {error}", title="Columns", severity="warning"
            )
        self.chosen = ChosenColumns(names)
        if self._missing_fields():
            self._read_fields_if_needed()  # then shown (_fields_read)
        else:
            self._show_columns(names)

    def _show_columns(self, names: tuple[str, ...]) -> None:
        """The list with these columns, on the row it was on."""
        keep = self.table.current_account_id()
        self.table.change_columns(self._columns(names))
        self._view = None
        self.refresh_list(keep_account=keep)
        self.call_after_refresh(self._update_bar)  # the columns out of view, once laid out
