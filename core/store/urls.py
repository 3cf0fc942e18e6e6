"""Which database cxtui uses, as a URL, with the standard library and platformdirs
only: the app's start (``cli.main``) reads it before SQLAlchemy is imported (it took
a third of a second before the first frame). ``core.store.db`` opens it."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from platformdirs import user_data_path

DATABASE_URL_ENV = "CXTUI_DATABASE_URL"


def default_db_path() -> Path:
    return user_data_path("cxtui", appauthor=False) / "cxtui.db"


def database_url(db: Path | str | None = None) -> str:
    """The URL to use: an explicit ``--db`` file, else ``CXTUI_DATABASE_URL``, else the
    SQLite file in the user's data directory."""
    if db is not None:
        return sqlite_url(Path(db))
    env = os.environ.get(DATABASE_URL_ENV, "").strip()
    if env:
        return normalise_url(env)
    return sqlite_url(default_db_path())


def sqlite_url(path: Path) -> str:
    """The URL of a SQLite file, as SQLAlchemy's ``URL.create("sqlite", database=...)``
    renders it (a test compares them): a path holding ``?``, ``%`` or ``#`` names that
    very file (``book?v2.db`` is not ``book`` with a query)."""
    return "sqlite:///" + quote(str(path.expanduser().resolve()), safe=" +/")


def normalise_url(url: str) -> str:
    """PostgreSQL URLs without a driver use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
