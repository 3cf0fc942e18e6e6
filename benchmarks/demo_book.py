"""The book a benchmark runs on: the one given, else the demo book written by the
installed ``cxtui demo`` into a scratch folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CXTUI = Path(sys.executable).with_name("cxtui")


def given_or_demo(db: Path | None, folder: Path) -> Path:
    """``db`` as an absolute path, or the demo book written into ``folder``."""
    if db is None:
        db = folder / "demo.db"
        subprocess.run([str(CXTUI), "demo", "--db", str(db)], check=True, capture_output=True)
    return db.resolve()
