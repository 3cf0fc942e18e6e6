"""Saved filters in the config file: read, reported with file and line when broken,
saved (new or in place) and deleted keeping every other line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from core.accounts.queries import AccountFilter
from core.config.saved_filters import (
    KEYS,
    SavedFilter,
    UnknownFilterError,
    delete_filter,
    get_filter,
    load_saved_filters,
    name_problem,
    save_filter,
)
from core.config.settings import load_settings, save_settings
from core.playbook.rules import load_rules_config

THE_REST = """# my cxtui settings
user = "Dana"
theme = "nord"

# rules: quieter
[rules.no_interaction]
days = 45
"""

RENEWALS = SavedFilter(
    name="Enterprise renewals",
    segments=frozenset({"Enterprise", "Mid-market"}),
    owners=frozenset({"Ana"}),
    plans=frozenset({"Scale"}),
    statuses=frozenset({"active", "onboarding"}),
    bands=frozenset({"red"}),
    renewal_within_days=90,
    no_interaction_days=0,
)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(THE_REST, encoding="utf-8")
    return path


def test_no_file_no_filters(tmp_path: Path) -> None:
    saved = load_saved_filters(tmp_path / "missing.toml")
    assert (saved.filters, saved.problems) == ({}, [])


def test_save_then_load_round_trips_and_keeps_every_other_line(config: Path) -> None:
    assert save_filter(RENEWALS, config) is False
    assert load_saved_filters(config).filters == {RENEWALS.name: RENEWALS}
    text = config.read_text()
    assert text.startswith(THE_REST)
    assert '[filters."Enterprise renewals"]' in text
    assert load_settings(config).user == "Dana"
    assert load_rules_config(config).settings["no_interaction"]["days"] == 45


def test_saving_settings_keeps_the_filters(config: Path) -> None:
    save_filter(RENEWALS, config)
    save_settings(load_settings(config).with_theme("gruvbox"))
    assert load_settings(config).theme == "gruvbox"
    assert load_saved_filters(config).filters == {RENEWALS.name: RENEWALS}


def test_replacing_a_filter_rewrites_its_table_in_place(config: Path) -> None:
    first = SavedFilter(name="mine", owners=frozenset({"Bo"}))
    second = SavedFilter(name="red", bands=frozenset({"red"}))
    save_filter(first, config)
    with config.open("a") as file:
        file.write("\n# the red ones\n")
    save_filter(second, config)
    changed = SavedFilter(name="mine", segments=frozenset({"SMB"}), renewal_within_days=30)
    assert save_filter(changed, config) is True
    saved = load_saved_filters(config)
    assert saved.filters == {"mine": changed, "red": second}
    text = config.read_text()
    assert text.index("[filters.mine]") < text.index("# the red ones") < text.index("[filters.red]")
    assert "Bo" not in text
    assert text.startswith(THE_REST)


def test_delete_removes_only_its_table(config: Path) -> None:
    save_filter(RENEWALS, config)
    save_filter(SavedFilter(name="red", bands=frozenset({"red"})), config)
    delete_filter(RENEWALS.name, config)
    assert list(load_saved_filters(config).filters) == ["red"]
    delete_filter("red", config)
    assert config.read_text() == THE_REST
    with pytest.raises(UnknownFilterError, match="no saved filter called 'red'"):
        delete_filter("red", config)


def test_get_filter_names_the_known_filters_when_unknown(config: Path) -> None:
    save_filter(RENEWALS, config)
    assert get_filter(RENEWALS.name, config) == RENEWALS
    with pytest.raises(UnknownFilterError) as error:
        get_filter("nope", config)
    assert str(error.value) == "no saved filter called 'nope' (saved filters: Enterprise renewals)"


def test_a_broken_filter_is_reported_with_file_and_line_and_the_others_work(
    config: Path,
) -> None:
    config.write_text(
        THE_REST
        + "\n[filters.good]\n"  # line 9
        + 'segments = ["SMB"]\n'
        + "\n[filters.typo]\n"  # line 12
        + 'owners = ["Ana"]\n'
        + 'statuses = ["actve"]\n'  # line 14
        + "\n[filters.days]\n"
        + "renewal_within_days = -3\n"  # line 17
        + "\n[filters.extra]\n"
        + 'colour = "red"\n'  # line 20
        + "\n[filters.flat]\n"
        + "segments = 'SMB'\n"  # line 23
    )
    saved = load_saved_filters(config)
    assert saved.filters == {"good": SavedFilter(name="good", segments=frozenset({"SMB"}))}
    assert saved.problems == [
        f"{config}, line 14: filters.typo.statuses has 'actve', which is not one of "
        "active, onboarding, churned; filter left out",
        f"{config}, line 17: filters.days.renewal_within_days must be a whole number of days "
        ">= 0, not -3; filter left out",
        f"{config}, line 20: filters.extra.colour is not a part of a saved filter (known: "
        "segments, owners, plans, statuses, bands, renewal_within_days, no_interaction_days, "
        "set_to_cancel, fields); filter left out",
        f"{config}, line 23: filters.flat.segments must be a list of non-empty strings, "
        "not 'SMB'; filter left out",
    ]
    with pytest.raises(ValueError, match="line 14"):
        get_filter("typo", config)


def test_a_filter_that_is_not_a_table(config: Path) -> None:
    config.write_text(THE_REST + "\n[filters]\nloose = 3\n")
    saved = load_saved_filters(config)
    assert saved.filters == {}
    assert saved.problems == [f"{config}, line 10: filters.loose must be a table; filter left out"]


def test_a_broken_file_is_reported_and_never_written(config: Path) -> None:
    broken = THE_REST + "[filters.x\n"
    config.write_text(broken)
    saved = load_saved_filters(config)
    assert saved.filters == {}
    assert len(saved.problems) == 1 and f"{config}, line 8" in saved.problems[0]
    with pytest.raises(ValueError, match="was not changed"):
        save_filter(RENEWALS, config)
    with pytest.raises(ValueError, match="was not changed"):
        delete_filter("x", config)
    assert config.read_text() == broken


def test_an_inline_filter_is_rewritten_as_a_table(config: Path) -> None:
    inline = THE_REST + '\n[filters]\nmine = { owners = ["Bo"] }\nother = { owners = ["Cy"] }\n'
    config.write_text(inline)
    assert load_saved_filters(config).filters["mine"].owners == {"Bo"}
    ana = SavedFilter(name="mine", owners=frozenset({"Ana"}))
    save_filter(ana, config)
    assert load_saved_filters(config).filters == {
        "mine": ana,
        "other": SavedFilter(name="other", owners=frozenset({"Cy"})),
    }
    assert config.read_text().startswith(THE_REST)


def test_a_saved_filter_keeps_the_comments_in_and_after_it(config: Path) -> None:
    config.write_text(
        THE_REST + '\n[filters.mine]\n# only Bo\nowners = ["Bo"] # for now\n\n# the red ones\n'
        '[filters.red]\nbands = ["red"]\n'
    )
    save_filter(SavedFilter(name="mine", owners=frozenset({"Ana"})), config)
    text = config.read_text()
    assert "# only Bo" in text and "# the red ones" in text and '["Ana"]' in text


def test_names_with_spaces_and_quotes_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    odd = SavedFilter(name='Ana\'s "red" book', owners=frozenset({"Ana"}))
    save_filter(odd, path)
    assert load_saved_filters(path).filters == {odd.name: odd}
    assert name_problem("") == "a name is required"
    assert name_problem(" x") == "the name cannot start or end with a space"
    assert name_problem("x" * 61) == "the name is longer than 60 characters"
    with pytest.raises(ValueError, match="a name is required"):
        save_filter(SavedFilter(name="  "), path)


def test_from_and_to_the_accounts_list_filter() -> None:
    where = AccountFilter(
        search="acme",
        my_book="Test User",
        segments=frozenset({"SMB"}),
        bands=frozenset({"red", "yellow"}),
        no_interaction_days=30,
    )
    saved = SavedFilter.from_account_filter("quiet", where)
    assert saved.describe() == ["segment: SMB", "health: red, yellow", "no interaction for 30 d"]
    assert saved.account_filter(where) == where
    assert saved.account_filter().search == "" and saved.account_filter().my_book is None
    with_plan = SavedFilter(name="scale", plans=frozenset({"Scale"}))
    assert with_plan.account_filter().plans == frozenset({"Scale"})
    assert RENEWALS.describe(("bands",)) == ["health: red"]


EVERY_KEY = AccountFilter(
    search="north",
    my_book="Dana",
    segments=frozenset({"SMB", "Enterprise"}),
    owners=frozenset({"Dana"}),
    plans=frozenset({"Scale"}),
    statuses=frozenset({"active"}),
    bands=frozenset({"red"}),
    renewal_within_days=30,
    no_interaction_days=45,
)
"""The list's filter with every key set."""


def test_every_key_goes_from_the_list_filter_to_a_saved_filter_and_back() -> None:
    where = EVERY_KEY
    saved = SavedFilter.from_account_filter("all", where)
    assert all(getattr(saved, key) == getattr(where, key) for key in KEYS)
    assert saved.account_filter(where) == where
    assert saved.account_filter() == replace(where, search="", my_book=None)


def test_a_saved_filter_says_its_parts_as_the_filter_bar_does() -> None:
    """Saved from the list's filter, a filter is described in the same words as the
    filter bar (without the search and "my book", which it does not keep)."""
    where = EVERY_KEY
    saved = SavedFilter.from_account_filter("mine", where).describe()
    assert "; ".join(where.describe()) == (
        'my book (Dana); search "north"; segment: Enterprise, SMB; owner: Dana; plan: Scale;'
        " health: red; status: active; renewal within 30 d; no interaction for 45 d"
    )
    assert sorted(saved) == sorted(where.describe()[2:])
    assert saved.index("status: active") < saved.index("health: red")  # as it always was
