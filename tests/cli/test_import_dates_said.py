"""The import summary's "... from D1 to D2" says which dates they are: an accounts
file's start dates, each other kind's own date, with the column they were read from.
It read "dates from 2020-11-30 to 2026-11-30" for IBM's telco accounts, start dates
(from their tenure) that nothing named. The dates are checked against plain polars
over the raw file."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()

FILES = {  # kind -> the file's lines, its date column, the summary's words, options
    "accounts": (
        ["external_id,name,Since", "A1,Acme,2023-04-02", "A2,Beta,2021-11-30", "A3,Cobalt,"],
        "Since",
        "start dates",
        ["--map", "start_date=Since"],
    ),
    "interactions": (
        [
            "account,kind,occurred_at,summary",
            "A1,call,2024-03-05 10:00,Kick-off",
            "A2,email,2024-01-09 08:30,Renewal",
        ],
        "occurred_at",
        "interaction dates",
        [],
    ),
    "usage": (
        ["account,day,active_users", "A1,2024-02-01,3", "A1,2024-02-03,5"],
        "day",
        "usage days",
        [],
    ),
    "surveys": (
        ["account,kind,score,answered_at", "A1,nps,9,2024-05-01", "A2,nps,3,2024-04-11"],
        "answered_at",
        "answer dates",
        [],
    ),
    "tickets": (
        ["account,opened_at", "A1,2024-06-01 09:00", "A2,2024-06-20 17:00"],
        "opened_at",
        "dates opened",
        [],
    ),
    "mrr": (
        ["account,occurred_on,kind,amount", "A1,2024-01-01,new,100", "A1,2024-03-01,expansion,50"],
        "occurred_on",
        "movement dates",
        [],
    ),
    "purchases": (
        ["customer,Order Date,total", "A1,2024-07-04,19.99", "A2,2024-08-15,5.00"],
        "Order Date",
        "purchase dates",
        ["--map", "account=customer", "--map", "purchased_at=Order Date", "--map", "amount=total"],
    ),
}


@pytest.mark.parametrize("kind", list(FILES))
def test_the_summary_says_which_dates_it_spans(tmp_path: Path, kind: str) -> None:
    lines, column, words, options = FILES[kind]
    path = tmp_path / f"{kind}.csv"
    path.write_text("\n".join(lines) + "\n")
    days = pl.read_csv(path, infer_schema=False)[column].str.slice(0, 10).drop_nulls().sort()
    args = ["import", kind, str(path), "--db", str(tmp_path / "book.db"), *options]
    if kind != "accounts":
        args.append("--create-missing-accounts")
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    said = f"  {words} from {days[0]} to {days[-1]} (column {column})"
    assert said in result.stdout.splitlines(), result.stdout


def test_start_dates_from_a_tenure_name_no_column(tmp_path: Path) -> None:
    """A telco export's tenure in months, before the export's day: start dates made
    from it, which no column of the file holds as dates."""
    path = tmp_path / "telco.csv"
    path.write_text("customerID,name,tenure\nT-1,Ann,0\nT-2,Bo,12\nT-3,Cy,5\n")
    result = runner.invoke(
        app,
        ["import", "accounts", str(path), "--db", str(tmp_path / "t.db"), "--as-of", "2026-11-30"],
    )
    assert result.exit_code == 0, result.output
    assert "  start dates from 2025-11-30 to 2026-11-30" in result.stdout.splitlines()
