"""The task queue: ranking, complete and undo, snooze, manual tasks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from core import models as m
from core.tasks import TaskError, add_manual_task, complete, reopen, snooze, task_queue

TODAY = date(2026, 11, 23)


@pytest.fixture
def accounts(engine: Engine) -> dict[str, int]:
    ids = {}
    with Session(engine) as session:
        for key, mrr in (("big", 900_000), ("small", 10_000)):
            account = m.Account(
                external_id=key,
                name=key.title(),
                segment="SMB",
                plan="p",
                owner="Dana",
                mrr_cents=mrr,
                start_date=date(2025, 1, 1),
            )
            session.add(account)
            session.flush()
            assert account.id is not None
            ids[key] = account.id
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
    complete(engine, task)
    assert task not in task_queue(engine, TODAY)["id"].to_list()
    assert task in task_queue(engine, TODAY, include_done=True)["id"].to_list()
    reopen(engine, task)
    assert task in task_queue(engine, TODAY)["id"].to_list()


def test_snooze_hides_until_the_day(engine: Engine, accounts: dict[str, int]) -> None:
    task = add_manual_task(engine, "Call", TODAY, "Dana", accounts["big"])
    snooze(engine, task, TODAY + timedelta(days=7), TODAY)
    assert task_queue(engine, TODAY).is_empty()
    assert task in task_queue(engine, TODAY + timedelta(days=7))["id"].to_list()
    with pytest.raises(TaskError, match="after today"):
        snooze(engine, task, TODAY, TODAY)


def test_manual_task_needs_a_title(engine: Engine) -> None:
    with pytest.raises(TaskError, match="title"):
        add_manual_task(engine, "  ", TODAY, "Dana")
    assert task_queue(engine, TODAY).is_empty()


def test_unknown_source_is_refused(engine: Engine) -> None:
    with pytest.raises(TaskError, match="source must be one of"):
        task_queue(engine, TODAY, source="email")
