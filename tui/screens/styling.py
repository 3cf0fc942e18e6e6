"""Showing a screen without restyling the whole app."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

from tui.private_api import copy_css_update_count


def mark_styled(screen: Screen[Any]) -> None:
    """Mark a new screen whose CSS is its own ``DEFAULT_CSS`` as styled with the
    app's stylesheet as it is. Without the mark, Textual re-parses the whole
    stylesheet and restyles every screen when it first shows a screen as a mode
    (~0.1 s; Textual PR #5211 calls that refresh one that "could be improved upon").
    The mark is a private attribute of Textual's (``tui.private_api``): where it
    does not exist the screen is simply styled the usual way."""
    copy_css_update_count(screen)
