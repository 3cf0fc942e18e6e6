"""Every command, given hostile arguments, answers in one readable line with exit
status 2, shows no traceback and writes nothing."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.db import open_engine, sqlite_url
from core.importing import import_file

runner = CliRunner()
HUGE = "9" * 30
MEGABYTE = "x" * 1_000_000
ESCAPES = "Evil\x1b]0;pwned\x07 Co\x1b[2J"


def _one_account_book(folder: Path) -> Path:
    """A SQLite book holding the account A-1."""
    path = folder / "book.db"
    engine = open_engine(sqlite_url(path))
    accounts = folder / "accounts.csv"
    accounts.write_text("external_id,name,start_date\nA-1,Acme,2025-01-01\n")
    import_file(engine, "accounts", accounts)
    engine.dispose()
    return path


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _one_account_book(tmp_path_factory.mktemp("hostile"))


def _digest(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        rows = [
            connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
    connection.close()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


CASES = [
    ["metrics", "--as-of", "0001-01-01"],
    ["metrics", "--as-of", "10000-01-01"],
    ["metrics", "--period", "0001-01"],
    ["metrics", "--period", "0000"],
    ["metrics", "--as-of", ESCAPES],
    ["health", "--as-of", "0001-01-01"],
    ["health", "backtest", "--horizon", "100000000"],
    ["health", "override", "A-1", "--score", "50", "--reason", MEGABYTE],
    ["tasks", "--as-of", "9999-12-31"],
    ["goal", "checkin", HUGE, "42"],
    ["goal", "checkin", "1", "1e309"],
    ["goal", "checkin", "1", "nan"],
    ["log", "A-1", "--kind", "call", "--summary", MEGABYTE],
    ["log", "A-1", "--kind", "nps", "--score", "11"],
    ["log", "NOPE\x1b[2J", "--kind", "call", "--summary", "hi"],
    ["import", "accounts", "/nonexistent/file.csv"],
    ["import", "accounts", "{tmp}/accounts.csv", "--effective", "0001-01-01"],
]


@pytest.mark.parametrize("args", CASES, ids=lambda args: " ".join(a[:20] for a in args))
def test_hostile_arguments(book: Path, tmp_path: Path, args: list[str]) -> None:
    before = _digest(book)
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    (tmp_path / "accounts.csv").write_text("external_id,name\nB-1,Beta\n")
    result = runner.invoke(app, [*args, "--db", str(book)])
    output = result.output
    assert result.exit_code == 2, output
    assert "Traceback" not in output and "\x1b" not in output
    assert len(output) < 600, output[:600]
    assert _digest(book) == before


@pytest.mark.parametrize("name", ["book?v2.db", "c%20d.db", "a#b.db"])
def test_db_paths_name_exactly_that_file(tmp_path: Path, name: str) -> None:
    result = runner.invoke(app, ["demo", "--db", str(tmp_path / name)])
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in tmp_path.iterdir() if path.suffix == ".db") == [name]


def test_broken_database_files_are_refused_untouched(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE foo (x)")
    connection.close()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    for path, words in ((other, "another application's tables"), (junk, "not a SQLite")):
        before = path.read_bytes()
        result = runner.invoke(app, ["metrics", "--db", str(path)])
        assert result.exit_code == 2 and words in result.output, result.output
        assert "Traceback" not in result.output
        assert path.read_bytes() == before
    missing = tmp_path / "nowhere" / "book.db"
    result = runner.invoke(app, ["metrics", "--db", str(missing)])
    assert result.exit_code == 2 and "does not exist" in result.output
    assert not missing.parent.exists()


@pytest.mark.parametrize("content", [b"[weights]\nusage = nan\n", b"[weights]\nusage = 3 # \xff\n"])
def test_a_broken_health_toml_never_half_writes_a_log(tmp_path: Path, content: bytes) -> None:
    from core.health.config import config_path

    path = _one_account_book(tmp_path)
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_bytes(content)
    result = runner.invoke(
        app, ["log", "A-1", "--kind", "call", "--summary", "hi", "--db", str(path)]
    )
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM interaction").fetchone() == (1,)
    connection.close()
