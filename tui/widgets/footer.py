"""The footer of cxtui's screens: Textual's, compact in a narrow terminal."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

NARROW = 100
"""Below this many columns the footer is compact (a cell less each side of a key):
at 80 columns the keys of the dashboard, the accounts list and the goals ran past
the edge, ``? Help`` and ``q Quit`` with them."""


class KeysFooter(Footer):
    DEFAULT_CSS = """
    KeysFooter.-compact FooterLabel {
        margin: 0 1 0 0;  /* Textual's compact footer ran '[ ] Prev/next period' into 's' */
    }
    """

    def on_resize(self, event: events.Resize) -> None:
        self.compact = event.size.width < NARROW
