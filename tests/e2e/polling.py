"""Waiting for a screen (a tmux pane, a browser's terminal) to show something."""

from __future__ import annotations

import time
from collections.abc import Callable

TIMEOUT = 60.0


def wait_for_screen(
    read: Callable[[], str],
    check: Callable[[str], bool],
    what: str,
    interval: float = 0.1,
    timeout: float = TIMEOUT,
) -> str:
    """Poll ``read()`` until ``check`` holds on it (that screen is returned), or fail
    after ``timeout`` seconds showing the last screen."""
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = read()
        if check(screen):
            return screen
        time.sleep(interval)  # polling a real screen, not waiting for a result
    raise AssertionError(f"timed out waiting for {what}; the screen was:\n{screen}")
