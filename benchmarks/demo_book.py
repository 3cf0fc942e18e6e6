"""The book a benchmark runs on: the one given, else the demo book written by the
installed ``cxtui demo`` into a scratch folder, or a generated size kept in the
temporary directory for the next run."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

CXTUI = Path(sys.executable).with_name("cxtui")


def given_or_demo(db: Path | None, folder: Path) -> Path:
    """``db`` as an absolute path, or the demo book written into ``folder``."""
    if db is None:
        db = folder / "demo.db"
        subprocess.run([str(CXTUI), "demo", "--db", str(db)], check=True, capture_output=True)
    return db.resolve()


def generated(size: str, db: Path | None, benchmark: str) -> Engine:
    """The engine of ``db``, or of the book of ``size`` generated for ``benchmark``
    into the temporary directory the first time (kept for the next run)."""
    from core.store.db import open_engine, sqlite_url
    from sample_data.generator import generate_into

    path = db or Path(tempfile.gettempdir()) / f"cxtui-bench-{benchmark}-{size}.db"
    fresh = not path.exists()
    engine = open_engine(sqlite_url(path))
    if fresh:
        started = time.perf_counter()
        print(f"Generating size {size} into {path} ...", flush=True)
        generate_into(engine, size)
        print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
    return engine


def book_options(doc: str) -> argparse.ArgumentParser:
    """The options of a benchmark on a generated book (``generated``): --size (any but
    the demo's) and --db; the benchmark adds its own."""
    from sample_data.generator import SIZES

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--size", default="M", choices=[s for s in SIZES if s != "demo"])
    parser.add_argument("--db", type=Path, help="an existing or new SQLite file for the dataset")
    return parser


def database_options(doc: str, whose: str) -> argparse.ArgumentParser:
    """The options of a benchmark on a given M database: --db (only read), --today
    (``whose`` date: "the app's") and --runs."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="an M database (only read)")
    parser.add_argument("--today", default=None, help=f"{whose} date (default: today)")
    parser.add_argument("--runs", type=int, default=3)
    return parser
