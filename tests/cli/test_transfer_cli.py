"""``cxtui import`` and ``cxtui export`` on a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from cli.main import app
from core import models as m
from tests.rows import count_in

runner = CliRunner()
FIXTURES = Path(__file__).parents[1] / "fixtures" / "import"
CHURN = ["--value", "status:Yes=churned", "--value", "status:No=active"]


@pytest.fixture
def db(book_file: Path) -> Path:
    path = book_file
    result = runner.invoke(
        app, ["import", "accounts", str(FIXTURES / "accounts.csv"), "--db", str(path), *CHURN]
    )
    assert result.exit_code == 0, result.output
    return path


def test_import_reports_inserted_updated_skipped(db: Path) -> None:
    args = ["import", "interactions", str(FIXTURES / "interactions.tsv"), "--db", str(db)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "3 were inserted, 0 updated and 0 skipped" in first.stdout
    second = runner.invoke(app, args)
    assert "0 were inserted, 0 updated and 3 skipped" in second.stdout
    assert count_in(db, m.Interaction) == 3


def test_bad_rows_exit_2_with_report_and_write_nothing(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "account,kind,score,date\n7590-VHVEG,nps,9,2024-01-02\n7590-VHVEG,nps,11,2024-01-03\n"
    )
    result = runner.invoke(app, ["import", "surveys", str(path), "--db", str(db)])
    assert result.exit_code == 2
    assert 'row 3, column "score", value "11": NPS must be 0-10' in result.stderr
    assert "nothing was written" in result.stderr
    assert count_in(db, m.SurveyResponse) == 0


def test_missing_column_and_map(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("client,when,total\n7590-VHVEG,2024-01-02,12.50\n")
    args = ["import", "purchases", str(path), "--db", str(db)]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2
    assert "missing required column for account" in refused.stderr
    accepted = runner.invoke(app, [*args, "--map", "account=client"])
    assert accepted.exit_code == 0, accepted.output
    assert count_in(db, m.Purchase) == 1


def test_mapping_file(tmp_path: Path, db: Path) -> None:
    mapping = tmp_path / "map.toml"
    mapping.write_text('[values.status]\nYes = "churned"\nNo = "active"\n')
    result = runner.invoke(
        app,
        [
            "import",
            "accounts",
            str(FIXTURES / "accounts.csv"),
            "--db",
            str(db),
            "--mapping",
            str(mapping),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "3 skipped" in result.stdout


def test_dry_run_and_create_missing_accounts(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("account,day,active_users\nNEW-9,2024-01-02,4\n")
    args = ["import", "usage", str(path), "--db", str(db), "--create-missing-accounts"]
    dry = runner.invoke(app, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1 would be inserted" in dry.stdout and "1 new account would be created" in dry.stdout
    assert (count_in(db, m.Account), count_in(db, m.DailyUsage)) == (3, 0)
    real = runner.invoke(app, args)
    assert real.exit_code == 0, real.output
    assert (count_in(db, m.Account), count_in(db, m.DailyUsage)) == (4, 1)


def test_unreadable_file_and_unknown_kind(db: Path) -> None:
    truncated = runner.invoke(
        app, ["import", "purchases", str(FIXTURES / "truncated.xlsx"), "--db", str(db)]
    )
    assert truncated.exit_code == 2
    assert "cannot be read as an Excel workbook" in truncated.stderr
    unknown = runner.invoke(
        app, ["import", "deals", str(FIXTURES / "accounts.csv"), "--db", str(db)]
    )
    assert unknown.exit_code == 2
    assert "choose one of" in unknown.stderr


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_export_by_extension(tmp_path: Path, db: Path, suffix: str) -> None:
    out = tmp_path / f"accounts{suffix}"
    result = runner.invoke(
        app, ["export", "accounts", "--out", str(out), "--db", str(db), "--segment", "SMB"]
    )
    assert result.exit_code == 0, result.output
    assert "Exported 2 rows of accounts" in result.stdout
    reader = {".csv": pl.read_csv, ".xlsx": pl.read_excel, ".parquet": pl.read_parquet}[suffix]
    assert sorted(reader(out)["external_id"]) == ["3668-QPYBK", "7590-VHVEG"]


def test_export_of_some_accounts_by_their_external_ids(tmp_path: Path, db: Path) -> None:
    """``--account``, repeated: the interactions of those accounts alone, as plain SQL
    reads them. An id the book lacks, or --account with the metrics (the book's),
    exits 2 saying so, and writes no file."""
    imported = runner.invoke(
        app, ["import", "interactions", str(FIXTURES / "interactions.tsv"), "--db", str(db)]
    )
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "two.csv"
    chosen = ["--account", "7590-VHVEG", "--account", "3668-QPYBK"]
    result = runner.invoke(
        app, ["export", "interactions", "--out", str(out), "--db", str(db), *chosen]
    )
    assert result.exit_code == 0, result.output
    with closing(sqlite3.connect(db)) as raw:
        expected = raw.execute(
            "SELECT a.external_id, i.summary FROM interaction i JOIN account a"
            " ON a.id = i.account_id WHERE a.external_id IN ('7590-VHVEG', '3668-QPYBK')"
            " ORDER BY i.occurred_at, i.id"
        ).fetchall()
        every = raw.execute("SELECT count(*) FROM interaction").fetchone()[0]
    assert 0 < len(expected) < every
    assert list(pl.read_csv(out).select("account", "summary").iter_rows()) == expected
    for what, given, said in (
        ("interactions", "NOPE-1", 'the book has no account with external id "NOPE-1"'),
        ("metrics", "7590-VHVEG", "--account: metrics are the whole book's"),
    ):
        refused = tmp_path / f"{what}.csv"
        args = ["export", what, "--out", str(refused), "--db", str(db), "--account", given]
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert said in result.stderr
        assert not refused.exists()


@pytest.mark.parametrize("option", ["--segment", "--owner"])
def test_export_refuses_an_empty_segment_or_owner(tmp_path: Path, db: Path, option: str) -> None:
    """``--segment ""`` (a script's unset variable) names no segment, as it does for
    ``cxtui metrics``: it was read as no --segment at all, and the whole book exported
    as if it were the segment's."""
    out = tmp_path / "accounts.csv"
    result = runner.invoke(
        app, ["export", "accounts", "--out", str(out), "--db", str(db), option, ""]
    )
    assert result.exit_code == 2, result.output
    assert f"{option}: there is no {option[2:]} ''" in result.stderr
    assert not out.exists()


def test_export_refuses_bad_band(tmp_path: Path, db: Path) -> None:
    result = runner.invoke(
        app,
        ["export", "health", "--out", str(tmp_path / "h.csv"), "--db", str(db), "--band", "blue"],
    )
    assert result.exit_code == 2
    assert "--band must be one of green, yellow, red" in result.stderr


@pytest.mark.parametrize("command", ["import", "export"])
def test_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.stdout


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_text_a_spreadsheet_would_run_comes_back_as_it_was(
    tmp_path: Path, new_books: Callable[[str], Path], suffix: str
) -> None:
    """An export writes text starting with =, +, - or @ after a ' (so a spreadsheet does
    not run it as a formula); an import takes that ' off. Before, an export imported
    back read '-X1, '=SUM(A1), '@dana: another external id (a second account on a
    re-import), name, owner and custom field values, and the choices '+high, '-low."""
    first, second = new_books("first.db"), new_books("second.db")
    exported, source = tmp_path / f"accounts{suffix}", tmp_path / "source.csv"
    codes = ["-low", "+high", "mid"]
    rows = [
        ("-X1", "=SUM(A1)", "@dana", "+Plus", "10.00", "-careful"),
        *((f"A{i}", f"Co {i}", "Lee", "SMB", f"{i}.50", "fine") for i in range(30)),
    ]
    pl.DataFrame(
        [(*row, codes[i % 3]) for i, row in enumerate(rows)],
        schema=["external_id", "name", "owner", "segment", "mrr", "note", "tier_code"],
        orient="row",
    ).write_csv(source)
    for args in (
        ["import", "accounts", str(source), "--db", str(first)],
        ["export", "accounts", "--db", str(first), "--out", str(exported)],
        ["import", "accounts", str(exported), "--db", str(second)],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    if suffix == ".csv":  # the export holds the ' (read here with polars)
        assert pl.read_csv(exported, infer_schema_length=0)["external_id"][0] == "'-X1"
    raw = pl.read_csv(source, infer_schema_length=0).sort("external_id")
    for db in (first, second):
        with closing(sqlite3.connect(db)) as connection:
            accounts = pl.read_database(
                "SELECT external_id, name, owner, segment FROM account ORDER BY external_id",
                connection,
            )
            note = connection.execute(
                "SELECT v.value FROM account_field_value v JOIN custom_field f ON f.id ="
                " v.field_id JOIN account a ON a.id = v.account_id WHERE f.name = 'note'"
                " AND a.external_id = '-X1'"
            ).fetchone()
            (choices,) = connection.execute(
                "SELECT choices FROM custom_field WHERE name = 'tier_code'"
            ).fetchone()
        assert accounts.equals(raw.select(accounts.columns)), db.name
        assert note == ("-careful",)
        assert sorted(json.loads(choices)) == sorted(codes)


def test_a_churn_recorded_day_is_read_only_beside_a_churned_status(tmp_path: Path) -> None:
    """An exported file whose status was edited from churned to active still carries
    the day the churn was recorded: it is left out (an active account has no such
    day), so the account is a customer after it; the one still churned left on it.
    Before, both stopped being customers on that day."""
    db, path = tmp_path / "book.db", tmp_path / "edited.csv"
    path.write_text(
        "external_id,name,status,churn_recorded_on,mrr\n"
        "E1,Edited,active,2026-01-05,10.00\n"
        "E2,Left,churned,2026-01-05,5.00\n"
    )
    args = ["import", "accounts", str(path), "--db", str(db), "--as-of", "2026-11-01"]
    assert runner.invoke(app, args).exit_code == 0
    raw = pl.read_csv(path, infer_schema_length=0)
    with closing(sqlite3.connect(db)) as connection:
        stored = dict(connection.execute("SELECT external_id, churn_recorded_on FROM account"))
    assert stored == {"E1": None, "E2": "2026-01-05"}
    result = runner.invoke(
        app, ["metrics", "--db", str(db), "--json", "--period", "2026-02", "--as-of", "2026-11-01"]
    )
    metrics = json.loads(result.stdout)["metrics"]
    assert metrics["active_accounts"] == raw.filter(pl.col("status") != "churned").height


def test_a_book_moved_by_its_accounts_and_mrr_exports_keeps_its_mrr_history(
    tmp_path: Path,
    new_books: Callable[[str], Path],
) -> None:
    """`cxtui export mrr` writes the MRR movements as `cxtui import mrr` reads them:
    the accounts export imported into a fresh book, then the movements, give the same
    movements and figures, an undated churn staying undated. Before, there was no such
    export (the expansion and contraction were lost, each account opening at its MRR of
    today), and a churn movement imported on the day an undated churn was recorded
    dated it (churned on that day, counted in its month's churn)."""
    first, second = new_books("first.db"), new_books("second.db")
    accounts, movements = tmp_path / "accounts.csv", tmp_path / "mrr.csv"
    accounts.write_text(
        "external_id,name,status,start_date,churned_at,mrr\n"
        "A1,Alpha,active,2025-01-10,,100.00\n"
        "A2,Beta,churned,2025-02-01,2025-06-15,50.00\n"
        "A3,Gamma,churned,2025-03-01,,30.00\n"
    )
    movements.write_text(
        "account,occurred_on,kind,amount\nA1,2025-04-01,expansion,20.00\nA1,2025-07-01,contraction,-10.00\n"
    )
    for args in (
        ["import", "accounts", str(accounts), "--db", str(first), "--as-of", "2025-09-01"],
        ["import", "mrr", str(movements), "--db", str(first)],
        ["export", "accounts", "--db", str(first), "--out", str(tmp_path / "a.csv")],
        ["export", "mrr", "--db", str(first), "--out", str(tmp_path / "m.csv")],
        ["import", "accounts", str(tmp_path / "a.csv"), "--db", str(second)],
        ["import", "mrr", str(tmp_path / "m.csv"), "--db", str(second)],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    stored = {}
    for db in (first, second):
        with closing(sqlite3.connect(db)) as connection:
            stored[db] = (
                connection.execute(
                    "SELECT a.external_id, occurred_on, kind, amount_cents FROM mrr_movement m"
                    " JOIN account a ON a.id = m.account_id ORDER BY 1, 2, 3"
                ).fetchall(),
                connection.execute(
                    "SELECT external_id, status, mrr_cents, churned_at, churn_recorded_on"
                    " FROM account ORDER BY 1"
                ).fetchall(),
            )
    assert stored[second] == stored[first]

    def metrics(db: Path, period: str) -> dict:
        args = ["metrics", "--db", str(db), "--json", "--period", period, "--as-of", "2025-12-31"]
        return json.loads(runner.invoke(app, args).stdout)["metrics"]

    for period in ("2025-04", "2025-07", "2025-09", "2025"):
        assert metrics(second, period) == metrics(first, period), period
    # July's end, from the files: A1 opened at 100.00 and moved, A3 left in September
    raw = pl.read_csv(accounts, infer_schema_length=0)
    moved = pl.read_csv(movements, infer_schema_length=0)["amount"].cast(pl.Decimal(10, 2)).sum()
    kept = raw.filter(pl.col("churned_at").is_null())["mrr"].cast(pl.Decimal(10, 2)).sum()
    july = metrics(second, "2025-07")
    assert Decimal(str(july["mrr"])) == kept + moved
    assert july["mrr_expansion"] == 0 and metrics(second, "2025-04")["mrr_expansion"] == 20
    assert metrics(second, "2025-09")["churned_accounts"] == 0  # A3's churn stays undated


MOVED = ("accounts", "interactions", "mrr", "contacts", "usage", "surveys", "tickets", "purchases")


def test_the_demo_book_moved_by_its_exports_keeps_its_figures(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """Every kind `cxtui import` reads has an export in its shape: the demo book's
    accounts, then its interactions, MRR movements, contacts, usage, surveys, tickets
    and purchases, exported and imported in that order into a fresh book, give the
    same rows and figures (but for the retention costs, which no import reads).
    Before, only accounts and interactions had one: the NPS, CSAT, support, usage
    and purchase figures of the moved book were empty, its MRR history gone."""
    first, second = new_books("first.db"), new_books("second.db")
    today = date.today().isoformat()
    commands = [["demo", "--db", str(first)]]
    for what in MOVED:
        out = str(tmp_path / f"{what}.csv")
        commands.append(["export", what, "--db", str(first), "--out", out])
        commands.append(["import", what, out, "--db", str(second)])
    for args in commands:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
    tables = ("account", "interaction", "mrr_movement", "contact", "daily_usage", "ticket")
    counts = {}
    for db in (first, second):
        with closing(sqlite3.connect(db)) as connection:
            counts[db] = [
                connection.execute(f"SELECT count(*) FROM {t}").fetchone() for t in tables
            ]
    with closing(sqlite3.connect(first)) as connection:  # last month's NPS answers
        scores = pl.read_database(
            "SELECT score FROM survey_response WHERE kind = 'nps' AND deleted_at IS NULL"
            " AND answered_at >= date('now', 'start of month', '-1 month')"
            " AND answered_at < date('now', 'start of month')",
            connection,
        )["score"]
    assert counts[second] == counts[first]
    month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    for period in (month, "quarter", "year"):
        args = ["metrics", "--json", "--period", period, "--as-of", today]
        was = json.loads(runner.invoke(app, [*args, "--db", str(first)]).stdout)["metrics"]
        now = json.loads(runner.invoke(app, [*args, "--db", str(second)]).stdout)["metrics"]
        assert was.pop("retention_cost_per_customer") is not None
        assert now.pop("retention_cost_per_customer") is None  # (no import reads costs)
        assert now == was, period
    nps = json.loads(
        runner.invoke(
            app, ["metrics", "--json", "--period", month, "--as-of", today, "--db", str(second)]
        ).stdout
    )["metrics"]["nps"]
    promoters, detractors = (scores >= 9).sum(), (scores <= 6).sum()
    assert scores.len() > 0
    assert nps == pytest.approx((promoters - detractors) * 100 / scores.len())
