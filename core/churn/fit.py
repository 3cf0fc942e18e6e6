"""Fit a churn model on the book and say how well it predicts, and from what.

The default model is a logistic regression on standardised features (a missing
value is the feature's median plus a "no data" indicator; a category is one column
per value); ``boosting`` is scikit-learn's histogram gradient boosting. Either is
validated without leakage: on a book with history, trained on earlier cut-offs and
tested on later ones whose horizon does not overlap the training labels'; on a
snapshot, by stratified 5-fold cross-validation. The drivers come from a fit on
every row: the logistic regression's standardised coefficients, or the boosting's
permutation importance (with the direction of each feature's link to the risk).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import polars as pl

from core.churn.features import CUTOFF, HORIZON_DAYS, LABEL, Features, NotEnoughData

MODELS = ("logistic", "boosting")
FOLDS = 5
TOP_DRIVERS = 10
NO_DATA = "no data"


@dataclass(frozen=True)
class Driver:
    feature: str  # as a person reads it: "plan = Month-to-month", "tenure (days)"
    direction: str  # "raises churn" or "lowers churn"
    weight: float  # share of all the drivers' weight, in %


@dataclass(frozen=True)
class CalibrationTenth:
    tenth: int  # 1 = the accounts the model rates least at risk
    accounts: int
    predicted_pct: float
    observed_pct: float


@dataclass(frozen=True)
class ModelReport:
    model: str
    auc: float
    validation: str
    n_accounts: int
    n_churned: int
    observations: int
    tested_cutoffs: list[str] = field(default_factory=list)  # ISO days; none for a snapshot
    drivers: list[Driver] = field(default_factory=list)
    calibration: list[CalibrationTenth] = field(default_factory=list)
    # the fitted logistic regression as numbers (core.churn.risk); None for boosting
    definition: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        document = asdict(self)
        del document["definition"]
        return document


@dataclass(frozen=True)
class Matrix:
    values: np.ndarray
    names: list[str]  # one per column, as a person reads it
    columns: list[list[str]]  # one per column: [feature] or [category feature, value]


def to_matrix(features: Features, columns: list[list[str]] | None = None) -> Matrix:
    """Numbers for scikit-learn: the numeric features as they are (NaN where
    missing) and one 0/1 column per value of each category; with ``columns`` (a
    fitted model's), exactly those columns, in that order (a value the model never
    saw is in no column)."""
    frame = features.frame
    if columns is None:
        columns = [[column] for column in features.numeric]
        for column in features.categorical:
            seen = frame[column].fill_null(NO_DATA).cast(pl.String).unique().sort()
            columns += [[column, value] for value in seen]
    expressions = [
        pl.col(column[0]).cast(pl.Float64)
        if len(column) == 1
        else (pl.col(column[0]).fill_null(NO_DATA).cast(pl.String) == column[1]).cast(pl.Float64)
        for column in columns
    ]
    names = [
        features.labels.get(column[0], column[0]) + (f" = {column[1]}" if len(column) > 1 else "")
        for column in columns
    ]
    values = frame.select(
        expression.alias(str(i)) for i, expression in enumerate(expressions)
    ).to_numpy()
    return Matrix(values.astype(float), names, columns)


def _estimator(kind: str) -> Any:
    if kind == "boosting":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(
            max_iter=150, learning_rate=0.1, max_leaf_nodes=15, early_stopping=True, random_state=0
        )
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
        StandardScaler(),
        LogisticRegression(solver="newton-cholesky", max_iter=200),
    )


def fit_model(features: Features, kind: str = "logistic") -> ModelReport:
    """Validate and fit a ``kind`` model (MODELS) on ``features``, on one thread:
    scikit-learn's threads spin against each other and the app's on a busy machine
    (boosting on 7k accounts: 13 s on two loaded cores against 1.7 s on one)."""
    import sklearn.ensemble
    import sklearn.linear_model  # noqa: F401  to the thread pools already loaded)
    from threadpoolctl import threadpool_limits

    if kind not in MODELS:
        raise ValueError(f"the model is one of {', '.join(MODELS)}, not {kind!r}")
    with threadpool_limits(limits=1):
        return _fit(features, kind)


def _fit(features: Features, kind: str) -> ModelReport:
    from sklearn.base import clone
    from sklearn.metrics import roc_auc_score

    matrix = to_matrix(features)
    label = features.frame[LABEL].to_numpy().astype(int)
    estimator = _estimator(kind)
    if features.history:
        tested, predicted, validation = _later_cutoffs(features, matrix, label, estimator)
        cutoffs = features.frame.filter(pl.Series(tested))[CUTOFF].unique().sort()
        tested_cutoffs = [day.isoformat() for day in cutoffs]
    else:
        tested, predicted, validation = _folds(matrix, label, estimator)
        tested_cutoffs = []
    final = clone(estimator).fit(matrix.values, label)
    if features.note:
        validation = f"{validation}; {features.note}"
    return ModelReport(
        model=kind,
        auc=round(float(roc_auc_score(label[tested], predicted)), 4),
        validation=validation,
        n_accounts=features.frame["account_id"].n_unique(),
        n_churned=int(features.frame.filter(pl.col(LABEL))["account_id"].n_unique()),
        observations=features.frame.height,
        tested_cutoffs=tested_cutoffs,
        drivers=_drivers(final, kind, matrix, label),
        calibration=calibration(predicted, label[tested]),
        definition=None if kind == "boosting" else _definition(final, matrix, features.history),
    )


def _definition(final: Any, matrix: Matrix, history: bool) -> dict[str, Any]:
    """A fitted logistic regression pipeline as plain numbers (JSON), enough for
    ``core.churn.risk`` to score accounts without scikit-learn or any pickled code."""
    imputer, scaler, regression = (step for _name, step in final.steps)
    return {
        "history": history,
        "columns": matrix.columns,
        "medians": imputer.statistics_.tolist(),
        "indicators": [] if imputer.indicator_ is None else imputer.indicator_.features_.tolist(),
        "means": scaler.mean_.tolist(),
        "scales": scaler.scale_.tolist(),
        "coefficients": regression.coef_[0].tolist(),
        "intercept": float(regression.intercept_[0]),
    }


def _folds(matrix: Matrix, label: np.ndarray, estimator: Any) -> tuple[Any, np.ndarray, str]:
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0)
    predicted = cross_val_predict(
        estimator, matrix.values, label, cv=folds, method="predict_proba"
    )[:, 1]
    validation = (
        f"stratified {FOLDS}-fold cross-validation: the book is one snapshot (statuses, "
        "no churn dates), so there is no earlier and later to train and test on"
    )
    return slice(None), predicted, validation


def _later_cutoffs(
    features: Features, matrix: Matrix, label: np.ndarray, estimator: Any
) -> tuple[Any, np.ndarray, str]:
    """Test on the latest quarter of the cut-offs; train on the cut-offs whose
    horizon ends by the first of those, so no training label is later than a test
    cut-off."""
    from sklearn.base import clone

    cutoffs = features.frame[CUTOFF]
    days = sorted(cutoffs.unique().to_list())
    tests = days[-max(1, len(days) // 4) :]
    trains = [day for day in days if day + timedelta(days=HORIZON_DAYS) <= tests[0]]
    train = cutoffs.is_in(trains).to_numpy()
    test = cutoffs.is_in(tests).to_numpy()
    if not trains or len(set(label[train])) < 2 or len(set(label[test])) < 2:
        raise NotEnoughData(
            "the book's history is too short to train on earlier cut-offs and test on "
            "later ones with churned accounts in both"
        )
    fitted = clone(estimator).fit(matrix.values[train], label[train])
    predicted = fitted.predict_proba(matrix.values[test])[:, 1]
    validation = (
        f"trained on {len(trains)} monthly cut-offs ({trains[0]} to {trains[-1]}), tested "
        f"on the {len(tests)} later ones ({tests[0]} to {tests[-1]}): churn within "
        f"{HORIZON_DAYS} days of each, from the data before it"
    )
    return test, predicted, validation


def _drivers(final: Any, kind: str, matrix: Matrix, label: np.ndarray) -> list[Driver]:
    if kind == "boosting":
        from sklearn.inspection import permutation_importance

        importance = permutation_importance(
            final,
            matrix.values,
            label,
            n_repeats=2,
            random_state=0,
            scoring="roc_auc",
            max_samples=min(1.0, 3000 / len(label)),
        ).importances_mean
        risk = final.predict_proba(matrix.values)[:, 1]
        signs = np.array([_link(matrix.values[:, i], risk) for i in range(len(matrix.names))])
        return _ranked(matrix.names, importance.clip(min=0) * signs)
    imputer, _scaler, regression = final.steps[0][1], final.steps[1][1], final.steps[2][1]
    names = list(matrix.names)
    if imputer.indicator_ is not None:
        names += [f"{matrix.names[i]}: {NO_DATA}" for i in imputer.indicator_.features_]
    return _ranked(names, regression.coef_[0])


def _link(values: np.ndarray, risk: np.ndarray) -> float:
    """+1 when higher values go with a higher predicted risk, else -1."""
    known = ~np.isnan(values)
    if known.sum() < 2 or np.std(values[known]) == 0:
        return 0.0
    return 1.0 if np.corrcoef(values[known], risk[known])[0, 1] >= 0 else -1.0


def _ranked(names: list[str], weights: np.ndarray) -> list[Driver]:
    total = float(np.abs(weights).sum())
    if total == 0:
        return []
    order = np.argsort(-np.abs(weights))[:TOP_DRIVERS]
    return [
        Driver(
            names[i],
            "raises churn" if weights[i] > 0 else "lowers churn",
            round(float(abs(weights[i]) / total * 100), 1),
        )
        for i in order
        if weights[i] != 0
    ]


def calibration(predicted: np.ndarray, observed: np.ndarray) -> list[CalibrationTenth]:
    """Predicted against observed churn by tenth of the predicted risk (1 = lowest)."""
    frame = pl.DataFrame({"p": predicted, "y": observed.astype(float)}).with_columns(
        tenth=(pl.col("p").rank("ordinal") - 1) * 10 // pl.len() + 1
    )
    tenths = (
        frame.group_by("tenth")
        .agg(pl.len().alias("n"), pl.col("p").mean(), pl.col("y").mean())
        .sort("tenth")
    )
    return [
        CalibrationTenth(int(tenth), int(n), round(p * 100, 1), round(y * 100, 1))
        for tenth, n, p, y in tenths.iter_rows()
    ]
