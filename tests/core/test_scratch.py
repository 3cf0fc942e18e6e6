"""Scratch folders left by processes that ended are removed; others are kept."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from core.store.scratch import remove_abandoned, scratch_folder


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


def test_a_killed_re_encoding_import_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The UTF-8 copy of a Latin-1 file, made by a process killed with -9 mid-import,
    is removed by the next import's first scratch folder."""
    if sys.platform == "win32":
        pytest.skip("abandoned folders are only recognised on POSIX systems")
    source = tmp_path / "latin1.csv"
    source.write_bytes("name,city\nCafé,Zürich\n".encode("latin-1") * 1000)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, tempfile, time; tempfile.tempdir = sys.argv[1];"
            "from core.importing.formats import open_source;"
            "source = open_source(sys.argv[2]); print('open', flush=True); time.sleep(60)",
            str(scratch),
            str(source),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "open"
    left = [path.name for path in scratch.iterdir()]
    assert len(left) == 1 and left[0].startswith(f"cxtui-rewrite-{child.pid}-")
    child.kill()
    child.wait()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    mine = scratch_folder("import")
    assert [path.name for path in scratch.iterdir()] == [mine.name]
