"""`cxtui goal create` and `cxtui goal checkin` read a typed number as a custom
field's number does (``core.numbers.typed_number``): "1e3", "1 500" and digits other
than 0-9 are refused in words naming the option, and nothing is written (read back
with plain SQL)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()
BAD = ["1e3", "1 500", "1_000", "\u0661\u0665\u0660\u0660", "\uff11\uff15\uff10\uff10"]


def _rows(path: Path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


@pytest.fixture
def book(new_books: Callable[[str], Path]) -> tuple[Path, int]:
    """A book with one number goal (started 10 days ago, due in 20), and its id."""
    path = new_books("book.db")
    since = (date.today() - timedelta(days=10)).isoformat()
    made = runner.invoke(
        app,
        ["goal", "create", "Seats sold", "--type", "number", "--target", "5000",
         "--from", since, "--due", "+30d", "--db", str(path)],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    [(goal_id,)] = _rows(path, "SELECT id FROM goal")
    return path, goal_id


@pytest.mark.parametrize("typed", BAD)
def test_a_target_that_is_not_a_number_creates_nothing(book: tuple[Path, int], typed: str) -> None:
    path, _ = book
    before = _rows(path, "SELECT id, target_value, start_value FROM goal")
    for option in ("--target", "--start"):
        values = {"--target": "9000", "--start": "0", option: typed}
        result = runner.invoke(
            app,
            ["goal", "create", "More seats", "--type", "number", "--db", str(path),
             *[item for pair in values.items() for item in pair]],
        )  # fmt: skip
        assert result.exit_code == 2, result.output
        assert f"{option}: " in result.output, result.output
        assert "is not a number" in result.output, result.output
    assert _rows(path, "SELECT id, target_value, start_value FROM goal") == before


@pytest.mark.parametrize("typed", BAD)
def test_a_check_in_that_is_not_a_number_writes_nothing(book: tuple[Path, int], typed: str) -> None:
    path, goal_id = book
    result = runner.invoke(app, ["goal", "checkin", str(goal_id), typed, "--db", str(path)])
    assert result.exit_code == 2, result.output
    assert "VALUE: " in result.output and "is not a number" in result.output, result.output
    assert _rows(path, "SELECT count(*) FROM goal_checkin") == [(0,)]


def test_what_a_number_field_takes_a_check_in_takes(book: tuple[Path, int]) -> None:
    path, goal_id = book
    for typed in ("1,500.50", "1.234,5"):
        result = runner.invoke(app, ["goal", "checkin", str(goal_id), typed, "--db", str(path)])
        assert result.exit_code == 0, result.output
    values = _rows(path, "SELECT value FROM goal_checkin ORDER BY id")
    assert [Decimal(str(value)) for (value,) in values] == [Decimal("1500.5"), Decimal("1234.5")]


@pytest.mark.parametrize(
    ("kind", "like"),
    [
        ("number", "digits like 1500 or 1,500.50"),
        ("currency", "an amount like 1500 or $1,500.50"),
        ("percent", "a percentage like 3.5 or 3.5%"),
    ],
)
def test_a_target_that_is_not_a_number_is_answered_in_its_unit(
    book: tuple[Path, int], kind: str, like: str
) -> None:
    """A percent goal's target 'abc' was told to be typed 'like 1500 or 1,500.50',
    a number no percentage is."""
    path, _ = book
    args = ["goal", "create", "Churn", "--type", kind, "--target", "abc", "--db", str(path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stderr == f'cxtui: --target: "abc" is not a number; type {like}\n'
