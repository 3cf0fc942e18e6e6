"""``h`` on a timeline entry (an interaction or a survey answer): who logged it, and
every edit since (who, when, what changed, from what to what)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from core.text import visible
from tui.screens.dialog import Dialog

if TYPE_CHECKING:
    from core.interactions import Source

FIELD_LABELS = {
    "kind": "kind",
    "occurred_at": "when",
    "answered_at": "when",
    "score": "score",
    "comment": "comment",
    "contact_id": "contact",
    "summary": "summary",
    "notes": "notes",
    "sentiment": "sentiment",
    "follow_up_on": "follow-up",
}
SENTIMENT_WORDS = {-1: "negative", 0: "neutral", 1: "positive"}


class RevisionsScreen(Dialog[None]):
    BINDINGS = [
        Binding("escape,h,q", "close", "Close", id="revisions.close"),
    ]
    DEFAULT_CSS = """
    RevisionsScreen #revisions-body { height: auto; max-height: 36; }
    """

    def __init__(self, entry_id: int, summary: str, source: Source = "interaction") -> None:
        super().__init__()
        self.entry_id = entry_id
        self.summary = summary
        self.source: Source = source

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"History: {visible(self.summary)}", classes="dialog-title", markup=False)
            with VerticalScroll(id="revisions-body"):
                yield Static("Reading…", id="revisions", markup=False)
            yield Static(Text("esc closes", style="dim"), markup=False)

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="revisions")
    def load(self) -> None:
        from core.interactions import contact_names, get_entry, revisions
        from core.models import Interaction

        engine = self.app.database
        entry = get_entry(engine, self.entry_id, self.source)
        if entry is None:
            self.app.call_from_thread(self._show, Text("This entry no longer exists."))
            return
        names = {cid: name for name, cid in contact_names(engine, entry.account_id).items()}
        history = revisions(engine, self.entry_id, self.source)
        if isinstance(entry, Interaction):
            logged = Text.assemble(
                "Logged by ", (visible(entry.logged_by), "bold"), f" on {_moment(entry.created_at)}"
            )
        elif entry.logged_by:
            logged = Text.assemble(
                "Answered on ",
                _moment(entry.answered_at),
                "; logged by ",
                (visible(entry.logged_by), "bold"),
            )
        else:
            logged = Text(f"Answered on {_moment(entry.answered_at)}; imported, not logged here")
        if entry.deleted_at is not None:
            logged.append(f"; deleted on {_moment(entry.deleted_at)}", style="red")
        if not history:
            body: Any = Group(logged, Text("\nNever edited.", style="dim"))
        else:
            table = Table(box=None, padding=(0, 1), header_style="bold", expand=True)
            for label in ("Edited", "By", "Field", "Before", "After"):
                table.add_column(label, overflow="fold")
            for revision in history:
                changes: dict[str, list[Any]] = json.loads(revision.changes)
                for index, (name, (old, new)) in enumerate(sorted(changes.items())):
                    first = index == 0
                    cells = (
                        _moment(revision.edited_at) if first else "",
                        revision.edited_by if first else "",
                        FIELD_LABELS.get(name, name),
                        _value(name, old, names),
                        _value(name, new, names),
                    )
                    # Text, never a string: a Rich table reads a string as markup
                    table.add_row(*(Text(visible(cell, keep_lines=True)) for cell in cells))
            body = Group(logged, Text(""), table)
        self.app.call_from_thread(self._show, body)

    def _show(self, body: Any) -> None:
        self.query_one("#revisions", Static).update(body)

    def action_close(self) -> None:
        self.dismiss(None)


def _moment(value: datetime | str | None) -> str:
    """A stored moment (UTC, naive or aware) as the timeline shows it."""
    if value is None:
        return ""
    return local_moment(datetime.fromisoformat(value) if isinstance(value, str) else value)


def local_moment(moment: datetime, spec: str = "%Y-%m-%d %H:%M") -> str:
    """A stored moment (UTC when naive) in the user's time zone, as typed in the log
    form: the timeline, an entry's history and the 360's panels show it so."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime(spec)


def _value(name: str, value: Any, contacts: dict[int, str]) -> str:
    if value is None or value == "":
        return "(empty)"
    if name in ("occurred_at", "answered_at"):
        return _moment(value)
    if name == "sentiment":
        return SENTIMENT_WORDS.get(value, str(value))
    if name == "contact_id":
        return contacts.get(value, f"contact #{value}")
    if name == "kind":  # "QBR", "training completed", as the form and timeline say
        from core.interactions import kind_words

        return kind_words(str(value))
    return str(value)
