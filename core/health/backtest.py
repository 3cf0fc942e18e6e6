"""How well did the score predict churn? Scores are recomputed as of past cut-off
dates from the data up to each date only, and compared with who churned in the
``horizon`` days after it (every churn event counts, also of an account that came
back since). Cut-offs are monthly over the last year of history and
pooled, so an account appears once per cut-off it was alive at."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Engine, func, select

from core.health.config import BANDS, HealthModelConfig, load_model
from core.health.scoring import compute_scores
from core.models import Account, MrrMovement, MrrMovementKind
from core.store.frames import read_frame

CUTOFFS = 12
CUTOFF_STEP_DAYS = 30
MIN_HISTORY_DAYS = 60  # the usage trend needs two 30-day windows before a cut-off


@dataclass(frozen=True)
class BandOutcome:
    band: str
    accounts: int  # account-cut-off pairs scored in this band
    churned: int
    churn_rate_pct: float | None  # None when no account was in the band


@dataclass(frozen=True)
class BacktestResult:
    horizon_days: int
    cutoffs: list[date]
    observations: int
    churned: int
    auc: float | None  # None without both churners and survivors
    bands: list[BandOutcome]
    model_fingerprint: str

    def as_dict(self) -> dict[str, Any]:
        result = asdict(self)
        result["cutoffs"] = [day.isoformat() for day in self.cutoffs]
        return result


def auc(scores: pl.Series, churned: pl.Series) -> float | None:
    """The probability that a churner scored lower than a survivor (ties count half):
    the ROC AUC of the score as a churn predictor, from Mann-Whitney ranks."""
    frame = pl.DataFrame({"score": scores, "churned": churned}).drop_nulls()
    positives = int(frame["churned"].sum())
    negatives = frame.height - positives
    if positives == 0 or negatives == 0:
        return None
    ranked = frame.with_columns(rank=(-pl.col("score")).rank("average"))
    rank_sum = float(ranked.filter(pl.col("churned"))["rank"].sum())
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def cutoff_dates(engine: Engine, horizon_days: int, as_of: date) -> list[date]:
    """Monthly cut-offs, newest ``as_of - horizon``, none before the book has
    MIN_HISTORY_DAYS of history."""
    frame = read_frame(engine, select(func.min(Account.start_date).label("first")))
    first = frame["first"][0] if frame.height else None
    if first is None:
        return []
    latest = as_of - timedelta(days=horizon_days)
    days = [latest - timedelta(days=CUTOFF_STEP_DAYS * k) for k in range(CUTOFFS)]
    return sorted(day for day in days if day >= first + timedelta(days=MIN_HISTORY_DAYS))


def churn_events(engine: Engine) -> pl.DataFrame:
    """Every churn of every account (account_id, day): the churn movements, which a
    reactivation does not remove, and the churn dates of accounts churned now (some
    churned without MRR, so without a movement). A churn of unknown date is none: its
    movement stands on the day the churn was recorded (``mark_undated``), which is not
    the day it happened."""
    from core.accounts.customers import mark_undated

    movements = read_frame(
        engine,
        select(MrrMovement.account_id, MrrMovement.occurred_on, MrrMovement.kind).where(
            MrrMovement.kind == MrrMovementKind.CHURN.value
        ),
    )
    accounts = read_frame(
        engine,
        select(Account.id.label("account_id"), Account.churned_at, Account.churn_recorded_on).where(
            Account.churned_at.is_not(None) | Account.churn_recorded_on.is_not(None)
        ),
    )
    dated = mark_undated(movements, accounts).filter(~pl.col("undated"))
    return pl.concat(
        [
            dated.select("account_id", pl.col("occurred_on").alias("day")),
            accounts.filter(pl.col("churned_at").is_not_null()).select(
                "account_id", pl.col("churned_at").alias("day")
            ),
        ],
        how="vertical_relaxed",
    ).unique()


def backtest(
    engine: Engine,
    horizon_days: int = 90,
    model: HealthModelConfig | None = None,
    as_of: date | None = None,
    cutoffs: list[date] | None = None,
) -> BacktestResult:
    """Score the accounts alive at each cut-off T as of T, label those that churned
    in (T, T + horizon], and report the churn rate per band and the AUC. The cut-offs
    are the monthly ones of ``cutoff_dates`` unless given (to compare with a churn
    model tested on some of them)."""
    if horizon_days < 1:
        raise ValueError(f"The horizon must be at least 1 day, not {horizon_days}.")
    model = model or load_model()[0]
    as_of = as_of or date.today()
    cutoffs = cutoffs if cutoffs is not None else cutoff_dates(engine, horizon_days, as_of)
    events = churn_events(engine)
    observed = []
    for cutoff in cutoffs:
        scores = compute_scores(engine, cutoff, model).select("account_id", "score", "band")
        end = cutoff + timedelta(days=horizon_days)
        churned = events.filter(pl.col("day").is_between(cutoff, end, closed="right"))
        observed.append(
            scores.select(
                "score",
                "band",
                pl.col("account_id").is_in(churned["account_id"].implode()).alias("churned"),
            )
        )
    pooled = (
        pl.concat(observed)
        if observed
        else pl.DataFrame(schema={"score": pl.Float64, "band": pl.String, "churned": pl.Boolean})
    ).filter(pl.col("score").is_not_null())
    per_band = pooled.group_by("band").agg(
        pl.len().alias("accounts"), pl.col("churned").sum().alias("churned")
    )
    counts = {row["band"]: row for row in per_band.to_dicts()}
    bands = []
    for band in BANDS:
        row = counts.get(band, {"accounts": 0, "churned": 0})
        total, churned = int(row["accounts"]), int(row["churned"])
        rate = round(churned / total * 100, 2) if total else None
        bands.append(BandOutcome(band, total, churned, rate))
    value = auc(pooled["score"], pooled["churned"])
    return BacktestResult(
        horizon_days=horizon_days,
        cutoffs=cutoffs,
        observations=pooled.height,
        churned=int(pooled["churned"].sum()),
        auc=None if value is None else round(value, 4),
        bands=bands,
        model_fingerprint=model.fingerprint(),
    )
