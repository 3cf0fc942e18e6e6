"""The accounts list on a book with many custom fields: does choosing field columns
keep the list's figures?

    .venv/bin/python benchmarks/fields_list.py --accounts 100000 --db /tmp/cxtui-fields.db

Builds the book once (``sample_data``'s generator for the accounts, then ``--fields``
custom fields, 100 by default, of every type, each with a value for every account,
written with the bulk writer), then, each in a fresh Python process as a user starts
the app (``benchmarks/tui.py``'s way), with the config file choosing:

- no field column (the list as it is without custom fields);
- three field columns (a choice, a number and an amount);
- the same three and a condition on one of them in force (``tenure >= 12``);

and prints for each: the list usable (process start until the rows are drawn with
every chosen column filled; goal at L <= 1.5 s) and a search keystroke until the
narrowed list is shown (median and worst; goal at L <= 150 ms), each also as a ratio
to the list without field columns.

A keystroke is timed two ways. "to the frame": from the key sent until the frame
with the narrowed list is written to the terminal, what a person waits for. "Pilot
round trip": until Textual's Pilot says the app is idle again; Pilot finds that out
by sleeping in steps of 20 ms until a step passes without work (``wait_for_idle``,
twice per key, then once more), so it adds ~60 ms that no user waits for.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TYPES = ("choice", "number", "money", "yes_no", "date", "text")
CHOSEN = ["field:Plan tier", "field:Tenure", "field:Total charges"]
"""Three of the fields made below: a choice, a number and an amount."""

LIST = """
import json, sys, time
from tui.app import make_app
from tui.widgets.accounts_table import AccountsTable

app = make_app(sys.argv[2], recompute_health=False, start="accounts")
WORD, FIELDS, CONDITION = sys.argv[3], int(sys.argv[4]), sys.argv[5]
painted = []
render_lines = AccountsTable.render_lines

table_drawn = []  # the rows (frame) each drawing of the table showed
shown = []  # when each frame drawn with other rows than before the key reached the terminal
before_key = []
display = type(app)._display

def rows_painted(table, crop):
    # the moment the rows are drawn with every chosen column (the fields' too)
    lines = render_lines(table, crop)
    fields = sum(column.field_type is not None for column in table.list_columns)
    if not painted and table.row_count and fields == FIELDS:
        painted.append(time.time())
    table_drawn.append(table.backend.data)
    return lines

def frame_shown(app, screen, renderable):
    display(app, screen, renderable)
    if before_key and any(rows is not before_key[-1] for rows in table_drawn):
        shown.append(time.perf_counter())
    table_drawn.clear()

AccountsTable.render_lines = rows_painted
type(app)._display = frame_shown

async def ready(pilot):
    while not painted:
        await pilot.pause(0.005)
    usable = painted[0] - float(sys.argv[1])
    while not app.book_complete:  # type in the steady state, as a user mostly does
        await pilot.pause(0.01)
    screen = app.screen
    if CONDITION:  # imported here, as importing it at start held the app back ~0.8 s
        from core.accounts.field_views import parse_condition
        name, _, value = CONDITION.partition(" ")
        where = screen.where
        from dataclasses import replace
        condition = parse_condition(screen.custom_fields(), name, value)
        screen.apply_filter(replace(where, fields=(condition,)))
        while screen._missing_fields():
            await pilot.pause(0.01)
        await pilot.pause()
    await pilot.press("slash")
    keys, frames = [], []
    table = screen.query_one(AccountsTable)
    for char in WORD:
        shown.clear()
        before_key.append(table.backend.data)
        start = time.perf_counter()
        await pilot.press(char)
        await pilot.pause()
        keys.append(time.perf_counter() - start)
        frames.append(shown[0] - start)
    print(json.dumps({"usable_s": usable, "keys_s": keys, "frames_s": frames,
                      "rows": screen.total, "shown": screen.shown}))
    pilot.app.exit()

app.run(headless=True, size=(160, 50), auto_pilot=ready)
"""


def build(path: Path, accounts: int, fields: int) -> None:
    """The book: ``accounts`` accounts from the generator, and ``fields`` custom
    fields with a value for every account."""
    import polars as pl

    from core.store.bulk import bulk_insert
    from core.store.db import open_engine, sqlite_url
    from sample_data.generator import generate_into
    from sample_data.generator.story import Spec

    engine = open_engine(sqlite_url(path))
    started = time.perf_counter()
    generate_into(engine, Spec(accounts=accounts, days=90, interactions_per_year=12.0))
    names = ["Plan tier", "Tenure", "Total charges"] + [f"Field {n}" for n in range(4, fields + 1)]
    kinds = ["choice", "number", "money"] + [TYPES[n % len(TYPES)] for n in range(3, fields)]
    tiers = ["Bronze", "Silver", "Gold", "Platinum"]
    definitions = pl.DataFrame(
        {
            "id": range(1, fields + 1),
            "key": [name.lower().replace(" ", "") for name in names],
            "name": names,
            "label": names,
            "type": kinds,
            "choices": [json.dumps(tiers) if kind == "choice" else None for kind in kinds],
            "position": range(fields),
        }
    )
    bulk_insert(engine, "custom_field", definitions)
    ids = pl.int_range(1, accounts + 1, eager=True).alias("account_id")
    for field_id, kind in enumerate(kinds, start=1):
        n = pl.col("account_id")
        value = {
            "choice": pl.lit(tiers).list.get(n % 4),
            "number": (n * 7 % 72).cast(pl.String),
            "money": pl.format("{}.{}", n * 13 % 9000, (n % 90 + 10).cast(pl.String)),
            "yes_no": pl.when(n % 3 == 0).then(pl.lit("yes")).otherwise(pl.lit("no")),
            "date": (pl.lit(20_000) + n % 900).cast(pl.Date).dt.strftime("%Y-%m-%d"),
            "text": pl.format("note {}", n * field_id),
        }[kind].alias("value")
        frame = ids.to_frame().select(pl.lit(field_id).alias("field_id"), "account_id", value)
        bulk_insert(engine, "account_field_value", frame)
    engine.dispose()
    print(
        f"built {accounts:,} accounts with {fields} custom fields "
        f"({accounts * fields:,} values) in {time.perf_counter() - started:.0f} s"
    )


def run_list(url: str, config_dir: Path, word: str, fields: int, condition: str) -> dict:
    env = {**__import__("os").environ, "XDG_CONFIG_HOME": str(config_dir)}
    result = subprocess.run(
        [sys.executable, "-c", LIST, str(time.time()), url, word, str(fields), condition],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="the book (built if missing)")
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--fields", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--word", default="harbor", help="what to type in the search")
    args = parser.parse_args()
    if not args.db.exists():
        build(args.db, args.accounts, args.fields)
    from core.store.db import sqlite_url

    url = sqlite_url(args.db)
    variants = {
        "no field column": ([], ""),
        "3 field columns": (CHOSEN, ""),
        "3 field columns, tenure >= 12": (CHOSEN, "tenure >=12"),
    }
    figures: dict[str, tuple[float, float, float, int]] = {}
    with tempfile.TemporaryDirectory() as folder:
        config_dir = Path(folder)
        (config_dir / "cxtui").mkdir()
        for label, (chosen, condition) in variants.items():
            columns = json.dumps(["name", "mrr", "health", "renewal", *chosen])
            (config_dir / "cxtui" / "config.toml").write_text(
                f'user = "Bench"\n[accounts_list]\ncolumns = {columns}\n', encoding="utf-8"
            )
            runs = [
                run_list(url, config_dir, args.word, len(chosen), condition)
                for _ in range(args.runs)
            ]
            keys = [key for run in runs for key in run["frames_s"]]
            trips = [key for run in runs for key in run["keys_s"]]
            usable = statistics.median(run["usable_s"] for run in runs)
            figures[label] = (
                usable,
                (statistics.median(keys), max(keys)),
                (statistics.median(trips), max(trips)),
                runs[0]["rows"],
            )
    base_usable, (base_key, _), _, rows = figures["no field column"]
    print(f"database: {args.db} ({rows:,} accounts, median of {args.runs} runs each)")
    for label, (usable, (key, worst), (trip, worst_trip), _) in figures.items():
        print(
            f"{label:32} list usable {usable:.3f} s ({usable / base_usable:.2f}x; goal at L "
            f"<= 1.5 s), keystroke to the frame median {key * 1000:.0f} ms "
            f"({key / base_key:.2f}x), worst {worst * 1000:.0f} ms (goal <= 150 ms); "
            f"Pilot round trip median {trip * 1000:.0f} ms, worst {worst_trip * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
