"""What every command shares: the --db option, opening the database, failing in words."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from sqlalchemy import Engine

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="SQLite file to use (default: cxtui.db in your data directory, "
        "or CXTUI_DATABASE_URL when it is set).",
        dir_okay=False,
    ),
]

EXIT_BAD_INPUT = 2


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    typer.echo(f"cxtui: {message}", err=True)
    raise typer.Exit(code)


def open_db(db: Path | None) -> Engine:
    """A migrated engine for --db / CXTUI_DATABASE_URL / the default file, or a clear
    message and exit status 1 when the database cannot be used."""
    from core.db import DatabaseError, database_url, open_engine

    try:
        return open_engine(database_url(db))
    except DatabaseError as error:
        fail(str(error), code=1)
