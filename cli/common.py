"""What every command shares: the --db option, opening the database, failing in words."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from cli.options import as_of_option, json_option

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from core.scope import Scope
    from core.store.sqlite_file import SqliteFile

FilterOption = Annotated[
    str | None,
    typer.Option(
        "--filter",
        metavar="NAME",
        help="Only the accounts of this saved filter (its segments, owners, plans and "
        "statuses; see `cxtui filters list`). Its health, renewal and no-interaction "
        "parts narrow the accounts list only.",
    ),
]
DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="SQLite file to use (default: cxtui.db in your data directory, "
        "or CXTUI_DATABASE_URL when it is set).",
        dir_okay=False,
    ),
]

AsOfOption = as_of_option("Run as of this day (YYYY-MM-DD); default today.")
JsonOption = json_option("Print JSON.")


EXIT_BAD_INPUT = 2


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    say(message)
    raise typer.Exit(code)


def check_band(band: str | None) -> None:
    """Refuse a ``--band`` that is no health band, naming the bands."""
    from core.health.config import BANDS

    if band is not None and band not in BANDS:
        fail(f"--band must be one of {', '.join(BANDS)}, not {band!r}")


@contextmanager
def fraction_bar(label: str, err: bool = False) -> Iterator[Callable[[float], None]]:
    """A progress bar of 100 steps, fed by a ``progress(fraction)`` callback."""
    import sys

    with typer.progressbar(length=100, label=label, file=sys.stderr if err else None) as bar:
        done = 0

        def progress(fraction: float) -> None:
            nonlocal done
            step = int(fraction * 100) - done
            if step > 0:
                bar.update(step)
                done += step

        yield progress


def parse_day(text: str | None, option: str = "--as-of", today: date | None = None) -> date:
    """A date option in the one grammar of dates (``core.dates.parse_day``: ISO,
    today, tomorrow, +7d, next monday...) counted from ``today`` (default: the real
    today), and today when not given; a one-line error and exit 2 otherwise."""
    from core.dates import parse_day as parse

    today = today or date.today()
    if text is None:
        return today
    try:
        return parse(text, today, option)
    except ValueError as error:
        fail(str(error))


def sqlite_file(db: Path | None) -> SqliteFile | None:
    """The SQLite file of --db (or the default) when it can be read and written
    without the engine (and SQLAlchemy, ~1 s of imports): at the current schema (else
    the engine migrates it first). None for PostgreSQL."""
    from core.store.sqlite_file import open_sqlite_file
    from core.store.urls import database_url

    return open_sqlite_file(database_url(db))


def refuse_missing(db: Path | None, option: str) -> None:
    """Exit 2 when the SQLite file of --db (or the default) does not exist: with
    ``option`` (which writes nothing), opening it would create an empty book."""
    from core.store.db import database_url, sqlite_path

    path = sqlite_path(database_url(db))
    if path is not None and not path.exists():  # a typo would read an empty book
        fail(f"{option}: there is no database at {path}; it writes none")


def open_book(db: Path | None) -> Engine:
    """``open_db`` for a command that reads a book: when the SQLite file of --db (or
    the default) does not exist, exit 2 in words instead of creating an empty book
    and showing nothing of it (a typo in --db read as a book without a customer)."""
    need_book(db)
    return open_db(db)


def need_book(db: Path | None) -> None:
    """Exit 2 when the SQLite file of --db (or the default) does not exist, naming it
    and what writes one; PostgreSQL is not looked at. A file that exists is seen
    without SQLAlchemy (~1 s of imports)."""
    from core.store.first_read import sqlite_file as existing_file
    from core.store.urls import database_url

    url = database_url(db)
    if existing_file(url) is not None:
        return
    from core.store.db import sqlite_path

    path = sqlite_path(url)
    if path is not None and not path.exists():
        if not path.parent.is_dir():
            fail(f"--db {path}: the folder {path.parent} does not exist")
        fail(
            f"there is no database at {path}: nothing to read (is --db right? cxtui import"
            " or cxtui demo --db PATH writes one)"
        )


class NewBook:
    """What opening --db (or the default) would create, when its SQLite file does not
    exist yet: the file and the folders above it that are missing. Told before the
    engine opens it, so a command that ends having written nothing (an import refused
    or dry run) can take them away again: bad input changes nothing."""

    def __init__(self, db: Path | None) -> None:
        from core.store.db import database_url, sqlite_path

        path = sqlite_path(database_url(db))
        self.made: list[Path] = []
        if path is None or path.exists():
            return
        self.made.append(path)
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            self.made.append(folder)
            folder = folder.parent

    def remove(self) -> None:
        """Remove the file (with its journal's) and the folders made for it, once the
        engine on it is disposed; a folder something else was put in stays."""
        if not self.made:
            return
        book, *folders = self.made
        for path in (book, *(Path(f"{book}{end}") for end in ("-wal", "-shm", "-journal"))):
            path.unlink(missing_ok=True)
        for folder in folders:  # the deepest first
            try:
                folder.rmdir()
            except OSError:
                return


def open_db(db: Path | None) -> Engine:
    """A migrated engine for --db / CXTUI_DATABASE_URL / the default file, or a clear
    message and exit status 2 when the database cannot be used."""
    from core.store.db import DatabaseError, database_url, open_engine

    if db is not None and not db.expanduser().resolve().parent.is_dir():
        fail(f"--db {db}: the folder {db.expanduser().resolve().parent} does not exist")
    try:
        return open_engine(database_url(db), on_update=say)
    except DatabaseError as error:
        fail(str(error))


def say(message: str) -> None:
    """A line to the person at the terminal, on stderr (stdout stays the command's
    output, for scripts)."""
    typer.echo(f"cxtui: {message}", err=True)


def book_scope(
    engine: Engine, segment: str | None, owner: str | None, saved_filter: str | None, what: str
) -> Scope:
    """The scope of --segment / --owner, spelled as the book spells them (case does
    not matter; an unknown one is a one-line error listing the known ones, exit 2),
    narrowed to the saved filter of --filter when given (its parts that narrow the
    accounts list only are named as not applying to ``what``, "the export")."""
    from core.scope import ScopeError
    from core.scope import book_scope as scope_in_book

    try:
        scope = scope_in_book(engine, segment, owner)
    except ScopeError as error:
        engine.dispose()
        fail(f"--{error}")
    return scope if saved_filter is None else _saved_scope(engine, saved_filter, scope, what)


def _saved_scope(engine: Engine, name: str, scope: Scope, what: str) -> Scope:
    """The saved filter ``name`` as a scope, narrowed further by --segment/--owner;
    its list-only parts are named on stderr as not applying to ``what``; a condition
    on a custom field the book does not have is an error naming it, exit 2."""
    from core.accounts.field_views import saved_conditions
    from core.config.saved_filters import LIST_ONLY_KEYS, UnknownFilterError, get_filter

    try:
        saved = get_filter(name)
    except (UnknownFilterError, ValueError) as error:
        fail(f"--filter: {error}")
    try:
        fields = saved_conditions(engine, saved.fields)
    except (KeyError, ValueError) as error:  # UnknownField, FieldValueError
        engine.dispose()
        fail(f"--filter: the saved filter {name!r}: {error}")
    if ignored := saved.describe(LIST_ONLY_KEYS):
        typer.echo(
            f"cxtui: the saved filter {name!r} also holds {'; '.join(ignored)}: that narrows "
            f"the accounts list only, not {what}",
            err=True,
        )
    return scope.with_saved(saved, fields)
