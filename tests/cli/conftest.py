"""Fixtures and helpers shared by the CLI tests: a command run that must succeed, a
CSV file imported from its text, a small book."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.store.db import open_engine, sqlite_url
from tests.core.metrics_book import BookWriter, at

runner = CliRunner()


def run_ok(*args: str) -> str:
    """What ``cxtui *args`` printed on stdout; it must exit 0 (else its output says why)."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def import_csv(db: Path, kind: str, text: str, *args: str) -> str:
    """``cxtui import kind`` into ``db`` of a CSV file holding ``text``, written beside
    ``db`` as ``kind``.csv, with the options ``args``: what it printed."""
    path = db.with_name(f"{kind}.csv")
    path.write_text(text)
    return run_ok("import", kind, str(path), "--db", str(db), *args)


@pytest.fixture
def db(book_file: Path) -> Path:
    """Two segments and owners; in January 2024 one account of four churns and one
    NPS promoter answers."""
    path = book_file
    engine = open_engine(sqlite_url(path))
    book = BookWriter(engine)
    first = book.account(date(2023, 3, 1), mrr=123456, segment="Enterprise", owner="Dana")
    book.account(date(2023, 3, 1), mrr=50000, segment="SMB", owner="Lee")
    book.account(date(2023, 3, 1), mrr=25000, segment="SMB", owner="Lee")
    book.account(date(2023, 3, 1), mrr=10001, segment="SMB", owner="Dana", churned=date(2024, 1, 9))
    book.survey(first, "nps", 10, at(date(2024, 1, 3)))
    book.save()
    engine.dispose()
    return path
