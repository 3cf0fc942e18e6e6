"""Fixtures and helpers shared by the core tests: the metrics tests' hand-made books,
a goal's form, the demo book on a SQLite file for the tests of reading it without
SQLAlchemy, and a second user's change started while the first one's is under way."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Select
from sqlalchemy.dialects import sqlite

from core.store.db import sqlite_path
from core.store.frames import compile_query
from core.store.sqlite_file import SqliteFile, open_sqlite_file
from tests.conftest import copy_migrated_sqlite, written_demo
from tests.core.metrics_book import BookWriter, write_three_months

DEMO_AS_OF = date(2026, 11, 20)
"""The day the demo book of ``demo`` ends on."""


@pytest.fixture
def book(engine: Engine) -> BookWriter:
    """An empty hand-made book on the test's database (a test file may define its own)."""
    return BookWriter(engine)


@pytest.fixture
def three_months(book: BookWriter) -> BookWriter:
    """A: expands in January, churns in March. B: contracts in February. C: new in
    February. D: churns in January and comes back in March. E: no movement recorded."""
    return write_three_months(book)


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo book ending on DEMO_AS_OF in a SQLite file, written through an engine
    once per session (per xdist worker), to copy: ~0.5 s each time it is written."""
    return written_demo(tmp_path_factory.mktemp("demo-template") / "cxtui.db", DEMO_AS_OF)


@pytest.fixture
def demo(db_url: str, engine: Engine, _demo_template: Path) -> SqliteFile:
    """The demo book ending on DEMO_AS_OF in the test's SQLite file (a copy of the
    session's, in place of the empty book ``engine`` opened: its connections are not
    pooled, so the next one reads the copy), opened as a file
    (``core.store.sqlite_file``)."""
    path = sqlite_path(db_url)
    assert path is not None, "the demo book is a SQLite file"
    engine.dispose()
    for beside in ("-wal", "-shm"):  # the empty book's, if left
        path.with_name(path.name + beside).unlink(missing_ok=True)
    copy_migrated_sqlite(_demo_template, path)
    file = open_sqlite_file(db_url)
    assert file is not None
    return file


def sqlite_sql(query: Select[Any]) -> str:
    """The SQL the engine runs for ``query`` on SQLite, its parameters written in."""
    return compile_query(sqlite.dialect(), query)[0]


def second_user(work: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """``work`` (a second user's change) started in a thread while the test's session
    holds the first one's open: it is given a second to wait for the first (or,
    unlocked, to go ahead). Its outcome, or the error it raised, is put in the list
    once it is done; join the thread after committing the first change."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as error:  # the test asserts on what the user would see
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=1.0)
    return thread, outcome
