"""`cxtui demo` and `cxtui generate`, through the installed command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.models import Account, DailyUsage
from tests.rows import count_in

CXTUI = Path(sys.executable).with_name("cxtui")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CXTUI), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_demo_fills_a_file_and_refuses_a_second_time(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = _run("demo", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Written: 250 accounts, ")
    assert "days of product usage" in result.stdout and "_" not in result.stdout  # no table names
    assert count_in(db, Account) == 250
    again = _run("demo", "--db", str(db))
    assert again.returncode == 2
    assert "already holds 250 accounts" in again.stderr
    assert "Traceback" not in again.stderr


def test_the_demo_holds_nothing_later_than_when_it_was_written(tmp_path: Path) -> None:
    """`cxtui demo` wrote the whole of the book's last day, moved to today: calls,
    answers and resolved tickets later than now (the 360 timeline showed calls that
    had not happened yet). Read back with plain SQL, no stored moment is later than
    the end of the command (moments are stored in UTC). The command runs in this
    process: the test above runs it as the installed command."""
    import sqlite3
    from datetime import UTC, datetime

    db = tmp_path / "demo.db"
    result = CliRunner().invoke(app, ["demo", "--db", str(db)])
    written = f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S.%f}"
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master")]
        moments = [
            (table, row[1])
            for table in tables
            for row in connection.execute(f"PRAGMA table_info('{table}')")
            if row[2].upper() == "DATETIME"
        ]
        last = {
            f"{table}.{column}": connection.execute(
                f'SELECT max("{column}") FROM "{table}"'
            ).fetchone()[0]
            for table, column in moments
        }
    assert last["interaction.occurred_at"] is not None
    assert {moment: at for moment, at in last.items() if at is not None and at > written} == {}


def test_generate_writes_a_dataset_with_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The `generate` path in process, with size S shrunk: the real S takes longer
    than a test should (benchmarks/load.py and the core tests cover the generator)."""
    from sample_data import generator

    monkeypatch.setitem(
        generator.SIZES, "S", generator.Spec(accounts=30, days=60, interactions_per_year=5.0)
    )
    db = tmp_path / "s.db"
    result = CliRunner().invoke(app, ["generate", "--size", "s", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "Generating size S" in result.output
    assert "30 account" in result.output
    assert count_in(db, Account) == 30
    assert count_in(db, DailyUsage) > 30 * 30


def test_generate_refuses_an_unknown_size(tmp_path: Path) -> None:
    result = _run("generate", "--size", "XL", "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert "--size must be one of S, M, L" in result.stderr


def test_a_killed_generate_leaves_no_partial_book(tmp_path: Path) -> None:
    """Killed with -9 half-way, `generate` leaves the database as it was (empty); the
    next run removes its partial file and writes the whole book."""
    import signal
    import sqlite3
    import time

    target = tmp_path / "book.db"
    partial = tmp_path / ".book.db.partial"
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from cli.main import run; run()",
            "generate",
            "--size",
            "S",
            "--db",
            str(target),
        ],
        cwd=Path(__file__).parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not Path(f"{partial}-wal").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # well into the writing
    child.send_signal(signal.SIGKILL)
    child.wait()
    with sqlite3.connect(target) as connection:
        assert connection.execute("SELECT count(*) FROM account").fetchone() == (0,)
    connection.close()
    result = CliRunner().invoke(app, ["demo", "--db", str(target)])
    assert result.exit_code == 0, result.output
    assert not partial.exists()
    with sqlite3.connect(target) as connection:
        assert connection.execute("SELECT count(*) FROM account").fetchone() == (250,)
    connection.close()


def test_each_demo_run_gets_its_own_fresh_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two ``cxtui --demo`` at once never share a file (one used to wipe the other's);
    a copy left by a process that is gone is removed by the next."""
    import subprocess
    import sys
    import tempfile

    from sample_data import fresh_demo_database

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    left = tmp_path / f"cxtui-demo-{int(ended.stdout)}-old"
    left.mkdir()
    (left / "demo.db").write_bytes(b"x")
    first_url, first = fresh_demo_database()
    second_url, second = fresh_demo_database()
    assert first != second and first_url != second_url
    assert not left.exists()
    for folder in (first, second):
        assert count_in(folder / "demo.db", Account) == 250
