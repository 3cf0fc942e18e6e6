"""How fast the bulk write path loads a generated dataset, against the ORM.

    .venv/bin/python benchmarks/load.py --size M

Generates the dataset of that size into a fresh SQLite file in a temporary
directory, timing generation (building the frames) and writing (``bulk_insert``)
separately, then writes a slice of interactions through SQLModel ``add_all`` into
another fresh file as the baseline, and prints rows/s of both and their ratio.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter
from datetime import UTC
from pathlib import Path

import polars as pl
from sqlmodel import Session

from core.models import Interaction
from core.store.bulk import bulk_insert, deferred_indexes
from core.store.db import open_engine, sqlite_url
from sample_data.book import TABLES
from sample_data.generator import SIZES, generate

BASELINE_ROWS = 20_000


def bulk_load(directory: Path, size: str) -> tuple[Counter[str], Counter[str], float, pl.DataFrame]:
    """Rows and write seconds per table, generation seconds, and a slice of interactions."""
    engine = open_engine(sqlite_url(directory / "bulk.db"))
    rows: Counter[str] = Counter()
    seconds: Counter[str] = Counter()
    sample: list[pl.DataFrame] = []

    def write(table: str, frame: pl.DataFrame) -> None:
        started = time.perf_counter()
        bulk_insert(engine, table, frame)
        seconds[table] += time.perf_counter() - started
        rows[table] += frame.height
        if table == "interaction" and sum(f.height for f in sample) < BASELINE_ROWS:
            sample.append(frame)

    started = time.perf_counter()
    with deferred_indexes(engine, TABLES):
        generate(SIZES[size], write)
        index_started = time.perf_counter()
    seconds["(index rebuild)"] = time.perf_counter() - index_started
    total = time.perf_counter() - started
    generation = total - sum(seconds.values())
    engine.dispose()
    return rows, seconds, generation, pl.concat(sample).head(BASELINE_ROWS)


def orm_load(directory: Path, interactions: pl.DataFrame) -> float:
    """Seconds to write the interactions (and their accounts, not timed) through the ORM."""
    source = open_engine(sqlite_url(directory / "bulk.db"))
    engine = open_engine(sqlite_url(directory / "orm.db"))
    from sqlmodel import select

    from core.models import Account, Contact

    with Session(source) as session:
        accounts = [a.model_dump() for a in session.exec(select(Account)).all()]
        contacts = [c.model_dump() for c in session.exec(select(Contact)).all()]
    with Session(engine) as session:
        session.add_all([Account(**a) for a in accounts] + [Contact(**c) for c in contacts])
        session.commit()
    records = interactions.drop("id").to_dicts()
    for record in records:
        for key in ("occurred_at", "created_at"):
            record[key] = record[key].replace(tzinfo=UTC)
    started = time.perf_counter()
    with Session(engine) as session:
        session.add_all([Interaction(**record) for record in records])
        session.commit()
    elapsed = time.perf_counter() - started
    source.dispose()
    engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="M", choices=[s for s in SIZES if s != "demo"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        rows, seconds, generation, sample = bulk_load(directory, args.size)
        baseline = orm_load(directory, sample)
    print(
        f"Size {args.size}: generation {generation:.1f} s (not part of the write path); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"{'table':<18}{'rows':>12}{'seconds':>10}{'rows/s':>12}")
    for table in TABLES:
        if rows[table]:
            rate = rows[table] / seconds[table]
            print(f"{table:<18}{rows[table]:>12,}{seconds[table]:>10.2f}{rate:>12,.0f}")
    print(f"{'(index rebuild)':<18}{'':>12}{seconds['(index rebuild)']:>10.2f}")
    total_rows = sum(rows.values())
    total_seconds = sum(seconds.values())
    bulk_rate = total_rows / total_seconds
    orm_rate = len(sample) / baseline
    print(f"{'total':<18}{total_rows:>12,}{total_seconds:>10.2f}{bulk_rate:>12,.0f}")
    print(
        f"ORM add_all baseline: {len(sample):,} interactions in {baseline:.2f} s"
        f" = {orm_rate:,.0f} rows/s"
    )
    print(f"bulk / ORM: {bulk_rate / orm_rate:.0f}x (goal: >= 200,000 rows/s and >= 30x)")


if __name__ == "__main__":
    main()
