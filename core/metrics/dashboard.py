"""What the dashboard lists beside the metrics: accounts at risk, renewals coming up,
and how many accounts sit in each health band on a given day.

The lists work on the accounts-list frame (``core.accounts.queries.load_accounts`` or
``load_accounts_first``: one row per account with its health in force, its 30-day
trend, MRR and renewal date), so they cost no query of their own. Band counts read
the health snapshots of any number of days in one query.

The tiles' figures (``period_figures``: a period and the one before) and their
12-month series (``read_months``, then ``monthly_figures``) each read one
``core.metrics`` book for the metrics asked, and the band counts beside it in a
second thread: both reads spend most of their time in SQLite, which lets the other
thread run. The series' reads and its computation are apart so that a caller can
start other reads between them.

- At risk: a live (not churned) account whose band in force is red, or whose computed
  score fell ``AT_RISK_DROP_POINTS`` (15) points or more over the last 30 days
  (``trend_30d``, as in the accounts list). Ranked by MRR at stake, largest first.
- Renewals: live accounts whose renewal date is within the next ``RENEWAL_DAYS``
  (90) days, today included, soonest first, with their MRR and health.
- Band on a day: the band of the account's latest snapshot in the
  ``BAND_LOOKBACK_DAYS`` (30) days up to that day, replaced by the band of an
  override in force that day. Accounts without a snapshot in that window have no
  band and are not counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import polars as pl

from core.accounts.customers import is_customer_on
from core.health.config import BANDS
from core.health.in_force import in_force_on, with_bands
from core.metrics import Book, load_book, series_frame
from core.periods import Period, last_months
from core.scope import Scope
from core.store.sqlite_file import SqliteFile
from core.store.threads import side_by_side

if TYPE_CHECKING:
    from sqlalchemy import Engine

AT_RISK_DROP_POINTS = 15.0
RENEWAL_DAYS = 90
BAND_LOOKBACK_DAYS = 30

AT_RISK_COLUMNS = (
    "id",
    "name",
    "owner",
    "segment",
    "mrr_cents",
    "health_score",
    "health_band",
    "override",
    "trend_30d",
    "reason",
)
RENEWAL_COLUMNS = (
    "id",
    "name",
    "owner",
    "segment",
    "renewal_date",
    "days_to_renewal",
    "mrr_cents",
    "health_score",
    "health_band",
    "override",
)


def at_risk_accounts(
    accounts: pl.DataFrame,
    scope: Scope | None = None,
    drop_points: float = AT_RISK_DROP_POINTS,
) -> pl.DataFrame:
    """Live accounts in red or down ``drop_points`` or more in 30 days, by MRR at
    stake (largest first, then name), with ``reason`` in words."""
    red = pl.col("health_band") == "red"
    dropped = pl.col("trend_30d") <= -drop_points
    reason = (
        pl.when(red & dropped)
        .then(pl.format("red, down {} pts", (-pl.col("trend_30d")).round(0).cast(pl.Int64)))
        .when(red)
        .then(pl.lit("red"))
        .otherwise(pl.format("down {} pts", (-pl.col("trend_30d")).round(0).cast(pl.Int64)))
    )
    return (
        (accounts if scope is None else scope.filter(accounts))
        .filter(pl.col("status") != "churned", (red | dropped).fill_null(False))
        .with_columns(reason.alias("reason"))
        .sort(["mrr_cents", "name"], descending=[True, False], nulls_last=True)
        .select(AT_RISK_COLUMNS)
    )


def renewals_due(
    accounts: pl.DataFrame,
    today: date,
    scope: Scope | None = None,
    days: int = RENEWAL_DAYS,
) -> pl.DataFrame:
    """Live accounts renewing in ``[today, today + days]``, soonest first (then name)."""
    window = pl.col("renewal_date").is_between(today, today + timedelta(days=days))
    return (
        (accounts if scope is None else scope.filter(accounts))
        .filter(pl.col("status") != "churned", window.fill_null(False))
        .with_columns(
            (pl.col("renewal_date") - pl.lit(today)).dt.total_days().alias("days_to_renewal")
        )
        .sort(["renewal_date", "name"])
        .select(RENEWAL_COLUMNS)
    )


def bands_on(engine: Engine, day: date, scope: Scope | None = None) -> pl.DataFrame:
    """account_id, band: each account's health band in force at the end of ``day``."""
    return _bands_on_days(engine, [day], scope).drop("day")


def band_counts(engine: Engine, day: date, scope: Scope | None = None) -> dict[str, int]:
    """How many accounts are green, yellow and red at the end of ``day``."""
    [counts] = band_history(engine, [day], scope).drop("day").to_dicts()
    return counts


def band_history(
    db: Engine | SqliteFile, days: list[date], scope: Scope | None = None
) -> pl.DataFrame:
    """One row per day of ``days`` (in their order): day, green, yellow, red, as
    ``band_counts`` counts them; the snapshots of every day are read in one query."""
    counts = (
        _bands_on_days(db, days, scope)
        .group_by("day")
        .agg(pl.col("band").eq(band).sum().cast(pl.Int64).alias(band) for band in BANDS)
    )
    return (
        pl.DataFrame({"day": days}, schema={"day": pl.Date()})
        .join(counts, on="day", how="left", maintain_order="left")
        .with_columns(pl.col(band).fill_null(0) for band in BANDS)
    )


def _bands_on_days(db: Engine | SqliteFile, days: list[date], scope: Scope | None) -> pl.DataFrame:
    """day, account_id, band: each account's band in force at the end of each of
    ``days`` (see the module's docstring): through the engine, the snapshots of every
    day in one query; from a file, one compiled query per day (``book_sql``)."""
    scope = scope or Scope()
    days = sorted(set(days))
    if not days:
        raise ValueError("no day to read the bands of")
    if isinstance(db, SqliteFile):
        snapshots, overrides, accounts = _file_bands(db, days, scope)
    else:
        snapshots, overrides, accounts = _engine_bands(db, days, scope)
    in_force = with_bands(in_force_on(overrides, days)).select("day", "account_id", "override_band")
    # a churned account counts only on the days it was a customer; the others (no
    # status: ``accounts`` holds the churned ones) on every day they were scored
    return (
        snapshots.join(accounts, on="account_id", how="left")
        .filter(pl.col("status").is_null() | is_customer_on(pl.col("day")))
        .join(in_force, on=["day", "account_id"], how="left")
        .select("day", "account_id", pl.coalesce("override_band", "band").alias("band"))
        .sort("day", "account_id")
    )


def _engine_bands(
    engine: Engine, days: list[date], scope: Scope
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The snapshots (day, account_id, band) and the overrides of ``days``, and when
    each account was a customer."""
    from sqlalchemy import Date, and_, func, literal, select, union_all

    from core.health.in_force import overrides_query
    from core.metrics.book_queries import band_accounts_query
    from core.models import Account, HealthSnapshot
    from core.store.frames import read_frame

    # Per day, each account's latest snapshot in the lookback window. A constant
    # column per day, not a VALUES list: PostgreSQL would type that list as text.
    latest = union_all(
        *(
            select(
                literal(day, Date).label("on_day"),
                HealthSnapshot.account_id,
                func.max(HealthSnapshot.day).label("latest_day"),
            )
            .where(
                HealthSnapshot.day <= day,
                HealthSnapshot.day > day - timedelta(days=BAND_LOOKBACK_DAYS),
            )
            .group_by(HealthSnapshot.account_id)
            for day in days
        )
    ).subquery()
    query = (
        select(latest.c.on_day.label("day"), HealthSnapshot.account_id, HealthSnapshot.band)
        .join(
            latest,
            and_(
                HealthSnapshot.account_id == latest.c.account_id,
                HealthSnapshot.day == latest.c.latest_day,
            ),
        )
        .join(Account, Account.id == HealthSnapshot.account_id)
    )
    snapshots = read_frame(engine, scope.restrict(query))
    overrides = read_frame(engine, overrides_query(min(days), max(days)))  # few
    return snapshots, overrides, read_frame(engine, band_accounts_query())


def _file_bands(
    file: SqliteFile, days: list[date], scope: Scope
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """``_engine_bands`` from a SQLite file: the same snapshots, read one day at a time
    by the compiled queries, the scope applied by ``Scope.filter``'s rule."""
    from core.metrics.book_sql import BOOK_SQL, substituted

    lookback = timedelta(days=BAND_LOOKBACK_DAYS - 1)
    queries = {
        f"day{index}": (
            substituted("band_snapshots", {"band_day": day, "band_since": day - lookback}),
            BOOK_SQL["band_snapshots"][1],
        )
        for index, day in enumerate(days)
    }
    bounds = {"first_day": min(days), "last_day": max(days)}
    queries["overrides"] = (substituted("band_overrides", bounds), BOOK_SQL["band_overrides"][1])
    queries["band_accounts"] = BOOK_SQL["band_accounts"]
    if not scope.is_whole_book:
        queries["accounts"] = BOOK_SQL["accounts"]
    read = file.read(queries)
    snapshots = pl.concat(
        [
            read[f"day{index}"].select(pl.lit(day).alias("day"), "account_id", "band")
            for index, day in enumerate(days)
        ]
    )
    if not scope.is_whole_book:
        scoped = scope.filter(read["accounts"])["account_id"]
        snapshots = snapshots.filter(pl.col("account_id").is_in(scoped.implode()))
    return snapshots, read["overrides"], read["band_accounts"]


@dataclass(frozen=True)
class Figures:
    """Metrics and band counts of a period and of the one before it."""

    book: Book
    """The metrics book they were computed from (the drill-through reads it)."""
    now: dict[str, Any]
    before: dict[str, Any]
    bands_now: dict[str, int]
    bands_before: dict[str, int]


def period_figures(
    db: Engine | SqliteFile, period: Period, scope: Scope, today: date, keys: Sequence[str]
) -> Figures:
    """The metrics ``keys`` of ``period`` and of the one before, from one book read
    for both, seen as of ``today``; and the band counts at the end of each (of the
    current period: today)."""
    previous = period.previous()

    def metrics() -> tuple[Book, dict[str, Any], dict[str, Any]]:
        window = Period(previous.start, period.end)
        book = load_book(db, window, today, scope, keys=keys, per_account=False)
        return book, book.values(period, keys, today), book.values(previous, keys, today)

    (book, now, before), (bands_now, bands_before) = side_by_side(
        [metrics, partial(period_bands, db, period, scope, today)]
    )
    return Figures(book, now, before, bands_now, bands_before)


def period_bands(
    db: Engine | SqliteFile, period: Period, scope: Scope, today: date
) -> tuple[dict[str, int], dict[str, int]]:
    """``Figures``' band counts: at the end of ``period`` (seen as of ``today``) and of
    the one before. Read alone again when the health scores change: no metric depends
    on them."""
    as_of = min(period.end, today)
    bands = band_history(db, [as_of, period.previous().end], scope)
    bands_now, bands_before = bands.drop("day").to_dicts()
    return bands_now, bands_before


@dataclass(frozen=True)
class MonthlyFigures:
    metrics: pl.DataFrame
    """``core.metrics.series_frame``: one row per month, oldest first."""
    bands: pl.DataFrame
    """``band_history`` of the months' last days (the current one: as of)."""


@dataclass(frozen=True)
class MonthlyReads:
    """What ``monthly_figures`` computes the months from: a metrics book over them
    and their band counts."""

    months: list[Period]
    book: Book
    bands: pl.DataFrame


def read_months(
    db: Engine | SqliteFile, as_of: date, scope: Scope, keys: Sequence[str], months: int = 12
) -> MonthlyReads:
    """Read what the metrics ``keys`` and the band counts of the ``months`` calendar
    months up to the one containing ``as_of`` need (each month seen at its end, the
    current one as of ``as_of``)."""
    periods = last_months(as_of, months)
    window = Period(periods[0].start, periods[-1].end)
    book, bands = side_by_side(
        [
            partial(load_book, db, window, as_of, scope, keys=keys, per_account=False),
            partial(months_bands, db, as_of, scope, months),
        ]
    )
    return MonthlyReads(periods, book, bands)


def months_bands(
    db: Engine | SqliteFile, as_of: date, scope: Scope, months: int = 12
) -> pl.DataFrame:
    """``MonthlyFigures``' band counts: ``band_history`` of the ``months`` calendar
    months' last days up to ``as_of`` (the current one: ``as_of``)."""
    return band_history(db, [min(month.end, as_of) for month in last_months(as_of, months)], scope)


def monthly_figures(reads: MonthlyReads, keys: Sequence[str]) -> MonthlyFigures:
    """The metrics ``keys`` of each month read (no database access)."""
    return MonthlyFigures(series_frame(reads.book, reads.months, keys), reads.bands)
