"""``cxtui mcp``: the book served to an AI assistant over the Model Context Protocol."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import DbOption, fail, open_db, refuse_missing
from cli.options import user_option

ReadOnly = Annotated[
    bool, typer.Option("--read-only", help="Offer the read tools only: the assistant cannot write.")
]
User = user_option(
    'Whom the writes are recorded as ("NAME via assistant"; default: CXTUI_USER, '
    "the config's user, or your login name)."
)


def assistant_commands(app: typer.Typer) -> None:
    app.command("mcp")(mcp)


def mcp(db: DbOption = None, read_only: ReadOnly = False, user: User = None) -> None:
    """Serve the book to an AI assistant (an MCP client such as a desktop assistant
    or an editor) over stdio, until the client hangs up. Read tools: find accounts,
    an account's 360, metrics, the task queue, goals; write tools (unless
    --read-only): log an interaction, add a goal check-in, complete or snooze a task,
    validated as the command line validates them. Register it in the client's
    config as the command `cxtui` with the arguments `mcp --db PATH` (see
    docs/mcp.md). Missing health scores of today are computed at start, as the app
    does (not with --read-only, which writes nothing)."""
    from core.config.settings import load_settings
    from mcp_server import Refused, author_of, serve

    try:
        author = author_of(user if user is not None else load_settings().author)
    except Refused as error:
        fail(str(error))
    if read_only:
        refuse_missing(db, "--read-only")
    engine = open_db(db)
    try:
        serve(engine, author, read_only)
    finally:
        engine.dispose()
