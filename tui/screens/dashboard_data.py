"""What the dashboard reads (``tui.screens.dashboard``): its inputs and its reads.

``View`` is what the dashboard shows (a period and a scope); ``DashboardData`` reads
for a view, through ``core``, and returns plain results: the tiles' figures, the
12-month series, the goals, the at-risk list's "why", the renewals and their
forecast, and what is behind a tile. It starts no worker and touches no widget: the
screen runs each read in its own worker and shows what comes back. The reads that
need the engine wait for it (``CxtuiApp.opened_engine``); the tiles and the series
read from the SQLite file until it is open (``CxtuiApp.reads``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from core.store.threads import Started, start

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy import Engine

    from core.churn.forecast import RenewalWindow
    from core.goals import GoalView
    from core.metrics import Book, Scope
    from core.metrics.dashboard import Figures, MonthlyFigures, MonthlyReads
    from core.metrics.drill import Drill
    from core.periods import Period
    from core.store.sqlite_file import SqliteFile
    from tui.app import CxtuiApp

# The metric tiles, in the grid's order; their titles, units and which way is good
# come from the metric registry (core.metrics.registry).
TILE_METRICS = (
    "mrr",
    "net_new_mrr",
    "nrr_pct",
    "grr_pct",
    "churn_rate_pct",
    "retention_rate_pct",
    "nps",
    "csat_pct",
    "active_accounts",
)
# A book of purchases without subscriptions (an order log, ``Book.sells_by_purchase``):
# its purchases' tiles instead of the four MRR ones.
PURCHASE_TILE_METRICS = (
    "customers_with_purchases",
    "avg_purchase_value",
    "repeat_purchase_rate_pct",
    "clv",
    *TILE_METRICS[4:],
)
MOVEMENTS = {"new": "mrr_new", "expansion": "mrr_expansion",
             "contraction": "mrr_contraction", "churn": "mrr_churned"}  # fmt: skip
# The first chart of a book of purchases without subscriptions, in place of its MRR
# movements (none): its purchases' revenue per month.
PURCHASES_CHART = "purchase_revenue"
SERIES_KEPT = 4  # series kept for switching back (each holds 12 months of figures)
LIST_CAP = 100  # rows shown in each of the at-risk and renewals lists
BANDS = ("green", "yellow", "red")


@dataclass(frozen=True)
class View:
    """What the dashboard shows: a period and a scope (named for the bar)."""

    period: Period
    scope: Scope
    scope_name: str
    tiles: tuple[str, ...] = TILE_METRICS
    """The metrics of the tiles (``TILE_METRICS`` or ``PURCHASE_TILE_METRICS``)."""

    def as_of(self, today: date) -> date:
        """The day the period is seen at: its end, or today while it runs."""
        return min(self.period.end, today)

    @classmethod
    def first(cls, today: date) -> View:
        """The view the dashboard opens on: this month, the whole book."""
        from core.metrics import Scope
        from core.periods import Period

        return cls(Period.month_of(today), Scope(), "team")

    @property
    def figure_keys(self) -> tuple[str, ...]:
        """The metrics read for the tiles: theirs, with a CLV tile the terms its notes
        say (what the CLV assumes: ``core.metrics.model.clv_notes``), and the churns of
        unknown date, or none recorded at all, that tiles say beside their change."""
        from core.metrics.model import CLV_TERMS

        clv = CLV_TERMS if "clv" in self.tiles else ()
        return (*self.tiles, *clv, "churned_undated_accounts", "accounts_churn_unrecorded")

    @property
    def sells_by_purchase(self) -> bool:
        """Whether it shows a book of purchases without subscriptions (its purchases'
        tiles, ``Book.sells_by_purchase``): its first chart is their revenue."""
        return self.tiles == PURCHASE_TILE_METRICS

    @property
    def series_keys(self) -> tuple[str, ...]:
        """The metrics the tiles show, and with the charts' the ones the series
        needs: a metrics book read for these only skips the tables the others need."""
        charts = (PURCHASES_CHART,) if self.sells_by_purchase else tuple(MOVEMENTS.values())
        return (*self.tiles, *charts)


@dataclass(frozen=True)
class AccountList:
    """One of the dashboard's lists, ready to show: its first ``LIST_CAP`` rows, how
    many accounts it has, and its note when it has none."""

    rows: list[dict[str, Any]]
    count: int
    empty: str


@dataclass(frozen=True)
class Lists:
    """The at-risk and renewals lists of a scope (``DashboardData.lists``)."""

    at_risk: AccountList
    renewals: AccountList
    renewing: pl.DataFrame
    """Every renewal of the list (``id``, ``mrr_cents``): the forecast's."""
    undated: bool
    """The scope has live accounts and none has a renewal date (nothing to forecast)."""


class DashboardData:
    """The dashboard's reads, for a view, from the app's database and accounts frame.

    Each read blocks (a worker's thread) unless said otherwise. The last series read
    are kept, by as-of day and scope, until the data changes (``forget_series``)."""

    def __init__(self, app: CxtuiApp) -> None:
        self.app = app
        self.series_seen: dict[tuple[date, Scope, tuple[str, ...]], MonthlyFigures] = {}
        """The last series read, by as-of day, scope and tiles, until the data changes."""

    @property
    def today(self) -> date:
        return self.app.today

    # ------------------------------------------------------------------ figures

    def figures(self, view: View) -> Figures:
        """The tiles' figures of ``view``: its period and the one before."""
        return figures_read(self.app.reads, view, self.today)()

    def read_series(self, view: View) -> MonthlyReads:
        """The database reads of the 12-month series up to ``view``'s as-of day."""
        from core.metrics.dashboard import read_months

        return read_months(self.app.reads, view.as_of(self.today), view.scope, view.series_keys)

    def bands_again(
        self, view: View, figures: Figures, monthly: MonthlyFigures | None
    ) -> tuple[Figures, MonthlyFigures | None]:
        """``figures`` and ``monthly`` (``view``'s) with their band counts read again,
        after the health scores changed; their metrics stay, as none depends on the
        scores. The band counts alone take 0.05 s at 10k accounts, 0.25 s at 100k;
        the book read and the series computed again took 0.45 s and 1.5 s, and at 100k
        accounts raised the app's peak by ~170 MB."""
        from dataclasses import replace

        from core.metrics.dashboard import months_bands, period_bands

        reads = self.app.reads
        now, before = period_bands(reads, view.period, view.scope, self.today)
        figures = replace(figures, bands_now=now, bands_before=before)
        if monthly is not None:
            history = months_bands(reads, view.as_of(self.today), view.scope)
            monthly = replace(monthly, bands=history)
        return figures, monthly

    @staticmethod
    def series_of(view: View, reads: MonthlyReads) -> MonthlyFigures:
        """The 12-month series of ``view`` computed from its reads (``read_series``)."""
        from core.metrics.dashboard import monthly_figures

        return monthly_figures(reads, view.series_keys)

    def seen_series(self, view: View) -> MonthlyFigures | None:
        """(No read.) The series kept for ``view``'s as-of day and scope, if any."""
        return self.series_seen.get(self._seen_key(view))

    def keep_series(self, view: View, figures: MonthlyFigures) -> None:
        """(No read.) Keep ``figures`` for ``view``, the oldest dropped beyond a few."""
        self.series_seen[self._seen_key(view)] = figures
        while len(self.series_seen) > SERIES_KEPT:
            del self.series_seen[next(iter(self.series_seen))]  # the oldest

    def _seen_key(self, view: View) -> tuple[date, Scope, tuple[str, ...]]:
        return (view.as_of(self.today), view.scope, view.tiles)

    def forget_series(self) -> None:
        """(No read.) The data changed: no series kept is right any more."""
        self.series_seen.clear()

    # ------------------------------------------------------------------ lists

    def lists(self, accounts: pl.DataFrame, scope: Scope) -> Lists:
        """(No database read.) The at-risk list and the renewals of the next 90 days
        in ``scope``, from the accounts frame."""
        import polars as pl

        from core.metrics.dashboard import at_risk_accounts, renewals_due

        live = scope.filter(accounts).filter(pl.col("status") != "churned")
        at_risk = at_risk_accounts(accounts, scope)
        renewals = renewals_due(accounts, self.today, scope)
        undated = live["renewal_date"].null_count() == live.height
        if not live["health_band"].is_in(BANDS).any():
            # none scored is not none at risk (a score computed without signals has
            # the band "no data")
            no_risk = (
                "No account in this scope has a health score yet: scores need usage,"
                " interactions, surveys or tickets."
            )
        else:
            no_risk = "No account at risk in this scope."
        if undated:  # no renewal date is not no renewal
            no_renewal = (
                "No account in this scope has a renewal date: import one to see renewals here."
            )
        else:
            no_renewal = "No renewal in the next 90 days in this scope."
        return Lists(
            AccountList(at_risk.head(LIST_CAP).to_dicts(), at_risk.height, no_risk),
            AccountList(renewals.head(LIST_CAP).to_dicts(), renewals.height, no_renewal),
            renewals.select("id", "mrr_cents"),
            undated=bool(live.height) and undated,
        )

    def why(self, account_ids: list[int]) -> dict[int, str]:
        """The at-risk list's "why": after the band or drop, the component that costs
        each account the most points, with its signals in words."""
        from core.health.signals import largest_drags

        return largest_drags(self.app.opened_engine(), account_ids, self.today)

    def forecast(self, renewals: pl.DataFrame) -> RenewalWindow | None:
        """The MRR expected to stay among ``renewals`` (``id``, ``mrr_cents``), from
        the churn model in force; None without one."""
        from core.churn.forecast import retained_of

        return retained_of(self.app.opened_engine(), self.today, renewals)

    def set_to_cancel(self, renewals: pl.DataFrame) -> tuple[int, float]:
        """Of ``renewals`` (``id``, ``mrr_cents``), those set to cancel at their renewal:
        how many, and their MRR (currency units); with or without a churn model."""
        from core.churn.forecast import set_to_cancel_of

        return set_to_cancel_of(self.app.opened_engine(), renewals)

    def goals(self) -> list[GoalView]:
        """Every goal with its progress today (``KeyError`` or ``ValueError`` for a
        goal linked to an unknown metric)."""
        from core.goals import list_goals

        return list_goals(self.app.opened_engine(), self.today)

    def scopes(self) -> list[tuple[str, Scope]]:
        """(No database read.) team (the whole book), my book (when the user is
        known), then each segment of the accounts frame."""
        from core.metrics import Scope

        user = self.app.settings.current_user
        book = self.app.book
        segments = (
            sorted(book["segment"].drop_nulls().unique().to_list()) if book is not None else []
        )
        mine = [(f"my book ({user})", Scope(owner=user))] if user else []
        return [
            ("team", Scope()),
            *mine,
            *((f"segment {segment}", Scope(segment=segment)) for segment in segments),
        ]

    # ------------------------------------------------------------------ drill-through

    def drill(self, key: str, view: View, book: Book | None) -> Drill:
        """What is behind the tile of ``key``: a metric's (from ``book``, the metrics
        book of the tiles shown) or a health band's, with the accounts' names."""
        from core.metrics.drill import band_drill, drill, with_names

        engine = self.app.opened_engine()
        assert book is not None
        if key.startswith("band_"):
            found = band_drill(
                engine, key.removeprefix("band_"), view.as_of(self.today), view.scope
            )
        else:
            found = drill(book, key, view.period)
        return type(found)(found.title, found.formula, with_names(engine, found.rows), found.terms)

    def forecast_drill(self, scope: Scope) -> Drill | None:
        """What is behind the forecast's tile: the renewals of the list in ``scope``;
        None while the accounts are read again, ``NotEnoughData`` without a churn
        model."""
        from core.churn.forecast import forecast_drill
        from core.metrics.dashboard import renewals_due

        engine = self.app.opened_engine()
        accounts = self.app.book
        if accounts is None:
            return None
        return forecast_drill(engine, self.today, renewals_due(accounts, self.today, scope))


def figures_read(db: Engine | SqliteFile, view: View, today: date) -> Callable[[], Figures]:
    """The read of the tiles' figures of ``view`` (its period and the one before)."""
    from core.metrics.dashboard import period_figures

    return partial(period_figures, db, view.period, view.scope, today, view.figure_keys)


def start_figures(db: Engine | SqliteFile, view: View, today: date) -> Started[Figures]:
    """(Any thread.) The tiles' figures of ``view``, started now on core's threads
    (``core.store.threads``), not the app's workers': there they could wait behind
    workers that wait."""
    return start(figures_read(db, view, today))
