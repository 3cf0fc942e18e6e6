"""What the churn model learns from: one row per account (and cut-off), its features
and whether it churned.

Two kinds of book:

- A book with history (churns with dates, and enough of it for cut-offs): for each
  monthly cut-off T of the health backtest (``core.health.backtest``), the accounts
  that were customers at T, their health signals computed from the data up to T
  only, their tenure at T, plan and segment; labelled by a churn in (T, T + 90 days].
  The custom fields are left out: their values are today's, not T's, and would let
  the outcome leak into the features.
- A book that is one snapshot (a status, no churn dates): every account, its MRR,
  seats, plan, segment, tenure when a start date is known, and its custom fields;
  labelled by its status (churned or not).

Features are returned as polars frames; ``core.churn.fit`` turns them into numbers.
Columns that hold a single value (or none) are dropped: they cannot tell accounts
apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl
from sqlalchemy import Engine, select

from core.accounts.fields import (
    CHOICE,
    DATE,
    MONEY,
    NUMBER,
    TEXT,
    YES_NO,
    custom_fields,
    fields_wide,
)
from core.health.backtest import churn_events, cutoff_dates
from core.health.config import COMPONENTS, SIGNALS, HealthModelConfig
from core.health.scoring import read_signals
from core.models import Account
from core.store.frames import read_frame

HORIZON_DAYS = 90
MIN_CHURNED = 10  # fewer churned accounts than this: no model worth the name
MAX_CHOICES = 30  # a text field with more distinct values is not a category
LABEL = "churned"
CUTOFF = "cutoff"


class NotEnoughData(ValueError):
    """The book cannot train a churn model, in words."""


@dataclass(frozen=True)
class Features:
    """``frame``: account_id, ``cutoff`` (null for a snapshot), the label ``churned``
    and the feature columns; ``numeric`` and ``categorical`` name them, with the
    words a person reads for each (``labels``)."""

    frame: pl.DataFrame
    numeric: list[str]
    categorical: list[str]
    labels: dict[str, str]
    history: bool  # cut-offs over time, or one snapshot

    @property
    def churned(self) -> int:
        return int(self.frame[LABEL].sum())


def book_features(engine: Engine, as_of: date, model: HealthModelConfig) -> Features:
    """The book's features: over its history when it has dated churns to learn
    from, else as one snapshot; NotEnoughData when neither has churned accounts
    enough."""
    history = history_features(engine, as_of, model)
    if history is not None and history.churned >= MIN_CHURNED:
        return history
    snapshot = snapshot_features(engine, as_of)
    if snapshot.churned < MIN_CHURNED:
        raise NotEnoughData(
            f"the book has {snapshot.churned} churned account(s); a churn model needs "
            f"at least {MIN_CHURNED} (and accounts that stayed)"
        )
    if snapshot.frame.height - snapshot.churned < MIN_CHURNED:
        raise NotEnoughData(f"fewer than {MIN_CHURNED} accounts stayed: nothing to compare")
    return snapshot


def _accounts(engine: Engine) -> pl.DataFrame:
    return read_frame(
        engine,
        select(
            Account.id.label("account_id"),
            Account.status,
            Account.plan,
            Account.segment,
            Account.seats,
            Account.mrr_cents,
            Account.start_date,
        ),
    )


def snapshot_features(engine: Engine, as_of: date) -> Features:
    accounts = _accounts(engine)
    frame = accounts.select(
        "account_id",
        pl.lit(None, pl.Date).alias(CUTOFF),
        (pl.col("status") == "churned").alias(LABEL),
        (pl.col("mrr_cents") / 100).alias("mrr"),
        pl.col("seats").cast(pl.Float64),
        (pl.lit(as_of) - pl.col("start_date"))
        .dt.total_days()
        .cast(pl.Float64)
        .alias("tenure_days"),
        pl.col("plan").replace("", None),
        pl.col("segment").replace("", None),
    )
    labels = {"mrr": "MRR", "seats": "seats", "tenure_days": "tenure (days)"}
    labels |= {"plan": "plan", "segment": "segment"}
    numeric, categorical = ["mrr", "seats", "tenure_days"], ["plan", "segment"]
    fields = custom_fields(engine)
    if not fields.is_empty():
        wide = fields_wide(engine, fields)
        columns = []
        for name, kind in fields.select("name", "type").iter_rows():
            feature = f"field:{name}"
            labels[feature] = name
            value = pl.col(name)
            if kind in (NUMBER, MONEY, YES_NO):
                columns.append(value.cast(pl.Float64).alias(feature))
                numeric.append(feature)
            elif kind == DATE:
                columns.append(
                    (pl.lit(as_of) - value).dt.total_days().cast(pl.Float64).alias(feature)
                )
                numeric.append(feature)
                labels[feature] = f"{name} (days before today)"
            elif kind in (CHOICE, TEXT):
                columns.append(value.alias(feature))
                categorical.append(feature)
        frame = frame.join(wide.select("account_id", *columns), on="account_id", how="left")
    return _informative(Features(frame, numeric, categorical, labels, history=False))


def history_features(engine: Engine, as_of: date, model: HealthModelConfig) -> Features | None:
    """The features at each cut-off, or None when the book has no cut-off (too
    little history) or no dated churn in any cut-off's horizon."""
    cutoffs = cutoff_dates(engine, HORIZON_DAYS, as_of)
    if not cutoffs:
        return None
    last = cutoffs[-1] + timedelta(days=HORIZON_DAYS)
    events = churn_events(engine).filter(pl.col("day").is_between(cutoffs[0], last, "right"))
    if events.is_empty():
        return None
    accounts = _accounts(engine).select("account_id", "plan", "segment", "start_date")
    signals = [f"{component}.{signal}" for component in COMPONENTS for signal in SIGNALS[component]]
    frames = []
    for cutoff in cutoffs:
        end = cutoff + timedelta(days=HORIZON_DAYS)
        churned = events.filter(pl.col("day").is_between(cutoff, end, closed="right"))
        frames.append(
            read_signals(engine, cutoff, model)
            .select("account_id", *signals)
            .join(accounts, on="account_id", how="left")
            .select(
                "account_id",
                pl.lit(cutoff).alias(CUTOFF),
                pl.col("account_id").is_in(churned["account_id"].implode()).alias(LABEL),
                *signals,
                (pl.lit(cutoff) - pl.col("start_date"))
                .dt.total_days()
                .cast(pl.Float64)
                .alias("tenure_days"),
                pl.col("plan").replace("", None),
                pl.col("segment").replace("", None),
            )
        )
    frame = pl.concat(frames)
    if not frame[LABEL].any():
        return None
    labels = {signal: signal.split(".", 1)[1].replace("_", " ") for signal in signals}
    labels |= {"tenure_days": "tenure (days)", "plan": "plan", "segment": "segment"}
    numeric = [*signals, "tenure_days"]
    return _informative(Features(frame, numeric, ["plan", "segment"], labels, history=True))


def _informative(features: Features) -> Features:
    """Without the columns that hold one value or none, or (a category) more than
    MAX_CHOICES."""
    frame = features.frame
    counts = frame.select(
        pl.col(column).drop_nulls().n_unique() for column in features.numeric + features.categorical
    ).row(0, named=True)
    numeric = [column for column in features.numeric if counts[column] > 1]
    categorical = [column for column in features.categorical if 1 < counts[column] <= MAX_CHOICES]
    dropped = set(features.numeric + features.categorical) - set(numeric + categorical)
    return Features(
        frame.drop(dropped),
        numeric,
        categorical,
        {key: value for key, value in features.labels.items() if key not in dropped},
        features.history,
    )
