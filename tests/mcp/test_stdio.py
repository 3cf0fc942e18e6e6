"""The installed ``cxtui mcp`` as a subprocess over stdio, driven by the SDK's
``stdio_client``: it starts on a database file, answers a read tool and a write tool,
and writes what it says it wrote, as the user given with --user."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from typer.testing import CliRunner

from cli.main import app
from tests.mcp.conftest import count


async def test_cxtui_mcp_over_stdio(book_copy: Path) -> None:
    script = Path(sys.executable).with_name("cxtui")
    environment = {
        name: os.environ[name]
        for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME")
        if name in os.environ
    }
    server = StdioServerParameters(
        command=str(script), args=["mcp", "--db", str(book_copy), "--user", "Ana"], env=environment
    )
    before = count(book_copy, "SELECT count(*) FROM interaction")
    async with Client(stdio_client(server), read_timeout_seconds=60) as client:
        assert len((await client.list_tools()).tools) == 9
        found = await client.call_tool("find_accounts", {"query": "ACC-00010"})
        logged = await client.call_tool(
            "log_interaction", {"account": "ACC-00010", "kind": "note", "summary": "From stdio"}
        )
    assert not found.is_error and found.structured_content["items"][0]["account"] == "ACC-00010"
    assert not logged.is_error, logged.content[0].text
    assert count(book_copy, "SELECT count(*) FROM interaction") == before + 1
    entry = logged.structured_content["id"]
    assert count(book_copy, "SELECT logged_by FROM interaction WHERE id = ?", entry) == (
        "Ana via assistant"
    )


def test_a_user_too_long_is_refused_before_serving(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["mcp", "--db", str(tmp_path / "x.db"), "--user", "x" * 80])
    assert result.exit_code == 2
    assert "--user: " in result.output and "at most 80" in result.output
    assert not (tmp_path / "x.db").exists()  # nothing opened


def test_a_user_with_control_characters_is_refused_before_serving(tmp_path: Path) -> None:
    """As the app's "Who are you?": the name is recorded with every write."""
    user = "Ana\x1b[2J"
    result = CliRunner().invoke(app, ["mcp", "--db", str(tmp_path / "x.db"), "--user", user])
    assert result.exit_code == 2
    assert '--user: "Ana\\x1b[2J" holds control characters' in result.output
    assert not (tmp_path / "x.db").exists()


def test_read_only_on_a_file_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    """A typo in the client's config would otherwise serve a new, empty book (and
    write it), and the assistant would report no accounts."""
    missing = tmp_path / "tpyo.db"
    result = CliRunner().invoke(app, ["mcp", "--db", str(missing), "--read-only"])
    assert result.exit_code == 2
    assert f"--read-only: there is no database at {missing}" in result.output
    assert not missing.exists()


def test_a_busy_book_is_served_with_its_latest_scores(
    book_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program holds the file at start (an import): today's scores cannot be
    written, so the server says so on stderr and serves the latest ones (it died with
    a traceback: 'database is locked')."""
    import sqlite3

    import core.store.db

    monkeypatch.setattr(core.store.db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    today = "SELECT count(*) FROM health_snapshot WHERE day = date('now', 'localtime')"
    with sqlite3.connect(book_copy) as connection:
        connection.execute(today.replace("SELECT count(*)", "DELETE"))
    connection.close()
    importing = sqlite3.connect(book_copy, isolation_level=None)
    importing.execute("BEGIN IMMEDIATE")
    try:
        result = CliRunner().invoke(app, ["mcp", "--db", str(book_copy)], input="")
    finally:
        importing.rollback()
        importing.close()
    assert result.exit_code == 0, result.output
    assert "cxtui mcp: today's health scores not computed: the book is busy" in result.output
    assert count(book_copy, today) == 0
