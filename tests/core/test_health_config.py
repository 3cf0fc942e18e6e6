"""The health model as configuration: defaults, health.toml, errors naming the line."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from core.health.config import (
    COMPONENTS,
    SIGNALS,
    HealthConfigError,
    config_path,
    default_model,
    defaults_text,
    load_model,
    parse_model,
)


def test_the_shipped_defaults_define_every_component_and_signal() -> None:
    data = tomllib.loads(defaults_text())
    assert set(data["weights"]) == set(COMPONENTS)
    for component in COMPONENTS:
        assert set(data[component]) == set(SIGNALS[component])
    model = default_model()
    assert (model.green, model.yellow) == (70.0, 40.0)
    assert model == parse_model(defaults_text(), "again", base=None)


def test_the_config_file_lives_in_the_user_config_directory() -> None:
    assert config_path() == Path(os.environ["XDG_CONFIG_HOME"]) / "cxtui" / "health.toml"


def test_a_partial_file_changes_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "health.toml"
    path.write_text(
        "[weights]\nusage = 50\n\n[bands]\ngreen = 75\n\n[support.open_tickets]\nlinear = [5, 0]\n"
    )
    model, warnings = load_model(path)
    assert warnings == []
    defaults = default_model()
    assert model.weights == defaults.weights | {"usage": 50.0}
    assert (model.green, model.yellow) == (75.0, 40.0)
    open_tickets = model.signals["support"]["open_tickets"]
    assert open_tickets.mapping.kind == "linear" and open_tickets.weight == 1.0
    assert model.fingerprint() != defaults.fingerprint()


def test_a_missing_file_means_the_defaults(tmp_path: Path) -> None:
    assert load_model(tmp_path / "nothing.toml") == (default_model(), [])


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        ("[weights]\nusage = 30\nengagment = 20\n", 3, "weights.engagment", "unknown key"),
        ("\n[weights]\nsupport = -1\n", 3, "weights.support", "0 or more"),
        ("[bands]\ngreen = 40\nyellow = 70\n", 3, "bands.yellow", "bands out of order"),
        ("[bands]\ngreen = 120\n", 2, "bands.green", "bands out of order"),
        ("[weights]\nusage = 30\n\n[usage]\nshare = 1\n", 5, "usage.share", "unknown key"),
        (
            "[usage.trend_pct]\nweight = 1\nlinear = [0, 0]\n",
            3,
            "usage.trend_pct.linear",
            "must differ",
        ),
        (
            "[support.open_tickets]\nthresholds = [[0, 100], [3, 150]]\n",
            2,
            "support.open_tickets.thresholds",
            "outside 0-100",
        ),
        ("[settings]\nstale_ticket_hours = 0\n", 2, "settings.stale_ticket_hours", "above 0"),
        ("[weights]\nusage = 'high'\n", 2, "weights.usage", "must be a number"),
        ("[weights]\nusage = 30\nsentiment = = 2\n", 3, "weights.sentiment", "not valid TOML"),
        ("[colours]\nred = 1\n", 1, "colours", "unknown key"),
    ],
)
def test_a_broken_file_is_refused_naming_file_line_and_key(
    tmp_path: Path, text: str, line: int, key: str, words: str
) -> None:
    path = tmp_path / "health.toml"
    path.write_text(text)
    with pytest.raises(HealthConfigError) as caught:
        parse_model(text, str(path), base=default_model())
    error = caught.value
    assert (error.line, error.key) == (line, key)
    assert str(error).startswith(f"{path}, line {line}, key '{key}': ")
    assert words in str(error)


def test_a_broken_file_keeps_the_last_good_model_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "health.toml"
    path.write_text("[weights]\nusage = 60\n")
    good, warnings = load_model(path)
    assert warnings == [] and good.weights["usage"] == 60.0
    path.write_text("[weights]\nusage = 60\nsupport = -5\n")
    model, warnings = load_model(path)
    assert model == good
    assert len(warnings) == 1
    assert f"{path}, line 3, key 'weights.support'" in warnings[0]
    assert "using the last good model" in warnings[0]
    other = tmp_path / "other.toml"
    other.write_text("[bands]\nyellow = 90\n")
    model, warnings = load_model(other)
    assert model == default_model()
    assert "using the shipped defaults" in warnings[0]


def test_all_weights_zero_is_refused() -> None:
    text = "[weights]\nusage = 0\nengagement = 0\nsentiment = 0\nsupport = 0\ncommercial = 0\n"
    with pytest.raises(HealthConfigError, match="line 1, key 'weights'"):
        parse_model(text, "health.toml", base=default_model())
