"""Health history: daily snapshots, overrides and the models scores were computed with.

A snapshot is one account's score on one day; recomputing on the same day replaces
that day's snapshot and never another day's. An override is a CS manager's
judgement over the computed score, active while ``starts_on <= day < expires_on``
and not ended (so on ``expires_on`` itself the computed value is back). Overrides
are history: setting a new one ends the active one, nothing is ever deleted.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.health.config import BANDS, HealthModelConfig, load_model
from core.health.in_force import latest_snapshots_query, newest, overrides_query, with_bands
from core.health.scoring import (
    NO_DATA,
    compute_scores,
    explanation_json,
    left_out_json,
    read_accounts,
)
from core.health.trend import TREND_LOOKBACK_DAYS, trend_expr, trend_window
from core.models import Account, HealthModel, HealthOverride, HealthSnapshot, utcnow
from core.store.frames import read_frame
from core.text import text_problem

DROP_DAYS = 7
OVERRIDE_DAYS = 30

Progress = Callable[[float], None]


class HealthOverrideError(ValueError):
    """An override that cannot be set, with the reason in words."""


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
    query = select(HealthModel.id).where(HealthModel.fingerprint == fingerprint)
    with engine.begin() as connection:
        found = connection.execute(query).scalar()
        if found is not None:
            return int(found)
    definition = json.dumps(model.definition(), sort_keys=True)
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(HealthModel).values(
                    fingerprint=fingerprint, definition=definition, first_used_at=utcnow()
                )
            )
    except IntegrityError:
        pass  # recorded meanwhile by another process
    with engine.begin() as connection:
        return int(connection.execute(query).scalar_one())


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


def _write_snapshots(
    engine: Engine, scores: pl.DataFrame, day: date, model_id: int, account_ids: list[int] | None
) -> int:
    """Replace the snapshots of ``day`` (of ``account_ids``, or of every account) by
    those of ``scores``, in one transaction, through the bulk writer (10k snapshots:
    0.20 s, 0.31-0.36 s as an ORM ``executemany``). Its indexes stay in place: a
    large load would drop and rebuild them, over every day's snapshots kept."""
    from core.store.bulk import frame_writer, table_for, write_transaction

    rows = snapshot_rows(scores, day, model_id)
    replaced = delete(HealthSnapshot).where(HealthSnapshot.day == day)
    if account_ids is not None:
        replaced = replaced.where(HealthSnapshot.account_id.in_(account_ids))
    # a day and account ids only: written into the SQL, whatever the driver's paramstyle
    statement = str(replaced.compile(engine, compile_kwargs={"literal_binds": True}))
    with write_transaction(engine) as raw:
        cursor = raw.cursor()
        cursor.execute(statement)
        cursor.close()
        table = table_for(HealthSnapshot.__tablename__)
        with frame_writer(raw, engine, table, rows.height) as write:
            write(rows)
    return rows.height


def _model(model: HealthModelConfig | None) -> HealthModelConfig:
    return model if model is not None else load_model()[0]


def recompute_all(
    engine: Engine,
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
    model_id = record_model(engine, model)
    scores = compute_scores(engine, as_of, model)
    report(0.7)
    written = _write_snapshots(engine, scores, as_of, model_id, None)
    report(1.0)
    return written


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
    _write_snapshots(engine, scores, as_of, record_model(engine, model), [account_id])
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


def _latest_snapshots(
    engine: Engine,
    on_or_before: date,
    not_before: date | None,
    account_ids: list[int] | None,
    columns: tuple[Any, ...],
) -> pl.DataFrame:
    """Each account's latest snapshot in [not_before, on_or_before]."""
    return read_frame(
        engine, latest_snapshots_query(on_or_before, not_before, account_ids, columns)
    )


def has_snapshots(engine: Engine, day: date | None = None) -> bool:
    """Whether any health snapshot is stored (on ``day``, when given)."""
    query = select(HealthSnapshot.account_id).limit(1)
    if day is not None:
        query = query.where(HealthSnapshot.day == day)
    with engine.connect() as connection:
        return connection.execute(query).first() is not None


def active_overrides(
    engine: Engine, as_of: date, account_ids: list[int] | None = None
) -> pl.DataFrame:
    """The override in force on ``as_of`` per account (``core.health.in_force``)."""
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
    engine: Engine,
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
    accounts = read_accounts(engine, as_of, account_ids).select("account_id", "external_id", "name")
    latest = _latest_snapshots(
        engine,
        as_of,
        None,
        account_ids,
        (
            HealthSnapshot.score.label("computed_score"),
            HealthSnapshot.band.label("computed_band"),
            HealthSnapshot.components,
            HealthSnapshot.left_out,
            HealthSnapshot.model_id,
        ),
    )
    not_before, on_or_before = trend_window(as_of)
    month_ago = _latest_snapshots(
        engine,
        on_or_before,
        not_before,
        account_ids,
        (HealthSnapshot.score.label("score_30d_ago"),),
    ).drop("day")
    week_ago = _latest_snapshots(
        engine,
        as_of - timedelta(days=DROP_DAYS),
        as_of - timedelta(days=TREND_LOOKBACK_DAYS),
        account_ids,
        (HealthSnapshot.band.label("band_week_ago"),),
    ).drop("day")
    overrides = with_bands(active_overrides(engine, as_of, account_ids), model)
    frame = (
        accounts.join(latest, on="account_id", how="left")
        .join(month_ago, on="account_id", how="left")
        .join(week_ago, on="account_id", how="left")
        .join(overrides, on="account_id", how="left")
    )
    recent = pl.col("day") > as_of - timedelta(days=DROP_DAYS)
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


def history(
    engine: Engine, account_id: int, since: date, until: date | None = None
) -> pl.DataFrame:
    """One account's snapshots from ``since`` (day, score, band, model_id) with
    ``model_changed`` true on the first day of a different model than the day before."""
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
    query = select(HealthModel.id, HealthModel.fingerprint, HealthModel.first_used_at)
    return read_frame(engine, query).sort("first_used_at", "id")


# -- overrides ------------------------------------------------------------------------


def set_override(
    engine: Engine,
    account_id: int,
    *,
    reason: str,
    score: float | None = None,
    band: str | None = None,
    expires_on: date | None = None,
    set_by: str = "",
    as_of: date | None = None,
) -> int:
    """Set a CS manager's score and/or band for an account from ``as_of`` (today)
    until ``expires_on`` (default 30 days on; the computed value is back on that
    day). Ends the active override first (ended by ``set_by``). Returns the new
    override's id."""
    today = as_of or date.today()
    expires_on = expires_on or today + timedelta(days=OVERRIDE_DAYS)
    if not reason or not reason.strip():
        raise HealthOverrideError("An override needs a reason: say why the score is wrong.")
    for text, what, limit in ((reason, "reason", 500), (set_by, "user name", 80)):
        if problem := text_problem(text.strip(), limit):
            raise HealthOverrideError(f"The override's {what} cannot be stored: {problem}.")
    if score is None and band is None:
        raise HealthOverrideError("An override needs a score (0-100) or a band.")
    if score is not None and not 0 <= score <= 100:
        raise HealthOverrideError(f"The override score must be between 0 and 100, not {score:g}.")
    if band is not None and band not in BANDS:
        raise HealthOverrideError(
            f"The override band must be one of {', '.join(BANDS)}, not {band!r}."
        )
    if expires_on <= today:
        raise HealthOverrideError(
            f"The override must expire after today ({today.isoformat()}), "
            f"not on {expires_on.isoformat()}."
        )
    with engine.begin() as connection:
        if connection.execute(select(Account.id).where(Account.id == account_id)).first() is None:
            raise HealthOverrideError(f"There is no account with id {account_id}.")
        connection.execute(_end_active(account_id, today, set_by))
        result = connection.execute(
            insert(HealthOverride).values(
                account_id=account_id,
                score=score,
                band=band,
                reason=reason.strip(),
                set_by=set_by,
                starts_on=today,
                expires_on=expires_on,
                created_at=utcnow(),
            )
        )
        return int(result.inserted_primary_key[0])


def _end_active(account_id: int, today: date, ended_by: str) -> Any:
    return (
        update(HealthOverride)
        .where(
            HealthOverride.account_id == account_id,
            HealthOverride.ended_at.is_(None),
            HealthOverride.expires_on > today,
        )
        .values(ended_at=utcnow(), ended_by=ended_by)
    )


def end_override(
    engine: Engine, account_id: int, ended_by: str = "", as_of: date | None = None
) -> int:
    """End the account's active override now, recording who ended it; the computed
    value is back. Returns how many were ended (0 or 1)."""
    with engine.begin() as connection:
        ended = connection.execute(_end_active(account_id, as_of or date.today(), ended_by))
        return ended.rowcount
