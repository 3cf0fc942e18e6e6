"""``cxtui config path`` and ``cxtui config show``: where the config lives and what is in
force, with where each value comes from (the conftest isolates the config folder)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def _config_dir() -> Path:
    return Path(os.environ["XDG_CONFIG_HOME"]) / "cxtui"


def test_path_names_both_files_and_says_when_they_are_not_written() -> None:
    result = runner.invoke(app, ["config", "path"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"{_config_dir() / 'config.toml'}  (not written yet: defaults in force)",
        f"{_config_dir() / 'health.toml'}  (not written yet: defaults in force)",
    ]


def test_show_says_what_is_in_force_and_from_where(monkeypatch: pytest.MonkeyPatch) -> None:
    _config_dir().mkdir(parents=True)
    (_config_dir() / "config.toml").write_text(
        'user = "Ana"\ntheme = "nord"\n[rules.detractor]\nenabled = false\n'
        '[filters.mine]\nowners = ["Ana"]\n'
    )
    monkeypatch.delenv("CXTUI_USER")
    monkeypatch.setenv("CXTUI_DATABASE_URL", "postgresql://cs:hunter2@db.example/cxtui")
    shown = json.loads(runner.invoke(app, ["config", "show", "--json"]).output)
    assert (shown["user"], shown["user_from"], shown["theme"]) == ("Ana", "config.toml", "nord")
    assert "hunter2" not in shown["database"] and shown["database_from"] == "$CXTUI_DATABASE_URL"
    assert "detractor" not in shown["rules_on"] and "health_red" in shown["rules_on"]
    assert shown["saved_filters"] == "mine"
    monkeypatch.setenv("CXTUI_USER", "Bo")
    table = runner.invoke(app, ["config", "show"]).output
    assert re.search(r"^user +Bo$", table, re.M), table  # padded to the longest key
    assert re.search(r"^user from +\$CXTUI_USER$", table, re.M), table


def test_show_names_the_accounts_list_columns_and_their_problems() -> None:
    _config_dir().mkdir(parents=True)
    (_config_dir() / "config.toml").write_text(
        '[accounts_list]\ncolumns = ["name", "arr", "health"]\n'
    )
    shown = json.loads(runner.invoke(app, ["config", "show", "--json"]).output)
    assert shown["accounts_list_columns"] == "name, health"
    assert "line 2: 'arr' is not a column of the accounts list" in shown["problem"]
