"""``cxtui health``: scores with their explanation, overrides and the backtest."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import typer

from cli.common import (
    AsOfOption,
    DbOption,
    check_band,
    fail,
    fraction_bar,
    need_book,
    open_db,
    parse_day,
    refuse_missing,
    say,
    sqlite_file,
)
from cli.options import as_of_option, band_option, json_option
from core.dates import DAY_HINT, MAX_HORIZON_DAYS
from core.health.config import BANDS
from core.text import visible

if TYPE_CHECKING:
    from pathlib import Path

    import polars as pl
    from sqlalchemy import Engine

    from core.health import HealthModelConfig
    from core.health.backtest import BacktestResult
    from core.store.sqlite_file import SqliteFile


Json = json_option("Print JSON instead of a table.")
ListedBand = band_option("Only accounts in this band: red, yellow, green.")
OverrideBand = band_option("The band to show instead: red, yellow, green.")
ReadAsOf = as_of_option(
    "The day (YYYY-MM-DD; default today) whose scores are shown: those in force then, "
    "the latest computed on or before it. Saved for it only with --recompute, or when "
    "the book has no score at all; today's when today has none."
)


def health_commands(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Customer health scores: why each score is what it is, overrides, backtest. "
        "Listing them saves today's scores first when today has none, as the app does; "
        "--read-only saves nothing.",
        no_args_is_help=False,
    )
    group.callback(invoke_without_command=True)(health)
    group.command("override")(override)
    group.command("backtest")(backtest)
    group.command("backfill")(backfill)
    app.add_typer(group, name="health")


def _model() -> HealthModelConfig:
    """The health model; a broken health.toml is reported and the defaults are used."""
    from core.health import load_model

    model, warnings = load_model()
    for warning in warnings:
        typer.echo(f"cxtui: {warning}", err=True)
    return model


def _account_id(engine: Engine, external_id: str) -> int:
    from core.interactions import account_id_of

    found = account_id_of(engine, external_id)
    if found is None:
        fail(f"there is no account {external_id!r}")
    return found


def _recompute(
    db: Engine | SqliteFile, today: date, model: HealthModelConfig, asked: bool = True
) -> None:
    """Score every live account on ``today`` and save the scores: asked (--recompute),
    or not (the day has no score yet), which the line on stderr says."""
    from core.health import recompute_all

    with fraction_bar("Recomputing health scores", err=True) as progress:
        written = recompute_all(db, today, model, progress=progress)
    done = f"Health recomputed for {written:,} live accounts as of {today.isoformat()}"
    why = "." if asked else " and saved: that day had no score (--read-only saves nothing)."
    typer.echo(done + why, err=True)


def _health_of_file(
    db: Path | None,
    today: date,
    model: HealthModelConfig,
    write: Write,
    account: str | None,
) -> pl.DataFrame | None:
    """The health in force of every live account (of ``account`` alone, when given),
    recomputed first with --recompute, when no score is stored or when today has none
    (``_unscored``; never with --read-only), read from the SQLite file itself without
    SQLAlchemy (~1 s of imports). None when the engine's way is needed: PostgreSQL, a schema to
    migrate, a file locked meanwhile (nothing was written then), a fitted churn model
    (its risks are computed through the engine); for one account, a recompute to do
    or an account that is not live (the engine's way says whether it exists, before
    anything is recomputed)."""
    import polars as pl

    from core.health.store import current_health, has_churn_model, has_snapshots
    from core.store.sqlite_file import FileReadError

    file = sqlite_file(db)
    if file is None:
        return None
    try:
        if has_churn_model(file):
            return None
        if write.recompute or (write.when_missing and not has_snapshots(file)):
            if account is not None:
                return None
            _recompute(file, today, model, write.recompute)
        frame = current_health(file, today, model=model)
        if write.when_missing and _unscored(frame, today):
            if account is not None:
                return None
            _recompute(file, today, model, asked=False)
            frame = current_health(file, today, model=model)
    except FileReadError:
        return None
    if account is None:
        return frame
    frame = frame.filter(pl.col("external_id") == account)
    return None if frame.is_empty() else frame


def health(
    ctx: typer.Context,
    db: DbOption = None,
    account: Annotated[
        str | None,
        typer.Option("--account", help="One account (external id), with its full explanation."),
    ] = None,
    band: ListedBand = None,
    as_json: Json = False,
    recompute: Annotated[
        bool,
        typer.Option(
            "--recompute",
            help="Recompute every score first (with progress), then print a summary "
            "(with --all, every account).",
        ),
    ] = False,
    every: Annotated[
        bool, typer.Option("--all", help="With --recompute: list every account, not a summary.")
    ] = False,
    as_of: ReadAsOf = None,
    read_only: Annotated[
        bool,
        typer.Option(
            "--read-only",
            help="Save nothing: print the scores as stored, of the day they were computed "
            "(said on stderr when older than the day asked).",
        ),
    ] = False,
) -> None:
    """Every live account's health score, riskiest first (score, band, 30-day trend,
    override); --account explains one score component by component. Reading also
    saves: when today has no score yet, every account is scored and saved first, as
    the app and `cxtui mcp` do at start (a book with no score at all is scored on the
    day asked), and stderr says so; --read-only saves nothing."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = db
        return
    import polars as pl

    from core.health import current_health, has_snapshots, health_object

    check_band(band)
    today = parse_day(as_of)
    if read_only:
        if recompute:
            fail("--read-only saves nothing: it cannot be used with --recompute")
        refuse_missing(db, "--read-only")
    need_book(db)
    write = Write(recompute, when_missing=not (recompute or read_only))
    model = _model()
    summary = recompute and not (every or as_json or account or band)
    frame = _health_of_file(db, today, model, write, account)
    if frame is None:  # the engine's way
        engine = open_db(db)
        try:
            ids = None if account is None else [_account_id(engine, account)]
            day = today if today == date.today() else None
            if recompute or (write.when_missing and not has_snapshots(engine, day)):
                _recompute(engine, today, model, recompute)
            frame = current_health(engine, today, ids, model=model)
            if not summary:
                risk = _churn_risk(engine, today, model)
                frame = frame.join(risk, on="account_id", how="left")
        finally:
            engine.dispose()
    if account is not None and frame.height == 0:
        fail(f"account {account!r} is not live on {today.isoformat()} (it has churned)")
    if read_only:
        _say_stored_day(frame, today)
    if band is not None:
        frame = frame.filter(pl.col("band") == band)
    frame = frame.sort(["score", "name"], nulls_last=True)
    if summary:
        _summary(frame)
        return
    objects = [health_object(row) for row in frame.to_dicts()]
    if as_json:
        typer.echo(json.dumps(objects, indent=2))
    elif account is not None:
        _explain(objects[0], frame.row(0, named=True)["day"])
    else:
        _table(objects)


class Write(NamedTuple):
    """What ``cxtui health`` may save before printing: every score (--recompute), the
    day's scores when it has none (the default), or nothing (--read-only)."""

    recompute: bool
    when_missing: bool


def _say_stored_day(frame: pl.DataFrame, today: date) -> None:
    """With --read-only, the day of the scores printed when none is of ``today``."""
    days = frame.get_column("day").drop_nulls()
    if days.is_empty():
        say("--read-only: no health score is stored yet; without it they are computed")
    elif days.max() < today:
        saving = (
            "without --read-only they are computed and saved"
            if today == date.today()
            else f"--recompute --as-of {today.isoformat()} computes and saves them"
        )
        say(
            f"--read-only: the scores are of {days.max()}; none is stored for "
            f"{today.isoformat()} ({saving})"
        )


def _unscored(frame: pl.DataFrame, today: date) -> bool:
    """Whether ``frame`` (``current_health``) is of the real today and none of its
    scores is of today: the app and the MCP server score such a day first, and so
    does ``cxtui health``. A day asked with --as-of is read as it was stored."""
    import polars as pl

    return (
        today == date.today()
        and frame.height > 0
        and frame.filter(pl.col("day") == today).is_empty()
    )


SUMMARY_RISKIEST = 5
NO_DATA = "no data"
"""The band of an account without a score (``core.health.scoring.NO_DATA``), as the
JSON says it; a person reads "no score", as the app says."""


def band_words(band: str | None) -> str:
    """A band as people read it: "no score" for the band of an account without one."""
    return "no score" if band == NO_DATA else band or "-"


def _summary(frame: pl.DataFrame) -> None:
    """After a recompute: how many accounts in each band, and the riskiest few."""
    import polars as pl

    counts = dict(frame.group_by("band").len().iter_rows())
    parts = [f"{counts.get(band, 0):,} {band_words(band)}" for band in (*BANDS[::-1], NO_DATA)]
    typer.echo(f"{frame.height:,} live accounts: " + ", ".join(parts) + ".")
    if counts.get(NO_DATA, 0):
        from core.health.signals import no_score_why

        unscored = frame.filter(pl.col("band") == NO_DATA)
        unsubscribed = unscored["left_out"].str.contains('"commercial"').sum()
        why = no_score_why(unscored.height, unsubscribed)
        typer.echo(f"No score for {counts[NO_DATA]:,} of them: {why}.")
    riskiest = frame.filter(pl.col("score").is_not_null()).head(SUMMARY_RISKIEST)
    if riskiest.height:
        typer.echo("Lowest scores:")
        for row in riskiest.iter_rows(named=True):
            typer.echo(
                f"  {visible(row['name'])} ({row['external_id']}): {row['score']:.1f} {row['band']}"
            )
    typer.echo("Every account: `cxtui health` (or --recompute --all); one: --account ID.")


def _churn_risk(engine: Engine, today: date, model: HealthModelConfig) -> pl.DataFrame:
    """Each account's churn risk from the churn model in force (none without one:
    scikit-learn is not needed for it)."""
    from core.churn.risk import churn_risk

    return churn_risk(engine, today, model)


def _number(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def _table(objects: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, header_style="bold")
    for name, justify in [
        ("Account", "left"),
        ("Name", "left"),
        ("Score", "right"),
        ("Band", "left"),
        ("Trend", "left"),
        ("Override", "left"),
    ]:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for item in objects:
        override = item["override"]
        marker = ""
        if override is not None:  # what it set: a score, or the band over the computed one
            what = "band set" if override["score"] is None else "score set"
            marker = (
                f"* {what}, computed {_number(item['computed_score'])},"
                f" until {override['expires_on']}"
            )
        table.add_row(  # names as Text: a string would be read as markup
            Text(visible(item["account"])),
            Text(visible(item["name"])),
            _number(item["score"]),
            band_words(item["band"]),
            (item["trend_30d"] or "-")
            + (" (red this week)" if item["dropped_to_red_this_week"] else ""),
            marker,
        )
    Console(width=160).print(table)
    if not objects:
        typer.echo("No accounts.")


def _explain(item: dict[str, Any], day: date | None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(width=160)
    when = f" (computed on {day.isoformat()})" if day else ""
    console.print(  # Text, never markup: names and reasons are the book's
        Text.assemble(
            (visible(item["account"]), "bold"),
            f" {visible(item['name'])}: "
            + (
                "no score"
                if item["band"] == NO_DATA
                else f"score {_number(item['score'])}, {item['band'] or 'no band'}"
            )
            + f", 30-day trend {item['trend_30d'] or '-'}{when}",
        ),
        highlight=False,
    )
    override = item["override"]
    if override is not None:
        value = " ".join(
            part
            for part in (
                None if override["score"] is None else f"score {override['score']:.1f}",
                f"band {override['band']}" if override["band"] else None,
            )
            if part
        )
        console.print(
            Text(
                f"Override: {value} until {override['expires_on']} "
                f"({visible(override['reason'])}); computed {_number(item['computed_score'])}"
            ),
            highlight=False,
        )
    table = Table(show_edge=False, header_style="bold")
    for name in ("Component", "Signals", "Score", "Weight %", "Contribution"):
        table.add_column(name, justify="left" if name in ("Component", "Signals") else "right")
    from core.health.signals import signal_words

    for component, part in item["components"].items():
        signals = ", ".join(signal_words(part["raw"])) or "no data"
        table.add_row(
            component,
            signals,
            _number(part["score"]),
            _number(part["weight_pct"], ".2f"),
            _number(part["contribution"], ".2f"),
        )
    console.print(table)
    if item["left_out"]:
        from core.health.signals import left_out_why

        why = [f"{component} ({left_out_why(component)})" for component in item["left_out"]]
        console.print(f"Left out: {', '.join(why)}", highlight=False)
    if item["score"] is None and item["override"] is None:
        from core.health.signals import no_score_why

        why = no_score_why(1, int("commercial" in item["left_out"]))
        console.print(f"No score: {why}. No data is not good news.", highlight=False)


def override(
    ctx: typer.Context,
    external_id: Annotated[str, typer.Argument(help="The account's external id.")],
    score: Annotated[
        float | None, typer.Option("--score", help="The score to show instead (0-100).")
    ] = None,
    band: OverrideBand = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why the computed score is wrong (required).")
    ] = None,
    expires: Annotated[
        str | None,
        typer.Option(
            "--expires",
            metavar="DAY",
            help=f"Day the override ends ({DAY_HINT}); default in 30 days.",
        ),
    ] = None,
    end: Annotated[
        bool, typer.Option("--end", help="End the account's active override now.")
    ] = False,
    db: DbOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Set a CS manager's score or band over the computed one, with a reason and an
    expiry; the computed score comes back by itself on the expiry day."""
    from core.config.settings import load_settings
    from core.health import HealthOverrideError, end_override, set_override

    user = load_settings().current_user
    if not user:
        fail("an override records who set it: set CXTUI_USER or user in the config file")
    today = parse_day(as_of)
    expires_on = None if expires is None else parse_day(expires, "--expires", today)
    if end and (score is not None or band is not None or reason is not None):
        fail("--end takes no --score, --band or --reason")
    if not end and reason is None:
        fail("--reason is required: say why the computed score is wrong")
    engine = open_db(db if db is not None else ctx.obj)
    try:
        account_id = _account_id(engine, external_id)
        if end:
            ended = end_override(engine, account_id, user, as_of=today)
            typer.echo(
                f"Ended the override of {external_id}."
                if ended
                else f"{external_id} has no active override."
            )
            return
        try:
            set_override(
                engine,
                account_id,
                reason=reason or "",
                score=score,
                band=band,
                expires_on=expires_on,
                set_by=user,
                as_of=today,
            )
        except HealthOverrideError as error:
            fail(str(error))
    finally:
        engine.dispose()
    shown = " and ".join(
        part
        for part in (
            None if score is None else f"score {score:g}",
            None if band is None else f"band {band}",
        )
        if part
    )
    until = expires_on.isoformat() if expires_on else "30 days from today"
    typer.echo(f"{external_id}: {shown} until {until} (computed score still shown beside it).")


def backtest(
    ctx: typer.Context,
    horizon: Annotated[
        int, typer.Option("--horizon", help="Days after each cut-off in which churn counts.")
    ] = 90,
    as_json: Json = False,
    db: DbOption = None,
    as_of: AsOfOption = None,
) -> None:
    """How well the score predicted churn: scores recomputed as of monthly cut-offs
    over the last year, churn rate per band and the ROC AUC."""
    from core.health.backtest import backtest as run_backtest

    if not 1 <= horizon <= MAX_HORIZON_DAYS:
        fail(f"--horizon must be 1 to {MAX_HORIZON_DAYS:,} days, not {horizon:,}")
    today = parse_day(as_of)
    model = _model()
    engine = open_db(db if db is not None else ctx.obj)
    try:
        result = run_backtest(engine, horizon, model, today)
    finally:
        engine.dispose()
    previous = _previous_backtest(db if db is not None else ctx.obj, horizon, today)
    if as_json:
        document = result.as_dict()
        if previous is not None:
            document["previous_model"] = previous.as_dict()
        typer.echo(json.dumps(document, indent=2))
        return
    if not result.cutoffs:
        typer.echo(f"Not enough history for a {horizon}-day backtest.")
        return
    auc = "n/a (needs churners and survivors)" if result.auc is None else f"{result.auc:.3f}"
    typer.echo(
        f"Backtest over {len(result.cutoffs)} cut-offs "
        f"({result.cutoffs[0].isoformat()} to {result.cutoffs[-1].isoformat()}), "
        f"horizon {horizon} days: {result.observations:,} account-cut-offs, "
        f"{result.churned:,} churned."
    )
    typer.echo(f"ROC AUC of the score: {auc}")
    for outcome in result.bands:
        rate = "-" if outcome.churn_rate_pct is None else f"{outcome.churn_rate_pct:.1f} %"
        counts = f"{outcome.accounts:>7,} scored, {outcome.churned:>6,} churned"
        typer.echo(f"  {outcome.band:<7} {counts}: {rate}")
    if previous is not None and previous.auc is not None:
        typer.echo(
            f"The model before the last `cxtui model apply`: ROC AUC {previous.auc:.3f} "
            "(same cut-offs; `cxtui model restore` brings it back)."
        )


def backfill(
    ctx: typer.Context,
    weeks: Annotated[
        int, typer.Option("--weeks", help="How many weeks back from today to score.")
    ] = 13,
    db: DbOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Score the past: the day each week back from today that has no scores yet (an
    imported book has none), with today's health model and the data as it stands
    now, so that trends and past months' band counts show at once."""
    from core.health.backfill import MAX_BACKFILL_WEEKS
    from core.health.backfill import backfill as run_backfill

    if not 1 <= weeks <= MAX_BACKFILL_WEEKS:
        fail(f"--weeks must be 1 to {MAX_BACKFILL_WEEKS}, not {weeks:,}")
    today = parse_day(as_of)
    if today > date.today():
        fail(f"--as-of {today} is after today ({date.today()}): only past days are scored")
    engine = open_db(db if db is not None else ctx.obj)
    try:
        with fraction_bar("Scoring past weeks", err=True) as progress:
            done = run_backfill(engine, today, weeks, progress)
    finally:
        engine.dispose()
    if done.scored:
        first, last = done.scored[0].isoformat(), done.scored[-1].isoformat()
        typer.echo(
            f"Scored {len(done.scored)} past days from {first} to {last} (each week's day"
            " without scores), with today's health model and the data as it stands now."
        )
    else:
        typer.echo("No past day was scored.")
    if done.kept:
        typer.echo(f"Kept {len(done.kept)} days that had scores (history is not rewritten).")
    if done.empty:
        typer.echo(f"{len(done.empty)} days had no live account (before the book's first start).")


def _previous_backtest(db: Path | None, horizon: int, today: date) -> BacktestResult | None:
    """The backtest of the health model that `cxtui model apply` replaced, if any."""
    from core.churn.weights import previous_path
    from core.health import load_model
    from core.health.backtest import backtest as run_backtest
    from core.health.config import config_path

    kept = previous_path(config_path())
    if not kept.exists():
        return None
    model, _warnings = load_model(kept)
    engine = open_db(db)
    try:
        return run_backtest(engine, horizon, model, today)
    finally:
        engine.dispose()
