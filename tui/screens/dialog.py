"""What the form dialogs share (their style is ``dialog.tcss``): ``ctrl+s`` saves and
``escape`` cancels, and the two buttons that say so."""

from __future__ import annotations

from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button


def save_cancel_bindings(prefix: str, save: str = "Save") -> list[BindingType]:
    """``ctrl+s`` runs ``action_save`` (shown as ``save``) and ``escape``
    ``action_cancel``; their ids are ``PREFIX.save`` and ``PREFIX.cancel``."""
    return [
        Binding("ctrl+s", "save", save, id=f"{prefix}.save"),
        Binding("escape", "cancel", "Cancel", id=f"{prefix}.cancel"),
    ]


def save_cancel_buttons(save: str = "Save (ctrl+s)") -> Horizontal:
    """The primary button ``#save`` (labelled ``save``) and ``#cancel``."""
    return Horizontal(
        Button(save, variant="primary", id="save"),
        Button("Cancel (esc)", id="cancel"),
        classes="dialog-buttons",
    )
