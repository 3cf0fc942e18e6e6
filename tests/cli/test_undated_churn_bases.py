"""IBM's telco sample (its churned customers have no churn date) in the month it was
exported: the churn and retention rates, GRR and NRR leave its churned customers
out of their bases, and the notes say so with the base, so that the table's
figures can be checked by hand: (E - N) / S with S the base said, not the
"Customers at start" shown."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_month_of_the_export_says_the_bases_its_rates_are_over(
    telco_churn: Path, tmp_path: Path
) -> None:
    db = tmp_path / "telco.db"
    _ok(
        "import", "accounts", str(telco_churn), "--db", str(db), "--drop-extra",
        "--map", "name=customerID", "--map", "external_id=customerID",
        "--value", "status:Yes=churned", "--value", "status:No=active",
        "--as-of", "2026-12-07",
    )  # fmt: skip
    # Plain polars over the raw file: each start is the export's day less the tenure
    # in months, so the customers at the start of December have a tenure of 1 or more;
    # those of tenure 0 started on the export's day, within the month.
    raw = pl.read_csv(telco_churn, infer_schema=False).with_columns(pl.col("tenure").cast(pl.Int64))
    at_start = raw.filter(pl.col("tenure") >= 1)
    churned = at_start.filter(pl.col("Churn") == "Yes").height
    base = at_start.height - churned
    end = raw.filter(pl.col("Churn") == "No").height
    new = raw.filter(pl.col("tenure") == 0).height
    document = json.loads(
        _ok("metrics", "--db", str(db), "--json", "--period", "2026-12", "--as-of", "2026-12-07")
    )
    metrics = document["metrics"]
    assert (metrics["customers_at_start"], metrics["churned_undated_accounts"]) == (
        at_start.height,
        churned,
    )
    assert (metrics["active_accounts"], metrics["new_accounts"]) == (end, new)
    assert metrics["retention_rate_pct"] == 100 * (end - new) / base
    start_mrr = sum(Decimal(v) for v in at_start["MonthlyCharges"])
    assert Decimal(str(metrics["mrr_at_start"])) == start_mrr
    said = (
        f"Left out: {churned:,} accounts at the start whose churn, of unknown date, was"
        f" recorded in this period: the churn and retention rates are over {base:,}"
        f" customers at the start ({at_start.height:,} less those {churned:,}), and GRR and"
        " NRR over the MRR at the start less theirs."
    )
    assert said in document["notes"]
    table = _ok("metrics", "--db", str(db), "--period", "2026-12", "--as-of", "2026-12-07")
    assert said in " ".join(table.split())
    # A month before the export: nobody's undated churn is recorded in it, nothing said.
    november = json.loads(
        _ok("metrics", "--db", str(db), "--json", "--period", "2026-11", "--as-of", "2026-12-07")
    )
    assert not [note for note in november["notes"] if note.startswith("Left out:")]
