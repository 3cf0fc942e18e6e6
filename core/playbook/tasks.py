"""The task queue: what a CS manager should do today, and what comes next.

Tasks come from playbook rules, from follow-up dates of logged interactions, and
by hand. Completing is undoable (``reopen``); snoozing moves a task out of sight
until a day, without changing its due date, and ``wake`` brings it back sooner.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Engine, func, or_
from sqlmodel import Session, col, select

from core.kinds import AccountStatus
from core.models import Account, Interaction, Task, TaskEvent, utcnow
from core.store.frames import read_frame
from core.store.locks import begin_writing

SOURCES = ("rule", "follow_up", "manual")


class TaskError(ValueError):
    """A task operation that was refused, in words; nothing was written. ``field``
    names the form field at fault (title, owner, due_on, account), when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def task_queue(
    engine: Engine,
    today: date,
    owner: str | None = None,
    source: str | None = None,
    include_done: bool = False,
    include_snoozed: bool = False,
    snoozed_only: bool = False,
    done_only: bool = False,
) -> pl.DataFrame:
    """Open tasks, ranked: overdue and due today first, then upcoming by day; within
    a day, by MRR at stake (highest first; a churned account's, the MRR it lost, after
    every live account's), then health (lowest first). Snoozed tasks
    (open, ``snoozed_until`` after today) are left out, or with ``snoozed_only`` the
    only ones listed; with ``done_only`` the done ones are (with both flags, both).
    The follow-up of a deleted interaction, and the call of a deleted
    detractor answer, are left out (undoing the delete brings them back); so is the
    follow-up of an interaction whose follow-up day was cleared (setting one again
    brings it back, on that day)."""
    from core.health.in_force import override_set
    from core.health.store import current_health

    query = select(
        Task.id,
        Task.account_id,
        Task.owner,
        Task.title,
        Task.due_on,
        Task.source,
        Task.rule,
        Task.occurrence_key,
        Task.completed_at,
        Task.snoozed_until,
        Account.external_id,
        col(Account.name).label("account_name"),
        Account.mrr_cents,
        col(Account.status).label("account_status"),
    ).join(Account, col(Task.account_id) == col(Account.id), isouter=True)
    query = query.outerjoin(Interaction, col(Task.interaction_id) == col(Interaction.id)).where(
        col(Interaction.deleted_at).is_(None),
        # a follow-up is its interaction's: cleared there, it is no longer due
        or_(col(Task.interaction_id).is_(None), col(Interaction.follow_up_on).is_not(None)),
    )
    if owner:
        query = query.where(Task.owner == owner)
    if source:
        if source not in SOURCES:
            raise TaskError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
        query = query.where(Task.source == source)
    if not (include_done or done_only):
        query = query.where(col(Task.completed_at).is_(None))
    frame = _without_deleted_answers(engine, read_frame(engine, query))
    if include_done or done_only:
        frame = _with_followed_up(engine, frame)
    done = pl.col("completed_at").is_not_null()
    snoozed = ~done & pl.col("snoozed_until").is_not_null() & (pl.col("snoozed_until") > today)
    if snoozed_only or done_only:
        frame = frame.filter((snoozed & snoozed_only) | (done & done_only))
    elif not include_snoozed:
        frame = frame.filter(~snoozed)
    ids = frame["account_id"].drop_nulls().unique().to_list()
    health = (
        current_health(engine, today, ids).select(
            "account_id",
            "score",
            "band",
            override_set(pl.col("override_score"), pl.col("override_band")).alias("override"),
        )
        if ids
        else pl.DataFrame(
            schema={
                "account_id": pl.Int64,
                "score": pl.Float64,
                "band": pl.String,
                "override": pl.String,
            }
        )
    )
    due = pl.col("due_on")
    ranked = (
        frame.join(health, on="account_id", how="left")
        .with_columns(
            pl.when(due < today)
            .then(pl.lit("overdue"))
            .when(due == today)
            .then(pl.lit("today"))
            .otherwise(pl.lit("upcoming"))
            .alias("when"),
            pl.when(due <= today).then(pl.lit(today)).otherwise(due).alias("_rank_day"),
            (pl.col("account_status") == AccountStatus.CHURNED.value)
            .fill_null(False)
            .alias("_churned"),
        )
        .sort(
            ["_rank_day", "_churned", "mrr_cents", "score", "id"],
            descending=[False, False, True, False, False],
            nulls_last=True,
        )
        .drop("_rank_day", "_churned")
    )
    if not done_only:
        return ranked
    # the done ones after the rest, the latest done first: the one just done by mistake
    latest_done = ranked.filter(done).sort("completed_at", descending=True, maintain_order=True)
    return pl.concat([ranked.filter(~done), latest_done])


def _without_deleted_answers(engine: Engine, tasks: pl.DataFrame) -> pl.DataFrame:
    """``tasks`` without the detractor tasks of NPS answers deleted since (their
    occurrence key names the answer: ``core.playbook.rules.ANSWER_KEY``), and
    without the key."""
    from core.models import SurveyResponse
    from core.playbook.rules import ANSWER_KEY

    key = pl.col("occurrence_key").str.strip_prefix(ANSWER_KEY).cast(pl.Int64, strict=False)
    tasks = tasks.with_columns(pl.when(pl.col("rule") == "detractor").then(key).alias("answer_id"))
    ids = tasks["answer_id"].drop_nulls().to_list()
    deleted: list[int] = []
    if ids:
        query = select(SurveyResponse.id).where(
            col(SurveyResponse.id).in_(ids), col(SurveyResponse.deleted_at).is_not(None)
        )
        deleted = read_frame(engine, query)["id"].to_list()
    gone = pl.col("answer_id").is_in(pl.Series(deleted, dtype=pl.Int64).implode())
    gone = gone.fill_null(False)
    return tasks.filter(~gone).drop("occurrence_key", "answer_id")


def _with_followed_up(engine: Engine, tasks: pl.DataFrame) -> pl.DataFrame:
    """``tasks`` with the kind and moment of the contact that followed each done one up
    (``followed_up_kind``, ``followed_up_at``: its last 'done' event names it,
    ``core.playbook.followed_up``) and the words of what else ended its condition
    (``done_reason``: its last 'done' event says it, ``core.playbook.ended``), null
    for the others."""
    latest = (
        select(col(TaskEvent.task_id), func.max(TaskEvent.id).label("id"))
        .join(Task, col(Task.id) == TaskEvent.task_id)
        .where(col(Task.completed_at).is_not(None))
        .where(col(TaskEvent.action).in_(("done", "reopened")))
        .group_by(col(TaskEvent.task_id))
        .subquery()
    )
    contacts = read_frame(
        engine,
        select(
            col(TaskEvent.task_id).label("id"),
            col(Interaction.kind).label("followed_up_kind"),
            col(Interaction.occurred_at).label("followed_up_at"),
            col(TaskEvent.reason).label("done_reason"),
        )
        .join(latest, latest.c.id == TaskEvent.id)
        .outerjoin(Interaction, col(Interaction.id) == TaskEvent.interaction_id)
        .where(
            TaskEvent.action == "done",
            or_(col(TaskEvent.interaction_id).is_not(None), col(TaskEvent.reason).is_not(None)),
        ),
    )
    return tasks.join(contacts, on="id", how="left")


def task_records(queue: pl.DataFrame, today: date) -> list[dict[str, Any]]:
    """The rows of a ``task_queue`` frame as the JSON of ``cxtui tasks --json``
    (docs/json.md), in the queue's order."""
    return [
        {
            "id": row["id"],
            "when": row["when"],
            "due_on": row["due_on"].isoformat(),
            "title": row["title"],
            "owner": row["owner"],
            "source": row["source"],
            "rule": row["rule"],
            "account": row["external_id"],
            "external_id": row["external_id"],  # the key every command's JSON has for it
            "account_name": row["account_name"],
            "mrr": None if row["mrr_cents"] is None else row["mrr_cents"] / 100,
            "health": row["score"],
            "band": row["band"],
            "snoozed_until": None
            if row["snoozed_until"] is None
            or row["snoozed_until"] <= today
            or row["completed_at"] is not None
            else row["snoozed_until"].isoformat(),
            "done_at": None
            if row["completed_at"] is None
            else row["completed_at"].isoformat(timespec="seconds"),
        }
        for row in queue.iter_rows(named=True)
    ]


def _task(session: Session, task_id: int) -> Task:
    """The task, its row locked until the change is committed (on PostgreSQL; on
    SQLite the whole book, ``begin_writing``): a second user marking it done at the
    same time waits, then finds it done."""
    begin_writing(session.connection())
    task = session.get(Task, task_id, with_for_update=True)
    if task is None:
        raise TaskError(f"no task #{task_id}")
    return task


def _record(
    session: Session, task_id: int, action: str, by: str, until: date | None = None
) -> None:
    """The event of ``action`` on a task, by ``by`` (task_event keeps every one)."""
    by = by.strip()
    if not by:
        raise TaskError("a change to a task needs who made it")
    session.add(TaskEvent(task_id=task_id, action=action, by=by[:80], snoozed_until=until))


def _open_task(session: Session, task_id: int, doing: str) -> Task:
    """The task, or TaskError when it is done already: ``doing`` it again would
    overwrite when (and by whom, in the events) it was done."""
    task = _task(session, task_id)
    if task.completed_at is not None:
        raise TaskError(
            f"task #{task_id} is done already (since {task.completed_at:%Y-%m-%d}): "
            f"nothing to {doing}; reopen it first"
        )
    return task


def complete(engine: Engine, task_id: int, by: str) -> None:
    """Mark an open task done, recorded as done by ``by``."""
    with Session(engine) as session:
        task = _open_task(session, task_id, "mark done")
        task.completed_at = utcnow()
        _record(session, task_id, "done", by)
        session.commit()


UNRECORDED = "(not recorded)"
"""Who marked a task done, when no event says (done by the demo book's generator,
or before task events were kept)."""


def reopen(engine: Engine, task_id: int, by: str) -> date | None:
    """Undo a completion, recorded as reopened by ``by``; TaskError for a task that
    is not done. A completion no event records (``UNRECORDED``) is recorded first,
    at its time, so that reopening does not lose when the task was done. Returns the
    day the task was snoozed until before it was done (it still is, if after today)."""
    with Session(engine) as session:
        task = _task(session, task_id)
        if task.completed_at is None:
            raise TaskError(f"task #{task_id} is not done: nothing to reopen")
        last = session.exec(
            select(TaskEvent.action)
            .where(TaskEvent.task_id == task_id, col(TaskEvent.action).in_(("done", "reopened")))
            .order_by(col(TaskEvent.at).desc(), col(TaskEvent.id).desc())
        ).first()
        if last != "done":
            session.add(
                TaskEvent(task_id=task_id, action="done", at=task.completed_at, by=UNRECORDED)
            )
        task.completed_at = None
        _record(session, task_id, "reopened", by)
        session.commit()
        return task.snoozed_until


def snooze(engine: Engine, task_id: int, until: date, today: date, by: str) -> None:
    """Hide an open task until ``until``, recorded as snoozed by ``by``."""
    if until <= today:
        raise TaskError(f"snooze until a day after today ({today}), not {until}")
    with Session(engine) as session:
        _open_task(session, task_id, "snooze").snoozed_until = until
        _record(session, task_id, "snoozed", by, until)
        session.commit()


def wake(engine: Engine, task_id: int, today: date, by: str) -> None:
    """Bring a snoozed task back to the queue today, recorded as woken by ``by``; its
    due date stays. TaskError for a task that is not snoozed (or done)."""
    with Session(engine) as session:
        task = _open_task(session, task_id, "wake")
        if task.snoozed_until is None or task.snoozed_until <= today:
            raise TaskError(f"task #{task_id} is not snoozed: it is in the queue already")
        task.snoozed_until = None
        _record(session, task_id, "woken", by)
        session.commit()


def task_history(engine: Engine, task_id: int) -> pl.DataFrame:
    """Who did what to a task, oldest first: action, at, by, snoozed_until."""
    query = (
        select(TaskEvent.action, TaskEvent.at, TaskEvent.by, TaskEvent.snoozed_until)
        .where(TaskEvent.task_id == task_id)
        .order_by(col(TaskEvent.at), col(TaskEvent.id))
    )
    return read_frame(engine, query)


def account_named(engine: Engine, name: str) -> int | None:
    """The id of the account called ``name`` (or with that external id), ignoring
    case; None for an empty name (a task about no account)."""
    wanted = name.strip().lower()
    if not wanted:
        return None
    with Session(engine) as session:
        found = session.exec(
            select(Account.id, Account.name).where(
                (func.lower(Account.name) == wanted) | (func.lower(Account.external_id) == wanted)
            )
        ).all()
    if not found:
        raise TaskError(f'no account is named "{name.strip()}"', field="account")
    if len({account_id for account_id, _ in found}) > 1:
        raise TaskError(
            f'{len(found)} accounts are named "{name.strip()}": give the external id instead',
            field="account",
        )
    return found[0][0]


def add_manual_task(
    engine: Engine,
    title: str,
    due_on: date,
    owner: str,
    account_id: int | None = None,
    today: date | None = None,
    by: str | None = None,
) -> int:
    """A task written by hand, recorded as made by ``by`` (by default its owner);
    with ``today``, a due date in the past is refused."""
    if not title.strip():
        raise TaskError("a task needs a title", field="title")
    if len(title.strip()) > 300:
        raise TaskError("a title has at most 300 characters", field="title")
    if not owner.strip():
        raise TaskError("a task needs an owner", field="owner")
    if len(owner.strip()) > 80:
        raise TaskError("an owner has at most 80 characters", field="owner")
    if today is not None and due_on < today:
        raise TaskError(f"the due date {due_on} is in the past", field="due_on")
    with Session(engine) as session:
        task = Task(
            account_id=account_id,
            owner=owner.strip(),
            title=title.strip(),
            due_on=due_on,
            source="manual",
        )
        session.add(task)
        session.flush()
        assert task.id is not None
        _record(session, task.id, "created", by if by is not None else task.owner)
        session.commit()
        return task.id
