"""How fast an account's 360 opens from the accounts list, beside ``]`` within it.

    .venv/bin/python benchmarks/account_open.py [--db PATH ...] [--runs 3] [--accounts 6]
    .venv/bin/python benchmarks/account_open.py --db /tmp/telco.db --against /tmp/old-cxtui

Each run is a fresh Python process: the app headless (``run_test``) at 160x50, opened
on the accounts list of the book, its health not recomputed (the book is only read).
Once the list is loaded, for --accounts accounts two rows apart down the list:

- open: ``enter`` on the list until the 360's timeline is drawn with that account's
  data; the first open of a run (the screen built) is counted apart from the others;
- ``]``: the next account within the 360, until drawn likewise: the baseline, what
  reading and drawing one account costs once the screen is there;
- back: ``escape`` until the list is drawn again.

Keys are posted as typed (``simulate_key``) and the screen polled with
``asyncio.sleep``, as benchmarks/dashboard.py does. Printed per book: the median wall
seconds, and the median CPU seconds of the process (all its threads), which say what
an idle machine would take when others load this one; and open / ``]``.

Books: each --db, else the demo book (``cxtui demo`` into a scratch folder).
``--against DIR``: a second checkout of cxtui (``git archive HEAD | tar -x -C DIR``)
measured in the same rounds, the two taking turns, for a before/after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.demo_book import given_or_demo

HERE = Path(__file__).resolve().parents[1]

OPEN = """
import asyncio, json, sys, time
from core.config.settings import Settings
from textual.widgets import DataTable
from tui.app import make_app
from tui.screens.account import AccountScreen
from tui.widgets.accounts_table import AccountsTable

app = make_app(sys.argv[1], settings=Settings(theme="textual-dark"),
               recompute_health=False, start="accounts")
drawn = []  # what was drawn: the account whose timeline it was, or "list"
draw_timeline, draw_list = DataTable.render_lines, AccountsTable.render_lines

def timeline_lines(table, crop):
    lines = draw_timeline(table, crop)
    screen = table.screen
    if table.id == "timeline" and isinstance(screen, AccountScreen):
        if screen.detail is not None and screen.detail.account["id"] == screen.account_id:
            drawn.append(screen.account_id)
    return lines

def list_lines(table, crop):
    lines = draw_list(table, crop)
    if app.screen is table.screen:
        drawn.append("list")
    return lines

DataTable.render_lines, AccountsTable.render_lines = timeline_lines, list_lines

async def until(done, limit=60.0):
    deadline = time.perf_counter() + limit
    while not done():
        if time.perf_counter() > deadline:
            raise SystemExit(f"{done.__name__} still false after {limit:.0f} s")
        await asyncio.sleep(0.003)

async def timed(key, shown):
    drawn.clear()
    wall, cpu = time.perf_counter(), time.process_time()
    app.simulate_key(key)
    await until(lambda: shown in drawn)
    return time.perf_counter() - wall, time.process_time() - cpu

async def main():
    figures = {"open": [], "step": [], "back": []}
    async with app.run_test(size=(160, 50)) as pilot:
        await until(lambda: app.engine is not None and app.book_complete)
        for _ in range(int(sys.argv[2])):
            await app.workers.wait_for_complete()
            await pilot.pause()
            table = app.screen.table
            account = table.current_account_id()
            figures["open"].append(await timed("enter", account))
            await app.workers.wait_for_complete()
            await pilot.pause()
            ids = app.screen.ids
            figures["step"].append(await timed("right_square_bracket", ids[ids.index(account) + 1]))
            await app.workers.wait_for_complete()
            await pilot.pause()
            figures["back"].append(await timed("escape", "list"))
            await pilot.press("j", "j")
    print(json.dumps(figures))

asyncio.run(main())
"""


def run(code: Path, url: str, accounts: int) -> dict[str, list[list[float]]]:
    out = subprocess.run(
        [sys.executable, "-c", OPEN, url, str(accounts)],
        capture_output=True,
        text=True,
        cwd=code,
        env={**os.environ, "PYTHONPATH": str(code)},
    )
    if out.returncode:
        raise SystemExit(f"{code}: {out.stderr.strip() or out.stdout.strip()}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def summary(runs: list[dict[str, list[list[float]]]]) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds of each figure over the runs; the first open apart."""
    series = {
        "first open": [run["open"][0] for run in runs],
        "open": [figure for run in runs for figure in run["open"][1:]],
        "]": [figure for run in runs for figure in run["step"]],
        "back": [figure for run in runs for figure in run["back"]],
    }
    return {
        name: (statistics.median(f[0] for f in figures), statistics.median(f[1] for f in figures))
        for name, figures in series.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, action="append", help="a book (only read); repeatable")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--accounts", type=int, default=6, help="accounts opened per run")
    parser.add_argument("--against", type=Path, help="another checkout, measured in turn")
    args = parser.parse_args()
    from core.store.db import sqlite_url

    sides = {"this": HERE} | ({"against": args.against.resolve()} if args.against else {})
    with tempfile.TemporaryDirectory() as scratch:
        books = args.db or [given_or_demo(None, Path(scratch))]
        for book in books:
            url = sqlite_url(book)
            results: dict[str, list] = {side: [] for side in sides}
            load = os.getloadavg()[0]
            for _ in range(args.runs):
                for side, code in sides.items():  # taking turns
                    results[side].append(run(code, url, args.accounts))
            print(
                f"{book} · median of {args.runs} runs x {args.accounts} accounts · load "
                f"average {load:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
            )
            for side, code in sides.items():
                figures = summary(results[side])
                step_wall, step_cpu = figures["]"]
                print(f"  {side} ({code})")
                for name, (wall, cpu) in figures.items():
                    print(
                        f"    {name:<10} {wall:6.3f} s wall {wall / step_wall:5.2f}x ]   "
                        f"{cpu:6.3f} s CPU {cpu / step_cpu:5.2f}x ]"
                    )


if __name__ == "__main__":
    main()
