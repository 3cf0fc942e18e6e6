"""What the dashboard lists beside the metrics: accounts at risk, renewals coming up,
and how many accounts sit in each health band on a given day.

The lists work on the accounts-list frame (``core.accounts.load_accounts`` or
``load_accounts_first``: one row per account with its health in force, its 30-day
trend, MRR and renewal date), so they cost no query of their own. Band counts read
the health snapshots of one day in bulk.

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

from datetime import date, timedelta

import polars as pl
from sqlalchemy import Engine, and_, func, select

from core.accounts import BANDS, _overrides
from core.frames import read_frame
from core.metrics.model import Scope
from core.models import Account, HealthSnapshot

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
)


def scoped(accounts: pl.DataFrame, scope: Scope | None) -> pl.DataFrame:
    """The rows of an accounts-list frame inside ``scope``."""
    if scope is None or scope.is_whole_book:
        return accounts
    if scope.segment is not None:
        accounts = accounts.filter(pl.col("segment") == scope.segment)
    if scope.owner is not None:
        accounts = accounts.filter(pl.col("owner") == scope.owner)
    return accounts


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
        scoped(accounts, scope)
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
        scoped(accounts, scope)
        .filter(pl.col("status") != "churned", window.fill_null(False))
        .with_columns(
            (pl.col("renewal_date") - pl.lit(today)).dt.total_days().alias("days_to_renewal")
        )
        .sort(["renewal_date", "name"])
        .select(RENEWAL_COLUMNS)
    )


def bands_on(engine: Engine, day: date, scope: Scope | None = None) -> pl.DataFrame:
    """account_id, band: each account's health band in force at the end of ``day``."""
    scope = scope or Scope()
    latest = (
        select(HealthSnapshot.account_id, func.max(HealthSnapshot.day).label("latest_day"))
        .where(
            HealthSnapshot.day <= day,
            HealthSnapshot.day > day - timedelta(days=BAND_LOOKBACK_DAYS),
        )
        .group_by(HealthSnapshot.account_id)
        .subquery()
    )
    query = (
        select(HealthSnapshot.account_id, HealthSnapshot.band)
        .join(
            latest,
            and_(
                HealthSnapshot.account_id == latest.c.account_id,
                HealthSnapshot.day == latest.c.latest_day,
            ),
        )
        .join(Account, Account.id == HealthSnapshot.account_id)
    )
    if scope.segment is not None:
        query = query.where(Account.segment == scope.segment)
    if scope.owner is not None:
        query = query.where(Account.owner == scope.owner)
    snapshots = read_frame(engine, query)
    overrides = _overrides(engine, day)  # few: all of them, joined
    return (
        snapshots.join(overrides.select("account_id", "override_band"), on="account_id", how="left")
        .select("account_id", pl.coalesce("override_band", "band").alias("band"))
        .sort("account_id")
    )


def band_counts(engine: Engine, day: date, scope: Scope | None = None) -> dict[str, int]:
    """How many accounts are green, yellow and red at the end of ``day``."""
    counts = dict(bands_on(engine, day, scope).group_by("band").len().iter_rows())
    return {band: int(counts.get(band, 0)) for band in BANDS}


def band_history(engine: Engine, days: list[date], scope: Scope | None = None) -> pl.DataFrame:
    """One row per day of ``days``: day, green, yellow, red (``band_counts``)."""
    rows = [{"day": day} | band_counts(engine, day, scope) for day in days]
    schema = {"day": pl.Date(), **{band: pl.Int64() for band in BANDS}}
    return pl.DataFrame(rows, schema=schema)
