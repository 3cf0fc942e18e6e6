"""Shared fixtures: a real, migrated database per test.

Without ``CXTUI_DATABASE_URL`` every test gets its own SQLite file. With it set to
a PostgreSQL server (as ``.ci/run`` does for ``tests/core``), every test gets its
own schema on that server, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from core.db import DATABASE_URL_ENV, normalise_url, open_engine, sqlite_url


def _server_url() -> str | None:
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    return normalise_url(url) if url.startswith(("postgres", "postgresql")) else None


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests never touch the user's real data or config directories."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("CXTUI_USER", "Test User")


@pytest.fixture
def is_postgres() -> bool:
    return _server_url() is not None


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database that no other test uses."""
    server = _server_url()
    if server is None:
        yield sqlite_url(tmp_path / "cxtui.db")
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated engine on a fresh database."""
    engine = open_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_only(is_postgres: bool) -> None:
    if is_postgres:
        pytest.skip("SQLite-specific behaviour")
