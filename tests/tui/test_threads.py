"""Quitting does not wait for reads (``tui.threads``), and the dashboard opens on a
SQLite file before the engine: its figures are the engine's."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from core.config.settings import Settings
from core.metrics.dashboard import period_figures
from core.store.db import open_engine
from tests.tui.conftest import SIZE, SNAPSHOT_DAY, settle
from tui.app import AppClosing, make_app
from tui.screens.dashboard import DashboardScreen
from tui.threads import WorkerThreads


def test_the_end_waits_for_a_write_not_for_a_read() -> None:
    threads = WorkerThreads()
    release = threading.Event()

    def read() -> None:
        threads.reading()
        release.wait(10)

    threads.submit(read)
    time.sleep(0.05)
    assert threads.only_reads()
    started = time.perf_counter()
    threads.shutdown()
    assert time.perf_counter() - started < 1  # the read is left running
    release.set()

    threads = WorkerThreads()
    writing, written = threading.Event(), threading.Event()

    def write() -> None:  # says nothing: a write
        writing.set()
        time.sleep(0.3)
        written.set()

    threads.submit(write)
    assert writing.wait(10)
    assert not threads.only_reads()
    threads.shutdown()
    assert written.is_set()  # waited for


async def test_the_dashboard_opens_on_the_file_with_the_engines_figures(
    demo_url: str, tmp_path: Path
) -> None:
    settings = Settings(path=tmp_path / "config.toml")
    app = make_app(demo_url, today=SNAPSHOT_DAY, settings=settings, recompute_health=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        assert app.file is not None and app.file.url == demo_url
        assert app.engine is not None  # opened after the list's first read
        figures = screen.figures
        assert figures is not None
        engine = open_engine(demo_url)
        expected = period_figures(
            engine, screen.view.period, screen.view.scope, app.today, screen.view.figure_keys
        )
        engine.dispose()
        assert (figures.now, figures.before) == (expected.now, expected.before)
        assert figures.now["active_accounts"] > 0


def test_a_read_waiting_for_the_engine_stops_when_the_app_ends(db_url: str) -> None:
    app = make_app(db_url)
    app.exit()
    with pytest.raises(AppClosing):
        app.opened_engine()


async def test_keys_pressed_while_the_engine_opens_are_kept(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the dashboard shown from the file, before the engine is open: 2 shows the
    accounts list at once (it needs no engine); 3 shows the goals once it is open.
    (The engine is held closed here; what waits for it is not waited for.)"""
    from tui.app import CxtuiApp
    from tui.screens.accounts import AccountsScreen
    from tui.screens.goals import GoalsScreen

    async def until(condition) -> None:  # type: ignore[no-untyped-def]
        for _ in range(200):
            if condition():
                return
            await pilot.pause(0.05)
        raise AssertionError("timed out")

    monkeypatch.setattr(CxtuiApp, "_connect_after_first_read", lambda self, accounts: None)
    settings = Settings(path=tmp_path / "config.toml")
    app = make_app(demo_url, today=SNAPSHOT_DAY, settings=settings, recompute_health=False)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: isinstance(app.screen, DashboardScreen) and app.book is not None)
        await until(lambda: app.screen.figures is not None)
        assert app.engine is None
        await pilot.press("3")
        await until(
            lambda: any("Opening the database" in str(n.message) for n in app._notifications)
        )
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("2")
        await until(lambda: isinstance(app.screen, AccountsScreen) and app.screen.total == 250)
        await pilot.press("3")
        app.connect(app.screen.total)
        await until(lambda: isinstance(app.screen, GoalsScreen))
        assert app.engine is not None
