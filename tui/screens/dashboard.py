"""The dashboard (key ``1``): the book at a glance for a period and a scope.

KPI tiles (value, change against the previous period, 12-month sparkline), the
renewal forecast's tile (the MRR expected to stay among the renewals of the next 90
days, whatever the period), charts (MRR movements, or in a book of purchases without
subscriptions their revenue; health distribution, NPS over time), and lists (at
risk, renewals in 90 days, goals). ``p`` switches month / quarter, ``[`` and ``]``
step periods, ``s`` cycles the scope (team, my book, each segment). ``enter`` on a
tile drills through; on an account in a list, opens its 360. ``i`` imports a file.

Everything is read in thread workers: first the current and previous period (one
``core.metrics`` book read for the tiles' metrics only: accounts, MRR movements and
surveys, so the tiles fill first), then, once the tiles show them, the 12-month
series (the same tables) and the goals, each in its own worker; the lists from the
app's accounts frame. The reads themselves are ``DashboardData``'s
(``tui.screens.dashboard_data``); this module starts them and shows what they return.

The screen is composed with its tiles only; the charts, lists, goals and footer are
mounted once the tiles show their numbers (building them first delayed the tiles by
about as long as the numbers take), and show what has arrived by then.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Label, Static
from textual.worker import Worker, WorkerState, get_current_worker

from core.health.in_force import health_words
from core.metrics.registry import BY_KEY
from core.text import visible
from tui.app import CxtuiApp
from tui.bindings import go_to_row, row_end_bindings, step_bindings
from tui.format import compact_money, literal, money
from tui.messages import OpenAccount
from tui.screens.dashboard_data import (
    BANDS,
    LIST_CAP,
    MOVEMENTS,
    PURCHASE_TILE_METRICS,
    PURCHASES_CHART,
    TILE_METRICS,
    AccountList,
    DashboardData,
    View,
    start_figures,
)
from tui.screens.styling import mark_styled
from tui.widgets.charts import HealthChart, MrrMovementsChart, NpsChart, PurchasesChart
from tui.widgets.footer import KeysFooter
from tui.widgets.kpi_tile import KpiTile, TileSpec

if TYPE_CHECKING:
    from collections.abc import Callable

    import polars as pl

    from core.churn.forecast import RenewalWindow
    from core.exporting import ExportFilters
    from core.goals import GoalView
    from core.metrics import Book
    from core.metrics.dashboard import Figures, MonthlyFigures
    from core.metrics.drill import Drill
    from core.store.threads import Started

log = logging.getLogger("cxtui")

# The renewal forecast: the renewals of the next 90 days (the renewals list's, in the
# scope), read after that list; it spans two of the grid's cells, so its note fits.
FORECAST = TileSpec(
    "renewals_kept", "Renewals kept, next 90 days", "money", tiny="Renewals kept, 90 d"
)
FORECAST_ID = "tile-renewals-kept"
# The grid's tiles: the metrics' (TILE_METRICS, titles, units and which way is good
# from the metric registry, core.metrics.registry), the health bands', the forecast's.
TILES = (
    *(TileSpec.of_metric(BY_KEY[key]) for key in TILE_METRICS),
    # no account scored: "no score", as the list says of each account
    TileSpec("band_green", "Health: green", "count", tiny="Green", empty="no score"),
    TileSpec("band_yellow", "Health: yellow", "count", False, tiny="Yellow", empty="no score"),
    TileSpec("band_red", "Health: red", "count", False, tiny="Red", empty="no score"),
    FORECAST,
)


@dataclass
class TilesLoaded(Message):
    view: View
    figures: Figures


@dataclass
class SeriesLoaded(Message):
    view: View
    figures: MonthlyFigures


@dataclass
class BandsLoaded(Message):
    """A view's figures and series with their band counts read again (the health
    scores changed)."""

    view: View
    figures: Figures
    monthly: MonthlyFigures | None


@dataclass
class GoalsLoaded(Message):
    views: list[GoalView]
    error: str | None = None


@dataclass
class DrillReady(Message):
    drill: Drill
    context: str


def _value(metrics: dict[str, Any], bands: dict[str, int], key: str) -> Any:
    """A tile's value; a band count is None (no data) when no account was scored."""
    if key.startswith("band_"):
        return bands[key.removeprefix("band_")] if any(bands.values()) else None
    return metrics.get(key)


UNDATED_KEYS = ("mrr", "churn_rate_pct", "active_accounts")
"""The tiles a churn of unknown date makes read wrong: customers and MRR fall, churn
does not (nor net new MRR, GRR and NRR, whose drills say why)."""


UNRECORDED_KEYS = ("churn_rate_pct", "retention_rate_pct")
"""The tiles that read 0 % and 100 % for want of data in a book that records no churn
(an order log): their drills say so."""


def _undated_aside(undated: int) -> tuple[str, ...]:
    """Beside the change of ``UNDATED_KEYS``' tiles, when ``undated`` customers at the
    start left on an unknown date (counted in no period's churn, domain.md): why, in
    wordings longest first; the last points to the drill, which says it whole."""
    if not undated:
        return ()
    return (
        f"{undated:,} churned without a date: counted in no period's churn",
        f"{undated:,} churned without a date",
        f"{undated:,} undated",
        "⏎ why",
    )


def _health(row: dict[str, Any]) -> str:
    return health_words(row["health_score"], row["health_band"], row["override"])


def _at_risk_cells(row: dict[str, Any]) -> tuple[Any, ...]:
    """An at-risk list's row: Account, MRR, Health, Why (its reason until the why is read)."""
    return row["name"], money(row["mrr_cents"]), _health(row), row["reason"]


def _renewal_cells(row: dict[str, Any]) -> tuple[Any, ...]:
    """A renewals list's row: Account, Renews, In, MRR, Health."""
    return (
        row["name"],
        row["renewal_date"].isoformat(),
        f"{row['days_to_renewal']} d",
        money(row["mrr_cents"]),
        _health(row),
    )


def _list_panel(table: DataTable[Any], title: str) -> Vertical:
    """A titled list: ``table`` and a note below it (``#<table id>-note``)."""
    return Vertical(
        Label(title, classes="panel-title", markup=False),
        table,
        Static("Loading…", classes="panel-note", id=f"{table.id}-note", markup=False),
        classes="panel",
    )


class DashboardScreen(Screen[None]):
    app = getters.app(CxtuiApp)
    AUTO_FOCUS = "KpiTile"  # enter drills into the first tile at once, not the scroll area

    # Default CSS rather than a CSS_PATH file: a screen's CSS file is added to the
    # app's stylesheet when the screen is first shown, which parses the whole
    # stylesheet again and restyles every screen (~0.05 s of opening the dashboard).
    DEFAULT_CSS = """
    #switch-bar {
        height: auto;
        padding: 0 1;
        background: $boost;
    }

    #assumptions {
        height: auto;
        padding: 0 1;
        color: $warning;
        display: none;
    }

    #dashboard {
        height: 1fr;
        scrollbar-gutter: stable;  /* goals arriving later never change the width */
    }

    #tiles {
        grid-size: 7;
        grid-gutter: 0 1;
        grid-rows: 6;
        height: auto;
        padding: 0 1;
    }

    /* below 100 columns the tiles touch and pad on the left only: room for "$919.8k"
       and "Accounts" in 11 cells */
    DashboardScreen.-narrow #tiles {
        grid-gutter: 0;
        padding: 0;
    }

    DashboardScreen.-narrow KpiTile {
        padding: 0 0 0 1;
    }

    #tile-renewals-kept {
        column-span: 2;
    }

    #charts {
        height: 13;
        padding: 0 1;
    }

    #chart-mrr, #chart-purchases {
        width: 2fr;
    }

    #chart-health, #chart-nps {
        width: 1fr;
    }

    #lists {
        height: 12;
        padding: 0 1;
    }

    .panel {
        border: round $panel-lighten-2;
        padding: 0 1;
    }

    #lists .panel {
        width: 1fr;
        height: 100%;
    }

    #lists DataTable {
        height: 1fr;
    }

    /* below 100 columns the two lists stack, each the screen's width: side by side
       their health, why and renewal date were cut off */
    DashboardScreen.-narrow #lists {
        layout: vertical;
        height: 24;
    }

    DashboardScreen.-narrow #lists .panel {
        width: 100%;
        height: 12;
    }

    .panel-title {
        text-style: bold;
    }

    .panel-note {
        color: $text-muted;
        height: auto;
    }

    #goals {
        height: auto;
        margin: 0 1;
    }
    """
    # the class -narrow below 100 columns (-wide, which nothing styles, takes it off)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        # the accounts list's import (the welcome's 'Import a file' later): where the
        # app opens, i did nothing
        Binding("i", "app.import", "Import", id="dashboard.import"),
        Binding("p", "cycle_period", "Month/quarter", id="dashboard.period"),
        *step_bindings("dashboard", "Previous period", "Next period", "Prev/next period"),
        Binding("s", "cycle_scope", "Scope", id="dashboard.scope"),
        Binding("t", "this_period", "This period", show=False, id="dashboard.today"),
        *row_end_bindings("dashboard"),
    ]

    def __init__(self) -> None:
        super().__init__()
        mark_styled(self)
        self.data = DashboardData(self.app)
        """The dashboard's reads (run in this screen's workers)."""
        self.view = View.first(self.today)
        self.book: Book | None = None
        """The metrics book of the tiles shown (for drill-through), None while loading."""
        self.goal_views: list[GoalView] | None = None
        self.goals_error: str | None = None
        self.writes_read = self.app.writes
        """The app's ``writes`` when the figures were read: fewer than it has now,
        something was written since (``on_screen_resume``)."""
        self.figures: Figures | None = None
        """The tiles' numbers of the current view, once read."""
        self.monthly: MonthlyFigures | None = None
        """The 12-month series of the current view, once read."""
        self.panels_mounted = False
        """True once the charts, lists and goals are mounted (after the first numbers)."""
        self._panels_started = False
        self._first_figures = True
        """True until the first figures arrive (``_fit_first_view_to_book``)."""
        # The first figures need no widget: their reads started when the file was
        # found (``CxtuiApp.first_figures``), or start now, on core's threads
        # (``core.store.threads``), as Textual runs a thread worker only once its
        # event loop is back (after it has built the screen: ~0.1 s later). Not on
        # the workers' threads: there they could wait behind workers that wait.
        view = self.view
        first = self.app.first_figures(view) or start_figures(self.app.reads, view, self.today)
        self.load_numbers(view, first)

    @property
    def today(self) -> date:
        return self.app.today

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="switch-bar", markup=False)
        yield Static("", id="assumptions", classes="panel-note", markup=False)
        with VerticalScroll(id="dashboard"):
            with Grid(id="tiles"):
                for spec in TILES:
                    yield KpiTile(spec)
            # filled by _mount_panels once the tiles have their numbers (the footer too)
            yield Horizontal(id="charts")
            yield Horizontal(id="lists")
            yield Vertical(id="goals")  # a panel once filled

    def on_mount(self) -> None:
        self.sub_title = "Dashboard"
        self.app.book_signal.subscribe(self, self._book_changed)
        # today's scores are often computed after the dashboard first loads
        self.app.health_signal.subscribe(self, self._health_changed)
        self.app.first_screen_reading()  # the first start's health recompute waits
        self._show_bar()  # the tiles start as placeholders

    async def _mount_panels(self) -> None:
        """The charts, lists, goals and footer, showing whatever has arrived. The
        footer too: its keys are a dozen widgets restyled as they mount, which held
        the first tiles back by ~0.15 s."""
        if self._panels_started:
            return
        self._panels_started = True
        at_risk = DataTable(id="at-risk", cursor_type="row", zebra_stripes=True)
        # the first chart: MRR movements, or an order log's purchases (the other hidden)
        by_purchase = self.view.sells_by_purchase
        movements, purchases = (
            MrrMovementsChart(id="chart-mrr"),
            PurchasesChart(id="chart-purchases"),
        )
        movements.display, purchases.display = not by_purchase, by_purchase
        renewals = DataTable(id="renewals", cursor_type="row", zebra_stripes=True)
        # one layout and paint for all of it, not one per part (each repaints the
        # whole screen)
        with self.app.batch_update():
            mounted = [
                self.query_one("#charts").mount_all(
                    [
                        movements,
                        purchases,
                        HealthChart(id="chart-health"),
                        NpsChart(id="chart-nps"),
                    ]
                ),
                self.query_one("#lists").mount_all(
                    [
                        _list_panel(at_risk, "At risk: red, or down 15 points in 30 days"),
                        _list_panel(renewals, "Renewals in the next 90 days"),
                    ]
                ),
                self.query_one("#goals")
                .add_class("panel")
                .mount_all(
                    [
                        Label("Goals", classes="panel-title", markup=False),
                        Static("Loading…", classes="panel-note", id="goals-note", markup=False),
                    ]
                ),
                self.mount(KeysFooter()),
            ]
            for mounting in mounted:
                await mounting
            if not (at_risk.is_mounted and renewals.is_mounted):
                return  # the screen was closed meanwhile
            self.refresh_bindings()  # the footer shows the keys once told they are there
            self.why_column = at_risk.add_columns("Account", "MRR", "Health", "Why")[-1]
            renewals.add_columns("Account", "Renews", "In", "MRR", "Health")
            self.panels_mounted = True
            self.app.first_numbers_shown()
            self._show_charts()
            if self.app.book is not None:
                self._show_lists(self.app.book)
            if self.goal_views is not None:
                self._show_goals()

    def _book_changed(self, accounts: pl.DataFrame) -> None:
        self.data.forget_series()
        self._show_lists(accounts)
        if self.is_current:
            self.on_screen_resume()

    def on_screen_resume(self) -> None:
        """Shown again after something was written (a logged NPS, an import, a goal's
        check-in): the figures and goals are read again. Only then: the list is also
        read again when today's scores are computed, which changes none of them, and
        reading them again at 100k accounts would cost a second ~1.5 s of reads."""
        if self.writes_read == self.app.writes:
            return
        self.writes_read = self.app.writes
        self.reload()
        if self.goal_views is not None:
            self.load_goals()

    def _health_changed(self, _day: date) -> None:
        """Today's scores were recomputed: the band counts are read again. Only them,
        once the view's figures and series are shown; while either is still being
        read (from scores that may be the earlier ones), the whole view."""
        self.data.forget_series()
        if self.figures is None or self.monthly is None:
            self.reload()
        else:
            self.load_bands(self.view, self.figures, self.monthly)

    def reload(self) -> None:
        """Placeholders, then read the numbers of the current view."""
        self.book = None
        self.figures = self.monthly = None
        self._show_bar()
        for tile in self.query(KpiTile):
            tile.clear()
        self._show_charts()
        self.load_numbers(self.view)
        if self.app.book is not None:
            self._show_lists(self.app.book)
        if self.goal_views is not None:
            self._show_goals()

    def _show_assumptions(self, figures: Figures) -> None:
        """What the figures assume (accounts without dates, the CLV's lifespan and
        months of purchases), under the period bar."""
        from core.accounts.customers import assumption_notes
        from core.metrics.model import clv_notes

        book = figures.book
        notes = assumption_notes(*book.assumed_counts())
        notes += clv_notes(figures.now) if "clv" in self.view.tiles else []
        notes += book.records.notes(self.view.period)
        for note in self.query("#assumptions").results(Static):
            note.update("\n".join(notes))
            note.display = bool(notes)

    def _show_bar(self) -> None:
        view = self.view
        period = view.period
        seen = f"as of {view.as_of(self.today).isoformat()}"
        # Text, not markup: the scope is a segment or owner named as the book names it.
        # The figures' period and scope first, the keys last: in a narrow terminal the
        # bar wraps onto a second line (at 80 columns the scope was cut off).
        text = Text.assemble(
            (period.kind, "bold"),
            f" {period.label} ({period.start:%d %b} to {period.end:%d %b %Y}, {seen})",
            "   scope: ",
            (visible(view.scope_name), "bold"),
            " ",
            ("(s)", "dim"),
            "   ",
            ("month/quarter (p) · previous/next ([ ])", "dim"),
        )
        for bar in self.query("#switch-bar").results(Static):  # none once the app exits
            bar.update(text)

    # ------------------------------------------------------------------ workers

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard-numbers")
    def load_numbers(self, view: View, first: Started[Figures] | None = None) -> None:
        """The tiles' figures (``first``'s, when the screen started reading them)."""
        self.app.threads.reading()
        worker = get_current_worker()
        figures = first.result() if first is not None else self.data.figures(view)
        if not worker.is_cancelled:
            self.post_message(TilesLoaded(view=view, figures=figures))

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard-series")
    def load_series(self, view: View) -> None:
        """The 12-month series, once the tiles show their figures (read beside them,
        they held the tiles back)."""
        self.app.threads.reading()
        reads = self.data.read_series(view)
        monthly = self.data.series_of(view, reads)
        if not get_current_worker().is_cancelled:
            self.post_message(SeriesLoaded(view=view, figures=monthly))

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard-bands")
    def load_bands(self, view: View, figures: Figures, monthly: MonthlyFigures | None) -> None:
        """``view``'s figures and series with their band counts read again."""
        self.app.threads.reading()
        figures, monthly = self.data.bands_again(view, figures, monthly)
        if not get_current_worker().is_cancelled:
            self.post_message(BandsLoaded(view=view, figures=figures, monthly=monthly))

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard-why")
    def load_why(self, account_ids: list[int]) -> None:
        """The at-risk list's "why" (``DashboardData.why``), added to its rows."""
        self.app.threads.reading()
        drags = self.data.why(account_ids)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_why, drags)

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard-forecast")
    def load_forecast(self, renewals: pl.DataFrame) -> None:
        """The forecast tile: the MRR expected to stay among ``renewals`` (the list's,
        in the scope), from the churn model in force, after the list."""
        self.app.threads.reading()
        window = self.data.forecast(renewals)
        # without a churn model, those set to cancel are still known
        cancelling = self.data.set_to_cancel(renewals) if window is None else (0, 0.0)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_forecast, window, cancelling)

    def _show_forecast(
        self, window: RenewalWindow | None, cancelling: tuple[int, float] = (0, 0.0)
    ) -> None:
        """Kept of up, and the 95 % lower bound, in as many words as the tile has room
        for (the drill has the rest); those set to cancel first; without a churn model,
        how to get one (after ``cancelling``: how many are set to cancel, their MRR)."""
        tile = self.query_one(f"#{FORECAST_ID}", KpiTile)
        if window is None:
            how = ["ctrl+p: fit the churn model", "cxtui model fit", "model fit"]
            if count := cancelling[0]:
                said = f"{count:,} set to cancel"
                leaving = round(cancelling[1] * 100)
                how = [
                    f"{said}: {money(leaving)} · ctrl+p: fit the churn model",
                    f"{said}: {money(leaving)}",
                    f"{said}: {compact_money(leaving)}",
                    said,
                ]
            tile.show_note(["no churn model"], how)
        elif window.renewals == 0:
            days = window.days
            tile.show_note(
                ["$0"],
                [f"no renewals in the next {days} days", f"no renewals in {days} d", "none due"],
            )
        else:
            kept, up, low, leaving = (
                round(amount * 100)
                for amount in (
                    window.expected_retained,
                    window.mrr_up,
                    window.retained_low,
                    window.mrr_set_to_cancel,
                )
            )
            notes = [
                f"of {money(up)} up · 95 % ≥ {money(low)}",
                f"of {compact_money(up)} up · 95 % ≥ {compact_money(low)}",
                f"of {compact_money(up)} up",
                f"of {compact_money(up)}",
            ]
            if cancelling := window.set_to_cancel:  # said first: they are leaving
                said = f"{cancelling:,} set to cancel"
                notes = [
                    f"of {money(up)} up · {said}: {money(leaving)} · 95 % ≥ {money(low)}",
                    f"of {money(up)} up · {said}: {money(leaving)}",
                    f"of {compact_money(up)} up · {said}: {compact_money(leaving)}",
                    f"of {compact_money(up)} · {said}",
                    said,
                ]
            tile.show_note([money(kept), compact_money(kept)], notes)

    def _show_why(self, drags: dict[int, str]) -> None:
        table = self.query_one("#at-risk", DataTable)
        for account_id, drag in drags.items():
            key = str(account_id)
            if key in table.rows:
                reason = str(table.get_cell(key, self.why_column))
                if drag in reason:
                    continue  # shown by an earlier read of the same list
                table.update_cell(
                    key, self.why_column, literal(f"{reason} · {drag}"), update_width=True
                )

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard-goals")
    def load_goals(self) -> None:
        self.app.threads.reading()
        try:
            views = self.data.goals()
        except (KeyError, ValueError) as error:  # a goal linked to an unknown metric
            log.error("dashboard goals: %r", error, exc_info=error)
            self.post_message(
                GoalsLoaded(views=[], error=f"The goals could not be computed: {error}")
            )
            return
        self.post_message(GoalsLoaded(views=views))

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard-drill")
    def load_drill(self, tile: TileSpec, view: View, book: Book | None) -> None:
        """What is behind ``tile``: a metric's (from ``book``), a band's, or the
        forecast's (the renewals of the list, as the tile)."""
        self.app.threads.reading()
        if tile == FORECAST:
            self._forecast_drill(view)
            return
        found = self.data.drill(tile.key, view, book)
        context = f"{view.period.label}, {view.scope_name}"
        self.post_message(DrillReady(drill=found, context=context))

    def _forecast_drill(self, view: View) -> None:
        """(In the drill's thread.) Without a churn model, a toast says how to fit one."""
        from core.churn.features import NotEnoughData

        try:
            found = self.data.forecast_drill(view.scope)
        except NotEnoughData as error:
            self.app.call_from_thread(self.notify, f"No forecast: {error}.", severity="warning")
            return
        if found is None:  # the accounts are being read again
            self.app.call_from_thread(self.notify, "Still loading the accounts…")
            return
        self.post_message(
            DrillReady(drill=found, context=f"from {self.today.isoformat()}, {view.scope_name}")
        )

    # ------------------------------------------------------------------ results

    @on(TilesLoaded)
    def _tiles(self, message: TilesLoaded) -> None:
        if message.view != self.view:
            return
        figures = message.figures
        if self._fit_first_view_to_book(figures.book):
            return
        self.book = figures.book
        self.figures = figures
        seen = self.data.seen_series(self.view)
        if seen is None:
            self.load_series(self.view)
        else:  # month and quarter of one day share their months
            self.post_message(SeriesLoaded(view=self.view, figures=seen))
        self._show_assumptions(figures)
        self._show_values(figures, self._metric_tiles())
        if self.panels_mounted:
            self._show_charts()
        else:  # once the tiles are drawn
            self.call_after_refresh(self._mount_panels)

    def _show_values(self, figures: Figures, tiles: list[KpiTile]) -> None:
        previous = self.view.period.previous().label
        undated = figures.now.get("churned_undated_accounts") or 0
        unrecorded = bool(figures.now.get("accounts_churn_unrecorded"))
        for tile in tiles:
            key = tile.spec.key
            aside = _undated_aside(undated) if key in UNDATED_KEYS else ()
            if unrecorded and key in UNRECORDED_KEYS:
                aside = ("no churn is recorded in this book", "no churn recorded", "⏎ why")
            tile.show_value(
                _value(figures.now, figures.bands_now, key),
                _value(figures.before, figures.bands_before, key),
                previous,
                aside,
            )

    @on(BandsLoaded)
    def _bands(self, message: BandsLoaded) -> None:
        if message.view != self.view or self.figures is None:
            return  # another view is shown: its own read has the new counts
        self.figures = message.figures
        band_tiles = [tile for tile in self._metric_tiles() if tile.spec.key.startswith("band_")]
        self._show_values(message.figures, band_tiles)
        if message.monthly is not None:
            self.data.keep_series(message.view, message.monthly)
            self.monthly = message.monthly
            self._show_series(message.monthly, band_tiles)
        self._show_charts()

    def _fit_first_view_to_book(self, book: Book) -> bool:
        """On the first figures only, a book unlike a live subscription book is shown
        as what it is, saying so: one whose records all end before last month (an old
        export, a sample) opens on its last month with data instead of an empty one;
        an order log (purchases, no subscription) shows its purchases' tiles instead
        of MRR ones. True when the view changed (its figures are read again)."""
        from core.periods import Period

        first, self._first_figures = self._first_figures, False
        if not first:
            return False
        view, latest, said = self.view, book.latest_on, []
        period = view.period
        if latest is not None and latest < period.previous().start:
            period = Period.month_of(latest)
            days = (latest - period.start).days + 1
            if days * 2 < (period.end - period.start).days + 1:
                # records cut a few days into a month (an export made on the 1st): its
                # figures beside a whole month's read as a collapse
                period = period.previous()
                said.append(
                    f"Opened on {period.start:%Y-%m}, this book's last month with data for"
                    f" most of its days: nothing in it is dated after {latest.isoformat()},"
                    f" {days} day{'s' if days != 1 else ''} into {latest:%Y-%m} (] shows it)."
                    " t goes to this period."
                )
            else:
                said.append(
                    f"Opened on {latest:%Y-%m}, this book's last month with data: nothing in"
                    f" it is dated after {latest.isoformat()}. t goes to this period."
                )
        tiles = PURCHASE_TILE_METRICS if book.sells_by_purchase else view.tiles
        if tiles != view.tiles:
            self._replace_tiles(view.tiles, tiles)
            said.append(
                "It records purchases and no subscription: the first tiles are its purchases'."
            )
        if not said:
            return False
        self._switch(period=period, tiles=tiles)
        self.notify(" ".join(said), title="What this book holds", timeout=10)
        return True

    def _replace_tiles(self, shown: tuple[str, ...], wanted: tuple[str, ...]) -> None:
        """The metric tiles of ``wanted`` in place of those of ``shown`` (the
        metrics in both keep their tiles)."""
        going = [tile for tile in self.query(KpiTile) if tile.spec.key in set(shown) - set(wanted)]
        coming = [KpiTile(TileSpec.of_metric(BY_KEY[key])) for key in wanted if key not in shown]
        if going:
            self.query_one("#tiles", Grid).mount(*coming, before=going[0])
            for tile in going:
                tile.remove()

    def _load_goals_once(self) -> None:
        """The goals are read once the series is computed, not beside it. Beside its
        reads, a goals read (sqlite3) open when the series' starts sends that one, and
        then the goals' own, through sqlite3 rather than ADBC
        (core.store.db.SqliteLibraryGate): 3-5x slower, measured. Beside its
        computation, at 100k accounts, the goals' metrics book and the series' frames
        made the first start's highest memory (peak 430 -> 357 MB), and the goals'
        read took 2.7 s instead of 0.3 s (shown at 3.5 s from the start, not 4.7 s)."""
        if self.goal_views is None:
            self.load_goals()

    @on(Worker.StateChanged)
    def _read_failed(self, event: Worker.StateChanged) -> None:
        """The rest of the screen is not kept waiting by reads that failed (the app
        reports the error)."""
        if event.state != WorkerState.ERROR:
            return
        if event.worker.group == "dashboard-numbers":
            self.call_later(self._mount_panels)
        if event.worker.group in ("dashboard-numbers", "dashboard-series"):
            self._load_goals_once()

    @on(SeriesLoaded)
    def _series(self, message: SeriesLoaded) -> None:
        self._load_goals_once()
        view = message.view
        self.data.keep_series(view, message.figures)
        if view != self.view:
            return
        self.monthly = message.figures
        self._show_series(message.figures, self._metric_tiles())
        self._show_charts()

    @staticmethod
    def _show_series(monthly: MonthlyFigures, tiles: list[KpiTile]) -> None:
        import polars as pl

        series, bands = monthly.metrics, monthly.bands
        for tile in tiles:
            key = tile.spec.key
            if key.startswith("band_"):
                scored = bands.select(pl.sum_horizontal(BANDS) > 0).to_series()
                values = bands[key.removeprefix("band_")].filter(scored).to_list()
            else:
                values = series[key].to_list()
            tile.show_series(values)

    def _metric_tiles(self) -> list[KpiTile]:
        """The tiles of the period's figures: all but the forecast's."""
        return [tile for tile in self.query(KpiTile) if tile.spec != FORECAST]

    def _show_charts(self) -> None:
        """Each chart with its data if it has arrived, else as loading."""
        if not self.panels_mounted:
            return
        health = self.query_one(HealthChart)
        if self.figures is None:
            health.loading_title()
        else:
            health.show(self.figures.bands_now)
        movements, purchases = self.query_one(MrrMovementsChart), self.query_one(PurchasesChart)
        by_purchase = self.view.sells_by_purchase
        movements.display, purchases.display = not by_purchase, by_purchase
        first: MrrMovementsChart | PurchasesChart = purchases if by_purchase else movements
        nps = self.query_one(NpsChart)
        if self.monthly is None:
            first.loading_title()
            nps.loading_title()
            return
        series = self.monthly.metrics
        months = [f"{month:%b}" for month in series["month"].to_list()]
        if by_purchase:
            purchases.show(months, [float(v) for v in series[PURCHASES_CHART]])
        else:
            dollars = {kind: [float(v) for v in series[key]] for kind, key in MOVEMENTS.items()}
            movements.show(months, dollars)
        nps.show(months, series["nps"].to_list())

    @on(GoalsLoaded)
    def _goals(self, message: GoalsLoaded) -> None:
        self.goal_views = message.views
        self.goals_error = message.error
        self._show_goals()
        self.app.first_screen_read()  # its last first read

    def _show_goals(self) -> None:
        from tui.widgets.goal_progress import GoalProgress

        if not self.panels_mounted:
            return
        panel = self.query_one("#goals")
        panel.query(GoalProgress).remove()
        owner = self.view.scope.owner
        views = [
            view for view in self.goal_views or [] if owner is None or view.goal.owner == owner
        ]
        note = self.goals_error or ("" if views else "No goals for this scope yet (3: goals).")
        self.query_one("#goals-note", Static).update(note)
        self.query_one("#goals-note", Static).display = bool(note)
        panel.mount_all([GoalProgress(view, self.today) for view in views])

    def _show_lists(self, accounts: pl.DataFrame) -> None:
        """The at-risk and renewals lists of the scope shown. Made here, on the event
        loop (~10 ms at 10k accounts): made in a worker, they waited for a free worker
        thread behind the first start's reads, and the dashboard was ready 0.18 s later
        on the demo book (benchmarks/startup.py's mark, A/B alternated)."""
        if not self.panels_mounted:
            return
        lists = self.data.lists(accounts, self.view.scope)
        self._fill_list("at-risk", lists.at_risk, _at_risk_cells)
        self.load_why([row["id"] for row in lists.at_risk.rows])
        self._fill_list("renewals", lists.renewals, _renewal_cells)
        if lists.undated:
            # a churn model would forecast nothing: no renewal is dated (it said "no churn
            # model · ctrl+p: fit the churn model" on the telco and grocer books)
            self.workers.cancel_group(self, "dashboard-forecast")
            self.query_one(f"#{FORECAST_ID}", KpiTile).show_note(
                ["no renewal dates"],
                [
                    "no account has a renewal date: import them to forecast",
                    "import renewal dates to forecast",
                    "import renewal dates",
                    "no dates",
                ],
            )
            return
        self.load_forecast(lists.renewing)

    def _fill_list(
        self,
        name: str,
        shown: AccountList,
        cells: Callable[[dict[str, Any]], tuple[Any, ...]],
    ) -> None:
        """The list ``#name``: ``shown``'s rows (a row's cells from ``cells``, its key
        the account's id), and the note under it."""
        table = self.query_one(f"#{name}", DataTable)
        table.clear()
        for row in shown.rows:
            table.add_row(*map(literal, cells(row)), key=str(row["id"]))
        count = shown.count
        if count == 0:
            text = shown.empty
        elif count > LIST_CAP:
            text = f"the first {LIST_CAP} of {count:,} accounts · enter opens one"
        else:
            text = f"{count:,} account{'s' if count != 1 else ''} · enter opens one"
        self.query_one(f"#{name}-note", Static).update(text)

    # ------------------------------------------------------------------ actions

    @on(KpiTile.Selected)
    def _drill(self, message: KpiTile.Selected) -> None:
        spec = message.tile.spec
        if (self.app.book if spec == FORECAST else self.book) is None:
            self.notify("Still loading the numbers…")
            return
        self.load_drill(spec, self.view, self.book)

    @on(DrillReady)
    def _drill_ready(self, message: DrillReady) -> None:
        from tui.screens.drill import DrillScreen

        self.app.push_screen(DrillScreen(message.drill, message.context))

    @on(DataTable.RowSelected, "#at-risk, #renewals")
    def _open_account(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is None:
            return
        table = event.data_table
        ids = [int(str(row.value)) for row in table.rows]
        self.post_message(OpenAccount(account_id=int(event.row_key.value), ids=ids))

    def action_row(self, index: int) -> None:
        go_to_row(self.focused, index)

    def action_cycle_period(self) -> None:
        from core.periods import Period

        period = self.view.period
        day = min(period.end, self.today)
        period = Period.month_of(day) if period.kind == "quarter" else Period.quarter_of(day)
        self._switch(period=period)

    def action_step(self, steps: int) -> None:
        from core.periods import Period

        period = self.view.period
        if steps < 0:
            period = period.previous()
        else:
            after = period.end + timedelta(days=1)
            if after > self.today:
                self.notify("This is the current period; there is no next one yet.")
                return
            period = Period.month_of(after) if period.kind == "month" else Period.quarter_of(after)
        self._switch(period=period)

    def action_this_period(self) -> None:
        """Back to the month (or quarter) of today, from a period far before it."""
        from core.periods import Period

        kind = self.view.period.kind
        period = Period.quarter_of(self.today) if kind == "quarter" else Period.month_of(self.today)
        if period != self.view.period:
            self._switch(period=period)

    def action_cycle_scope(self) -> None:
        scopes = self.data.scopes()
        names = [name for name, _ in scopes]
        index = names.index(self.view.scope_name) if self.view.scope_name in names else -1
        name, scope = scopes[(index + 1) % len(scopes)]
        self._switch(scope=scope, scope_name=name)

    def _switch(self, **changes: Any) -> None:
        view = self.view
        self.view = View(
            changes.get("period", view.period),
            changes.get("scope", view.scope),
            changes.get("scope_name", view.scope_name),
            changes.get("tiles", view.tiles),
        )
        self.reload()

    def export_view(self) -> tuple[str, ExportFilters] | None:
        from core.exporting import ExportFilters

        return "metrics", ExportFilters(
            scope=self.view.scope,
            period=self.view.period.label,
            as_of=self.today,
        )
