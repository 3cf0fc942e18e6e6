"""How fast ``cxtui copy`` moves a whole book, against SQLite's own copy of the file.

    .venv/bin/python benchmarks/book_copy.py --db /tmp/M.db            # a book you have
    .venv/bin/python benchmarks/book_copy.py --size M                  # generated first
    .venv/bin/python benchmarks/book_copy.py --db /tmp/M.db --postgres postgresql://...

Each round copies the book SQLite to SQLite with ``core.store.book_copy.copy_book``
(into a new file: migrated, then a page copy of the book by SQLite, checked), and a
copy of the book whose schema is apart from the migrated one (an index more: copied
table by table, INSERT ... SELECT, then checked), and with two baselines, all
alternated so that the machine's load falls on each alike: SQLite's ``VACUUM INTO``
(a page-level copy of the file, no value looked at: a ceiling, not a rival), and SQLite
alone copying the
rows, ``INSERT INTO t SELECT * FROM source.t`` per table through ``ATTACH`` in one
transaction into a migrated file (its migration not timed; no check, no progress;
every index kept up to date as the rows go in). With --postgres (an
empty database; each round gets a schema of its own, dropped after) it also copies
SQLite to PostgreSQL. Prints rows/s of each, per round and the best, and the CPU time
this process used (all its threads; not the PostgreSQL server's): on a machine busy
with other work the wall-clock time says more about the others than about the copy.
(Not named copy.py: run as a script, that would stand in for the standard library's
``copy`` module, which ``dataclasses`` imports.)
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.store.book_copy import copy_book
from core.store.db import normalise_url, open_engine, sqlite_url


def book_rows(path: Path) -> int:
    """The rows of every table of the book (not alembic_version), by plain SQL."""
    with sqlite3.connect(path) as connection:
        names = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
            )
        ]
        total = sum(connection.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names)
    connection.close()
    return total


def copy_seconds(source: Path, dest_url: str) -> float:
    engine = open_engine(sqlite_url(source))
    try:
        started = time.perf_counter()
        copy_book(engine, dest_url)
        return time.perf_counter() - started
    finally:
        engine.dispose()


def vacuum_into_seconds(source: Path, dest: Path) -> float:
    started = time.perf_counter()
    with sqlite3.connect(source) as connection:
        connection.execute("VACUUM INTO ?", (str(dest),))
    connection.close()
    return time.perf_counter() - started


def insert_select_seconds(source: Path, dest: Path) -> float:
    open_engine(sqlite_url(dest)).dispose()  # migrated, as cxtui copy's DEST is
    with sqlite3.connect(dest, isolation_level=None) as connection:
        names = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
            )
        ]
        started = time.perf_counter()
        connection.execute("PRAGMA foreign_keys=OFF")
        connection.execute("ATTACH DATABASE ? AS source", (str(source),))
        connection.execute("BEGIN IMMEDIATE")
        for name in names:
            columns = ", ".join(
                f'"{row[1]}"' for row in connection.execute(f'PRAGMA main.table_info("{name}")')
            )
            connection.execute(
                f'INSERT INTO main."{name}" ({columns}) SELECT {columns} FROM source."{name}"'
            )
        connection.execute("COMMIT")
        elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def with_schema_apart(source: Path, directory: Path) -> Path:
    """A copy of the book with one index more than a book migrated by this cxtui: its
    copy cannot be a page copy of the file, and goes by INSERT ... SELECT."""
    apart = directory / "apart.db"
    vacuum_into_seconds(source, apart)
    with sqlite3.connect(apart) as connection:
        connection.execute("CREATE INDEX benchmark_apart ON account (name)")
        connection.execute("PRAGMA journal_mode=WAL")
    connection.close()
    return apart


def postgres_seconds(source: Path, server: str) -> float:
    """A copy into a new schema of ``server``, dropped afterwards."""
    schema = f"copy_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(server))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(normalise_url(server)).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        return copy_seconds(source, url.render_as_string(hide_password=False))
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def generated(directory: Path, size: str) -> Path:
    from sample_data.generator import generate_into

    path = directory / f"{size}.db"
    engine = open_engine(sqlite_url(path))
    try:
        generate_into(engine, size)
    finally:
        engine.dispose()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="The book to copy (a SQLite file).")
    parser.add_argument("--size", default="M", help="Generate S, M or L when --db is not given.")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--postgres", help="An empty PostgreSQL database to copy into too.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as temp:
        directory = Path(temp)
        source = args.db or generated(directory, args.size.upper())
        rows = book_rows(source)
        apart = with_schema_apart(source, directory)
        print(
            f"{source}: {rows:,} rows; load average {os.getloadavg()[0]:.1f} on"
            f" {os.cpu_count()} CPUs (a busy machine slows both sides alike: they alternate)"
        )
        sides: dict[str, Callable[[int], float]] = {
            "cxtui copy, SQLite -> SQLite": lambda n: copy_seconds(
                source, sqlite_url(directory / f"copy{n}.db")
            ),
            "cxtui copy, schema apart": lambda n: copy_seconds(
                apart, sqlite_url(directory / f"apart{n}.db")
            ),
            "VACUUM INTO (baseline)": lambda n: vacuum_into_seconds(
                source, directory / f"vacuum{n}.db"
            ),
            "INSERT ... SELECT (baseline)": lambda n: insert_select_seconds(
                source, directory / f"insert{n}.db"
            ),
        }
        if args.postgres:
            sides["cxtui copy, SQLite -> PostgreSQL"] = lambda _n: postgres_seconds(
                source, args.postgres
            )
        best: dict[str, float] = {}
        best_cpu: dict[str, float] = {}
        for round_number in range(args.rounds):
            for name, run in sides.items():
                cpu = time.process_time()
                seconds = run(round_number)
                cpu = time.process_time() - cpu
                best[name] = min(best.get(name, seconds), seconds)
                best_cpu[name] = min(best_cpu.get(name, cpu), cpu)
                rate = rows / seconds
                print(
                    f"round {round_number + 1}  {name:<34}{seconds:>8.1f} s{rate:>12,.0f} rows/s"
                    f"   this process's CPU {cpu:.1f} s"
                )
                for leftover in directory.glob(f"*{round_number}.db*"):
                    leftover.unlink()
        print("best:")
        for name, seconds in best.items():
            print(
                f"  {name:<34}{seconds:>8.2f} s{rows / seconds:>12,.0f} rows/s"
                f"   CPU {best_cpu[name]:.2f} s"
            )
        for copy in ("cxtui copy, SQLite -> SQLite", "cxtui copy, schema apart"):
            for baseline in ("VACUUM INTO (baseline)", "INSERT ... SELECT (baseline)"):
                print(
                    f"{copy} takes {best[copy] / best[baseline]:.2f}x the time of {baseline}"
                    f" ({best_cpu[copy] / max(best_cpu[baseline], 1e-3):.2f}x its CPU time)"
                )


if __name__ == "__main__":
    main()
