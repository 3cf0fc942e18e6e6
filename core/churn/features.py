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

from dataclasses import dataclass, replace
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
    note: str = ""  # what the features leave out, in words, for the report

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


def snapshot_features(engine: Engine, as_of: date, informative_only: bool = True) -> Features:
    accounts = _accounts(engine)
    frame = accounts.select(
        "account_id",
        pl.lit(None, pl.Date).alias(CUTOFF),
        (pl.col("status") == "churned").alias(LABEL),
        (pl.col("mrr_cents") / 100).alias("mrr"),
        pl.col("seats").cast(pl.Float64),
        *_tenure_plan_segment(as_of),
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
    features = Features(frame, numeric, categorical, labels, history=False)
    return _informative(features) if informative_only else features


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
    accounts = _accounts(engine)
    frames = []
    for cutoff in cutoffs:
        end = cutoff + timedelta(days=HORIZON_DAYS)
        churned = events.filter(pl.col("day").is_between(cutoff, end, closed="right"))
        frames.append(
            _on(engine, cutoff, model, accounts).with_columns(
                pl.col("account_id").is_in(churned["account_id"].implode()).alias(LABEL)
            )
        )
    frame = pl.concat(frames)
    if not frame[LABEL].any():
        return None
    features = _informative(_history(frame))
    fields = custom_fields(engine).height
    if fields:
        note = (
            f"the book's {fields} custom field{'s are' if fields != 1 else ' is'} left out: "
            "their values are today's, not each cut-off's"
        )
        features = replace(features, note="; ".join(filter(None, [note, features.note])))
    return features


SIGNAL_COLUMNS = [
    f"{component}.{signal}" for component in COMPONENTS for signal in SIGNALS[component]
]


def _history(frame: pl.DataFrame) -> Features:
    labels = {signal: signal.split(".", 1)[1].replace("_", " ") for signal in SIGNAL_COLUMNS}
    labels |= {"tenure_days": "tenure (days)", "plan": "plan", "segment": "segment"}
    numeric = [*SIGNAL_COLUMNS, "tenure_days"]
    return Features(frame, numeric, ["plan", "segment"], labels, history=True)


def _on(
    engine: Engine,
    day: date,
    model: HealthModelConfig,
    accounts: pl.DataFrame,
    account_ids: list[int] | None = None,
) -> pl.DataFrame:
    """The accounts that are customers at the end of ``day`` (of ``account_ids``):
    their health signals from the data up to it, tenure at it, plan and segment."""
    return (
        read_signals(engine, day, model, account_ids)
        .select("account_id", *SIGNAL_COLUMNS)
        .join(
            accounts.select("account_id", "plan", "segment", "start_date"),
            on="account_id",
            how="left",
        )
        .select(
            "account_id",
            pl.lit(day).alias(CUTOFF),
            *SIGNAL_COLUMNS,
            *_tenure_plan_segment(day),
        )
    )


def _tenure_plan_segment(day: date) -> list[pl.Expr]:
    """Over account columns: days since the start at ``day``, plan and segment (an
    empty one as none)."""
    return [
        (pl.lit(day) - pl.col("start_date")).dt.total_days().cast(pl.Float64).alias("tenure_days"),
        pl.col("plan").replace("", None),
        pl.col("segment").replace("", None),
    ]


def features_today(
    engine: Engine,
    as_of: date,
    model: HealthModelConfig,
    history: bool,
    account_ids: list[int] | None = None,
) -> Features:
    """The features of the accounts that are customers at ``as_of`` (of
    ``account_ids``), as a model fitted on history (``history``) or on a snapshot
    reads them; no label (all False)."""
    if history:
        frame = _on(engine, as_of, model, _accounts(engine), account_ids)
        return _history(frame.with_columns(pl.lit(False).alias(LABEL)))
    snapshot = snapshot_features(engine, as_of, informative_only=False)
    alive = _accounts(engine).filter(pl.col("status") != "churned")["account_id"]
    if account_ids is not None:
        alive = alive.filter(alive.is_in(account_ids))
    frame = snapshot.frame.filter(pl.col("account_id").is_in(alive.implode()))
    return replace(snapshot, frame=frame)


def _informative(features: Features) -> Features:
    """Without the columns that hold one value or none, or (a category) more than
    MAX_CHOICES."""
    frame = features.frame
    counts = frame.select(
        pl.col(column).drop_nulls().n_unique() for column in features.numeric + features.categorical
    ).row(0, named=True)
    numeric = [column for column in features.numeric if counts[column] > 1]
    categorical = [column for column in features.categorical if 1 < counts[column] <= MAX_CHOICES]
    dropped = [c for c in features.numeric + features.categorical if c not in numeric + categorical]
    note = ""
    if dropped:
        names = ", ".join(features.labels[column] for column in dropped)
        note = f"left out as telling no accounts apart (one value, none, or too many): {names}"
    return Features(
        frame.drop(dropped),
        numeric,
        categorical,
        {key: value for key, value in features.labels.items() if key not in dropped},
        features.history,
        note,
    )
