"""The task queue: ranking, complete and undo, snooze and wake, manual tasks."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from core import models as m
from core.playbook.tasks import (
    UNRECORDED,
    TaskError,
    add_manual_task,
    complete,
    reopen,
    snooze,
    task_history,
    task_queue,
    task_records,
    wake,
)
from core.store.locks import begin_writing
from tests.rows import new_account, older_account

TODAY = date(2026, 11, 23)


@pytest.fixture
def accounts(engine: Engine) -> dict[str, int]:
    ids = {}
    with Session(engine) as session:
        for key, mrr in (("big", 900_000), ("small", 10_000)):
            ids[key] = new_account(session, key, name=key.title(), plan="p", mrr_cents=mrr)
        session.commit()
    return ids


def test_queue_ranks_overdue_and_today_first_then_by_mrr(
    engine: Engine, accounts: dict[str, int]
) -> None:
    later = add_manual_task(engine, "Later", TODAY + timedelta(days=3), "Dana", accounts["big"])
    small_today = add_manual_task(engine, "Small today", TODAY, "Dana", accounts["small"])
    big_overdue = add_manual_task(
        engine, "Big overdue", TODAY - timedelta(days=2), "Dana", accounts["big"]
    )
    someone_else = add_manual_task(engine, "Not mine", TODAY, "Sam", accounts["big"])
    queue = task_queue(engine, TODAY, owner="Dana")
    assert queue["id"].to_list() == [big_overdue, small_today, later]
    assert queue["when"].to_list() == ["overdue", "today", "upcoming"]
    assert someone_else in task_queue(engine, TODAY)["id"].to_list()


def test_complete_and_undo(engine: Engine, accounts: dict[str, int]) -> None:
    task = add_manual_task(engine, "Call", TODAY, "Dana", accounts["big"])
    complete(engine, task, "Sam")
    assert task not in task_queue(engine, TODAY)["id"].to_list()
    assert task in task_queue(engine, TODAY, include_done=True)["id"].to_list()
    reopen(engine, task, "Dana")
    assert task in task_queue(engine, TODAY)["id"].to_list()
    complete(engine, task, "Dana")
    history = task_history(engine, task)
    assert history.select("action", "by").rows() == [
        ("created", "Dana"),  # by its owner, when no one else is named
        ("done", "Sam"),
        ("reopened", "Dana"),
        ("done", "Dana"),
    ]
    with pytest.raises(TaskError, match="who made it"):
        reopen(engine, task, "  ")
    assert task_history(engine, task).height == 4


def test_done_twice_or_reopened_twice_is_refused(engine: Engine, accounts: dict[str, int]) -> None:
    """`cxtui task done 62` twice said "Task #62 done." twice: the second overwrote when
    it was done and recorded a second "done"; reopening an open task recorded a
    "reopened" that undid nothing."""
    task = add_manual_task(engine, "Call", TODAY, "Dana", accounts["big"])
    with pytest.raises(TaskError, match=f"task #{task} is not done: nothing to reopen"):
        reopen(engine, task, "Sam")
    complete(engine, task, "Dana")
    with Session(engine) as session:
        done_at = session.get(m.Task, task).completed_at  # type: ignore[union-attr]
    with pytest.raises(TaskError, match=f"task #{task} is done already"):
        complete(engine, task, "Sam")
    with pytest.raises(TaskError, match="nothing to snooze"):
        snooze(engine, task, TODAY + timedelta(days=7), TODAY, "Sam")
    with Session(engine) as session:
        stored = session.get(m.Task, task)
        assert stored is not None
        assert stored.completed_at == done_at and stored.snoozed_until is None
    assert task_history(engine, task).select("action", "by").rows() == [
        ("created", "Dana"),
        ("done", "Dana"),
    ]


@pytest.mark.parametrize("action", ["done", "snooze"])
def test_two_users_marking_one_task_done_at_once_record_one_done(
    engine: Engine, accounts: dict[str, int], action: str
) -> None:
    """Sam marks a task done (or snoozes it) while Dana's "done" is being written, on
    a shared PostgreSQL book or one SQLite file behind two browser tabs or an
    assistant's parallel calls: Sam is told it is done already, and the history keeps
    one "done" (both read it open and both recorded their change: the task is now read
    once the other writer is done, ``begin_writing``)."""
    task = add_manual_task(engine, "Call", TODAY, "Dana", accounts["big"])
    outcome: list[str] = []

    def sam() -> None:
        try:
            if action == "done":
                complete(engine, task, "Sam")
            else:
                snooze(engine, task, TODAY + timedelta(days=3), TODAY, "Sam")
            outcome.append(action)
        except TaskError as error:
            outcome.append(str(error))

    with Session(engine) as dana:  # Dana's completion, under way
        begin_writing(dana.connection())
        locked = dana.get(m.Task, task, with_for_update=True)
        assert locked is not None
        other = threading.Thread(target=sam)
        other.start()
        other.join(timeout=1.0)  # Sam waits for Dana's row (or, unlocked, reads it open)
        locked.completed_at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        dana.add(m.TaskEvent(task_id=task, action="done", by="Dana"))
        dana.commit()
    other.join(timeout=10)
    assert outcome and "is done already" in outcome[0]
    actions = task_history(engine, task)["action"].to_list()
    assert actions == ["created", "done"]


def test_snooze_hides_until_the_day(engine: Engine, accounts: dict[str, int]) -> None:
    task = add_manual_task(engine, "Call", TODAY, "Dana", accounts["big"])
    snooze(engine, task, TODAY + timedelta(days=7), TODAY, "Dana")
    assert task_queue(engine, TODAY).is_empty()
    assert task in task_queue(engine, TODAY + timedelta(days=7))["id"].to_list()
    with pytest.raises(TaskError, match="after today"):
        snooze(engine, task, TODAY, TODAY, "Dana")
    snooze(engine, task, TODAY + timedelta(days=9), TODAY, "Sam")
    snoozes = task_history(engine, task).filter(action="snoozed")  # the first one is kept
    assert snoozes.select("by", "snoozed_until").rows() == [
        ("Dana", TODAY + timedelta(days=7)),
        ("Sam", TODAY + timedelta(days=9)),
    ]


def test_wake_brings_a_snoozed_task_back_today(engine: Engine, accounts: dict[str, int]) -> None:
    """A task snoozed for a week could not be brought back before its day: a manager
    who wanted to act on it today had no way."""
    task = add_manual_task(engine, "Call", TODAY + timedelta(days=2), "Dana", accounts["big"])
    with pytest.raises(TaskError, match=f"task #{task} is not snoozed"):
        wake(engine, task, TODAY, "Sam")
    snooze(engine, task, TODAY + timedelta(days=7), TODAY, "Dana")
    wake(engine, task, TODAY, "Sam")
    queue = task_queue(engine, TODAY)
    assert queue.select("id", "due_on", "snoozed_until").rows() == [
        (task, TODAY + timedelta(days=2), None)  # its due date stays
    ]
    assert task_history(engine, task).select("action", "by").rows()[1:] == [
        ("snoozed", "Dana"),
        ("woken", "Sam"),
    ]
    with pytest.raises(TaskError, match="not snoozed"):
        wake(engine, task, TODAY, "Sam")
    snooze(engine, task, TODAY + timedelta(days=7), TODAY, "Dana")
    complete(engine, task, "Dana")
    with pytest.raises(TaskError, match="done already"):
        wake(engine, task, TODAY, "Sam")
    assert task_history(engine, task)["action"].to_list()[-1] == "done"


def test_done_and_snoozed_tasks_are_listed_the_latest_done_first(
    engine: Engine, accounts: dict[str, int]
) -> None:
    """The done tasks could not be listed, so not reopened but by a number known
    beforehand. Checked against the task table read in SQL."""
    ids = [add_manual_task(engine, f"T{n}", TODAY, "Dana", accounts["big"]) for n in range(5)]
    for task in (ids[3], ids[0]):
        complete(engine, task, "Dana")
    snooze(engine, ids[1], TODAY + timedelta(days=3), TODAY, "Dana")
    snooze(engine, ids[4], TODAY + timedelta(days=5), TODAY, "Dana")
    complete(engine, ids[4], "Dana")  # done after a snooze: done, not snoozed
    with engine.connect() as connection:
        done = connection.execute(
            text("SELECT id FROM task WHERE completed_at IS NOT NULL ORDER BY completed_at DESC")
        ).scalars()
        asleep = connection.execute(
            text("SELECT id FROM task WHERE completed_at IS NULL AND snoozed_until > :today"),
            {"today": TODAY},
        ).scalars()
        expected_done, expected_asleep = list(done), list(asleep)
    assert expected_done == [ids[4], ids[0], ids[3]] and expected_asleep == [ids[1]]
    assert task_queue(engine, TODAY, done_only=True)["id"].to_list() == expected_done
    assert task_queue(engine, TODAY, snoozed_only=True)["id"].to_list() == expected_asleep
    both = task_queue(engine, TODAY, snoozed_only=True, done_only=True)
    assert both["id"].to_list() == expected_asleep + expected_done
    assert task_queue(engine, TODAY)["id"].to_list() == [ids[2]]
    records = {record["id"]: record for record in task_records(both, TODAY)}
    assert records[ids[1]]["done_at"] is None
    assert records[ids[1]]["snoozed_until"] == str(TODAY + timedelta(days=3))
    assert records[ids[4]]["snoozed_until"] is None  # done: its snooze is over
    assert records[ids[4]]["done_at"] is not None


def test_reopening_a_task_done_with_no_event_keeps_when_it_was_done(
    engine: Engine, accounts: dict[str, int]
) -> None:
    """The demo book's done follow-ups (and tasks done before task events were kept)
    have a completion time and no "done" event: reopening one cleared the time, and
    nothing said any more that it had been done."""
    done_at = datetime(2026, 11, 20, 15, tzinfo=UTC)
    with Session(engine) as session:
        task = m.Task(
            account_id=accounts["big"],
            owner="Dana",
            title="Follow up",
            due_on=TODAY,
            source="follow_up",
            completed_at=done_at,
        )
        session.add(task)
        session.commit()
        task_id = task.id
    assert task_id is not None
    reopen(engine, task_id, "Sam")
    complete(engine, task_id, "Dana")
    reopen(engine, task_id, "Sam")
    history = task_history(engine, task_id).select("action", "at", "by").rows()
    assert [(action, by) for action, _, by in history] == [
        ("done", UNRECORDED),
        ("reopened", "Sam"),
        ("done", "Dana"),  # recorded when it was done: not recorded twice
        ("reopened", "Sam"),
    ]
    assert history[0][1] == done_at.replace(tzinfo=None)  # read as UTC


def test_manual_task_needs_a_title(engine: Engine) -> None:
    with pytest.raises(TaskError, match="title"):
        add_manual_task(engine, "  ", TODAY, "Dana")
    assert task_queue(engine, TODAY).is_empty()


def test_unknown_source_is_refused(engine: Engine) -> None:
    with pytest.raises(TaskError, match="source must be one of"):
        task_queue(engine, TODAY, source="email")


def test_queue_ranks_within_a_day_by_mrr_then_lowest_health(engine: Engine) -> None:
    """Same MRR: the account with the lower health score comes first."""
    ids = {}
    with Session(engine) as session:
        for key, score in (("healthy", 90.0), ("sick", 20.0)):
            ids[key] = new_account(session, key, name=key.title(), plan="p", mrr_cents=50_000)
            session.add(
                m.HealthSnapshot(
                    account_id=ids[key],
                    day=TODAY,
                    score=score,
                    band="green" if score >= 70 else "red",
                    components="{}",
                    left_out="[]",
                )
            )
        session.commit()
    healthy = add_manual_task(engine, "Healthy", TODAY, "Dana", ids["healthy"])
    sick = add_manual_task(engine, "Sick", TODAY, "Dana", ids["sick"])
    no_account = add_manual_task(engine, "Paperwork", TODAY, "Dana")
    assert task_queue(engine, TODAY)["id"].to_list() == [sick, healthy, no_account]


def test_a_churned_accounts_task_comes_after_the_live_ones_of_its_day(engine: Engine) -> None:
    """A churned account's MRR is the MRR it lost: its win-back call ranked above a live
    account's renewal call for $9,000 lost against $100 at stake today."""
    with Session(engine) as session:
        live = new_account(session, "live", plan="p", mrr_cents=10_000)
        gone = new_account(
            session,
            "gone",
            plan="p",
            mrr_cents=900_000,
            status="churned",
            churned_at=TODAY - timedelta(days=40),
        )
        session.commit()
    win_back = add_manual_task(engine, "Win back", TODAY, "Dana", gone)
    renewal = add_manual_task(engine, "Renewal", TODAY, "Dana", live)
    overdue_win_back = add_manual_task(engine, "Old", TODAY - timedelta(days=1), "Dana", gone)
    queue = task_queue(engine, TODAY)
    # overdue and today share a rank day: the live account first, then the churned ones
    assert queue["id"].to_list() == [renewal, win_back, overdue_win_back]
    assert [record["mrr"] for record in task_records(queue, TODAY)] == [100.0, 9000.0, 9000.0]


def test_manual_task_refusals_name_their_field(engine: Engine, accounts: dict[str, int]) -> None:
    for title, owner, due, field in (
        ("", "Dana", TODAY, "title"),
        ("Call", " ", TODAY, "owner"),
        ("Call", "Dana", TODAY - timedelta(days=1), "due_on"),
    ):
        with pytest.raises(TaskError) as refused:
            add_manual_task(engine, title, due, owner, accounts["big"], today=TODAY)
        assert refused.value.field == field
    assert task_queue(engine, TODAY).is_empty()


def test_account_named_by_name_or_external_id(engine: Engine, accounts: dict[str, int]) -> None:
    from core.playbook.tasks import account_named

    assert account_named(engine, "  big ") == accounts["big"]
    assert account_named(engine, "SMALL") == accounts["small"]
    assert account_named(engine, "") is None
    with pytest.raises(TaskError, match='no account is named "Nobody"') as refused:
        account_named(engine, "Nobody")
    assert refused.value.field == "account"


def test_the_follow_up_of_a_deleted_interaction_leaves_the_queue_until_undone(
    engine: Engine, accounts: dict[str, int]
) -> None:
    """A call logged on the wrong account and deleted kept its follow-up task in the
    queue, for an entry the timeline no longer shows (found in tmux on the telco
    book). The queue leaves out the follow-ups of deleted interactions; undoing the
    delete brings the task back, as it was."""
    from core.interactions import EntryForm, log_entry, set_deleted

    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    form = EntryForm(kind="call", summary="Pricing", follow_up="2026-11-25")
    logged = log_entry(engine, accounts["small"], form, "Sam", now)
    add_manual_task(engine, "Send the deck", TODAY, "Sam", accounts["small"])

    def titles() -> list[str]:
        return sorted(task_queue(engine, TODAY)["title"])

    assert titles() == ["Follow up with Small: Pricing", "Send the deck"]
    set_deleted(engine, logged.entry_id, True, now)
    assert titles() == ["Send the deck"]
    set_deleted(engine, logged.entry_id, False, now)
    assert titles() == ["Follow up with Small: Pricing", "Send the deck"]


def test_the_call_of_a_deleted_detractor_answer_leaves_the_queue_until_undone(
    engine: Engine, accounts: dict[str, int]
) -> None:
    """An NPS 5 logged by mistake and deleted kept its 'Call Small: NPS 5 ..., no
    follow-up yet' task from the playbook in the queue."""
    from core.interactions import EntryForm, log_entry, set_deleted
    from core.playbook.runs import run_rules

    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    answer = log_entry(engine, accounts["small"], EntryForm(kind="nps", score="5"), "Sam", now)
    log_entry(engine, accounts["big"], EntryForm(kind="nps", score="2"), "Sam", now)
    assert run_rules(engine, TODAY)["detractor"] == 2

    def titles() -> list[str]:
        queue = task_queue(engine, TODAY)
        return sorted(queue.filter(queue["rule"] == "detractor")["title"])

    both = [
        "Call Big: NPS 2 on 2026-11-23, no follow-up yet",
        "Call Small: NPS 5 on 2026-11-23, no follow-up yet",
    ]
    assert titles() == both
    set_deleted(engine, answer.entry_id, True, now, source="survey")
    assert titles() == both[:1]
    assert "occurrence_key" not in task_queue(engine, TODAY).columns
    set_deleted(engine, answer.entry_id, False, now, source="survey")
    assert titles() == both


def test_the_follow_up_of_an_interaction_whose_follow_up_was_cleared_leaves_the_queue(
    engine: Engine, accounts: dict[str, int]
) -> None:
    """An edit that cleared a call's follow-up day kept its task in the queue, due on
    the day no longer asked for. Set again, the follow-up is back on its new day."""
    from core.interactions import EntryForm, edit_entry, log_entry

    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    form = EntryForm(
        kind="call", summary="Pricing", when="2026-11-23 09:00", follow_up="2026-11-25"
    )
    logged = log_entry(engine, accounts["small"], form, "Sam", now)
    add_manual_task(engine, "Send the deck", TODAY, "Sam", accounts["small"])

    def queue() -> list[tuple[str, date]]:
        frame = task_queue(engine, TODAY).sort("title")
        return list(zip(frame["title"], frame["due_on"], strict=True))

    deck = ("Send the deck", TODAY)
    assert queue() == [("Follow up with Small: Pricing", date(2026, 11, 25)), deck]
    edit_entry(engine, logged.entry_id, replace(form, follow_up=""), "Sam", now)
    assert queue() == [deck]
    edit_entry(engine, logged.entry_id, replace(form, follow_up="2026-11-30"), "Sam", now)
    assert queue() == [("Follow up with Small: Pricing", date(2026, 11, 30)), deck]


def test_migration_0016_keeps_task_events_and_admits_woken(db_url: str) -> None:
    from alembic import command

    from core.store.db import make_engine
    from core.store.migrate import alembic_config, migrate

    engine = make_engine(db_url)

    def upgrade_to(revision: str, downgrade: bool = False) -> None:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            (command.downgrade if downgrade else command.upgrade)(config, revision)

    upgrade_to("0015")
    with Session(engine) as session:
        account = older_account(
            session,
            m.Account(external_id="A-1", name="Acme", segment="SMB", plan="p", owner="Dana"),
        )
        # a task and its event as 0015 stores them (the models' inserts name the
        # columns added since: task_event.interaction_id, 0019)
        task = session.execute(
            text(
                "INSERT INTO task (account_id, owner, title, due_on, source, created_at)"
                " VALUES (:account, 'Dana', 'Call', :due, 'manual', :at) RETURNING id"
            ),
            {"account": account, "due": TODAY.isoformat(), "at": "2026-11-01 00:00:00.000000"},
        ).scalar_one()
        session.execute(
            text(
                "INSERT INTO task_event (task_id, action, at, by)"
                " VALUES (:task, 'created', :at, 'Dana')"
            ),
            {"task": task, "at": "2026-11-01 00:00:00.000000"},
        )
        session.commit()
    migrate(engine)
    snooze(engine, task, TODAY + timedelta(days=3), TODAY, "Dana")
    wake(engine, task, TODAY, "Sam")
    assert task_history(engine, task)["action"].to_list() == ["created", "snoozed", "woken"]
    upgrade_to("0015", downgrade=True)
    assert task_history(engine, task)["action"].to_list() == ["created", "snoozed"]
    engine.dispose()
