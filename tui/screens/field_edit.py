"""``e`` on the 360's Fields panel: a custom field's value for one account, typed
and checked by ``core.accounts.fields`` (a number, an amount, a date in the app's
date grammar, yes or no, one of a choice's values); empty clears it. Saved with a
revision, as every edit of the app. On the panel's last row, a new field of the book
(``AddFieldScreen``): its name, type, choices and this account's first value."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ScreenResultType
from textual.widgets import Input, Label, Select, Static

from core.accounts.field_names import TYPE_WORDS
from core.accounts.fields import CHOICE, DATE, MONEY, NUMBER, TEXT, YES_NO, FieldRow
from core.text import visible
from tui.screens.dialog import Dialog, save_cancel_bindings

_HINTS = {
    NUMBER: "a number, such as 12 or 3.5",
    MONEY: "an amount, such as 1234.50",
    DATE: "a day: 2026-03-01, today, -2d, next monday",
    YES_NO: "yes or no",
}


class FieldDialog(Dialog[ScreenResultType]):
    """What the two field dialogs share: the account they are opened on (its id and
    name), whom the change is recorded as, their style, and enter in a field that
    saves as ``ctrl+s`` does."""

    DEFAULT_CSS = """
    FieldDialog Label { padding: 1 0 0 0; }
    """
    cancelled: object = None
    """What the dialog is dismissed with when cancelled."""

    def __init__(self, account_id: int, account: str, user: str) -> None:
        super().__init__()
        self.account_id = account_id
        self.account = account
        self.user = user
        self._initial: tuple[object, ...] | None = None

    def on_mount(self) -> None:
        self._initial = self._values()

    def _values(self) -> tuple[object, ...]:
        """What the dialog's fields hold (its inputs' values and selects' choices)."""
        return tuple(
            widget.value
            for widget in self.query("Input, Select")
            if isinstance(widget, Input | Select)
        )

    @property
    def unsaved(self) -> bool:
        """True when something was typed or picked (escape and quitting ask first)."""
        return self._initial is not None and self._values() != self._initial

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        from tui.screens.confirm import close_form

        close_form(self, self.unsaved, self.cancelled)


class FieldEditScreen(FieldDialog[bool]):
    """Dismissed with True once the value is saved (False: cancelled)."""

    DEFAULT_CSS = """
    FieldEditScreen #field-error { color: $error; }
    """
    BINDINGS = save_cancel_bindings("field_edit")

    def __init__(self, account_id: int, account: str, field: FieldRow, user: str) -> None:
        super().__init__(account_id, account, user)
        self.field = field

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

    cancelled = False

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#field-value", Input).focus()

    def action_save(self) -> None:
        self.save(self.query_one("#field-value", Input).value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="field-edit")
    def save(self, text: str) -> None:
        from core.accounts.fields import FieldValueError, UnknownField, set_field_value

        try:
            change = set_field_value(
                self.app.database,
                self.account_id,
                self.field.name,
                text,
                self.user,
            )
        except (FieldValueError, UnknownField) as error:
            self.app.call_from_thread(self.query_one("#field-error", Static).update, str(error))
            return
        self.app.call_from_thread(self.dismiss, change.changed)


class AddFieldScreen(FieldDialog[str | None]):
    """Dismissed with the new field's label once it is saved (None: cancelled). The
    name, type, choices and first value are checked together before anything is
    written (``core.accounts.fields.check_new_field``); what is wrong is named under
    the form and nothing typed is lost."""

    DEFAULT_CSS = """
    AddFieldScreen Input, AddFieldScreen Select { margin: 0 0 0 0; }
    AddFieldScreen #new-field-error { color: $error; }
    """
    BINDINGS = save_cancel_bindings("field_add")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                f"A new field of the book, from {visible(self.account)}",
                classes="dialog-title",
                markup=False,
            )
            yield Label("Name (as the list, filters and --by will call it)", markup=False)
            yield Input(placeholder="Plan tier", id="new-field-name", compact=True)
            yield Label("Type", markup=False)
            yield Select(
                [(words, kind) for kind, words in TYPE_WORDS.items()],
                value=TEXT,
                allow_blank=False,
                id="new-field-type",
                compact=True,
            )
            yield Label("Choices, separated by commas (a choice field only)", markup=False)
            yield Input(placeholder="Bronze, Silver, Gold", id="new-field-choices", compact=True)
            yield Label("This account's value (empty: none yet)", markup=False)
            yield Input(id="new-field-value", compact=True)
            yield Static("ctrl+s saves · esc cancels", classes="dialog-hint", markup=False)
            yield Static("", id="new-field-error", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#new-field-name", Input).focus()
        self._show_choices(TEXT)

    @on(Select.Changed, "#new-field-type")
    def _type_changed(self, event: Select.Changed) -> None:
        self._show_choices(str(event.value))

    def _show_choices(self, field_type: str) -> None:
        """The choices' input only for a choice field; the value's hint for the type."""
        self.query_one("#new-field-choices", Input).disabled = field_type != CHOICE
        hint = _HINTS.get(field_type, "text")
        self.query_one("#new-field-value", Input).placeholder = hint

    def action_save(self) -> None:
        self.save(
            self.query_one("#new-field-name", Input).value,
            str(self.query_one("#new-field-type", Select).value),
            self.query_one("#new-field-choices", Input).value,
            self.query_one("#new-field-value", Input).value,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="field-add")
    def save(self, name: str, field_type: str, choices: str, value: str) -> None:
        from core.accounts.fields import FieldValueError, add_field, check_new_field, custom_fields

        engine = self.app.database
        try:
            new = check_new_field(custom_fields(engine), name, field_type, choices, value)
            add_field(engine, self.account_id, new, self.user)
        except FieldValueError as error:
            self.app.call_from_thread(self.query_one("#new-field-error", Static).update, str(error))
            return
        self.app.call_from_thread(self.dismiss, new.label)
