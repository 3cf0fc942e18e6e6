"""The account 360 (``enter`` on an account): header, health and why, timeline,
contacts, open tickets, NPS/CSAT and MRR history. ``[`` and ``]`` walk the list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, LoadingIndicator, Static

from core.accounts import TIMELINE_KINDS, AccountDetail, account_detail
from tui.format import countdown, money
from tui.messages import BookChanged
from tui.widgets.health import HealthPanel

if TYPE_CHECKING:
    import polars as pl


class DetailLoaded(Message):
    def __init__(self, detail: AccountDetail) -> None:
        super().__init__()
        self.detail = detail


class AccountScreen(Screen[None]):
    CSS_PATH = "account.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="account.back"),
        Binding(
            "left_square_bracket", "step(-1)", "Previous", id="account.previous", key_display="["
        ),
        Binding("right_square_bracket", "step(1)", "Next", id="account.next", key_display="]"),
        Binding("o", "override", "Override health", id="account.override"),
        Binding("t", "timeline_kind", "Timeline kind", id="account.timeline_kind"),
    ]

    def __init__(self, account_id: int, ids: list[int]) -> None:
        super().__init__()
        self.account_id = account_id
        self.ids = ids
        self.detail: AccountDetail | None = None
        self.timeline_kind: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="a360-header")
        yield LoadingIndicator()
        with Horizontal(id="a360-body"):
            with Vertical(id="a360-left"):
                yield HealthPanel(id="health")
                yield Static("", id="contacts", classes="box")
                yield Static("", id="tickets", classes="box")
            with Vertical(id="a360-right"):
                yield Static("", id="timeline-bar")
                yield DataTable(id="timeline", cursor_type="row", zebra_stripes=True)
                with Horizontal(id="a360-history"):
                    yield Static("", id="surveys", classes="box")
                    yield Static("", id="mrr", classes="box")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#timeline", DataTable)
        table.add_column("When", width=16)
        table.add_column("Kind", width=18)
        table.add_column("Summary", width=44)
        table.add_column("Sentiment", width=9)
        self.query_one("#contacts").border_title = "Contacts"
        self.query_one("#tickets").border_title = "Open tickets"
        self.query_one("#surveys").border_title = "NPS / CSAT"
        self.query_one("#mrr").border_title = "MRR history"
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="account")
    def load(self) -> None:
        engine = self.app.engine  # type: ignore[attr-defined]
        detail = account_detail(engine, self.account_id, self.app.today)  # type: ignore[attr-defined]
        self.post_message(DetailLoaded(detail))

    @on(DetailLoaded)
    def _loaded(self, message: DetailLoaded) -> None:
        if message.detail.account["id"] != self.account_id:
            return  # an older load, overtaken by [ or ]
        self.detail = message.detail
        self.query_one(LoadingIndicator).display = False
        self._render_detail(message.detail)

    # ------------------------------------------------------------------ rendering

    def _render_detail(self, detail: AccountDetail) -> None:
        today = self.app.today  # type: ignore[attr-defined]
        account = detail.account
        self.sub_title = account["name"]
        renewal = account["renewal_date"]
        position = ""
        if self.account_id in self.ids:
            position = f"  ·  {self.ids.index(self.account_id) + 1} of {len(self.ids)}"
        header = Text.assemble(
            (account["name"], "bold"),
            (f"  {account['external_id']}", "dim"),
            position,
            "\n",
            f"{account['segment']} · {account['plan']} plan · owner {account['owner']} · "
            f"MRR {money(account['mrr_cents'])} · {account['status']} · renewal ",
            (
                f"{renewal.isoformat()} ({countdown((renewal - today).days)})"
                if renewal
                else "none",
                "bold",
            ),
        )
        self.query_one("#a360-header", Static).update(header)
        self.query_one(HealthPanel).show(
            detail.health,
            detail.override,
            detail.health_history["score"].to_list(),
            today,
        )
        self._render_timeline()
        self.query_one("#contacts", Static).update(
            _table(
                detail.contacts,
                [("name", "Name"), ("role", "Role"), ("email", "Email")],
                empty="No contacts.",
                mark_first=bool(detail.contacts.height and detail.contacts["is_primary"][0]),
            )
        )
        tickets = detail.open_tickets.with_columns(
            opened=detail.open_tickets["opened_at"].dt.strftime("%Y-%m-%d")
        )
        self.query_one("#tickets", Static).update(
            _table(
                tickets,
                [("opened", "Opened"), ("priority", "Priority"), ("subject", "Subject")],
                empty="No open tickets.",
            )
        )
        surveys = detail.surveys.head(12).with_columns(
            answered=detail.surveys.head(12)["answered_at"].dt.strftime("%Y-%m-%d")
        )
        self.query_one("#surveys", Static).update(
            _table(
                surveys,
                [("answered", "Date"), ("kind", "Kind"), ("score", "Score")],
                empty="No survey answers.",
            )
        )
        mrr = detail.mrr_history.head(12)
        rows = mrr.with_columns(
            day=mrr["occurred_on"].dt.strftime("%Y-%m-%d"),
            amount=mrr["amount_cents"].map_elements(money, return_dtype=str),
            after=mrr["mrr_after_cents"].map_elements(money, return_dtype=str),
        )
        self.query_one("#mrr", Static).update(
            _table(
                rows,
                [("day", "Date"), ("kind", "Movement"), ("amount", "Amount"), ("after", "MRR")],
                empty="No MRR movements.",
            )
        )

    def _render_timeline(self) -> None:
        if self.detail is None:
            return
        events = self.detail.timeline
        if self.timeline_kind is not None:
            events = events.filter(events["source"] == self.timeline_kind)
        table = self.query_one("#timeline", DataTable)
        table.clear()
        for at, source, kind, summary, sentiment in events.select(
            "at", "source", "kind", "summary", "sentiment"
        ).iter_rows():
            label = {"interaction": kind, "survey": kind.upper()}.get(source, f"{source} {kind}")
            table.add_row(at.strftime("%Y-%m-%d %H:%M"), label, summary, sentiment or "")
        shown = self.timeline_kind or "everything"
        self.query_one("#timeline-bar", Static).update(
            f"Timeline: {shown} ({events.height:,} events)  ·  t cycles "
            + " / ".join(("all", *TIMELINE_KINDS))
        )

    # ------------------------------------------------------------------ actions

    def action_step(self, step: int) -> None:
        if self.account_id not in self.ids:
            return
        index = self.ids.index(self.account_id) + step
        if not 0 <= index < len(self.ids):
            self.notify("No more accounts in the list" if step > 0 else "This is the first one")
            return
        self.account_id = self.ids[index]
        self.app.last_account_id = self.account_id  # type: ignore[attr-defined]
        self.query_one(LoadingIndicator).display = True
        self.load()

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
        cells = ["" if value is None else str(value) for value in row]
        if mark_first and index == 0:
            cells[0] += " ★"
        table.add_row(*cells)
    return table
