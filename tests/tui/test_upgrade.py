"""Opening a database written by an earlier cxtui: the start says that it is being
updated, after a copy of it is kept, and how large it is; then the app opens on it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.widgets import Static

import core.store.migrate as migrate
from core.config.settings import Settings
from core.store.db import make_engine, sqlite_url
from tests.tui.book import TODAY
from tests.tui.conftest import SIZE, settle
from tui.app import make_app
from tui.format import file_size


def _earlier_database(path: Path) -> str:
    """A database at the revision before the shipped head; its revision."""
    from alembic import command
    from alembic.script import ScriptDirectory

    config = migrate.alembic_config()
    head = ScriptDirectory.from_config(config).get_revision(migrate.head_revision())
    earlier = str(head.down_revision)
    engine = make_engine(sqlite_url(path))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, earlier)
    engine.dispose()
    return earlier


async def test_the_start_says_it_updates_an_earlier_database(
    tmp_path: Path, sqlite_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "earlier.db"
    _earlier_database(path)
    size = path.stat().st_size
    release = threading.Event()
    real = migrate._migrate

    def held(engine: object) -> object:  # the update waits while the test reads
        release.wait(30)
        return real(engine)  # type: ignore[arg-type]

    monkeypatch.setattr(migrate, "_migrate", held)
    app = make_app(sqlite_url(path), today=TODAY, settings=Settings(), recompute_health=False)
    async with app.run_test(size=SIZE) as pilot:
        status = app.query_one("#startup-status", Static)
        for _ in range(200):
            said = str(status.render())
            if "Updating" in said:
                break
            await pilot.pause(0.05)
        release.set()
        assert said == (
            "Updating the database for this version of cxtui, after keeping a copy of it"
            f" ({file_size(size)}) beside it: on a large book this takes a while…"
        )
        await settle(app, pilot)
        assert app.engine is not None
        assert migrate.current_revision(app.engine) == migrate.head_revision()
        assert list(tmp_path.glob("earlier.db.*.bak"))  # the copy kept


def test_a_file_size_reads_as_a_person_says_it() -> None:
    sizes = [2_494_939_136, 337_952_768, 9_876_543, 12_345, 999]
    assert [file_size(size) for size in sizes] == [
        "2.5 GB",
        "338 MB",
        "9.9 MB",
        "12 KB",
        "999 bytes",
    ]
