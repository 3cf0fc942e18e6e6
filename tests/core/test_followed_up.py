"""A rule's task whose condition a logged contact ends is done once that contact is
logged (at once) or imported (on the next rules run), recorded as done by whoever
logged it, the event naming the contact; the other rules' tasks stay open."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, text
from sqlmodel import Session

from core import models as m
from core.interactions import EntryForm, log_entry, set_deleted
from core.playbook.rules import DEFAULT_RULES, RulesConfig
from core.playbook.runs import run_rules
from tests.rows import new_account

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
RENEWAL = TODAY + timedelta(days=30)


def every_rule() -> RulesConfig:
    return RulesConfig({name: dict(values) for name, values in DEFAULT_RULES.items()})


def contact(
    account_id: int, days_ago: float, kind: str = "call", by: str = "import"
) -> m.Interaction:
    return m.Interaction(
        account_id=account_id,
        kind=kind,
        occurred_at=NOW - timedelta(days=days_ago),
        logged_by=by,
        summary=f"{kind} {days_ago} days ago",
    )


def book(engine: Engine) -> dict[str, int]:
    """Detractor: an NPS 3 two days ago, its last contact before it. Silent: last
    contacted 40 days ago. Renewing: renews in 30 days, no QBR, contacted yesterday,
    set to cancel at it and red. Each gets its rules' tasks from a first run."""
    with Session(engine) as session:
        ids = {
            "detractor": new_account(session, "Detractor"),
            "silent": new_account(session, "Silent"),
            "renewing": new_account(
                session, "Renewing", renewal_date=RENEWAL, cancels_at_renewal=False
            ),
        }
        session.add_all(
            [
                contact(ids["detractor"], 5),
                contact(ids["silent"], 40),
                contact(ids["renewing"], 1),
                m.SurveyResponse(
                    account_id=ids["detractor"],
                    kind="nps",
                    score=3,
                    answered_at=NOW - timedelta(days=2),
                ),
            ]
        )
        session.commit()
    made = run_rules(engine, TODAY, every_rule(), NOW, ran_by="rules")
    assert made["detractor"] == made["no_interaction"] == made["renewal_no_qbr"] == 1
    assert made["renewal_due"] == 1
    return ids


def open_tasks(engine: Engine, account_id: int) -> list[str]:
    """The rules of the account's open tasks, read with plain SQL."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT rule FROM task WHERE account_id = :a AND completed_at IS NULL ORDER BY rule"
            ),
            {"a": account_id},
        )
        return [rule for (rule,) in rows]


def done_events(engine: Engine, account_id: int) -> list[tuple[str, str, str, int | None]]:
    """(rule, action, by, interaction_id) of the account's tasks' events, plain SQL."""
    with engine.connect() as connection:
        return [
            tuple(row)  # type: ignore[misc]
            for row in connection.execute(
                text(
                    "SELECT t.rule, e.action, e.by, e.interaction_id FROM task_event e"
                    " JOIN task t ON t.id = e.task_id WHERE t.account_id = :a ORDER BY e.id"
                ),
                {"a": account_id},
            )
        ]


def test_a_call_logged_closes_the_detractor_task_at_once(engine: Engine) -> None:
    ids = book(engine)
    logged = log_entry(
        engine, ids["detractor"], EntryForm(kind="call", summary="Sorry call"), "Ann", NOW
    )
    assert open_tasks(engine, ids["detractor"]) == []
    assert done_events(engine, ids["detractor"]) == [("detractor", "done", "Ann", logged.entry_id)]
    assert [task.title for task in logged.followed_up] == [
        "Call Detractor: NPS 3 on 2026-11-21, no follow-up yet"
    ]
    # the next run makes no task again for that answer, nor closes it twice
    assert run_rules(engine, TODAY, every_rule(), NOW, ran_by="rules")["detractor"] == 0
    assert len(done_events(engine, ids["detractor"])) == 1


def test_an_email_ends_the_silence_a_call_leaves_the_qbr_to_hold(engine: Engine) -> None:
    ids = book(engine)
    log_entry(engine, ids["silent"], EntryForm(kind="email", summary="Checking in"), "Bo", NOW)
    assert open_tasks(engine, ids["silent"]) == []
    assert [event[:3] for event in done_events(engine, ids["silent"])] == [
        ("no_interaction", "done", "Bo")
    ]
    log_entry(engine, ids["renewing"], EntryForm(kind="call", summary="Chat"), "Cy", NOW)
    assert open_tasks(engine, ids["renewing"]) == ["renewal_due", "renewal_no_qbr"]
    log_entry(engine, ids["renewing"], EntryForm(kind="qbr", summary="QBR"), "Cy", NOW)
    # the QBR is held; the renewal is still to prepare: a contact does not end that
    assert open_tasks(engine, ids["renewing"]) == ["renewal_due"]


def test_the_next_run_closes_what_contacts_imported_followed_up(engine: Engine) -> None:
    ids = book(engine)
    with Session(engine) as session:
        # before the answer (backfilled): no follow-up; deleted: none either
        session.add(contact(ids["detractor"], 3))
        gone = contact(ids["silent"], 1)
        gone.deleted_at = NOW
        session.add(gone)
        session.commit()
    run_rules(engine, TODAY, every_rule(), NOW, ran_by="rules")
    assert open_tasks(engine, ids["detractor"]) == ["detractor"]
    assert open_tasks(engine, ids["silent"]) == ["no_interaction"]
    with Session(engine) as session:
        session.add(contact(ids["detractor"], 1, kind="note", by="Imported by Dee"))
        session.add(contact(ids["silent"], 2, kind="meeting", by="Imported by Dee"))
        session.commit()
    made = run_rules(engine, TODAY, every_rule(), NOW, ran_by="rules")
    assert open_tasks(engine, ids["detractor"]) == open_tasks(engine, ids["silent"]) == []
    assert done_events(engine, ids["silent"])[-1][:3] == (
        "no_interaction",
        "done",
        "Imported by Dee",
    )
    assert made["no_interaction"] == 0  # contacted 2 days ago: not silent


def test_a_contact_deleted_reopens_the_task_it_closed(engine: Engine) -> None:
    ids = book(engine)
    account = ids["detractor"]
    wrong = log_entry(engine, account, EntryForm(kind="call", summary="Wrong one"), "Ann", NOW)
    set_deleted(engine, wrong.entry_id, True, NOW, by="Ann")
    assert open_tasks(engine, account) == ["detractor"]
    set_deleted(engine, wrong.entry_id, False, NOW, by="Ann")  # undone: followed up again
    assert open_tasks(engine, account) == []
    later = NOW + timedelta(minutes=5)
    right = log_entry(engine, account, EntryForm(kind="email", summary="Sorry"), "Bo", later)
    set_deleted(engine, wrong.entry_id, True, later, by="Ann")  # the email still follows up
    assert open_tasks(engine, account) == []
    assert [event[1:] for event in done_events(engine, account)] == [
        ("done", "Ann", wrong.entry_id),
        ("reopened", "Ann", None),
        ("done", "Ann", wrong.entry_id),
        ("reopened", "Ann", None),
        ("done", "Bo", right.entry_id),
    ]


def test_any_contact_ends_a_silence_since_the_start(engine: Engine) -> None:
    """An account never contacted ('silent:<id>:never'): a contact imported on any
    day follows it up, even one older than the silence the rule looks for."""
    ids = book(engine)
    with Session(engine) as session:
        never = new_account(session, "Never")
        session.commit()
    run_rules(engine, TODAY, every_rule(), NOW, ran_by="rules")
    with engine.connect() as connection:
        key = connection.execute(
            text("SELECT occurrence_key FROM task WHERE account_id = :a"), {"a": never}
        ).scalar_one()
    assert key == f"silent:{never}:never"
    with Session(engine) as session:
        session.add(contact(never, 60, kind="email", by="Imported by Dee"))
        session.commit()
    run_rules(engine, TODAY, every_rule(), NOW, ran_by="rules")
    # that spell is over (a new one, since that email 60 days ago, has its own task)
    assert done_events(engine, never)[0][:3] == ("no_interaction", "done", "Imported by Dee")
    assert open_tasks(engine, ids["silent"]) == ["no_interaction"]
