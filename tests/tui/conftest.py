"""Helpers and fixtures of the app's Pilot tests: the small hand-made book, the app
running on it, and waiting until its workers are done."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from textual.app import App
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget

from core.config.settings import Settings
from core.health.store import recompute_all
from core.store.db import open_engine, sqlite_url
from sample_data import load_demo
from tests.tui.book import TODAY, make_book
from tui.app import CxtuiApp, make_app
from tui.screens.account import AccountScreen
from tui.screens.accounts import AccountsScreen
from tui.screens.tasks import TasksScreen

SIZE = (160, 50)
SMALL = (80, 24)
"""The smallest terminal every screen must be usable in."""


TELCO = Path(__file__).parents[1] / "fixtures" / "import" / "telco_churn.csv"
"""A Telco-shaped accounts export (IBM's sample's columns, 30 rows)."""


@pytest.fixture
def telco(engine: Engine) -> Engine:
    """The Telco-shaped file imported as it comes: its columns kept as custom fields."""
    from core.importing import ImportOptions, import_file

    options = ImportOptions(
        columns={"external_id": "customerID", "name": "customerID"},
        values={"status": {"Yes": "churned", "No": "active"}},
        as_of=date(2026, 11, 30),
    )
    import_file(engine, "accounts", TELCO, options)
    return engine


@pytest.fixture
def book(engine: Engine) -> dict[str, int]:
    return make_book(engine)


@asynccontextmanager
async def started(
    db_url: str, settings: Settings, engine_opens: bool = True, **options: Any
) -> AsyncIterator[tuple[CxtuiApp, Pilot]]:
    """The app on ``db_url`` on TODAY with ``settings`` and ``options`` (``make_app``'s),
    its health scores not recomputed, running at SIZE, its database open (or failed to
    open; unless ``engine_opens`` is False: a test that keeps it from opening), settled."""
    app = make_app(db_url, today=TODAY, settings=settings, recompute_health=False, **options)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        # The engine opens on a thread of its own, which no worker waits for: a key
        # pressed before it is open is answered "Opening the database…" (a loaded
        # machine made a test that pressed 3 at once see that note).
        for _ in range(1000):
            if app._engine_open.is_set() or not engine_opens:
                break
            await pilot.pause(0.01)
        await settle(app, pilot)
        yield app, pilot


async def book_open(app: CxtuiApp, pilot: Pilot) -> None:
    """Until the database is open (on a thread of its own) and the book's list whole,
    then settled: an app started by ``snapshot_app``."""
    for _ in range(1000):
        if app.engine is not None and app.book_complete:
            break
        await pilot.pause(0.01)
    await settle(app, pilot)


@asynccontextmanager
async def running(db_url: str, **settings: object) -> AsyncIterator[tuple[CxtuiApp, Pilot]]:
    # most tests here are about the list; one checks the default
    async with started(db_url, Settings(**settings), start="accounts") as (app, pilot):  # type: ignore[arg-type]
        yield app, pilot


@asynccontextmanager
async def on_account(
    db_url: str, engine: Engine, external_id: str
) -> AsyncIterator[tuple[CxtuiApp, Pilot, AccountScreen]]:
    """The app on the 360 of the account ``external_id``, settled."""
    from core.interactions import account_id_of

    account = account_id_of(engine, external_id)
    assert account is not None, external_id
    async with running(db_url) as (app, pilot):
        app.open_account(account)
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        yield app, pilot, screen


async def settle(app: App[Any], pilot: Pilot, rounds: int = 30) -> None:
    """Let workers finish and their messages land: until no worker is left after a
    pause, twice in a row (a worker's result often starts another: a save, then a
    reload). A worker replaced by a newer one of its group is cancelled, which is
    normal here."""
    from textual.worker import WorkerCancelled

    quiet = 0
    for _ in range(rounds):
        with suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause()
        quiet = 0 if any(not worker.is_finished for worker in app.workers) else quiet + 1
        if quiet == 2:
            return


async def press(app: App[Any], pilot: Pilot, *keys: str) -> None:
    """Press ``keys``, then wait until what they started is done (``settle``)."""
    await pilot.press(*keys)
    await settle(app, pilot)


@asynccontextmanager
async def tasks_screen(
    db_url: str, tmp_path: Path, run_rules: bool = False
) -> AsyncIterator[tuple[CxtuiApp, Pilot, TasksScreen]]:
    settings = Settings(path=tmp_path / "config.toml")
    async with started(db_url, settings, run_rules=run_rules) as (app, pilot):
        await press(app, pilot, "4")
        screen = app.screen
        assert isinstance(screen, TasksScreen)
        yield app, pilot, screen


async def palette(app: App[Any], pilot: Pilot, command: str) -> None:
    """Run ``command`` from the command palette (ctrl+p), typed as a person would,
    and wait for what it started."""
    from textual.command import CommandPalette

    await press(app, pilot, "ctrl+p")
    await type_text(pilot, command)
    await settle(app, pilot)
    await pilot.press("enter")
    # The palette runs the command once it has closed (``call_later``): until then no
    # worker of the command exists for ``settle`` to wait for.
    for _ in range(100):
        if not isinstance(app.screen, CommandPalette):
            break
        await pilot.pause(0.05)
    await pilot.pause()
    await settle(app, pilot, rounds=120)


def names(app: CxtuiApp) -> list[str]:
    return _accounts(app).table.accounts.data["name"].to_list()


def _accounts(app: CxtuiApp) -> AccountsScreen:
    screen = app.screen
    assert isinstance(screen, AccountsScreen), screen
    return screen


def text_of(widget: Widget) -> str:
    """The text a widget shows on screen; of a screen, all that it shows (a screen
    renders nothing of its own: its widgets are drawn by its compositor)."""
    if isinstance(widget, Screen):
        return "\n".join(strip.text for strip in widget._compositor.render_strips())
    width, height = widget.outer_size
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, width, height)))


def account_header(app: CxtuiApp) -> str:
    """The header of the account 360 shown (the screen shown must be one)."""
    screen = app.screen
    assert isinstance(screen, AccountScreen), screen
    return text_of(screen.query_one("#a360-header"))


def bar(app: CxtuiApp) -> str:
    return text_of(_accounts(app).query_one("#filter-bar"))


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(char, char) for char in text])


# The demo book, for the snapshot tests

SNAPSHOT_DAY = date(2026, 11, 30)


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo book ending on SNAPSHOT_DAY, with that day's health scores, written once
    per session (per xdist worker); ``demo_url`` copies it for each test."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    engine = open_engine(sqlite_url(path))
    load_demo(engine, as_of=SNAPSHOT_DAY)
    recompute_all(engine, as_of=SNAPSHOT_DAY)
    engine.dispose()
    return path


@pytest.fixture
def demo_url(demo_file: Path, tmp_path: Path) -> str:
    copy = tmp_path / "demo.db"
    shutil.copy(demo_file, copy)
    return sqlite_url(copy)


def snapshot_app(url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = Settings(theme="textual-dark", path=tmp_path / "config.toml")
    return make_app(
        url, today=SNAPSHOT_DAY, settings=settings, recompute_health=False, start="accounts"
    )
