"""The config file: defaults, reading, a broken file reported with its line, saving."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config.settings import DEFAULT_THEME, Settings, config_path, load_settings, save_settings


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "config.toml")
    assert settings.theme == DEFAULT_THEME
    assert settings.user is None
    assert settings.problem is None


def test_default_path_is_in_the_user_config_dir(tmp_path: Path) -> None:
    # the conftest points XDG_CONFIG_HOME at a temporary directory
    assert config_path().parts[-2:] == ("cxtui", "config.toml")


def test_reads_user_and_theme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text('user = "Dana Scully"\ntheme = "nord"\n')
    settings = load_settings(path)
    assert (settings.user, settings.theme, settings.problem) == ("Dana Scully", "nord", None)
    monkeypatch.delenv("CXTUI_USER")
    assert settings.current_user == "Dana Scully"
    monkeypatch.setenv("CXTUI_USER", "Fox Mulder")
    assert settings.current_user == "Fox Mulder"


def test_broken_file_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('user = "Dana"\ntheme = nord\n')
    settings = load_settings(path)
    assert settings.theme == DEFAULT_THEME
    assert settings.problem is not None
    assert "line 2" in settings.problem
    with pytest.raises(ValueError):
        save_settings(settings.with_theme("nord"))
    assert path.read_text() == 'user = "Dana"\ntheme = nord\n'


def test_wrong_type_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# mine\ntheme = 3\n")
    settings = load_settings(path)
    assert settings.problem is not None and "line 2" in settings.problem
    assert "'theme'" in settings.problem


def test_save_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    save_settings(Settings(user='Ann "A" O\'Neil', theme="gruvbox", path=path))
    settings = load_settings(path)
    assert (settings.user, settings.theme) == ('Ann "A" O\'Neil', "gruvbox")


def test_saving_the_theme_keeps_what_the_user_wrote(tmp_path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '# mine\nuser = "Dana"\ntheme = "nord"\n\n[rules.no_interaction]\ndays = 45\n',
        encoding="utf-8",
    )
    save_settings(load_settings(path).with_theme("gruvbox"))
    text = path.read_text(encoding="utf-8")
    assert '# mine\nuser = "Dana"\ntheme = "gruvbox"\n' in text
    assert "[rules.no_interaction]\ndays = 45" in text
    assert load_settings(path).theme == "gruvbox"


def test_changes_are_recorded_as_the_current_user_or_the_login_name(monkeypatch) -> None:
    import getpass

    from core.config.settings import Settings

    monkeypatch.setenv("CXTUI_USER", "Dana Scully")
    assert Settings(user="Fox Mulder").author == "Dana Scully"
    monkeypatch.delenv("CXTUI_USER")
    assert Settings(user="Fox Mulder").author == "Fox Mulder"
    assert Settings().author == getpass.getuser()
