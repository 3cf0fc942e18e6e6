"""Vendors' exports as they come off their sites, with what real files carry beside
the records: a report's totals and footer, dates with a time zone's name, a
spreadsheet's trailing and repeated columns. Each is imported with the command a
new user would type, and what is stored is compared with plain polars over the
fixture file (tests/fixtures/import/vendors)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import polars as pl

from tests.cli.conftest import run_ok

FIXTURES = Path(__file__).parents[1] / "fixtures" / "import"
VENDORS = FIXTURES / "vendors"


def _import(db: Path, kind: str, path: Path, *extra: str) -> dict:
    return json.loads(run_ok("import", kind, str(path), "--db", str(db), "--json", *extra))


def _rows(db: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute(sql).fetchall()


def test_a_salesforce_reports_totals_and_footer_are_no_purchases(tmp_path: Path) -> None:
    """A Salesforce opportunity report, exported as CSV: its title, then the records,
    then "Grand Totals (4 records)" with the sum of the amounts, blank lines and the
    footer, whose copyright ("salesforce.com, inc.") and company name hold a comma
    inside their quotes. The totals and the footer are left out and said; the
    purchases are the report's records."""
    db = tmp_path / "sf.db"
    _import(db, "accounts", FIXTURES / "presets" / "salesforce_accounts.csv")
    report = VENDORS / "salesforce_opportunities_report.csv"
    result = _import(
        db,
        "purchases",
        report,
        "--map",
        "account=Account ID",
        "--map",
        "purchased_at=Close Date",
    )
    lines = report.read_text().splitlines()
    raw = pl.read_csv(report, skip_rows=3, infer_schema=False, truncate_ragged_lines=True)
    records = raw.filter(pl.col("Account ID").str.starts_with("001"))
    assert result["inserted"] == records.height == 4
    first = 4 + records.height + 1  # the title's 3 lines, the header, the records
    [footer] = [line for line in result["reconciliation"]["assumptions"] if "footer" in line]
    assert footer.startswith(f"rows {first} to {len(lines)} at the end are a report's footer")
    assert '("Grand Totals (4 records)", "Salesforce.com", ...)' in footer
    expected = sorted(
        records.select(
            pl.col("Close Date").str.to_date("%m/%d/%Y").cast(pl.String),
            pl.col("Amount").str.replace_all(r"[$,.]", "").cast(pl.Int64),
        ).rows()
    )
    stored = _rows(db, "SELECT date(purchased_at), amount_cents FROM purchase ORDER BY 1, 2")
    assert stored == expected
    assert sum(cents for _, cents in stored) == 1_775_075  # the report's Grand Totals
