"""A till line of $0.00 (a free or fully discounted item, a line of no quantity) is
kept as a purchase, as the file records it (domain.md: repeated events are real),
and the import says so: the grocer's 11,226 such lines were imported without a
word, though a day of only such lines counts as a purchase day. Checked on two of
the grocer's households against plain polars over the raw file."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tests.cli.conftest import run_ok
from tests.conftest import public_file

HOUSEHOLDS = (1111, 2500)
MAPPED = [
    "--create-missing-accounts", "--map", "account=household_id",
    "--map", "purchased_at=transaction_timestamp", "--map", "amount=sales_value",
]  # fmt: skip


def _assumptions(lines: pl.DataFrame, folder: Path, name: str) -> tuple[int, list[str]]:
    """``lines`` imported as a new user imports them: the rows inserted, and what the
    import assumed."""
    path = folder / f"{name}.parquet"
    lines.write_parquet(path)
    db = str(folder / f"{name}.db")
    report = json.loads(run_ok("import", "purchases", str(path), "--db", db, "--json", *MAPPED))
    return report["inserted"], report["reconciliation"]["assumptions"]


def test_purchases_of_nothing_are_kept_and_said(
    pytestconfig: pytest.Config, tmp_path: Path
) -> None:
    lines = (
        pl.scan_parquet(public_file(pytestconfig, "grocery_transactions"))
        .filter(pl.col("household_id").is_in(HOUSEHOLDS))
        .collect()
    )
    inserted, assumed = _assumptions(lines, tmp_path, "lines")
    free = lines.filter(pl.col("sales_value") == 0).height
    assert free > 0 and inserted == lines.height  # every line, the free ones too
    assert (
        f"{free} purchases of $0.00 (column sales_value) kept as purchases, as the file"
        " records them: a day of only such lines counts as a purchase day (repeat purchase"
        " rate, purchases a year) and they lower the average purchase value"
    ) in assumed
    # Nothing said of a file without them.
    _inserted, assumed = _assumptions(lines.filter(pl.col("sales_value") > 0), tmp_path, "paid")
    assert not [words for words in assumed if "$0.00" in words]
