"""What ``cxtui import`` counts it says in a unit a user can check against the file:
the currencies of the amounts by the file's rows (those a rule leaves out and those
combined into another row too, as the summary's first line counts them), and the
accounts set to cancel at their renewal, the same in the summary and in the
assumption that says how they are read. Each figure is plain polars over the raw file."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()
TESTS = Path(__file__).parents[1]
STRIPE_BILLING = TESTS / "data" / "stripe_billing" / "subscriptions.csv"
PRESETS = TESTS / "fixtures" / "import" / "presets"


def _report(kind: str, path: Path, db: Path, *extra: str) -> dict:
    """``cxtui import kind path --json``: what it reports."""
    args = ["import", kind, str(path), "--db", str(db), "--json", *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _currencies_said(report: dict) -> list[str]:
    return [line for line in report["reconciliation"]["assumptions"] if "currencies" in line]


def _by_currency(codes: pl.Series) -> str:
    """'USD 42, EUR 1': the file's rows per code, most first."""
    counts = (
        codes.str.strip_chars()
        .str.to_uppercase()
        .drop_nulls()
        .value_counts(name="rows")
        .sort("rows", codes.name, descending=[True, False])
    )
    return ", ".join(f"{code} {rows}" for code, rows in counts.rows())


def _mixed(column: str, tally: str) -> list[str]:
    return [
        f"amounts in 2 currencies (column {column}: {tally} rows of the file) are added as they"
        " are, not converted: MRR and revenue mix them; import one currency per book to keep"
        " them apart"
    ]


def test_stripe_currencies_count_the_files_subscriptions(tmp_path: Path) -> None:
    """Stripe's 43 subscriptions of 40 customers read 'USD 37, EUR 1 rows': the accounts
    left after combining and leaving out, where the summary's first line counts 43
    rows of the file. Now each currency's rows of the file."""
    raw = pl.read_csv(STRIPE_BILLING, infer_schema=False)
    tally = _by_currency(raw["Currency"])
    assert tally == "USD 42, EUR 1"
    report = _report(
        "accounts", STRIPE_BILLING, tmp_path / "stripe.db", "--preset", "stripe-subscriptions"
    )
    assert _currencies_said(report) == _mixed("Currency", tally)


def test_stripe_invoices_count_the_invoices_left_out_too(tmp_path: Path) -> None:
    """Stripe's invoices, some in euros, some not paid (left out as no purchase): the
    currencies count every invoice of the file, as the summary's first line does."""
    raw = pl.read_csv(PRESETS / "stripe_invoices.csv", infer_schema=False)
    euros = pl.int_range(pl.len()) % 3 == 1
    raw = raw.with_columns(
        pl.when(euros).then(pl.lit("eur")).otherwise("Currency").alias("Currency")
    )
    path = tmp_path / "invoices.csv"
    raw.write_csv(path)
    paid = raw.filter(pl.col("Status") == "paid", pl.col("Amount Paid").cast(pl.Float64) > 0)
    assert 0 < paid.height < raw.height
    assert _by_currency(paid["Currency"]) != _by_currency(raw["Currency"])
    report = _report("purchases", path, tmp_path / "book.db", "--create-missing-accounts")
    assert _currencies_said(report) == _mixed("Currency", _by_currency(raw["Currency"]))


def test_an_order_logs_currencies_count_its_cancelled_orders_too(tmp_path: Path) -> None:
    """A plain order log with a currency column: its cancelled orders are left out of
    the purchases, not of the rows the currencies are counted in."""
    path = tmp_path / "orders.csv"
    path.write_text(
        "customer,order_date,total_price,currency,order_status\n"
        "c1,2024-03-01,19.99,USD,Completed\n"
        "c1,2024-03-02,5.00,USD,Refunded\n"
        "c2,2024-03-03,49.00,EUR,Completed\n"
        "c3,2024-03-05,12.00,EUR,Cancelled\n"
        "c3,2024-03-06,12.00,EUR,Completed\n"
    )
    raw = pl.read_csv(path, infer_schema=False)
    tally = _by_currency(raw["currency"])
    report = _report("purchases", path, tmp_path / "orders.db", "--create-missing-accounts")
    assert report["inserted"] == raw.filter(pl.col("order_status") == "Completed").height
    assert _currencies_said(report) == _mixed("currency", tally)
