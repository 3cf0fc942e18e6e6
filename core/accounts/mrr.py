"""MRR has one truth: an account's MRR is the balance of its MRR movements.

While an account is a customer, ``account.mrr_cents`` equals the sum of its
movements; once churned, its movements sum to 0 and ``mrr_cents`` keeps the MRR it
had when it left (the MRR lost). Every write that sets an account's MRR or status
calls ``record_movements`` in its transaction, which writes the movements that
explain the difference:

- an account without movements gets a ``new`` movement of its MRR on its start
  date (``BEFORE_RECORDS`` when unknown: never New MRR in any period) and, when
  churned, a ``churn`` movement on its churn date, or on the day the undated churn
  was recorded (``churn_recorded_on``, see ``core.accounts.customers``);
- a live account whose MRR differs from its balance gets an ``expansion`` or a
  ``contraction`` of the difference on the effective date (a ``reactivation`` when
  its movements had churned it);
- a churned account whose movements still hold MRR gets its ``churn`` movement.

An import whose file tells the history of each account's MRR (Stripe's
subscriptions, ``core.importing.presets``) gives it to ``record_movements``: an
account without movements gets that history instead of one opening movement, one
whose movements agree with it gets what followed its last (a later export), and
what remains is explained as above.

``sync_accounts_to_movements`` goes the other way, after MRR movements were
imported: each account's MRR and status follow its movements.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from core.accounts.customers import BEFORE_RECORDS
from core.metrics.model import dollars

_STATE_SQL = """
SELECT a.id, a.mrr_cents, a.status, a.start_date, a.churned_at, a.churn_recorded_on,
       COALESCE(m.balance, 0), COALESCE(m.moves, 0), m.last_kind
FROM account a
LEFT JOIN (
    SELECT account_id, SUM(amount_cents) AS balance, COUNT(*) AS moves,
           MAX(CASE WHEN kind IN ('churn', 'reactivation') THEN occurred_on || ' ' || kind END)
             AS last_kind
    FROM mrr_movement GROUP BY account_id
) m ON m.account_id = a.id
"""
_STATE_SCHEMA = {
    "account_id": pl.Int64,
    "mrr_cents": pl.Int64,
    "status": pl.String,
    "start_date": pl.String,
    "churned_at": pl.String,
    "churn_recorded_on": pl.String,
    "balance": pl.Int64,
    "moves": pl.Int64,
    "last_kind": pl.String,
}
_MOVEMENT_SCHEMA = {
    "account_id": pl.Int64,
    "occurred_on": pl.Date,
    "kind": pl.String,
    "amount_cents": pl.Int64,
}


@dataclass
class Recorded:
    """What ``record_movements`` wrote: movements by kind (count, cents)."""

    movements: dict[str, tuple[int, int]]
    undated_churns: int
    histories: int = 0  # accounts whose movements are the file's history
    untold: int = 0  # accounts the file gives no whole history of (an opening instead)
    moved_openings: int = 0  # accounts whose opening moved to their new start date
    kept_openings: int = 0  # accounts given a new start date after other movements

    def describe(self) -> list[str]:
        """In words, for an import's summary."""
        lines = [
            f"{count:,} {kind} MRR movement{'s' if count != 1 else ''} recorded ({dollars(cents)})"
            for kind, (count, cents) in sorted(self.movements.items())
        ]
        if self.histories:
            lines.insert(
                0,
                f"MRR history of {self.histories:,} account{'s' if self.histories != 1 else ''}"
                " recorded from the file, day by day (new, expansion, contraction, churn,"
                " reactivation)",
            )
        if self.untold:
            lines.insert(
                1 if self.histories else 0,
                f"Assumed: {self.untold:,} account{'s' if self.untold != 1 else ''}"
                f" {'has' if self.untold == 1 else 'have'} a subscription without a readable"
                " start, amount or end date: one opening movement of its MRR on its start"
                " stands for its history",
            )
        if self.moved_openings:
            lines.append(
                f"{self.moved_openings:,} account{'s' if self.moved_openings != 1 else ''}"
                " given another start date: the opening MRR movement moved to it"
            )
        if self.kept_openings:
            lines.append(
                f"Assumed: {self.kept_openings:,} account"
                f"{'s' if self.kept_openings != 1 else ''} given a start date after"
                " MRR movements already recorded: the MRR history kept as it was, so it"
                " begins before the start date"
            )
        return lines


def _mark(dialect: str) -> str:
    return "?" if dialect == "sqlite" else "%s"


def _state(raw: Any, dialect: str, account_ids: Iterable[int] | None) -> pl.DataFrame:
    cursor = raw.cursor()
    sql = _STATE_SQL.replace("occurred_on || ' ' || kind", _concat(dialect))
    cursor.execute(sql)
    rows = cursor.fetchall()
    cursor.close()
    frame = pl.DataFrame(
        [tuple(str(v) if isinstance(v, date) else v for v in row) for row in rows],
        schema=_STATE_SCHEMA,
        orient="row",
    ).with_columns(
        pl.col(name).str.slice(0, 10).str.to_date()
        for name in ("start_date", "churned_at", "churn_recorded_on")
    )
    if account_ids is not None:
        frame = frame.filter(pl.col("account_id").is_in(list(account_ids)))
    return frame


def _concat(dialect: str) -> str:
    if dialect == "sqlite":
        return "occurred_on || ' ' || kind"
    return "CAST(occurred_on AS TEXT) || ' ' || kind"


def record_movements(
    raw: Any,
    dialect: str,
    effective: date,
    account_ids: Iterable[int] | None = None,
    history: pl.DataFrame | None = None,
    starts: pl.DataFrame | None = None,
) -> Recorded:
    """Inside the caller's transaction on ``raw`` (a DB-API connection): record the
    undated churns of ``account_ids`` (every account when None) on ``effective``
    and write the MRR movements that make each account's movements explain its MRR.
    ``history``: movements by external_id (occurred_on, kind, amount_cents), written
    first: an account's whole history when it has no movement yet, else what
    follows its last one (``_history_to_write``). ``starts``: the accounts whose
    start date was changed (account_id, was, start_date), their openings moved first
    (``_move_openings``)."""
    mark = _mark(dialect)
    moved, kept = _move_openings(raw, dialect, starts) if starts is not None else (0, 0)
    told = _history_to_write(raw, history) if history is not None else None
    untold = 0
    if told is not None:
        untold = told.filter(pl.col("kind").is_null())["account_id"].n_unique()
        told = told.filter(pl.col("kind").is_not_null())
        _insert(raw, dialect, told)
    cursor = raw.cursor()
    # A churned status without a date: the churn is recorded today, undated.
    cursor.execute(
        "UPDATE account SET churn_recorded_on = "
        f"{mark} WHERE status = 'churned' AND churned_at IS NULL AND churn_recorded_on IS NULL",
        (effective.isoformat() if mark == "?" else effective,),
    )
    undated = cursor.rowcount
    cursor.close()
    state = _state(raw, dialect, account_ids)
    movements = _explaining(state, effective)
    _insert(raw, dialect, movements)
    opening = (pl.col("kind") == "new") & (pl.col("occurred_on") == BEFORE_RECORDS)
    named = movements.with_columns(
        pl.when(opening)
        .then(pl.lit("opening (before the records)"))
        .otherwise("kind")
        .alias("kind")
    )
    if told is not None:
        named = pl.concat([told.cast(_MOVEMENT_SCHEMA), named])  # type: ignore[arg-type]
    totals = named.group_by("kind").agg(pl.len(), pl.col("amount_cents").sum())
    return Recorded(
        {kind: (count, cents) for kind, count, cents in totals.iter_rows()},
        max(undated, 0),
        histories=0 if told is None else told["account_id"].n_unique(),
        untold=untold,
        moved_openings=moved,
        kept_openings=kept,
    )


def _move_openings(raw: Any, dialect: str, starts: pl.DataFrame) -> tuple[int, int]:
    """Accounts whose start date changed (``starts``: account_id, was, start_date;
    null for unknown): the opening movement on the old start, a ``new`` and the
    first, moves to the new one, as an opening is on its account's start. When
    another movement of the account is dated before the new start (a churn, an
    expansion), the history stays as it was. Returns how many moved, and how many
    kept movements dated before their new start."""
    mark = _mark(dialect)
    sql = (
        f"UPDATE mrr_movement SET occurred_on = {mark} WHERE account_id = {mark}"
        f" AND kind = 'new' AND occurred_on = {mark} AND NOT EXISTS (SELECT 1 FROM"
        f" mrr_movement o WHERE o.account_id = {mark} AND o.id <> mrr_movement.id"
        f" AND (o.occurred_on < {mark} OR o.occurred_on < {mark}))"
    )
    day = (lambda d: d.isoformat()) if mark == "?" else (lambda d: d)
    moved = kept = 0
    cursor = raw.cursor()
    for account_id, was, start in starts.select("account_id", "was", "start_date").rows():
        was, start = day(was or BEFORE_RECORDS), day(start or BEFORE_RECORDS)
        cursor.execute(sql, (start, account_id, was, account_id, was, start))
        if cursor.rowcount > 0:
            moved += 1
            continue
        cursor.execute(
            f"SELECT count(*) FROM mrr_movement WHERE account_id = {mark} AND occurred_on < {mark}",
            (account_id, start),
        )
        kept += cursor.fetchone()[0] > 0
    cursor.close()
    return moved, kept


def _history_to_write(raw: Any, history: pl.DataFrame) -> pl.DataFrame:
    """The movements of ``history`` (by external_id) to write, by account_id: all of
    them for an account without movements; for one with movements (a later export of
    the same subscriptions), those dated after its last, when its balance then is the
    history's on that day (else nothing: its difference is explained on the import's
    day, as for any file)."""
    cursor = raw.cursor()
    cursor.execute(
        "SELECT a.id, a.external_id, COUNT(m.id), MAX(m.occurred_on),"
        " COALESCE(SUM(m.amount_cents), 0) FROM account a"
        " LEFT JOIN mrr_movement m ON m.account_id = a.id"
        " WHERE a.external_id IS NOT NULL GROUP BY a.id, a.external_id"
    )
    stored = pl.DataFrame(
        [
            (a, e, n, None if d is None else str(d)[:10], int(b))
            for a, e, n, d, b in cursor.fetchall()
        ],
        schema={
            "account_id": pl.Int64,
            "external_id": pl.String,
            "moves": pl.Int64,
            "last": pl.String,
            "balance": pl.Int64,
        },
        orient="row",
    ).with_columns(pl.col("last").str.to_date())
    cursor.close()
    told = history.join(stored, on="external_id")
    until_last = pl.col("amount_cents").filter(pl.col("occurred_on") <= pl.col("last")).sum()
    agrees = until_last.over("account_id").fill_null(0) == pl.col("balance")
    after = (pl.col("occurred_on") > pl.col("last")) & pl.col("kind").is_not_null() & agrees
    return told.filter((pl.col("moves") == 0) | after).select(
        "account_id", "occurred_on", "kind", "amount_cents"
    )


def _explaining(state: pl.DataFrame, effective: date) -> pl.DataFrame:
    """The movements that make each account's movements explain its MRR and status."""
    churned = pl.col("status") == "churned"
    left_on = pl.coalesce("churned_at", "churn_recorded_on", pl.lit(effective))
    fresh = state.filter(pl.col("moves") == 0, pl.col("mrr_cents") > 0)
    opening = fresh.select(
        "account_id",
        pl.col("start_date").fill_null(BEFORE_RECORDS).alias("occurred_on"),
        pl.lit("new").alias("kind"),
        pl.col("mrr_cents").alias("amount_cents"),
    )
    closing = fresh.filter(churned).select(
        "account_id",
        left_on.alias("occurred_on"),
        pl.lit("churn").alias("kind"),
        (-pl.col("mrr_cents")).alias("amount_cents"),
    )
    known = state.filter(pl.col("moves") > 0)
    churned_by_movements = pl.col("last_kind").str.ends_with(" churn").fill_null(False)
    # A live account: its balance becomes its MRR.
    live = known.filter(~churned, pl.col("mrr_cents") != pl.col("balance"))
    diff = pl.col("mrr_cents") - pl.col("balance")
    adjusted = live.select(
        "account_id",
        pl.lit(effective).alias("occurred_on"),
        pl.when((pl.col("balance") <= 0) & churned_by_movements)
        .then(pl.lit("reactivation"))
        .when(pl.col("balance") <= 0)
        .then(pl.lit("new"))
        .when(diff > 0)
        .then(pl.lit("expansion"))
        .otherwise(pl.lit("contraction"))
        .alias("kind"),
        diff.alias("amount_cents"),
    )
    # A churned account whose movements still hold MRR: its MRR lost is its
    # mrr_cents; the difference first, then the churn, on the churn date.
    gone = known.filter(churned, pl.col("balance") > 0)
    # (An MRR of 0 in the file says nothing of what was lost: the balance goes.)
    told = pl.col("mrr_cents") > 0
    correction = gone.filter(told, pl.col("mrr_cents") != pl.col("balance")).select(
        "account_id",
        left_on.alias("occurred_on"),
        pl.when(diff > 0).then(pl.lit("expansion")).otherwise(pl.lit("contraction")).alias("kind"),
        diff.alias("amount_cents"),
    )
    churn = gone.select(
        "account_id",
        left_on.alias("occurred_on"),
        pl.lit("churn").alias("kind"),
        (-pl.when(told).then(pl.col("mrr_cents")).otherwise(pl.col("balance"))).alias(
            "amount_cents"
        ),
    )
    frames = [opening, closing, adjusted, correction, churn]
    return pl.concat([frame.cast(_MOVEMENT_SCHEMA) for frame in frames]).filter(  # type: ignore[arg-type]
        pl.col("amount_cents") != 0
    )


def _insert(raw: Any, dialect: str, movements: pl.DataFrame) -> None:
    if movements.height == 0:
        return
    mark = _mark(dialect)
    sql = (
        "INSERT INTO mrr_movement (account_id, occurred_on, kind, amount_cents)"
        f" VALUES ({mark}, {mark}, {mark}, {mark})"
    )
    if mark == "?":
        movements = movements.with_columns(pl.col("occurred_on").cast(pl.String))
    cursor = raw.cursor()
    cursor.executemany(sql, movements.rows())
    cursor.close()


def sync_accounts_to_movements(raw: Any, dialect: str, account_ids: Iterable[int]) -> int:
    """After MRR movements were written for ``account_ids``: each account's MRR,
    status and churn date follow its movements (a live balance is its MRR; a last
    ``churn`` churns it on that date, keeping the MRR it lost; a last
    ``reactivation`` makes it active again). Returns the accounts changed."""
    ids = list(account_ids)
    if not ids:
        return 0
    mark = _mark(dialect)
    cursor = raw.cursor()
    few = len(ids) <= 500
    where = f" WHERE account_id IN ({', '.join(mark for _ in ids)})" if few else ""
    cursor.execute(
        f"SELECT account_id, occurred_on, kind, amount_cents FROM mrr_movement{where}",
        ids if few else (),
    )
    rows = cursor.fetchall()
    moves = pl.DataFrame(
        [(a, str(d)[:10], k, c) for a, d, k, c in rows],
        schema={"account_id": pl.Int64, "day": pl.String, "kind": pl.String, "cents": pl.Int64},
        orient="row",
    ).filter(pl.col("account_id").is_in(ids))
    status_moves = pl.col("kind").is_in(["churn", "reactivation"])
    per_account = (
        moves.sort("account_id", "day")
        .group_by("account_id")
        .agg(
            pl.col("cents").sum().alias("balance"),
            pl.col("kind").filter(status_moves).last().alias("last_kind"),
            pl.col("day").filter(status_moves).last().alias("last_day"),
            (-pl.col("cents").filter(pl.col("kind") == "churn").last()).alias("lost"),
        )
    )
    churned = per_account.filter((pl.col("last_kind") == "churn") & (pl.col("balance") <= 0))
    live = per_account.filter(~pl.col("account_id").is_in(churned["account_id"].implode()))
    day = mark if mark == "?" else f"CAST({mark} AS DATE)"
    live_sql = (
        f"UPDATE account SET mrr_cents = {mark}, status = CASE WHEN status = 'churned'"
        " THEN 'active' ELSE status END, churned_at = CASE WHEN status = 'churned'"
        f" THEN NULL ELSE churned_at END WHERE id = {mark}"
    )
    # A churn on the day an undated churn was recorded is that churn: it stays undated.
    churn_sql = (
        f"UPDATE account SET mrr_cents = {mark}, status = 'churned', churned_at = CASE"
        f" WHEN churned_at IS NULL AND churn_recorded_on = {day} THEN NULL"
        f" ELSE COALESCE(churned_at, {day}) END WHERE id = {mark}"
    )
    cursor.executemany(
        live_sql,
        [(max(b, 0), account) for account, b in live.select("account_id", "balance").rows()],
    )
    cursor.executemany(
        churn_sql,
        [
            (lost or 0, day, day, account)
            for account, day, lost in churned.select("account_id", "last_day", "lost").rows()
        ],
    )
    cursor.close()
    return per_account.height
