"""A browser tab's app process, started before the tab opens.

``cxtui serve`` keeps one such process ready: started with ``--serve-session``, the
``cxtui`` command loads the modules the app needs (Python, Textual, polars,
SQLAlchemy, the screens: most of a cold start), then waits on its standard input
for the line that a tab has taken it, with the tab's size. Only then does it read
the config, today's date and the database, so a process that waited an hour shows
the book as it is when the tab opens. An end of input instead of that line (the
server stopping) ends it without starting the app.

The line is read a byte at a time from the descriptor itself: what follows it is the
tab's keys, which the app's driver reads from the same descriptor.
"""

from __future__ import annotations

import importlib
import json
import os

# What the app imports up to the accounts list (each with what it imports); a test
# runs the app after these and checks that little of weight is left to load
WARM_MODULES = (
    "textual.drivers.web_driver",
    "textual.layouts.factory",
    "textual.layouts.horizontal",
    "textual.layouts.stream",
    "textual.scrollbar",
    "core.config.settings",
    "core.config.metric_options",
    "tui.app",
    "tui.screens.dashboard",
    "tui.screens.accounts",
    "tui.widgets.charts",
    "tui.widgets.goal_progress",
    "textual_fastdatatable.data_table",
    "core.store.db",
    "core.store.migrate",
    "core.store.first_read",
    "core.store.adbc",
    "adbc_driver_sqlite",
    "adbc_driver_manager",
    "pyarrow",
    "core.accounts.queries",
    "core.health.store",
    "core.store.bulk",  # the health recompute writes its snapshots through it
    "core.health.scoring",
    "core.health.queries",
    "core.health.signals",
    "core.metrics.dashboard",
    "core.metrics.book_queries",
    "core.goals.progress",
    "core.playbook.runs",
    "core.churn.forecast",
)


def handshake(width: int, height: int) -> bytes:
    """The line that hands a waiting process to a tab of ``width`` x ``height`` cells."""
    return json.dumps({"width": width, "height": height}).encode() + b"\n"


def read_handshake(descriptor: int = 0) -> tuple[int, int] | None:
    """The tab's size from the handshake line on ``descriptor``, or None at the end
    of input (or a line that is not a handshake)."""
    line = bytearray()
    while not line.endswith(b"\n"):
        byte = os.read(descriptor, 1)
        if not byte:
            return None
        line += byte
    try:
        size = json.loads(line)
        return int(size["width"]), int(size["height"])
    except (ValueError, KeyError, TypeError):
        return None


def load_the_app() -> None:
    for name in WARM_MODULES:
        importlib.import_module(name)


def wait_for_tab() -> bool:
    """Load the app's modules, then wait for a tab: True once one has taken this
    process (its size is then the terminal's), False when the server stopped."""
    load_the_app()
    size = read_handshake()
    if size is None:
        return False
    os.environ["COLUMNS"], os.environ["ROWS"] = str(size[0]), str(size[1])
    return True
