"""How the app writes numbers in cells: the 30-day trend is never an empty cell."""

from __future__ import annotations

from tui.format import trend_arrow


def test_the_trend_cell_says_new_or_no_score_instead_of_nothing() -> None:
    assert trend_arrow("up", 7.4) == "▲ +7"
    assert trend_arrow("down", -12.0) == "▼ -12"
    assert trend_arrow("flat", 0.4) == "▶ +0"
    assert trend_arrow(None, None) == "new"  # scored today, no snapshot 30 days back
    assert trend_arrow(None, None, scored=False) == "—"
