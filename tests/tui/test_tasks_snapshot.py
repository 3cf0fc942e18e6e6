"""A snapshot of the task queue on the demo book at a fixed date, after the playbook
rules ran, at a fixed size and theme. Regenerate on purpose only
(``--snapshot-update``), after looking at the diff."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from textual.pilot import Pilot

from core.config.settings import Settings
from core.health.store import recompute_all
from core.playbook.rules import load_rules_config
from core.playbook.runs import run_rules
from core.store.db import open_engine, sqlite_url
from sample_data import load_demo
from tests.tui.conftest import settle
from tui.app import make_app

DAY = date(2026, 11, 30)
SIZE = (160, 50)


@pytest.fixture
def demo_url(tmp_path: Path) -> str:
    path = tmp_path / "demo.db"
    engine = open_engine(sqlite_url(path))
    load_demo(engine, as_of=DAY)
    recompute_all(engine, as_of=DAY)
    noon = datetime.combine(DAY, time(12), tzinfo=UTC)
    run_rules(engine, DAY, load_rules_config(tmp_path / "no-config.toml"), now=noon)
    engine.dispose()
    return sqlite_url(path)


def test_task_queue(snap_compare, demo_url: str, tmp_path: Path) -> None:
    settings = Settings(theme="textual-dark", path=tmp_path / "config.toml")
    app = make_app(demo_url, today=DAY, settings=settings, recompute_health=False)

    async def ready(pilot: Pilot) -> None:
        # settle: a dashboard worker replaced by a newer one is cancelled, which the
        # plain wait for workers raised as a failure now and then
        await settle(pilot.app, pilot)
        await pilot.press("4")
        await settle(pilot.app, pilot)
        await pilot.press("j", "j")

    assert snap_compare(app, terminal_size=SIZE, run_before=ready)
