"""The health panel of the account 360: the score and band, the override beside the
computed score, a 90-day sparkline, and each component's bar with its contribution."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.console import Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from core.health.in_force import OVERRIDE_BAND, OVERRIDE_SCORE, health_words, score_figure
from core.text import visible
from tui.format import band_colours, bar, countdown, rich_colour, sparkline

COMPONENT_ORDER = ("usage", "engagement", "sentiment", "support", "commercial")

Shown = tuple[dict[str, Any] | None, dict[str, Any] | None, list[float], date, str | None, bool]
"""What ``HealthPanel.show`` was given, in its order (drawn again on a new theme)."""


class HealthPanel(Static):
    DEFAULT_CSS = """
    HealthPanel { height: auto; padding: 0 1; border: round $primary; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.border_title = "Health"
        self._shown: Shown | None = None

    def band_colour(self, band: str | None) -> str:
        theme = self.app.current_theme
        return band_colours(self.app).get(band or "") or rich_colour(theme.foreground)

    def show(
        self,
        health: dict[str, Any] | None,
        override: dict[str, Any] | None,
        history: list[float],
        today: date,
        churn_risk: str | None = None,
        churned: bool = False,
    ) -> None:
        """``churn_risk``: the account's churn risk in words (``core.churn.risk``);
        ``churned``: the account has churned (only live accounts are scored)."""
        self._shown = (health, override, history, today, churn_risk, churned)
        self._rerender()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._rerender())

    def _rerender(self) -> None:
        if self._shown is not None:
            self.update(self._render_health(self._shown))

    def _render_health(self, shown: Shown) -> Group | Text:
        health, override, history, today, churn_risk, churned = shown
        if health is None and override is None and churned:
            return Text("Churned: health is scored for live accounts only.", style="dim")
        if health is None and override is None:
            return Text(
                "No health score yet: it is computed from usage, interactions, "
                "surveys, tickets and revenue.",
                style="dim",
            )
        lines: list[Any] = []
        if churned:  # a score from before it left, which a reader would take for today's
            lines.append(
                Text("Churned: its last score as a customer (live accounts only are scored).")
            )
        headline = Text()
        if override is not None:
            band = override["band"]
            if override["score"] is None:  # the band alone: the computed score in force
                words = health_words(health["score"] if health else None, band, OVERRIDE_BAND)
            else:
                words = health_words(override["score"], band, OVERRIDE_SCORE)
            headline.append(f"● {words}", style=f"bold {self.band_colour(band)}")
            headline.append("  overridden", style="italic")
        if health is not None:
            if override is not None:
                headline.append("   computed ", style="dim")
            headline.append(
                f"● {health_words(health['score'], health['band'])}",
                style=("dim " if override else "bold ") + self.band_colour(health["band"]),
            )
            headline.append(f"  ({health['day'].isoformat()})", style="dim")
        lines.append(headline)
        if churn_risk is not None:
            lines.append(Text.assemble(("Churn risk ", "bold"), churn_risk))
        if override is not None:
            expires: date = override["expires_on"]
            lines.append(
                Text.assemble(
                    ("Override: ", "bold"),
                    f'"{visible(override["reason"])}"',
                    (f" by {visible(override['set_by']) or 'someone'}", "dim"),
                    f", until {expires.isoformat()} ({countdown((expires - today).days)})",
                )
            )
        if history:
            lines.append(
                Text.assemble(
                    ("90 days ", "dim"),
                    (sparkline(history), self.band_colour(health["band"] if health else None)),
                )
            )
        if health is not None and health["score"] is None:
            lines.append(
                Text(
                    "Not enough signals to score: no recent usage, interactions, surveys or"
                    " tickets. No data is not good news.",
                    style="dim",
                )
            )
        if health is not None:
            lines.append(self._components(health))
        return Group(*lines)

    def _components(self, health: dict[str, Any]) -> Group:
        """Each component's bar, weight and points, with its signals in words under it."""
        from core.health.config import load_model
        from core.health.signals import signal_words

        model = load_model()[0]  # the bands in force colour the bars, as they band the score
        components: dict[str, Any] = health["components"]
        names = [name for name in COMPONENT_ORDER if name in components]
        names += [name for name in components if name not in COMPONENT_ORDER]
        parts: list[Any] = [_component_row(Text("component"), "score", "weight", "adds", True)]
        for name in names:
            part = components[name] or {}
            if part.get("score") is None:  # no signal of this kind: not in the score
                if name not in health["left_out"]:
                    parts.append(
                        _component_row(Text(name, style="dim"), Text("no data", style="dim"))
                    )
                continue
            score = float(part["score"])
            band = model.band_of(score)
            parts.append(
                _component_row(
                    Text(name),
                    Text.assemble(
                        (bar(score / 100, 16), self.band_colour(band)),
                        f" {score_figure(score, band):>3}",
                    ),
                    # no score: no weight applies and nothing adds up (as the CLI's "-")
                    _figure(part.get("weight_pct"), "{:.0f}%"),
                    _figure(part.get("contribution"), "{:.1f}"),
                )
            )
            words = signal_words(part.get("raw"))
            if words:
                parts.append(Padding(Text(" · ".join(words), style="dim"), (0, 0, 0, 3)))
        for name in health["left_out"]:
            parts.append(_left_out_row(name))
        return Group(*parts)


def _component_row(
    name: Text, score: Text | str, weight: str = "", adds: str = "", header: bool = False
) -> Table:
    """One line of the components, in columns of fixed widths so lines align."""
    table = Table(box=None, padding=(0, 1), show_edge=False, show_header=False, expand=False)
    table.add_column("component", width=11)
    table.add_column("score", width=22)
    table.add_column("weight", width=6, justify="right")
    table.add_column("adds", width=5, justify="right")
    style = "bold" if header else ""
    table.add_row(name, score, weight, adds, style=style)
    return table


def _left_out_row(name: str) -> Table:
    """A component left out of the score, and why, across the score, weight and adds
    columns (``_component_row``'s): "left out: no subscription" is wider than a score."""
    from core.health.signals import left_out_words

    table = Table(box=None, padding=(0, 1), show_edge=False, show_header=False, expand=False)
    table.add_column("component", width=11)
    table.add_column("why", width=22 + 2 + 6 + 2 + 5)
    table.add_row(name, left_out_words(name), style="dim")
    return table


def _figure(value: float | None, spec: str) -> str:
    return "—" if value is None else spec.format(float(value))
