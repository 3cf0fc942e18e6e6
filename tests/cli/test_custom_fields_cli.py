"""Custom fields from the command line: ``cxtui import`` keeps and lists them (or
``--drop-extra`` leaves them out), ``cxtui metrics --by FIELD`` groups by them, and
``cxtui export accounts`` carries them; figures checked against plain polars over
the raw Telco-shaped file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.cli.conftest import run_ok

runner = CliRunner()
TELCO = Path(__file__).parents[1] / "fixtures" / "import" / "telco_churn.csv"
IMPORT = [
    "import", "accounts", str(TELCO), "--as-of", "2026-11-30",
    "--map", "external_id=customerID", "--map", "name=customerID",
    "--value", "status:Yes=churned", "--value", "status:No=active",
]  # fmt: skip


@pytest.fixture
def book(new_books: Callable[[str], Path]) -> Path:
    db = new_books("telco.db")
    run_ok(*IMPORT, "--db", str(db))
    return db


def test_the_import_lists_the_fields_it_keeps_with_their_types(tmp_path: Path) -> None:
    out = run_ok(*IMPORT, "--db", str(tmp_path / "a.db"))
    assert "17 columns were kept as new custom fields (--drop-extra leaves them out):" in out
    for line in (
        "tenure: number",
        "TotalCharges: money",
        "SeniorCitizen: yes/no",
        "gender: choice (Female, Male)",
        "PaymentMethod: choice (Bank transfer (automatic), Credit card (automatic),"
        " Electronic check, Mailed check)",
    ):
        assert line in out
    assert "Columns not imported" not in out
    raw = pl.read_csv(TELCO, infer_schema=False)
    cells = sum(
        raw[c].str.strip_chars().replace("", None).is_not_null().sum()
        for c in raw.columns
        if c not in ("customerID", "Contract", "MonthlyCharges", "Churn")
    )
    assert f"custom field values: {cells:,} set, 0 changed and 0 cleared" in out


def test_drop_extra_keeps_today_s_message(new_books: Callable[[str], Path]) -> None:
    db = new_books("b.db")
    out = run_ok(*IMPORT, "--db", str(db), "--drop-extra")
    assert "Columns not imported: gender, SeniorCitizen, Partner, Dependents, tenure," in out
    assert "custom field" not in out
    report = json.loads(run_ok(*IMPORT, "--db", str(db), "--drop-extra", "--json"))
    assert report["custom_fields"] == [] and "PaymentMethod" in report["ignored_columns"]
    result = runner.invoke(app, ["metrics", "--db", str(db), "--by", "PaymentMethod"])
    assert result.exit_code == 2
    assert "no custom field is kept yet" in result.output


def test_metrics_by_a_custom_field_match_plain_polars(book: Path) -> None:
    raw = pl.read_csv(TELCO, infer_schema=False).with_columns(
        pl.col("MonthlyCharges").cast(pl.Float64)
    )
    # Today the churned accounts (no churn date) are no longer customers.
    expected = (
        raw.filter(pl.col("Churn") == "No")
        .group_by("PaymentMethod")
        .agg(pl.len().alias("active"), pl.col("MonthlyCharges").sum().round(2).alias("mrr"))
        .sort("PaymentMethod")
    )
    # Any spelling of the field's name.
    document = json.loads(run_ok("metrics", "--db", str(book), "--by", "payment_method", "--json"))
    assert document["scope"]["by"] == "PaymentMethod"
    got = [
        (group["group"], group["metrics"]["active_accounts"], group["metrics"]["mrr"])
        for group in document["metrics"]
    ]
    assert got == list(expected.iter_rows())
    # Yes/no fields read as words; the groups add up to the book.
    senior = json.loads(run_ok("metrics", "--db", str(book), "--by", "SeniorCitizen", "--json"))
    assert [group["group"] for group in senior["metrics"]] == ["No", "Yes"]
    book_total = json.loads(run_ok("metrics", "--db", str(book), "--json"))["metrics"]
    assert (
        sum(g["metrics"]["customers_at_start"] for g in senior["metrics"])
        == (book_total["customers_at_start"])
    )
    # Numbers in their order (2 before 10), the account without a value last.
    tenure = json.loads(run_ok("metrics", "--db", str(book), "--by", "tenure", "--json"))
    groups = [group["group"] for group in tenure["metrics"]]
    assert groups == [str(t) for t in sorted(raw["tenure"].cast(pl.Int64).unique())]
    charges = json.loads(run_ok("metrics", "--db", str(book), "--by", "TotalCharges", "--json"))
    assert charges["metrics"][-1]["group"] is None  # the tenure-0 row's blank
    table = run_ok("metrics", "--db", str(book), "--by", "gender")
    assert "by gender" in table and "Female" in table


def test_metrics_by_plan_and_an_unknown_field(book: Path) -> None:
    raw = pl.read_csv(TELCO, infer_schema=False)
    document = json.loads(run_ok("metrics", "--db", str(book), "--by", "plan", "--json"))
    # the month after the export's day starts with the accounts the file has active
    active = raw.filter(pl.col("Churn") == "No")
    expected = active.group_by("Contract").agg(pl.len()).sort("Contract")
    got = [(g["group"], g["metrics"]["customers_at_start"]) for g in document["metrics"]]
    assert got == list(expected.iter_rows())
    result = runner.invoke(app, ["metrics", "--db", str(book), "--by", "shoe_size"])
    assert result.exit_code == 2
    assert "cannot break down by 'shoe_size': use segment, owner, plan, gender," in result.output
    assert "PaymentMethod or TotalCharges" in result.output


def test_the_accounts_export_carries_the_fields_and_reads_back(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "accounts.csv"
    run_ok("export", "accounts", "--db", str(book), "--out", str(out))
    exported = pl.read_csv(out, infer_schema=False).sort("external_id")
    raw = pl.read_csv(TELCO, infer_schema=False).sort("customerID")
    assert exported["PaymentMethod"].to_list() == raw["PaymentMethod"].to_list()
    assert exported["tenure"].to_list() == raw["tenure"].to_list()
    assert exported["SeniorCitizen"].to_list() == [
        "yes" if flag == "1" else "no" for flag in raw["SeniorCitizen"]
    ]
    charges = raw["TotalCharges"].str.strip_chars().replace("", None).cast(pl.Float64)
    assert exported["TotalCharges"].cast(pl.Float64).equals(charges.round(2), check_names=False)
    # Importing the export changes no field, and keeps none of the list's own columns.
    again = json.loads(run_ok("import", "accounts", str(out), "--db", str(book), "--json"))
    assert again["custom_field_values"] == {"set": 0, "changed": 0, "cleared": 0}
    assert again["ignored_columns"] == ["health", "band", "last_touch"]


def test_export_with_a_saved_filter_on_custom_fields(book: Path, tmp_path: Path) -> None:
    from core.config.settings import config_path

    config = config_path()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        '[filters."long electronic"]\nstatuses = ["active"]\nfields = [\n'
        '  { field = "payment method", is = "Electronic check" },\n'
        '  { field = "tenure", at_least = 10 },\n]\n'
        '[filters.gone]\nfields = [{ field = "Region", is = "EMEA" }]\n',
        encoding="utf-8",
    )
    out = tmp_path / "accounts.csv"
    said = run_ok(
        "export", "accounts", "--db", str(book), "--out", str(out), "--filter", "long electronic"
    )
    raw = pl.read_csv(TELCO, infer_schema=False)
    expected = raw.filter(
        (pl.col("PaymentMethod") == "Electronic check")
        & (pl.col("tenure").cast(pl.Int64) >= 10)
        & (pl.col("Churn") == "No")
    )["customerID"]
    assert 0 < expected.len() < raw.height
    assert sorted(pl.read_csv(out, infer_schema=False)["external_id"]) == sorted(expected)
    assert f"Exported {expected.len():,} rows of accounts" in said
    # a field the book does not have: named, nothing written
    gone = tmp_path / "gone.csv"
    args = ["export", "accounts", "--db", str(book), "--out", str(gone), "--filter", "gone"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "'gone'" in result.stderr and "no custom field is called 'Region'" in result.stderr
    assert not gone.exists()
