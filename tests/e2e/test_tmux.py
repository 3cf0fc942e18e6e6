"""End to end: the installed ``cxtui`` in a real terminal (tmux), driven by keys and
read back with ``capture-pane``."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from core.store.db import open_engine, sqlite_url
from sample_data import load_demo
from tests.e2e.polling import TIMEOUT
from tests.e2e.terminal import Terminal, open_terminal

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def demo_database(tmp_path: Path) -> Path:
    database = tmp_path / "demo.db"
    engine = open_engine(sqlite_url(database))
    load_demo(engine, as_of=date.today())
    engine.dispose()
    return database


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    env = {"CXTUI_USER": "Test User", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    with open_terminal(demo_database(tmp_path), env) as term:
        yield term


def test_search_open_and_quit(terminal: Terminal) -> None:
    terminal.wait_for(lambda s: "Dashboard" in s and "NRR" in s, "the dashboard")
    terminal.keys("2")
    terminal.wait_for(lambda s: "of 250 accounts" in s, "the accounts list")
    # today's health scores are computed in the background on a fresh book; the
    # list shows them (bands) when that is done
    terminal.wait_for(lambda s: " green" in s, "the health scores")
    terminal.keys("/")
    terminal.keys("harbor", literal=True)
    screen = terminal.wait_for(
        lambda s: 'search "harbor"' in s and "of 250 accounts" in s, "the search to narrow"
    )
    first = next(line for line in screen.splitlines() if line.strip().startswith("Harbor"))
    name = first.strip().split("  ")[0]
    terminal.keys("Enter")
    terminal.wait_for(lambda s: "Health" in s and "Timeline" in s and name in s, "the 360")
    terminal.keys("Escape")
    terminal.wait_for(lambda s: 'search "harbor"' in s, "the list with the search kept")
    terminal.keys("q")
    # the session runs cxtui alone, so it ends when the app quits
    deadline = time.monotonic() + TIMEOUT
    while terminal.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not terminal.alive(), terminal.screen()


def test_who_are_you_on_first_launch(tmp_path: Path) -> None:
    """No user known: the app asks once, writes the name to the config file, says
    where, and shows it in the header; the next launch does not ask."""
    config = tmp_path / "config"
    env = {"CXTUI_USER": "", "XDG_CONFIG_HOME": str(config)}
    database = demo_database(tmp_path)
    with open_terminal(database, env) as terminal:
        terminal.wait_for(lambda s: "Who are you?" in s and "saved in" in s, "the question")
        terminal.keys("Maya Lindqvist", literal=True)
        terminal.keys("Enter")
        terminal.wait_for(lambda s: "cxtui · Maya Lindqvist" in s, "the name in the header")
        terminal.keys("q")
    assert 'user = "Maya Lindqvist"' in (config / "cxtui" / "config.toml").read_text()
    with open_terminal(database, env) as terminal:
        screen = terminal.wait_for(lambda s: "cxtui · Maya Lindqvist" in s, "the header")
        assert "Who are you?" not in screen
        terminal.keys("q")
