"""``cxtui metrics``: the JSON contract, the table, and refusals, on a real SQLite file."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.metrics import CONTRACT_KEYS

runner = CliRunner()


def run(db: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["metrics", "--db", str(db), *args])
    return result.exit_code, result.output


def test_json_says_what_the_figures_assume(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """A script or an assistant reads the JSON alone: the assumptions printed under
    the table (accounts without a start date are customers since before the records)
    are in it too, as ``notes``; they were on the table only."""
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("external_id,name,mrr\nA-1,Alpha,100\nA-2,Beta,50\nA-3,Gamma,\n")
    db = new_books("book.db")
    imported = runner.invoke(app, ["import", "accounts", str(accounts), "--db", str(db)])
    assert imported.exit_code == 0, imported.output
    code, output = run(db, "--json")
    assert code == 0, output
    undated = len(accounts.read_text().splitlines()) - 1  # no row has a start date
    assert any(
        note.startswith(f"Assumed: {undated:,} accounts have no start date")
        for note in json.loads(output)["notes"]
    )


def test_one_account_assumed_is_said_in_the_singular(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """A book with one churned account of unknown churn date read 'Assumed: 1 churned
    accounts have no churn date: not customers since the day their churn was
    recorded...', and one account without a start date '1 accounts have no start
    date'. Said of one account, they read in the singular (of more, as before)."""
    import polars as pl

    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "external_id,name,status,start_date,mrr\n"
        "A-1,Alpha,active,2024-01-01,100\n"
        "A-2,Beta,churned,2024-01-01,50\n"
        "A-3,Gamma,active,,70\n"
    )
    db = new_books("book.db")
    imported = runner.invoke(app, ["import", "accounts", str(accounts), "--db", str(db)])
    assert imported.exit_code == 0, imported.output
    raw = pl.read_csv(accounts)
    undated = raw.filter(pl.col("status") == "churned").height  # no churned_at column
    unstarted = raw["start_date"].null_count()
    assert (undated, unstarted) == (1, 1)
    code, output = run(db, "--json")
    assert code == 0, output
    notes = json.loads(output)["notes"]
    assert (
        "Assumed: 1 churned account has no churn date: not a customer since the day its"
        " churn was recorded, in no period's churn. Import churned_at to date it."
    ) in notes, notes
    assert (
        "Assumed: 1 account has no start date: a customer since before the records begin,"
        " never new. Import start_date (or a tenure) to date it."
    ) in notes, notes


def test_json_has_exactly_the_contract_keys(db: Path) -> None:
    code, output = run(db, "--as-of", "2024-02-15", "--period", "2024-01", "--json")
    assert code == 0, output
    document = json.loads(output)
    assert list(document) == ["as_of", "period", "scope", "metrics", "notes"]
    assert document["as_of"] == "2024-02-15"
    assert document["period"] == {"start": "2024-01-01", "end": "2024-01-31"}
    assert document["scope"]["segment"] is None and document["scope"]["owner"] is None
    metrics = document["metrics"]
    assert list(metrics) == list(CONTRACT_KEYS)
    assert metrics["churn_rate_pct"] == pytest.approx(25.0)
    assert metrics["mrr"] == 1984.56  # exact to the cent: 1,234.56 + 500 + 250
    assert metrics["mrr_churned"] == -100.01
    assert metrics["nps"] == 100.0 and metrics["nps_promoters"] == 1
    assert metrics["csat_pct"] is None and metrics["first_response_hours_median"] is None


def test_scope_and_breakdown(db: Path) -> None:
    code, output = run(
        db, "--as-of", "2024-01-31", "--period", "month", "--segment", "SMB", "--json"
    )
    assert code == 0, output
    document = json.loads(output)
    assert document["scope"]["segment"] == "SMB"
    assert document["metrics"]["active_accounts"] == 2
    code, output = run(db, "--as-of", "2024-01-31", "--by", "owner", "--json")
    assert code == 0, output
    groups = json.loads(output)["metrics"]
    assert [group["group"] for group in groups] == ["Dana", "Lee"]
    assert all(list(group["metrics"]) == list(CONTRACT_KEYS) for group in groups)
    assert [group["metrics"]["churned_accounts"] for group in groups] == [1, 0]


def test_quarter_and_range_forms(db: Path) -> None:
    for period, start, end in (
        ("2023-Q4", "2023-10-01", "2023-12-31"),
        ("2023-12-15..2024-01-15", "2023-12-15", "2024-01-15"),
        ("year", "2024-01-01", "2024-12-31"),
    ):
        code, output = run(db, "--as-of", "2024-02-15", "--period", period, "--json")
        assert code == 0, output
        assert json.loads(output)["period"] == {"start": start, "end": end}


def test_table_is_grouped_with_separators_and_no_data_dashes(db: Path) -> None:
    code, output = run(db, "--as-of", "2024-02-15", "--period", "2024-01")
    assert code == 0, output
    for section in ("Customers", "Revenue", "Sentiment", "Purchases", "Engagement", "Support"):
        assert section in output
    assert "1,984.56" in output
    assert "25.0 %" in output
    csat_line = next(line for line in output.splitlines() if "CSAT" in line)
    assert csat_line.rstrip().endswith("—")


def test_the_default_is_this_month_as_of_today(db: Path) -> None:
    code, output = run(db, "--json")
    assert code == 0, output
    document = json.loads(output)
    today = date.today()
    assert document["as_of"] == today.isoformat()
    assert document["period"]["start"] == today.replace(day=1).isoformat()
    assert document["metrics"]["active_accounts"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2024-02-30"], "--as-of"),
        (["--as-of", "someday"], "--as-of"),
        (["--period", "2024-W05"], "--period"),
        (["--period", "2024-03-01..2024-02-01"], "--period"),
        (
            ["--by", "shoe_size"],
            "--by: cannot break down by 'shoe_size': use segment, owner or plan",
        ),
        (["--as-of", "2024-01-10", "--period", "2024-02"], "after the as-of date"),
    ],
)
def test_bad_input_exits_2_with_a_message(db: Path, args: list[str], message: str) -> None:
    code, output = run(db, *args)
    assert code == 2
    assert message in output


def test_help_describes_every_option() -> None:
    result = runner.invoke(app, ["metrics", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for option in ("--db", "--as-of", "--period", "--segment", "--owner", "--by", "--json"):
        assert option in result.output


def test_segments_match_any_case_and_unknown_ones_are_named(db: Path) -> None:
    code, output = run(db, "--as-of", "2024-01-31", "--segment", " smb ", "--json")
    assert code == 0, output
    document = json.loads(output)
    assert document["scope"]["segment"] == "SMB" and document["metrics"]["active_accounts"] == 2
    code, output = run(db, "--as-of", "2024-01-31", "--owner", "Nobody")
    assert code == 2
    assert "--owner: there is no owner 'Nobody'; the owners are: Dana, Lee" in output
    code, output = run(db, "--segment", "Startups", "--json")
    assert code == 2 and "the segments are: Enterprise, SMB" in output
    out = db.parent / "x.csv"
    result = runner.invoke(
        app, ["export", "accounts", "--out", str(out), "--owner", "nobody", "--db", str(db)]
    )
    assert result.exit_code == 2 and "the owners are: Dana, Lee" in result.output
    assert not out.exists()


def test_a_sqlite_file_is_read_without_sqlalchemy_or_the_models(db: Path) -> None:
    """What ``cxtui metrics --json`` prints from a SQLite file at the current schema
    is read without importing SQLAlchemy, SQLModel or the models (~1 s of a short
    command), and is the document the engine's reads give."""
    from core.metrics import metrics_document, metrics_notes, metrics_results
    from core.metrics.book import book_records
    from core.periods import Period
    from core.scope import Scope
    from core.store.db import open_engine, sqlite_url
    from tests.conftest import run_fresh

    script = (
        "import sys\n"
        "from cli.start import run\n"
        f"sys.argv = ['cxtui', 'metrics', '--db', {str(db)!r}, '--as-of', '2024-02-15', "
        "'--period', '2024-01', '--segment', 'smb', '--json']\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
    )
    printed, loaded = run_fresh(script, ("sqlalchemy", "sqlmodel", "pydantic", "core.models"))
    assert loaded == []
    engine = open_engine(sqlite_url(db))
    january, as_of, scope = (
        Period.parse("2024-01", date(2024, 2, 15)),
        date(2024, 2, 15),
        Scope(segment="SMB"),
    )
    results = metrics_results(engine, january, scope, as_of)
    notes = metrics_notes(january, results, book_records(engine), " See it with --period {month}.")
    expected = metrics_document(january, scope, as_of, None, results, notes)
    engine.dispose()
    assert json.loads(printed) == json.loads(json.dumps(expected))


def test_a_breakdown_by_words_that_look_like_markup_prints_them_as_they_are(
    new_books: Callable[[str], Path],
) -> None:
    """A segment named '[/]SMB' ended --by segment in a MarkupError traceback; an owner
    '[b]Lee[/b]' lost its brackets (the table's headings read them as markup)."""
    from core.store.db import open_engine, sqlite_url
    from tests.core.metrics_book import BookWriter

    path = new_books("book.db")
    engine = open_engine(sqlite_url(path))
    book = BookWriter(engine)
    book.account(date(2023, 3, 1), mrr=50000, segment="[/]SMB", owner="[b]Lee[/b]")
    book.save()
    engine.dispose()
    for by, word in (("segment", "[/]SMB"), ("owner", "[b]Lee[/b]")):
        code, output = run(path, "--as-of", "2024-01-31", "--by", by)
        assert code == 0, output
        assert word in output


def test_the_table_writes_money_with_its_dollar_sign(db: Path) -> None:
    """Money in the table reads as the app and the import's summary write it: "$1,984.56",
    "-$12.00"; each row holds the JSON's figure of the same command."""
    from core.metrics.registry import LABELS, unit

    code, output = run(db, "--as-of", "2024-02-15", "--period", "2024-01")
    assert code == 0, output
    code, text = run(db, "--as-of", "2024-02-15", "--period", "2024-01", "--json")
    assert code == 0, text
    figures = json.loads(text)["metrics"]
    rows = {
        line.split("│")[0].strip(): line.split("│")[1].strip()
        for line in output.splitlines()
        if "│" in line
    }
    money = [key for key in figures if unit(key) == "money" and figures[key] is not None]
    assert money
    for key in money:
        value = figures[key]
        expected = f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"
        assert rows[LABELS[key]] == expected, (key, rows[LABELS[key]])
