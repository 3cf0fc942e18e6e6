"""``cxtui model``: a churn model fitted on the book, and what predicts churn in it."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import AsOfOption, DbOption, fail, open_book, open_db, parse_day
from cli.health import Json, _model
from core.text import visible

if TYPE_CHECKING:
    from datetime import date

    from sqlalchemy import Engine

    from core.churn.fit import ModelReport


class Kind(StrEnum):
    logistic = "logistic"
    boosting = "boosting"


KIND_WORDS = {"logistic": "logistic regression", "boosting": "gradient boosting"}


def model_commands(app: typer.Typer) -> None:
    group = typer.Typer(help="A churn model fitted on your own book.", no_args_is_help=True)
    group.command("fit")(fit)
    group.command("apply")(apply)
    group.command("restore")(restore)
    app.add_typer(group, name="model")
    app.command("forecast")(forecast)


def fit(
    db: DbOption = None,
    model: Annotated[
        Kind, typer.Option("--model", help="logistic (regression, the default) or boosting.")
    ] = Kind.logistic,
    as_of: AsOfOption = None,
    as_json: Json = False,
) -> None:
    """Fit a churn model on the book and say how well it predicts churn, and from
    what. A book with dated churns is trained on earlier monthly cut-offs and tested
    on later ones (churn within 90 days, features from the data before each
    cut-off); a book that is one snapshot (statuses, no dates) is cross-validated in
    5 stratified folds. The logistic regression is kept as the model in force (every
    fit is kept): each account's churn risk comes from it."""
    from core.churn.features import NotEnoughData, book_features
    from core.churn.fit import fit_model
    from core.churn.risk import keep_model
    from core.config.settings import load_settings

    today = parse_day(as_of)
    engine = open_db(db)
    try:
        report = fit_model(book_features(engine, today, _model()), model.value)
        if report.definition is not None:
            keep_model(engine, report, load_settings().author)
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


def apply(
    db: DbOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the fitted weights; write nothing.")
    ] = False,
    as_of: AsOfOption = None,
) -> None:
    """Fit the health score's component weights on the book's history and use them:
    the weights whose score best ranks the accounts that churned within 90 days of
    the earlier monthly cut-offs, tested on the later ones beside the weights in
    force. Written to health.toml (the file as it was is kept: `cxtui model
    restore`); the score stays contributions that add up to it."""
    from core.churn.features import NotEnoughData
    from core.churn.weights import apply_weights, describe, fit_weights
    from core.health.config import config_path

    today = parse_day(as_of)
    engine = open_db(db)
    try:
        fitted = fit_weights(engine, today, _model())
    except NotEnoughData as error:
        engine.dispose()
        fail(f"no weights fitted: {error}")
    typer.echo("\n".join(describe(fitted)))
    if dry_run:
        engine.dispose()
        typer.echo("Dry run: nothing written.")
        return
    path = config_path()
    try:
        kept = apply_weights(path, fitted.weights)
    except ValueError as error:  # ConfigFileError: the file and line
        engine.dispose()
        fail(f"nothing written: {error}")
    typer.echo(f"Written to {path}; the model before is kept in {kept} (`cxtui model restore`).")
    _rescore(engine, today)


def _rescore(engine: Engine, today: date) -> None:
    """Today's health scores again, with the model now in force (and the engine closed)."""
    from core.health import recompute_all

    try:
        written = recompute_all(engine, as_of=today, model=_model())
    finally:
        engine.dispose()
    typer.echo(f"Today's health scores recomputed with it: {written:,} accounts.")


def restore(db: DbOption = None, as_of: AsOfOption = None) -> None:
    """Bring back the health model that the last `cxtui model apply` replaced (the
    one in force is kept in its place, so restoring twice undoes the restore)."""
    from core.churn.weights import previous_path, restore_previous
    from core.health.config import config_path

    path = config_path()
    try:
        restore_previous(path)
    except FileNotFoundError:
        fail(f"there is no previous health model ({previous_path(path)} does not exist)")
    typer.echo(f"Restored the previous health model in {path}.")
    _rescore(open_db(db), parse_day(as_of))


def forecast(db: DbOption = None, as_of: AsOfOption = None, as_json: Json = False) -> None:
    """The renewals of the next 30, 60 and 90 days: the MRR up for renewal, the MRR
    expected to stay (each account's MRR x its chance of staying, from the churn
    model in force; none for an account set to cancel at its renewal) with a 95 %
    interval, and the accounts that move it most."""
    from core.churn.features import NotEnoughData
    from core.churn.forecast import cancelling_words, renewal_forecast

    today = parse_day(as_of)
    engine = open_book(db)
    try:
        windows = renewal_forecast(engine, today, _model())
    except NotEnoughData as error:
        fail(f"no forecast: {error}")
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps([window.as_dict() for window in windows], indent=2))
        return
    typer.echo(
        "Renewal forecast: each account's chance of staying is 1 - its 90-day churn risk "
        "(the churn model in force), whatever the window; 0 when it is set to cancel."
    )
    for window in windows:
        typer.echo(
            f"Next {window.days} days: {window.renewals:,} renewals, {money(window.mrr_up)} "
            f"MRR up"
            + (f", {cancelling_words(window)}" if window.set_to_cancel else "")
            + f"; expected to stay {money(window.expected_retained)} "
            f"(95 %: {money(window.retained_low)} to {money(window.retained_high)})"
            + (
                f"; {window.without_risk:,} without a churn risk, counted as staying"
                if window.without_risk
                else ""
            )
        )
    movers = windows[-1].movers
    if movers:
        typer.echo("The renewals that move it most (expected MRR lost):")
        for mover in movers:
            typer.echo(
                f"  {visible(mover.name)} ({mover.external_id}), renews {mover.renewal_date}: "
                f"{money(mover.mrr)} MRR, "
                + (
                    "set to cancel"
                    if mover.set_to_cancel
                    else f"risk {mover.churn_risk_90d * 100:.0f} %"
                )
                + f", {money(mover.expected_loss)} expected lost"
            )


def money(value: float) -> str:
    return f"${value:,.2f}"
