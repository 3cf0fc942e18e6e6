"""Interaction templates: shipped ones, the config file's, broken ones reported by line."""

from __future__ import annotations

from pathlib import Path

from core.interactions import INTERACTION_KINDS
from core.interactions.templates import SHIPPED, load_templates


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_templates_without_a_config_file(tmp_path: Path) -> None:
    loaded = load_templates(tmp_path / "missing.toml")
    assert loaded.problems == []
    assert [t.name for t in loaded.templates] == ["qbr", "onboarding call", "renewal call"]
    assert all(t.kind in INTERACTION_KINDS and t.summary and t.notes for t in SHIPPED)


def test_user_templates_are_added_and_replace_shipped_ones_by_name(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'user = "Sam"\n'
        "[rules.health_red]\nenabled = false\n"
        '[templates.escalation]\nkind = "Call"\nsummary = " Escalation call "\n'
        'notes = "Who joined:\\nNext step:"\n'
        '[templates.qbr]\nkind = "qbr"\nsummary = "Our own QBR"\n',
    )
    loaded = load_templates(path)
    assert loaded.problems == []
    by_name = {t.name: t for t in loaded.templates}
    assert by_name["escalation"].kind == "call"
    assert by_name["escalation"].summary == "Escalation call"
    assert by_name["escalation"].notes == "Who joined:\nNext step:"
    assert by_name["qbr"].summary == "Our own QBR" and by_name["qbr"].notes == ""
    assert "onboarding call" in by_name


def test_a_broken_template_is_reported_with_its_line_and_the_rest_work(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "# my templates\n"  # 1
        "[templates.good]\n"  # 2
        'kind = "email"\n'  # 3
        'summary = "Sent the deck"\n'  # 4
        "[templates.bad_kind]\n"  # 5
        'summary = "Lunch"\n'  # 6
        'kind = "lunch"\n'  # 7
        "[templates.no_summary]\n"  # 8
        'kind = "note"\n'  # 9
        "[templates.extra]\n"  # 10
        'kind = "note"\n'  # 11
        'summary = "x"\n'  # 12
        "colour = 3\n",  # 13
    )
    loaded = load_templates(path)
    names = [t.name for t in loaded.templates]
    assert "good" in names and "onboarding call" in names
    assert not {"bad_kind", "no_summary", "extra"} & set(names)
    assert len(loaded.problems) == 3
    bad_kind, no_summary, extra = loaded.problems
    assert f"{path}, line 7: templates.bad_kind.kind" in bad_kind and "'lunch'" in bad_kind
    assert "line 8: templates.no_summary needs a summary" in no_summary
    assert "line 13: templates.extra.colour is not a template setting" in extra


def test_an_unreadable_toml_file_keeps_the_shipped_templates(tmp_path: Path) -> None:
    path = _write(tmp_path, '[templates.x]\nkind = "call\n')
    loaded = load_templates(path)
    assert [t.name for t in loaded.templates] == [t.name for t in SHIPPED]
    assert len(loaded.problems) == 1
    assert str(path) in loaded.problems[0] and "line 2" in loaded.problems[0]


def test_templates_must_be_a_table(tmp_path: Path) -> None:
    path = _write(tmp_path, 'user = "Sam"\ntemplates = "qbr"\n')
    loaded = load_templates(path)
    assert loaded.problems == [f"{path}, line 2: templates must be a table"]
    assert len(loaded.templates) == len(SHIPPED)
