"""Computing health scores: bulk reads of the windows the components need, then
polars from raw signals to component scores, weights, contributions and bands.

Everything honours ``as_of``: windows end at the end of that day (UTC), tickets are
open as of then, the latest survey answer is the latest one by then, and MRR is
rebuilt from the movements up to then. Nothing after ``as_of`` is read, so past
dates can be scored without leaking the future (the backtest relies on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, and_, case, func, or_, select

from core.accounts.customers import is_customer_on, started_on
from core.health.config import COMPONENTS, SIGNALS, HealthModelConfig, Mapping
from core.models import (
    Account,
    DailyUsage,
    Interaction,
    InteractionKind,
    MrrMovementKind,
    SurveyKind,
    SurveyResponse,
    Ticket,
)
from core.models import MrrMovement as Movement
from core.store.frames import _polars_type, read_frame
from core.store.threads import side_by_side

USAGE_DAYS = 30  # the usage window, and the window before it for the trend
RECENT_DAYS = 90  # meetings, interaction sentiment, slow first responses, contraction
SURVEY_DAYS = 365  # an NPS or CSAT answer older than this is not data any more
NO_DATA = "no data"  # the band of an account without enough signals to score
# The components that say how an account is doing; commercial facts alone (its MRR,
# no contraction) are not enough for a score.
BEHAVIOUR = ("usage", "engagement", "sentiment", "support")
FEW_ACCOUNTS = 20  # up to this many accounts, read through one connection


@dataclass(frozen=True)
class Window:
    """The moments a computation as of ``as_of`` looks at, in UTC."""

    as_of: date

    @property
    def end(self) -> datetime:
        """The end of the as_of day: everything strictly before it counts."""
        return datetime.combine(self.as_of + timedelta(days=1), time(), tzinfo=UTC)

    def days_back(self, days: int) -> datetime:
        """The start of a window of ``days`` whole days ending with as_of."""
        return self.end - timedelta(days=days)


Source = Engine | Connection  # an engine for bulk reads, a connection for one account's


def _read(source: Source, query: Any) -> pl.DataFrame:
    """Bulk reads go through ``core.store.frames`` (Arrow, no Python objects per row). A
    few accounts' rows come through an open connection instead: for a handful of
    rows a cached statement beats a new ADBC connection and a compile per query."""
    if isinstance(source, Engine):
        return read_frame(source, query)
    schema = {
        column.key: _polars_type(column.type) or pl.String() for column in query.selected_columns
    }
    rows = source.execute(query).all()
    return pl.DataFrame([tuple(row) for row in rows], schema=schema, orient="row")


def _only(query: Any, column: Any, account_ids: list[int] | None) -> Any:
    """``query`` for the given accounts, or for every account. "Every account" is
    spelled ``IN (SELECT id FROM account)`` on purpose: it lets SQLite read each
    account's rows through the (account_id, date) indexes, close together, instead
    of a date index whose rows are scattered over the whole table (twice as fast)."""
    if account_ids is None:
        return query.where(column.in_(select(Account.id)))
    return query.where(column.in_(account_ids))


def read_accounts(engine: Source, as_of: date, account_ids: list[int] | None) -> pl.DataFrame:
    """The accounts that are customers at the end of ``as_of`` (``core.accounts.customers``)."""
    query = select(
        Account.id.label("account_id"),
        Account.external_id,
        Account.name,
        Account.seats,
        Account.mrr_cents,
        Account.start_date,
        Account.renewal_date,
        Account.status,
        Account.churned_at,
        Account.churn_recorded_on,
    ).where(or_(Account.start_date.is_(None), Account.start_date <= as_of))
    frame = _read(engine, _only(query, Account.id, account_ids))
    return frame.filter(is_customer_on(as_of))


def _usage(engine: Source, window: Window, ids: list[int] | None) -> pl.DataFrame:
    """Active-user days in the last 30 days and the 30 before, per account with usage
    rows in those 60 days (a product that reports usage sends a row a day, 0 or more)."""
    start = window.as_of - timedelta(days=2 * USAGE_DAYS - 1)
    split = window.as_of - timedelta(days=USAGE_DAYS)
    query = select(DailyUsage.account_id, DailyUsage.day, DailyUsage.active_users).where(
        DailyUsage.day >= start, DailyUsage.day <= window.as_of
    )
    usage = _read(engine, _only(query, DailyUsage.account_id, ids))
    return usage.group_by("account_id").agg(
        recent=pl.col("active_users").filter(pl.col("day") > split).sum(),
        prior=pl.col("active_users").filter(pl.col("day") <= split).sum(),
    )


def _usage_signals(as_of: date, accounts: pl.DataFrame, sums: pl.DataFrame) -> pl.DataFrame:
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


def _interactions(
    engine: Source, window: Window, ids: list[int] | None
) -> tuple[pl.DataFrame, Any]:
    """The last interaction's moment and the last 90 days' meetings and average
    sentiment, per account. Only the 90-day window is read in bulk; the last moment
    of accounts silent for longer comes from a second query for those alone."""
    alive = and_(Interaction.deleted_at.is_(None), Interaction.occurred_at < window.end)
    recent = _read(
        engine,
        _only(
            select(
                Interaction.account_id,
                Interaction.occurred_at,
                Interaction.kind,
                Interaction.sentiment,
            ).where(alive, Interaction.occurred_at >= window.days_back(RECENT_DAYS)),
            Interaction.account_id,
            ids,
        ),
    )
    meetings = (InteractionKind.MEETING.value, InteractionKind.QBR.value)
    per_account = recent.group_by("account_id").agg(
        last_at=pl.col("occurred_at").max(),
        meetings=pl.col("kind").is_in(meetings).sum(),
        sentiment=pl.col("sentiment").cast(pl.Float64).mean(),
    )
    return per_account, alive


def _earlier_contacts(engine: Source, alive: Any, silent: list[int]) -> pl.DataFrame:
    """The last interaction of accounts without one in the recent window."""
    query = (
        select(Interaction.account_id, func.max(Interaction.occurred_at).label("earlier_at"))
        .where(alive, Interaction.account_id.in_(silent))
        .group_by(Interaction.account_id)
    )
    return (
        _read(engine, query)
        if silent
        else pl.DataFrame(schema={"account_id": pl.Int64, "earlier_at": pl.Datetime("us")})
    )


def _surveys(engine: Source, window: Window, ids: list[int] | None) -> pl.DataFrame:
    query = select(
        SurveyResponse.account_id,
        SurveyResponse.kind,
        SurveyResponse.score,
        SurveyResponse.answered_at,
    ).where(
        SurveyResponse.answered_at >= window.days_back(SURVEY_DAYS),
        SurveyResponse.answered_at < window.end,
        SurveyResponse.deleted_at.is_(None),
    )
    answers = _read(engine, _only(query, SurveyResponse.account_id, ids))
    return (
        answers.sort("answered_at")
        .group_by("account_id")
        .agg(
            pl.col("score")
            .filter(pl.col("kind") == kind)
            .last()
            .cast(pl.Float64)
            .alias(f"sentiment.latest_{kind}")
            for kind in (SurveyKind.NPS.value, SurveyKind.CSAT.value)
        )
    )


def _tickets(
    engine: Source, window: Window, model: HealthModelConfig, ids: list[int] | None
) -> pl.DataFrame:
    since = window.days_back(RECENT_DAYS)
    query = select(
        Ticket.account_id, Ticket.opened_at, Ticket.first_response_at, Ticket.resolved_at
    ).where(
        Ticket.opened_at < window.end,
        or_(
            Ticket.opened_at >= since,
            Ticket.resolved_at.is_(None),
            Ticket.resolved_at >= window.end,
        ),
    )
    tickets = _read(engine, _only(query, Ticket.account_id, ids))
    end = window.end.replace(tzinfo=None)
    slow = timedelta(hours=model.settings["slow_first_response_hours"])
    stale = timedelta(hours=model.settings["stale_ticket_hours"])
    is_open = pl.col("resolved_at").is_null() | (pl.col("resolved_at") >= end)
    responded = pl.col("first_response_at").is_not_null() & (pl.col("first_response_at") < end)
    response_time = pl.when(responded).then(pl.col("first_response_at")).otherwise(pl.lit(end))
    is_recent = pl.col("opened_at") >= since.replace(tzinfo=None)
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


def _movements(engine: Source, window: Window, ids: list[int] | None) -> pl.DataFrame:
    since = window.as_of - timedelta(days=RECENT_DAYS)
    contraction = case(
        (
            and_(Movement.kind == MrrMovementKind.CONTRACTION.value, Movement.occurred_on > since),
            Movement.amount_cents,
        ),
        else_=0,
    )
    until_since = case((Movement.occurred_on <= since, Movement.amount_cents), else_=0)
    query = (
        select(
            Movement.account_id,
            func.sum(Movement.amount_cents).label("mrr_then"),
            func.sum(until_since).label("mrr_90d_ago"),
            func.sum(contraction).label("contracted"),
        )
        .where(Movement.occurred_on <= window.as_of)
        .group_by(Movement.account_id)
    )
    return _read(engine, _only(query, Movement.account_id, ids))


def read_signals(
    engine: Engine, as_of: date, model: HealthModelConfig, account_ids: list[int] | None = None
) -> pl.DataFrame:
    """One row per account alive at ``as_of``: its identity and every raw signal
    (``component.signal`` columns, null where the account has no data)."""
    window = Window(as_of)
    ids = account_ids
    reads: list[tuple[Any, ...]] = [
        (read_accounts, engine, as_of, ids),
        (_usage, engine, window, ids),
        (_interactions, engine, window, ids),
        (_surveys, engine, window, ids),
        (_tickets, engine, window, model, ids),
        (_movements, engine, window, ids),
    ]
    if ids is not None and len(ids) <= FEW_ACCOUNTS:
        with engine.connect() as connection:
            results = [read(connection, *args) for read, _engine, *args in reads]
            accounts, usage_sums, (recent, alive), surveys, tickets, movements = results
            silent = accounts.join(recent, on="account_id", how="anti")["account_id"].to_list()
            earlier = _earlier_contacts(connection, alive, silent)
    else:
        results = side_by_side([partial(*read) for read in reads])  # the drivers release the GIL
        accounts, usage_sums, (recent, alive), surveys, tickets, movements = results
        silent = accounts.join(recent, on="account_id", how="anti")["account_id"].to_list()
        earlier = _earlier_contacts(engine, alive, silent)
    usage = _usage_signals(as_of, accounts, usage_sums)

    end = window.end.replace(tzinfo=None)
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
            pl.when(before > 0)
            .then(contracted / before * 100)
            .otherwise(0.0)
            .alias("commercial.contraction_pct"),
            unattended.fill_null(False).cast(pl.Float64).alias("commercial.renewal_unattended"),
        )
    )
    signal_columns = [f"{c}.{s}" for c in COMPONENTS for s in SIGNALS[c]]
    return frame.select(
        "account_id",
        "external_id",
        "name",
        *(pl.col(column).cast(pl.Float64) for column in signal_columns),
    )


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
    raws = [
        pl.struct(pl.col(f"{c}.{s}").round(3).alias(s) for s in SIGNALS[c]).alias(f"{c}_raw")
        for c in COMPONENTS
    ]
    stages.append([*raws, score.alias("score"), band.alias("band"), left_out.alias("left_out")])
    return stages


def compute_scores(
    engine: Engine,
    as_of: date,
    model: HealthModelConfig,
    account_ids: list[int] | None = None,
) -> pl.DataFrame:
    """The health of every account alive at ``as_of`` (or of ``account_ids``), from
    the data up to the end of that day. Columns: account_id, external_id, name,
    as_of, score (null when no component has data), band, left_out (list of
    component names), and for each component ``<c>_raw`` (struct of its signals),
    ``<c>_score``, ``<c>_weight_pct``, ``<c>_contribution``."""
    return score_signals(read_signals(engine, as_of, model, account_ids), model, as_of)


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
