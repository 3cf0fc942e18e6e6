"""``x``: export what the current screen shows, with its filters, to a file whose
extension picks the format (.csv, .xlsx, .parquet), through core.exporting."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Input, Label, Static

from tui.screens.confirm import close_form
from tui.screens.dialog import Dialog, save_cancel_bindings, save_cancel_buttons

if TYPE_CHECKING:
    from core.exporting import ExportFilters


def default_export_path(kind: str, today: date) -> Path:
    """``cxtui-<kind>-<date>.csv`` in the user's documents folder, else the current one."""
    from platformdirs import user_documents_path

    folder = user_documents_path()
    if not folder.is_dir():
        folder = Path.cwd()
    return folder / f"cxtui-{kind}-{today.isoformat()}.csv"


class ExportDialog(Dialog[Path | None]):
    """Dismissed with the file written, or None when cancelled."""

    DEFAULT_CSS = """
    ExportDialog #export-error { color: $error; height: auto; }
    """
    BINDINGS = save_cancel_bindings("export", save="Export")

    def __init__(self, kind: str, filters: ExportFilters) -> None:
        super().__init__()
        self.kind = kind
        self.filters = filters

    def compose(self) -> ComposeResult:
        today: date = self.app.today
        shown = self.filters.describe()
        if self.kind == "metrics":  # the figures of the period the dashboard shows
            shown = [f"period {self.filters.period}", *shown]
        with Vertical(classes="dialog", id="export"):
            yield Static(f"Export {self.kind}", classes="dialog-title", markup=False)
            yield Static(
                "With the screen's filters: " + (", ".join(shown) if shown else "none"),
                classes="dialog-text",
                markup=False,
            )
            yield Label("File (.csv, .xlsx or .parquet)", markup=False)
            yield Input(str(default_export_path(self.kind, today)), id="path")
            yield Static("", id="export-error", markup=False)
            yield save_cancel_buttons("Export (enter)")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

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
        offered = str(default_export_path(self.kind, self.app.today))
        return self.query_one("#path", Input).value.strip() != offered

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
