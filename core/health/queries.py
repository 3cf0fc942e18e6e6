"""Health's reads and writes, written once as SQLAlchemy statements.

The engine runs them as they are. For a SQLite file at the current schema they are
also compiled ahead on placeholder days (``compiled_health_sql``, kept in
``core.health.health_sql``), so that ``cxtui health --recompute`` reads and writes a
file without importing SQLAlchemy or the models (~1 s). ``python -m
core.health.queries`` rewrites ``health_sql.json``;
``tests/core/test_health_sql.py`` fails when they differ.

"Every account" is spelled ``IN (SELECT id FROM account)`` on purpose (every row
has its account: the foreign keys cascade): it lets SQLite read each account's rows
through the (account_id, date) indexes, close together, instead of a date index whose
rows are scattered over the whole table (twice as fast).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Float, Select, and_, case, cast, delete, func, insert, or_, select

from core.dates import moment
from core.health.in_force import latest_snapshots_query, overrides_query
from core.health.scoring import SURVEY_KINDS, TICKET_READS
from core.models import (
    Account,
    ChurnModel,
    DailyUsage,
    HealthModel,
    HealthSnapshot,
    Interaction,
    InteractionKind,
    MrrMovement,
    MrrMovementKind,
    SurveyResponse,
    Ticket,
)
from core.store.compiled_sql import SqlAndTypes, compiled, rewrite, statement_sql

MEETINGS = (InteractionKind.MEETING.value, InteractionKind.QBR.value)


def _only(
    query: Select[Any], column: Any, account_ids: list[int] | None, by_account: bool = True
) -> Select[Any]:
    """``query`` for the given accounts, or for every account: read by account
    (``by_account``, see above) or, for a table whose window is read from an index
    that holds every column read (surveys, tickets: a third faster), as it comes."""
    if account_ids is None:
        return query.where(column.in_(select(Account.id))) if by_account else query
    return query.where(column.in_(account_ids))


def latest_answer(kind: str, days: dict[str, date]) -> Any:
    """The score of an account's latest ``kind`` answer of the last year (not
    deleted), as a scalar subquery of the account: its answers are read backwards
    through ``ix_survey_account_answered`` until one of that kind; of two at the same
    moment, the one recorded last. Two numbers per account rather than every answer
    of the year (1.1M at 100k accounts: the signals' reads peaked at +227 MB, now
    +113 MB; 3 % slower at most)."""
    return (
        select(SurveyResponse.score)
        .where(
            SurveyResponse.account_id == Account.id,
            SurveyResponse.kind == kind,
            SurveyResponse.answered_at >= moment(days["survey_start"]),
            SurveyResponse.answered_at < moment(days["end"]),
            SurveyResponse.deleted_at.is_(None),
        )
        .order_by(SurveyResponse.answered_at.desc(), SurveyResponse.id.desc())  # type: ignore[union-attr]
        .limit(1)
        .scalar_subquery()
    )


def signal_queries(days: dict[str, date], ids: list[int] | None) -> dict[str, Select[Any]]:
    """The reads behind the signals on ``core.health.windows.signal_days``, by name:
    the accounts, usage summed over the last 30 days and the 30 before, the last 90
    days' interactions per account, each account's latest NPS and CSAT score of the
    last year, the tickets of the last 90 days or open at the end, and the MRR
    movements summed."""
    end, recent_start = moment(days["end"]), moment(days["recent_start"])
    split = days["usage_split"]
    recent_users = case((DailyUsage.day > split, DailyUsage.active_users), else_=0)
    prior_users = case((DailyUsage.day <= split, DailyUsage.active_users), else_=0)
    alive = and_(Interaction.deleted_at.is_(None), Interaction.occurred_at < end)
    since = days["movements_since"]
    contraction = case(
        (
            and_(
                MrrMovement.kind == MrrMovementKind.CONTRACTION.value,
                MrrMovement.occurred_on > since,
            ),
            MrrMovement.amount_cents,
        ),
        else_=0,
    )
    until_since = case((MrrMovement.occurred_on <= since, MrrMovement.amount_cents), else_=0)
    tickets = select(
        Ticket.account_id, Ticket.opened_at, Ticket.first_response_at, Ticket.resolved_at
    )
    queries: dict[str, Select[Any]] = {
        "accounts": select(
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
        ).where(or_(Account.start_date.is_(None), Account.start_date <= days["as_of"])),
        "usage": select(
            DailyUsage.account_id,
            func.sum(recent_users).label("recent"),
            func.sum(prior_users).label("prior"),
        )
        .where(DailyUsage.day >= days["usage_start"], DailyUsage.day <= days["as_of"])
        .group_by(DailyUsage.account_id),
        "interactions": select(
            Interaction.account_id,
            func.max(Interaction.occurred_at).label("last_at"),
            func.sum(case((Interaction.kind.in_(MEETINGS), 1), else_=0)).label("meetings"),
            func.avg(cast(Interaction.sentiment, Float), type_=Float).label("sentiment"),
        )
        .where(alive, Interaction.occurred_at >= recent_start)
        .group_by(Interaction.account_id),
        "surveys": select(
            Account.id.label("account_id"),
            *(latest_answer(kind, days).label(f"latest_{kind}") for kind in SURVEY_KINDS),
        ),
        # the recent tickets, and the earlier ones still open at the end: the
        # unresolved and those resolved since, sought through the index on resolved_at
        # (one read with an OR scanned every earlier ticket: 0.32 -> 0.16 s at L)
        "tickets": tickets.where(Ticket.opened_at >= recent_start, Ticket.opened_at < end),
        "tickets_unresolved": tickets.where(
            Ticket.opened_at < recent_start, Ticket.resolved_at.is_(None)
        ),
        "tickets_resolved_later": tickets.where(
            Ticket.opened_at < recent_start, Ticket.resolved_at >= end
        ),
        "movements": select(
            MrrMovement.account_id,
            func.sum(MrrMovement.amount_cents).label("mrr_then"),
            func.sum(until_since).label("mrr_90d_ago"),
            func.sum(contraction).label("contracted"),
        )
        .where(MrrMovement.occurred_on <= days["as_of"])
        .group_by(MrrMovement.account_id),
    }
    columns = {
        "accounts": Account.id,
        "usage": DailyUsage.account_id,
        "interactions": Interaction.account_id,
        "surveys": Account.id,
        **dict.fromkeys(TICKET_READS, Ticket.account_id),
        "movements": MrrMovement.account_id,
    }
    # surveys: a row per account already; tickets: read from ix_ticket_opened and
    # ix_ticket_resolved, which hold every column read (a third faster)
    covered = ("surveys", *TICKET_READS)
    return {
        name: _only(query, columns[name], ids, by_account=name not in covered)
        for name, query in queries.items()
    }


def earlier_contacts_query(days: dict[str, date], silent: list[int]) -> Select[Any]:
    """The last interaction (``earlier_at``) of the accounts ``silent`` in the recent
    window: only those are read beyond it."""
    return (
        select(Interaction.account_id, func.max(Interaction.occurred_at).label("earlier_at"))
        .where(
            Interaction.deleted_at.is_(None),
            Interaction.occurred_at < moment(days["end"]),
            Interaction.account_id.in_(silent),
        )
        .group_by(Interaction.account_id)
    )


def snapshot_queries(days: dict[str, date], ids: list[int] | None) -> dict[str, Select[Any]]:
    """The reads behind the health in force on ``core.health.windows.snapshot_days``:
    each account's latest snapshot, the one behind its 30-day trend, the one of a
    week ago, and the overrides in force."""
    return {
        "latest": latest_snapshots_query(
            days["as_of"],
            None,
            ids,
            (
                HealthSnapshot.score.label("computed_score"),
                HealthSnapshot.band.label("computed_band"),
                HealthSnapshot.components,
                HealthSnapshot.left_out,
                HealthSnapshot.model_id,
            ),
        ),
        "month_ago": latest_snapshots_query(
            days["trend_to"],
            days["trend_from"],
            ids,
            (HealthSnapshot.score.label("score_30d_ago"),),
        ),
        "week_ago": latest_snapshots_query(
            days["week_to"], days["week_from"], ids, (HealthSnapshot.band.label("band_week_ago"),)
        ),
        "overrides": overrides_query(days["as_of"], None, ids),
    }


def presence_queries() -> dict[str, Select[Any]]:
    """Whether any snapshot is stored (``any_snapshot``), and whether a churn model has
    been fitted (``churn_model``: its scores need the engine, ``core.churn.risk``)."""
    return {
        "any_snapshot": select(HealthSnapshot.account_id).limit(1),
        "churn_model": select(ChurnModel.id).limit(1),
    }


def snapshot_writes() -> dict[str, Any]:
    """The statements that record a day's snapshots: look the model up by its
    fingerprint, record it, delete the day's snapshots, insert one."""
    return {
        "model_id": select(HealthModel.id).where(HealthModel.fingerprint == ""),
        "model": insert(HealthModel).values(fingerprint="", definition="", first_used_at=None),
        "delete_day": delete(HealthSnapshot).where(HealthSnapshot.day == date.min),
        "snapshot": insert(HealthSnapshot).values(
            account_id=0, day=None, score=None, band="", components="", left_out="", model_id=0
        ),
    }


def compiled_health_sql() -> tuple[dict[str, SqlAndTypes], dict[str, str]]:
    """What ``core.health.health_sql`` holds: the reads on its placeholder days
    (every account), and the writes with ``?`` parameters."""
    from core.health.health_sql import PLACEHOLDERS, SILENT

    days = PLACEHOLDERS
    queries = {
        **signal_queries(days, None),
        "earlier_contacts": earlier_contacts_query(days, [SILENT]),
        **snapshot_queries(days, None),
        **presence_queries(),
    }
    writes = {name: statement_sql(statement) for name, statement in snapshot_writes().items()}
    return compiled(queries), writes


if __name__ == "__main__":  # rewrite core/health/health_sql.json from the statements
    import core.health.health_sql as generated

    reads, writes = compiled_health_sql()
    rewrite(generated, {"reads": reads, "writes": writes})
