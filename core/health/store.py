"""Health history: daily snapshots, and the models scores were computed with.

A snapshot is one account's score on one day; recomputing on the same day replaces
that day's snapshot and never another day's. Overrides (a manager's judgement over
the computed score) are in ``core.health.overrides``.

The whole book's recompute and the health in force read and write through an engine
or, for a SQLite file at the current schema, without SQLAlchemy
(``core.health.health_sql``); SQLAlchemy and the models are imported by the engine's
ways only.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import polars as pl

from core.health.config import HealthModelConfig, load_model
from core.health.in_force import newest, with_bands
from core.health.scoring import (
    NO_DATA,
    Source,
    compute_scores,
    explanation_json,
    left_out_json,
    read_accounts,
    read_named,
)
from core.health.trend import trend_expr
from core.health.windows import snapshot_days
from core.store.sqlite_file import SqliteFile

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy import Engine

Progress = Callable[[float], None]

SNAPSHOT_READS = ("latest", "month_ago", "week_ago", "overrides")

# Per engine, the ids of the models already looked up (saves a query per account
# on the incremental path).
_model_ids: weakref.WeakKeyDictionary[Engine, dict[str, int]] = weakref.WeakKeyDictionary()


def record_model(engine: Engine, model: HealthModelConfig) -> int:
    """The id of ``model`` in ``health_model``, inserted the first time it is used."""
    fingerprint = model.fingerprint()
    known = _model_ids.setdefault(engine, {})
    if fingerprint not in known:
        known[fingerprint] = _stored_model_id(engine, model, fingerprint)
    return known[fingerprint]


def _stored_model_id(engine: Engine, model: HealthModelConfig, fingerprint: str) -> int:
    from sqlalchemy import insert, select
    from sqlalchemy.exc import IntegrityError

    from core.models import HealthModel, utcnow

    query = select(HealthModel.id).where(HealthModel.fingerprint == fingerprint)
    with engine.begin() as connection:
        found = connection.execute(query).scalar()
        if found is not None:
            return int(found)
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(HealthModel).values(
                    fingerprint=fingerprint,
                    definition=_definition(model),
                    first_used_at=utcnow(),
                )
            )
    except IntegrityError:
        pass  # recorded meanwhile by another process
    with engine.begin() as connection:
        return int(connection.execute(query).scalar_one())


def _definition(model: HealthModelConfig) -> str:
    return json.dumps(model.definition(), sort_keys=True)


def snapshot_rows(scores: pl.DataFrame, day: date, model_id: int) -> pl.DataFrame:
    """``compute_scores`` rows in the shape of ``health_snapshot`` (an account without
    enough signals gets a snapshot without a score, band "no data", so that its
    latest snapshot says so instead of an older score)."""
    return scores.select(
        "account_id",
        pl.lit(day).alias("day"),
        "score",
        "band",
        explanation_json().alias("components"),
        left_out_json().alias("left_out"),
        pl.lit(model_id).alias("model_id"),
    )


SNAPSHOTS_AT_ONCE = 10_000
"""Snapshots are made and written this many accounts at a time: their explanations as
JSON text take ~0.7 KB an account, 64 MB at 100k accounts when made at once."""


def _write_snapshots(
    source: Source,
    scores: pl.DataFrame,
    day: date,
    model: HealthModelConfig,
    account_ids: list[int] | None,
    unless_scored: bool = False,
) -> int | None:
    """Replace the snapshots of ``day`` (of ``account_ids``, or of every account) by
    those of ``scores``, in one transaction: in a file through ``sqlite3``, else
    through the bulk writer (10k snapshots: 0.20 s, 0.31-0.36 s as an ORM
    ``executemany``). The table's indexes stay in place: a large load would drop and
    rebuild them, over every day's snapshots kept.

    Writers of snapshots take turns: on PostgreSQL the table is locked against other
    writers (not readers) first, as SQLite's write transaction is, so two users
    rescoring at once wait for each other instead of failing on each other's rows.
    ``unless_scored``: write nothing, and return None, when the day has snapshots by
    the time this writer's turn comes (another process scored it meanwhile)."""
    if isinstance(source, SqliteFile):
        if account_ids is not None:
            raise ValueError("a SQLite file is written for the whole book: pass the engine")
        return source.write(partial(_write_file_snapshots, scores, day, model))
    from sqlalchemy import delete, select

    from core.models import HealthSnapshot
    from core.store.bulk import frame_writer, table_for, write_transaction

    engine = source
    model_id = record_model(engine, model)
    replaced = delete(HealthSnapshot).where(HealthSnapshot.day == day)
    if account_ids is not None:
        replaced = replaced.where(HealthSnapshot.account_id.in_(account_ids))
    scored = select(HealthSnapshot.account_id).where(HealthSnapshot.day == day).limit(1)
    with write_transaction(engine) as raw:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            cursor.execute(f"LOCK TABLE {HealthSnapshot.__tablename__} IN SHARE ROW EXCLUSIVE MODE")
        if unless_scored:
            cursor.execute(_literal(scored, engine))
            if cursor.fetchone() is not None:
                cursor.close()
                return None
        cursor.execute(_literal(replaced, engine))
        cursor.close()
        table = table_for(HealthSnapshot.__tablename__)
        with frame_writer(raw, engine, table, scores.height) as write:
            for accounts in scores.iter_slices(SNAPSHOTS_AT_ONCE):
                write(snapshot_rows(accounts, day, model_id))
    return scores.height


def _literal(statement: Any, engine: Engine) -> str:
    """``statement`` as SQL text with its values written in (a day and account ids
    only), whatever the driver's paramstyle."""
    return str(statement.compile(engine, compile_kwargs={"literal_binds": True}))


def _write_file_snapshots(
    scores: pl.DataFrame, day: date, model: HealthModelConfig, connection: sqlite3.Connection
) -> int:
    """``_write_snapshots`` in a file's open transaction, with the statements compiled
    ahead: the model looked up (recorded the first time), the day's snapshots
    deleted, the new ones inserted, values as SQLAlchemy stores them."""
    from core.health.health_sql import HEALTH_SQL

    writes = HEALTH_SQL["writes"]
    fingerprint = model.fingerprint()
    found = connection.execute(writes["model_id"], (fingerprint,)).fetchone()
    if found is None:
        now = f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S.%f}"
        connection.execute(writes["model"], (fingerprint, _definition(model), now))
        found = connection.execute(writes["model_id"], (fingerprint,)).fetchone()
    connection.execute(writes["delete_day"], (day.isoformat(),))
    for accounts in scores.iter_slices(SNAPSHOTS_AT_ONCE):
        rows = snapshot_rows(accounts, day, int(found[0]))
        connection.executemany(
            writes["snapshot"], rows.with_columns(pl.col("day").cast(pl.String)).iter_rows()
        )
    return scores.height


def _model(model: HealthModelConfig | None) -> HealthModelConfig:
    return model if model is not None else load_model()[0]


def recompute_all(
    source: Engine | SqliteFile,
    as_of: date | None = None,
    model: HealthModelConfig | None = None,
    progress: Progress | None = None,
) -> int:
    """Score every live account and write the day's snapshots (replacing that day's
    earlier ones). Returns the number of snapshots written."""
    as_of = as_of or date.today()
    model = _model(model)
    report = progress or (lambda _fraction: None)
    report(0.0)
    scores = compute_scores(source, as_of, model)
    report(0.7)
    written = _write_snapshots(source, scores, as_of, model, None)
    report(1.0)
    return written or 0


def recompute_account(
    engine: Engine,
    account_id: int,
    as_of: date | None = None,
    model: HealthModelConfig | None = None,
) -> dict[str, Any] | None:
    """Rescore one account right after its data changed (reading only its rows) and
    replace its snapshot of the day. Returns the scored row, or None when the account
    is not alive or has no data."""
    as_of = as_of or date.today()
    model = _model(model)
    scores = compute_scores(engine, as_of, model, account_ids=[account_id])
    _write_snapshots(engine, scores, as_of, model, [account_id])
    rows = scores.filter(pl.col("score").is_not_null()).to_dicts()
    return rows[0] if rows else None


def recompute_in_background(
    engine: Engine,
    as_of: date | None = None,
    model: HealthModelConfig | None = None,
    on_done: Callable[[int], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    progress: Progress | None = None,
) -> threading.Thread:
    """Run ``recompute_all`` in a daemon thread; the caller never waits for it.
    ``on_done`` gets the number of snapshots, ``on_error`` the exception."""

    def job() -> None:
        try:
            written = recompute_all(engine, as_of, model, progress)
        except Exception as error:  # handed to the caller, never swallowed
            if on_error is None:
                raise
            on_error(error)
            return
        if on_done is not None:
            on_done(written)

    thread = threading.Thread(target=job, name="health-recompute", daemon=True)
    thread.start()
    return thread


# -- reading --------------------------------------------------------------------------


def has_snapshots(source: Engine | SqliteFile, day: date | None = None) -> bool:
    """Whether any health snapshot is stored (on ``day``, when given: through the
    engine)."""
    if isinstance(source, SqliteFile):
        if day is not None:
            raise ValueError("a SQLite file says whether any day has snapshots: pass the engine")
        return _present(source, "any_snapshot")
    from sqlalchemy import select

    from core.models import HealthSnapshot

    query = select(HealthSnapshot.account_id).limit(1)
    if day is not None:
        query = query.where(HealthSnapshot.day == day)
    with source.connect() as connection:
        return connection.execute(query).first() is not None


def score_day_if_missing(engine: Engine, day: date) -> bool:
    """Score every live account on ``day`` when that day has no snapshot yet, and say
    whether it did: the app at start, the MCP server, an entry logged on a new day. A
    day with any snapshot reads as scored, so one account's must never be written
    alone on a day without scores (the others would keep an older score). Two app
    starts at once score the day once: the second finds it scored when its turn to
    write comes, and writes nothing."""
    if has_snapshots(engine, day):
        return False
    model = _model(None)
    scores = compute_scores(engine, day, model)
    return _write_snapshots(engine, scores, day, model, None, unless_scored=True) is not None


def rescore_if_scored(engine: Engine, day: date) -> int | None:
    """After data changed outside the app (``cxtui import``): when ``day`` has scores
    already, score every live account again (they read what changed; left as they were,
    the day kept the scores from before the change, as a 360 beside its own new call
    said "no data"); the number of snapshots written. None when the day has no score:
    its first reader scores it (the app at start, ``cxtui health``, the MCP server)."""
    if not has_snapshots(engine, day):
        return None
    return recompute_all(engine, as_of=day)


def has_churn_model(file: SqliteFile) -> bool:
    """Whether a churn model has been fitted (its risks are read through the engine:
    ``core.churn.risk``)."""
    return _present(file, "churn_model")


def _present(file: SqliteFile, name: str) -> bool:
    from core.health.health_sql import read_sql

    return not file.read({name: read_sql(name, {})})[name].is_empty()


def active_overrides(
    engine: Engine, as_of: date, account_ids: list[int] | None = None
) -> pl.DataFrame:
    """The override in force on ``as_of`` per account (``core.health.in_force``)."""
    from core.health.in_force import overrides_query
    from core.store.frames import read_frame

    return newest(read_frame(engine, overrides_query(as_of, None, account_ids)))


def health_object(row: dict[str, Any]) -> dict[str, Any]:
    """One row of ``current_health`` as the object of ``cxtui health --json``
    (docs/json.md): score and band in force, override, components, left out."""
    override = None
    if row["override_id"] is not None:
        override = {
            "score": row["override_score"],
            "band": row["override_band"],
            "reason": row["override_reason"],
            "expires_on": row["override_expires_on"].isoformat(),
        }
    return {
        "account": row["external_id"],
        "external_id": row["external_id"],  # the key every command's JSON has for it
        "name": row["name"],
        "score": row["score"],
        "band": row["band"],
        "trend_30d": row["trend_30d"],
        "computed_score": row["computed_score"],
        "override": override,
        "components": json.loads(row["components"]) if row["components"] else {},
        "left_out": json.loads(row["left_out"]) if row["left_out"] else [],
        "dropped_to_red_this_week": row["dropped_to_red_this_week"],
        "churn_risk_90d": row.get("churn_risk_90d"),  # core.churn.risk; None without a model
    }


def current_health(
    source: Engine | SqliteFile,
    as_of: date | None = None,
    account_ids: list[int] | None = None,
    model: HealthModelConfig | None = None,
) -> pl.DataFrame:
    """Per live account: the latest snapshot by ``as_of`` (computed_score,
    computed_band, components and left_out as JSON text, model_id), the active
    override (override_* columns), the score and band in force (the override's where
    one is active), trend_30d and dropped_to_red_this_week."""
    as_of = as_of or date.today()
    model = _model(model)
    days = snapshot_days(as_of)
    frames = read_named(source, SNAPSHOT_READS, partial(_snapshot_queries, days, account_ids), days)
    accounts = read_accounts(source, as_of, account_ids).select("account_id", "external_id", "name")
    overrides = with_bands(newest(frames["overrides"]), model)
    frame = (
        accounts.join(frames["latest"], on="account_id", how="left")
        .join(frames["month_ago"].drop("day"), on="account_id", how="left")
        .join(frames["week_ago"].drop("day"), on="account_id", how="left")
        .join(overrides, on="account_id", how="left")
    )
    recent = pl.col("day") > days["week_to"]
    dropped = (
        recent
        & (pl.col("computed_band") == "red")
        & pl.col("band_week_ago").is_not_null()
        & (pl.col("band_week_ago") != "red")
    )
    return frame.with_columns(
        pl.coalesce("override_score", "computed_score").alias("score"),
        pl.coalesce("override_band", "computed_band", pl.lit(NO_DATA)).alias("band"),
        trend_expr(pl.col("computed_score"), pl.col("score_30d_ago")).alias("trend_30d"),
        dropped.fill_null(False).alias("dropped_to_red_this_week"),
    ).sort("account_id")


def _snapshot_queries(days: dict[str, date], ids: list[int] | None) -> dict[str, Any]:
    from core.health.queries import snapshot_queries

    return snapshot_queries(days, ids)


def history(
    engine: Engine, account_id: int, since: date, until: date | None = None
) -> pl.DataFrame:
    """One account's snapshots from ``since`` (day, score, band, model_id) with
    ``model_changed`` true on the first day of a different model than the day before."""
    from sqlalchemy import select

    from core.models import HealthSnapshot
    from core.store.frames import read_frame

    query = select(
        HealthSnapshot.day, HealthSnapshot.score, HealthSnapshot.band, HealthSnapshot.model_id
    ).where(HealthSnapshot.account_id == account_id, HealthSnapshot.day >= since)
    if until is not None:
        query = query.where(HealthSnapshot.day <= until)
    frame = read_frame(engine, query).sort("day")
    previous = pl.col("model_id").shift(1)
    return frame.with_columns(
        (previous.is_not_null() & (pl.col("model_id") != previous)).alias("model_changed")
    )


def model_changes(engine: Engine) -> pl.DataFrame:
    """Every model scores were computed with, oldest first (id, fingerprint, first_used_at)."""
    from sqlalchemy import select

    from core.models import HealthModel
    from core.store.frames import read_frame

    query = select(HealthModel.id, HealthModel.fingerprint, HealthModel.first_used_at)
    return read_frame(engine, query).sort("first_used_at", "id")
