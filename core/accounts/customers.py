"""Who is a customer on a day: the one definition every screen and metric uses.

- An account is a customer from its start date. An account whose start date is
  unknown has been one since before the records begin (``BEFORE_RECORDS``): it is
  never "new" and its MRR is never New MRR.
- It stops being one on its churn date, or on a ``churn`` MRR movement; a
  ``reactivation`` movement makes it one again.
- ``status`` is the truth for today. A churned account whose churn date is unknown
  stops being a customer on the day cxtui recorded the churn
  (``churn_recorded_on``), but that exit is *undated*: it counts in no period's
  churn. Summaries say how many accounts rest on such an assumption.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from core.text import counted

BEFORE_RECORDS = date(1900, 1, 1)
"""The day an account of unknown start date is taken to have started."""


def day_words(day: date) -> str:
    """A day as shown: ISO, or "before the records" for ``BEFORE_RECORDS`` (the day of
    the opening MRR of an account whose start is unknown, which is no real day)."""
    return "before the records" if day == BEFORE_RECORDS else day.isoformat()


_EVENTS_SCHEMA = {"account_id": pl.Int64, "day": pl.Date, "inflow": pl.Boolean, "dated": pl.Boolean}


def assumption_notes(
    start_unknown: int, churn_date_unknown: int, churn_unrecorded: int = 0
) -> list[str]:
    """What figures over these accounts assume, in words (empty when nothing is).
    ``churn_unrecorded``: the accounts counted as staying because nothing in the book
    records a churn."""
    notes = []
    if churn_unrecorded:
        staying = counted(churn_unrecorded, "account counts", "accounts count")
        notes.append(
            f"Assumed: nothing in this book records a churn (no churned status, churn date"
            f" or churn movement), so its {staying} as staying and no churn is counted."
            " Import status or churned_at to measure it."
        )
    if start_unknown:
        one = start_unknown == 1
        notes.append(
            f"Assumed: {counted(start_unknown, 'account has', 'accounts have')} no start"
            f" date: {'a customer' if one else 'customers'} since before the records begin,"
            f" never new. Import start_date (or a tenure) to date {'it' if one else 'them'}."
        )
    if churn_date_unknown:
        one = churn_date_unknown == 1
        undated = counted(churn_date_unknown, "churned account has", "churned accounts have")
        notes.append(
            f"Assumed: {undated} no churn date: not {'a customer' if one else 'customers'}"
            f" since the day {'its' if one else 'their'} churn was recorded, in no period's"
            f" churn. Import churned_at to date {'it' if one else 'them'}."
        )
    return notes


def started_on() -> pl.Expr:
    """An account's start date, ``BEFORE_RECORDS`` when unknown."""
    return pl.col("start_date").fill_null(BEFORE_RECORDS)


def left_on() -> pl.Expr:
    """The day an account stopped being a customer by its own columns (its churn date,
    else the day its undated churn was recorded), null while it is one."""
    return pl.coalesce("churned_at", "churn_recorded_on")


def is_customer_on(day: date | pl.Expr) -> pl.Expr:
    """Over account columns (start_date, churned_at, churn_recorded_on, status): a
    customer at the end of ``day`` (a day, or a column of days). MRR movements
    (reactivations) are not looked at: ``customer_events`` does, for the metrics."""
    left = left_on()
    undated_churned = left.is_null() & (pl.col("status") == "churned")
    return (started_on() <= day) & (left.is_null() | (left > day)) & ~undated_churned


def customer_events(accounts: pl.DataFrame, movements: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """When each account became a customer (its start, a reactivation) or stopped
    being one (its churn date, a churn movement, an undated churn), up to ``as_of``,
    in order; on one day, joining comes before leaving. ``dated`` is false for the
    exits of churns whose date is unknown.

    ``accounts`` holds account_id, start_date, churned_at, churn_recorded_on;
    ``movements`` account_id, occurred_on, kind and ``undated`` (``mark_undated``)."""
    frames = [
        accounts.select(
            "account_id",
            started_on().alias("day"),
            pl.lit(True).alias("inflow"),
            pl.lit(True).alias("dated"),
        ),
        accounts.filter(pl.col("churned_at").is_not_null()).select(
            "account_id",
            pl.col("churned_at").alias("day"),
            pl.lit(False).alias("inflow"),
            pl.lit(True).alias("dated"),
        ),
        accounts.filter(
            pl.col("churned_at").is_null() & pl.col("churn_recorded_on").is_not_null()
        ).select(
            "account_id",
            pl.col("churn_recorded_on").alias("day"),
            pl.lit(False).alias("inflow"),
            pl.lit(False).alias("dated"),
        ),
        movements.filter(pl.col("kind").is_in(["reactivation", "churn"])).select(
            "account_id",
            pl.col("occurred_on").alias("day"),
            (pl.col("kind") == "reactivation").alias("inflow"),
            (~pl.col("undated")).alias("dated"),
        ),
    ]
    return (
        pl.concat(frames)
        .cast(_EVENTS_SCHEMA)  # type: ignore[arg-type]
        .filter(pl.col("day") <= as_of)
        .unique()
        .sort(["account_id", "day", "inflow"], descending=[False, False, True])
    )


def mark_undated(movements: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """``movements`` with ``undated``: true for the churn movement written for a churn
    of unknown date (on its account's ``churn_recorded_on``, no ``churned_at``)."""
    dates = accounts.select("account_id", "churned_at", "churn_recorded_on")
    undated = (
        (pl.col("kind") == "churn")
        & pl.col("churned_at").is_null()
        & (pl.col("occurred_on") == pl.col("churn_recorded_on"))
    ).fill_null(False)
    return (
        movements.join(dates, on="account_id", how="left")
        .with_columns(undated.alias("undated"))
        .drop("churned_at", "churn_recorded_on")
    )
