"""Rules' tasks that a logged contact makes moot: done, with the contact named.

Three rules make a task because a contact is missing:

- ``detractor``: an NPS detractor nobody has followed up (no interaction logged
  for the account after the answer);
- ``no_interaction``: no interaction for ``days`` (its spell keyed by the day of the
  last contact, ``silent:<account>:<day>`` or ``...:never``);
- ``renewal_no_qbr``: a renewal coming and no QBR in the last ``qbr_days``.

Once that contact is logged (any interaction after the answer, any after the last
contact's day, a QBR within ``qbr_days``), the task's condition is gone: left open,
it read as work still to do. ``close_followed_up`` marks each such open task done,
recorded as done by whoever logged the contact, at the moment it is closed, its
event naming the interaction (``TaskEvent.interaction_id``): the queue's done view
says why. Logging an entry closes the account's tasks at once
(``core.interactions.log_entry``); every rules run closes those that contacts
imported or edited since have followed up (``core.playbook.runs.run_rules``).
A deleted contact follows nothing up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
    Integer,
    ScalarSelect,
    Select,
    String,
    and_,
    cast,
    column,
    insert,
    literal,
    union_all,
    update,
    values,
)
from sqlmodel import col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from core.dates import moment
from core.models import Interaction, SurveyResponse, Task, TaskEvent, utcnow
from core.playbook.rules import ANSWER_KEY, RulesConfig

FOLLOWED_UP_BY_CONTACT = ("detractor", "no_interaction", "renewal_no_qbr")
"""The rules whose task a logged contact makes moot."""


@dataclass(frozen=True)
class FollowedUp:
    """A task marked done by a contact: which, and the interaction that did it."""

    task_id: int
    title: str
    interaction_id: int
    kind: str
    occurred_at: datetime
    by: str


def close_followed_up(
    connection: Connection,
    today: date,
    config: RulesConfig,
    account_id: int | None = None,
    now: datetime | None = None,
) -> list[FollowedUp]:
    """Mark done every open task of ``FOLLOWED_UP_BY_CONTACT`` (of ``account_id``
    only, if given) whose contact has been logged since, in ``connection``'s
    transaction (which sees the contact just logged, not yet committed); the tasks
    closed.

    Set-based: one statement finds, for each open task, the first contact that
    follows it up (a correlated subquery per task, through the interactions'
    (account_id, occurred_at) index); one UPDATE marks them done, one INSERT records
    their events (``mark_done``)."""
    now = now or utcnow()
    found = union_all(*_first_contacts(connection, today, config, account_id)).subquery()
    rows = connection.execute(
        select(
            found.c.task_id,
            found.c.title,
            col(Interaction.id),
            Interaction.kind,
            Interaction.occurred_at,
            Interaction.logged_by,
        )
        .join(Interaction, col(Interaction.id) == found.c.interaction_id)
        .order_by(found.c.task_id)
    ).all()
    done = mark_done(
        connection,
        [Closing(row.task_id, row.logged_by, interaction_id=row.id) for row in rows],
        now,
    )
    return [
        FollowedUp(row.task_id, row.title, row.id, row.kind, row.occurred_at, row.logged_by)
        for row in rows
        if row.task_id in done
    ]


@dataclass(frozen=True)
class Closing:
    """A rule's task to mark done, by whom, and why: the contact that followed it up
    (``interaction_id``) or the words of what ended its condition (``reason``)."""

    task_id: int
    by: str
    interaction_id: int | None = None
    reason: str | None = None


def mark_done(connection: Connection, closing: Sequence[Closing], now: datetime) -> set[int]:
    """Mark ``closing``'s tasks done at ``now`` with one UPDATE, and record their 'done'
    events with one INSERT; a task done meanwhile (by someone else) is left as it is.
    The ids of the tasks marked done."""
    if not closing:
        return set()
    done = set(
        connection.execute(
            update(Task)
            .where(
                col(Task.id).in_([task.task_id for task in closing]),
                col(Task.completed_at).is_(None),
            )
            .values(completed_at=now)
            .returning(col(Task.id))
        ).scalars()
    )
    if done:
        connection.execute(
            insert(TaskEvent),
            [
                {
                    "task_id": task.task_id,
                    "action": "done",
                    "at": now,
                    "by": task.by[:80],
                    "interaction_id": task.interaction_id,
                    "reason": task.reason,
                }
                for task in closing
                if task.task_id in done
            ],
        )
    return done


def _first_contacts(
    connection: Connection, today: date, config: RulesConfig, account_id: int | None
) -> list[Select[Any]]:
    """Per rule, a query of its open tasks (``task_id``, ``title``) with the first
    contact that follows each up (``interaction_id``, NULL for none)."""

    def first_contact(*follows: ColumnElement[bool]) -> ScalarSelect[Any]:
        return (
            select(col(Interaction.id))
            .where(
                Interaction.account_id == Task.account_id,
                col(Interaction.deleted_at).is_(None),
                Interaction.occurred_at < moment(today + timedelta(days=1)),
                *follows,
            )
            .order_by(col(Interaction.occurred_at), col(Interaction.id))
            .limit(1)
            .scalar_subquery()
        )

    def open_tasks(rule: str, *follows: ColumnElement[bool]) -> Select[Any]:
        query = select(
            col(Task.id).label("task_id"),
            col(Task.title).label("title"),
            first_contact(*follows).label("interaction_id"),
        ).where(Task.rule == rule, col(Task.completed_at).is_(None))
        if account_id is not None:
            query = query.where(Task.account_id == account_id)
        return query

    qbr_since = moment(today - timedelta(days=config.settings["renewal_no_qbr"]["qbr_days"]))
    queries = [
        # a QBR within qbr_days
        open_tasks(
            "renewal_no_qbr", Interaction.kind == "qbr", Interaction.occurred_at >= qbr_since
        ),
        # any contact after the answer
        open_tasks("detractor", Interaction.occurred_at > SurveyResponse.answered_at).join(
            SurveyResponse,
            and_(
                SurveyResponse.account_id == Task.account_id,  # through its account's index
                Task.occurrence_key == literal(ANSWER_KEY) + cast(SurveyResponse.id, String),
            ),
        ),
    ]
    silent = _silent_since(connection, account_id)
    if silent is not None:
        # any contact on a later day than the last one
        queries.append(
            open_tasks("no_interaction", Interaction.occurred_at >= silent.c.since).join(
                silent, silent.c.task_id == Task.id
            )
        )
    return queries


_EVER = moment(date(1900, 1, 1))
"""A silent spell since an account's start (``silent:<id>:never``): any contact ends it."""


def _silent_since(connection: Connection, account_id: int | None) -> CTE | None:
    """The open ``no_interaction`` tasks (of ``account_id``, if given) with the moment
    from which a contact ends their spell (``task_id``, ``since``): the day after the
    last contact their key names (``silent:<account>:<day>``), or ``_EVER`` for
    ``...:never``; a key not understood, none. None for no such task."""
    query = select(Task.id, Task.occurrence_key).where(
        Task.rule == "no_interaction", col(Task.completed_at).is_(None)
    )
    if account_id is not None:
        query = query.where(Task.account_id == account_id)
    bounds = []
    for task_id, key in connection.execute(query):
        last_day = key.rsplit(":", 1)[-1]
        if last_day == "never":
            bounds.append((task_id, _EVER))
            continue
        try:
            bounds.append((task_id, moment(date.fromisoformat(last_day) + timedelta(days=1))))
        except ValueError:
            continue
    if not bounds:
        return None
    return (
        values(column("task_id", Integer), column("since", UTCDateTime()), name="silent")
        .data(bounds)
        .cte("silent")
    )


def reopen_unfollowed(
    connection: Connection, interaction_id: int, by: str, now: datetime | None = None
) -> list[int]:
    """Reopen the tasks the contact ``interaction_id`` closed (their last 'done' event
    names it) and still done, recorded as reopened by ``by``: that contact is deleted,
    it follows nothing up. Their ids."""
    now = now or utcnow()
    closed_by_it = connection.execute(
        select(TaskEvent.task_id)
        .join(Task, col(Task.id) == TaskEvent.task_id)
        .where(
            TaskEvent.interaction_id == interaction_id,
            TaskEvent.action == "done",
            col(Task.completed_at).is_not(None),
        )
        .distinct()
    ).scalars()
    reopened = []
    for task_id in closed_by_it:
        last = connection.execute(
            select(TaskEvent.interaction_id)
            .where(TaskEvent.task_id == task_id, col(TaskEvent.action).in_(("done", "reopened")))
            .order_by(col(TaskEvent.at).desc(), col(TaskEvent.id).desc())
            .limit(1)
        ).scalar()
        if last != interaction_id:  # reopened and done again since, by other means
            continue
        connection.execute(update(Task).where(col(Task.id) == task_id).values(completed_at=None))
        connection.execute(
            insert(TaskEvent).values(task_id=task_id, action="reopened", at=now, by=by[:80])
        )
        reopened.append(task_id)
    return reopened


def followed_up_words(closed: Sequence[FollowedUp]) -> str:
    """What logging a contact did to the rules' tasks, in a sentence ('' for nothing):
    'It follows up the task "Call Acme: NPS 3 on ..., no follow-up yet": done.'"""
    if not closed:
        return ""
    titles = "; ".join(f'"{task.title}"' for task in closed)
    if len(closed) == 1:
        return f"It follows up the task {titles}: done."
    return f"It follows up {len(closed)} tasks, done: {titles}."
