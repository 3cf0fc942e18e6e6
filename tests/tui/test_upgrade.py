"""Opening a database written by an earlier cxtui: the app's start and the command
line say that it is being updated, after a copy of it is kept, and how large it is;
then the database opens, updated."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from textual.widgets import Static

import core.store.db as db
import core.store.migrate as migrate
from core.config.settings import Settings
from core.store.db import make_engine, sqlite_url
from tests.tui.book import TODAY
from tests.tui.conftest import SIZE, settle
from tui.app import make_app

CXTUI = Path(sys.executable).with_name("cxtui")


def _earlier_database(path: Path) -> int:
    """A database at the revision before the shipped head; its size in bytes."""
    from alembic import command
    from alembic.script import ScriptDirectory

    config = migrate.alembic_config()
    head = ScriptDirectory.from_config(config).get_revision(migrate.head_revision())
    engine = make_engine(sqlite_url(path))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, str(head.down_revision))
    engine.dispose()
    return path.stat().st_size


async def test_the_start_says_it_updates_an_earlier_database(
    tmp_path: Path, sqlite_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "earlier.db"
    size = _earlier_database(path)
    release = threading.Event()
    copy = db.backup_sqlite

    def held(*args: object) -> Path:  # the copy waits while the test reads the screen
        release.wait(30)
        return copy(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(db, "backup_sqlite", held)
    app = make_app(sqlite_url(path), today=TODAY, settings=Settings(), recompute_health=False)
    async with app.run_test(size=SIZE) as pilot:
        status = app.query_one("#startup-status", Static)
        for _ in range(200):
            said = str(status.render())
            if "Updating" in said:
                break
            await pilot.pause(0.05)
        release.set()
        assert said == migrate.update_notice(size)
        await settle(app, pilot)
        assert app.engine is not None
        assert migrate.current_revision(app.engine) == migrate.head_revision()
    assert list(tmp_path.glob("earlier.db.*.bak"))  # the copy kept


def test_a_command_says_it_updates_an_earlier_database(tmp_path: Path, sqlite_only: None) -> None:
    """On stderr: stdout stays the command's output."""
    path = tmp_path / "earlier.db"
    size = _earlier_database(path)
    done = subprocess.run(
        [str(CXTUI), "--db", str(path), "metrics", "--json"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"cxtui: {migrate.update_notice(size)}\n"
    assert done.stdout.startswith("{")
    again = subprocess.run(
        [str(CXTUI), "--db", str(path), "metrics", "--json"], capture_output=True, text=True
    )
    assert again.stderr == ""  # updated once


def test_the_notice_says_the_size_as_a_person_reads_it() -> None:
    sizes = [2_594_939_136, 337_952_768, 9_876_543, 12_345, 999]
    said = [migrate.update_notice(size).split("(")[1].split(")")[0] for size in sizes]
    assert said == ["2.6 GB", "338 MB", "9.9 MB", "12 KB", "999 bytes"]
    assert migrate.update_notice(None) == "Updating the database for this version of cxtui…"
