"""A KPI tile: a metric's value, its change against the previous period (coloured by
whether the change is good), and a 12-month sparkline. Focusable; ``enter`` posts
``KpiTile.Selected`` so the screen can open the drill-through.

A tile shows placeholders until ``show_value`` and ``show_series`` are called."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label, Sparkline

from tui.format import money

PLACEHOLDER = "…"
NO_DATA = "no data"


@dataclass(frozen=True)
class TileSpec:
    """What a tile shows: ``key`` (a MetricSet key, or ``band_<band>``), its label,
    its unit (money, pct, score, count) and which way is good."""

    key: str
    label: str
    unit: str
    higher_is_better: bool = True


def format_value(unit: str, value: float | Decimal | int | None) -> str:
    if value is None:
        return NO_DATA
    if unit == "money":
        return money(int(Decimal(value) * 100))
    if unit == "pct":
        return f"{value:.1f} %"
    if unit == "score":
        return f"{value:.1f}"
    return f"{int(value):,}"


def format_change(unit: str, change: float | Decimal | int) -> str:
    sign = "+" if change >= 0 else "-"
    size = abs(change)
    if unit == "money":
        return f"{sign}{money(int(Decimal(size) * 100))}"
    if unit == "pct":
        return f"{sign}{size:.1f} pt"
    if unit == "score":
        return f"{sign}{size:.1f}"
    return f"{sign}{int(size):,}"


def change_quality(change: float | Decimal | int, higher_is_better: bool) -> str:
    """good, bad or flat."""
    if change == 0:
        return "flat"
    return "good" if (change > 0) == higher_is_better else "bad"


class KpiTile(Widget, can_focus=True):
    """One metric. The change line gets the class -good, -bad or -flat."""

    BINDINGS = [Binding("enter", "select", "Drill through", id="dashboard.drill")]

    DEFAULT_CSS = """
    KpiTile {
        height: 6;
        border: round $panel-lighten-2;
        padding: 0 1;
    }
    KpiTile:focus { border: round $accent; }
    KpiTile Label { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    KpiTile .kpi-label { color: $text-muted; }
    KpiTile .kpi-value { text-style: bold; }
    KpiTile .kpi-change { color: $text-muted; }
    KpiTile.-good .kpi-change { color: $success; }
    KpiTile.-bad .kpi-change { color: $error; }
    KpiTile Sparkline { height: 1; margin-top: 0; }
    """

    class Selected(Message):
        """``enter`` on a tile: show what is behind its number."""

        def __init__(self, tile: KpiTile) -> None:
            super().__init__()
            self.tile = tile

    def __init__(self, spec: TileSpec, *, id: str | None = None) -> None:
        super().__init__(id=id or f"tile-{spec.key.replace('_', '-')}")
        self.spec = spec
        self.value_text = PLACEHOLDER

    def compose(self) -> ComposeResult:
        yield Label(self.spec.label, classes="kpi-label")
        yield Label(PLACEHOLDER, classes="kpi-value")
        yield Label("", classes="kpi-change")
        yield Sparkline([])

    def clear(self) -> None:
        """Back to placeholders (the period or scope changed)."""
        self.value_text = PLACEHOLDER
        self.query_one(".kpi-value", Label).update(PLACEHOLDER)
        self.query_one(".kpi-change", Label).update("")
        self.query_one(Sparkline).data = []
        self.remove_class("-good", "-bad", "-flat")

    def show_value(
        self,
        value: float | Decimal | int | None,
        previous: float | Decimal | int | None,
        previous_label: str,
    ) -> None:
        spec = self.spec
        self.value_text = format_value(spec.unit, value)
        self.query_one(".kpi-value", Label).update(self.value_text)
        self.remove_class("-good", "-bad", "-flat")
        if value is None or previous is None:
            text = f"no data for {previous_label}" if previous is None else ""
        else:
            change = value - previous
            quality = change_quality(change, spec.higher_is_better)
            arrow = "▲" if change > 0 else "▼" if change < 0 else "▶"
            text = f"{arrow} {format_change(spec.unit, change)} vs {previous_label}"
            self.add_class(f"-{quality}")
        self.query_one(".kpi-change", Label).update(text)

    def show_series(self, values: Sequence[float | None]) -> None:
        """The monthly values, oldest first; months without data are left out, and
        a single value draws nothing (one bar across the tile says nothing)."""
        data = [float(v) for v in values if v is not None]
        self.query_one(Sparkline).data = data if len(data) > 1 else []

    def action_select(self) -> None:
        self.post_message(self.Selected(self))
