"""The book the server was given, and what it says when it refuses.

Everything the assistant reads or writes goes through ``Book``: one database (the
engine the command opened) and one author ("<user> via assistant") for its writes.
The tools answer JSON-ready dicts, bounded: pages of ``PAGE_MAX`` rows at most, and
free text cut at ``TEXT_MAX`` characters.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver.exceptions import ToolError

from core.text import has_control, shortened, text_problem

if TYPE_CHECKING:
    from sqlalchemy import Engine

PAGE_DEFAULT = 25
PAGE_MAX = 100
TIMELINE_DEFAULT = 20
TEXT_MAX = 500  # characters of one free-text value (a survey comment can hold 20,000)
VIA = " via assistant"
AUTHOR_MAX = 80  # the logged_by / checked_by columns
ID_MAX = 2**62  # as the command line's task and goal numbers


class Refused(ToolError):
    """A request the book refuses, in the words the command line uses; nothing was
    written. The client gets it as a tool error (``is_error``) with these words."""


@dataclass(frozen=True)
class Book:
    """One database and whom its writes are recorded as."""

    engine: Engine
    author: str

    def today(self) -> date:
        return date.today()


BUSY = (
    "the book is busy: another program is writing to it (an import, a recompute); "
    "try again in a moment"
)


@contextmanager
def unless_busy() -> Iterator[None]:
    """A write that the database could not take in time (another program held it
    longer than SQLite waits) is Refused in words; its transaction was rolled back
    (an entry's rescore, after its own commit, could be the one refused)."""
    from sqlite3 import OperationalError as SqliteError  # bulk writes use the driver

    from sqlalchemy.exc import OperationalError

    try:
        yield
    except (OperationalError, SqliteError) as error:
        if "database is locked" not in str(error):
            raise
        raise Refused(BUSY) from None


def author_of(user: str) -> str:
    """Whom the assistant's writes are recorded as: ``"<user> via assistant"``;
    Refused when that does not fit the columns that record it."""
    author = f"{user.strip()}{VIA}"
    if not user.strip():
        raise Refused("--user: give a name")
    if has_control(user):
        raise Refused(f'--user: "{shortened(user)}" holds control characters')
    if problem := text_problem(author, AUTHOR_MAX):
        raise Refused(f"--user: {author!r} is {problem}")
    return author


def cut(text: str | None, limit: int = TEXT_MAX) -> str | None:
    """``text`` cut to ``limit`` characters (an ellipsis marks the cut)."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def page(rows: list[dict[str, Any]], total: int, offset: int, limit: int) -> dict[str, Any]:
    """One page of a longer list: its rows, how many there are in all, and the
    offset of the next page (null on the last)."""
    following = offset + len(rows)
    return {
        "items": rows,
        "total": total,
        "offset": offset,
        "limit": limit,
        "next_offset": following if following < total else None,
    }
