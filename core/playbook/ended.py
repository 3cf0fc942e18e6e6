"""Rules' tasks whose condition ended by other means than a contact: done at the next
rules run, the reason in their history.

- ``ticket_unresolved``: the ticket is resolved (a help desk's export imported again
  gives it its resolution). Left open, "Ticket #6544 unresolved for over 48 h" read
  as work still to do on a ticket closed days ago.
- ``renewal_due``, ``renewal_no_qbr``, ``set_to_cancel``: the account has churned;
  there is no renewal left to prepare, hold a QBR before, or save.

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
from core.kinds import AccountStatus
from core.models import Account, Task, Ticket
from core.playbook.followed_up import Closing, mark_done
from core.playbook.rules import TICKET_KEY


@dataclass(frozen=True)
class Ended:
    """A rule's task marked done because its condition ended: which, and why."""

    task_id: int
    title: str
    reason: str


RENEWAL_RULES = ("renewal_due", "renewal_no_qbr", "set_to_cancel")
"""The rules whose task is about an account's coming renewal: moot once it churned."""


def close_ended(connection: Connection, by: str, now: datetime) -> list[Ended]:
    """Mark done, as done by ``by`` at ``now``, every open rule task whose condition
    has ended (see the module); the tasks closed."""
    ended = _tickets_resolved(connection) + _accounts_churned(connection)
    done = mark_done(
        connection, [Closing(task.task_id, by, reason=task.reason) for task in ended], now
    )
    return [task for task in ended if task.task_id in done]


def _tickets_resolved(connection: Connection) -> list[Ended]:
    """The open ``ticket_unresolved`` tasks whose ticket is resolved."""
    rows = connection.execute(
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
    )
    return [
        Ended(task_id, title, f"ticket resolved on {aware(resolved_at):%Y-%m-%d}")
        for task_id, title, resolved_at in rows
    ]


def _accounts_churned(connection: Connection) -> list[Ended]:
    """The open tasks of ``RENEWAL_RULES`` whose account has churned."""
    rows = connection.execute(
        select(col(Task.id), Task.title, Account.churned_at)
        .join(Account, col(Account.id) == Task.account_id)
        .where(
            col(Task.rule).in_(RENEWAL_RULES),
            col(Task.completed_at).is_(None),
            Account.status == AccountStatus.CHURNED,
        )
        .order_by(col(Task.id))
    )
    return [
        Ended(task_id, title, f"account churned on {day}" if day else "account churned")
        for task_id, title, day in rows
    ]
