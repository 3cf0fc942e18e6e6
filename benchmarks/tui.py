"""The app's headline figures, on a database made by ``cxtui generate``.

    .venv/bin/cxtui generate --size L --db /tmp/cxtui-L.db
    .venv/bin/python benchmarks/tui.py --db /tmp/cxtui-L.db

Each figure runs in a fresh Python process, so imports are cold as a user has them:

- first frame: process start to the first paint, for cxtui and for a bare Textual
  app measured in the same run (goal: cxtui <= 1.4x the bare app);
- accounts list usable: process start until the rows of the whole book are first
  drawn (goal at L <= 1.5 s), with the app opening on the list rather than the
  dashboard; its last-interaction column follows a moment later;
- search keystroke: a key typed in the search until the narrowed list is shown
  (median and worst of a word typed letter by letter, once the last-interaction
  column has arrived; goal at L <= 150 ms), beside the same keys typed in a bare
  Textual Input through the same Pilot, which is the harness's own cost;
- peak memory of the app with the list loaded and searched (goal at L <= 600 MB).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

BARE = """
import sys, time
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Static("hello")
        yield Footer()

async def ready(pilot):
    print(time.time() - float(sys.argv[1]))
    pilot.app.exit()

Bare().run(headless=True, size=(160, 50), auto_pilot=ready)
"""

BARE_KEYS = """
import json, sys, time
from textual.app import App
from textual.widgets import Footer, Header, Input, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Input(id="search")
        yield Static("hello")
        yield Footer()

async def ready(pilot):
    pilot.app.query_one(Input).focus()
    await pilot.pause()
    keys = []
    for char in sys.argv[2]:
        start = time.perf_counter()
        await pilot.press(char)
        await pilot.pause()
        keys.append(time.perf_counter() - start)
    print(json.dumps(keys))
    pilot.app.exit()

Bare().run(headless=True, size=(160, 50), auto_pilot=ready)
"""

FIRST_FRAME = """
import sys, time
from tui.app import make_app

app = make_app(sys.argv[2], recompute_health=False)

async def ready(pilot):
    heavy = sorted(m for m in ("polars", "pyarrow", "sqlalchemy", "sqlmodel",
                               "textual_fastdatatable.data_table") if m in sys.modules)
    print(time.time() - float(sys.argv[1]), ",".join(heavy))
    pilot.app.exit()

app.run(headless=True, size=(160, 50), auto_pilot=ready)
"""

LIST = """
import json, resource, statistics, sys, time
from tui.app import make_app
from tui.widgets.accounts_table import AccountsTable

app = make_app(sys.argv[2], recompute_health=False, start="accounts")
WORD = sys.argv[3]
painted = []
render_lines = AccountsTable.render_lines

def first_rows_painted(table, crop):
    # the moment the list's rows are drawn for the first time: what the user sees
    lines = render_lines(table, crop)
    if not painted and table.row_count:
        painted.append(time.time())
    return lines

AccountsTable.render_lines = first_rows_painted

async def ready(pilot):
    from tui.screens.accounts import AccountsScreen
    while not painted:
        await pilot.pause(0.005)
    usable = painted[0] - float(sys.argv[1])
    rows = app.screen.total
    while not app.book_complete:  # type in the steady state, as a user mostly does
        await pilot.pause(0.01)
    await pilot.press("slash")
    keys = []
    for char in WORD:
        start = time.perf_counter()
        await pilot.press(char)
        await pilot.pause()
        keys.append(time.perf_counter() - start)
    shown = app.screen.shown
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"usable_s": usable, "rows": rows, "keys_s": keys,
                      "shown": shown, "peak_mb": peak_mb}))
    pilot.app.exit()

app.run(headless=True, size=(160, 50), auto_pilot=ready)
"""


def run(script: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", script, str(time.time()), *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return result.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a database from cxtui generate")
    parser.add_argument("--runs", type=int, default=3, help="runs of each start-up figure")
    parser.add_argument("--word", default="harbor", help="what to type in the search")
    args = parser.parse_args()
    from core.store.db import sqlite_url

    url = sqlite_url(args.db)
    run(BARE)  # warm the file cache
    bare = [float(run(BARE)) for _ in range(args.runs)]
    first = []
    heavy = ""
    for _ in range(args.runs):
        seconds, _, heavy = run(FIRST_FRAME, url).partition(" ")
        first.append(float(seconds))
    lists = [json.loads(run(LIST, url, args.word)) for _ in range(args.runs)]
    bare_keys = [key for _ in range(args.runs) for key in json.loads(run(BARE_KEYS, args.word))]
    usable = [entry["usable_s"] for entry in lists]
    keys = [key for entry in lists for key in entry["keys_s"]]
    bare_s, first_s = statistics.median(bare), statistics.median(first)
    print(f"database: {args.db} ({lists[0]['rows']:,} accounts)")
    print(f"first frame, bare Textual app: {bare_s:.3f} s (median of {args.runs})")
    print(
        f"first frame, cxtui:            {first_s:.3f} s = {first_s / bare_s:.2f}x bare "
        f"(goal <= 1.4x); heavy modules loaded by then: {heavy or 'none'}"
    )
    print(f"accounts list usable:          {statistics.median(usable):.3f} s (goal <= 1.5 s)")
    key_ms, bare_key_ms = statistics.median(keys) * 1000, statistics.median(bare_keys) * 1000
    print(
        f"search keystroke to list:      median {key_ms:.0f} ms, worst {max(keys) * 1000:.0f} ms "
        f"over {len(keys)} keys (goal <= 150 ms); "
        f'"{args.word}" leaves {lists[0]["shown"]:,} accounts'
    )
    print(
        f"  a key in a bare Textual Input, same Pilot: median {bare_key_ms:.0f} ms "
        f"(the harness's own cost): cxtui = {key_ms / bare_key_ms:.2f}x bare, "
        f"{key_ms - bare_key_ms:.0f} ms of its own work per key"
    )
    peak = max(entry["peak_mb"] for entry in lists)
    print(f"peak memory:                   {peak:.0f} MB (goal <= 600 MB)")


if __name__ == "__main__":
    main()
