"""Times written without a time zone are read as UTC, and the import says so with its
other assumptions. The grocer's till lines (84.51's "The Complete Journey", a
Parquet datetime without a zone) and a Zendesk tickets export were read as UTC
without a word; an export that writes its offsets (+0100) or names UTC in its
column's name assumes nothing. Checked against plain polars over the raw files and
the book read with sqlite3."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import polars as pl
import pytest

from tests.cli.conftest import run_ok
from tests.conftest import public_file

FIXTURES = Path(__file__).parents[1] / "fixtures" / "import"
HOUSEHOLD = 2500  # 973 till lines


def _assumed(columns: str, cell: str) -> str:
    return (
        f'times without a time zone read as UTC ({columns}: "{cell}" is taken as UTC); a'
        " time written with its zone (+01:00, Z) is read in it"
    )


def _stored(db: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute(sql).fetchall()


def test_the_grocers_till_times_are_said_to_be_read_as_utc(
    pytestconfig: pytest.Config, tmp_path: Path
) -> None:
    lines = (
        pl.scan_parquet(public_file(pytestconfig, "grocery_transactions"))
        .filter(pl.col("household_id") == HOUSEHOLD)
        .collect()
    )
    path, db = tmp_path / "lines.parquet", tmp_path / "grocer.db"
    lines.write_parquet(path)
    args = [
        "import", "purchases", str(path), "--db", str(db), "--create-missing-accounts",
        "--map", "account=household_id", "--map", "purchased_at=transaction_timestamp",
        "--map", "amount=sales_value",
    ]  # fmt: skip
    first = lines["transaction_timestamp"].cast(pl.String)[0]
    said = _assumed("column transaction_timestamp", first)
    report = json.loads(run_ok(*args, "--json", "--dry-run"))
    assert said in report["reconciliation"]["assumptions"]
    assert f"  assumed: {said}" in run_ok(*args).splitlines()
    # Read as UTC: the till's clock, unshifted (stored moments are UTC).
    stored = _stored(db, "SELECT min(purchased_at), max(purchased_at) FROM purchase")
    low, high = lines["transaction_timestamp"].min(), lines["transaction_timestamp"].max()
    assert stored == [(f"{low:%Y-%m-%d %H:%M:%S}.000000", f"{high:%Y-%m-%d %H:%M:%S}.000000")]


def test_a_zendesk_export_without_offsets_is_said_to_be_read_as_utc(tmp_path: Path) -> None:
    path = FIXTURES / "presets" / "zendesk_tickets.csv"
    raw = pl.read_csv(path, infer_schema=False)
    args = ["import", "tickets", str(path), "--db", str(tmp_path / "z.db")]
    report = json.loads(run_ok(*args, "--create-missing-accounts", "--json"))
    said = _assumed("columns Created at, Solved at", raw["Created at"][0])
    assert said in report["reconciliation"]["assumptions"]


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("tickets", "vendors/zendesk_tickets_offsets.csv"),  # +0100 in each cell
        ("purchases", "presets/stripe_invoices.csv"),  # "Date (UTC)"
    ],
)
def test_times_that_say_their_zone_assume_nothing(tmp_path: Path, kind: str, name: str) -> None:
    db = tmp_path / "book.db"
    args = ["import", kind, str(FIXTURES / name), "--db", str(db), "--create-missing-accounts"]
    report = json.loads(run_ok(*args, "--json"))
    assumptions = " ".join(report["reconciliation"]["assumptions"])
    assert "time zone" not in assumptions, assumptions
    if kind == "tickets":  # 09:00 at +01:00 is 08:00 UTC
        raw = pl.read_csv(FIXTURES / name, infer_schema=False)
        opened = raw["Created at"].str.to_datetime("%Y-%m-%d %H:%M:%S %z", time_zone="UTC")
        stored = _stored(db, "SELECT opened_at FROM ticket ORDER BY opened_at")
        assert [row[0][:19] for row in stored] == sorted(f"{t:%Y-%m-%d %H:%M:%S}" for t in opened)
