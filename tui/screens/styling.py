"""Showing a screen without restyling the whole app."""

from __future__ import annotations

from textual.screen import Screen


def mark_styled(screen: Screen) -> None:
    """Mark a new screen whose CSS is its own ``DEFAULT_CSS`` as styled with the
    app's stylesheet as it is. Without the mark, Textual re-parses the whole
    stylesheet and restyles every screen when it first shows a screen as a mode
    (~0.1 s; Textual PR #5211 calls that refresh one that "could be improved upon").
    This sets a private attribute of Textual's (8.x): where it does not exist the
    screen is simply styled the usual way."""
    count = getattr(screen.app, "_css_update_count", None)
    if count is not None:
        screen._css_update_count = count
