"""Snapshot of the goals screen on the demo book, at a fixed size, date and theme.
Regenerate on purpose only (``--snapshot-update``), after looking at the diff."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from textual.pilot import Pilot

from core.config.settings import Settings
from core.store.db import open_engine, sqlite_url
from sample_data import load_demo
from tests.tui.conftest import settle
from tui.app import make_app

DAY = date(2026, 11, 30)
SIZE = (160, 50)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("goals-demo") / "demo.db"
    engine = open_engine(sqlite_url(path))
    load_demo(engine, as_of=DAY)
    engine.dispose()
    return path


def test_goals_screen(snap_compare, demo_file: Path, tmp_path: Path) -> None:
    copy = tmp_path / "demo.db"
    shutil.copy(demo_file, copy)
    settings = Settings(theme="textual-dark", path=tmp_path / "config.toml")
    app = make_app(sqlite_url(copy), today=DAY, settings=settings, recompute_health=False)

    async def ready(pilot: Pilot) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("3")
        await settle(pilot.app, pilot)
        await pilot.press("j", "j", "j", "space")  # the QBR goal's tasks
        await settle(pilot.app, pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=ready)
