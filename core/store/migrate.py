"""Alembic migrations run from code: the scripts ship inside the package.

Opening a database whose schema is already current (every start of the app) reads
one row and never imports Alembic, which costs a third of a second. Importing this
module imports neither SQLAlchemy nor Alembic: ``is_head`` also serves the accounts
list's first read, which runs before that stack is imported (``core.accounts.listing``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_REVISION = re.compile(r"^(down_)?revision(?:: [^=]+)? = (None|['\"](\w+)['\"])", re.MULTILINE)


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


@cache
def shipped_head() -> str | None:
    """The newest revision of the shipped scripts, read from their text: the one no
    other script names as its ``down_revision`` (None if that is ambiguous)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for down, _value, name in _REVISION.findall(script.read_text(encoding="utf-8")):
            if name:
                (parents if down else revisions).add(name)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


HEAD_QUERY = "SELECT version_num FROM alembic_version"
"""The revisions a database is at (one row when it is at a single head)."""


def is_head(versions: list[str]) -> bool:
    """True when ``versions`` (the rows of ``HEAD_QUERY``) are the shipped head."""
    head = shipped_head()
    return head is not None and versions == [head]


def _is_current(engine: Engine) -> bool:
    """True when the database is at the shipped head, read without Alembic."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.connect() as connection:
            versions = connection.execute(text(HEAD_QUERY)).all()
    except SQLAlchemyError:
        return False
    return is_head([row[0] for row in versions])


def migrate(engine: Engine, on_update: Callable[[str], None] | None = None) -> Path | None:
    """Bring the schema to the newest revision. Returns the backup made of an
    existing SQLite database before migrating it, if one was needed. Processes
    opening one database at once take turns: the first migrates, the others wait
    and then find the schema current. ``on_update`` is told, in words, before an
    existing database is copied and updated (on a large book, a wait to explain)."""
    if _is_current(engine):
        return None
    from core.store.db import sqlite_path

    with _migration_lock(sqlite_path(str(engine.url))):
        if _is_current(engine):  # migrated by another process while this one waited
            return None
        return _migrate(engine, on_update or (lambda _notice: None))


def update_notice(size: int | None) -> str:
    """What a person is told while an existing database is updated for this cxtui,
    after a copy of its ``size`` bytes is kept (None: no copy, PostgreSQL)."""
    said = "Updating the database for this version of cxtui"
    if size is None:
        return f"{said}…"
    copy = f"after keeping a copy of it ({_size(size)}) beside it"
    return f"{said}, {copy}: on a large book this takes a while…"


def _size(size: int) -> str:
    """A number of bytes as a file's size is read: 2.6 GB, 338 MB, 12 KB."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if size >= scale:
            digits = 1 if size < 10 * scale else 0
            return f"{size / scale:.{digits}f} {unit}"
    return f"{size} bytes"


@contextmanager
def _migration_lock(path: Path | None) -> Iterator[None]:
    """An exclusive lock on the SQLite file for the migration (``flock``, which
    SQLite's own locks ignore); PostgreSQL's is taken inside the transaction."""
    if path is None or not path.exists():
        yield
        return
    try:
        import fcntl
    except ImportError:  # Windows: no flock; SQLite's write lock is the only one
        yield
        return
    with path.open("rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# Any fixed number: the key of the PostgreSQL advisory lock migrations take.
_PG_LOCK_KEY = 7_240_331


def _migrate(engine: Engine, on_update: Callable[[str], None]) -> Path | None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from core.store.db import SchemaTooNewError, backup_sqlite, sqlite_path

    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    current = current_revision(engine)
    head = script.get_current_head()
    if current == head:
        return None
    known = {revision.revision for revision in script.walk_revisions()}
    if current is not None and current not in known:
        raise SchemaTooNewError(
            f"This database was written by a newer cxtui (schema revision {current}); "
            f"this cxtui knows up to {head}. Upgrade cxtui to open it. "
            "The database was left untouched."
        )
    backup = None
    path = sqlite_path(str(engine.url))
    # Any migration of an existing file, one that only adds an index too, runs after a
    # copy: the upgrade is one transaction, but the copy is the user's way back to the
    # book as it was (a cxtui they go back to, a failure that is not the database's).
    if path is not None and _has_tables(engine):
        on_update(update_notice(path.stat().st_size))
        backup = backup_sqlite(path)
    elif current is not None:
        on_update(update_notice(None))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration rebuilds a table by copying it and dropping the old
            # one: with foreign keys on, the drop would cascade to its children.
            # (The pragma is a no-op inside a transaction: set before the first.)
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                if sqlite:
                    # sqlite3 begins a transaction at the first row written only: a
                    # CREATE INDEX before it was kept when the migration then failed
                    # (the next open: "index ... already exists"). One transaction,
                    # the write lock taken at once.
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                else:  # held until commit; the others wait, then see head
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise RuntimeError(f"a migration broke a foreign key: {tuple(broken)}")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
    return backup


def _has_tables(engine: Engine) -> bool:
    from sqlalchemy import inspect

    return bool(inspect(engine).get_table_names())
