"""Scratch folders for large writes and imports, in the system's temporary folder.

An import keeps its checked batches there, a bulk write its staging files; both are
removed when they end. A process killed half-way (the database is untouched: see
``core.importing.write``) cannot remove its own, so each folder is named after the
process that made it, and making a new one first removes those whose process is
gone.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

_NAME = re.compile(r"^cxtui-[a-z]+-(\d+)-")


def scratch_folder(purpose: str) -> Path:
    """A new private folder ``cxtui-PURPOSE-PID-*``, after removing the folders that
    processes no longer running left behind."""
    remove_abandoned(Path(tempfile.gettempdir()))
    return Path(tempfile.mkdtemp(prefix=f"cxtui-{purpose}-{os.getpid()}-"))


def remove_abandoned(folder: Path) -> list[Path]:
    """Remove the scratch folders in ``folder`` whose process has ended; return them."""
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        found = _NAME.match(entry.name)
        if found is None or not entry.is_dir() or _running(int(found.group(1))):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid() or os.name != "posix":  # Windows' os.kill(pid, 0) would stop it
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # another user's process, or cannot tell: leave it
    return True
