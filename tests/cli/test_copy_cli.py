"""``cxtui copy DEST``: the demo book copied from one SQLite file to another, checked
with plain SQL per table and with ``cxtui metrics --json`` on both; a DEST that
holds a book, is another application's or is the book itself is refused and left
byte for byte; a copy killed half-way leaves no DEST."""

from __future__ import annotations

import hashlib
import json
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import suppress
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.cli.conftest import run_ok
from tests.conftest import written_demo
from tests.rows import book_tables

AS_OF = date(2026, 11, 20)
PERIODS = ["month", "quarter", "year", "2026-02", "2025-12-01..2026-03-15"]


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return written_demo(tmp_path_factory.mktemp("copy-demo") / "demo.db", AS_OF)


@pytest.fixture
def demo(tmp_path: Path, demo_template: Path) -> Path:
    path = tmp_path / "demo.db"
    path.write_bytes(demo_template.read_bytes())
    return path


def _rows(path: Path, table: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        rows = connection.execute(f'SELECT * FROM "{table}"').fetchall()
    connection.close()
    return sorted(rows, key=repr)


def _digest(path: Path) -> dict[str, str]:
    """The bytes of a SQLite file and of the files beside it (-wal, -shm, partial)."""
    return {
        beside.name: hashlib.sha256(beside.read_bytes()).hexdigest()
        for beside in sorted(path.parent.glob(f"*{path.name}*"))
    }


def _summary(shown: str) -> dict[str, int]:
    """The rows per table of the summary ``cxtui copy`` printed."""
    _head, *lines = shown.splitlines()
    return {name: int(rows.replace(",", "")) for name, rows in map(str.split, lines)}


def test_the_demo_book_copied_has_the_same_rows_and_metrics(demo: Path, tmp_path: Path) -> None:
    dest = tmp_path / "copy.db"
    shown = run_ok("copy", str(dest), "--db", str(demo))
    assert shown.startswith("Copied ") and f" to {dest} in " in shown.splitlines()[0]
    printed = _summary(shown)
    tables = book_tables(demo)
    assert book_tables(dest) == tables
    assert sorted(printed) == tables
    for table in tables:
        rows = _rows(demo, table)
        assert _rows(dest, table) == rows, table
        assert printed[table] == len(rows), table
    assert printed["daily_usage"] > 100_000
    for period in PERIODS:
        figures = [
            run_ok(
                "metrics",
                "--json",
                "--db",
                str(db),
                "--as-of",
                AS_OF.isoformat(),
                "--period",
                period,
            )
            for db in (demo, dest)
        ]
        assert figures[0] == figures[1], period
        assert json.loads(figures[0])  # figures, not an empty answer
    by_segment = [
        run_ok(
            "metrics", "--json", "--db", str(db), "--as-of", AS_OF.isoformat(), "--by", "segment"
        )
        for db in (demo, dest)
    ]
    assert by_segment[0] == by_segment[1]


def test_json_says_the_rows_copied_per_table_and_where(demo: Path, tmp_path: Path) -> None:
    """``--json``: the destination, the rows per table (as plain SQL counts them in
    DEST) and in all, the seconds. Before, ``cxtui copy`` had no --json."""
    dest = tmp_path / "copy.db"
    copied = json.loads(run_ok("copy", str(dest), "--db", str(demo), "--json"))
    assert list(copied) == ["destination", "rows", "seconds", "tables"]
    assert copied["destination"] == str(dest)
    with sqlite3.connect(dest) as connection:
        counts = {
            table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in book_tables(dest)
        }
    connection.close()
    per_table = {done["table"]: done["rows"] for done in copied["tables"]}
    assert per_table == counts and per_table["daily_usage"] > 100_000
    assert copied["rows"] == sum(counts.values())
    assert 0 < copied["seconds"] < 600


def test_a_dest_holding_a_book_or_foreign_or_the_source_is_refused_untouched(
    demo: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    book = tmp_path / "book.db"
    run_ok("copy", str(book), "--db", str(demo))
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    connection.close()
    cases = {
        book: "holds a book already",
        foreign: "holds another application's tables (notes)",
        tmp_path / "." / "demo.db": "is the book being copied",
    }
    for dest, words in cases.items():
        before = _digest(dest.resolve()), _digest(demo)
        result = runner.invoke(app, ["copy", str(dest), "--db", str(demo)])
        assert result.exit_code == 2, result.output
        assert words in result.output
        assert (_digest(dest.resolve()), _digest(demo)) == before, dest


def test_a_missing_source_writes_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["copy", str(tmp_path / "copy.db"), "--db", str(tmp_path / "typo.db")]
    )
    assert result.exit_code == 2
    assert "there is no database" in result.output
    assert sorted(tmp_path.iterdir()) == []


def test_a_copy_killed_half_way_leaves_no_dest(demo: Path, tmp_path: Path) -> None:
    """The installed command is killed once rows are being written (the file written
    beside DEST, or its write-ahead log, has grown past a migrated empty book): DEST
    does not exist, and the next copy (which removes what the killed one left) gives
    the whole book."""
    dest = tmp_path / "copy.db"
    partial = tmp_path / ".copy.db.partial"
    script = Path(sys.executable).with_name("cxtui")
    process = subprocess.Popen(
        [script, "copy", str(dest), "--db", str(demo)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def written() -> int:
        size = 0
        for path in (partial, partial.with_name(f"{partial.name}-wal")):
            with suppress(FileNotFoundError):  # not yet, or renamed to DEST
                size += path.stat().st_size
        return size

    try:
        deadline = time.monotonic() + 60
        while written() <= 2_000_000:
            assert process.poll() is None, "the copy ended before it was killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not dest.exists()
    run_ok("copy", str(dest), "--db", str(demo))
    assert sorted(path.name for path in tmp_path.iterdir() if "copy" in path.name) == ["copy.db"]
    assert _rows(dest, "interaction") == _rows(demo, "interaction")


def test_a_failing_copy_names_the_table_and_leaves_no_dest(demo: Path, tmp_path: Path) -> None:
    """A survey answer scored 42 (written by hand, past SQLite's checks) fails the copy
    on its table: exit 1, the table named, no DEST."""
    with sqlite3.connect(demo) as connection:
        connection.execute("PRAGMA ignore_check_constraints=ON")
        connection.execute("UPDATE survey_response SET score = 42 WHERE id = 7")
    connection.close()
    dest = tmp_path / "copy.db"
    result = CliRunner().invoke(app, ["copy", str(dest), "--db", str(demo)])
    assert result.exit_code == 1, result.output
    assert "Copying the table survey_response failed: survey_response row 7:" in result.output
    assert f"{dest} holds none of the book" in result.output
    assert not dest.exists()
