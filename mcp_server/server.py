"""The MCP server: the read tools always, the write tools unless read-only, a prompt
to prepare a renewal call, and each account's 360 as a resource."""

from __future__ import annotations

import json
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, ToolAnnotations
from pydantic import Field

from core.health.in_force import score_figure
from core.text import visible
from mcp_server.book import Book, Refused
from mcp_server.reads import Reads, account_360
from mcp_server.writes import Writes

INSTRUCTIONS = """\
cxtui: a customer-success book (accounts, health scores, interactions, tasks, goals).
Find accounts with find_accounts, then read one with account_360 (its external id).
Lists come in pages: pass next_offset as offset for the next one. Writes (when
offered) are validated as the cxtui command line validates them and recorded as
written by the user via the assistant; a refusal says what to fix."""

READ = ToolAnnotations(readOnlyHint=True, openWorldHint=False)
WRITE = ToolAnnotations(readOnlyHint=False, destructiveHint=False, openWorldHint=False)


def build_server(book: Book, read_only: bool = False) -> MCPServer:
    """The server on ``book``; ``read_only`` leaves the write tools out."""
    from importlib.metadata import version

    server = MCPServer(
        name="cxtui",
        title="cxtui customer-success book",
        instructions=INSTRUCTIONS,
        version=version("cxtui"),
        log_level="WARNING",  # stderr is the client's log: refusals are answers, not news
    )
    reads = Reads(book)
    for tool in (reads.find_accounts, reads.account_360, reads.metrics, reads.tasks, reads.goals):
        server.add_tool(tool, annotations=READ)
    if not read_only:
        writes = Writes(book)
        for tool in (
            writes.log_interaction,
            writes.add_goal_checkin,
            writes.complete_task,
            writes.snooze_task,
        ):
            server.add_tool(tool, annotations=WRITE)

    @server.resource(
        "cxtui://account/{external_id}",
        name="account_360",
        title="Account 360",
        description="One account's 360 as JSON (the first page of its timeline).",
        mime_type="application/json",
    )
    def account_resource(external_id: str) -> str:
        try:
            return json.dumps(account_360(book, external_id), ensure_ascii=False)
        except Refused as error:
            raise ResourceNotFoundError(str(error)) from None

    @server.prompt(
        name="prepare_renewal_call",
        title="Prepare for my renewal call with ACCOUNT",
        description="Gathers the account's 360 (health and why, timeline, contacts, open "
        "tickets, goals) into a brief for a renewal call.",
    )
    def prepare_renewal_call(
        account: Annotated[str, Field(description="The account's external id.")],
    ) -> str:
        try:
            return renewal_brief(account_360(book, account))
        except Refused as error:
            raise MCPError(INVALID_PARAMS, str(error)) from None

    return server


def renewal_brief(view: dict[str, Any]) -> str:
    """The prompt of a renewal call: what to prepare, then the 360 as JSON."""
    fields = view["account"]
    health = view["health"]
    standing = "no health score"
    if health is not None and health["score"] is not None:
        # an override of the band alone: the computed score beside a band not its own
        band_alone = health["override"] is not None and health["override"]["score"] is None
        shown = score_figure(health["score"], None if band_alone else health["band"])
        standing = f"health {shown} ({health['band']})"
    renewal = f"renewal {fields['renewal_date']}" if fields["renewal_date"] else "no renewal date"
    owner = f"owner {visible(fields['owner'])}" if fields["owner"] else "no owner"
    return (
        f"Prepare me for my renewal call with {visible(fields['name'])} "
        f"({visible(fields['account'])}): {renewal}, MRR {fields['mrr']:,.2f}, "
        f"{standing}, {owner}.\n\n"
        "From the account 360 below (from cxtui), write a one-page brief: how healthy the "
        "account is and why (the health components that pull it down), what happened "
        "lately (timeline), open tickets and risks to the renewal, the goals that concern "
        "it, who to talk to (contacts), and five talking points or questions for the call. "
        "Say where the data is missing rather than guessing.\n\n"
        f"Account 360 (JSON):\n{json.dumps(view, indent=1, ensure_ascii=True)}"
    )
