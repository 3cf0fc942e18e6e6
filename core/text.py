"""Text from data, made safe to print: control characters shown, long values cut.

An account named ``"Evil\\x1b]0;pwned\\x07 Co"`` must not retitle the terminal, and an
``\\x1b[2J`` must not clear it: wherever text from data reaches a terminal (the app,
the command line, error messages), control characters (C0, DEL, C1) are shown
escaped, as ``\\x1b``. ``visible`` is for one string, ``visible_columns`` for
string columns of a frame (fast: only the rows that need it are rewritten).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # polars is imported where frames are: the CLI starts without it
    import polars as pl

CONTROL = r"[\x00-\x1f\x7f-\x9f]"
_CONTROL = re.compile(CONTROL)
_CONTROL_KEEPING_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ECHO_MAX = 80  # characters of a value quoted back in a message


def _escaped(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def visible(text: str | None, keep_lines: bool = False) -> str:
    """``text`` with its control characters escaped (``keep_lines``: not tabs and
    newlines, for multi-line notes). None becomes ""."""
    if not text:
        return ""
    pattern = _CONTROL_KEEPING_LINES if keep_lines else _CONTROL
    return pattern.sub(_escaped, text)


def text_problem(text: str, limit: int) -> str | None:
    """Why ``text`` cannot be stored in a column of ``limit`` characters, the same on
    SQLite (which would take anything) and PostgreSQL: too long, or a NUL byte."""
    if "\x00" in text:
        return "it holds a NUL character"
    if len(text) > limit:
        return f"{len(text):,} characters; at most {limit}"
    return None


def counted(count: int, one: str, many: str | None = None) -> str:
    """``count`` and the words that follow it, singular or plural as it reads: "1
    account", "2,000 accounts"; ``many`` when the plural is not ``one`` and an "s"
    ("1 account has", "3 accounts have")."""
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def has_control(text: str) -> bool:
    return _CONTROL.search(text) is not None


def shortened(text: str | None, limit: int = ECHO_MAX) -> str:
    """A value as a message quotes it: visible, and cut to ``limit`` characters."""
    shown = visible(text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def visible_columns(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """``frame`` with the control characters of ``columns`` escaped."""
    import polars as pl

    fixes = []
    for name in columns:
        if name not in frame.columns or frame.schema[name] != pl.String:
            continue
        column = pl.col(name)
        if not frame.select(column.str.contains(CONTROL).any()).item():
            continue
        fixes.append(
            pl.when(column.str.contains(CONTROL))
            .then(column.map_elements(visible, return_dtype=pl.String))
            .otherwise(column)
            .alias(name)
        )
    return frame.with_columns(fixes) if fixes else frame
