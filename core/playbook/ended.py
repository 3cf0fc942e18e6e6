"""Rules' tasks whose condition ended by other means than a contact: done at the next
rules run, the reason in their history.

- ``ticket_unresolved``: the ticket is resolved (a help desk's export imported again
  gives it its resolution). Left open, "Ticket #6544 unresolved for over 48 h" read
  as work still to do on a ticket closed days ago.

``close_ended`` marks each such open task done, recorded as done by whoever ran the
rules, its 'done' event saying why (``TaskEvent.reason``, "ticket resolved on
2026-12-06"): the queue's done view shows it before the title. A task is never
deleted. Contacts that follow a task up are ``core.playbook.followed_up``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, String, and_, cast, literal
from sqlmodel import col, select

from core.dates import aware
from core.models import Task, Ticket
from core.playbook.followed_up import Closing, mark_done
from core.playbook.rules import TICKET_KEY


@dataclass(frozen=True)
class Ended:
    """A rule's task marked done because its condition ended: which, and why."""

    task_id: int
    title: str
    reason: str


def close_ended(connection: Connection, by: str, now: datetime) -> list[Ended]:
    """Mark done, as done by ``by`` at ``now``, every open rule task whose condition
    has ended (see the module); the tasks closed."""
    resolved = connection.execute(
        select(col(Task.id), Task.title, Ticket.resolved_at)
        .join(
            Ticket,
            and_(
                Ticket.account_id == Task.account_id,  # through its account's index
                Task.occurrence_key == literal(TICKET_KEY) + cast(Ticket.id, String),
            ),
        )
        .where(
            Task.rule == "ticket_unresolved",
            col(Task.completed_at).is_(None),
            col(Ticket.resolved_at).is_not(None),
        )
        .order_by(col(Task.id))
    ).all()
    ended = [
        Ended(task_id, title, f"ticket resolved on {aware(resolved_at):%Y-%m-%d}")
        for task_id, title, resolved_at in resolved
    ]
    done = mark_done(
        connection, [Closing(task.task_id, by, reason=task.reason) for task in ended], now
    )
    return [task for task in ended if task.task_id in done]
