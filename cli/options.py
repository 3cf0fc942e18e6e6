"""The options several commands take, each command with its own help: one type per
option (its name and value) here; a command names it once with its help, as
``Json = json_option("Print ...")``, and takes ``as_json: Json = False``. The options
every command words alike are ready-made in ``cli.common`` (DbOption, JsonOption...)."""

from __future__ import annotations

from typing import Annotated, Any

import typer


def as_of_option(help_text: str, metavar: str = "YYYY-MM-DD") -> Any:
    """The type of an ``--as-of DAY`` option: the day a command runs as of (its help
    shows ``metavar``, as every date option's does: not ``<str>``)."""
    return Annotated[str | None, typer.Option("--as-of", metavar=metavar, help=help_text)]


def json_option(help_text: str) -> Any:
    """The type of a ``--json`` flag; ``help_text`` says what the command prints."""
    return Annotated[bool, typer.Option("--json", help=help_text)]


def segment_option(help_text: str, metavar: str | None = None) -> Any:
    """The type of a ``--segment NAME`` option: only the accounts of that segment."""
    return Annotated[str | None, typer.Option("--segment", metavar=metavar, help=help_text)]


def owner_option(help_text: str) -> Any:
    """The type of an ``--owner NAME`` option: only the accounts that person owns."""
    return Annotated[str | None, typer.Option("--owner", help=help_text)]


def band_option(help_text: str) -> Any:
    """The type of a ``--band`` option: a health band, green, yellow or red."""
    return Annotated[str | None, typer.Option("--band", help=help_text)]


def source_option(help_text: str) -> Any:
    """The type of a ``--source`` option: what made a task (rule, follow_up, manual)."""
    return Annotated[str | None, typer.Option("--source", help=help_text)]


def period_option(help_text: str, metavar: str | None = None) -> Any:
    """The type of a ``--period`` option: the period of the metrics (month, 2025-Q1...)."""
    return Annotated[str, typer.Option("--period", metavar=metavar, help=help_text)]


def user_option(help_text: str) -> Any:
    """The type of a ``--user NAME`` option; ``help_text`` says what the name is for
    (the commands that record writes as someone: ``mcp``, ``serve``)."""
    return Annotated[str | None, typer.Option("--user", metavar="NAME", help=help_text)]
