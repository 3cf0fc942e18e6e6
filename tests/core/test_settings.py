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
    settings = load_settings(path)  # that key left out, the file still used
    assert settings.problem is None
    assert settings.warning is not None and "line 2" in settings.warning
    assert "'theme'" in settings.warning


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


def test_unknown_keys_are_named_with_their_line(tmp_path: Path) -> None:
    """``them = "gruvbox"`` (a typo of theme) and a ``[rule.x]`` table (of ``[rules.x]``)
    were left out unsaid: the user's setting not in force, nothing saying why. Now each
    is named with its line in the warning; the file is still used, and not changed."""
    from core.playbook.rules import load_rules_config

    path = tmp_path / "config.toml"
    text = (
        'user = "Dana"\n# mine\nthem = "gruvbox"\n\n[rules.detractor]\nenabled = false\n'
        "[rule.no_interaction]\ndays = 20\n"
    )
    path.write_text(text)
    settings = load_settings(path)
    assert (settings.user, settings.theme, settings.problem) == ("Dana", DEFAULT_THEME, None)
    assert settings.warning is not None
    assert f"{path}, line 3: unknown key 'them'" in settings.warning
    assert f"{path}, line 7: unknown key 'rule'" in settings.warning
    assert "(known: user, theme, [filters], [metrics]," in settings.warning
    assert "detractor" not in load_rules_config(path).enabled()  # the known table is read
    assert path.read_text() == text


def test_every_table_of_the_config_file_is_known(tmp_path: Path) -> None:
    """A table each part writes or reads is no unknown key."""
    from core.config import list_columns, metric_options, saved_filters
    from core.config.settings import TABLES

    assert {saved_filters.TABLE, metric_options.TABLE, list_columns.TABLE} <= set(TABLES)
    path = tmp_path / "config.toml"
    path.write_text(
        'user = "Dana"\ntheme = "nord"\n[filters.mine]\nowners = ["Dana"]\n'
        "[metrics]\nopen_ticket_hours = 24\n[accounts_list]\ncolumns = []\n"
        '[rules]\nrun_on_launch = false\n[templates.qbr]\nkind = "qbr"\n'
    )
    assert load_settings(path).warning is None


@pytest.mark.parametrize(
    ("text", "kept", "words"),
    [
        (
            'user = "Dana Scully"\ntheme = 3\n',
            ("Dana Scully", DEFAULT_THEME),
            "line 2: 'theme' must be a non-empty string in double quotes, not 3; "
            f"left out (using {DEFAULT_THEME})",
        ),
        (
            'theme = "nord"\nuser = ""\n',
            (None, "nord"),
            "line 2: 'user' must be a non-empty string in double quotes, not \"\"; "
            "left out (no user set)",
        ),
    ],
)
def test_a_bad_value_leaves_out_that_key_alone(
    tmp_path: Path, text: str, kept: tuple[str | None, str], words: str
) -> None:
    """`theme = 3` or `user = ""` threw the whole file out for the session: the user and
    the theme written beside it were not in force either. Only the bad key is left
    out, named with its line; the file is not changed, and saving a theme keeps the
    user's line."""
    path = tmp_path / "config.toml"
    path.write_text(text)
    settings = load_settings(path)
    assert (settings.user, settings.theme, settings.problem) == (*kept, None)
    assert settings.warning == f"{path}, {words}"
    assert path.read_text() == text
    save_settings(settings.with_theme("dracula"))
    lines = path.read_text().splitlines()
    assert 'theme = "dracula"' in lines
    assert [line for line in lines if line.startswith("user")] == [
        line for line in text.splitlines() if line.startswith("user")
    ]
