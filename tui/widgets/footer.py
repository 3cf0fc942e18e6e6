"""The footer of cxtui's screens: Textual's, compact in a narrow terminal, where
the help and quit keys come first."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer

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
    """

    def compose(self) -> ComposeResult:
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
