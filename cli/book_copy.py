"""``cxtui copy DEST``: the whole book moved to another database (a team's move from
its SQLite file to a shared PostgreSQL server), ids and history kept."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import DbOption, fail, open_db, refuse_missing
from cli.options import json_option
from cli.progress import StageBars

if TYPE_CHECKING:
    from core.store.book_copy import Copied

EXIT_FAILED = 1

Dest = Annotated[
    str,
    typer.Argument(
        metavar="DEST",
        help="A SQLite file (new, or a book without rows) or a postgresql:// URL of an empty "
        "database.",
        show_default=False,
    ),
]


def copy_commands(app: typer.Typer) -> None:
    app.command("copy")(copy_command)


Json = json_option(
    "Print what was copied as JSON: the destination, the rows per table and in all, the"
    " seconds (see docs/json.md)."
)


def copy_command(dest: Dest, db: DbOption = None, as_json: Json = False) -> None:
    """Copy the whole book (--db PATH, or CXTUI_DATABASE_URL) into DEST: every table,
    accounts and their history, health scores and overrides, tasks, goals and
    check-ins, custom fields, edit histories, with their ids, in one transaction.
    DEST is made ready for this version of cxtui first; one that holds a book, or is
    the book itself, is refused and left as it was. If anything fails, DEST is left
    without any of the book and the error names the table. Saved filters, rules'
    settings and the health model live in the config file, not the book: they stay
    where they are (cxtui config path). Shows a bar per table on a terminal, then the
    rows copied per table (with --json, as JSON)."""
    from core.store.book_copy import (
        CopyFailed,
        CopyRefused,
        check_destination,
        copy_book,
        shown_destination,
    )
    from core.store.db import DatabaseError, database_url

    refuse_missing(db, "copy")
    dest_url = _dest_url(dest)
    try:
        check_destination(database_url(db), dest_url)
    except CopyRefused as error:
        fail(str(error))
    engine = open_db(db)
    began = time.perf_counter()
    try:
        with StageBars(22) as bars:
            copied = copy_book(engine, dest_url, bars)
    except CopyRefused as error:
        fail(str(error))
    except (CopyFailed, DatabaseError) as error:
        fail(str(error), EXIT_FAILED)
    finally:
        engine.dispose()
    seconds = time.perf_counter() - began
    shown = shown_destination(dest_url)
    if as_json:
        typer.echo(json.dumps(_as_json(copied, shown, seconds), indent=2, ensure_ascii=False))
    else:
        typer.echo(_summary(copied, shown, seconds))


def _dest_url(dest: str) -> str:
    """DEST as a database URL: a URL as given, a path as its SQLite file (whose folder
    must exist)."""
    from core.store.db import normalise_url, sqlite_url

    if "://" in dest:
        if not dest.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")):
            fail(f"DEST {dest}: give a SQLite file's path or a postgresql:// URL")
        return normalise_url(dest)
    path = Path(dest).expanduser().resolve()
    if not path.parent.is_dir():
        fail(f"DEST {dest}: the folder {path.parent} does not exist")
    if path.is_dir():
        fail(f"DEST {dest} is a folder: give the path of a database file")
    return sqlite_url(path)


def _summary(copied: list[Copied], dest: str, seconds: float) -> str:
    rows = sum(done.rows for done in copied)
    width = max(len(done.table) for done in copied)
    lines = [f"  {done.table:<{width}}  {done.rows:>12,}" for done in copied]
    rate = f", {rows / seconds:,.0f} rows/s" if seconds > 0 and rows else ""
    head = f"Copied {rows:,} rows of {len(copied)} tables to {dest} in {seconds:.1f} s{rate}:"
    return "\n".join([head, *lines])


def _as_json(copied: list[Copied], dest: str, seconds: float) -> dict[str, object]:
    return {
        "destination": dest,
        "rows": sum(done.rows for done in copied),
        "seconds": round(seconds, 3),
        "tables": [{"table": done.table, "rows": done.rows} for done in copied],
    }
