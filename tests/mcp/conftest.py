"""The demo book for the MCP server's tests: written once per session (ending today,
with today's health scores), copied for each test that writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from typer.testing import CliRunner

from cli.main import app
from core.store.db import open_engine, sqlite_url
from mcp_server.book import Book
from mcp_server.server import build_server
from tests.conftest import checkpointed, copy_migrated_sqlite

AUTHOR = "Test User via assistant"


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo book, ending today, with today's health scores: written by the
    command line itself (``cxtui demo``, ``cxtui health --recompute``)."""
    path = tmp_path_factory.mktemp("mcp-demo") / "demo.db"
    for command in (["demo"], ["health", "--recompute", "--json"]):
        result = CliRunner().invoke(app, [*command, "--db", str(path)])
        assert result.exit_code == 0, result.output
    return checkpointed(path)


@pytest.fixture
def book_copy(demo_file: Path, tmp_path: Path) -> Path:
    """A copy of the demo book for a test that writes."""
    copy_migrated_sqlite(demo_file, tmp_path / "demo.db")
    return tmp_path / "demo.db"


def count(path: Path, sql: str, *params: Any) -> Any:
    """One value read straight from the SQLite file, not through cxtui."""
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql, params).fetchone()[0]
    finally:
        connection.close()


def change(path: Path, sql: str) -> None:
    """A change written straight into the SQLite file, as no cxtui command makes it."""
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.execute(sql)
    finally:
        connection.close()


Connect = Callable[..., Client]


@pytest.fixture
def connect() -> Iterator[Connect]:
    """``async with connect(path, read_only=False) as client``: the SDK's client
    connected in-process to the server on the database at ``path``."""
    engines = []

    def client_of(path: Path, read_only: bool = False) -> Client:
        engine = open_engine(sqlite_url(path))
        engines.append(engine)
        return Client(build_server(Book(engine, AUTHOR), read_only=read_only))

    yield client_of
    for engine in engines:
        engine.dispose()


def error_text(result: Any) -> str:
    assert result.is_error, result
    return result.content[0].text
