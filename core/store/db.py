"""Where the database is, how to connect to it, and keeping its schema current.

There is no module-level engine: every caller asks ``open_engine`` for one, so the
CLI, the app and the tests each point at their own database.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from core.store.sqlite_file import add_unixepoch
from core.store.sqlite_gate import SQLITE_GATE as SQLITE_GATE
from core.store.urls import DATABASE_URL_ENV as DATABASE_URL_ENV
from core.store.urls import database_url as database_url
from core.store.urls import default_db_path as default_db_path
from core.store.urls import normalise_url as normalise_url
from core.store.urls import sqlite_url as sqlite_url

SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_PAGE_SIZE = 16_384


class DatabaseError(Exception):
    """A database cxtui cannot use, with a message meant for the user."""


def is_database_failure(error: BaseException | None) -> bool:
    """True for an error of the database itself (a ``DatabaseError``, or anything
    SQLAlchemy raised), as opposed to a bug or a user's mistake."""
    from sqlalchemy.exc import SQLAlchemyError

    return isinstance(error, DatabaseError | SQLAlchemyError)


class SchemaTooNewError(DatabaseError):
    """The database was written by a newer cxtui; it is left untouched."""


def shown_url(url: str) -> str:
    """``url`` as it may be shown: the password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _create_private_file(path: Path) -> None:
    """Create an empty database file readable by its owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)


def _set_sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    # 16 KiB pages for a new database (an existing one keeps its own): a 1M-row
    # import writes and syncs a quarter of the pages, ~5% faster in all.
    cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # Sorts (index builds after a bulk load, ORDER BY) may use helper threads.
    cursor.execute(f"PRAGMA threads={min(4, os.cpu_count() or 1)}")
    cursor.close()
    add_unixepoch(dbapi_connection)


class _GatedSqliteConnection(sqlite3.Connection):
    """A sqlite3 connection that tells the gate once it is really closed."""

    _gate_open = False

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._gate_open:
                self._gate_open = False
                SQLITE_GATE.sqlite_closed()


def _gated_sqlite_connect(
    dialect: Any, _record: object, cargs: tuple, cparams: dict
) -> sqlite3.Connection:
    SQLITE_GATE.sqlite_opening()
    try:
        connection = dialect.connect(*cargs, **cparams, factory=_GatedSqliteConnection)
    except BaseException:
        SQLITE_GATE.sqlite_closed()
        raise
    connection._gate_open = True
    return connection


def make_engine(url: str) -> Engine:
    """An engine for ``url``, without touching the schema. SQLite files are created
    with mode 0600 and every connection runs in WAL mode with foreign keys on."""
    url = normalise_url(url)
    path = sqlite_path(url)
    if path is not None:
        _create_private_file(path)
        engine = create_engine(
            url,
            poolclass=NullPool,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        event.listen(engine, "do_connect", _gated_sqlite_connect)
        event.listen(engine, "connect", _set_sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def open_engine(url: str, on_update: Callable[[str], None] | None = None) -> Engine:
    """An engine on a database whose schema is current: migrations run first
    (after a backup of an existing SQLite file; ``on_update`` is told so in words
    first), and a newer schema is refused."""
    from sqlalchemy.exc import SQLAlchemyError

    from core.store.migrate import migrate

    path = sqlite_path(normalise_url(url))
    if path is not None:
        _refuse_foreign(path)
    try:
        engine = make_engine(url)
    except OSError as error:
        raise DatabaseError(_unusable(path, url, error)) from None
    try:
        migrate(engine, on_update)
    except (SQLAlchemyError, sqlite3.Error, OSError) as error:
        engine.dispose()
        raise DatabaseError(_unusable(path, url, error)) from None
    except BaseException:
        engine.dispose()
        raise
    return engine


def _refuse_foreign(path: Path) -> None:
    """Before anything writes to an existing SQLite file (even its journal mode), make
    sure it is a cxtui book: read-only, a file that is no database, or one holding
    another application's tables, is refused and left byte for byte as it was."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    from urllib.request import pathname2url

    try:
        with sqlite3.connect(f"file:{pathname2url(str(path))}?mode=ro", uri=True) as probe:
            tables = {row[0] for row in probe.execute("SELECT name FROM sqlite_master")}
        probe.close()
    except sqlite3.Error as error:
        raise DatabaseError(_unusable(path, "", error)) from None
    if tables and not {"alembic_version", "account"} & tables:
        raise DatabaseError(
            f"{path} holds another application's tables, not a cxtui book: it was refused"
            " and left untouched. Give cxtui a new file with --db."
        )


def _unusable(path: Path | None, url: str, error: BaseException) -> str:
    """Why a database cannot be used, in one sentence that names it."""
    reason = str(getattr(error, "orig", None) or error).splitlines()[0]
    where = str(path) if path is not None else make_url(url).render_as_string()
    if "not a database" in reason or "malformed" in reason:
        return f"{where} is not a SQLite database, or is damaged: it was left untouched."
    if "readonly" in reason or "read-only" in reason or isinstance(error, PermissionError):
        return f"{where} cannot be written (a read-only file or folder): nothing was changed."
    if "unable to open" in reason or isinstance(error, FileNotFoundError):
        return f"{where} cannot be opened: its folder is missing or cannot be written."
    return f"{where} cannot be used: {reason}"


@contextmanager
def written_whole(url: str) -> Iterator[Engine]:
    """A migrated engine to write a whole book with. For a SQLite file it is a new
    file beside it (``.NAME.partial``) that replaces the file only once the book is
    complete, so a process killed half-way leaves the file as it was (the partial
    file is removed by the next run). Other databases are written in place."""
    path = sqlite_path(normalise_url(url))
    if path is None:
        engine = open_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    partial = path.with_name(f".{path.name}.partial")
    for leftover in (partial, *(Path(f"{partial}{end}") for end in ("-wal", "-shm"))):
        leftover.unlink(missing_ok=True)
    engine = open_engine(sqlite_url(partial))
    try:
        yield engine
    except BaseException:
        engine.dispose()
        partial.unlink(missing_ok=True)
        raise
    engine.dispose()  # the last connection folds the WAL into the file
    for end in ("-wal", "-shm"):  # the replaced file's (an empty book's), if any
        Path(f"{path}{end}").unlink(missing_ok=True)
    os.replace(partial, path)


def backup_sqlite(path: Path, when: datetime | None = None) -> Path:
    """Copy a SQLite database, consistently even in WAL mode, to a timestamped file
    beside it, and return the copy's path."""
    stamp = (when or datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{stamp}.bak")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.name}.{stamp}-{counter}.bak")
        counter += 1
    _create_private_file(target)
    with sqlite3.connect(path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    source.close()
    copy.close()
    return target
