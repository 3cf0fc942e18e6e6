"""Snapshots of the accounts list and the account 360 on the demo book, at a fixed
size, date and theme. Regenerate on purpose only (``--snapshot-update``), after
looking at the diff."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from textual.pilot import Pilot

from core.db import open_engine, sqlite_url
from core.health.store import recompute_all
from core.settings import Settings
from sample_data import load_demo
from tests.tui.test_app import settle
from tui.app import make_app

DAY = date(2026, 11, 30)
SIZE = (160, 50)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo book ending on DAY, with that day's health scores, written once."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    engine = open_engine(sqlite_url(path))
    load_demo(engine, as_of=DAY)
    recompute_all(engine, as_of=DAY)
    engine.dispose()
    return path


@pytest.fixture
def demo_url(demo_file: Path, tmp_path: Path) -> str:
    copy = tmp_path / "demo.db"
    shutil.copy(demo_file, copy)
    return sqlite_url(copy)


def _app(url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = Settings(theme="textual-dark", path=tmp_path / "config.toml")
    return make_app(url, today=DAY, settings=settings, recompute_health=False, start="accounts")


def test_accounts_list(snap_compare, demo_url: str, tmp_path: Path) -> None:
    async def ready(pilot: Pilot) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("j", "j")

    assert snap_compare(_app(demo_url, tmp_path), terminal_size=SIZE, run_before=ready)


def test_account_360(snap_compare, demo_url: str, tmp_path: Path) -> None:
    async def ready(pilot: Pilot) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("s", "s", "s", "s", "s", "s", "s")  # MRR, descending
        await pilot.press("enter")
        await settle(pilot.app, pilot)

    assert snap_compare(_app(demo_url, tmp_path), terminal_size=SIZE, run_before=ready)
