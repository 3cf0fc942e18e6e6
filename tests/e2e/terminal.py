"""The installed ``cxtui`` in a real terminal (a tmux session): keys sent with
``send-keys``, the screen read back with ``capture-pane``. For tests/e2e/test_tmux.py
and benchmarks/serve.py."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.e2e.polling import TIMEOUT, wait_for_screen

CXTUI = Path(sys.executable).with_name("cxtui")


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
        return wait_for_screen(self.screen, check, what, timeout=TIMEOUT)

    def alive(self) -> bool:
        return (
            subprocess.run(
                ["tmux", "has-session", "-t", self.session], capture_output=True, check=False
            ).returncode
            == 0
        )


@contextmanager
def open_terminal(database: Path, env: dict[str, str]) -> Iterator[Terminal]:
    """The installed ``cxtui --db DATABASE`` in a new 160x50 tmux session, with
    ``env`` set (and unset where a value is empty) whatever the tmux server holds."""
    session = f"cxtui-e2e-{uuid.uuid4().hex[:8]}"
    # the tmux server may inherit COLUMNS/LINES from the test process, and those would
    # pin the app to that size whatever the pane's
    unset = " ".join(f"-u {name}" for name in ("COLUMNS", "LINES", *env))
    assigned = " ".join(f"{name}={shlex.quote(value)}" for name, value in env.items() if value)
    command = [
        "tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "50",
        f"env {unset} {assigned} {CXTUI} --db {database}",
    ]  # fmt: skip
    # A tmux server whose last session just ended is exiting: a new session started at
    # that moment fails ("server exited unexpectedly"); the next attempt starts a server.
    for attempt in range(5):
        started = subprocess.run(command, capture_output=True, text=True, check=False)
        if started.returncode == 0:
            break
        time.sleep(0.2 * (attempt + 1))
    else:
        raise AssertionError(f"tmux did not start: {started.stderr}")
    try:
        yield Terminal(session)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)
