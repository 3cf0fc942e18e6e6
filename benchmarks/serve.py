"""How soon the browser shows the accounts list with ``cxtui serve`` (goal: <= 3 s on
the demo book), beside the same measure of the plain ``cxtui`` in a terminal.

    .venv/bin/python benchmarks/serve.py [--db PATH] [--runs 3]

It needs the test tools (Playwright) and Debian's chromium, as
tests/e2e/test_serve.py does, and tmux. The database: --db, else the demo book
written by ``cxtui demo`` into a temporary folder. A first run of each kind, not
counted, computes today's health scores as a first launch does and warms the file
cache. Each figure is the median of --runs:

- served: one ``cxtui serve`` on 127.0.0.1; each run is a new browser tab, timed
  from opening the page (the page, the tab's app process, its dashboard) until the
  accounts list is drawn, ``2`` pressed as soon as the dashboard is. The tabs are
  opened SPACING_S apart, as people open them (minutes apart, not in a burst): the
  server has then started the next tab's process ahead (cli/serve_web.py). The
  figure "with a new browser context" adds Playwright's making of the tab;
- plain: the installed ``cxtui --db`` in a 160x50 tmux terminal (a pty), timed from
  its start through the same steps;
- for reference, benchmarks/tui.py's "accounts list usable" (a headless app that
  opens on the list: no dashboard, no terminal).

Both screens are polled (every 50 ms in the browser, 100 ms in tmux).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.demo_book import given_or_demo
from benchmarks.tui import LIST, run
from cli.serve_web import AHEAD_DELAY_SECONDS
from tests.e2e import browser as e2e
from tests.e2e.terminal import open_terminal

GOAL_S = 3.0
SPACING_S = AHEAD_DELAY_SECONDS + 5.0  # the next tab's process has loaded the app
LISTED = re.compile(r"of [\d,]+ accounts")


def dashboard(screen: str) -> bool:
    return "Dashboard" in screen and "NRR" in screen


def listed(screen: str) -> bool:
    return LISTED.search(screen) is not None


def to_the_list(
    start: float, wait_for: Callable[[Callable[[str], bool], str], str], press: Callable[[], None]
) -> tuple[float, float]:
    """Seconds from ``start`` to the dashboard, and to the accounts list after ``2``."""
    wait_for(dashboard, "the dashboard")
    shown = time.monotonic() - start
    press()
    wait_for(listed, "the accounts list")
    return shown, time.monotonic() - start


def served_runs(db: Path, home: Path, runs: int) -> tuple[list[tuple[float, float]], list[float]]:
    """(dashboard, list) seconds from opening the page, and seconds of making each
    tab before that."""
    from playwright.sync_api import sync_playwright

    env = e2e.serve_environment(home, CXTUI_USER="Benchmark")
    times, making = [], []
    with (
        sync_playwright() as playwright,
        e2e.served(["--db", str(db), "--port", str(e2e.free_port())], env) as server,
    ):
        browser = e2e.launch(playwright)
        for _ in range(runs + 1):
            time.sleep(SPACING_S)
            made = time.monotonic()
            page = e2e.new_tab(browser)
            start = time.monotonic()
            making.append(start - made)
            terminal = e2e.open_app(page, server.url)
            times.append(to_the_list(start, terminal.wait_for, lambda t=terminal: t.press("2")))
            page.context.close()
        browser.close()
    return times[1:], making[1:]


def plain_runs(db: Path, home: Path, runs: int) -> list[tuple[float, float]]:
    env = {"CXTUI_USER": "Benchmark", "XDG_CONFIG_HOME": str(home / "config")}
    times = []
    for _ in range(runs + 1):
        start = time.monotonic()
        with open_terminal(db, env) as terminal:
            times.append(to_the_list(start, terminal.wait_for, lambda t=terminal: t.keys("2")))
            terminal.keys("q")
    return times[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="a cxtui database (default: the demo book)")
    parser.add_argument("--runs", type=int, default=3, help="counted runs of each kind")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxtui-bench-serve-") as scratch:
        home = Path(scratch)
        db = given_or_demo(args.db, home)
        served_times, making = served_runs(db, home, args.runs)
        plain_times = plain_runs(db, home, args.runs)
        from core.store.db import sqlite_url

        headless = [json.loads(run(LIST, sqlite_url(db), "harbor")) for _ in range(args.runs)]
    served_s = statistics.median(total for _, total in served_times)
    plain_s = statistics.median(total for _, total in plain_times)
    served_dash = statistics.median(shown for shown, _ in served_times)
    with_tab = statistics.median(
        total + made for (_, total), made in zip(served_times, making, strict=True)
    )
    plain_dash = statistics.median(shown for shown, _ in plain_times)
    print(f"database: {db} ({headless[0]['rows']:,} accounts); medians of {args.runs} runs")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"served, page open to accounts list: {served_s:.2f} s (goal <= {GOAL_S:.0f} s); "
        f"its dashboard at {served_dash:.2f} s; with a new browser context {with_tab:.2f} s"
    )
    print(
        f"plain cxtui in tmux, start to list: {plain_s:.2f} s; its dashboard at {plain_dash:.2f} s"
    )
    print(f"served / plain:                     {served_s / plain_s:.2f}x")
    usable = statistics.median(entry["usable_s"] for entry in headless)
    print(f"reference, benchmarks/tui.py's accounts list usable (headless, on the list): "
          f"{usable:.2f} s")  # fmt: skip
    print("each run (dashboard, list) in s: served " + ", ".join(
        f"({a:.2f}, {b:.2f})" for a, b in served_times
    ) + "; plain " + ", ".join(f"({a:.2f}, {b:.2f})" for a, b in plain_times))  # fmt: skip


if __name__ == "__main__":
    main()
