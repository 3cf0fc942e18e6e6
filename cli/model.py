"""``cxtui model``: a churn model fitted on the book, and what predicts churn in it."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import DbOption, fail, open_db, parse_day
from cli.health import AsOf, Json, _model

if TYPE_CHECKING:
    from core.churn.fit import ModelReport


class Kind(StrEnum):
    logistic = "logistic"
    boosting = "boosting"


KIND_WORDS = {"logistic": "logistic regression", "boosting": "gradient boosting"}


def model_commands(app: typer.Typer) -> None:
    group = typer.Typer(help="A churn model fitted on your own book.", no_args_is_help=True)
    group.command("fit")(fit)
    app.add_typer(group, name="model")


def fit(
    db: DbOption = None,
    model: Annotated[
        Kind, typer.Option("--model", help="logistic (regression, the default) or boosting.")
    ] = Kind.logistic,
    as_of: AsOf = None,
    as_json: Json = False,
) -> None:
    """Fit a churn model on the book and say how well it predicts churn, and from
    what. A book with dated churns is trained on earlier monthly cut-offs and tested
    on later ones (churn within 90 days, features from the data before each
    cut-off); a book that is one snapshot (statuses, no dates) is cross-validated in
    5 stratified folds. Reads only; nothing is written."""
    from core.churn.features import NotEnoughData, book_features
    from core.churn.fit import fit_model

    today = parse_day(as_of)
    engine = open_db(db)
    try:
        report = fit_model(book_features(engine, today, _model()), model.value)
    except NotEnoughData as error:
        fail(f"no churn model: {error}")
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        typer.echo("\n".join(report_lines(report)))


def report_lines(report: ModelReport) -> list[str]:
    """The report in words: the fit, its validation and AUC, the drivers, and the
    calibration by tenth of predicted risk."""
    lines = [
        f"Churn model: {KIND_WORDS[report.model]}, on {report.n_accounts:,} accounts "
        f"({report.n_churned:,} churned; {report.observations:,} observations)",
        f"Validation: {report.validation}.",
        f"AUC {report.auc:.3f}: the chance that a churned account is rated more at risk "
        "than one that stayed (0.5 is a coin toss, 1 is perfect).",
        "",
        "What predicts churn in this book (share of the model's weight):",
    ]
    width = max((len(driver.feature) for driver in report.drivers), default=0)
    lines += [
        f"  {driver.feature:<{width}}  {driver.direction:<12}  {driver.weight:5.1f} %"
        for driver in report.drivers
    ]
    lines += ["", "Predicted against observed churn, by tenth of predicted risk (1 = lowest):"]
    lines += [
        f"  {tenth.tenth:>2}  predicted {tenth.predicted_pct:5.1f} %  observed "
        f"{tenth.observed_pct:5.1f} %  ({tenth.accounts:,} accounts)"
        for tenth in report.calibration
    ]
    return lines
