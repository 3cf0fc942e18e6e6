"""Every command, given hostile arguments, answers in one readable line with exit
status 2, shows no traceback and writes nothing."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from cli.main import app
from core.importing import import_file
from core.store.db import DATABASE_URL_ENV, normalise_url, open_engine, sqlite_url
from tests.rows import one_account_book

runner = CliRunner()
HUGE = "9" * 30
MEGABYTE = "x" * 1_000_000
ESCAPES = "Evil\x1b]0;pwned\x07 Co\x1b[2J"


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return one_account_book(tmp_path_factory.mktemp("hostile"))


@dataclass
class Book:
    """Where the hostile commands write: a SQLite file (``--db``), or, when the tests
    run on PostgreSQL, a schema of its own named by ``CXTUI_DATABASE_URL``."""

    url: str
    db_args: list[str]

    def digest(self) -> str:
        """The row count of every table: unchanged means nothing was written."""
        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                tables = sorted(inspect(connection).get_table_names())
                counts = [
                    connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                    for name in tables
                ]
        finally:
            engine.dispose()
        return hashlib.sha256(repr(list(zip(tables, counts, strict=True))).encode()).hexdigest()


@pytest.fixture(scope="module")
def any_book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Book]:
    server = os.environ.get(DATABASE_URL_ENV, "").strip()
    if not server.startswith("postgres"):
        path = one_account_book(tmp_path_factory.mktemp("hostile"))
        yield Book(sqlite_url(path), ["--db", str(path)])
        return
    server = normalise_url(server)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    engine = open_engine(rendered)
    accounts = tmp_path_factory.mktemp("hostile") / "accounts.csv"
    accounts.write_text("external_id,name,start_date\nA-1,Acme,2025-01-01\n")
    import_file(engine, "accounts", accounts)
    engine.dispose()
    try:
        yield Book(rendered, [])
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


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
    ["goal", "create", MEGABYTE, "--type", "number", "--target", "5"],
    ["goal", "create", "Fine", "--type", "number", "--target", "5", "--owner", "x\x00y"],
    ["goal", "create", "Fine", "--type", "tasks", "--task", MEGABYTE],
    ["goal", "create", "Fine", "--type", "number", "--target", HUGE],
    ["goal", "create", "Fine", "--type", "number", "--target", "5", "--due", "0001-01-01"],
    ["goal", "checkin", "1", "5", "--on", "tomorrow"],
    ["task", "snooze", "1", "yesterday"],
    ["task", "done", HUGE],
    ["metrics", "--owner", ESCAPES],
    ["export", "accounts", "--out", "{tmp}/x.csv", "--filter", ESCAPES],
    ["import", "accounts", "/nonexistent/file.csv"],
    ["import", "accounts", "{tmp}/accounts.csv", "--effective", "0001-01-01"],
    ["import", "accounts", "{tmp}/accounts.csv", "--as-of", "tomorrow"],
    ["metrics", "--period", MEGABYTE],
    ["metrics", "--filter", MEGABYTE],
    ["log", "A-1", "--kind", "call", "--summary", "hi", "--when", MEGABYTE],
    ["log", "A-1", "--kind", "call", "--summary", "hi", "--contact", MEGABYTE],
]


@pytest.mark.parametrize("args", CASES, ids=lambda args: " ".join(a[:20] for a in args))
def test_hostile_arguments(
    any_book: Book, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    """Run on SQLite and, in CI, on PostgreSQL too."""
    monkeypatch.setenv(DATABASE_URL_ENV, any_book.url)
    before = any_book.digest()
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    (tmp_path / "accounts.csv").write_text("external_id,name\nB-1,Beta\n")
    result = runner.invoke(app, [*args, *any_book.db_args])
    output = result.output
    assert result.exit_code == 2, output
    assert "Traceback" not in output and "\x1b" not in output
    assert len(output) < 600, output[:600]
    assert any_book.digest() == before


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

    path = one_account_book(tmp_path)
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_bytes(content)
    result = runner.invoke(
        app, ["log", "A-1", "--kind", "call", "--summary", "hi", "--db", str(path)]
    )
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM interaction").fetchone() == (1,)
    connection.close()


def test_a_world_writable_config_is_used_with_a_warning(book: Path) -> None:
    from core.config.settings import config_path

    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('user = "Mallory"\n')
    path.chmod(0o666)
    result = runner.invoke(app, ["tasks", "--db", str(book)])
    assert result.exit_code == 0, result.output
    assert f"any user of this machine can change {path} (mode 666)" in result.output
