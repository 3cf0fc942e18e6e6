"""A command that reads a book, given a --db that names no file (a typo), says so and
exits 2, creating nothing. Before, it created an empty book there and showed it:
metrics of no customer, 'No goals yet.', 'No open tasks.', an export of 0 rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from core.importing import import_file
from core.store.db import open_engine, sqlite_url

runner = CliRunner()

READERS = [
    ["metrics"],
    ["metrics", "--by", "plan"],
    ["goals"],
    ["goal", "checkin", "1", "3"],
    ["tasks"],
    ["task", "done", "1"],
    ["health"],
    ["rules", "list"],
    ["rules", "run"],
    ["forecast"],
    ["export", "accounts", "--out", "OUT"],
    ["log", "ACC-1", "--kind", "call", "--summary", "Kick-off"],  # needs an account
]


@pytest.mark.parametrize("args", READERS, ids=" ".join)
def test_a_missing_book_is_said_and_not_created(tmp_path: Path, args: list[str]) -> None:
    typo = tmp_path / "bok.db"
    args = [str(tmp_path / "accounts.csv") if a == "OUT" else a for a in args]
    result = runner.invoke(app, [*args, "--db", str(typo)])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"cxtui: there is no database at {typo}: nothing to read (is --db right? cxtui"
        " import or cxtui demo --db PATH writes one)\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_the_book_that_exists_is_read(tmp_path: Path) -> None:
    """The same commands on the book itself read it: the accounts exported are its
    accounts, counted with plain SQL."""
    book = tmp_path / "book.db"
    engine = open_engine(sqlite_url(book))
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("external_id,name,mrr\nA-1,Acme,100\nB-2,Beta,50\n")
    import_file(engine, "accounts", accounts)
    engine.dispose()
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["export", "accounts", "--out", str(out), "--db", str(book)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(book) as connection:
        (count,) = connection.execute("SELECT count(*) FROM account").fetchone()
    assert f"Exported {count} rows of accounts" in result.stdout
    assert runner.invoke(app, ["metrics", "--db", str(book)]).exit_code == 0


def test_a_folder_given_as_the_file_to_import_is_said_to_be_one(tmp_path: Path) -> None:
    """``cxtui import accounts exports/`` read 'Invalid value for 'file': Name the file
    to import: cxtui import accounts FILE.', as if no file had been named."""
    folder = tmp_path / "exports"
    folder.mkdir()
    wide = {"COLUMNS": "400"}  # the error's box unwrapped, whatever the path's length
    args = ["import", "accounts", str(folder), "--db", str(tmp_path / "b.db")]
    result = runner.invoke(app, args, env=wide)
    assert result.exit_code == 2
    words = " ".join(result.output.replace("│", " ").split())
    assert f"File '{folder}' is a directory." in words, words
    assert "Name the file to import" not in words
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports"]
    # No file named at all: told what to type, as before.
    result = runner.invoke(app, ["import", "accounts"], env=wide)
    words = " ".join(result.output.replace("│", " ").split())
    assert "Name the file to import: cxtui import accounts FILE." in words, words


REFUSED_IMPORTS = {
    "a bad row": ("external_id,name,mrr\nA-1,Acme,100\nB-2,Beta,lots\n", []),
    "a missing column": ("external_id,mrr\nA-1,100\n", []),
    "a dry run": ("external_id,name,mrr\nA-1,Acme,100\n", ["--dry-run"]),
}


@pytest.mark.parametrize("case", REFUSED_IMPORTS)
def test_an_import_that_writes_nothing_leaves_no_book_behind(tmp_path: Path, case: str) -> None:
    """A refused import, or a dry run, into a --db that did not exist left an empty
    book there (1 MB of schema): bad input changes nothing."""
    text, options = REFUSED_IMPORTS[case]
    folder = tmp_path / "exports"
    folder.mkdir()
    accounts = folder / "accounts.csv"
    accounts.write_text(text)
    book = folder / "new.db"
    result = runner.invoke(app, ["import", "accounts", str(accounts), "--db", str(book), *options])
    assert result.exit_code == (0 if options else 2), result.output
    assert sorted(p.name for p in folder.iterdir()) == ["accounts.csv"]


def test_an_import_refused_into_the_default_book_leaves_no_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --db the book is the data folder's cxtui.db: a refused first import
    left that folder and an empty book in it."""
    monkeypatch.delenv("CXTUI_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("external_id,name,mrr\nA-1,Acme,lots\n")
    result = runner.invoke(app, ["import", "accounts", str(accounts)])
    assert result.exit_code == 2, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["accounts.csv"]


def test_an_import_refused_into_a_book_leaves_it_as_it_was(tmp_path: Path) -> None:
    """An existing book is not the import's to remove: a refused import leaves it, and
    its accounts (counted with plain SQL), as they were."""
    book = tmp_path / "book.db"
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("external_id,name,mrr\nA-1,Acme,100\n")
    assert (
        runner.invoke(app, ["import", "accounts", str(accounts), "--db", str(book)]).exit_code == 0
    )
    accounts.write_text("external_id,name,mrr\nB-2,Beta,lots\n")
    for options in ([], ["--dry-run"]):
        result = runner.invoke(
            app, ["import", "accounts", str(accounts), "--db", str(book), *options]
        )
        assert result.exit_code == 2, result.output
        with sqlite3.connect(book) as connection:
            rows = connection.execute("SELECT external_id FROM account").fetchall()
        connection.close()
        assert rows == [("A-1",)]


def test_a_goal_refused_into_a_new_book_leaves_no_book_behind(tmp_path: Path) -> None:
    """'cxtui goal create' with a target that is no number, on a path that names no
    file, was refused and left an empty book there; a goal that is valid still makes
    the book, with the goal in it."""
    book = tmp_path / "book.db"

    def create(target: str) -> Result:
        return runner.invoke(
            app,
            ["goal", "create", "Churn", "--type", "percent", "--target", target, "--due",
             "+30d", "--db", str(book)],
        )  # fmt: skip

    refused = create("abc")
    assert refused.exit_code == 2, refused.output
    assert "--target" in refused.stderr
    assert list(tmp_path.iterdir()) == []
    made = create("3")
    assert made.exit_code == 0, made.output
    with sqlite3.connect(book) as connection:
        assert connection.execute("SELECT title FROM goal").fetchall() == [("Churn",)]
