"""The one reader of the config file: problems name the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config.file import ConfigFileError, read_config
from core.config.settings import load_settings
from core.interactions.templates import load_templates
from core.playbook.rules import load_rules_config


def test_a_missing_file_is_no_problem(tmp_path: Path) -> None:
    assert read_config(tmp_path / "config.toml") is None


def test_broken_toml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('user = "Dana"\n\n[rules.no_interaction\ndays = 3\n', encoding="utf-8")
    with pytest.raises(ConfigFileError, match=rf"^{path}, line 3: "):
        read_config(path)
    # Every part reading the file says the same, with what it does about it.
    assert load_settings(path).problem.startswith(f"{path}, line 3: ")
    assert load_rules_config(path).problems[0].startswith(f"{path}, line 3: ")
    assert load_templates(path).problems[0].startswith(f"{path}, line 3: ")


def test_a_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes('user = "Zoë"\n'.encode("latin-1"))
    with pytest.raises(ConfigFileError, match="is not UTF-8 text"):
        read_config(path)
    assert "using the defaults" in (load_settings(path).problem or "")


def test_lines_of_keys_and_tables(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'user = "Dana"\n'
        "[templates.QBR]\n"
        'kind = "qbr"\n'
        '[templates."Renewal call"]\n'
        'summary = "Renewal"\n',
        encoding="utf-8",
    )
    config = read_config(path)
    assert config is not None
    assert config.line_of("user") == 1
    assert config.header_line("templates", "QBR") == 2
    assert config.header_line("templates", "Renewal call") == 4
    assert config.line_of("kind", after=2) == 3
    assert config.line_of("summary", after=2) is None  # the next table is not searched
    assert config.where(4) == f"{path}, line 4"


def test_a_world_writable_config_file_is_named(tmp_path: Path) -> None:
    from core.config.file import permission_warning

    private = tmp_path / "config.toml"
    private.write_text('user = "Ana"\n')
    private.chmod(0o600)
    tmp_path.chmod(0o700)
    assert permission_warning(tmp_path) is None
    exposed = tmp_path / "health.toml"
    exposed.write_text("")
    exposed.chmod(0o666)
    warning = permission_warning(tmp_path)
    assert warning is not None and str(exposed) in warning and "666" in warning
    assert str(private) not in warning
