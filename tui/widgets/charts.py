"""The dashboard's charts (textual-plotext): MRR movements per month (a book of
purchases without subscriptions: its purchases' revenue per month), the health
distribution, and NPS over time. Each shows a title saying it is loading until its
data arrives, and says so in words when there is nothing to draw."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot

from tui.format import axis_money, axis_ticks

MOVEMENT_COLOURS = {"new": "green", "expansion": "cyan", "contraction": "orange", "churn": "red"}
BAND_COLOURS = {"green": "green", "yellow": "yellow", "red": "red"}
NPS_TICKS = [-100, -50, 0, 50, 100]


class Chart(PlotextPlot):
    """A plot with a title; ``loading_title()`` clears it back to its placeholder."""

    TITLE = ""
    EMPTY_TITLE = ""
    """The title when there is nothing to draw; empty: the title and ": no data"."""
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
        self.plt.title((self.EMPTY_TITLE or f"{self.TITLE}: no data") if empty else self.TITLE)

    def _money_axis(self, amounts: Sequence[float]) -> None:
        """The y axis from 0 (or the lowest of ``amounts``) to the highest, in dollars."""
        low, high = min(0, *amounts), max(0, *amounts)
        ticks = axis_ticks(low, high)
        self.plt.ylim(low, high)
        self.plt.yticks(ticks, [axis_money(tick) for tick in ticks])


class MrrMovementsChart(Chart):
    TITLE = "MRR movements per month"

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
            self._money_axis([amount for values in movements.values() for amount in values])
        self.refresh()


class PurchasesChart(Chart):
    TITLE = "Purchase revenue per month"

    def show(self, months: Sequence[str], revenue: Sequence[float]) -> None:
        """``revenue``: one dollar amount per month, the purchases' amounts summed."""
        empty = not any(revenue)
        self._start(empty)
        if not empty:
            self.plt.bar(list(months), list(revenue), color=MOVEMENT_COLOURS["new"], width=0.6)
            self._money_axis(revenue)
        self.refresh()


class HealthChart(Chart):
    TITLE = "Health distribution (accounts)"
    EMPTY_TITLE = "Health: no account scored"  # the list's and the tiles' "no score"

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
            ticks = [tick for tick in axis_ticks(0, max(counts.values())) if tick == int(tick)]
            self.plt.yticks(ticks, [f"{int(tick):,}" for tick in ticks])
        self.refresh()


class NpsChart(Chart):
    TITLE = "NPS per month"

    def show(self, months: Sequence[str], nps: Sequence[float | None]) -> None:
        """One point per month with answers, at its place among ``months``: a month
        without any leaves a gap, not a shorter year."""
        points = [
            (place, month, value)
            for place, (month, value) in enumerate(zip(months, nps, strict=True))
            if value is not None
        ]
        self._start(not points)
        if points:
            places = [place for place, _, _ in points]
            self.plt.plot(places, [value for _, _, value in points], marker="braille")
            self.plt.xticks(places, [month for _, month, _ in points])
            self.plt.xlim(0, len(months) - 1)
            self.plt.ylim(-100, 100)
            self.plt.yticks(NPS_TICKS, [str(tick) for tick in NPS_TICKS])
        self.refresh()
