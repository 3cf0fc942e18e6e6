"""The command line itself: version, and --help on every command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def _command_paths(command: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    subcommands = getattr(command, "commands", None)
    if subcommands:
        for name, sub in subcommands.items():
            paths += _command_paths(sub, (*prefix, name))
    return paths


def test_every_command_has_help() -> None:
    paths = _command_paths(typer.main.get_command(app))
    assert ("demo",) in paths and ("generate",) in paths
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output, path


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("cxtui ")


def test_installed_console_script_runs() -> None:
    script = Path(sys.executable).with_name("cxtui")
    result = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("cxtui 0.")


def test_flags_show_no_type_in_help() -> None:
    """``--dry-run`` and ``--json`` are flags: the installed command's help shows no
    ``<bool>`` for them (typer shows one for every option), nor for ``-h``."""
    script = Path(sys.executable).with_name("cxtui")
    for args in (["import", "accounts"], ["metrics"], []):
        shown = subprocess.run(
            [script, *args, "--help"], capture_output=True, text=True, check=True
        ).stdout
        assert "--help" in shown and "<bool>" not in shown, args


def test_db_before_the_command_is_used_by_the_command(tmp_path: Path) -> None:
    """``cxtui --db PATH demo`` writes into PATH, as ``cxtui demo --db PATH`` does (it
    once went silently to the default database), down to a command of a group; a
    --db after the command wins. The demo runs in this process (``cxtui demo`` is run
    as the installed command in test_data_cli); the group's command as the installed
    command."""
    import os
    import sqlite3

    script = Path(sys.executable).with_name("cxtui")
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    before, after = tmp_path / "before.db", tmp_path / "after.db"

    def demo(*args: str | Path) -> int:
        return runner.invoke(app, [str(arg) for arg in args], env=env).exit_code

    assert demo("--db", before, "demo") == 0
    accounts = sqlite3.connect(before).execute("SELECT count(*) FROM account").fetchone()
    assert accounts == (250,)
    assert not (tmp_path / "data").exists()  # the default database was not made
    shown = subprocess.run(
        [script, "--db", before, "rules", "list", "--json"],
        capture_output=True,
        text=True,
        env=os.environ | env,
    )
    assert shown.returncode == 0 and shown.stdout.startswith("["), shown.stderr
    assert demo("--db", before, "demo", "--db", after) == 0
    assert sqlite3.connect(after).execute("SELECT count(*) FROM account").fetchone() == (250,)
