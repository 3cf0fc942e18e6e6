"""The account 360 (``enter`` on an account): header, the goals scoped to its owner
or segment, health and why, the book's custom fields, timeline, contacts, open
tickets, NPS/CSAT and MRR history. ``[`` and ``]`` walk the list. On the timeline:
``l`` logs, ``e`` edits, ``d`` deletes (``u`` undoes), ``D`` shows deleted entries,
``h`` shows an entry's history; interactions and survey answers alike (tickets and
MRR come from elsewhere). On the Fields panel (tab), ``e`` edits the field's value; on its last row,
"+ Add a field", it adds a field to the book."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import events, getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, LoadingIndicator, Static

from core.accounts.customers import day_words
from core.accounts.queries import (
    TIMELINE_KINDS,
    TIMELINE_LIMIT,
    AccountDetail,
    PurchaseSummary,
    account_detail,
)
from core.churn.risk import risk_words
from core.goals import GoalView, goals_in_scope
from core.interactions import kind_words
from core.text import visible
from tui.app import CxtuiApp
from tui.bindings import go_to_row, row_end_bindings, step_bindings
from tui.format import countdown, money, signed_money
from tui.messages import BookChanged
from tui.screens.revisions import local_moment
from tui.widgets.footer import KeysFooter
from tui.widgets.goal_progress import GoalProgress
from tui.widgets.health import HealthPanel

if TYPE_CHECKING:
    import polars as pl

    from core.exporting import ExportFilters
    from core.interactions import EntryForm, Source
    from tui.screens.log_form import LogInteractionScreen


STACK_BELOW = 120
"""Narrower than this many columns, the 360's panels stack above the timeline."""
HISTORY_BESIDE_FROM = 160
"""From this many columns, the NPS / CSAT and MRR history boxes sit side by side
under the timeline; narrower, with the panels beside the timeline (from
``STACK_BELOW``), one above the other: side by side at 120 columns each had 29, and
the MRR history read "202…" for its days, "Mov…" and "Amou…" for its columns."""
SCREEN_NAME = "account-360"
"""The name the app's one 360 screen is installed under (``AccountScreen.open``)."""


@dataclass
class DetailLoaded(Message):
    detail: AccountDetail
    goals: list[GoalView] | None = None
    """The goals of the account's scope, read with it when the 360 opens on it."""


@dataclass
class GoalsLoaded(Message):
    scope: tuple[str, str]
    views: list[GoalView]


ADD_FIELD = "+ Add a field"
ADD_FIELD_KEY = "add-field"


class AccountScreen(Screen[None]):
    app = getters.app(CxtuiApp)

    CSS_PATH = "account.tcss"
    AUTO_FOCUS = "#timeline"  # not the Fields panel above it (tab reaches that)
    BINDINGS = [
        Binding("escape", "back", "Back", id="account.back"),
        *step_bindings("account", "Previous", "Next", "Prev/next account"),
        Binding("o", "override", "Override health", id="account.override"),
        Binding("t", "timeline_kind", "Timeline kind", id="account.timeline_kind"),
        Binding("l", "log", "Log", id="account.log"),
        Binding(
            "e", "edit", "Edit entry", id="account.edit", tooltip="the timeline entry or field"
        ),
        Binding("d", "delete", "Delete entry", id="account.delete"),
        Binding("u", "undo", "Undo delete or edit", id="account.undo", show=False),
        Binding("D", "toggle_deleted", "Show deleted", id="account.show_deleted", show=False),
        Binding("h", "history", "Entry history", id="account.history", show=False),
        *row_end_bindings("account"),
    ]
    UNDO_SECONDS = 10
    """How long the notification of a delete shows (``u`` restores for as long as the
    screen is open, and ``D`` then ``d`` restores any deleted entry)."""
    GOALS_SHOWN = 5
    """Goals listed in the panel at most; the rest are counted (the goals screen has all)."""

    @classmethod
    def open(
        cls, app: CxtuiApp, account_id: int, ids: list[int], back_to: str | None = None
    ) -> None:
        """Show the 360 of ``account_id``: the app's one 360 screen, kept (installed)
        when escape closes it and loaded with the next account opened, as ``[`` and
        ``]`` load theirs (building its widgets again took most of the time to open
        it); built the first time."""
        if not app.is_screen_installed(SCREEN_NAME):
            app.install_screen(cls(account_id, ids, back_to), SCREEN_NAME)
            app.push_screen(SCREEN_NAME)
            return
        screen = app.get_screen(SCREEN_NAME)
        assert isinstance(screen, AccountScreen)
        screen.reopen(account_id, ids, back_to)
        if app.screen is not screen:
            app.push_screen(screen)

    def __init__(self, account_id: int, ids: list[int], back_to: str | None = None) -> None:
        super().__init__()
        self.account_id = account_id
        self.ids = ids
        self.back_to = back_to
        """The mode (screen) the 360 was opened from, escape's way back; None: the list."""
        self.detail: AccountDetail | None = None
        self.timeline_kind: str | None = None
        self.show_deleted = False
        self.rows: list[dict[str, Any]] = []
        """The timeline rows as shown: source, id, deleted, summary."""
        self._timeline_fitted_to = 0
        """The room the timeline's columns were last fitted to (``_timeline_columns``)."""
        self.undo: list[tuple[Source, int, str, EntryForm | None]] = []
        """The entries deleted or edited while this screen is open, latest last: what
        ``u`` restores (source, id, the words that name it: summary and account, and
        for an edit the form as it was before, which ``u`` saves again)."""
        self.cursor_to: tuple[str, int] | None = None
        """The entry the timeline's cursor goes to on the next load (one just saved)."""
        self._delete_shown: tuple[str, int] | None = None
        """The entry d brought into view (stacked): the next d deletes it."""
        self.goals_scope: tuple[str, str] | None = None
        """The (segment, owner) whose goals the panel shows (or is loading)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="a360-header", markup=False)
        yield LoadingIndicator()
        with Vertical(id="a360-goals", classes="box"):
            yield Static("Loading goals…", id="goals-note", markup=False)
        with Horizontal(id="a360-body"):
            with Vertical(id="a360-left"):
                yield HealthPanel(id="health")
                with Vertical(id="fields-box", classes="box"):
                    yield DataTable(id="fields", cursor_type="row", show_header=False)
                yield Static("", id="contacts", classes="box", markup=False)
                yield Static("", id="tickets", classes="box", markup=False)
            with Vertical(id="a360-right"):
                yield Static("", id="timeline-bar", markup=False)
                yield DataTable(id="timeline", cursor_type="row", zebra_stripes=True)
                with Horizontal(id="a360-history"):
                    yield Static("", id="surveys", classes="box", markup=False)
                    yield Static("", id="mrr", classes="box", markup=False)
        yield KeysFooter()

    def on_resize(self, event: events.Resize) -> None:
        """Below STACK_BELOW columns the panels stack instead of squeezing the timeline."""
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        """The layout for a terminal ``width`` columns wide (``STACK_BELOW``,
        ``HISTORY_BESIDE_FROM``), and the timeline's columns to its new width."""
        self.set_class(width < STACK_BELOW, "-stacked")
        self.set_class(STACK_BELOW <= width < HISTORY_BESIDE_FROM, "-narrow")
        self.call_after_refresh(self._refit_timeline)

    def _refit_timeline(self) -> None:
        """The timeline drawn again when its width changed (``_timeline_columns``)."""
        if self.detail is not None and self._timeline_room() != self._timeline_fitted_to:
            self._render_timeline()

    def _timeline_room(self, rows: int | None = None) -> int:
        """The text cells the timeline's columns have: its width, less its scrollbar
        when its ``rows`` (default: those it shows) and header are more than its
        height."""
        table = self.query_one("#timeline", DataTable)
        rows = table.row_count if rows is None else rows
        scrollbar = table.styles.scrollbar_size_vertical if rows + 1 > table.size.height else 0
        return table.size.width - scrollbar

    @on(DataTable.RowHighlighted, "#timeline")
    def _timeline_moved(self, event: DataTable.RowHighlighted) -> None:
        """Stacked, the timeline comes into view when its cursor moves (j / k)."""
        if self.has_class("-stacked") and event.cursor_row > 0:  # not the first, on load
            event.data_table.scroll_visible(animate=False)

    def on_mount(self) -> None:
        self._fit(self.app.size.width)
        fields = self.query_one("#fields", DataTable)
        fields.add_column("Field", key="label")
        fields.add_column("Value", key="value")
        self.query_one("#fields-box").display = False  # until the account loads
        self.query_one("#contacts").border_title = "Contacts"
        self.query_one("#tickets").border_title = "Open tickets"
        self.query_one("#surveys").border_title = "NPS / CSAT"
        self.query_one("#mrr").border_title = "MRR history"
        self.query_one("#a360-goals").border_title = "Goals for this owner or segment"
        self.load(with_goals=True)

    def reopen(self, account_id: int, ids: list[int], back_to: str | None) -> None:
        """Another account in this 360, shown as a new 360 shows it: every kind on the
        timeline, no deleted entry, nothing to undo, the first rows, the timeline in
        focus. Its panels are hidden until it is read: nothing of the account shown
        before shows under its name."""
        self.ids, self.back_to = ids, back_to
        self.timeline_kind, self.show_deleted, self.cursor_to = None, False, None
        self.undo, self.rows = [], []
        self.goals_scope = None  # read with the account, not again on resume
        self._fit(self.app.size.width)
        self.sub_title = ""
        self.query_one("#a360-header", Static).update("")
        for panel in self.query("#a360-goals, #a360-body"):
            panel.display = False
        timeline, fields = (
            self.query_one("#timeline", DataTable),
            self.query_one("#fields", DataTable),
        )
        fields.move_cursor(row=0, animate=False)
        for scrolled in (
            timeline,
            fields,
            self.query_one("#a360-left"),
            self.query_one("#a360-body"),
        ):
            scrolled.scroll_home(animate=False, immediate=True)
        self._go_to(account_id, with_goals=True)

    def _go_to(self, account_id: int, with_goals: bool = False) -> None:
        self.account_id = account_id
        self.detail = None  # until it is read, l, o and e wait: not the last one's name
        self._delete_shown = None  # shown again on the next d: the 360 starts at the top
        self.app.last_account_id = account_id
        self.query_one(LoadingIndicator).display = True
        self.load(with_goals)

    @work(thread=True, exclusive=True, exit_on_error=False, group="account")
    def load(self, with_goals: bool = False) -> None:
        """Read the account (and, ``with_goals``, the goals of its owner or segment)."""
        engine, today = self.app.database, self.app.today
        detail = account_detail(engine, self.account_id, today, include_deleted=self.show_deleted)
        detail.extra["churn_risk"] = risk_words(engine, self.account_id, today)
        goals = None
        if with_goals:
            account = detail.account
            goals = goals_in_scope(
                engine, today, segment=account["segment"], owner=account["owner"]
            )
        self.post_message(DetailLoaded(detail=detail, goals=goals))

    @on(DetailLoaded)
    async def _loaded(self, message: DetailLoaded) -> None:
        if message.detail.account["id"] != self.account_id:
            return  # an older load, overtaken by [ or ]
        # read again (a save, a delete): the panels stay where they were scrolled to
        again = self.detail is not None and self.detail.account["id"] == self.account_id
        self.detail = message.detail
        self.query_one(LoadingIndicator).display = False
        self._render_detail(message.detail)
        account = message.detail.account
        scope = (account["segment"], account["owner"])
        if message.goals is not None:
            self.goals_scope = scope
            await self._show_goals(scope, message.goals)
        elif scope != self.goals_scope:  # [ and ] to an account of the same scope: kept
            self.goals_scope = scope
            self.load_goals(scope)
        for panel in self.query("#a360-goals, #a360-body"):
            panel.display = True
        if self.focused is None:  # hidden, the panels lost it
            self.set_focus(self.query_one("#timeline"))
        if self.has_class("-stacked") and not again:  # the health first, the timeline below
            self.call_after_refresh(self.query_one("#a360-body").scroll_home, animate=False)

    def on_screen_resume(self) -> None:
        """Back from another screen (a goal may have been checked in): read the goals again."""
        if self.goals_scope is not None:
            self.load_goals(self.goals_scope)

    @work(thread=True, exclusive=True, exit_on_error=False, group="account-goals")
    def load_goals(self, scope: tuple[str, str]) -> None:
        segment, owner = scope
        views = goals_in_scope(
            self.app.database,
            self.app.today,
            segment=segment,
            owner=owner,
        )
        self.post_message(GoalsLoaded(scope=scope, views=views))

    @on(GoalsLoaded)
    async def _goals_loaded(self, message: GoalsLoaded) -> None:
        if message.scope != self.goals_scope:
            return  # an older load, overtaken by [ or ]
        await self._show_goals(message.scope, message.views)

    async def _show_goals(self, scope: tuple[str, str], goals: list[GoalView]) -> None:
        panel = self.query_one("#a360-goals")
        await panel.query(GoalProgress).remove()
        views = goals[: self.GOALS_SHOWN]
        hidden = len(goals) - len(views)
        segment, owner = scope
        note = self.query_one("#goals-note", Static)
        if not views:
            who = ", ".join(visible(part) for part in (owner, segment) if part) or "none set"
            note.update(Text(f"No goals for this owner or segment ({who}).", style="dim"))
        elif hidden:
            note.update(Text(f"and {hidden} more: 3 opens the goals screen", style="dim"))
        note.display = not views or hidden > 0
        today = self.app.today
        await panel.mount_all([GoalProgress(view, today) for view in views], before=note)

    # ------------------------------------------------------------------ rendering

    def _render_detail(self, detail: AccountDetail) -> None:
        today = self.app.today
        account = detail.account
        renewal = account["renewal_date"]
        position = ""
        if self.account_id in self.ids:
            position = f"  ·  {self.ids.index(self.account_id) + 1:,} of {len(self.ids):,}"
        name, external_id = visible(account["name"]), visible(account["external_id"])
        self.sub_title = name
        header = Text.assemble(
            (name, "bold"),
            ("" if external_id == name else f"  {external_id}", "dim"),  # telco: name = id
            position,
            "\n",
        )
        by_purchase = detail.purchases if detail.sells_by_purchase else None
        if by_purchase is not None:  # a buyer without subscription: no "MRR $0", no renewal
            header.append(_facts(account, mrr=False) + " · ")
            header.append_text(_purchase_facts(by_purchase, today))
        else:
            recorded = bool(account["mrr_cents"]) or not detail.mrr_history.is_empty()
            header.append(_facts(account, mrr_recorded=recorded) + " · renewal ")
            header.append(
                f"{renewal.isoformat()} ({countdown((renewal - today).days)})"
                if renewal
                else "none",
                style="bold",
            )
        cancelling = account["cancels_at_renewal"] and account["status"] != "churned"
        if cancelling:  # the customer asked to cancel: it leaves at its renewal
            on = f" on {renewal.isoformat()}" if renewal else " (no renewal date)"
            header.append(f"\nSet to cancel at renewal{on}", style="bold red")
        shown = self.query_one("#a360-header", Static)
        shown.set_class(bool(cancelling), "-cancelling")
        shown.set_class(by_purchase is not None, "-purchases")
        shown.update(header)
        self.query_one(HealthPanel).show(
            detail.health,
            detail.override,
            detail.health_history["score"].drop_nulls().to_list(),  # days without a score
            today,
            detail.extra.get("churn_risk"),
            churned=account["status"] == "churned",
        )
        self._render_timeline()
        self._render_fields(detail)
        self.query_one("#contacts", Static).update(
            _table(
                detail.contacts,
                [("name", "Name"), ("role", "Role"), ("email", "Email")],
                empty="No contacts.",
                mark_first=bool(detail.contacts.height and detail.contacts["is_primary"][0]),
            )
        )
        tickets = detail.open_tickets.with_columns(
            opened=detail.open_tickets["opened_at"].map_elements(_local_day, return_dtype=str)
        )
        self.query_one("#tickets", Static).update(
            _table(
                tickets,
                [("opened", "Opened"), ("priority", "Priority"), ("subject", "Subject")],
                empty="No open tickets.",
            )
        )
        surveys = detail.surveys.head(12)
        surveys = surveys.with_columns(
            answered=surveys["answered_at"].map_elements(_local_day, return_dtype=str),
            kind=surveys["kind"].str.to_uppercase(),  # "NPS", as the timeline says it
        )
        self.query_one("#surveys", Static).update(
            _table(
                surveys,
                [("answered", "Date"), ("kind", "Kind"), ("score", "Score")],
                empty="No survey answers.",
            )
        )
        self.query_one("#mrr", Static).update(
            _table(
                _mrr_rows(detail.mrr_history.head(12), _undated_churn(detail.account)),
                [("day", "Date"), ("kind", "Movement"), ("amount", "Amount"), ("after", "MRR")],
                empty="No MRR movements.",
            )
        )

    def _render_fields(self, detail: AccountDetail) -> None:
        """The custom fields and this account's values, then a row to add a field."""
        box = self.query_one("#fields-box")
        box.display = True
        table = self.query_one("#fields", DataTable)
        row = table.cursor_row
        table.clear()
        filled = sum(row.value is not None for row in detail.fields)
        box.border_title = (
            f"Fields ({filled} of {len(detail.fields)} set)" if detail.fields else "Fields"
        )
        for entry in detail.fields:
            value = Text(visible(entry.shown)) if entry.value is not None else Text("—", "dim")
            table.add_row(Text(visible(entry.label), style="dim"), value, key=str(entry.id))
        table.add_row(Text(ADD_FIELD, style="dim"), Text("e", style="dim"), key=ADD_FIELD_KEY)
        if table.row_count:
            table.move_cursor(row=max(0, min(row, table.row_count - 1)), animate=False)

    def _render_timeline(self) -> None:
        if self.detail is None:
            return
        events = self.detail.timeline
        if self.timeline_kind is not None:
            events = events.filter(events["source"] == self.timeline_kind)
        table = self.query_one("#timeline", DataTable)
        current = self.current_row()
        if self.cursor_to is not None:
            current = {"source": self.cursor_to[0], "id": self.cursor_to[1]}
            self.cursor_to = None
        self.rows = []
        lines: list[list[Text]] = []
        undated = _undated_churn(self.detail.account)
        for at, source, kind, summary, sentiment, entry_id, deleted, cents in events.select(
            "at", "source", "kind", "summary", "sentiment", "id", "deleted", "amount_cents"
        ).iter_rows():
            # "QBR", "training completed", as the log form names them (was "qbr")
            label = {
                "interaction": kind_words(kind),
                "survey": kind.upper(),  # "NPS", as the NPS / CSAT box says it
                "purchase": "purchase",
            }.get(source, f"{source} {kind}")
            if source == "mrr":  # whole dollars, as the MRR history and the list say it
                summary = f"{kind} {signed_money(cents)}"
                if _is_undated(kind, at.date(), undated):
                    summary += f" · {DATE_UNKNOWN}"
            # Text, never a string: a DataTable reads a string as markup
            style = "dim strike" if deleted else ""
            # an MRR movement has a day; the others a moment, shown in the user's zone
            when = day_words(at.date()) if source == "mrr" else local_moment(at)
            # a summary wider than its column ends in "…": cut, it read as a whole line
            cells = [
                Text(visible(part), style=style, overflow="ellipsis", no_wrap=True)
                for part in (when, label, summary, sentiment or "")
            ]
            if deleted:
                cells[1] = Text(f"{visible(label)} (deleted)", style="dim")
            lines.append(cells)
            self.rows.append(
                {"source": source, "id": entry_id, "deleted": deleted, "summary": summary}
            )
        table.clear(columns=True)
        self._timeline_fitted_to = self._timeline_room(len(lines))
        for header, width in _timeline_columns(lines, self._timeline_fitted_to):
            table.add_column(header, width=width)
        for cells in lines:
            table.add_row(*cells)
        if current is not None:
            index = next(
                (
                    i
                    for i, row in enumerate(self.rows)
                    if (row["source"], row["id"]) == (current["source"], current["id"])
                ),
                None,
            )
            if index is not None:
                table.move_cursor(row=index)
        shown = self.timeline_kind or "everything"
        deleted_note = "  ·  deleted shown: d restores one" if self.show_deleted else ""
        self.query_one("#timeline-bar", Static).update(
            f"Timeline: {shown} ({events.height:,} event{'' if events.height == 1 else 's'}"
            f"{_capped_note(events)})"
            "  ·  t: " + " / ".join(("all", *TIMELINE_KINDS)) + deleted_note
        )

    def export_view(self) -> tuple[str, ExportFilters, str] | str:
        """``x`` exports this account's rows: its interactions (the timeline's log) at
        first, any other kind of the account once chosen, into a file named after its
        id; until the account is read (``_go_to``), why not yet (its name is not known)."""
        from core.exporting import ExportFilters

        if self.detail is None:
            return "Still reading the account: export it once it shows."
        account = self.detail.account
        return (
            "interactions",
            ExportFilters(
                account_ids=frozenset({self.account_id}),
                listed=(f"the account {_named(account['name'], account['external_id'])}",),
                as_of=self.app.today,
            ),
            account["external_id"],
        )

    # ------------------------------------------------------------------ actions

    def action_back(self) -> None:
        """Back to the accounts list, or to the screen the 360 was opened from."""
        self.app.pop_screen()
        if self.back_to is not None and self.back_to in self.app.MODES:
            self.app.switch_mode(self.back_to)

    def action_step(self, step: int) -> None:
        if self.account_id not in self.ids:
            return
        index = self.ids.index(self.account_id) + step
        if not 0 <= index < len(self.ids):
            self.notify("No more accounts in the list" if step > 0 else "This is the first one")
            return
        self._go_to(self.ids[index])

    def action_row(self, index: int) -> None:
        """The timeline's or the Fields panel's, whichever is in focus."""
        go_to_row(self.focused, index)

    def action_timeline_kind(self) -> None:
        kinds: list[str | None] = [None, *TIMELINE_KINDS]
        self.timeline_kind = kinds[(kinds.index(self.timeline_kind) + 1) % len(kinds)]
        self._render_timeline()

    def action_override(self) -> None:
        from tui.screens.override import OverrideScreen

        if self.detail is None:
            return

        def done(changed: bool | None) -> None:
            if changed:
                self.load()
                self.post_message(BookChanged())

        self.app.push_screen(OverrideScreen(self.detail), done)

    # ------------------------------------------------------------------ the timeline's entries

    def current_row(self) -> dict[str, Any] | None:
        """The timeline row under the cursor, or None when the timeline is empty."""
        table = self.query_one("#timeline", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def _entry_row(self, verb: str) -> dict[str, Any] | None:
        """The highlighted row if it is an interaction or a survey answer (logged here);
        otherwise says why not (the Fields panel in use: its keys, not the timeline's)."""
        if self.focused is self.query_one("#fields", DataTable):
            self.notify(
                f"To {verb} a timeline entry, tab to the timeline first. "
                "On the Fields panel, e edits a value (empty clears it)."
            )
            return None
        row = self.current_row()
        if row is None:
            self.notify(f"Nothing to {verb}: the timeline is empty")
            return None
        why_not = {
            "ticket": "tickets come from the support desk and are changed there",
            "purchase": "purchases come from the order log and are changed there",
            "mrr": "MRR movements come from billing and are changed there",
        }.get(row["source"])
        if why_not:
            self.notify(f"Cannot {verb} this entry: {why_not}", severity="warning")
            return None
        return row

    def _timeline_row_in_view(self) -> bool:
        """Whether the timeline's highlighted row is on screen: stacked (a narrow
        terminal), the panels above it fill the screen as the 360 opens, and d deleted
        an entry the manager had not seen (found in tmux at 80x24)."""
        table = self.query_one("#timeline", DataTable)
        if not self.has_class("-stacked"):
            return True
        body = self.query_one("#a360-body")
        if not body.can_view_partial(table):
            return False
        return body.region.y <= self._timeline_row_y() < body.region.bottom

    def _timeline_row_y(self) -> int:
        """The screen line of the timeline's highlighted row."""
        table = self.query_one("#timeline", DataTable)
        header = 1 if table.show_header else 0
        return table.region.y + header + table.cursor_row - round(table.scroll_y)

    def _show_timeline_row(self) -> None:
        """Scroll the stacked 360 to the timeline (its bar on top), its highlighted row
        in view: the timeline is taller than the room under the header at 80x24."""
        table = self.query_one("#timeline", DataTable)
        body = self.query_one("#a360-body")
        top = self.query_one("#a360-right").virtual_region.y
        header = 1 if table.show_header else 0
        row = top + table.virtual_region.y + header + table.cursor_row - round(table.scroll_y)
        body.scroll_to(y=max(top, row - body.scrollable_content_region.height + 1), animate=False)

    def _open_form(self, form: LogInteractionScreen) -> None:
        def done(saved: bool | None) -> None:
            if saved:
                self.cursor_to = form.saved
                if form.saved is not None and form.before is not None and form.changed:
                    source: Source = "survey" if form.saved[0] == "survey" else "interaction"
                    account = visible(self.detail.account["name"]) if self.detail else ""
                    named = f"{form.named} ({account})"
                    self.undo.append((source, form.saved[1], named, form.before))
                self.load()

        self.app.push_screen(form, done)

    def action_log(self) -> None:
        from tui.screens.log_form import LogInteractionScreen

        if self.detail is not None:
            self._open_form(LogInteractionScreen(self.account_id, self.detail.account["name"]))

    def action_edit(self) -> None:
        if self.focused is self.query_one("#fields", DataTable):
            self.edit_field()
            return
        row = self._entry_row("edit")
        if row is None:
            return
        if row["deleted"]:
            self.notify("This entry is deleted: d brings it back, then e edits it")
            return
        self.open_editor(row["source"], row["id"])

    def edit_field(self) -> None:
        """``e`` on the Fields panel: the highlighted field's value, in a dialog."""
        from tui.screens.field_edit import FieldEditScreen

        table = self.query_one("#fields", DataTable)
        if self.detail is None or not table.row_count:
            return
        user = self.app.settings.author
        if table.cursor_row >= len(self.detail.fields):  # the last row: a new field
            self._add_field(user)
            return
        field = self.detail.fields[table.cursor_row]

        def saved(changed: bool | None) -> None:
            if changed:
                self.notify(f"{field.label} saved (its history keeps the old value).")
                self.load()
                self.app.post_message(BookChanged())

        dialog = FieldEditScreen(self.account_id, self.detail.account["name"], field, user)
        self.app.push_screen(dialog, saved)

    def _add_field(self, user: str) -> None:
        """A new custom field of the book, and this account's first value."""
        from tui.screens.field_edit import AddFieldScreen

        assert self.detail is not None

        def added(label: str | None) -> None:
            if label:
                self.notify(f"{label} added to the book's fields: c on the list shows it.")
                self.load()
                self.app.post_message(BookChanged())

        self.app.push_screen(
            AddFieldScreen(self.account_id, self.detail.account["name"], user), added
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="account-edit")
    def open_editor(self, source: Source, entry_id: int) -> None:
        from core.interactions import get_entry
        from tui.screens.log_form import LogInteractionScreen

        entry = get_entry(self.app.database, entry_id, source)
        if entry is None:
            self.app.call_from_thread(self.notify, "This entry no longer exists")
            return
        name = self.detail.account["name"] if self.detail else ""
        form = LogInteractionScreen(self.account_id, name, entry=entry)
        self.app.call_from_thread(self._open_form, form)

    def action_delete(self) -> None:
        """Soft-delete the highlighted entry (or bring back a deleted one); out of view
        (stacked), it is shown first, and the next d deletes it."""
        row = self._entry_row("delete")
        shown = row is not None and (row["source"], row["id"]) == self._delete_shown
        self._delete_shown = None
        if row is not None and not shown and not self._timeline_row_in_view():
            self._delete_shown = (row["source"], row["id"])
            self._show_timeline_row()
            self.notify(
                "The timeline was out of view: its highlighted entry is shown now. "
                "Press d again to delete it."
            )
        elif row is not None:
            self.set_deleted(row["source"], row["id"], not row["deleted"], row["summary"])

    def action_undo(self) -> None:
        """Restore the last entry deleted here, or put back what the last edit here
        changed, for as long as the screen is open."""
        if not self.undo:
            self.notify("Nothing to undo")
            return
        source, entry_id, named, before = self.undo.pop()
        if before is None:
            self.set_deleted(source, entry_id, False, named)
        else:
            self.undo_edit(source, entry_id, named, before)

    @work(thread=True, exit_on_error=False, group="account-entry")
    def undo_edit(self, source: Source, entry_id: int, named: str, before: EntryForm) -> None:
        """Save the entry as it was before the edit (a revision of its own: its history
        keeps the edit and its undoing)."""
        from core.interactions import InvalidInput, edit_entry
        from tui.screens.log_form import app_now

        app = self.app
        try:
            edit_entry(
                app.database, entry_id, before, app.settings.author, app_now(app.today), source
            )
        except InvalidInput as error:
            why = "; ".join(str(problem) for problem in error.errors)
            app.call_from_thread(
                self.notify, f"Cannot undo the edit of {named}: {why}", severity="warning"
            )
            return
        app.call_from_thread(self._edit_undone, source, entry_id, named)

    def _edit_undone(self, source: Source, entry_id: int, named: str) -> None:
        self.notify(f"Edit undone: {named} is as it was (h shows its history).", markup=False)
        self.cursor_to = (source, entry_id)
        self.load()
        self.app.post_message(BookChanged())

    @work(thread=True, exit_on_error=False, group="account-entry")
    def set_deleted(self, source: Source, entry_id: int, deleted: bool, summary: str) -> None:
        from core.interactions import set_deleted
        from tui.screens.log_form import app_now

        app = self.app
        set_deleted(
            app.database,
            entry_id,
            deleted,
            now=app_now(app.today),
            source=source,
            by=app.settings.author,
        )
        app.call_from_thread(self._deleted, source, entry_id, deleted, summary)

    def _deleted(self, source: Source, entry_id: int, deleted: bool, summary: str) -> None:
        if deleted:
            account = visible(self.detail.account["name"]) if self.detail else ""
            self.undo.append((source, entry_id, f"{summary} ({account})", None))
            self.notify(
                f"Deleted: {summary}. Press u to undo.",
                title="Entry deleted",
                timeout=self.UNDO_SECONDS,
                markup=False,
            )
        else:
            self.notify(f"Restored: {summary}.", markup=False)
        self.load()
        self.app.post_message(BookChanged())

    def action_toggle_deleted(self) -> None:
        self.show_deleted = not self.show_deleted
        self.load()

    def action_history(self) -> None:
        from tui.screens.revisions import RevisionsScreen

        row = self._entry_row("show the history of")
        if row is not None:
            self.app.push_screen(RevisionsScreen(row["id"], row["summary"], row["source"]))


def _table(
    frame: pl.DataFrame,
    columns: list[tuple[str, str]],
    empty: str,
    mark_first: bool = False,
) -> Table | Text:
    if frame.height == 0:
        return Text(empty, style="dim")
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    for _key, label in columns:
        table.add_column(label)
    for index, row in enumerate(frame.select([key for key, _ in columns]).iter_rows()):
        # Text, never a string: a Rich table reads a string as markup
        cells = [Text("" if value is None else visible(str(value))) for value in row]
        if mark_first and index == 0:
            cells[0].append(" ★")
        table.add_row(*cells)
    return table


def _local_day(moment: datetime) -> str:
    return local_moment(moment, "%Y-%m-%d")


TIMELINE_COLUMNS = (("When", 18), ("Kind", 18), ("Summary", 1_000), ("Sentiment", 9))
"""The timeline's columns and the most each takes: as wide as what it holds (its
header at least), the Summary the room left (``SUMMARY_AT_LEAST`` at least)."""
SUMMARY_AT_LEAST = 16
"""Beside the panels at 120 columns the timeline has 58 cells, the When and Kind
columns were 16 and 18 wide whatever they held and the Summary 44: the sentiment was
off screen below 160 columns. Fitted, it shows from about 130 columns on the demo
book's busiest accounts, and from 120 when the kinds are short (a call, an email)."""


def _timeline_columns(lines: list[list[Text]], room: int) -> list[tuple[str, int]]:
    """Each column of the timeline with its width, for ``lines`` of cells in ``room``
    text cells (each column takes its width and a cell of padding either side)."""
    widths = {
        header: min(most, max([len(header), *(line[index].cell_len for line in lines)]))
        for index, (header, most) in enumerate(TIMELINE_COLUMNS)
    }
    taken = sum(width for header, width in widths.items() if header != "Summary")
    # at least SUMMARY_AT_LEAST, or the longest summary when all are shorter
    at_least = min(SUMMARY_AT_LEAST, widths["Summary"])
    widths["Summary"] = max(at_least, room - taken - 2 * len(widths))
    return list(widths.items())


def _facts(account: dict[str, Any], mrr: bool = True, mrr_recorded: bool = True) -> str:
    """ "SMB · Pro plan · owner Ana · MRR $1,200 · active": the parts that are set, in
    words (an imported account may have no segment, plan or owner); without ``mrr``,
    the MRR left out (an account that buys by purchase has none); "no MRR recorded"
    when none ever was (``mrr_recorded``: no MRR movement, a CRM's company), as the
    list says "—" for it, not "$0"."""
    # a churned account's movements sum to 0 (its MRR panel's $0): its MRR is what it lost
    lost = "lost " if account["status"] == "churned" else ""
    parts = [
        visible(account["segment"]) if account["segment"] else "no segment",
        f"{visible(account['plan'])} plan" if account["plan"] else "no plan",
        f"owner {visible(account['owner'])}" if account["owner"] else "no owner",
        f"MRR {lost}{money(account['mrr_cents'])}" if mrr_recorded else "no MRR recorded",
        _status(account),
    ]
    return " · ".join(parts if mrr else parts[:3] + parts[4:])


def _undated_churn(account: dict[str, Any]) -> date | None:
    """The day a churned account's churn was recorded when its churn date is unknown
    (a status without a date, as in IBM's telco sample), else None: such a churn
    counts in no period's churn (domain.md), and its movement stands on that day."""
    if account["status"] == "churned" and account["churned_at"] is None:
        return account["churn_recorded_on"]
    return None


DATE_UNKNOWN = "date unknown"
"""What the 360 says of a churn without its date: its header, timeline and MRR history."""


def _mrr_rows(mrr: pl.DataFrame, undated: date | None) -> pl.DataFrame:
    """The MRR history's rows in words: day, movement, amount and the MRR after; the
    churn of an account whose churn date is unknown has "date unknown" for its day (it
    stands on the day it was recorded, which the header says)."""
    import polars as pl  # loaded already: the detail's frames are polars'

    days = [
        DATE_UNKNOWN if _is_undated(kind, day, undated) else day_words(day)
        for kind, day in mrr.select("kind", "occurred_on").iter_rows()
    ]
    return mrr.with_columns(
        pl.Series("day", days, dtype=pl.String),
        amount=mrr["amount_cents"].map_elements(money, return_dtype=str),
        after=mrr["mrr_after_cents"].map_elements(money, return_dtype=str),
    )


def _is_undated(kind: str, day: date, undated: date | None) -> bool:
    """The MRR movement is the churn of an account whose churn date is unknown
    (``undated``: the day it was recorded, ``_undated_churn``): its day is the
    record's, not the churn's."""
    return kind == "churn" and day == undated


def _status(account: dict[str, Any]) -> str:
    """ "active", "churned", or "churned, date unknown (recorded 2026-11-30)"."""
    recorded = _undated_churn(account)
    if recorded is None:
        return str(account["status"])
    return f"churned, {DATE_UNKNOWN} (recorded {recorded.isoformat()})"


def _purchase_facts(bought: PurchaseSummary, today: date) -> Text:
    """An account's purchases as its header leads with them: "last purchase 2017-12-26
    (3281 days ago) · 138 purchase days, $12,368 since 2017-01-01 · none in the last 12
    months" (purchase days: one purchase per day, as the dashboard counts them)."""
    last = bought.last_day
    year = (
        f"{money(bought.year_cents)} over {_days(bought.year_purchases)} in the last 12 months"
        if bought.year_purchases
        else "none in the last 12 months"
    )
    return Text.assemble(
        ("last purchase ", "bold"),
        (f"{last.isoformat()} ({countdown((last - today).days)})", "bold"),
        f" · {_days(bought.purchases)}, {money(bought.amount_cents)}"
        f" since {bought.first_day.isoformat()} · ",
        (year, "bold"),
    )


def _days(count: int) -> str:
    return f"{count:,} purchase day{'s' if count != 1 else ''}"


def _named(name: str, external_id: str) -> str:
    """An account as the export dialog names it: "Globex (EXT-1001)", its id once when
    it is its name (IBM's telco book: "7569-NMZYQ (7569-NMZYQ)")."""
    if name == external_id:
        return visible(name)
    return f"{visible(name)} ({visible(external_id)})"


def _capped_note(events: pl.DataFrame) -> str:
    """Which kinds the timeline shows only the latest ``TIMELINE_LIMIT`` of (each kind
    is read up to it): a grocer's household of 4,193 till lines read "1,000 events" as
    if that were all."""
    capped = sorted(
        source
        for source, count in events.group_by("source").len().iter_rows()
        if count >= TIMELINE_LIMIT
    )
    if not capped:
        return ""
    kinds = " and ".join(f"{source}s" for source in capped)
    return f"; the latest {TIMELINE_LIMIT:,} {kinds} only: x exports them all"
