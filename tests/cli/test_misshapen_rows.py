"""A text file whose row has a field too many, or a quote never closed: the import
names that row (as the file counts rows: the header is row 1), exits 2 and writes
nothing, instead of polars' "found more fields than defined in 'Schema'"."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.rows import one_account_book

runner = CliRunner()


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A book holding the account A-1 and no purchase."""
    return one_account_book(tmp_path)


def _refusal(book: Path, path: Path) -> str:
    """What importing ``path`` as purchases said on stderr; it must exit 2 and leave
    the book without a purchase."""
    result = runner.invoke(app, ["import", "purchases", str(path), "--db", str(book)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "Schema" not in result.stderr
    with sqlite3.connect(book) as connection:
        assert connection.execute("SELECT count(*) FROM purchase").fetchone() == (0,)
    return " ".join(result.stderr.split())


# Each file: its lines, the one whose fields outnumber the header's, the separator's
# words. A quoted line break (in the description) keeps its record one row.
_RAGGED = {
    "unquoted_amount.csv": (
        [
            "account,purchased_at,amount,description",
            'A-1,2026-11-01,5,"two\nlines"',
            "A-1,2026-11-02,$1,200.00,setup",
            "A-1,2026-11-03,7,ok",
        ],
        2,
        "a comma",
    ),
    "semicolons.csv": (
        [
            "account;purchased_at;amount",
            "A-1;2026-11-01;5",
            "A-1;2026-11-02;8",
            "A-1;2026-11-03;9;extra",
        ],
        3,
        "a semicolon",
    ),
    "tabs.tsv": (
        ["account\tpurchased_at\tamount", "A-1\t2026-11-01\t5\t6", "A-1\t2026-11-02\t8"],
        1,
        "a tab",
    ),
}


@pytest.mark.parametrize("name", sorted(_RAGGED))
def test_a_row_with_a_field_too_many_is_named(book: Path, name: str) -> None:
    lines, bad, separator = _RAGGED[name]
    path = book.with_name(name)
    path.write_text("\n".join(lines) + "\n")
    sep = "\t" if name.endswith(".tsv") else lines[0][len("account")]
    header_width = len(lines[0].split(sep))
    bad_width = len(lines[bad].split(sep))
    # the header is row 1, each record one row whatever its line breaks
    row = 1 + bad
    said = _refusal(book, path)
    assert (
        f"{name}: row {row} has {bad_width} fields where the header names {header_width}:"
        f" a value holding the separator ({separator}) must be in double quotes"
    ) in said, said
    assert "Nothing was written." in said


def test_a_quote_never_closed_is_named_by_its_row(book: Path) -> None:
    lines = [
        "account,purchased_at,amount",
        "A-1,2026-11-01,5",
        'A-1,"2026-11-02,8',
        "A-1,2026-11-03,7",
    ]
    path = book.with_name("open_quote.csv")
    path.write_text("\n".join(lines) + "\n")
    row = 1 + next(i for i, line in enumerate(lines) if line.count('"') % 2)
    said = _refusal(book, path)
    assert f"open_quote.csv: row {row} opens a double quote that is not closed" in said, said
