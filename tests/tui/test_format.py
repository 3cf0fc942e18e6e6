"""How the app writes numbers in cells and on chart axes: the 30-day trend is never
an empty cell; an axis has round steps, with money short."""

from __future__ import annotations

from itertools import pairwise

from tui.format import axis_money, axis_ticks, trend_arrow


def test_the_trend_cell_says_a_dash_without_a_trend_instead_of_nothing() -> None:
    assert trend_arrow("up", 7.4) == "▲ +7"
    assert trend_arrow("down", -12.0) == "▼ -12"
    assert trend_arrow("flat", 0.4) == "▶ +0"
    assert trend_arrow("flat", -0.3) == "▶ +0"  # it read "▶ -0" (the demo's Brightwater)
    assert trend_arrow(None, None) == "—"  # no score today, or none 30 days back


def test_an_axis_has_round_steps_through_zero_within_its_range() -> None:
    assert axis_ticks(-47_600, 60_140.7) == [-40_000, -20_000, 0, 20_000, 40_000, 60_000]
    for low, high in [
        (-11_974.9, 60_140.7),
        (-1_517_098.5, 11_363_670.8),
        (0, 184),
        (0, 3),
        (-5, 0),
    ]:
        ticks = axis_ticks(low, high)
        steps = {round(b - a, 9) for a, b in pairwise(ticks)}
        assert len(steps) == 1, ticks
        [step] = steps
        assert f"{step:.0e}"[0] in "125", step
        assert 0 in ticks and low <= ticks[0] and ticks[-1] <= high
        assert ticks[0] - step < low and ticks[-1] + step > high  # none left out
        assert len(ticks) <= 7
    assert axis_ticks(5, 5) == [5]


def test_money_on_an_axis_is_short_and_drops_a_needless_decimal() -> None:
    assert [axis_money(value) for value in (0, 250, 20_000, -40_000, 2_500_000, 1e10)] == [
        "$0",
        "$250",
        "$20k",
        "-$40k",
        "$2.5M",
        "$10B",
    ]
