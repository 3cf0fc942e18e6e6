"""The read tools, called through the SDK's own client against the server in-process
on the demo book: good arguments give the command line's JSON, bad ones a tool error
in the command line's words."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.config.saved_filters import SavedFilter, save_filter
from mcp_server.book import PAGE_MAX, TEXT_MAX
from tests.mcp.conftest import Connect, change, count, error_text

READ_TOOLS = {"find_accounts", "account_360", "metrics", "tasks", "goals"}
WRITE_TOOLS = {"log_interaction", "add_goal_checkin", "complete_task", "snooze_task"}
runner = CliRunner()


def _cli_json(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


async def _call(client: Any, tool: str, **arguments: Any) -> Any:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content[0].text
    return result.structured_content


async def test_tools_listed_and_read_only_has_no_write_tools(
    connect: Connect, demo_file: Path
) -> None:
    async with connect(demo_file) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
    assert names == READ_TOOLS | WRITE_TOOLS
    async with connect(demo_file, read_only=True) as reader:
        tools = (await reader.list_tools()).tools
        refused = await reader.call_tool("complete_task", {"task_id": 1})
    assert {tool.name for tool in tools} == READ_TOOLS
    assert all(tool.annotations and tool.annotations.read_only_hint for tool in tools)
    assert "complete_task" in error_text(refused)


async def test_find_accounts_pages_filters_and_sorts(connect: Connect, demo_file: Path) -> None:
    async with connect(demo_file) as client:
        first = await _call(client, "find_accounts", limit=10)
        assert first["total"] == count(demo_file, "SELECT count(*) FROM account")
        assert len(first["items"]) == 10 and first["next_offset"] == 10
        second = await _call(client, "find_accounts", limit=10, offset=10)
        assert not {row["account"] for row in first["items"]} & {
            row["account"] for row in second["items"]
        }
        red = await _call(client, "find_accounts", band="red", segment="smb", sort="mrr", limit=100)
        assert red["items"] and {(row["band"], row["segment"]) for row in red["items"]} == {
            ("red", "SMB")
        }
        mrrs = [row["mrr"] for row in red["items"]]
        assert mrrs == sorted(mrrs, reverse=True)
        one = await _call(client, "find_accounts", query="acc-00042")
        assert [row["account"] for row in one["items"]] == ["ACC-00042"]


async def test_find_accounts_with_a_saved_filter(connect: Connect, demo_file: Path) -> None:
    save_filter(SavedFilter(name="Big ones", segments=frozenset({"Enterprise"})))
    async with connect(demo_file) as client:
        found = await _call(client, "find_accounts", saved_filter="Big ones", limit=100)
        enterprise = count(demo_file, "SELECT count(*) FROM account WHERE segment = 'Enterprise'")
        assert found["total"] == enterprise > 0
        assert {row["segment"] for row in found["items"]} == {"Enterprise"}


async def test_metrics_say_what_of_a_saved_filter_does_not_scope_them(
    connect: Connect, demo_file: Path
) -> None:
    """A band and a renewal window narrow the accounts list only: the metrics are the
    book's, and say so (the command line says it on stderr; the assistant has no
    stderr, and reported the whole book's metrics as the red accounts')."""
    save_filter(SavedFilter(name="Red soon", bands=frozenset({"red"}), renewal_within_days=60))
    async with connect(demo_file) as client:
        ours = await _call(client, "metrics", saved_filter="Red soon")
        plain = await _call(client, "metrics", segment="SMB")
    theirs = _cli_json("metrics", "--json", "--db", str(demo_file), "--filter", "Red soon")
    saved, *assumed = ours.pop("notes")
    assert saved == (
        "the saved filter 'Red soon' also holds health: red; renewal within 60 d: that "
        "narrows find_accounts only, not the metrics"
    )
    assert assumed == theirs.pop("notes")  # what the figures assume, as the command says
    assert ours == theirs and saved not in plain["notes"]


async def test_account_360(connect: Connect, demo_file: Path) -> None:
    async with connect(demo_file) as client:
        view = await _call(client, "account_360", account="ACC-00001", timeline_limit=5)
        assert set(view) == {"account", "health", "timeline", "contacts", "open_tickets", "goals"}
        assert view["account"]["account"] == "ACC-00001"
        health = view["health"]
        assert health["band"] in ("green", "yellow", "red")
        contributions = sum(part["contribution"] for part in health["components"].values())
        assert abs(contributions - health["computed_score"]) < 0.05
        timeline = view["timeline"]
        assert len(timeline["items"]) == 5 and timeline["next_offset"] == 5
        assert timeline["total"] > 5
        stamps = [event["at"] for event in timeline["items"]]
        assert stamps == sorted(stamps, reverse=True)  # newest first
        contacts = count(
            demo_file,
            "SELECT count(*) FROM contact JOIN account ON account.id = contact.account_id "
            "WHERE external_id = 'ACC-00001'",
        )
        assert view["contacts"]["total"] == contacts
        later = await _call(client, "account_360", account="ACC-00001", timeline_offset=5)
        assert later["timeline"]["items"][0] != timeline["items"][0]


async def test_metrics_are_the_command_lines(connect: Connect, demo_file: Path) -> None:
    async with connect(demo_file) as client:
        ours = await _call(client, "metrics", period="quarter", segment="smb")
        theirs = _cli_json(
            "metrics", "--json", "--db", str(demo_file), "--period", "quarter", "--segment", "SMB"
        )
        assert ours == theirs
        by_owner = await _call(client, "metrics", by="owner")
        assert isinstance(by_owner["metrics"], list) and by_owner["scope"]["by"] == "owner"


async def test_tasks_and_goals_are_the_command_lines(connect: Connect, demo_file: Path) -> None:
    async with connect(demo_file) as client:
        queue = await _call(client, "tasks", limit=5)
        theirs = _cli_json("tasks", "--json", "--db", str(demo_file))
        assert queue["items"] == theirs[:5] and queue["total"] == len(theirs)
        owner = theirs[0]["owner"]
        mine = await _call(client, "tasks", owner=owner, limit=100)
        assert mine["items"] and {task["owner"] for task in mine["items"]} == {owner}
        typed = await _call(client, "tasks", owner=f" {owner.upper()} ", limit=100)
        assert typed == mine  # as find_accounts and metrics take an owner
        done = await _call(client, "tasks", done=True, limit=100)
        done_sql = "SELECT count(*) FROM task WHERE completed_at IS NOT NULL"
        assert done["total"] == count(demo_file, done_sql) > 0
        assert done["items"] == _cli_json("tasks", "--json", "--done", "--db", str(demo_file))[:100]
        goals = await _call(client, "goals", limit=100)
        assert goals["items"] == _cli_json("goals", "--json", "--db", str(demo_file))
        page = await _call(client, "goals", limit=2, offset=2)
        assert page["items"] == goals["items"][2:4]


async def test_prompt_and_resource(connect: Connect, demo_file: Path) -> None:
    async with connect(demo_file) as client:
        prompts = (await client.list_prompts()).prompts
        assert [prompt.name for prompt in prompts] == ["prepare_renewal_call"]
        prompt = await client.get_prompt("prepare_renewal_call", {"account": "ACC-00001"})
        text = prompt.messages[0].content.text
        assert text.startswith("Prepare me for my renewal call with ")
        assert '"account": "ACC-00001"' in text
        templates = (await client.list_resource_templates()).resource_templates
        assert [template.uri_template for template in templates] == [
            "cxtui://account/{external_id}"
        ]
        read = await client.read_resource("cxtui://account/ACC-00001")
        assert json.loads(read.contents[0].text)["account"]["account"] == "ACC-00001"


async def test_prompt_and_resource_refusals(connect: Connect, demo_file: Path) -> None:
    from mcp.shared.exceptions import MCPError

    async with connect(demo_file) as client:
        with pytest.raises(MCPError, match='no account with external id "NOPE"'):
            await client.get_prompt("prepare_renewal_call", {"account": "NOPE"})
        with pytest.raises(MCPError, match='no account with external id "NOPE"'):
            await client.read_resource("cxtui://account/NOPE")


# A read tool called with bad arguments: (tool, arguments, words of the error).
REFUSALS = [
    ("find_accounts", {"segment": "Nowhere"}, "segment: there is no segment 'Nowhere'; the"),
    ("find_accounts", {"limit": PAGE_MAX + 1}, "limit"),
    ("find_accounts", {"band": "purple"}, "band"),
    ("find_accounts", {"saved_filter": "Nope"}, "saved_filter: no saved filter called 'Nope'"),
    ("account_360", {"account": "NOPE"}, 'no account with external id "NOPE"'),
    ("account_360", {"account": "ACC-00001", "timeline_offset": -1}, "timeline_offset"),
    ("metrics", {"period": "2999-01"}, "period: 2999-01 starts on 2999-01-01, after the as-of"),
    ("metrics", {"period": "someday"}, "period: "),
    ("metrics", {"owner": "Nobody"}, "owner: there is no owner 'Nobody'"),
    ("metrics", {"as_of": "the day after"}, 'as_of: "the day after" is not a date'),
    ("tasks", {"source": "magic"}, "source"),
    ("tasks", {"as_of": "soon"}, 'as_of: "soon" is not a date'),
    ("tasks", {"owner": "Nobody"}, "owner: there is no owner 'Nobody'; the owners are: Aiko"),
    ("goals", {"limit": 0}, "limit"),
    ("find_accounts", {"offset": 10**23}, "offset\n  Input should be less than or equal to"),
    ("tasks", {"offset": 10**23}, "offset\n  Input should be less than or equal to"),
    ("account_360", {"account": "ACC-00001", "timeline_offset": 10**23}, "timeline_offset\n"),
]


@pytest.mark.parametrize(("tool", "arguments", "words"), REFUSALS)
async def test_read_tool_refusals(
    connect: Connect, demo_file: Path, tool: str, arguments: dict[str, Any], words: str
) -> None:
    async with connect(demo_file) as client:
        result = await client.call_tool(tool, arguments)
    assert words in error_text(result)


def test_text_is_cut() -> None:
    from mcp_server.book import cut

    assert cut("x" * 10_000) == "x" * (TEXT_MAX - 1) + "…"
    assert cut("short") == "short"


async def test_the_opening_mrr_of_an_account_of_unknown_start_has_no_day(
    connect: Connect, book_copy: Path
) -> None:
    """An account whose start date is unknown (an imported churn sample) opens its MRR
    before the records: its timeline says no day for it (it said 1900-01-01), and the
    other MRR changes keep theirs."""
    account = count(book_copy, "SELECT id FROM account WHERE external_id = 'ACC-00003'")
    change(book_copy, f"UPDATE account SET start_date = NULL WHERE id = {account}")
    # as an accounts import writes it (core.accounts.mrr): one opening on 1900-01-01
    change(book_copy, f"DELETE FROM mrr_movement WHERE account_id = {account} AND kind <> 'new'")
    change(
        book_copy,
        f"UPDATE mrr_movement SET occurred_on = '1900-01-01' WHERE account_id = {account}",
    )
    async with connect(book_copy) as client:
        view = await _call(client, "account_360", account="ACC-00003", timeline_limit=100)
    mrr = [event for event in view["timeline"]["items"] if event["source"] == "mrr"]
    assert [event["at"] for event in mrr] == [None], mrr
    assert mrr[0]["summary"] and view["account"]["start_date"] is None


async def test_the_360_says_an_account_is_set_to_cancel(connect: Connect, book_copy: Path) -> None:
    account = count(book_copy, "SELECT id FROM account WHERE external_id = 'ACC-00003'")
    change(book_copy, f"UPDATE account SET cancels_at_renewal = 1 WHERE id = {account}")
    async with connect(book_copy) as client:
        leaving = await _call(client, "account_360", account="ACC-00003")
        staying = await _call(client, "account_360", account="ACC-00002")
    assert leaving["account"]["cancels_at_renewal"] is True
    assert staying["account"]["cancels_at_renewal"] is False


async def test_the_opening_mrr_before_the_records_is_dated_the_known_start(
    connect: Connect, book_copy: Path
) -> None:
    """An account given its start date after its MRR had moved (an import that kept
    its opening before the records, ``core.accounts.mrr._move_openings``) keeps its
    opening on 1900-01-01: the timeline said that day; it says the start date."""
    account = count(book_copy, "SELECT id FROM account WHERE external_id = 'ACC-00003'")
    # as such an import leaves it: the first movement, the opening, before the records
    change(
        book_copy,
        "UPDATE mrr_movement SET occurred_on = '1900-01-01' WHERE id = (SELECT id FROM"
        f" mrr_movement WHERE account_id = {account} ORDER BY occurred_on, id LIMIT 1)",
    )
    start = count(book_copy, f"SELECT start_date FROM account WHERE id = {account}")
    others = count(
        book_copy,
        f"SELECT count(*) FROM mrr_movement WHERE account_id = {account}"
        " AND occurred_on <> '1900-01-01'",
    )
    assert start is not None
    async with connect(book_copy) as client:
        view = await _call(client, "account_360", account="ACC-00003", timeline_limit=100)
    mrr = [event for event in view["timeline"]["items"] if event["source"] == "mrr"]
    assert len(mrr) == others + 1, mrr
    assert (mrr[-1]["kind"], mrr[-1]["at"]) == ("new", start[:10]), mrr  # the oldest: last
    assert None not in [event["at"] for event in mrr]
    assert view["account"]["start_date"] == start[:10]


async def test_an_opening_kept_before_later_changes_is_not_dated_after_them(
    connect: Connect, book_copy: Path
) -> None:
    """An account given a start date after its MRR had moved (an import keeps its
    opening before the records then, ``core.accounts.mrr._move_openings``): dated the
    start date, the opening read as coming after changes it came before; it has no day."""
    account = count(book_copy, "SELECT id FROM account WHERE external_id = 'ACC-00003'")
    change(
        book_copy,
        "UPDATE mrr_movement SET occurred_on = '1900-01-01' WHERE id = (SELECT id FROM"
        f" mrr_movement WHERE account_id = {account} ORDER BY occurred_on, id LIMIT 1)",
    )
    first_moved = count(
        book_copy,
        f"SELECT min(occurred_on) FROM mrr_movement WHERE account_id = {account}"
        " AND occurred_on <> '1900-01-01'",
    )
    assert first_moved is not None
    later = date.fromisoformat(first_moved[:10]) + timedelta(days=1)
    change(book_copy, f"UPDATE account SET start_date = '{later}' WHERE id = {account}")
    async with connect(book_copy) as client:
        view = await _call(client, "account_360", account="ACC-00003", timeline_limit=100)
    mrr = [event for event in view["timeline"]["items"] if event["source"] == "mrr"]
    assert (mrr[-1]["kind"], mrr[-1]["at"]) == ("new", None), mrr  # the oldest: last
    dated = [event["at"] for event in mrr[:-1]]
    assert None not in dated and dated == sorted(dated, reverse=True), mrr
    assert view["account"]["start_date"] == later.isoformat()
