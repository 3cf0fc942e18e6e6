"""Messages that cross screens. Workers report back through these, never by
touching widgets from their thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy import Engine

    from core.metrics.dashboard import Figures
    from core.store.sqlite_file import SqliteFile
    from core.store.threads import Started
    from tui.screens.dashboard_data import View


@dataclass
class DatabaseOpened(Message):
    """The database is open and migrated; ``accounts`` is how many it holds (None:
    not known yet, the engine was opened beside the list's first read)."""

    engine: Engine
    accounts: int | None


@dataclass
class FileOpened(Message):
    """The database is a SQLite file at the current schema: the dashboard's figures
    can be read from it before the engine is open (``core.store.sqlite_file``)."""

    file: SqliteFile
    figures: tuple[View, Started[Figures]] | None = None
    """The dashboard's first figures, already being read from it (its first view's)."""


@dataclass
class BookLoaded(Message):
    """The accounts list frame (``core.accounts.queries.load_accounts``) is ready;
    ``complete`` is False while its last interactions are still being read."""

    frame: pl.DataFrame
    complete: bool = True


@dataclass
class OpenAccount(Message):
    """Open the account 360 of ``account_id``; ``ids`` is the list it was opened
    from, for ``[`` and ``]``."""

    account_id: int
    ids: list[int] | None = None


@dataclass
class BookChanged(Message):
    """Something was written: the accounts list must be read again."""

    detail: Any = None
