"""What the dialogs share: ``Dialog``, their base class (their style is
``dialog.tcss``), and for the form dialogs ``ctrl+s`` that saves and ``escape`` that
cancels, and the two buttons that say so."""

from __future__ import annotations

from textual import events, getters, on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen, ScreenResultType
from textual.widgets import Button

from tui.app import CxtuiApp
from tui.widgets.footer import KeysFooter


class KeysModal(ModalScreen[ScreenResultType]):
    """A screen over another (a dialog, a picker) with a footer of its own: its keys
    (``esc Cancel``, ``ctrl+s Save``...). Without one, the footer of the screen behind
    showed through, with keys that do nothing under it (the 360's ``e Edit entry`` under
    the log form)."""

    @on(events.Mount)
    async def _mount_footer(self) -> None:
        # a handler of this class's own (not ``on_mount``, which dialogs define and
        # chain with ``super()``): run once, whatever its subclasses do on mount
        if not self.query(KeysFooter):
            await self.mount(KeysFooter())


class Dialog(KeysModal[ScreenResultType]):
    """A dialog of the app, centred over the screen it opens on and styled by
    ``dialog.tcss`` (its ``.dialog`` box, title, text and buttons). A dialog with a
    style file of its own lists both in its ``CSS_PATH``; the paths are read beside
    the dialog's module, as every dialog's is in ``tui/screens``."""

    app = getters.app(CxtuiApp)

    CSS_PATH = "dialog.tcss"


SAVE_KEY = "ctrl+s"
"""The key that saves a form (or exports, applies, imports), as every button says."""


def save_cancel_bindings(prefix: str, save: str = "Save") -> list[BindingType]:
    """``ctrl+s`` runs ``action_save`` (shown as ``save``) and ``escape``
    ``action_cancel``; their ids are ``PREFIX.save`` and ``PREFIX.cancel``."""
    return [
        Binding(SAVE_KEY, "save", save, id=f"{prefix}.save"),
        Binding("escape", "cancel", "Cancel", id=f"{prefix}.cancel"),
    ]


def save_cancel_buttons(save: str = "Save") -> Horizontal:
    """The primary button ``#save`` (``save`` and its key: "Save (ctrl+s)") and
    ``#cancel``."""
    return Horizontal(
        Button(f"{save} ({SAVE_KEY})", variant="primary", id="save"),
        Button("Cancel (esc)", id="cancel"),
        classes="dialog-buttons",
    )
