"""``cxtui filters`` and ``cxtui metrics --filter`` on a real SQLite file and a real
config file (the conftest points XDG_CONFIG_HOME at a temporary directory)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from core.config.saved_filters import SavedFilter, load_saved_filters, save_filter
from core.config.settings import config_path

runner = CliRunner()
JANUARY = ("--as-of", "2024-01-31", "--period", "2024-01", "--json")

SMB = SavedFilter(
    name="small ones",
    segments=frozenset({"SMB"}),
    statuses=frozenset({"active", "churned"}),
    bands=frozenset({"red"}),  # the accounts list only
)
DANA_LIVE = SavedFilter(
    name="Dana live", owners=frozenset({"Dana"}), statuses=frozenset({"active"})
)


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def metrics(book: Path, *args: str) -> dict:
    code, out, err = invoke("metrics", "--db", str(book), *JANUARY, *args)
    assert code == 0, err
    return json.loads(out)


def test_metrics_of_a_saved_filter(db: Path) -> None:
    save_filter(SMB)
    save_filter(DANA_LIVE)
    by_filter = metrics(db, "--filter", "small ones")
    assert by_filter["metrics"] == metrics(db, "--segment", "SMB")["metrics"]
    assert by_filter["scope"] == {
        "segment": None,
        "owner": None,
        "filter": "small ones",
        "segments": ["SMB"],
        "statuses": ["active", "churned"],
        "by": None,
    }
    # Dana has the Enterprise account and the SMB one that churned on 2024-01-09
    dana = metrics(db, "--owner", "Dana")["metrics"]
    live = metrics(db, "--filter", "Dana live")["metrics"]
    assert (dana["churned_accounts"], dana["active_accounts"]) == (1, 1)
    assert (live["churned_accounts"], live["active_accounts"], live["mrr"]) == (0, 1, 1234.56)
    # --segment narrows a saved filter further
    both = metrics(db, "--filter", "Dana live", "--segment", "SMB")
    assert both["metrics"]["active_accounts"] == 0
    assert both["scope"]["segment"] == "SMB" and both["scope"]["filter"] == "Dana live"


def test_metrics_says_the_list_only_parts_are_not_applied(db: Path) -> None:
    save_filter(SMB)
    code, out, err = invoke(
        "metrics", "--db", str(db), "--as-of", "2024-01-31", "--filter", "small ones"
    )
    assert code == 0, err
    title = " ".join(out.split())  # the console wraps it
    assert 'as of 2024-01-31, filter "small ones" (segment: SMB; status: active, churned)' in title
    assert "health: red: that narrows the accounts list only, not the metrics" in err


def test_metrics_refuses_an_unknown_or_broken_filter(db: Path) -> None:
    save_filter(SMB)
    code, out, err = invoke("metrics", "--db", str(db), "--filter", "nope")
    assert code == 2 and out == ""
    assert err == "cxtui: --filter: no saved filter called 'nope' (saved filters: small ones)\n"
    with config_path().open("a") as file:
        file.write('\n[filters.typo]\nstatuses = ["live"]\n')
    code, _, err = invoke("metrics", "--db", str(db), "--filter", "typo")
    assert code == 2
    assert f"{config_path()}, line 7: filters.typo.statuses has 'live'" in err


def test_list_show_and_delete() -> None:
    code, out, _ = invoke("filters", "list")
    assert code == 0 and out.startswith("No saved filters.")
    save_filter(SMB)
    save_filter(DANA_LIVE)
    code, out, _ = invoke("filters", "list", "--json")
    assert code == 0
    assert json.loads(out) == [
        {"name": "Dana live", "owners": ["Dana"], "statuses": ["active"]},
        {
            "name": "small ones",
            "segments": ["SMB"],
            "statuses": ["active", "churned"],
            "bands": ["red"],
        },
    ]
    code, out, _ = invoke("filters", "list")
    assert code == 0 and "Dana live" in out and "small ones" in out
    code, out, _ = invoke("filters", "show", "small ones")
    assert code == 0
    assert "accounts (list and metrics): segment: SMB; status: active, churned" in out
    assert "accounts list only:          health: red" in out
    code, out, _ = invoke("filters", "delete", "small ones")
    assert (code, out) == (0, "Deleted the saved filter 'small ones'.\n")
    assert list(load_saved_filters().filters) == ["Dana live"]


def test_unknown_names_exit_2_with_a_message() -> None:
    save_filter(DANA_LIVE)
    for command in ("show", "delete"):
        code, out, err = invoke("filters", command, "nope")
        assert (code, out) == (2, "")
        assert err == "cxtui: no saved filter called 'nope' (saved filters: Dana live)\n"


def test_list_reports_a_broken_filter_and_lists_the_others() -> None:
    save_filter(DANA_LIVE)
    with config_path().open("a") as file:
        file.write("\n[filters.bad]\nrenewal_within_days = true\n")
    code, out, err = invoke("filters", "list", "--json")
    assert code == 0
    assert [item["name"] for item in json.loads(out)] == ["Dana live"]
    assert f"{config_path()}, line 6: filters.bad.renewal_within_days must be a whole" in err


def test_export_of_a_saved_filter(db: Path, tmp_path: Path) -> None:
    import polars as pl

    save_filter(DANA_LIVE)
    out = tmp_path / "dana.csv"
    code, _out, err = invoke(
        "export", "accounts", "--out", str(out), "--filter", "Dana live", "--db", str(db)
    )
    assert code == 0, err
    written = pl.read_csv(out)
    assert written["owner"].to_list() == ["Dana"] and written["status"].to_list() == ["active"]
    code, _out, err = invoke(
        "export", "accounts", "--out", str(out), "--filter", "nope", "--db", str(db)
    )
    assert code == 2 and "--filter" in err


def test_the_list_prints_names_that_look_like_markup_as_they_are() -> None:
    """A filter named '[b]mine[/b]' of a segment '[/]SMB' is listed as typed: the
    table read it as markup (a MarkupError traceback, or the brackets lost)."""
    save_filter(SavedFilter(name="[b]mine[/b]", segments=frozenset({"[/]SMB"})))
    code, out, err = invoke("filters", "list")
    assert code == 0, err
    assert "[b]mine[/b]" in out and "[/]SMB" in out
