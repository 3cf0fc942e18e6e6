"""Accounts set to cancel at their renewal, imported: from Stripe's subscriptions
export (Cancel At Period End on a live subscription), Chargebee's (non_renewing) and
a plain accounts file's ``cancels_at_renewal`` column; cleared by a later file that
says otherwise, kept by an empty cell, written by ``cxtui export accounts`` and read
back. What is stored is compared with plain polars over the raw files."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.cli.conftest import run_ok
from tests.cli.test_first_day_exports import CHARGEBEE, _chargebee_rows, _write
from tests.cli.test_vendor_exports import _import, _rows

runner = CliRunner()
STRIPE = Path(__file__).parents[1] / "data" / "stripe_billing" / "subscriptions.csv"
LIVE = ("active", "past_due", "unpaid", "trialing", "incomplete")
# customer -> its subscriptions' Cancel At Period End, in the file's order
FLAGS = {
    "cus_005": ["true"],  # renews 2026-12-13
    "cus_037": [" TRUE "],  # renews 2026-12-11
    "cus_036": ["true", "false"],  # one of its two live subscriptions: a contraction
    "cus_030": ["true", "false"],  # its canceled (ended) one only
    "cus_004": ["true"],  # canceled
}


def _flagged(flags: dict[str, list[str]]) -> pl.DataFrame:
    """The Stripe export with ``flags`` in its Cancel At Period End (others false)."""
    raw = pl.read_csv(STRIPE, infer_schema=False).with_row_index("row")
    order = pl.int_range(pl.len()).over("Customer ID")
    values = pl.DataFrame(
        [(customer, i, flag) for customer, row in flags.items() for i, flag in enumerate(row)],
        schema={"Customer ID": pl.String, "i": pl.Int64, "flag": pl.String},
        orient="row",
    )
    return (
        raw.with_columns(i=order.cast(pl.Int64))
        .join(values, on=["Customer ID", "i"], how="left")
        .with_columns(pl.col("flag").fill_null("false").alias("Cancel At Period End"))
        .sort("row")
        .drop("row", "i", "flag")
    )


def _flag() -> pl.Expr:
    return pl.col("Cancel At Period End").str.strip_chars().str.to_lowercase() == "true"


def _set_to_cancel(export: pl.DataFrame) -> set[str]:
    """The customers whose every live subscription is set to cancel, by plain polars."""
    live = export.filter(pl.col("Status").str.to_lowercase().is_in(LIVE))
    flag = _flag()
    return set(
        live.group_by("Customer ID").agg(flag.all()).filter("Cancel At Period End")["Customer ID"]
    )


def _stored(db: Path) -> set[str]:
    return {row[0] for row in _rows(db, "SELECT external_id FROM account WHERE cancels_at_renewal")}


def test_stripe_customers_set_to_cancel_are_stored_and_cleared(tmp_path: Path) -> None:
    db, path = tmp_path / "book.db", tmp_path / "subscriptions.csv"
    export = _flagged(FLAGS)
    export.write_csv(path)
    result = _import(db, "accounts", path)
    expected = _set_to_cancel(export)
    assert expected == {"cus_005", "cus_037"}
    assert _stored(db) == expected
    # the summary still says how many subscriptions are set to cancel (live ones only)
    assumed = result["reconciliation"]["assumptions"]
    said = export.filter(_flag(), pl.col("Status").str.to_lowercase().is_in(LIVE)).height
    assert any(
        line.startswith(f"{said} of the file's live subscriptions set to cancel")
        for line in assumed
    ), assumed
    # cus_005 took its cancellation back; cus_036's other subscription is set to cancel too
    later = _flagged({**FLAGS, "cus_005": ["false"], "cus_036": ["true", "true"]})
    later.write_csv(path)
    _import(db, "accounts", path)
    assert _stored(db) == _set_to_cancel(later) == {"cus_036", "cus_037"}
    # an export without the column changes nothing stored
    later.drop("Cancel At Period End").write_csv(path)
    _import(db, "accounts", path)
    assert _stored(db) == {"cus_036", "cus_037"}


def test_chargebee_non_renewing_customers_are_set_to_cancel(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    db = new_books("book.db")
    rows = _chargebee_rows()
    path = _write(tmp_path / "Subscriptions.csv", CHARGEBEE, rows)
    _import(db, "accounts", path, "--as-of", "2026-11-30")
    raw = pl.read_csv(path, infer_schema=False)
    status = pl.col("subscriptions.status")
    live = raw.filter(status.is_in(["active", "non_renewing", "paused"]))
    expected = set(
        live.group_by("customers.id")
        .agg((status == "non_renewing").all().alias("all"))
        .filter("all")["customers.id"]
    )
    assert expected and _stored(db) == expected


def test_an_accounts_files_column_sets_clears_and_refuses(tmp_path: Path) -> None:
    db, path = tmp_path / "book.db", tmp_path / "accounts.csv"
    first = (
        "external_id,name,cancels_at_renewal\nA-1,Acme,yes\nA-2,Beta,No\nA-3,Cobalt,1\nA-4,Delta,\n"
    )
    path.write_text(first)
    _import(db, "accounts", path)
    assert _stored(db) == {"A-1", "A-3"}
    # an empty cell keeps what is stored; false clears it; true sets it
    path.write_text("external_id,name,cancels_at_renewal\nA-1,Acme,\nA-2,Beta,TRUE\nA-3,Cobalt,0\n")
    _import(db, "accounts", path)
    assert _stored(db) == {"A-1", "A-2"}
    before = _rows(db, "SELECT * FROM account ORDER BY id")
    path.write_text("external_id,name,cancels_at_renewal\nA-1,Acme,false\nA-5,Echo,maybe\n")
    result = runner.invoke(app, ["import", "accounts", str(path), "--db", str(db)])
    assert result.exit_code != 0
    assert 'row 3, column "cancels_at_renewal", value "maybe"' in result.output
    assert "one of: yes, no, true, false, 1, 0" in result.output
    assert _rows(db, "SELECT * FROM account ORDER BY id") == before


def test_the_accounts_export_writes_it_and_reads_it_back(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    db, path = tmp_path / "book.db", tmp_path / "subscriptions.csv"
    _flagged(FLAGS).write_csv(path)
    _import(db, "accounts", path)
    out = tmp_path / "accounts.csv"
    result = runner.invoke(app, ["export", "accounts", "--out", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    exported = pl.read_csv(out, infer_schema=False)
    written = exported.filter(pl.col("cancels_at_renewal") == "true")["external_id"]
    assert set(written) == {"cus_005", "cus_037"}
    assert set(exported["cancels_at_renewal"]) == {"true", "false"}
    again = new_books("again.db")
    _import(again, "accounts", out)
    assert _stored(again) == {"cus_005", "cus_037"}
    assert _rows(again, "SELECT count(*) FROM account") == [(exported.height,)]


def test_the_forecast_expects_the_stripe_customers_set_to_cancel_to_leave(tmp_path: Path) -> None:
    """`cxtui forecast --json` on a book with a churn model and the Stripe export
    imported: each window's renewals set to cancel and their MRR are those of the raw
    file's customers set to cancel whose Current Period End falls in the window."""
    from core.store.db import open_engine, sqlite_url
    from tests.core.test_forecast import _write_book

    db, path = tmp_path / "book.db", tmp_path / "subscriptions.csv"
    engine = open_engine(sqlite_url(db))
    _write_book(engine)  # accounts enough, 14 churned, for a churn model
    engine.dispose()
    as_of = "2026-12-07"
    run_ok("model", "fit", "--db", str(db), "--as-of", as_of)
    export = _flagged(FLAGS)
    export.write_csv(path)
    _import(db, "accounts", path, "--as-of", as_of)
    windows = json.loads(run_ok("forecast", "--json", "--db", str(db), "--as-of", as_of))
    live = export.filter(pl.col("Status").str.to_lowercase().is_in(LIVE))
    leaving = live.filter(pl.col("Customer ID").is_in(list(_set_to_cancel(export)))).select(
        renews=pl.col("Current Period End (UTC)").str.slice(0, 10).str.to_date(),
        mrr=pl.col("Amount").cast(pl.Float64)
        * pl.col("Quantity").cast(pl.Int64)
        / pl.when(pl.col("Interval") == "year").then(12).otherwise(1),
    )
    start = date.fromisoformat(as_of)
    for window in windows:
        inside = leaving.filter(
            pl.col("renews").is_between(start, start + timedelta(days=window["days"]))
        )
        assert window["set_to_cancel"] == inside.height
        assert window["mrr_set_to_cancel"] == pytest.approx(inside["mrr"].sum(), abs=0.005)
        staying_up = window["mrr_up"] - window["mrr_set_to_cancel"]
        assert window["expected_retained"] <= staying_up + 0.005
        for mover in window["movers"]:
            if mover["set_to_cancel"]:
                assert mover["expected_loss"] == mover["mrr"]
    assert windows[0]["set_to_cancel"] == 2  # cus_005 and cus_037 renew within 30 days
    text = run_ok("forecast", "--db", str(db), "--as-of", as_of)
    mrr = windows[0]["mrr_set_to_cancel"]
    assert f"Next 30 days: {windows[0]['renewals']:,} renewals" in text
    assert f"2 set to cancel: ${mrr:,.2f} MRR" in text
