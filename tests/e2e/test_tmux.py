"""End to end: the installed ``cxtui`` in a real terminal (tmux), driven by keys and
read back with ``capture-pane``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from core.store.db import open_engine, sqlite_url
from sample_data import load_demo

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

CXTUI = Path(sys.executable).with_name("cxtui")
TIMEOUT = 60.0


class Terminal:
    def __init__(self, session: str) -> None:
        self.session = session

    def screen(self) -> str:
        result = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.session],
            capture_output=True,
            text=True,
            check=False,
        )
        return result.stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        command = ["tmux", "send-keys", "-t", self.session]
        if literal:
            command.append("-l")
        subprocess.run([*command, *keys], check=True)

    def wait_for(self, check: Callable[[str], bool], what: str) -> str:
        """Poll the screen until ``check`` holds, or fail after TIMEOUT seconds."""
        deadline = time.monotonic() + TIMEOUT
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            time.sleep(0.1)  # polling a real terminal, not waiting for a result
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{screen}")

    def alive(self) -> bool:
        return (
            subprocess.run(
                ["tmux", "has-session", "-t", self.session], capture_output=True, check=False
            ).returncode
            == 0
        )


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    database = tmp_path / "demo.db"
    engine = open_engine(sqlite_url(database))
    load_demo(engine, as_of=date.today())
    engine.dispose()
    session = f"cxtui-e2e-{uuid.uuid4().hex[:8]}"
    subprocess.run(
        [
            "tmux",
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "160",
            "-y",
            "50",
            # the tmux server may inherit COLUMNS/LINES from the test process, and
            # those would pin the app to that size whatever the pane's
            f"env -u COLUMNS -u LINES {CXTUI} --db {database}",
        ],
        check=True,
    )
    term = Terminal(session)
    try:
        yield term
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)


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
