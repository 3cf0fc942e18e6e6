"""``cxtui import --help`` lists the fields of every kind of import, from the import's
own spec, without loading the models or polars to say it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.importing.spec import KINDS

CXTUI = Path(sys.executable).with_name("cxtui")
HEAVY = ("polars", "sqlmodel", "sqlalchemy", "core.models", "core.importing")


def _help() -> str:
    # wide, so that the check reads each kind on one line
    env = {**os.environ, "COLUMNS": "400", "TERMINAL_WIDTH": "400"}
    return subprocess.run(
        [CXTUI, "import", "--help"], capture_output=True, text=True, check=True, env=env
    ).stdout


def test_the_help_lists_every_field_of_every_kind() -> None:
    shown = _help()
    for kind in KINDS.values():
        (line,) = [line.strip() for line in shown.splitlines() if f" {kind.name}: " in line]
        required, _, optional = line.split(f"{kind.name}: ")[1].partition("; optional: ")
        assert required.split(", ") == [field.name for field in kind.required], line
        others = [field.name for field in kind.fields if not field.required]
        assert (optional.split(", ") if optional else []) == others, line


def test_the_help_names_every_preset() -> None:
    from core.importing.presets import PRESETS

    (line,) = [line for line in _help().splitlines() if "--preset" in line]
    named = line.split("recognised from the header): ")[1].split(".")[0].split(", ")
    assert [name.strip() for name in named] == [preset.name for preset in PRESETS]


def test_the_help_is_written_from_the_spec() -> None:
    """``cli/import_fields.py`` is generated from ``core.importing.spec``: after changing
    a kind's fields, ``python -m cli.import_fields`` writes it again."""
    from cli.import_fields import FIELDS, fields_of_spec

    assert fields_of_spec() == FIELDS, "run `python -m cli.import_fields`"


def test_saying_the_help_loads_neither_the_models_nor_polars() -> None:
    script = (
        "import sys\n"
        "sys.argv = ['cxtui', 'import', '--help']\n"
        "from cli.main import run\n"
        "try:\n"
        "    run()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"heavy = sorted(m for m in sys.modules if m.startswith({HEAVY!r}))\n"
        "print('loaded:', ','.join(heavy), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert "external_id" in result.stdout
    assert result.stderr.strip() == "loaded:", result.stderr
