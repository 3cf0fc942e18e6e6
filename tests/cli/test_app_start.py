"""``cxtui`` alone, ``cxtui --db PATH`` and ``cxtui --demo`` open the app without
building the commands or importing SQLAlchemy first (they cost ~0.9 s before the
first frame); anything else goes through typer, which says what is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from cli.start import _app_arguments
from core.store.urls import sqlite_url


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ([], (None, False)),
        (["--demo"], (None, True)),
        (["--db", "book.db"], (Path("book.db"), False)),
        (["--db=my book?.db"], (Path("my book?.db"), False)),
        (["--db"], None),
        (["--db="], None),
        (["--db", "--demo"], None),
        (["--db", "book.db", "--demo"], None),
        (["--demo", "--demo"], None),
        (["--help"], None),
        (["--version"], None),
        (["metrics"], None),
        (["--db", "book.db", "metrics"], None),
    ],
)
def test_what_opens_the_app_at_once(arguments: list[str], expected: object) -> None:
    assert _app_arguments(arguments) == expected


def test_a_folder_is_left_to_typer(tmp_path: Path) -> None:
    assert _app_arguments(["--db", str(tmp_path)]) is None


def test_the_app_starts_before_sqlalchemy_or_the_commands_are_loaded(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "import tui.app\n"
        "def opened(url, **options):\n"
        "    loaded = [m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'typer', 'cli.main')"
        " if m in sys.modules]\n"
        "    print(url, loaded)\n"
        "    raise SystemExit(0)\n"
        "tui.app.make_app = opened\n"
        "import cli.start\n"
        "cli.start.needs_a_terminal = lambda: None  # a test's input is no terminal\n"
        "from cli.start import run\n"
        f"sys.argv = ['cxtui', '--db', {str(tmp_path / 'b?.db')!r}]\n"
        "run()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    url, loaded = result.stdout.strip().split(" ", 1)
    assert loaded == "[]"  # neither the commands nor typer
    assert url == sqlite_url(tmp_path / "b?.db")


@pytest.mark.parametrize("arguments", [["--db", "book.db"], ["--demo"]])
def test_the_command_ends_with_the_apps_return_code(arguments: list[str]) -> None:
    """An app that crashed returns 1 (Textual's return code after an error no one
    handled); ``cxtui`` ended with 0 whatever the app returned, so a script saw
    success. The app here is a stand-in that returns 1 as it ends: what is checked
    is what the command does with it."""
    script = (
        "import sys\n"
        "import sample_data, tui.app\n"
        "class Crashed:\n"
        "    return_code = 1\n"
        "    class threads:\n"
        "        only_reads = staticmethod(lambda: True)\n"
        "    def run(self):\n"
        "        print('ran')\n"
        "tui.app.make_app = lambda url, **options: Crashed()\n"
        "sample_data.fresh_demo_database = lambda: ('sqlite://', '/nonexistent')\n"
        "import cli.start\n"
        "cli.start.needs_a_terminal = lambda: None  # a test's input is no terminal\n"
        "from cli.start import run\n"
        f"sys.argv = ['cxtui', *{arguments!r}]\n"
        "run()\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (1, "ran\n"), result.stderr


@pytest.mark.parametrize("name", ["book.db", "a b/book?v2.db", "100%#x.db", "é+ñ.db"])
def test_a_sqlite_url_is_sqlalchemys(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    expected = URL.create("sqlite", database=str(path.resolve())).render_as_string(
        hide_password=False
    )
    assert sqlite_url(path) == expected


_RESIDENT_MB = (
    "rss = next(l for l in open('/proc/self/status') if l.startswith('VmRSS'))\n"
    "resident_mb = int(rss.split()[1]) // 1024\n"
)
"""Code that sets ``resident_mb``: the process's resident memory now, in MB."""


def _run_fresh(code: str, env: dict[str, str]) -> str:
    """What ``code`` prints, run in a fresh Python process with ``env``."""
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _freed_memory_setting(env: dict[str, str]) -> str:
    """polars' allocator setting after ``return_freed_memory``, in a fresh process
    with ``env``: jemalloc reads it when polars loads; a process of 20M rows freed
    shows whether it took effect (its resident memory after the free)."""
    code = (
        "import os\n"
        "from cli.start import return_freed_memory\n"
        "return_freed_memory()\n"
        "setting = os.environ['_RJEM_MALLOC_CONF']\n"  # polars adds its defaults before it
        "import polars as pl\n"
        "frame = pl.DataFrame({'a': range(20_000_000)}).with_columns(b=pl.col('a') * 2)\n"
        "del frame\n" + _RESIDENT_MB + "print(setting, resident_mb)\n"
    )
    return _run_fresh(code, env)


@pytest.mark.skipif(sys.platform != "linux", reason="/proc and glibc's malloc")
def test_the_app_hands_freed_memory_back_unless_told_otherwise() -> None:
    import os

    base = {key: value for key, value in os.environ.items() if key != "_RJEM_MALLOC_CONF"}
    setting, resident_mb = _freed_memory_setting(base).split()
    assert setting == f"dirty_decay_ms:0,muzzy_decay_ms:0,narenas:{os.cpu_count()}"
    assert int(resident_mb) < 200  # 20M rows of two columns held ~300 MB before the free
    own = "dirty_decay_ms:5000,muzzy_decay_ms:5000"
    setting, resident_mb = _freed_memory_setting(base | {"_RJEM_MALLOC_CONF": own}).split()
    assert setting == own
    assert int(resident_mb) > 200  # the user's own setting keeps freed pages a while


def _resident_after_freeing_blocks(env: dict[str, str]) -> int:
    """Resident MB of a fresh process, after ``return_freed_memory``, that freed 200
    blocks of 1 MiB from glibc's malloc while a small block allocated after them was
    still in use (a heap cannot shrink past it); one freed block of 1 MiB first, as
    any process of the app has, which raises glibc's own limit for a block of its own
    mapping."""
    code = (
        "import ctypes\n"
        "from cli.start import return_freed_memory\n"
        "return_freed_memory()\n"
        "libc = ctypes.CDLL(None)\n"
        "libc.malloc.restype = ctypes.c_void_p\n"
        "libc.free.argtypes = [ctypes.c_void_p]\n"
        "size = 1 << 20\n"
        "libc.free(libc.malloc(size))\n"
        "blocks = [libc.malloc(size) for _ in range(200)]\n"
        "for block in blocks:\n"
        "    ctypes.memset(block, 1, size)\n"
        "pin = libc.malloc(64)\n"
        "for block in blocks:\n"
        "    libc.free(block)\n" + _RESIDENT_MB + "print(resident_mb)\n"
    )
    return int(_run_fresh(code, env))


@pytest.mark.skipif(sys.platform != "linux", reason="/proc and glibc's malloc")
def test_blocks_freed_from_glibcs_malloc_go_back_unless_told_otherwise() -> None:
    import os

    base = {k: v for k, v in os.environ.items() if k != "MALLOC_MMAP_THRESHOLD_"}
    assert _resident_after_freeing_blocks(base) < 100  # 200 MiB were in use
    own = base | {"MALLOC_MMAP_THRESHOLD_": str(32 << 20)}
    assert _resident_after_freeing_blocks(own) > 150  # the user's own setting: kept


@pytest.mark.parametrize("arguments", [[], ["--demo"], ["--db", "book.db"]])
def test_the_app_refuses_an_input_that_is_not_a_terminal(
    tmp_path: Path, arguments: list[str]
) -> None:
    """``cxtui < /dev/null`` drew the app, read no key, and spun a core at the
    input's end until killed; it says why it cannot run, writes nothing, and ends."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("cxtui")), *arguments],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "TEXTUAL_DRIVER": ""},
        timeout=60,
    )
    assert result.returncode == 2, result
    assert "needs a terminal" in result.stderr and "cxtui --help" in result.stderr
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []  # no database, no data folder
