"""The figures of issue #19 side by side, in one table: cxtui beside a bare Textual
app, harlequin (a Textual SQL IDE) and DuckDB, measured in the same run.

    .venv/bin/pip install -e '.[bench]'      # DuckDB and its sqlite extension, once
    .venv/bin/python benchmarks/compare.py [--runs 3] [--db-s|--db-m|--db-l PATH] [--scratch DIR]

The demo book (written by ``cxtui demo`` into a scratch folder) is always measured;
a generated book of each size given (``cxtui generate --size M --db PATH``, ~2 min;
L ~6 min) is measured too, on a copy in the scratch folder: the given files are never
written to (the app and ``cxtui health --recompute`` write health scores), and the
copies are deleted at the end. Figures are medians of --runs, the sides taking turns
in each round after a first round that is not counted (startup.py's ``alternated``);
the load average before and after is printed with them. The rows:

- first frame (demo book): the installed ``cxtui`` in a real 160x50 pty until its
  header is drawn, beside a bare Textual app (startup.py). Goal <= 1.2x.
- ready (each book): until the dashboard's tiles have their numbers and its at-risk
  and renewals lists their rows (startup.py's mark), beside ``harlequin -a sqlite
  FILE`` until its data catalog is drawn (the database, whose tables it lists when
  opened) and it says the database is connected; it reads no table's rows before a
  query, so its time hardly depends on the book, and it keeps its catalog cache from
  run to run (in the scratch folder), as for a returning user. Goal <= 1.0x on the
  demo book and M.
- exit after q (demo book): from the key until the process has ended, beside the
  bare app. Goal <= 1.2x.
- ``cxtui metrics --json`` (each book), the whole process, beside a fresh Python
  process in which DuckDB reads the same SQLite file and computes the month's figures
  (duckdb_metrics.py) (customers, churn, MRR and its movements, GRR, NRR, NPS, CSAT,
  support, purchases, renewals: 26 of cxtui's 54); every one of those is checked
  against cxtui's JSON, and a difference is printed with both values. The month is
  the one of the book's last day of data (a generated book ends on 2026-11-30).
  DuckDB reads the file through its sqlite extension (``ATTACH ... (TYPE sqlite)``),
  installed from the ``duckdb-extension-sqlite-scanner`` package (DuckDB would
  otherwise download it); without the extension, through Python's sqlite3 into Arrow
  tables; the output says which. Goal <= 1.5x at M and L.
- metrics engine (each book): ``compute_metrics`` for the month + ``monthly_series``
  of 12 months, in this process (metrics.py's ``engine_run``), with the cost per
  account. Goal <= 1.5 s at L.
- ``cxtui health --recompute`` (each book), the whole process. Goal <= 1.5 s at M.
- peak memory (each book): the app's peak resident memory (VmHWM) on its first start
  on a book whose today's health scores are missing, read once it has recomputed
  them and gone idle, before q; beside harlequin's once its catalog is drawn and it
  is idle. Goals <= 250 MB at M, <= 400 MB at L.

Skipped, with a line saying why: the DuckDB side when DuckDB is not installed (``pip
install -e '.[bench]'``) or fails; the harlequin side when it cannot be installed (it goes into
its own virtualenv, ~/.cache/cxtui-bench/harlequin-venv, made on first use: in
cxtui's, pip would move textual-fastdatatable and click from under the app); the rows
of a size whose book is not given.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.demo_book import CXTUI, given_or_demo
from benchmarks.metrics import engine_run
from benchmarks.startup import (
    BARE_MARKS,
    CXTUI_MARKS,
    alternated,
    bare_command,
    cxtui_command,
    medians,
    pty_env,
    run_in_pty,
)
from core.store.db import open_engine, sqlite_url

BENCH_CACHE = Path.home() / ".cache" / "cxtui-bench"
HARLEQUIN_VENV = BENCH_CACHE / "harlequin-venv"
DUCKDB_EXTENSIONS = BENCH_CACHE / "duckdb-extensions"
DUCKDB_SCRIPT = Path(__file__).with_name("duckdb_metrics.py")
INSTALL_BENCH = ".venv/bin/pip install -e '.[bench]'"
HARLEQUIN_MARKS = {
    "first frame": b"Data Catalog",
    "catalog": b"main db",  # the catalog's database, drawn once it has been read
    "connected": b"Database Connected",
}
IDLE_SHARE = 0.05  # settled: under 5 % of a CPU over the last second
SIZES = ("S", "M", "L")  # of cxtui generate; the demo book is always measured
MEMORY_GOALS_MB = {"M": 250.0, "L": 400.0}


@dataclass(frozen=True)
class Goal:
    """At most ``limit``, of the ratio cxtui / side by side (``of_ratio``), else of
    cxtui's own figure."""

    limit: float
    of_ratio: bool = False


@dataclass(frozen=True)
class Row:
    """One line of the table; ``ours`` None: not measured (``note`` says why)."""

    measure: str
    ours: float | None
    unit: str = "s"
    theirs: float | None = None
    beside: str = ""  # who the side by side is: "bare Textual app", "harlequin"...
    goal: Goal | None = None
    extra: str = ""  # after cxtui's figure, e.g. the cost per account
    note: str = ""  # instead of the side by side, when it is skipped


def ratio(ours: float | None, theirs: float | None) -> float | None:
    """ours / theirs, None when either is missing or theirs is 0."""
    if ours is None or not theirs:
        return None
    return ours / theirs


def goal_met(row: Row) -> bool | None:
    """Whether the row meets its goal, judged on the figure as the table shows it
    (1.204x is "1.20x", which meets "<= 1.2x"); None without a goal or a figure."""
    if row.goal is None:
        return None
    value = ratio(row.ours, row.theirs) if row.goal.of_ratio else row.ours
    if value is None:
        return None
    shown = round(value) if row.unit == "MB" and not row.goal.of_ratio else round(value, 2)
    return shown <= row.goal.limit


def figure(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:.2f} {unit}"


def goal_text(goal: Goal | None, unit: str) -> str:
    if goal is None:
        return ""
    if goal.of_ratio:
        return f"<= {goal.limit:.1f}x"
    return f"<= {goal.limit:.0f} MB" if unit == "MB" else f"<= {goal.limit:.1f} {unit}"


def cells(row: Row) -> list[str]:
    """The row's cells: measure, cxtui, side by side, ratio, goal, met?."""
    ours = "skipped" if row.ours is None else figure(row.ours, row.unit)
    if row.extra:
        ours += f" ({row.extra})"
    if row.theirs is not None:
        beside = f"{row.beside} {figure(row.theirs, row.unit)}".strip()
    else:
        beside = row.note or ("" if not row.beside else f"{row.beside}: skipped")
    share = ratio(row.ours, row.theirs)
    met = goal_met(row)
    verdict = "" if row.goal is None else "?" if met is None else "yes" if met else "NO"
    return [
        row.measure,
        ours,
        beside,
        "" if share is None else f"{share:.2f}x",
        goal_text(row.goal, row.unit),
        verdict,
    ]


def format_table(rows: list[Row]) -> str:
    """The rows as a Markdown table, its columns aligned."""
    header = ["measure", "cxtui", "side by side", "ratio", "goal", "met?"]
    lines = [header, *(cells(row) for row in rows)]
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]

    def joined(line: list[str]) -> str:
        return (
            "| "
            + " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
            + " |"
        )

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([joined(header), rule, *(joined(line) for line in lines[1:])])


def differing(ours: dict[str, object], theirs: dict[str, object]) -> list[str]:
    """The figures of ``theirs`` that differ from ``ours`` (beyond a cent, or float
    rounding), said with both values."""
    found = []
    for key, value in theirs.items():
        mine = ours.get(key)
        if isinstance(mine, int | float) and isinstance(value, int | float):
            same = abs(mine - value) <= 0.005 + 1e-9 * abs(value)
        else:
            same = mine == value
        if not same:
            found.append(f"{key}: cxtui {mine}, DuckDB {value}")
    return found


# -- DuckDB --------------------------------------------------------------------------


def duckdb_way() -> tuple[str | None, str]:
    """How DuckDB will read the SQLite file ("extension" or "arrow"), said in words;
    None when DuckDB is not installed."""
    try:
        import duckdb
    except ImportError:
        return None, f"not installed ({INSTALL_BENCH})"
    connection = duckdb.connect()
    connection.execute(f"SET extension_directory = '{DUCKDB_EXTENSIONS}'")
    connection.execute("SET autoinstall_known_extensions = false")  # no download on LOAD
    try:
        connection.execute("LOAD sqlite_scanner")  # installed by an earlier run
    except duckdb.Error:
        install_sqlite_extension(connection)
    try:
        connection.execute("LOAD sqlite_scanner")
    except duckdb.Error as error:
        reason = str(error).splitlines()[0]
        return "arrow", (
            f"DuckDB {duckdb.__version__}; the tables read with Python's sqlite3 into Arrow,"
            f" as its sqlite extension could not be loaded ({reason}; {INSTALL_BENCH})"
        )
    return "extension", (
        f"DuckDB {duckdb.__version__}, reading the SQLite file through its sqlite extension"
        " (ATTACH ... (TYPE sqlite))"
    )


def install_sqlite_extension(connection: Any) -> None:
    """Install DuckDB's sqlite extension into DUCKDB_EXTENSIONS: from the
    duckdb-extension-sqlite-scanner package, else from DuckDB's own repository (which
    needs the network). A failure is said; loading the extension then fails too."""
    import duckdb

    try:
        from duckdb_extensions import import_extension

        import_extension("sqlite_scanner", con=connection)
    except ImportError:  # not installed: DuckDB downloads it
        try:
            connection.execute("INSTALL sqlite_scanner")
        except duckdb.Error as error:
            print(f"DuckDB's sqlite extension could not be downloaded: {error}".splitlines()[0])
    except duckdb.Error as error:  # e.g. a package for another DuckDB version
        print(f"DuckDB's sqlite extension could not be installed: {error}".splitlines()[0])


# -- harlequin -----------------------------------------------------------------------


def harlequin() -> tuple[Path | None, str]:
    """The harlequin command and its version, installed into its own virtualenv on
    first use; None and why when it cannot be."""
    command = HARLEQUIN_VENV / "bin" / "harlequin"
    if not command.exists():
        print(f"Installing harlequin into {HARLEQUIN_VENV} (first use, ~30 s) ...", flush=True)
        made = subprocess.run(
            [sys.executable, "-m", "venv", str(HARLEQUIN_VENV)], capture_output=True, text=True
        )
        if made.returncode == 0:
            pip = HARLEQUIN_VENV / "bin" / "pip"
            made = subprocess.run(
                [str(pip), "install", "--quiet", "harlequin"], capture_output=True, text=True
            )
        if made.returncode != 0 or not command.exists():
            said = (made.stderr.strip().splitlines() or ["no message"])[-1]
            return None, f"harlequin could not be installed into {HARLEQUIN_VENV}: {said}"
    version = subprocess.run([str(command), "--version"], capture_output=True, text=True)
    return command, (version.stdout.strip().splitlines() or ["harlequin"])[0]


def harlequin_command(command: Path, db: Path) -> list[str]:
    # its defaults (no profile), numbers as in the C locale (else it warns in a modal)
    return [str(command), "-P", "None", "-a", "sqlite", "--locale", "C", str(db)]


# -- the books -----------------------------------------------------------------------


def copied(book: Path, folder: Path) -> Path:
    """A copy of ``book`` (with its write-ahead log, if any) in ``folder``."""
    copy = folder / f"{book.stem}-copy.db"
    shutil.copyfile(book, copy)
    wal = book.with_name(book.name + "-wal")
    if wal.exists():
        shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
    return copy


def read_only(book: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{book}?mode=ro", uri=True)


def facts(book: Path) -> tuple[date, int]:
    """The book's last day of data (of its daily usage; today at the latest), and how
    many accounts it has."""
    with read_only(book) as connection:
        (day,) = connection.execute("SELECT max(day) FROM daily_usage").fetchone()
        (accounts,) = connection.execute("SELECT count(*) FROM account").fetchone()
    connection.close()
    return min(date.fromisoformat(day), date.today()) if day else date.today(), int(accounts)


def forget_todays_health(book: Path) -> None:
    """Delete today's health scores from ``book`` (a copy), so the app's next start
    recomputes them, as on the first start of a day."""
    with sqlite3.connect(book) as connection:
        connection.execute("DELETE FROM health_snapshot WHERE day = ?", [date.today().isoformat()])
    connection.close()


def has_todays_health(book: Path) -> bool:
    with read_only(book) as connection:
        found = connection.execute(
            "SELECT 1 FROM health_snapshot WHERE day = ? LIMIT 1", [date.today().isoformat()]
        ).fetchone()
    connection.close()
    return found is not None


def cpu_seconds(pid: int) -> float:
    """The CPU time the process has used (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Settled:
    """Says of a process id whether it is idle: under IDLE_SHARE of a CPU over the last
    second (and ``also()``, when given, holds)."""

    def __init__(self, also: Callable[[], bool] | None = None) -> None:
        self.also = also
        self.seen: list[tuple[float, float]] = []
        self.done = False  # it has said so once

    def __call__(self, pid: int) -> bool:
        now = time.perf_counter()
        if self.seen and now - self.seen[-1][0] < 0.1:
            return False
        self.seen.append((now, cpu_seconds(pid)))
        earlier = [seen for seen in self.seen if now - seen[0] >= 1.0]
        if not earlier or (self.also is not None and not self.also()):
            return False
        then, cpu_then = earlier[-1]
        self.done = self.seen[-1][1] - cpu_then < IDLE_SHARE * (now - then)
        return self.done


# -- the measures --------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    """A book as measured: its size, the file (a copy, or the demo book), the day its
    month's metrics are seen as of, and how many accounts it has."""

    size: str
    path: Path
    as_of: date
    accounts: int

    @property
    def label(self) -> str:
        return "demo book" if self.size == "demo" else self.size


@dataclass(frozen=True)
class Other:
    """harlequin, ready to run: its command (None: skipped) and environment."""

    command: Path | None
    env: dict[str, str]


def timed(command: list[str], env: dict[str, str], output: list[str]) -> dict[str, float]:
    """Seconds of a whole process; what it printed replaces ``output``'s content."""
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    output[:] = [done.stdout]
    return {"seconds": seconds}


def terminal_rows(book: Measured, runs: int, env: dict[str, str], other: Other) -> list[Row]:
    """In the pty: ready and peak memory, beside harlequin; on the demo book also the
    first frame and the exit, beside the bare app."""
    forget_todays_health(book.path)
    cxtui = cxtui_command(book.path)
    recomputed = Settled(lambda: has_todays_health(book.path))
    first = run_in_pty(cxtui, env, CXTUI_MARKS, settle=recomputed)
    sides: list[Callable[[], dict[str, float]]] = [lambda: run_in_pty(cxtui, env, CXTUI_MARKS)]
    skipped = "" if other.command is not None else "harlequin: skipped"
    if other.command is not None:
        theirs = harlequin_command(other.command, book.path)
        try:  # does it start at all?
            run_in_pty(theirs, other.env, HARLEQUIN_MARKS, b"\x11", Settled())
        except RuntimeError as error:
            print(f"{book.label}: harlequin did not start: {error}")
            skipped = "harlequin: skipped"
        else:
            sides.append(lambda: run_in_pty(theirs, other.env, HARLEQUIN_MARKS, b"\x11", Settled()))
    if book.size == "demo":
        sides.append(lambda: run_in_pty(bare_command(), env, BARE_MARKS))
    counted = alternated(runs, sides)
    ours = medians(counted[0])
    theirs_ready = theirs_peak = None
    if not skipped:  # harlequin is ready once its catalog is drawn and it is connected
        theirs_ready = statistics.median(
            max(run["catalog"], run["connected"]) for run in counted[1]
        )
        theirs_peak = medians(counted[1])["peak MB"]
    rows = [
        Row(
            f"ready (all numbers shown), {book.label}",
            ours["ready"],
            theirs=theirs_ready,
            beside="harlequin",
            goal=Goal(1.0, of_ratio=True) if book.size in ("demo", "M") else None,
            note=skipped,
        ),
        Row(
            f"peak memory, first start (health recompute), {book.label}",
            first["peak MB"],
            unit="MB",
            theirs=theirs_peak,
            beside="harlequin",
            goal=Goal(MEMORY_GOALS_MB[book.size]) if book.size in MEMORY_GOALS_MB else None,
            extra="" if recomputed.done else "did not settle",
            note=skipped,
        ),
    ]
    if book.size == "demo":
        bare = medians(counted[-1])
        for name, measure in (("first frame", "first frame"), ("exit", "exit after q")):
            rows.append(
                Row(
                    f"{measure}, {book.label}",
                    ours[name],
                    theirs=bare[name],
                    beside="bare Textual app",
                    goal=Goal(1.2, of_ratio=True),
                )
            )
    return rows


def metrics_rows(
    book: Measured, runs: int, env: dict[str, str], way: str | None
) -> tuple[list[Row], list[str]]:
    """``cxtui metrics --json`` beside DuckDB, the metrics engine in this process,
    ``cxtui health --recompute``; and what the check of DuckDB's figures found."""
    ours_out: list[str] = []
    theirs_out: list[str] = []
    ours_cmd = [str(CXTUI), "metrics", "--json", "--db", str(book.path)]
    ours_cmd += ["--as-of", book.as_of.isoformat()]
    sides = [lambda: timed(ours_cmd, env, ours_out)]
    found = []
    if way is not None:
        theirs_cmd = [sys.executable, str(DUCKDB_SCRIPT), str(book.path)]
        theirs_cmd += [book.as_of.isoformat(), way, str(DUCKDB_EXTENSIONS)]
        try:  # does it run at all?
            timed(theirs_cmd, env, theirs_out)
        except subprocess.CalledProcessError as error:
            said = (error.stderr.strip().splitlines() or ["no message"])[-1]
            found.append(f"{book.label}: DuckDB's side failed, so skipped: {said}")
            way = None
        else:
            sides.append(lambda: timed(theirs_cmd, env, theirs_out))
    counted = alternated(runs, sides)
    if way is not None:
        figures = json.loads(theirs_out[0])
        differences = [
            f"WARNING, {book.label}: DuckDB's figure differs from cxtui's, {difference}"
            for difference in differing(json.loads(ours_out[0])["metrics"], figures)
        ]
        found += differences or [
            f"{book.label}: DuckDB's {len(figures)} figures equal cxtui's JSON ({way} way)."
        ]
    rows = [
        Row(
            f"cxtui metrics --json (whole process), {book.label}",
            medians(counted[0])["seconds"],
            theirs=medians(counted[1])["seconds"] if way is not None else None,
            beside="DuckDB",
            goal=Goal(1.5, of_ratio=True) if book.size in ("M", "L") else None,
            note="" if way is not None else "DuckDB: skipped",
        )
    ]

    engine = open_engine(sqlite_url(book.path))
    seconds = []
    for number in range(runs + 1):  # the first, not counted, warms the cache and imports
        started = time.perf_counter()
        engine_run(engine, book.as_of)
        if number:
            seconds.append(time.perf_counter() - started)
    engine.dispose()
    engine_s = statistics.median(seconds)
    rows.append(
        Row(
            f"metrics engine, month + 12-month series, {book.label}",
            engine_s,
            goal=Goal(1.5) if book.size == "L" else None,
            extra=f"{engine_s / book.accounts * 1e6:.0f} us/account",
        )
    )

    recompute = [str(CXTUI), "health", "--recompute", "--db", str(book.path)]
    [health] = alternated(runs, [lambda: timed(recompute, env, [])])
    rows.append(
        Row(
            f"cxtui health --recompute (whole process), {book.label}",
            medians(health)["seconds"],
            goal=Goal(1.5) if book.size == "M" else None,
        )
    )
    return rows, found


ORDER = ("first frame", "ready", "exit", "cxtui metrics", "metrics engine", "cxtui health", "peak")


def in_issue_order(rows: list[Row]) -> list[Row]:
    """The rows in the issue's order, each measure's books together (in the order
    measured)."""
    return sorted(
        rows, key=lambda row: [row.measure.startswith(name) for name in ORDER].index(True)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    for size in SIZES:
        parser.add_argument(f"--db-{size.lower()}", type=Path, help=f"a book of size {size}")
    parser.add_argument("--scratch", type=Path, help="where the copies go (default: a temp dir)")
    args = parser.parse_args()
    given = {size: getattr(args, f"db_{size.lower()}") for size in SIZES}
    for size, path in given.items():
        if path is not None and not path.is_file():
            parser.error(f"--db-{size.lower()}: no file {path}")

    way, way_said = duckdb_way()
    command, harlequin_said = harlequin()
    load_before = os.getloadavg()
    rows: list[Row] = []
    found: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cxtui-bench-compare-", dir=args.scratch) as scratch:
        folder = Path(scratch)
        env = pty_env(folder)
        other = Other(command, {**env, "XDG_CACHE_HOME": str(folder / "cache")})
        for size, path in [("demo", None), *given.items()]:
            if size != "demo" and path is None:
                continue
            measured = given_or_demo(None, folder) if path is None else copied(path, folder)
            book = Measured(size, measured, *facts(measured))
            print(
                f"{book.label}: {path or 'written by cxtui demo'} ({book.accounts:,} accounts),"
                f" measured in {measured}; the month's metrics as of {book.as_of} ...",
                flush=True,
            )
            rows += terminal_rows(book, args.runs, env, other)
            more, said = metrics_rows(book, args.runs, env, way)
            rows += more
            found += said
            for written in folder.glob(f"{measured.name}*"):
                written.unlink()
    load_after = os.getloadavg()

    print()
    print(
        f"Medians of {args.runs} runs, the sides taking turns; {os.cpu_count()} CPUs, load"
        f" average {load_before[0]:.2f} before, {load_after[0]:.2f} after (1 min)."
    )
    print(f"harlequin: {harlequin_said}")
    print(f"DuckDB: {way_said}")
    print()
    print(format_table(in_issue_order(rows)))
    print()
    for line in found:
        print(line)
    for size, path in given.items():
        if path is None:
            print(f"{size}: not measured (--db-{size.lower()} PATH; cxtui generate --size {size})")


if __name__ == "__main__":
    main()
