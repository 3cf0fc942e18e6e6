"""A rule's task whose condition ended by other means than a contact is done at the
next rules run, its history saying why; never deleted. A ticket resolved: its
'unresolved for over 48 h' task."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, text, update
from sqlmodel import Session, col

from core import models as m
from core.playbook.rules import DEFAULT_RULES, RulesConfig
from core.playbook.runs import run_rules
from core.playbook.tasks import task_queue
from tests.rows import new_account

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def every_rule() -> RulesConfig:
    return RulesConfig({name: dict(values) for name, values in DEFAULT_RULES.items()})


def ticket_tasks(engine: Engine) -> list[tuple[str, bool, str | None, str | None]]:
    """(title, done, the last event's action, its reason) of every ticket task,
    read with plain SQL."""
    with engine.connect() as connection:
        return [
            (title, completed is not None, action, reason)
            for title, completed, action, reason in connection.execute(
                text(
                    "SELECT t.title, t.completed_at, e.action, e.reason FROM task t"
                    " LEFT JOIN task_event e ON e.id ="
                    " (SELECT max(id) FROM task_event WHERE task_id = t.id)"
                    " WHERE t.rule = 'ticket_unresolved' ORDER BY t.title"
                )
            )
        ]


def test_a_resolved_ticket_closes_its_task_at_the_next_run(engine: Engine) -> None:
    with Session(engine) as session:
        account = new_account(session, "Acme")
        fixed, stuck = (
            m.Ticket(account_id=account, subject=subject, opened_at=NOW - timedelta(days=4))
            for subject in ("Export fails", "Login loops")
        )
        session.add_all([fixed, stuck])
        session.commit()
        fixed_id, stuck_id = fixed.id, stuck.id
    made = run_rules(engine, TODAY, every_rule(), NOW, ran_by="Rae")
    assert made["ticket_unresolved"] == 2
    fixed_title = f"Ticket #{fixed_id} unresolved for over 48 h: Export fails"
    stuck_title = f"Ticket #{stuck_id} unresolved for over 48 h: Login loops"
    # a help desk's export imported again: the ticket resolved yesterday
    with engine.begin() as connection:
        connection.execute(
            update(m.Ticket)
            .where(m.Ticket.id == fixed_id)
            .values(resolved_at=NOW - timedelta(days=1, hours=3))
        )
    later = NOW + timedelta(hours=1)
    run_rules(engine, TODAY, every_rule(), later, ran_by="Rae")
    assert ticket_tasks(engine) == [
        (fixed_title, True, "done", "ticket resolved on 2026-11-22"),
        (stuck_title, False, None, None),
    ]
    with engine.connect() as connection:
        by = connection.execute(text("SELECT by FROM task_event WHERE reason IS NOT NULL"))
        assert by.scalars().all() == ["Rae"]
    # the next run does not close it twice, nor make it again
    made = run_rules(engine, TODAY, every_rule(), later, ran_by="Rae")
    assert made["ticket_unresolved"] == 0
    with engine.connect() as connection:
        events = connection.execute(text("SELECT count(*) FROM task_event")).scalar()
    assert events == 1
    # the done view says why
    done = task_queue(engine, TODAY, done_only=True)
    assert done.select("title", "done_reason").rows() == [
        (fixed_title, "ticket resolved on 2026-11-22")
    ]


def test_an_account_churned_closes_its_renewal_tasks_at_the_next_run(engine: Engine) -> None:
    """Renewing in 30 days: Leaving and Staying have a renewal to prepare and a QBR to
    hold, Quitting (set to cancel) a save call. Leaving and Quitting churn."""
    renewal = TODAY + timedelta(days=30)
    with Session(engine) as session:
        leaving, quitting, staying = (
            new_account(session, name, renewal_date=renewal, cancels_at_renewal=cancels)
            for name, cancels in (("Leaving", False), ("Quitting", True), ("Staying", False))
        )
        session.commit()
    made = run_rules(engine, TODAY, every_rule(), NOW, ran_by="Rae")
    assert (made["renewal_due"], made["renewal_no_qbr"], made["set_to_cancel"]) == (2, 2, 1)
    with engine.begin() as connection:
        connection.execute(
            update(m.Account)
            .where(col(m.Account.id).in_([leaving, quitting]))
            .values(status="churned", churned_at=TODAY - timedelta(days=1))
        )
    run_rules(engine, TODAY, every_rule(), NOW + timedelta(hours=1), ran_by="Rae")
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT t.account_id, t.rule, t.completed_at IS NOT NULL, e.by, e.reason"
                " FROM task t LEFT JOIN task_event e ON e.task_id = t.id"
                " WHERE t.rule IN ('renewal_due', 'renewal_no_qbr', 'set_to_cancel')"
                " ORDER BY t.account_id, t.rule"
            )
        ).all()
    churned = "account churned on 2026-11-22"
    assert [tuple(row) for row in rows] == [
        (leaving, "renewal_due", True, "Rae", churned),
        (leaving, "renewal_no_qbr", True, "Rae", churned),
        (quitting, "set_to_cancel", True, "Rae", churned),
        (staying, "renewal_due", False, None, None),
        (staying, "renewal_no_qbr", False, None, None),
    ]
