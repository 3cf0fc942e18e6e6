"""``cxtui mcp``: the book served to an AI assistant over the Model Context Protocol.

Built on the official ``mcp`` SDK (``MCPServer``, its high-level API). Read tools
(find accounts, an account's 360, metrics, the task queue, goals) and, unless
read-only, write tools (log an interaction, check in on a goal, complete or snooze
a task), each the same core function the command line calls, with its validation
and its words. Like the app and the command line, this package reaches the
database through ``core`` only. See docs/mcp.md.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from mcp_server.book import Book, Refused, author_of, unless_busy

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["Book", "Refused", "author_of", "serve"]


def serve(engine: Engine, author: str, read_only: bool = False) -> None:
    """Serve the book of ``engine`` over stdio until the client hangs up; writes are
    recorded as ``author`` (see ``author_of``). Today's health scores are computed
    first when they are missing, as the app does at start, unless ``read_only``:
    then nothing is written and the latest scores are served (as they are, said on
    stderr, when another program keeps the book busy)."""
    from core.health.store import score_day_if_missing
    from mcp_server.server import build_server

    book = Book(engine, author)
    if not read_only:
        try:
            with unless_busy():
                score_day_if_missing(engine, book.today())
        except Refused as error:  # stderr is the client's log; the latest scores serve
            print(f"cxtui mcp: today's health scores not computed: {error}", file=sys.stderr)
    build_server(book, read_only).run("stdio")
