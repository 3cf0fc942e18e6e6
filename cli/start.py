"""The ``cxtui`` console script's first step, before typer or any command is
imported: the app alone (``cxtui``, ``cxtui --db PATH``, ``cxtui --demo``) opens at
once; anything else goes to the commands (``cli.main``). Importing and building
typer's commands cost ~0.4 s before the app's first frame (benchmarks/startup.py)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path


def run() -> None:
    """The ``cxtui`` command."""
    app_only = _app_arguments(sys.argv[1:])
    if app_only is not None:
        open_app(*app_only)
        return
    from cli.main import run as run_commands

    run_commands()


def open_app(db: Path | None, demo: bool = False) -> None:
    """The app on ``db`` (else the default database), or on a fresh copy of the demo
    book; the process ends with it. Refused (status 2) without a terminal to read keys
    from (``needs_a_terminal``)."""
    refusal = needs_a_terminal()
    if refusal:
        print(refusal, file=sys.stderr)
        raise SystemExit(2)
    return_freed_memory()
    from tui.app import make_app

    if not demo:
        from core.store.urls import database_url

        app = make_app(database_url(db), ask_user=True)
        app.run()
        end_now(app.threads.only_reads(), app.return_code)
    import shutil

    from sample_data import fresh_demo_database

    url, folder = fresh_demo_database()
    app = make_app(url)
    try:
        app.run()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    end_now(app.threads.only_reads(), app.return_code)


def needs_a_terminal() -> str | None:
    """Why the app cannot run here, when its input is not a terminal (``cxtui <
    /dev/null``, a script's pipe), else None. Textual's terminal driver would draw the
    app and read no key: at the input's end it polls it again without pause, and the
    process spins a core until it is killed (Textual 8.2). A browser session of
    ``cxtui serve`` reads its keys from a pipe through Textual's web driver, which
    ``TEXTUAL_DRIVER`` names: it runs."""
    import os

    if sys.stdin.isatty() or os.environ.get("TEXTUAL_DRIVER"):
        return None
    return (
        "cxtui: the app needs a terminal to read keys from, and its input is not one."
        " In a script, use the commands instead (cxtui --help lists them)."
    )


def return_freed_memory() -> None:
    """For the app, a process that stays open: memory freed goes back to the system
    rather than staying reserved for later. polars' allocator (jemalloc, configured
    when polars loads: this runs before; polars puts its own 0.5 s / 1 s decays in
    front, and the later setting wins) purges freed pages without delay and keeps one
    arena per CPU (its default is four); glibc's malloc keeps two arenas instead of
    one per thread, and gives a block of 128 KiB or more (a driver's column of rows)
    a mapping of its own, returned when freed (its default raises that limit to the
    largest block freed, after which such blocks stay in the heap). Measured at 10k
    accounts, peak of a first start with its health recompute: 337 -> 287 MB with the
    decays and glibc's two arenas, then 254 -> 245 MB with the rest; the time to ready
    the same. Not for the commands: an import of 1M rows took 26 % longer with the
    decays. A setting of the user's own (``_RJEM_MALLOC_CONF``, ``MALLOC_ARENA_MAX``,
    ``MALLOC_MMAP_THRESHOLD_``) is kept."""
    import os

    arenas = os.cpu_count() or 1
    os.environ.setdefault(
        "_RJEM_MALLOC_CONF", f"dirty_decay_ms:0,muzzy_decay_ms:0,narenas:{arenas}"
    )
    if sys.platform != "linux":
        return
    import ctypes

    m_mmap_threshold, m_arena_max = -3, -8  # glibc's malloc.h
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None)
        if "MALLOC_ARENA_MAX" not in os.environ:
            libc.mallopt(m_arena_max, 2)
        if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
            libc.mallopt(m_mmap_threshold, 128 * 1024)


def end_now(only_reads: bool, status: int | None) -> None:
    """After the app: end the process at once, with the app's ``status`` (its return
    code: 1 after a crash, which had ended with 0 as if all went well). By then every
    write is done (the app's workers ran in asyncio's executor, which its loop shut
    down and joined before ``run`` returned, unless they only read: ``only_reads``,
    see ``tui.threads``); what is left is Python's teardown of every module and
    frame, about 0.4 s after the screen is gone (benchmarks/startup.py). Logs and
    output are flushed first. Should other worker threads still be alive (a Textual
    that no longer runs the app with ``asyncio.run``), the usual exit waits for them
    (it returned, and ``open_app`` went on to open the demo book)."""
    import logging
    import os
    import sys
    import threading

    alive = any(thread.name.startswith("asyncio_") for thread in threading.enumerate())
    if alive and not only_reads:
        sys.exit(status)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status or 0)


def _app_arguments(arguments: list[str]) -> tuple[Path | None, bool] | None:
    """``--db`` and ``--demo`` when ``arguments`` only open the app (nothing else,
    each at most once, a path that is not a flag), else None: typer reads them."""
    if arguments == ["--demo"]:
        return None, True
    if not arguments:
        return None, False
    path = None
    if len(arguments) == 2 and arguments[0] == "--db" and not arguments[1].startswith("-"):
        path = arguments[1]
    elif len(arguments) == 1 and arguments[0].startswith("--db="):
        path = arguments[0].removeprefix("--db=")
    if not path or Path(path).is_dir():  # typer says what is wrong with it
        return None
    return Path(path), False
