"""Computing health scores: bulk reads of the windows the components need, then
polars from raw signals to component scores, weights, contributions and bands.

Everything honours ``as_of``: windows end at the end of that day (UTC), tickets are
open as of then, the latest survey answer is the latest one by then, and MRR is
rebuilt from the movements up to then. Nothing after ``as_of`` is read, so past
dates can be scored without leaking the future (the backtest relies on it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Union

import polars as pl

from core.accounts.customers import is_customer_on, started_on
from core.health.config import COMPONENTS, SIGNALS, HealthModelConfig, Mapping
from core.health.windows import USAGE_DAYS, signal_days
from core.store.threads import side_by_side

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from core.store.sqlite_file import SqliteFile

NO_DATA = "no data"  # the band of an account without enough signals to score
# The components that say how an account is doing; commercial facts alone (its MRR,
# no contraction) are not enough for a score.
BEHAVIOUR = ("usage", "engagement", "sentiment", "support")
FEW_ACCOUNTS = 20  # up to this many accounts, read through one connection
SURVEY_KINDS = ("nps", "csat")

Source = Union["Engine", "Connection", "SqliteFile"]
"""Where health reads: an engine (bulk reads), a connection (a few accounts' rows),
or a SQLite file (the whole book, without SQLAlchemy: ``core.health.health_sql``)."""


def read_named(
    source: Source,
    names: tuple[str, ...],
    selects: Callable[[], dict[str, Any]],
    days: dict[str, date],
    ids: list[int] | None = None,
) -> dict[str, pl.DataFrame]:
    """The frames of the reads ``names`` by name: those ``selects()`` builds
    (``core.health.queries``), or from a file the same reads compiled ahead on
    ``days`` (``ids`` fill the one compiled on ``health_sql.SILENT``). An engine runs
    them side by side (the drivers release the GIL); a connection one after the other
    (for a handful of rows a cached statement beats a new ADBC connection each)."""
    from core.store.sqlite_file import SqliteFile

    if isinstance(source, SqliteFile):
        from core.health.health_sql import read_sql

        return source.read({name: read_sql(name, days, ids) for name in names})
    from sqlalchemy import Engine

    queries = selects()
    if isinstance(source, Engine):
        from core.store.frames import read_frame

        frames = side_by_side([partial(read_frame, source, queries[name]) for name in names])
        return dict(zip(names, frames, strict=True))
    return {name: _connection_frame(source, queries[name]) for name in names}


def _connection_frame(connection: Connection, query: Any) -> pl.DataFrame:
    from core.store.frames import polars_type

    schema = {
        column.key: polars_type(column.type) or pl.String() for column in query.selected_columns
    }
    rows = connection.execute(query).all()
    return pl.DataFrame([tuple(row) for row in rows], schema=schema, orient="row")


TICKET_READS = ("tickets", "tickets_unresolved", "tickets_resolved_later")
"""The reads whose rows together are the tickets a score looks at (``signal_queries``)."""
SIGNAL_READS = ("accounts", "usage", "interactions", "surveys", *TICKET_READS, "movements")


def read_accounts(source: Source, as_of: date, account_ids: list[int] | None) -> pl.DataFrame:
    """The accounts that are customers at the end of ``as_of`` (``core.accounts.customers``)."""
    days = signal_days(as_of)
    frames = read_named(source, ("accounts",), partial(_signal_queries, days, account_ids), days)
    return frames["accounts"].filter(is_customer_on(as_of))


def _signal_queries(days: dict[str, date], ids: list[int] | None) -> dict[str, Any]:
    from core.health.queries import signal_queries

    return signal_queries(days, ids)


def _earlier_query(days: dict[str, date], silent: list[int]) -> dict[str, Any]:
    from core.health.queries import earlier_contacts_query

    return {"earlier_contacts": earlier_contacts_query(days, silent)}


def _usage_signals(as_of: date, accounts: pl.DataFrame, sums: pl.DataFrame) -> pl.DataFrame:
    """Active-user days in the last 30 days (``recent``) and the 30 before
    (``prior``) per account with usage rows in those 60 days (a product that reports
    usage sends a row a day, 0 or more), as the active-user ratio and the trend."""
    age_days = (pl.lit(as_of) - started_on()).dt.total_days() + 1
    covered = pl.min_horizontal(age_days, pl.lit(USAGE_DAYS))
    return (
        accounts.select("account_id", "seats", "start_date")
        .join(sums, on="account_id", how="inner")
        .select(
            "account_id",
            pl.when(pl.col("seats") > 0)
            .then(pl.col("recent") / covered / pl.col("seats"))
            .alias("usage.active_user_ratio"),
            pl.when((pl.col("prior") > 0) & (age_days > 2 * USAGE_DAYS))
            .then((pl.col("recent") - pl.col("prior")) / pl.col("prior") * 100)
            .alias("usage.trend_pct"),
        )
    )


def _latest_answers(latest: pl.DataFrame) -> pl.DataFrame:
    """The latest NPS and CSAT answer of the year per account (null: none), read as
    such (``core.health.queries.latest_answer``)."""
    return latest.select(
        "account_id",
        *(
            pl.col(f"latest_{kind}").cast(pl.Float64).alias(f"sentiment.latest_{kind}")
            for kind in SURVEY_KINDS
        ),
    )


def _ticket_signals(
    tickets: pl.DataFrame, days: dict[str, date], model: HealthModelConfig
) -> pl.DataFrame:
    """Open tickets, open ones older than the stale age, and the share of the last 90
    days' tickets first answered slowly, per account, as at the end of the window."""
    from datetime import timedelta

    end, since = _midnight(days["end"]), _midnight(days["recent_start"])
    slow = timedelta(hours=model.settings["slow_first_response_hours"])
    stale = timedelta(hours=model.settings["stale_ticket_hours"])
    is_open = pl.col("resolved_at").is_null() | (pl.col("resolved_at") >= end)
    responded = pl.col("first_response_at").is_not_null() & (pl.col("first_response_at") < end)
    response_time = pl.when(responded).then(pl.col("first_response_at")).otherwise(pl.lit(end))
    is_recent = pl.col("opened_at") >= since
    is_slow = (response_time - pl.col("opened_at")) > slow
    return tickets.group_by("account_id").agg(
        pl.col("resolved_at").filter(is_open).len().cast(pl.Float64).alias("support.open_tickets"),
        pl.col("resolved_at")
        .filter(is_open & (pl.col("opened_at") < end - stale))
        .len()
        .cast(pl.Float64)
        .alias("support.tickets_over_48h"),
        pl.when(is_recent.sum() > 0)
        .then((is_slow & is_recent).sum() / is_recent.sum() * 100)
        .alias("support.slow_first_response_pct"),
    )


def _midnight(day: date) -> datetime:
    """The first instant of ``day``, as the frames read hold moments (UTC, naive)."""
    return datetime(day.year, day.month, day.day)


def read_signals(
    source: Source, as_of: date, model: HealthModelConfig, account_ids: list[int] | None = None
) -> pl.DataFrame:
    """One row per account alive at ``as_of``: its identity and every raw signal
    (``component.signal`` columns, null where the account has no data)."""
    days = signal_days(as_of)
    ids = account_ids
    if ids is not None and _is_file(source):
        raise ValueError("a SQLite file is read for the whole book: pass the engine")
    if ids is not None and len(ids) <= FEW_ACCOUNTS:
        with source.connect() as connection:  # type: ignore[union-attr]
            return _signals(connection, days, model, ids)
    return _signals(source, days, model, ids)


def _is_file(source: Source) -> bool:
    from core.store.sqlite_file import SqliteFile

    return isinstance(source, SqliteFile)


def _signals(
    source: Source, days: dict[str, date], model: HealthModelConfig, ids: list[int] | None
) -> pl.DataFrame:
    as_of = days["as_of"]
    frames = read_named(source, SIGNAL_READS, partial(_signal_queries, days, ids), days)
    accounts = frames["accounts"].filter(is_customer_on(as_of))
    recent = frames["interactions"]
    # The last interaction of accounts silent in the recent window: read for those alone.
    silent = accounts.join(recent, on="account_id", how="anti")["account_id"].to_list()
    earlier = (
        read_named(
            source, ("earlier_contacts",), partial(_earlier_query, days, silent), days, silent
        )["earlier_contacts"]
        if silent
        else pl.DataFrame(schema={"account_id": pl.Int64, "earlier_at": pl.Datetime("us")})
    )
    usage = _usage_signals(as_of, accounts, frames["usage"])
    surveys = _latest_answers(frames["surveys"])
    tickets = _ticket_signals(pl.concat([frames[name] for name in TICKET_READS]), days, model)
    movements = frames["movements"]

    end = _midnight(days["end"])
    # Null for an account never contacted: no data, not "1 day".
    since_contact = (pl.lit(end) - pl.col("last_at")).dt.total_days()
    never_contacted = pl.col("last_at").is_null()
    # The renewal in force at as_of: the next anniversary of the renewal date (or,
    # when none is known, of the start date), so that past dates see theirs too.
    renews = pl.coalesce("renewal_date", "start_date")
    days_to_renewal = ((renews - pl.lit(as_of)).dt.total_days() % 365 + 365) % 365
    # Contraction in % of the MRR 90 days ago (defaults.toml); an account that had
    # no MRR then (new since) is measured against its MRR now plus what it lost.
    contracted = -pl.col("contracted").fill_null(0)
    mrr_now = pl.coalesce("mrr_then", "mrr_cents")
    before = (
        pl.when(pl.col("mrr_90d_ago") > 0)
        .then(pl.col("mrr_90d_ago"))
        .otherwise(mrr_now + contracted)
        .cast(pl.Float64)
    )
    unattended = (
        (days_to_renewal >= 0)
        & (days_to_renewal <= model.settings["renewal_window_days"])
        & (never_contacted | (since_contact > model.settings["no_contact_days"]))
    )
    # No subscription (no MRR, no MRR movement, no renewal date: a buyer of an order
    # log): no MRR to contract and no renewal to attend to. Its commercial signals are
    # no data, left out (domain.md), not "no contraction" and its first day's
    # anniversary taken for a renewal.
    subscribed = (
        pl.col("mrr_then").is_not_null()
        | (pl.col("mrr_cents").fill_null(0) != 0)
        | pl.col("renewal_date").is_not_null()
    )
    frame = (
        accounts.join(usage, on="account_id", how="left")
        .join(recent, on="account_id", how="left")
        .join(earlier, on="account_id", how="left")
        .with_columns(pl.coalesce("last_at", "earlier_at").alias("last_at"))
        .join(surveys, on="account_id", how="left")
        .join(tickets, on="account_id", how="left")
        .join(movements, on="account_id", how="left")
        .with_columns(
            since_contact.cast(pl.Float64).alias("engagement.days_since_last_interaction"),
            pl.when(never_contacted)
            .then(None)
            .otherwise(pl.col("meetings").fill_null(0))
            .cast(pl.Float64)
            .alias("engagement.meetings_90d"),
            pl.col("sentiment").alias("sentiment.interaction_sentiment"),
            pl.when(~subscribed)
            .then(None)
            .when(before > 0)
            .then(contracted / before * 100)
            .otherwise(0.0)
            .alias("commercial.contraction_pct"),
            pl.when(subscribed)
            .then(unattended.fill_null(False).cast(pl.Float64))
            .alias("commercial.renewal_unattended"),
        )
    )
    signal_columns = [f"{c}.{s}" for c in COMPONENTS for s in SIGNALS[c]]
    return frame.select(
        "account_id",
        "external_id",
        "name",
        *(pl.col(column).cast(pl.Float64) for column in signal_columns),
        pl.col("renewal_date").is_null().alias(RENEWAL_ASSUMED),
    )


RENEWAL_ASSUMED = "commercial.renewal_assumed"
"""Beside the signals: the account has no renewal date, so the renewal its
``renewal_unattended`` looks at is its start date's anniversary (an assumption its
explanation states: ``core.health.signals``). Not a signal: it weighs nothing."""


def _mapped(raw: pl.Expr, mapping: Mapping) -> pl.Expr:
    if mapping.kind == "linear":
        low, high = mapping.points  # type: ignore[misc]
        return ((raw - low) / (high - low)).clip(0.0, 1.0) * 100.0
    steps = list(mapping.points)
    expr: Any = pl.lit(steps[0][1])  # type: ignore[index]
    for at_least, score in steps[1:]:  # type: ignore[misc]
        expr = pl.when(raw >= at_least).then(pl.lit(score)).otherwise(expr)
    return pl.when(raw.is_null()).then(None).otherwise(expr).cast(pl.Float64)


_plans: dict[str, list[list[pl.Expr]]] = {}


def score_signals(signals: pl.DataFrame, model: HealthModelConfig, as_of: date) -> pl.DataFrame:
    """From raw signals to the explained score: per component its raw values (a
    struct), 0-100 score, weight in % and contribution; the score (the sum of the
    contributions), band, left_out (components without data) and as_of."""
    fingerprint = model.fingerprint()
    if fingerprint not in _plans:  # building the expressions costs more than one row
        _plans[fingerprint] = _scoring_plan(model)
    frame = signals.lazy()
    if RENEWAL_ASSUMED not in signals.columns:  # signals made by hand (tests)
        frame = frame.with_columns(pl.lit(False).alias(RENEWAL_ASSUMED))
    for stage in _plans[fingerprint]:
        frame = frame.with_columns(stage)
    columns = [
        f"{c}_{part}" for c in COMPONENTS for part in ("raw", "score", "weight_pct", "contribution")
    ]
    return frame.select(
        "account_id",
        "external_id",
        "name",
        pl.lit(as_of).alias("as_of"),
        "score",
        "band",
        "left_out",
        *columns,
    ).collect()


def _scoring_plan(model: HealthModelConfig) -> list[list[pl.Expr]]:
    """The expressions of ``score_signals`` for ``model``, in stages."""
    component_scores = []
    for component in COMPONENTS:
        weighted, weights = [], []
        for name, signal in model.signals[component].items():
            raw = pl.col(f"{component}.{name}")
            weighted.append((_mapped(raw, signal.mapping) * signal.weight).fill_null(0.0))
            weights.append(pl.when(raw.is_null()).then(0.0).otherwise(signal.weight))
        total = pl.sum_horizontal(weights)
        component_scores.append(
            pl.when(total > 0)
            .then(pl.sum_horizontal(weighted) / total)
            .round(1)
            .alias(f"{component}_score")
        )
    stages: list[list[pl.Expr]] = [component_scores]
    # Enough signals: a behaviour component with data (any component when the model
    # weighs no behaviour component).
    telling = [c for c in BEHAVIOUR if model.weights[c] > 0] or list(COMPONENTS)
    any_data = pl.any_horizontal(pl.col(f"{c}_score").is_not_null() for c in telling)
    present_weight = pl.sum_horizontal(
        pl.when(pl.col(f"{c}_score").is_null()).then(0.0).otherwise(model.weights[c])
        for c in COMPONENTS
    )
    stages.append(
        [
            pl.when(pl.col(f"{c}_score").is_not_null() & (present_weight > 0) & any_data)
            .then(model.weights[c] / present_weight * 100)
            .round(2)
            .alias(f"{c}_weight_pct")
            for c in COMPONENTS
        ]
    )
    stages.append(
        [
            (pl.col(f"{c}_score") * pl.col(f"{c}_weight_pct") / 100)
            .round(2)
            .alias(f"{c}_contribution")
            for c in COMPONENTS
        ]
    )
    score = pl.when(any_data).then(
        pl.sum_horizontal(pl.col(f"{c}_contribution").fill_null(0.0) for c in COMPONENTS).round(2)
    )
    band = model.band_expr(score).fill_null(pl.lit(NO_DATA))
    left_out = pl.concat_list(
        pl.when(pl.col(f"{c}_score").is_null()).then(pl.lit(c)).otherwise(None) for c in COMPONENTS
    ).list.drop_nulls()
    assumed = [pl.col(RENEWAL_ASSUMED).alias(RENEWAL_ASSUMED.partition(".")[2])]
    raws = [
        pl.struct(
            *(pl.col(f"{c}.{s}").round(3).alias(s) for s in SIGNALS[c]),
            *(assumed if c == "commercial" else []),
        ).alias(f"{c}_raw")
        for c in COMPONENTS
    ]
    stages.append([*raws, score.alias("score"), band.alias("band"), left_out.alias("left_out")])
    return stages


def compute_scores(
    source: Source,
    as_of: date,
    model: HealthModelConfig,
    account_ids: list[int] | None = None,
) -> pl.DataFrame:
    """The health of every account alive at ``as_of`` (or of ``account_ids``), from
    the data up to the end of that day. Columns: account_id, external_id, name,
    as_of, score (null when no component has data), band, left_out (list of
    component names), and for each component ``<c>_raw`` (struct of its signals),
    ``<c>_score``, ``<c>_weight_pct``, ``<c>_contribution``."""
    return score_signals(read_signals(source, as_of, model, account_ids), model, as_of)


def explanation_json() -> pl.Expr:
    """Per row of ``compute_scores``, the explanation as JSON text in the stored/CLI
    shape: ``{component: {"raw": {...}, "score", "weight_pct", "contribution"}}``
    for the components with data (the others are in ``left_out``)."""
    parts = [
        pl.when(pl.col(f"{c}_score").is_not_null())
        .then(
            pl.struct(
                pl.col(f"{c}_raw").alias("raw"),
                pl.col(f"{c}_score").alias("score"),
                pl.col(f"{c}_weight_pct").alias("weight_pct"),
                pl.col(f"{c}_contribution").alias("contribution"),
            )
        )
        .alias(c)
        for c in COMPONENTS
    ]
    left_out = "|".join(COMPONENTS)
    return (
        pl.struct(parts)
        .struct.json_encode()
        .str.replace_all(f'"({left_out})":null,?', "")
        .str.replace(",}$", "}")
    )


def left_out_json() -> pl.Expr:
    """``left_out`` as JSON text: a list of component names."""
    names = pl.col("left_out").list.eval(pl.concat_str(pl.lit('"'), pl.element(), pl.lit('"')))
    return pl.concat_str(pl.lit("["), names.list.join(","), pl.lit("]"))
