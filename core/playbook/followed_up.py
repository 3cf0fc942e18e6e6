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
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, insert, update
from sqlmodel import col, select

from core.dates import aware, moment
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
    closed."""
    now = now or utcnow()
    open_tasks = select(Task.id, Task.account_id, Task.rule, Task.occurrence_key, Task.title).where(
        col(Task.rule).in_(FOLLOWED_UP_BY_CONTACT),
        col(Task.completed_at).is_(None),
        col(Task.account_id).is_not(None),
    )
    if account_id is not None:
        open_tasks = open_tasks.where(Task.account_id == account_id)
    bounds = _bounds(connection, connection.execute(open_tasks).all(), today, config)
    if not bounds:
        return []
    contacts: dict[int, list[Row[Any]]] = {}
    for contact in connection.execute(
        select(
            Interaction.id,
            Interaction.account_id,
            Interaction.kind,
            Interaction.occurred_at,
            Interaction.logged_by,
        )
        .where(
            # the accounts of the open tasks, each through its (account_id, occurred_at) index
            col(Interaction.account_id).in_(open_tasks.with_only_columns(Task.account_id)),
            col(Interaction.deleted_at).is_(None),
            Interaction.occurred_at >= min(bound.after for bound in bounds),
            Interaction.occurred_at < moment(today + timedelta(days=1)),
        )
        .order_by(col(Interaction.occurred_at), col(Interaction.id))
    ):
        contacts.setdefault(contact.account_id, []).append(contact)
    closed = []
    for bound in bounds:
        contact = next(
            (
                contact
                for contact in contacts.get(bound.account_id, [])
                if bound.follows(contact.occurred_at, contact.kind)
            ),
            None,
        )
        if contact is None:
            continue
        done = connection.execute(
            update(Task)
            .where(col(Task.id) == bound.task_id, col(Task.completed_at).is_(None))
            .values(completed_at=now)
        )
        if not done.rowcount:  # done meanwhile by someone else
            continue
        connection.execute(
            insert(TaskEvent).values(
                task_id=bound.task_id,
                action="done",
                at=now,
                by=contact.logged_by[:80],
                interaction_id=contact.id,
            )
        )
        closed.append(
            FollowedUp(
                bound.task_id,
                bound.title,
                contact.id,
                contact.kind,
                contact.occurred_at,
                contact.logged_by,
            )
        )
    return closed


@dataclass(frozen=True)
class _Bound:
    """What follows a task up: a contact with its account after ``after`` (or at it,
    unless ``strictly``), of ``kind`` (None: any)."""

    task_id: int
    account_id: int
    title: str
    after: datetime
    strictly: bool = False
    kind: str | None = None

    def follows(self, occurred_at: datetime, kind: str) -> bool:
        occurred_at = aware(occurred_at)
        later = occurred_at > self.after if self.strictly else occurred_at >= self.after
        return later and (self.kind is None or kind == self.kind)


_EVER = moment(date(1900, 1, 1))
"""A silent spell since an account's start (``silent:<id>:never``): any contact ends it."""


def _bounds(
    connection: Connection, tasks: Sequence[Row[Any]], today: date, config: RulesConfig
) -> list[_Bound]:
    """What follows up each of ``tasks`` (id, account_id, rule, occurrence_key,
    title); a detractor task whose answer is unknown, or a key not understood, none."""
    answer_ids = {
        task.id: int(task.occurrence_key.removeprefix(ANSWER_KEY))
        for task in tasks
        if task.rule == "detractor" and task.occurrence_key.removeprefix(ANSWER_KEY).isdigit()
    }
    answered = dict(
        connection.execute(
            select(SurveyResponse.id, SurveyResponse.answered_at).where(
                col(SurveyResponse.id).in_(list(answer_ids.values()))
            )
        ).all()
    )
    qbr_since = moment(today - timedelta(days=config.settings["renewal_no_qbr"]["qbr_days"]))
    bounds = []
    for task in tasks:
        bound = _Bound(task.id, task.account_id, task.title, qbr_since, kind="qbr")
        if task.rule == "detractor":
            answered_at = answered.get(answer_ids.get(task.id))
            if answered_at is None:
                continue
            bound = replace(bound, after=aware(answered_at), strictly=True, kind=None)
        elif task.rule == "no_interaction":
            last_day = task.occurrence_key.rsplit(":", 1)[-1]
            try:  # a contact on a later day than the last one
                after = (
                    _EVER
                    if last_day == "never"
                    else moment(date.fromisoformat(last_day) + timedelta(days=1))
                )
            except ValueError:
                continue
            bound = replace(bound, after=after, kind=None)
        bounds.append(bound)
    return bounds


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
