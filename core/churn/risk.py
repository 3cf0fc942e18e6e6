"""Each account's churn risk from the churn model in force: the latest logistic
regression that ``cxtui model fit`` kept (every fit is kept in ``churn_model``).

The model is stored as numbers (``core.churn.fit._definition``), never as code, and
applied here with numpy: a missing value becomes the training median (with its
"no data" indicator), every column is standardised as in training, and the
probability is the logistic of the weighted sum. For a model fitted on history it is
the chance of churning within the next 90 days; for one fitted on a snapshot
(statuses, no dates), the chance of being among the accounts that churn, over the
book's own horizon, which ``risk_basis`` says.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine, select
from sqlmodel import Session

from core.churn import RISK
from core.churn.features import features_today
from core.churn.fit import ModelReport, to_matrix
from core.health.config import HealthModelConfig
from core.models import ChurnModel
from core.store.frames import read_frame


@dataclass(frozen=True)
class ModelInForce:
    id: int
    fitted_at: Any
    fitted_by: str
    history: bool
    auc: float
    definition: dict[str, Any]

    @property
    def risk_basis(self) -> str:
        if self.history:
            return "churn within the next 90 days (a model fitted on the book's history)"
        return "churn as in the book's own statuses (a model fitted on a snapshot, no dates)"


def keep_model(engine: Engine, report: ModelReport, fitted_by: str) -> int:
    """Keep a fitted logistic regression as the model in force; returns its id."""
    if report.definition is None:
        raise ValueError("only a logistic regression is kept as the churn model in force")
    row = ChurnModel(
        fitted_by=fitted_by.strip()[:80] or "unknown",
        history=bool(report.definition["history"]),
        auc=report.auc,
        validation=report.validation,
        definition=json.dumps(report.definition),
    )
    with Session(engine) as session:
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


def model_in_force(engine: Engine) -> ModelInForce | None:
    frame = read_frame(
        engine,
        select(
            ChurnModel.id,
            ChurnModel.fitted_at,
            ChurnModel.fitted_by,
            ChurnModel.history,
            ChurnModel.auc,
            ChurnModel.definition,
        )
        .order_by(ChurnModel.id.desc())  # type: ignore[union-attr]
        .limit(1),
    )
    if frame.is_empty():
        return None
    row = frame.row(0, named=True)
    row["definition"] = json.loads(row["definition"])
    row["history"] = bool(row["history"])
    return ModelInForce(**row)


def probabilities(definition: dict[str, Any], values: np.ndarray) -> np.ndarray:
    """The fitted pipeline (impute, indicators, standardise, logistic) on ``values``."""
    missing = np.isnan(values)
    filled = np.where(missing, np.array(definition["medians"]), values)
    indicators = missing[:, definition["indicators"]].astype(float)
    full = np.hstack([filled, indicators])
    scaled = (full - np.array(definition["means"])) / np.array(definition["scales"])
    logit = scaled @ np.array(definition["coefficients"]) + definition["intercept"]
    return 1.0 / (1.0 + np.exp(-logit))


def churn_risk(
    engine: Engine,
    as_of: date,
    model: HealthModelConfig,
    account_ids: list[int] | None = None,
    in_force: ModelInForce | None = None,
) -> pl.DataFrame:
    """account_id and ``churn_risk_90d`` (0-1) of the accounts that are customers at
    ``as_of`` (of ``account_ids``); empty when no churn model has been fitted."""
    in_force = in_force or model_in_force(engine)
    if in_force is None:
        return pl.DataFrame(schema={"account_id": pl.Int64, RISK: pl.Float64})
    features = features_today(engine, as_of, model, in_force.history, account_ids)
    matrix = to_matrix(features, in_force.definition["columns"])
    risk = probabilities(in_force.definition, matrix.values)
    return features.frame.select("account_id").with_columns(pl.Series(RISK, risk).round(4))


def list_risk(
    engine: Engine, as_of: date, model: HealthModelConfig | None = None
) -> tuple[pl.DataFrame, ModelInForce | None]:
    """For the accounts list: ``id`` and ``churn_risk_90d`` of every customer at
    ``as_of``, and the model in force (None, and no rows, without one)."""
    from core.health.config import load_model

    in_force = model_in_force(engine)
    if in_force is None:
        return pl.DataFrame(schema={"id": pl.Int64, RISK: pl.Float64}), None
    risk = churn_risk(engine, as_of, model or load_model()[0], in_force=in_force)
    return risk.rename({"account_id": "id"}), in_force


def risk_words(
    engine: Engine, account_id: int, as_of: date, model: HealthModelConfig | None = None
) -> str | None:
    """One account's churn risk in words, for the 360; None without a churn model
    (or for an account that is not a customer). ``model``: the health model whose
    signals it reads (default: the one in force)."""
    from core.health.config import load_model

    in_force = model_in_force(engine)
    if in_force is None:
        return None
    model = model or load_model()[0]
    risk = churn_risk(engine, as_of, model, [account_id], in_force)
    if risk.is_empty():
        return None
    when = "within 90 days" if in_force.history else "(a model of statuses, no dates)"
    return (
        f"{risk[RISK][0] * 100:.0f} % {when}: churn model of "
        f"{in_force.fitted_at:%Y-%m-%d}, AUC {in_force.auc:.2f}"
    )
