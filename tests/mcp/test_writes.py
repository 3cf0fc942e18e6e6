"""The write tools through the SDK's in-process client, each on its own copy of the
demo book: a good call writes one row recorded as "<user> via assistant"; a bad one
is a tool error in the command line's words and writes nothing (rows counted
straight from the SQLite file)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from mcp_server.book import BUSY, TEXT_MAX
from tests.mcp.conftest import AUTHOR, Connect, change, count, error_text

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


async def test_every_kind_the_book_takes_is_offered(connect: Connect, book_copy: Path) -> None:
    """The kind's description is what the assistant reads: a referral, a training or a
    community event are logged as the command line logs them."""
    from core.interactions import ALL_KINDS

    async with connect(book_copy) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        logged = await _ok(
            client, "log_interaction", account="ACC-00002", kind="referral", summary="Sent Ana"
        )
    described = tools["log_interaction"].input_schema["properties"]["kind"]["description"]
    assert all(kind in described for kind in ALL_KINDS), described
    assert logged["logged"] == "referral"


async def test_moments_are_told_in_the_computers_time_zone(
    connect: Connect, book_copy: Path, time_zone: Callable[[str], None]
) -> None:
    """In New York, a call logged at 10:00 is read back at 10:00 with its offset (the
    summer's and the winter's), as the app shows it, not as 14:00 or 15:00 without an
    offset (its UTC time, which an assistant reads as local time); an MRR change has a
    day."""
    time_zone("America/New_York")
    async with connect(book_copy) as client:
        for when in ("2026-07-01 10:00", "2026-01-15 10:00"):
            await _ok(
                client, "log_interaction", account="ACC-00006", kind="call", summary=when, when=when
            )
        view = await _ok(client, "account_360", account="ACC-00006", timeline_limit=100)
        row = await _ok(client, "find_accounts", query="ACC-00006")
    events = view["timeline"]["items"]
    told = {event["summary"].split(" — ")[0]: event["at"] for event in events}
    assert told["2026-07-01 10:00"] == "2026-07-01T10:00:00-04:00"
    assert told["2026-01-15 10:00"] == "2026-01-15T10:00:00-05:00"
    assert all(len(event["at"]) == 10 for event in events if event["source"] == "mrr")
    latest = max(event["at"] for event in events if event["source"] == "interaction")
    assert row["items"][0]["last_interaction_at"] == latest


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
    events = "SELECT action || ' by ' || by FROM task_event WHERE task_id = ? ORDER BY id DESC"
    assert count(book_copy, events, task) == f"done by {AUTHOR}"
    assert count(book_copy, events, other) == f"snoozed by {AUTHOR}"


async def test_control_characters_are_shown_in_plain_text(
    connect: Connect, book_copy: Path
) -> None:
    change(
        book_copy,
        "UPDATE account SET name = 'Evil\x1b]0;pwned\x07 Co' WHERE external_id = 'ACC-00004'",
    )
    async with connect(book_copy) as client:
        prompt = await client.get_prompt("prepare_renewal_call", {"account": "ACC-00004"})
        view = await _ok(client, "account_360", account="ACC-00004")
    text = prompt.messages[0].content.text
    assert "\x1b" not in text and "\x07" not in text
    assert text.startswith("Prepare me for my renewal call with Evil\\x1b]0;pwned\\x07 Co")
    assert view["account"]["name"] == "Evil\x1b]0;pwned\x07 Co"  # JSON carries it as JSON


async def test_the_prompt_says_what_the_account_lacks(connect: Connect, book_copy: Path) -> None:
    """An account of an imported book often has no owner and no renewal date."""
    change(
        book_copy,
        "UPDATE account SET owner = '', renewal_date = NULL WHERE external_id = 'ACC-00005'",
    )
    async with connect(book_copy) as client:
        prompt = await client.get_prompt("prepare_renewal_call", {"account": "ACC-00005"})
    first = prompt.messages[0].content.text.splitlines()[0]
    assert "(ACC-00005): no renewal date, MRR " in first and first.endswith(", no owner.")


# A write tool called with bad arguments: (tool, arguments, words of the error). Ids
# are the demo book's: goal 5 is a currency goal checked in by hand, goal 1 follows
# a metric, task 1 is open.
LOG = {"account": "ACC-00002", "kind": "call"}
REFUSALS = [
    ("log_interaction", LOG | {"kind": "nps", "score": 11}, "score: NPS must be 0-10, not 11"),
    ("log_interaction", LOG | {"account": "NOPE"}, 'no account with external id "NOPE"'),
    ("log_interaction", LOG | {"when": "2999-01-01"}, "when: 2999-01-01 12:00 is in the future"),
    ("log_interaction", LOG | {"when": "2999-01-01"}, "summary: a summary is required"),
    ("log_interaction", LOG | {"when": "0001-01-01"}, "when: the date 0001-01-01 is out of range"),
    ("log_interaction", LOG | {"kind": "fax"}, "kind: must be one of call, email"),
    ("log_interaction", LOG | {"kind": "nps", "score": "lots"}, "score"),
    ("add_goal_checkin", {"goal_id": 9999, "value": "1"}, "goal: no goal #9999"),
    ("add_goal_checkin", {"goal_id": 5, "value": "a lot"}, "value: "),
    ("add_goal_checkin", {"goal_id": 5, "value": "-$500"}, "value: -$500.00 is below zero"),
    ("add_goal_checkin", {"goal_id": 5, "value": "1", "on": "tomorrow"}, "is after today"),
    ("add_goal_checkin", {"goal_id": 5, "value": "1", "on": "2000-01-03"}, "before the goal's"),
    ("add_goal_checkin", {"goal_id": 1, "value": "1"}, "no check-ins"),
    ("add_goal_checkin", {"goal_id": 0, "value": "1"}, "goal_id"),
    ("add_goal_checkin", {"goal_id": 5, "value": True}, "value"),  # was $1.00
    ("add_goal_checkin", {"goal_id": True, "value": "1"}, "goal_id"),
    ("complete_task", {"task_id": True}, "task_id\n  Value error, give a number, not true"),
    ("snooze_task", {"task_id": True, "until": "+2d"}, "task_id"),
    ("log_interaction", LOG | {"kind": "nps", "score": True}, "score"),  # was an NPS of 1
    (
        "add_goal_checkin",
        {"goal_id": 5, "value": "1", "comment": "\x00"},
        "comment: it holds a NUL",
    ),
    ("complete_task", {"task_id": 99999}, "no task #99999"),
    ("complete_task", {"task_id": 2**63}, "task_id"),
    ("snooze_task", {"task_id": 1, "until": "yesterday"}, "snooze until a day after today"),
    ("snooze_task", {"task_id": 1, "until": "later"}, 'until: "later" is not a date'),
    ("snooze_task", {"task_id": 99999, "until": "+2d"}, "no task #99999"),
]
WRITTEN = {
    "entries": ROWS,
    "check-ins": "SELECT count(*) FROM goal_checkin",
    "tasks touched": TOUCHED,
}


async def test_a_write_to_a_busy_book_is_refused_in_words(
    connect: Connect, book_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program (an import) holds the SQLite file longer than SQLite waits:
    each write says so and writes nothing (it answered 'Error executing tool
    log_interaction' and nothing else); reads go on."""
    import sqlite3

    import core.store.db

    monkeypatch.setattr(core.store.db, "SQLITE_BUSY_TIMEOUT_MS", 200)  # not 10 s a call
    task = count(book_copy, "SELECT min(id) FROM task WHERE completed_at IS NULL")
    before = {what: count(book_copy, sql) for what, sql in WRITTEN.items()}
    importing = sqlite3.connect(book_copy, isolation_level=None)
    importing.execute("BEGIN IMMEDIATE")
    try:
        async with connect(book_copy) as client:
            for tool, arguments in [
                ("log_interaction", LOG | {"summary": "While importing"}),
                ("add_goal_checkin", {"goal_id": 5, "value": "1"}),
                ("complete_task", {"task_id": task}),
                ("snooze_task", {"task_id": task, "until": "+2d"}),
            ]:
                result = await client.call_tool(tool, arguments)
                assert BUSY in error_text(result), tool
            assert await _ok(client, "find_accounts", limit=1)
    finally:
        importing.rollback()
        importing.close()
    assert {what: count(book_copy, sql) for what, sql in WRITTEN.items()} == before


async def test_refusals_say_why_and_write_nothing(connect: Connect, book_copy: Path) -> None:
    assert count(book_copy, "SELECT metric FROM goal WHERE id = 1") is not None
    assert count(book_copy, "SELECT target_type FROM goal WHERE id = 5") == "currency"
    before = {what: count(book_copy, sql) for what, sql in WRITTEN.items()}
    async with connect(book_copy) as client:
        for tool, arguments, words in REFUSALS:
            result = await client.call_tool(tool, arguments)
            assert words in error_text(result), (tool, arguments)
    assert {what: count(book_copy, sql) for what, sql in WRITTEN.items()} == before
