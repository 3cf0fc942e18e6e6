"""The accounts list's columns in the config file (``[accounts_list] columns``): read
with every problem named by file and line, written back keeping the user's text."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config.list_columns import (
    LIST_COLUMNS,
    load_list_columns,
    save_list_columns,
)


def test_without_a_choice_every_column_shows_in_the_default_order(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert load_list_columns(path).columns == LIST_COLUMNS
    path.write_text('user = "Dana"\n', encoding="utf-8")
    loaded = load_list_columns(path)
    assert (loaded.columns, loaded.problems) == (LIST_COLUMNS, ())


def test_the_chosen_columns_in_their_order(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[accounts_list]\ncolumns = ["mrr", "Name", "Last touch", "owner"]\n', encoding="utf-8"
    )
    loaded = load_list_columns(path)
    # the names are matched whatever the case, a space for an underscore
    assert loaded.columns == ("mrr", "name", "last_touch", "owner")
    assert loaded.problems == ()


def test_the_churn_risk_is_a_column_shown_only_when_chosen(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert "churn_risk" not in load_list_columns(path).columns
    path.write_text('[accounts_list]\ncolumns = ["name", "Churn risk"]\n', encoding="utf-8")
    loaded = load_list_columns(path)
    assert (loaded.columns, loaded.problems) == (("name", "churn_risk"), ())


def test_an_unknown_column_is_named_with_its_line_and_left_out(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '# my columns\n[accounts_list]\ncolumns = [\n  "name",\n  "arr",\n  "health",\n]\n',
        encoding="utf-8",
    )
    loaded = load_list_columns(path)
    assert loaded.columns == ("name", "health")
    (problem,) = loaded.problems
    assert problem.startswith(f"{path}, line 5: ")
    assert "'arr'" in problem and "mrr" in problem  # what is known, to pick from
    assert "churn_risk" in problem


def test_name_is_always_shown(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[accounts_list]\ncolumns = ["mrr", "mrr"]\n', encoding="utf-8")
    loaded = load_list_columns(path)
    assert loaded.columns == ("name", "mrr")
    assert any("name" in problem and "line 2" in problem for problem in loaded.problems)
    assert any("'mrr'" in problem and "twice" in problem for problem in loaded.problems)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('accounts_list = "mrr"\n', 1),
        ('[accounts_list]\ncolumns = "mrr"\n', 2),
        ("[accounts_list]\ncolumns = [1, 2]\n", 2),
        ('[accounts_list]\ncolums = ["mrr"]\n', 2),
    ],
)
def test_a_value_of_the_wrong_kind_is_named_and_the_default_used(
    tmp_path: Path, text: str, line: int
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    loaded = load_list_columns(path)
    assert loaded.columns == LIST_COLUMNS
    assert loaded.problems and loaded.problems[0].startswith(f"{path}, line {line}: ")


def test_a_broken_file_is_named_and_the_default_used(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[accounts_list\n", encoding="utf-8")
    loaded = load_list_columns(path)
    assert loaded.columns == LIST_COLUMNS
    assert loaded.problems[0].startswith(f"{path}, line 1: ")


def test_saving_keeps_what_the_user_wrote(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '# who I am\nuser = "Dana"  # me\n\n[accounts_list]\n# my pick\n'
        'columns = ["name"]\n\n[rules.no_interaction]\ndays = 45\n',
        encoding="utf-8",
    )
    save_list_columns(("name", "health", "mrr"), path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith('# who I am\nuser = "Dana"  # me\n\n[accounts_list]\n# my pick\n')
    assert 'columns = ["name", "health", "mrr"]' in text
    assert "[rules.no_interaction]\ndays = 45\n" in text
    assert load_list_columns(path).columns == ("name", "health", "mrr")


def test_saving_into_a_new_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    save_list_columns(("owner", "name"), path)
    assert load_list_columns(path).columns == ("owner", "name")


@pytest.mark.parametrize("columns", [("mrr",), ("name", "arr"), ("name", "mrr", "mrr")])
def test_a_choice_that_cannot_be_read_back_is_refused(
    tmp_path: Path, columns: tuple[str, ...]
) -> None:
    path = tmp_path / "config.toml"
    with pytest.raises(ValueError):
        save_list_columns(columns, path)
    assert not path.exists()


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("user = \n", id="a-broken-file"),
        pytest.param('accounts_list = "mrr"\n', id="a-table-of-the-wrong-kind"),
    ],
)
def test_a_file_it_cannot_save_into_is_never_overwritten(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError):
        save_list_columns(("name",), path)
    assert path.read_text(encoding="utf-8") == text


def test_a_custom_field_is_a_column_by_its_name(tmp_path: Path) -> None:
    """``field:NAME`` names a custom field; the config file cannot know the database's
    fields, so any name is kept with where it was written, for the list to check."""
    path = tmp_path / "config.toml"
    path.write_text(
        '[accounts_list]\ncolumns = [\n  "name",\n  "field:Contract",\n  "Field: tenure ",\n'
        '  "field:",\n  "field:contract",\n]\n',
        encoding="utf-8",
    )
    loaded = load_list_columns(path)
    assert loaded.columns == ("name", "field:Contract", "field:tenure")
    assert loaded.where("field:tenure") == f"{path}, line 5"
    (empty,) = [problem for problem in loaded.problems if "'field:'" in problem]
    assert empty.startswith(f"{path}, line 6: ") and "a custom field's name" in empty
    # the same field in another case is the same column
    assert any("line 7" in p and "twice" in p for p in loaded.problems)


def test_custom_field_columns_are_written_by_name(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    save_list_columns(["name", "field:PaymentMethod", "mrr"], path)
    assert load_list_columns(path).columns == ("name", "field:PaymentMethod", "mrr")
    with pytest.raises(ValueError, match="field:"):
        save_list_columns(["name", "field: "], path)
