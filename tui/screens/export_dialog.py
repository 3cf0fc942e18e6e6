"""``x``: export what the current screen shows, with its filters, to a file whose
extension picks the format (.csv, .xlsx, .parquet), through core.exporting; or any
other kind ``cxtui export`` writes, with the screen's filters where they apply."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Input, Label, Select, Static

from core.exporting import WHOLE_BOOK
from tui.screens.confirm import close_form
from tui.screens.dialog import Dialog, save_cancel_bindings, save_cancel_buttons

if TYPE_CHECKING:
    from core.exporting import ExportFilters

KIND_WORDS = {
    "metrics": "the dashboard's figures",
    "health": "health scores",
    "mrr": "MRR movements",
    "usage": "product usage",
    "surveys": "survey answers",
    "tickets": "support tickets",
}
"""What a kind of export holds, where its name alone does not say."""
OWNED = ("goals", "tasks")
"""The screens whose owner filter is a goal's or a task's, not an account's."""


def carried(kind: str, shown: str, filters: ExportFilters) -> ExportFilters:
    """The filters of an export of ``kind`` from the screen that exports ``shown`` with
    ``filters``: all of them for its own kind; for another, those that mean the same
    there, as ``cxtui export`` applies them: the accounts listed or in scope (not
    from the goals' or the tasks' screen, whose owner is the goal's or the task's),
    never the list's order or columns, and the period for metrics only."""
    from core.exporting import ExportFilters

    if kind == shown:
        return filters
    whole = ExportFilters(as_of=filters.as_of)
    if shown in OWNED or (filters.listed and kind in WHOLE_BOOK):
        return whole
    return replace(
        whole,
        scope=filters.scope,
        period=filters.period,
        account_ids=filters.account_ids if filters.listed else None,
        listed=filters.listed,
    )


def default_export_path(kind: str, today: date, of: str = "") -> Path:
    """``cxtui-<kind>-<date>.csv`` (``cxtui-<of>-<kind>-<date>.csv`` when the export is
    of one thing, an account's id: a file per account, none written over another's)
    in the user's documents folder, else the current one."""
    from platformdirs import user_documents_path

    folder = user_documents_path()
    if not folder.is_dir():
        folder = Path.cwd()
    named = re.sub(r"[^A-Za-z0-9._-]+", "-", of).strip("-.")
    return folder / f"cxtui-{f'{named}-' if named else ''}{kind}-{today.isoformat()}.csv"


class ExportDialog(Dialog[Path | None]):
    """Dismissed with the file written, or None when cancelled."""

    DEFAULT_CSS = """
    ExportDialog #export-error { color: $error; height: auto; }
    """
    BINDINGS = save_cancel_bindings("export", save="Export")

    def __init__(self, kind: str, filters: ExportFilters, of: str = "") -> None:
        super().__init__()
        self.shown_kind = kind
        """What the screen shows (its own kind)."""
        self.of = of
        """What the screen is of, for the file's name (the 360: its account's id)."""
        self.screen_filters = filters
        self.kind = kind
        self.filters = filters

    def compose(self) -> ComposeResult:
        from core.exporting import EXPORTS

        kinds = [(f"{k} ({KIND_WORDS[k]})" if k in KIND_WORDS else k, k) for k in EXPORTS]
        with Vertical(classes="dialog", id="export"):
            yield Static(f"Export {self.kind}", classes="dialog-title", markup=False)
            yield Static(
                self._filters_text(), id="export-filters", classes="dialog-text", markup=False
            )
            yield Label("What", markup=False)
            yield Select(kinds, value=self.kind, allow_blank=False, id="kind")
            yield Label("File (.csv, .xlsx or .parquet)", markup=False)
            yield Input(str(self._offered()), id="path")
            yield Static("", id="export-error", markup=False)
            yield save_cancel_buttons("Export")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def _filters_text(self) -> str:
        """The filters the export takes, in words; or why it is of the whole book."""
        shown = self.filters.describe()
        own = self.kind == self.shown_kind
        period = f"period {self.filters.period}" if self.kind == "metrics" else ""
        if period and own:  # the figures of the period the dashboard shows
            shown = [period, *shown]
        narrowed = replace(self.screen_filters, sorted_by="").describe()
        if shown:
            text = "With the screen's filters: " + ", ".join(shown)
        elif not own and narrowed:
            text = (
                f"The whole book: the screen's filters ({', '.join(narrowed)}) do not apply"
                f" to {self.kind}"
            )
        else:
            text = "With the screen's filters: none"
        if period and not own:  # the default period, "month": this month, by its name
            from core.periods import Period

            label = Period.parse(self.filters.period, self.filters.as_of or self.app.today).label
            return f"{text}; period {label}"
        return text

    @on(Select.Changed, "#kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        """Another kind: its filters, and its file name unless one was typed."""
        path = self.query_one("#path", Input)
        offered = path.value.strip() == str(self._offered())
        self.kind = str(event.value)
        self.filters = carried(self.kind, self.shown_kind, self.screen_filters)
        self.query_one(".dialog-title", Static).update(f"Export {self.kind}")
        self.query_one("#export-filters", Static).update(self._filters_text())
        if offered:
            path.value = str(self._offered())

    @on(Input.Changed)
    def _changed(self) -> None:
        self.query_one("#export-error", Static).update("")

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        text = self.query_one("#path", Input).value.strip()
        if not text:
            self.query_one("#export-error", Static).update("Type the file to write.")
            return
        self.query_one("#save", Button).disabled = True
        self.write(Path(text).expanduser())

    @property
    def unsaved(self) -> bool:
        """Whether the file typed differs from the one offered, which escape would lose."""
        return self.query_one("#path", Input).value.strip() != str(self._offered())

    def _offered(self) -> Path:
        """The file offered for the kind chosen (of the whole book: not named after
        what the screen is of)."""
        of = "" if self.kind in WHOLE_BOOK else self.of
        return default_export_path(self.kind, self.app.today, of)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        close_form(self, self.unsaved, None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export", name="Exporting")
    def write(self, path: Path) -> None:
        from core.exporting import ExportError, export

        app = self.app
        try:
            rows = export(app.database, self.kind, path, self.filters)
        except (ExportError, OSError) as error:
            app.call_from_thread(self._refused, str(error))
            return
        app.call_from_thread(self._written, path, rows)

    def _refused(self, text: str) -> None:
        self.query_one("#export-error", Static).update(text)
        self.query_one("#save", Button).disabled = False

    def _written(self, path: Path, rows: int) -> None:
        from core.exporting import rows_of

        self.notify(f"{rows_of(rows, self.kind)} written to {path}", title="Exported")
        self.dismiss(path)
