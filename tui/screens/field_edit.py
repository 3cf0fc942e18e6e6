"""``e`` on the 360's Fields panel: a custom field's value for one account, typed
and checked by ``core.accounts.fields`` (a number, an amount, a date in the app's
date grammar, yes or no, one of a choice's values); empty clears it. Saved with a
revision, as every edit of the app."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from core.accounts.fields import CHOICE, DATE, MONEY, NUMBER, YES_NO, FieldRow
from core.text import visible

_HINTS = {
    NUMBER: "a number, such as 12 or 3.5",
    MONEY: "an amount, such as 1234.50",
    DATE: "a day: 2026-03-01, today, -2d, next monday",
    YES_NO: "yes or no",
}


class FieldEditScreen(ModalScreen[bool]):
    """Dismissed with True once the value is saved (False: cancelled)."""

    CSS_PATH = "dialog.tcss"
    DEFAULT_CSS = """
    FieldEditScreen { align: center middle; }
    FieldEditScreen .dialog { width: 72; }
    FieldEditScreen Label { padding: 1 0 0 0; }
    FieldEditScreen #field-error { color: $error; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="field_edit.save"),
        Binding("escape", "cancel", "Cancel", id="field_edit.cancel"),
    ]

    def __init__(self, account_id: int, account: str, field: FieldRow, user: str) -> None:
        super().__init__()
        self.account_id = account_id
        self.account = account
        self.field = field
        self.user = user

    def compose(self) -> ComposeResult:
        hint = _HINTS.get(self.field.type, "text")
        if self.field.type == CHOICE:
            hint = "one of: " + ", ".join(self.field.choices)
        with Vertical(classes="dialog"):
            yield Static(
                f"{visible(self.field.label)}: {visible(self.account)}",
                classes="dialog-title",
                markup=False,
            )
            yield Label(f"{visible(hint)}; empty clears it. enter or ctrl+s saves", markup=False)
            yield Input(self.field.value or "", id="field-value", select_on_focus=True)
            yield Static("", id="field-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#field-value", Input).focus()

    @on(Input.Submitted, "#field-value")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        self.save(self.query_one("#field-value", Input).value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="field-edit")
    def save(self, text: str) -> None:
        from core.accounts.fields import FieldValueError, UnknownField, set_field_value

        try:
            change = set_field_value(
                self.app.database,  # type: ignore[attr-defined]
                self.account_id,
                self.field.name,
                text,
                self.user,
            )
        except (FieldValueError, UnknownField) as error:
            self.app.call_from_thread(self.query_one("#field-error", Static).update, str(error))
            return
        self.app.call_from_thread(self.dismiss, change.changed)

    def action_cancel(self) -> None:
        self.dismiss(False)
