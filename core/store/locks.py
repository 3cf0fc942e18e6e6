"""A change that reads what it changes (a goal's check-in, a field's value, a task's
state, an entry's revision, an account's override) on a book that two people use at
once: the team's PostgreSQL database, or one SQLite file behind two ``cxtui serve``
tabs or an assistant's parallel MCP calls. The second must wait for the first and
read what it wrote, not what stood before both.

PostgreSQL locks the rows read with ``with_for_update``. SQLite locks no row that
is read, and its driver opens a transaction only at the first write, so a read
before it sees the state the other writer is about to replace: ``begin_writing``
takes SQLite's write lock first (BEGIN IMMEDIATE: another writer waits for it, up
to the busy timeout; readers do not)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection


def begin_writing(connection: Connection) -> None:
    """Make ``connection``'s transaction a writer's from here on, before it reads what
    it will write from (on PostgreSQL, the rows it reads with ``with_for_update``)."""
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
