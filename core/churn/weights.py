"""Health weights fitted on the book's own history, in the form the app explains.

The health score is the weighted mean of the component scores an account has data
for (``core.health.scoring``): contributions that add up to the score. Rather than
translate another model's coefficients into it, the weights are searched for
directly in that form: over a grid of the five weights (steps of 10 %, then 5 %
around the best), the weights whose score best ranks the churned accounts of the
earlier cut-offs below the others (the AUC). They are then tested on the later
cut-offs, beside the weights in force, with the same cut-offs and data (the churn
model's split: ``core.churn.fit``). The component scores themselves (the signals'
mappings) and the bands stay as they are.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import Engine

from core.churn.features import HORIZON_DAYS, NotEnoughData
from core.config.file import edit_config, read_config
from core.health.backtest import churn_events, cutoff_dates
from core.health.config import COMPONENTS, HealthModelConfig
from core.health.scoring import compute_scores


@dataclass(frozen=True)
class FittedWeights:
    weights: dict[str, float]  # percent per component, summing to 100
    in_force: dict[str, float]  # the same, of the model in force
    train_auc: float
    test_auc: float
    test_auc_in_force: float
    trained_on: list[date]
    tested_on: list[date]


def _observations(engine: Engine, cutoffs: list[date], model: HealthModelConfig) -> pl.DataFrame:
    """Component scores (null without data) of the accounts alive at each cut-off,
    and whether each churned within HORIZON_DAYS after it."""
    events = churn_events(engine)
    frames = []
    for cutoff in cutoffs:
        end = cutoff + timedelta(days=HORIZON_DAYS)
        churned = events.filter(pl.col("day").is_between(cutoff, end, closed="right"))
        scores = compute_scores(engine, cutoff, model)
        frames.append(
            scores.select(
                pl.lit(cutoff).alias("cutoff"),
                pl.col("account_id").is_in(churned["account_id"].implode()).alias("churned"),
                *(pl.col(f"{c}_score") for c in COMPONENTS),
            )
        )
    return pl.concat(frames)


def _aucs(scores: np.ndarray, churned: np.ndarray) -> np.ndarray:
    """The AUC of each column of ``scores`` (a low score meaning risk), NaN scores
    left out as the backtest leaves out accounts without a score."""
    from scipy.stats import rankdata

    result = np.full(scores.shape[1], np.nan)
    for column in range(scores.shape[1]):
        known = ~np.isnan(scores[:, column])
        label = churned[known]
        positives = int(label.sum())
        negatives = len(label) - positives
        if positives and negatives:
            ranks = rankdata(-scores[known, column])
            result[column] = (ranks[label].sum() - positives * (positives + 1) / 2) / (
                positives * negatives
            )
    return result


def _scores(components: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The health score of each row for each weight vector (rows of ``weights``):
    the weighted mean over the components with data."""
    present = ~np.isnan(components)
    numerator = np.nan_to_num(components) @ weights.T
    denominator = present.astype(float) @ weights.T
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def _grid(step: int) -> np.ndarray:
    """Every split of 100 % into the five components in steps of ``step`` %."""
    parts = 100 // step
    rows = [
        counts
        for counts in itertools.product(range(parts + 1), repeat=len(COMPONENTS) - 1)
        if sum(counts) <= parts
    ]
    grid = np.array([[*counts, parts - sum(counts)] for counts in rows], dtype=float)
    return grid * step


def _near(best: np.ndarray, step: int) -> np.ndarray:
    """The weights within one ``step`` (per component) of ``best``, summing to 100."""
    moves = itertools.product((-step, 0, step), repeat=len(COMPONENTS))
    candidates = np.array([best + np.array(move) for move in moves], dtype=float)
    keep = (candidates >= 0).all(axis=1) & np.isclose(candidates.sum(axis=1), 100)
    return candidates[keep]


def fit_weights(engine: Engine, as_of: date, model: HealthModelConfig) -> FittedWeights:
    cutoffs = cutoff_dates(engine, HORIZON_DAYS, as_of)
    tested = cutoffs[-max(1, len(cutoffs) // 4) :] if cutoffs else []
    trained = [day for day in cutoffs if tested and day + timedelta(days=HORIZON_DAYS) <= tested[0]]
    if not trained:
        raise NotEnoughData(
            "weights are fitted on the book's history (churns with dates, months of "
            "usage and interactions); this book has too little of it"
        )
    frame = _observations(engine, cutoffs, model)
    components = frame.select(f"{c}_score" for c in COMPONENTS).to_numpy().astype(float)
    churned = frame["churned"].to_numpy()
    train = frame["cutoff"].is_in(trained).to_numpy()
    test = frame["cutoff"].is_in(tested).to_numpy()
    if churned[train].sum() == 0 or churned[test].sum() == 0:
        raise NotEnoughData("no account churned after the earlier or the later cut-offs")
    coarse = _grid(10)
    best = coarse[np.nanargmax(_aucs(_scores(components[train], coarse), churned[train]))]
    fine = _near(best, 5)
    train_aucs = _aucs(_scores(components[train], fine), churned[train])
    best = fine[np.nanargmax(train_aucs)]
    in_force = np.array([model.weights[c] for c in COMPONENTS], dtype=float)
    in_force = in_force / in_force.sum() * 100
    test_aucs = _aucs(_scores(components[test], np.vstack([best, in_force])), churned[test])
    return FittedWeights(
        weights={c: float(w) for c, w in zip(COMPONENTS, best, strict=True)},
        in_force={c: round(float(w), 1) for c, w in zip(COMPONENTS, in_force, strict=True)},
        train_auc=round(float(np.nanmax(train_aucs)), 4),
        test_auc=round(float(test_aucs[0]), 4),
        test_auc_in_force=round(float(test_aucs[1]), 4),
        trained_on=trained,
        tested_on=tested,
    )


def describe(fitted: FittedWeights) -> list[str]:
    """The fit in words: the cut-offs, each component's weight in force and fitted,
    and the AUC of both on the later cut-offs."""
    trained, tested = fitted.trained_on, fitted.tested_on
    lines = [
        f"Fitted on {len(trained)} monthly cut-offs ({trained[0]} to {trained[-1]}), tested "
        f"on {len(tested)} later ones ({tested[0]} to {tested[-1]}); churn within 90 days.",
        f"  {'component':<12} {'in force':>9} {'fitted':>7}",
    ]
    lines += [
        f"  {name:<12} {fitted.in_force[name]:>7.1f} % {fitted.weights[name]:>5.0f} %"
        for name in COMPONENTS
    ]
    lines.append(
        f"ROC AUC on the later cut-offs: fitted {fitted.test_auc:.3f}, in force "
        f"{fitted.test_auc_in_force:.3f} (fitted, on the earlier ones: {fitted.train_auc:.3f})."
    )
    return lines


def previous_path(path: Path) -> Path:
    """Where the health model replaced by ``apply_weights`` is kept."""
    return path.with_name(f"{path.stem}.previous{path.suffix}")


def apply_weights(path: Path, weights: dict[str, float]) -> Path:
    """Write ``weights`` into the health model file ``path`` (its [weights] table;
    every other key and comment stays), after keeping the file as it was (or an
    empty one: the shipped defaults) at ``previous_path``, which ``restore_previous``
    brings back. Returns that path. A file that is not valid TOML is refused
    (ConfigFileError, with its line) and nothing is written."""
    read_config(path)  # a broken file: refused here, before anything is written
    kept = previous_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text(path.read_text(encoding="utf-8") if path.exists() else "", encoding="utf-8")
    kept.chmod(0o600)  # as the config files: yours alone

    def change(document: object) -> None:
        import tomlkit

        table = document.setdefault("weights", tomlkit.table())  # type: ignore[attr-defined]
        for component in COMPONENTS:
            table[component] = int(weights[component])

    edit_config(path, change)
    return kept


def restore_previous(path: Path) -> None:
    """Bring back the health model that the last ``apply_weights`` replaced; the one
    in force becomes the previous one (so a restore can be undone the same way)."""
    kept = previous_path(path)
    if not kept.exists():
        raise FileNotFoundError(f"no previous health model next to {path}")
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(kept.read_text(encoding="utf-8"), encoding="utf-8")
    kept.write_text(current, encoding="utf-8")


def with_weights(model: HealthModelConfig, weights: dict[str, float]) -> HealthModelConfig:
    return replace(model, weights=dict(weights), source="fitted weights")
