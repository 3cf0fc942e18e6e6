"""The footer of cxtui's screens: Textual's, compact in a narrow terminal or when its
keys do not fit, where the escape, help and quit keys come first and a key that does
not fit whole is left out (``?`` lists them all)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import ComposeResult
from textual.geometry import Size
from textual.widgets import Footer, Label

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.widget import Widget

NARROW = 100
"""Below this many columns the footer is compact (a cell less each side of a key):
at 80 columns the keys of the dashboard, the accounts list and the goals ran past
the edge, ``? Help`` and ``q Quit`` with them. Wider, it is compact too when its
keys do not fit (the 360's and the task queue's need ~130 columns)."""
FIRST_WHEN_NARROW = ("help", "quit")
"""The actions whose keys lead a compact footer, after the escape key's (``esc
Back``, ``esc Cancel``): the 360's and the task queue's keys need ~110 columns, and
at 80 the ones past the edge (``? Help`` the first) were gone; ``?`` lists them all."""


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
        the palette's key. Back on top, its keys are composed if they changed. Taken
        off its screen meanwhile (the screen closed while a resize or a change of keys
        was on its way), it has none, and nothing to compose: that ended the app."""
        if self.is_attached and self.screen is self.app.screen:
            await super().recompose()

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._composed = self._keys_shown(self.screen)
        keys = list(super().compose())
        if self.compact:
            # the keys' widgets (Textual's FooterKey) say their key and action
            first = [key for key in keys if getattr(key, "key", None) == "escape"]
            first += [key for key in keys if getattr(key, "action", None) in FIRST_WHEN_NARROW]
            keys = first + [key for key in keys if key not in first]
        self.call_after_refresh(self._fit)
        yield from keys

    def on_resize(self, event: events.Resize) -> None:
        compact = event.size.width < NARROW
        if compact != self.compact:
            self.compact = compact
            self.refresh(recompose=True)
        else:
            self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        """Compact when the keys run past the palette's key (or the edge); then the
        keys that still do not fit whole are hidden, not cut: at 80 columns the
        accounts list ended in 'c Colu', the 360 in 't Time'; at 120 the 360's
        '? Help' was cut to '?'."""
        width = self.size.width
        if not width or not self.is_attached:
            return  # laid out later: its resize fits it
        keys = [key for key in self.children if not key.has_class("-command-palette")]
        ends = _ends(keys)
        limit = width - (_ends(list(self.query(".-command-palette"))) or [0])[-1]
        if not self.compact and ends and ends[-1] > limit:
            self.compact = True
            self.refresh(recompose=True)
            return
        fits = True
        for index, key in enumerate(keys):
            end = ends[index]
            if key.has_class("-grouped"):
                # a group's keys ('[ ]') go with the words after them ('Prev/next
                # period'), the next label (Textual's FooterLabel)
                labels = (ends[i] for i in range(index, len(keys)) if isinstance(keys[i], Label))
                end = next(labels, end)
            fits = fits and end <= limit
            key.display = fits


def _ends(widgets: list[Widget]) -> list[int]:
    """Where each of ``widgets``, laid out side by side, ends: from their widths and
    margins (adjacent margins overlap, as in Textual's horizontal layout). Measured
    from their text, not where they are drawn: a key past the footer's end is not
    drawn, and has no region."""
    ends, end, gap = [], 0, 0
    for widget in widgets:
        margin = widget.styles.margin
        end += max(gap, margin.left) + widget.styles.gutter.width
        end += widget.get_content_width(Size(0, 0), widget.app.size)
        ends.append(end)
        gap = margin.right
    return ends
