"""How soon the installed ``cxtui`` command draws its first frame, is ready, and exits,
in a real pseudo-terminal, beside a bare Textual app started the same way (issue #19).

    .venv/bin/python benchmarks/startup.py [--db PATH] [--runs 5]

Each run starts a fresh process on a 160x50 pty and reads everything it writes:

- first frame: from the start until the header's title has been written (the app's
  first paint; the bare app's is the same Header widget);
- ready (cxtui only): until the dashboard's lists have been written with their rows
  ("enter opens one" under each: the panels are mounted once the tiles have their
  numbers, and the lists, made in a worker, are filled after);
- exit: from writing ``q`` until the process has ended.

The database: --db, else the demo book written by ``cxtui demo`` into a temporary
folder. A first run of each, not counted, warms the file cache and computes today's
health scores. Figures are medians, with the ratio to the bare app's. The issue's
goals: first frame <= 1.2x, exit <= 1.2x the bare app.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import re
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.demo_book import CXTUI, given_or_demo

ESCAPES = re.compile(
    rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|.)"
)
BARE_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    TITLE = "bareapp"
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self):
        yield Header()
        yield Static("A bare Textual app")
        yield Footer()

Bare().run()
"""
TIMEOUT_S = 60.0
CXTUI_MARKS = {"first frame": b"cxtui", "ready": b"enter opens one"}
BARE_MARKS = {"first frame": b"bareapp"}


POLARS_JEMALLOC = "dirty_decay_ms:500,muzzy_decay_ms:1000"
"""What ``import polars`` puts in front of ``_RJEM_MALLOC_CONF`` (the whole setting
when it had none), in this process's environment."""


def pty_env(folder: Path) -> dict[str, str]:
    """The environment of a run: a 256-colour terminal, a config folder of its own.
    Without what polars, imported here, wrote into ``_RJEM_MALLOC_CONF``: a child
    given it takes it for a setting of the user's own and keeps it, which is not what
    a user's ``cxtui`` sees (``cli.start.return_freed_memory``: its peak memory at 10k
    accounts read ~30 MB higher so)."""
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "CXTUI_USER": "Benchmark",
        "XDG_CONFIG_HOME": str(folder / "config"),
    }
    for name in ("COLUMNS", "LINES"):
        env.pop(name, None)
    allocator = env.pop("_RJEM_MALLOC_CONF", "")
    while allocator.startswith(POLARS_JEMALLOC):  # once per import of polars' __init__
        allocator = allocator.removeprefix(POLARS_JEMALLOC).removeprefix(",")
    if allocator:
        env["_RJEM_MALLOC_CONF"] = allocator  # the user's own
    return env


def cxtui_command(db: Path) -> list[str]:
    return [str(CXTUI), "--db", str(db)]


def bare_command() -> list[str]:
    return [sys.executable, "-c", BARE_APP]


def peak_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB; 0 where /proc has none."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run_in_pty(
    command: list[str],
    env: dict[str, str],
    marks: dict[str, bytes],
    quit_key: bytes = b"q",
    settle: Callable[[int], bool] | None = None,
) -> dict[str, float]:
    """Seconds from the start until each mark's text has been written (escape codes
    taken out), then from writing ``quit_key`` until the process has ended (``exit``),
    and the process's peak memory just before that key (``peak MB``). ``settle``: once
    the marks are there, wait (reading the screen) until it says so of the process id,
    e.g. until background work is done, before the key."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True
    )
    os.close(follower)
    seen, found, text = bytearray(), {}, b""
    deadline = start + TIMEOUT_S
    while len(found) < len(marks) and time.perf_counter() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.01)
        if ready:
            try:
                seen += os.read(leader, 65536)
            except OSError:
                break
            text = ESCAPES.sub(b"", bytes(seen))
            for name, mark in marks.items():
                if name not in found and mark in text:
                    found[name] = time.perf_counter() - start
    if len(found) < len(marks):
        process.kill()
        raise RuntimeError(f"{command[0]}: not all of {list(marks)} within {TIMEOUT_S} s")
    if settle is not None:
        settled_by = time.perf_counter() + TIMEOUT_S * 5
        while not settle(process.pid) and time.perf_counter() < settled_by:
            if select.select([leader], [], [], 0.1)[0]:
                with contextlib.suppress(OSError):
                    os.read(leader, 65536)
    time.sleep(0.3)  # as a person does: q once the screen is there
    found["peak MB"] = peak_mb(process.pid)
    quit_at = time.perf_counter()
    os.write(leader, quit_key)
    while process.poll() is None and time.perf_counter() < quit_at + TIMEOUT_S:
        if select.select([leader], [], [], 0.01)[0]:
            with contextlib.suppress(OSError):
                os.read(leader, 65536)
    process.wait()
    found["exit"] = time.perf_counter() - quit_at
    os.close(leader)
    return found


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {name: statistics.median(run[name] for run in runs) for name in runs[0]}


def alternated(
    runs: int, sides: list[Callable[[], dict[str, float]]]
) -> list[list[dict[str, float]]]:
    """Each side's figures over ``runs`` rounds, the sides taking turns in each round;
    a first round, not counted, warms the file cache (and computes today's health
    scores, for cxtui)."""
    counted: list[list[dict[str, float]]] = [[] for _ in sides]
    for number in range(runs + 1):
        for side, kept in zip(sides, counted, strict=True):
            figures = side()
            if number:
                kept.append(figures)
    return counted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="a cxtui database (default: the demo book)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxtui-bench-startup-") as scratch:
        folder = Path(scratch)
        db = given_or_demo(args.db, folder)
        env = pty_env(folder)
        cxtui, bare = cxtui_command(db), bare_command()
        cxtui_runs, bare_runs = alternated(
            args.runs,
            [
                lambda: run_in_pty(cxtui, env, CXTUI_MARKS),
                lambda: run_in_pty(bare, env, BARE_MARKS),
            ],
        )
    ours, theirs = medians(cxtui_runs), medians(bare_runs)
    print(f"database: {db}; medians of {args.runs} runs, alternated, 160x50 pty")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, goal in (("first frame", 1.2), ("exit", 1.2)):
        print(
            f"{name:<12} cxtui {ours[name]:.2f} s, bare Textual app {theirs[name]:.2f} s: "
            f"{ours[name] / theirs[name]:.2f}x (goal <= {goal}x)"
        )
    print(f"{'ready':<12} cxtui {ours['ready']:.2f} s (the dashboard's numbers and lists shown)")


if __name__ == "__main__":
    main()
