"""The footer of cxtui's screens: Textual's, compact in a narrow terminal, where
the help and quit keys come first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.screen import Screen

NARROW = 100
"""Below this many columns the footer is compact (a cell less each side of a key):
at 80 columns the keys of the dashboard, the accounts list and the goals ran past
the edge, ``? Help`` and ``q Quit`` with them."""
FIRST_WHEN_NARROW = ("help", "quit")
"""The actions whose keys lead a narrow footer: the 360's and the task queue's keys
need ~110 columns, and at 80 the ones past the edge (``? Help`` the first) were
gone; ``?`` lists them all."""


class KeysFooter(Footer):
    DEFAULT_CSS = """
    KeysFooter.-compact FooterLabel {
        margin: 0 1 0 0;  /* Textual's compact footer ran '[ ] Prev/next period' into 's' */
    }
    KeysFooter.-compact FooterKey.-command-palette {
        /* docked right: Textual's margin after each key left the last cell to the key
        under it (the 360's 'l Log' showed its 'l' past '^p palette') */
        margin: 0;
    }
    """

    _composed: tuple[Any, ...] | None = None
    """What the keys composed last show (``_keys_shown``)."""

    def _keys_shown(self, screen: Screen[Any]) -> tuple[Any, ...]:
        """What the footer's keys show of ``screen``'s bindings: each key, its words,
        whether it is enabled; the palette's key; the compact style."""
        keys = tuple(
            (binding.key, binding.action, binding.description, binding.group, enabled, tip)
            for (_node, binding, enabled, tip) in screen.active_bindings.values()
            if binding.show or binding.key == self.app.COMMAND_PALETTE_BINDING
        )
        return keys, self.compact, self.show_command_palette

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Composed again only when what its keys show changes. A screen shown again
        (the 360 opened on another account, the list back from it) has the same keys,
        and composing them anew was the largest part of opening the 360."""
        shown = self._bindings_ready and screen is self.screen
        if not (shown and self._keys_shown(screen) == self._composed):
            super().bindings_changed(screen)

    async def recompose(self) -> None:
        """Not under a dialog: there its screen's keys lack the app's, and the footer,
        still in view, read '⏎ Check in n New e Edit…' without '? Help', 'q Quit' and
        the palette's key. Back on top, its keys are composed if they changed."""
        if self.screen is self.app.screen:
            await super().recompose()

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._composed = self._keys_shown(self.screen)
        keys = list(super().compose())
        if self.compact:
            # the keys' widgets (Textual's FooterKey) say their action
            first = [key for key in keys if getattr(key, "action", None) in FIRST_WHEN_NARROW]
            keys = first + [key for key in keys if key not in first]
        yield from keys

    def on_resize(self, event: events.Resize) -> None:
        compact = event.size.width < NARROW
        if compact != self.compact:
            self.compact = compact
            self.refresh(recompose=True)
