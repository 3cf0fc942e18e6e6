"""The dashboard's charts (textual-plotext): MRR movements per month, the health
distribution, and NPS over time. Each shows a title saying it is loading until its
data arrives, and says so in words when there is nothing to draw."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot

MOVEMENT_COLOURS = {"new": "green", "expansion": "cyan", "contraction": "orange", "churn": "red"}
BAND_COLOURS = {"green": "green", "yellow": "yellow", "red": "red"}


class Chart(PlotextPlot):
    """A plot with a title; ``loading_title()`` clears it back to its placeholder."""

    TITLE = ""
    loaded = False
    """True once ``show`` gave it its data (its plot may still say there is none)."""

    def on_mount(self) -> None:
        super().on_mount()
        self.loading_title()

    def loading_title(self) -> None:
        self.loaded = False
        self.plt.clear_data()
        self.plt.clear_figure()
        self.plt.title(f"{self.TITLE}: loading…")
        self.refresh()

    def _start(self, empty: bool) -> None:
        self.loaded = True
        self.plt.clear_data()
        self.plt.clear_figure()
        self.plt.title(f"{self.TITLE}: no data" if empty else self.TITLE)


class MrrMovementsChart(Chart):
    TITLE = "MRR movements per month ($)"

    def show(self, months: Sequence[str], movements: dict[str, Sequence[float]]) -> None:
        """``movements``: kind -> one dollar amount per month (contraction and churn
        negative), grouped per month."""
        empty = not months or not any(any(values) for values in movements.values())
        self._start(empty)
        if not empty:
            kinds = list(movements)
            self.plt.multiple_bar(
                list(months),
                [list(movements[kind]) for kind in kinds],
                labels=kinds,
                color=[MOVEMENT_COLOURS.get(kind, "white") for kind in kinds],
            )
        self.refresh()


class HealthChart(Chart):
    TITLE = "Health distribution (accounts)"

    def show(self, counts: dict[str, int]) -> None:
        empty = not any(counts.values())
        self._start(empty)
        if not empty:
            bands = list(counts)
            self.plt.bar(
                bands,
                [counts[band] for band in bands],
                color=[BAND_COLOURS.get(band, "white") for band in bands],
            )
        self.refresh()


class NpsChart(Chart):
    TITLE = "NPS per month"

    def show(self, months: Sequence[str], nps: Sequence[float | None]) -> None:
        points = [
            (month, value) for month, value in zip(months, nps, strict=True) if value is not None
        ]
        self._start(not points)
        if points:
            labels = [month for month, _ in points]
            self.plt.plot(
                list(range(len(points))), [value for _, value in points], marker="braille"
            )
            self.plt.xticks(list(range(len(points))), labels)
            self.plt.ylim(-100, 100)
        self.refresh()
