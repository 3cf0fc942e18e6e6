"""Each command's JSON has exactly the shape documented in docs/json.md: the same keys
at every level and the same kinds of values (a documented or actual ``null`` stands
for a value that may be missing). The commands run on the demo book."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.store.db import open_engine, sqlite_url
from sample_data import load_demo

DOC = Path(__file__).parents[2] / "docs" / "json.md"
SECTION = re.compile(r"^## `(cxtui [^`]+)`\n.*?```json\n(.*?)\n```", re.S | re.M)
runner = CliRunner()


def _sections() -> list[tuple[str, Any]]:
    return [(command, json.loads(example)) for command, example in SECTION.findall(DOC.read_text())]


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("json-docs")
    engine = open_engine(sqlite_url(folder / "demo.db"))
    load_demo(engine)
    engine.dispose()
    (folder / "accounts.csv").write_text("external_id,name,segment,mrr\nNEW-1,Newco,SMB,120.50\n")
    return folder


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _same_shape(documented: Any, actual: Any, where: str) -> None:
    if documented is None or actual is None:
        return
    assert _kind(documented) == _kind(actual), f"{where}: {documented!r} vs {actual!r}"
    if isinstance(documented, dict):
        assert list(documented) == list(actual), f"{where}: keys differ"
        for key in documented:
            _same_shape(documented[key], actual[key], f"{where}.{key}")
    elif isinstance(documented, list) and documented and actual:
        _same_shape(documented[0], actual[0], f"{where}[0]")


def test_every_json_command_is_documented() -> None:
    documented = {command.split()[1] for command, _example in _sections()}
    assert documented == {
        "metrics",
        "health",
        "goals",
        "tasks",
        "rules",
        "import",
        "filters",
        "config",
        "model",
        "forecast",
        "copy",
    }


def _output(demo_book: Path, command: str) -> Any:
    """The JSON that the documented ``command`` prints on the demo book."""
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "cxtui" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        '[filters."Enterprise renewals"]\nsegments = ["Enterprise"]\nrenewal_within_days = 90\n'
    )
    copy = demo_book / "copy.db"  # DEST, new each time
    copy.unlink(missing_ok=True)
    given = {"FILE": str(demo_book / "accounts.csv"), "DEST": str(copy)}
    args = [given.get(arg, arg) for arg in command.split()[1:]]
    if args[0] not in ("filters", "config"):
        args += ["--db", str(demo_book / "demo.db")]
    if args[0] == "forecast":  # it needs a churn model
        fitted = runner.invoke(app, ["model", "fit", "--db", str(demo_book / "demo.db")])
        assert fitted.exit_code == 0, fitted.output
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(("command", "example"), _sections(), ids=lambda value: str(value)[:40])
def test_the_output_has_the_documented_shape(demo_book: Path, command: str, example: Any) -> None:
    actual = _output(demo_book, command)
    if isinstance(example, list):
        assert actual, f"{command}: no element to compare with the example"
    _same_shape(example, actual, command)


def _objects(value: Any) -> list[dict[str, Any]]:
    """Every JSON object in ``value``, at any depth."""
    if isinstance(value, list):
        return [found for item in value for found in _objects(item)]
    if isinstance(value, dict):
        return [value, *(found for item in value.values() for found in _objects(item))]
    return []


@pytest.mark.parametrize(("command", "example"), _sections(), ids=lambda value: str(value)[:40])
def test_an_account_is_named_by_external_id_in_every_output(
    demo_book: Path, command: str, example: Any
) -> None:
    """The same key in every command for an account's id (``external_id``), beside the
    older keys scripts rely on (``account`` in health and tasks)."""
    for documented in _objects(example):
        if "account" in documented:
            assert "external_id" in documented, f"{command}: {documented}"
    for actual in _objects(_output(demo_book, command)):
        if isinstance(actual.get("account"), str):
            assert actual.get("external_id") == actual["account"], f"{command}: {actual}"
