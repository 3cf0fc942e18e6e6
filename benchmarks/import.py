"""Import speed and memory: N interactions (1M by default, size M) from a CSV file
into a book of 10k accounts, against an ORM baseline (one SQLModel object per row)
on a slice of the same file, in the same run.

    .venv/bin/python benchmarks/import.py [--rows 1000000] [--orm-rows 20000] [--keep DIR]
        [--book M.db] [--runs 3]

By default the book has no interactions yet. ``--book`` imports into a copy of a
generated book instead (``cxtui generate --size M``: 1M interactions stored), with
the file's dates overlapping the stored ones, so every row is looked up among them.

Each import runs in a child process on a fresh copy of the book, so its peak memory
(max RSS) is the import's alone, not the generator's. Prints each run, then the
median's rows/s, the largest peak memory and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.store.bulk import bulk_insert
from core.store.db import open_engine, sqlite_url

KINDS = ["call", "email", "meeting", "qbr", "note"]
START = datetime(2023, 1, 1)
CHILD = """
import json, resource, sys, time
import core.importing as importing
from core.store.db import open_engine, sqlite_url
from core.importing import ImportOptions, import_file
from pathlib import Path
spent = [0.0]
reconcile = importing.reconcile
def timed(*args):  # the reconciliation's share of the import
    begun = time.perf_counter()
    try:
        return reconcile(*args)
    finally:
        spent[0] += time.perf_counter() - begun
importing.reconcile = timed
engine = open_engine(sqlite_url(Path(sys.argv[1])))
started = time.perf_counter()
result = import_file(engine, "interactions", sys.argv[2], ImportOptions(user="bench"))
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"rows": result.inserted, "seconds": seconds, "peak_bytes": peak,
                  "reconcile_seconds": spent[0]}))
"""


def make_book(path: Path, accounts: int) -> list[str]:
    engine = open_engine(sqlite_url(path))
    ids = [f"ACC-{i:06d}" for i in range(accounts)]
    bulk_insert(
        engine,
        "account",
        pl.DataFrame(
            {
                "external_id": ids,
                "name": [f"Account {i}" for i in range(accounts)],
                "segment": "SMB",
                "plan": "Pro",
                "owner": "Ann Lee",
                "start_date": date(2023, 1, 1),
            }
        ),
    )
    engine.dispose()
    return ids


def make_csv(path: Path, rows: int, ids: list[str], start: datetime, seed: int = 7) -> None:
    """A CRM-style export over the two years from ``start``: account id, type, date
    and time, subject, sentiment."""
    random.seed(seed)
    n = pl.int_range(rows, eager=True)
    pl.DataFrame(
        {
            "Account ID": pl.Series([random.choice(ids) for _ in range(rows)]),
            "Type": pl.Series([random.choice(KINDS) for _ in range(rows)]),
            "seconds": pl.Series([random.randrange(63_072_000) for _ in range(rows)]),
            "n": n,
        }
    ).select(
        "Account ID",
        "Type",
        (pl.lit(start) + pl.duration(seconds=pl.col("seconds")))
        .dt.strftime("%Y-%m-%d %H:%M:%S")
        .alias("Date"),
        pl.format("Touch point #{}", pl.col("n")).alias("Subject"),
        (pl.col("n") % 3 - 1).cast(pl.String).alias("Sentiment"),
    ).write_csv(path)


def copy_book(source: Path, target: Path) -> tuple[list[str], datetime]:
    """A copy of a generated book (at the current schema), its accounts' external ids
    and a start two years before its newest interaction, so that the file's two years
    overlap the stored ones and end with them (an interaction dated after now is one
    planned, left out by the import)."""
    shutil.copyfile(source, target)
    open_engine(sqlite_url(target)).dispose()  # migrates the copy to the current schema
    with sqlite3.connect(target) as connection:
        ids = [row[0] for row in connection.execute("SELECT external_id FROM account")]
        newest = connection.execute("SELECT max(occurred_at) FROM interaction").fetchone()[0]
        stored = connection.execute("SELECT count(*) FROM interaction").fetchone()[0]
    start = datetime.fromisoformat(newest[:10]) - timedelta(days=730) if newest else START
    print(f"Book {source}: {len(ids):,} accounts, {stored:,} interactions stored")
    return ids, start


def orm_baseline(db: Path, csv_path: Path, rows: int) -> float:
    """rows/s of the obvious way: csv.DictReader, one Interaction object per row."""
    from sqlmodel import Session, select

    from core.models import Account, Interaction

    engine = open_engine(sqlite_url(db))
    started = time.perf_counter()
    with Session(engine) as session:
        ids = dict(session.exec(select(Account.external_id, Account.id)).all())
        with csv_path.open(newline="") as handle:
            for i, row in enumerate(csv.DictReader(handle)):
                if i >= rows:
                    break
                session.add(
                    Interaction(
                        account_id=ids[row["Account ID"]],
                        kind=row["Type"].lower(),
                        occurred_at=datetime.fromisoformat(row["Date"]).replace(tzinfo=UTC),
                        summary=row["Subject"],
                        sentiment=int(row["Sentiment"]),
                        logged_by="bench",
                    )
                )
        session.commit()
    seconds = time.perf_counter() - started
    engine.dispose()
    return rows / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--orm-rows", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, help="Keep the files in this folder.")
    parser.add_argument("--runs", type=int, default=3, help="Imports timed (the median counts).")
    parser.add_argument(
        "--book",
        type=Path,
        help="Import into a copy of this database (e.g. made by `cxtui generate --size M`)"
        " instead of a book of --accounts accounts and no interactions.",
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be 1 or more")
    if args.book and not args.book.is_file():
        parser.error(f"--book {args.book}: no such file")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="cxtui-import-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    template, book, baseline_book = folder / "book0.db", folder / "book.db", folder / "orm.db"
    for path in (template, book, baseline_book):
        _remove_database(path)
    csv_path = folder / "interactions.csv"

    if args.book:
        ids, start = copy_book(args.book, template)
    else:
        ids, start = make_book(template, args.accounts), START
    shutil.copyfile(template, baseline_book)
    print(f"Writing {args.rows:,} interactions for {len(ids):,} accounts to {csv_path}")
    make_csv(csv_path, args.rows, ids, start)

    orm_rate = orm_baseline(baseline_book, csv_path, args.orm_rows)
    print(f"ORM baseline ({args.orm_rows:,} rows): {orm_rate:,.0f} rows/s")

    runs = []
    for number in range(1, args.runs + 1):
        _remove_database(book)
        shutil.copyfile(template, book)
        runs.append(import_once(book, csv_path))
        rate = runs[-1]["rows"] / runs[-1]["seconds"]
        print(
            f"  run {number}: {runs[-1]['rows']:,} rows in {runs[-1]['seconds']:.2f} s"
            f" = {rate:,.0f} rows/s; load average {os.getloadavg()[0]:.1f}"
        )
    median = statistics.median(run["seconds"] for run in runs)
    rate = runs[0]["rows"] / median
    peak_mb = max(run["peak_bytes"] for run in runs) / 1e6
    print(
        f"cxtui import: {runs[0]['rows']:,} rows in {median:.2f} s (median of {len(runs)})"
        f" = {rate:,.0f} rows/s, peak memory {peak_mb:,.0f} MB;"
        f" {rate / orm_rate:.1f}x the ORM baseline; {os.cpu_count()} CPUs"
        " (goals: >= 200,000 rows/s; 5M rows under 1,500 MB)"
    )
    reconciled = statistics.median(run["reconcile_seconds"] for run in runs)
    print(
        f"reconciliation (totals, dates, assumptions): {reconciled * 1000:,.0f} ms median,"
        f" {reconciled / median * 100:.1f} % of the import (goal: under 5 %)"
    )
    print(f"(file {csv_path.stat().st_size / 1e6:,.0f} MB)")


def import_once(book: Path, csv_path: Path) -> dict[str, float]:
    """One import in a child process (its own peak memory), after the files just
    written have gone to disk (so that they do not compete with the import's syncs)."""
    os.sync()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(book), str(csv_path)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        check=True,
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
