"""The dashboard's headline figures on an M database (10k accounts).

    .venv/bin/cxtui generate --size M --db /tmp/cxtui-M.db
    .venv/bin/cxtui health --recompute --db /tmp/cxtui-M.db   # so the bands have data
    .venv/bin/python benchmarks/dashboard.py --db /tmp/cxtui-M.db

Each figure runs in its own Python process, the app headless (``run_test``) at
160x50, opened on the accounts list; once the database is open and the list loaded:

- first tiles: ``1`` pressed until every tile of the current period has its value
  (goal < 0.5 s; the renewal forecast's tile is not one: it follows the lists); the
  key is posted as typed and the screen polled with ``asyncio.sleep``: Pilot's
  ``press`` and ``pause`` wait for the whole screen to settle first, which timed
  Textual's idle wait rather than the numbers;
- fully populated: ``1`` pressed until tiles, sparklines, charts, lists and goals are
  all shown (goal <= 2 s): every tile has its value (the forecast's too) and its
  12-month series (the forecast has none), every chart its data, the lists their rows
  and the goals their bars. A series counts once it has arrived, drawn or not: a band
  tile's sparkline stays empty while there are fewer than two months of health
  snapshots (a freshly generated book has today's only), and waiting for it to be
  drawn never ended;
- baseline, in the same run: a bare ``compute_metrics`` of the current month.

Printed as the median (and best) seconds, and the median's ratio to the baseline's.
The database is only read.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

from benchmarks.demo_book import database_options

BASELINE = """
import sys, time
from datetime import date
from core.store.db import open_engine
from core.metrics import Period, compute_metrics
engine = open_engine(sys.argv[1])
today = date.fromisoformat(sys.argv[2])
start = time.perf_counter()
compute_metrics(engine, Period.month_of(today), as_of=today)
print(time.perf_counter() - start)
"""

DASHBOARD = """
import asyncio, sys, time
from datetime import date
from core.config.settings import Settings
from tui.app import make_app
from tui.screens.dashboard import FORECAST, TILES
from tui.widgets.charts import Chart
from tui.widgets.kpi_tile import PLACEHOLDER, KpiTile

# Opened on the accounts list, so that "1" builds the dashboard (the app's usual
# first screen) from nothing, as when it is opened.
app = make_app(sys.argv[1], today=date.fromisoformat(sys.argv[2]),
               settings=Settings(theme="textual-dark"), recompute_health=False,
               start="accounts")

async def until(done, limit=60.0):
    # asyncio.sleep, not pilot.pause: a pause first waits for the whole screen to be
    # idle, which would time the harness rather than when the numbers are shown.
    deadline = time.perf_counter() + limit
    while not done():
        if time.perf_counter() > deadline:
            raise SystemExit(f"{done.__name__} still false after {limit:.0f} s")
        await asyncio.sleep(0.005)

def tiles_ready(forecast=False):
    # none while the screen is being composed; the forecast's tile follows the lists
    tiles = app.screen.query(KpiTile)
    return len(tiles) == len(TILES) and all(
        t.value_text != PLACEHOLDER for t in tiles if forecast or t.spec != FORECAST)

def all_ready():
    screen = app.screen
    if not (tiles_ready(forecast=True) and screen.panels_mounted):  # charts, lists, goals
        return False
    charts = screen.query(Chart)
    return (len(charts) == 3 and all(chart.loaded for chart in charts)
            and all(tile.series is not None for tile in screen.query(KpiTile))
            and not any("Loading" in str(screen.query_one(f"#{name}-note").render())
                        for name in ("at-risk", "renewals", "goals")))

async def main():
    async with app.run_test(size=(160, 50)) as pilot:
        await until(lambda: app.engine is not None and app.book_complete)
        await app.workers.wait_for_complete()
        await pilot.pause()
        start = time.perf_counter()
        app.simulate_key("1")  # as typed; pilot.press would also wait for the screen to settle
        await until(lambda: type(app.screen).__name__ == "DashboardScreen" and tiles_ready())
        first = time.perf_counter() - start
        await until(all_ready)
        print(first, time.perf_counter() - start)

asyncio.run(main())
"""


def run(script: str, *args: str) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    )
    return [float(value) for value in out.stdout.split()[-2:] if value]


def main() -> None:
    options = database_options(__doc__, "the app's").parse_args()
    from datetime import date

    from core.store.db import sqlite_url

    url = sqlite_url(options.db)
    today = options.today or date.today().isoformat()
    baseline = [run(BASELINE, url, today)[-1] for _ in range(options.runs)]
    figures = [run(DASHBOARD, url, today) for _ in range(options.runs)]
    base = statistics.median(baseline)
    load = os.getloadavg()[0]
    print(
        f"database: {options.db} · as of {today} · median (best) of {options.runs} runs"
        f" · load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"baseline: bare compute_metrics of the month   {base:6.3f} s ({min(baseline):.3f} s)")
    for index, name in enumerate(("first tiles (goal < 0.5 s)", "fully populated (goal <= 2 s)")):
        times = [figure[index] for figure in figures]
        median = statistics.median(times)
        print(f"dashboard: {name:<32} {median:6.3f} s ({min(times):.3f} s)  {median / base:5.2f}x")


if __name__ == "__main__":
    main()
