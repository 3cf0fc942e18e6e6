"""Scratch folders left by processes that ended are removed; others are kept."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from core.scratch import remove_abandoned, scratch_folder


def test_folders_of_ended_processes_are_removed_and_the_rest_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if sys.platform == "win32":
        pytest.skip("abandoned folders are only recognised on POSIX systems")
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead_pid = int(ended.stdout)
    abandoned = tmp_path / f"cxtui-stage-{dead_pid}-abc"
    (abandoned / "inner").mkdir(parents=True)
    (abandoned / "inner" / "stage0.db").write_bytes(b"x")
    running = tmp_path / "cxtui-import-1-xyz"  # pid 1 is always running
    running.mkdir()
    other = tmp_path / f"somebody-else-{dead_pid}-abc"
    other.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    mine = scratch_folder("import")
    assert mine.parent == tmp_path and mine.name.startswith("cxtui-import-")
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [running.name, other.name, mine.name]
    )
    assert remove_abandoned(tmp_path) == []  # this process's own folder stays
