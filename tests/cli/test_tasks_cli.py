"""``cxtui rules run`` and ``cxtui tasks`` on a real SQLite file."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from cli.main import app
from core import models as m
from core.store.db import open_engine, sqlite_url
from tests.rows import engine_on, new_account

runner = CliRunner()


def test_rules_run_then_tasks(new_books: Callable[[str], Path]) -> None:
    path = new_books("book.db")
    today = date(2026, 11, 23)
    with engine_on(path) as engine, Session(engine) as session:
        account_id = new_account(
            session,
            "ACC-1",
            name="Initech",
            plan="p",
            owner="Test User",
            mrr_cents=123_456,
            renewal_date=today + timedelta(days=30),
        )
        session.add(
            m.Interaction(
                account_id=account_id,
                kind="call",
                occurred_at=datetime(2025, 6, 2, 10, tzinfo=UTC),
                logged_by="Test User",
                summary="kick-off",
            )
        )
        session.commit()
    args = ["--db", str(path), "--as-of", today.isoformat()]
    listing = ["rules", "list", "--json", "--db", str(path)]
    never_ran = json.loads(runner.invoke(app, listing).output)
    assert {rule["last_ran_at"] for rule in never_ran} == {None}
    dry = runner.invoke(app, ["rules", "run", "--dry-run", *args])
    assert dry.output.startswith("Would create 3 tasks (nothing written):"), dry.output
    assert "Hold a QBR with Initech before their renewal on 2026-12-23" in dry.output
    first = runner.invoke(app, ["rules", "run", *args])
    assert first.exit_code == 0, first.output
    assert "Renewal coming up" in first.output and "_" not in first.output
    # Last contact months ago: silent too; and no QBR before renewal.
    assert first.output.splitlines()[-1].split() == ["Total", "3"]
    again = runner.invoke(app, ["rules", "run", *args])
    assert again.output.splitlines()[-1].split()[-1] == "0"
    listed_rules = runner.invoke(app, ["rules", "list", "--db", str(path)]).output.splitlines()
    assert "on   Renewal coming up  [rules.renewal_due] days = 60, due_in_days = 7" in listed_rules
    statuses = json.loads(runner.invoke(app, listing).output)
    renewal = next(rule for rule in statuses if rule["rule"] == "renewal_due")
    assert renewal["last_run_created"] == 0  # the second run found nothing new
    assert (renewal["tasks_made"], renewal["tasks_open"]) == (1, 1)
    listed = runner.invoke(app, ["tasks", "--json", "--mine", *args])
    assert listed.exit_code == 0, listed.output
    records = json.loads(listed.output)
    assert {record["rule"] for record in records} == {
        "renewal_due",
        "renewal_no_qbr",
        "no_interaction",
    }
    assert records[0]["account"] == "ACC-1" and records[0]["mrr"] == 1234.56
    assert all(record["snoozed_until"] is None for record in records)

    from core.playbook.tasks import snooze

    with engine_on(path) as engine:
        snooze(engine, records[0]["id"], today + timedelta(days=7), today, "Test User")
    queue = json.loads(runner.invoke(app, ["tasks", "--json", *args]).output)
    assert [record["id"] for record in queue] == [record["id"] for record in records[1:]]
    snoozed = runner.invoke(app, ["tasks", "--snoozed", *args]).output
    assert snoozed.startswith(f"#{records[0]['id']:<6} back 2026-11-30"), snoozed
    assert len(snoozed.splitlines()) == 1


def test_bad_as_of(tmp_path: Path) -> None:
    result = runner.invoke(app, ["tasks", "--db", str(tmp_path / "x.db"), "--as-of", "soon"])
    assert result.exit_code == 2
    assert "not a date" in result.output


def test_one_task_done_reopened_and_snoozed_from_the_command_line(
    new_books: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.playbook.tasks import add_manual_task, task_history, task_queue

    monkeypatch.setenv("CXTUI_USER", "Cli Person")
    path = new_books("book.db")
    engine = open_engine(sqlite_url(path))
    today = date(2026, 11, 23)
    task_id = add_manual_task(engine, "Send the QBR deck", today, "Test User")
    args = ["--db", str(path)]
    done = runner.invoke(app, ["task", "done", str(task_id), *args])
    assert done.exit_code == 0 and f"Task #{task_id} done." in done.output
    again = runner.invoke(app, ["task", "done", str(task_id), *args])
    assert again.exit_code == 2 and f"task #{task_id} is done already" in again.output
    assert task_queue(engine, today).is_empty()
    assert runner.invoke(app, ["task", "reopen", str(task_id), *args]).exit_code == 0
    assert task_queue(engine, today)["id"].to_list() == [task_id]
    at = ["--as-of", today.isoformat()]
    past = runner.invoke(app, ["task", "snooze", str(task_id), "yesterday", *at, *args])
    assert past.exit_code == 2 and "after today" in past.output
    later = runner.invoke(app, ["task", "snooze", str(task_id), "next monday", *at, *args])
    assert later.exit_code == 0 and "is back on 2026-11-30" in later.output, later.output
    assert task_queue(engine, today).is_empty()
    missing = runner.invoke(app, ["task", "done", "999", *args])
    assert missing.exit_code == 2 and "no task #999" in missing.output
    history = task_history(engine, task_id).select("action", "by").rows()
    assert history == [
        ("created", "Test User"),
        ("done", "Cli Person"),
        ("reopened", "Cli Person"),
        ("snoozed", "Cli Person"),
    ]
    engine.dispose()


def test_done_tasks_are_listed_and_a_snoozed_one_is_woken(
    new_books: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cxtui tasks` listed no done task (the number to reopen was nowhere), and a
    snoozed task could not be brought back before its day."""
    from core.playbook.tasks import add_manual_task, complete, task_history, task_queue

    monkeypatch.setenv("CXTUI_USER", "Cli Person")
    path = new_books("book.db")
    engine = open_engine(sqlite_url(path))
    today = date(2026, 11, 23)
    first = add_manual_task(engine, "Send the QBR deck", today, "Test User")
    second = add_manual_task(engine, "Call Initech", today, "Test User")
    args = ["--db", str(path), "--as-of", today.isoformat()]
    assert runner.invoke(app, ["tasks", "--done", *args]).output == "No done tasks.\n"
    complete(engine, first, "Test User")
    listed = runner.invoke(app, ["tasks", "--done", *args])
    assert listed.exit_code == 0, listed.output
    [line] = listed.output.splitlines()
    assert line.startswith(f"#{first:<6} done 20") and line.endswith("Send the QBR deck")
    [record] = json.loads(runner.invoke(app, ["tasks", "--done", "--json", *args]).output)
    assert record["id"] == first and record["done_at"] is not None
    not_asleep = runner.invoke(app, ["task", "wake", str(second), *args])
    assert not_asleep.exit_code == 2 and f"task #{second} is not snoozed" in not_asleep.output
    runner.invoke(app, ["task", "snooze", str(second), "+7d", *args])
    both = runner.invoke(app, ["tasks", "--snoozed", "--done", *args]).output.splitlines()
    assert [line.split()[:2] for line in both] == [[f"#{second}", "back"], [f"#{first}", "done"]]
    woken = runner.invoke(app, ["task", "wake", str(second), *args])
    assert woken.exit_code == 0 and f"Task #{second} is back in the queue." in woken.output
    assert task_queue(engine, today)["id"].to_list() == [second]
    assert task_history(engine, second)["action"].to_list() == ["created", "snoozed", "woken"]
    # snoozed, then done: reopened, it is back to its snooze, and says so
    runner.invoke(app, ["task", "snooze", str(second), "+7d", *args])
    runner.invoke(app, ["task", "done", str(second), "--db", str(path)])
    reopened = runner.invoke(app, ["task", "reopen", str(second), *args])
    assert reopened.output == (
        f"Task #{second} is open again, snoozed until 2026-11-30 "
        f"(cxtui task wake {second} brings it back today).\n"
    )
    assert runner.invoke(app, ["task", "reopen", str(first), *args]).output == (
        f"Task #{first} is open again.\n"
    )
    helped = runner.invoke(app, ["task", "wake", "--help"])
    assert "Bring a snoozed task back to the queue today" in helped.output
    engine.dispose()
