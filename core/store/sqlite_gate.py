"""One process, one SQLite library at a time on a database file (``SQLITE_GATE``),
with the standard library only: the app's first read takes it before SQLAlchemy is
imported, while the engine may be opening beside it (``core.store.db``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class SqliteLibraryGate:
    """Keeps two copies of the SQLite library from having a database open at once.

    Bulk reads go through ADBC, whose driver carries its own SQLite; everything else
    goes through Python's ``sqlite3``. POSIX file locks belong to the process, so
    when one copy closes the file it silently drops the other copy's locks, and
    each copy believes it is the last connection and may checkpoint and delete the
    WAL under the other's feet ("disk I/O error", or worse). So, in one process:
    ``sqlite3`` connections (opened per use: SQLite engines use NullPool) wait
    while an ADBC read runs, and an ADBC read only starts when no ``sqlite3``
    connection is open (``try_adbc`` says no otherwise, and the reader falls back
    to ``sqlite3``: slower, never blocked, never deadlocked).
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._sqlite_open = 0
        self._adbc_open = 0

    def sqlite_opening(self) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self._adbc_open == 0)
            self._sqlite_open += 1

    def sqlite_closed(self) -> None:
        with self._condition:
            self._sqlite_open -= 1
            self._condition.notify_all()

    @contextmanager
    def try_adbc(self) -> Iterator[bool]:
        with self._condition:
            allowed = self._sqlite_open == 0
            if allowed:
                self._adbc_open += 1
        try:
            yield allowed
        finally:
            if allowed:
                with self._condition:
                    self._adbc_open -= 1
                    self._condition.notify_all()


SQLITE_GATE = SqliteLibraryGate()
