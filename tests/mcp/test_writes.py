"""The write tools through the SDK's in-process client, each on its own copy of the
demo book: a good call writes one row recorded as "<user> via assistant"; a bad one
is a tool error in the command line's words and writes nothing (rows counted
straight from the SQLite file)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from mcp_server.book import TEXT_MAX
from tests.mcp.conftest import AUTHOR, Connect, count, error_text

TOUCHED = "SELECT count(*) FROM task WHERE completed_at IS NOT NULL OR snoozed_until IS NOT NULL"
CURRENCY_GOAL = "SELECT min(id) FROM goal WHERE metric IS NULL AND target_type = 'currency'"
ROWS = "SELECT (SELECT count(*) FROM interaction) + (SELECT count(*) FROM survey_response)"


async def _ok(client: Any, tool: str, **arguments: Any) -> Any:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content[0].text
    return result.structured_content


async def test_log_interaction(connect: Connect, book_copy: Path) -> None:
    before = count(book_copy, ROWS)
    async with connect(book_copy) as client:
        logged = await _ok(
            client,
            "log_interaction",
            account="ACC-00002",
            kind="call",
            summary="Talked about the renewal",
            sentiment="positive",
            follow_up="+7d",
        )
        answer = await _ok(client, "log_interaction", account="ACC-00002", kind="nps", score=9)
    assert logged["logged"] == "call" and logged["follow_up_task"] is not None
    assert answer["logged"] == "survey answer"
    assert count(book_copy, ROWS) == before + 2
    assert (
        count(book_copy, "SELECT logged_by FROM interaction WHERE id = ?", logged["id"]) == AUTHOR
    )
    assert count(book_copy, "SELECT logged_by FROM survey_response WHERE id = ?", answer["id"]) == (
        AUTHOR
    )
    due = count(book_copy, "SELECT due_on FROM task WHERE id = ?", logged["follow_up_task"])
    assert due == (date.today() + timedelta(days=7)).isoformat()


async def test_log_interaction_refusals_write_nothing(connect: Connect, book_copy: Path) -> None:
    before = count(book_copy, ROWS)
    async with connect(book_copy) as client:
        nps = await client.call_tool(
            "log_interaction", {"account": "ACC-00002", "kind": "nps", "score": 11}
        )
        unknown = await client.call_tool(
            "log_interaction", {"account": "NOPE", "kind": "call", "summary": "Hello"}
        )
        several = await client.call_tool(
            "log_interaction", {"account": "ACC-00002", "kind": "call", "when": "2999-01-01"}
        )
        kind = await client.call_tool(
            "log_interaction", {"account": "ACC-00002", "kind": "fax", "summary": "x"}
        )
        score = await client.call_tool(
            "log_interaction", {"account": "ACC-00002", "kind": "nps", "score": "lots"}
        )
    assert error_text(nps).endswith("score: NPS must be 0-10, not 11")
    assert error_text(unknown).endswith('no account with external id "NOPE"')
    assert "when: 2999-01-01 12:00 is in the future" in error_text(several)
    assert "summary: a summary is required" in error_text(several)  # every field at once
    assert "kind: must be one of call, email" in error_text(kind)
    assert "score" in error_text(score)
    assert count(book_copy, ROWS) == before


async def test_long_text_is_cut_in_the_timeline(connect: Connect, book_copy: Path) -> None:
    comment = "Loves it. " * 1_000 + "\x1b[2J"
    async with connect(book_copy) as client:
        await _ok(
            client, "log_interaction", account="ACC-00003", kind="csat", score=5, comment=comment
        )
        view = await _ok(client, "account_360", account="ACC-00003", timeline_limit=1)
    [event] = view["timeline"]["items"]
    assert event["source"] == "survey" and len(event["summary"]) == TEXT_MAX
    assert event["summary"].endswith("…")


async def test_goal_checkin(connect: Connect, book_copy: Path) -> None:
    goal = count(book_copy, CURRENCY_GOAL)
    before = count(book_copy, "SELECT count(*) FROM goal_checkin")
    async with connect(book_copy) as client:
        saved = await _ok(
            client, "add_goal_checkin", goal_id=goal, value="$2,500", comment="new deal"
        )
        number = await _ok(client, "add_goal_checkin", goal_id=goal, value=2600, on="yesterday")
    assert saved["value"] == "$2,500.00" and saved["checked_by"] == AUTHOR
    assert number["checked_on"] == (date.today() - timedelta(days=1)).isoformat()
    assert count(book_copy, "SELECT count(*) FROM goal_checkin") == before + 2
    assert count(book_copy, "SELECT checked_by FROM goal_checkin ORDER BY id DESC") == AUTHOR


async def test_goal_checkin_refusals_write_nothing(connect: Connect, book_copy: Path) -> None:
    goal = count(book_copy, CURRENCY_GOAL)
    metric_goal = count(book_copy, "SELECT min(id) FROM goal WHERE metric IS NOT NULL")
    before = count(book_copy, "SELECT count(*) FROM goal_checkin")
    async with connect(book_copy) as client:
        unknown = await client.call_tool("add_goal_checkin", {"goal_id": 9999, "value": "1"})
        value = await client.call_tool("add_goal_checkin", {"goal_id": goal, "value": "a lot"})
        later = await client.call_tool(
            "add_goal_checkin", {"goal_id": goal, "value": "1", "on": "tomorrow"}
        )
        metric = await client.call_tool("add_goal_checkin", {"goal_id": metric_goal, "value": "1"})
        zero = await client.call_tool("add_goal_checkin", {"goal_id": 0, "value": "1"})
    assert error_text(unknown).endswith("goal: no goal #9999")
    assert "value: " in error_text(value)
    assert "is after today: a check-in is not a plan" in error_text(later)
    assert "no check-ins" in error_text(metric)
    assert "goal_id" in error_text(zero)
    assert count(book_copy, "SELECT count(*) FROM goal_checkin") == before


async def test_complete_and_snooze_a_task(connect: Connect, book_copy: Path) -> None:
    task = count(book_copy, "SELECT min(id) FROM task WHERE completed_at IS NULL")
    other = count(book_copy, "SELECT max(id) FROM task WHERE completed_at IS NULL")
    async with connect(book_copy) as client:
        done = await _ok(client, "complete_task", task_id=task)
        snoozed = await _ok(client, "snooze_task", task_id=other, until="+3d")
    assert done == {"task": task, "done": True}
    assert count(book_copy, "SELECT completed_at FROM task WHERE id = ?", task) is not None
    back = (date.today() + timedelta(days=3)).isoformat()
    assert snoozed["snoozed_until"] == back
    assert count(book_copy, "SELECT snoozed_until FROM task WHERE id = ?", other) == back


async def test_task_refusals_write_nothing(connect: Connect, book_copy: Path) -> None:
    task = count(book_copy, "SELECT min(id) FROM task WHERE completed_at IS NULL")
    before = count(book_copy, TOUCHED)
    async with connect(book_copy) as client:
        unknown = await client.call_tool("complete_task", {"task_id": 99999})
        huge = await client.call_tool("complete_task", {"task_id": 2**63})
        past = await client.call_tool("snooze_task", {"task_id": task, "until": "yesterday"})
        unreadable = await client.call_tool("snooze_task", {"task_id": task, "until": "later"})
        missing = await client.call_tool("snooze_task", {"task_id": 99999, "until": "+2d"})
    assert error_text(unknown).endswith("no task #99999")
    assert "task_id" in error_text(huge)
    assert "snooze until a day after today" in error_text(past)
    assert 'until: "later" is not a date' in error_text(unreadable)
    assert error_text(missing).endswith("no task #99999")
    assert count(book_copy, TOUCHED) == before


async def test_control_characters_are_shown_in_plain_text(
    connect: Connect, book_copy: Path
) -> None:
    import sqlite3

    with sqlite3.connect(book_copy) as connection:
        connection.execute(
            "UPDATE account SET name = 'Evil\x1b]0;pwned\x07 Co' WHERE external_id = 'ACC-00004'"
        )
    connection.close()
    async with connect(book_copy) as client:
        prompt = await client.get_prompt("prepare_renewal_call", {"account": "ACC-00004"})
        view = await _ok(client, "account_360", account="ACC-00004")
    text = prompt.messages[0].content.text
    assert "\x1b" not in text and "\x07" not in text
    assert text.startswith("Prepare me for my renewal call with Evil\\x1b]0;pwned\\x07 Co")
    assert view["account"]["name"] == "Evil\x1b]0;pwned\x07 Co"  # JSON carries it as JSON
