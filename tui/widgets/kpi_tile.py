"""A KPI tile: a metric's value, its change against the previous period (coloured by
whether the change is good), and a 12-month sparkline. Focusable; ``enter`` posts
``KpiTile.Selected`` so the screen can open the drill-through.

A tile shows placeholders until ``show_value`` and ``show_series`` are called, or
``show_note`` for a figure that is not a metric of the period (the renewal forecast:
a note instead of a change, and no series). It is
one widget that draws its four lines itself (label, value, change, sparkline), in
theme colours named in its content rather than component classes: the dashboard
mounts twelve, and a widget per line (or a component class per colour, each styled
as a node of its own) made opening it spend about 0.1 s more on styles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.color import Color
from textual.content import Content
from textual.message import Message
from textual.style import Style
from textual.widget import Widget

from tui.format import compact_money, money

if TYPE_CHECKING:
    from core.metrics.registry import Metric

PLACEHOLDER = "…"
NO_DATA = "no data"
BARS = "▁▂▃▄▅▆▇█"
MUTED = "$text 60%"  # the colour of $text-muted (named in a content style, it comes out white)
CHANGE_STYLES = {"good": "$success", "bad": "$error", "flat": MUTED}
LIGHT_CHANGE_STYLES = {"good": "$text-success", "bad": "$text-error", "flat": MUTED}
"""A light theme's success, made for fills, reads at 1.8:1 on its background."""


@dataclass(frozen=True)
class TileSpec:
    """What a tile shows: ``key`` (a MetricSet key, or ``band_<band>``), its label,
    its unit (money, pct, score, count) and which way is good."""

    key: str
    label: str
    unit: str
    higher_is_better: bool = True
    tiny: str = ""
    """The title on a narrow tile (default: the label)."""
    empty: str = NO_DATA
    """What it says without a value (a band count: "no score", none being scored)."""

    @classmethod
    def of_metric(cls, metric: Metric) -> TileSpec:
        """The tile of a metric of the registry: its short title, unit and direction."""
        return cls(
            metric.key, metric.title, metric.unit, metric.higher_is_better, metric.tiny_title
        )


def format_value(
    unit: str, value: float | Decimal | int | None, compact: bool = False, empty: str = NO_DATA
) -> str:
    """The value as a tile shows it, ``empty`` for none; ``compact``: money in a few
    characters."""
    if value is None:
        return empty
    if unit == "money":
        cents = int(Decimal(value) * 100)
        return compact_money(cents) if compact else money(cents)
    if unit == "pct":
        return f"{value:.1f} %"
    if unit == "score":
        return f"{value:.1f}"
    return f"{int(value):,}"


def format_change(unit: str, change: float | Decimal | int, compact: bool = False) -> str:
    sign = "+" if change >= 0 else "-"
    size = abs(change)
    if unit == "money":
        cents = int(Decimal(size) * 100)
        return f"{sign}{compact_money(cents) if compact else money(cents)}"
    if unit == "pct":
        return f"{sign}{size:.1f}{'pt' if compact else ' pt'}"
    if unit == "score":
        return f"{sign}{size:.1f}"
    return f"{sign}{int(size):,}"


def change_quality(change: float | Decimal | int, higher_is_better: bool) -> str:
    """good, bad or flat."""
    if change == 0:
        return "flat"
    return "good" if (change > 0) == higher_is_better else "bad"


class KpiTile(Widget, can_focus=True):
    """One metric. The change line is coloured by its quality (good, bad, flat)."""

    BINDINGS = [Binding("enter", "select", "Drill through", id="dashboard.drill")]

    DEFAULT_CSS = """
    KpiTile {
        height: 6;
        border: round $panel-lighten-2;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    KpiTile:focus { border: round $accent; }
    """

    @dataclass
    class Selected(Message):
        """``enter`` on a tile: show what is behind its number."""

        tile: KpiTile

    def __init__(self, spec: TileSpec, *, id: str | None = None) -> None:
        super().__init__(id=id or f"tile-{spec.key.replace('_', '-')}")
        self.spec = spec
        self.value_text = PLACEHOLDER
        self.change_text = ""
        """The second line: the change against the previous period, or a note."""
        self.shorter: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        """Shorter wordings of the value and of the second line, longest first, for a
        narrow tile (compact money, no "vs")."""
        self.quality = "flat"
        """good, bad or flat: how the change line is coloured."""
        self.series: list[float] | None = None
        """The sparkline's values once ``show_series`` gave them (None until then)."""

    def clear(self) -> None:
        """Back to placeholders (the period or scope changed)."""
        self.value_text = PLACEHOLDER
        self.change_text = ""
        self.shorter = ((), ())
        self.quality = "flat"
        self.series = None
        self.refresh()

    def show_value(
        self,
        value: float | Decimal | int | None,
        previous: float | Decimal | int | None,
        previous_label: str,
        aside: Sequence[str] = (),
    ) -> None:
        """The value and its change against ``previous``; ``aside``: what the change
        needs said beside it, in wordings longest first (the shortest that fits
        follows the change on a narrow tile)."""
        spec = self.spec
        self.value_text = format_value(spec.unit, value, empty=spec.empty)
        narrow_value = format_value(spec.unit, value, compact=True, empty=spec.empty)
        self.quality = "flat"
        if value is None or previous is None:
            self.change_text = f"{spec.empty} for {previous_label}" if previous is None else ""
            changes = (spec.empty,) if previous is None else ()
        else:
            change = value - previous
            self.quality = change_quality(change, spec.higher_is_better)
            arrow = "▲" if change > 0 else "▼" if change < 0 else "▶"
            whole = f"{arrow} {format_change(spec.unit, change)}"
            self.change_text = f"{whole} vs {previous_label}"
            narrow = f"{arrow}{format_change(spec.unit, change, compact=True)}"
            # "▲+$27.2k" on the narrowest tile: "▲+27.2k"
            changes = (whole, narrow, narrow.replace("$", ""))
            if aside:
                self.change_text += f" · {aside[0]}"
                said = [f"{change} · {words}" for change in changes for words in aside]
                changes = (*sorted(said, key=len, reverse=True), *changes)
        self.shorter = ((narrow_value,), changes)
        self.refresh()

    def show_note(self, values: Sequence[str], notes: Sequence[str]) -> None:
        """A value with a note on its second line instead of a change, and no series
        (the baseline): for a figure that is not a metric of the period, such as the
        renewal forecast, whose previous period means nothing. ``values`` and
        ``notes``: their wordings, longest first; the tile shows the first that fits."""
        self.value_text, *shorter_values = values
        self.change_text, *shorter_notes = notes
        self.shorter = (tuple(shorter_values), tuple(shorter_notes))
        self.quality = "flat"
        self.series = []
        self.refresh()

    def show_series(self, values: Sequence[float | None]) -> None:
        """The monthly values, oldest first; months without data are left out, and
        a single value draws nothing (one bar across the tile says nothing)."""
        self.series = [float(v) for v in values if v is not None]
        self.refresh()

    def render(self) -> Content:
        """The four lines; on a tile too narrow for them, each line in its longest
        wording that fits: the tiny title, the change without its "vs", then money
        abbreviated ($919.8k) on an 80-column terminal."""
        width = self.size.width
        shorter_values, shorter_changes = self.shorter
        return Content("\n").join(
            [
                Content.styled(_fitting(width, self.spec.label, self.spec.tiny), MUTED),
                Content.styled(_fitting(width, self.value_text, *shorter_values), "bold"),
                Content.styled(
                    _fitting(width, self.change_text, *shorter_changes),
                    (CHANGE_STYLES if self.app.current_theme.dark else LIGHT_CHANGE_STYLES)[
                        self.quality
                    ],
                ),
                self._sparkline(width),
            ]
        )

    def _sparkline(self, width: int) -> Content:
        """The series stretched over ``width`` cells, one bar per value, from
        ``$primary`` at 30 % (the lowest) to ``$primary`` (the highest), as Textual's
        Sparkline draws it; without two values, its baseline."""
        _, background = self.background_colors
        primary = Color.parse(self.app.theme_variables.get("primary", "ansi_blue"))
        low, high = background + primary.multiply_alpha(0.3), background + primary
        data = self.series or []
        if len(data) < 2:
            return Content.styled(BARS[0] * width, Style(foreground=low))
        bottom, extent = min(data), (max(data) - min(data)) or 1
        bars = []
        for cell in range(width):
            first = cell * len(data) // width
            covered = data[first : max(first + 1, (cell + 1) * len(data) // width)]
            ratio = (max(covered) - bottom) / extent
            bar = BARS[int(ratio * (len(BARS) - 1))]
            bars.append(Content.styled(bar, Style(foreground=low.blend(high, ratio))))
        return Content("").join(bars)

    def action_select(self) -> None:
        self.post_message(self.Selected(tile=self))


def _fitting(width: int, *wordings: str) -> str:
    """The first of ``wordings`` (longest first; empty ones skipped) that fits in
    ``width`` cells, else the shortest."""
    given = [wording for wording in wordings if wording] or [""]
    return next((wording for wording in given if len(wording) <= width), given[-1])
