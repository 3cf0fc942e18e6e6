"""The words and figures of ``cxtui import``'s summary and progress, on real files:
money is written with its $ sign (as the app and the forecast write it), a vendor
export's accounts set to cancel are counted as accounts (the book keeps it per
account), and an event log's progress counts the file's events, not the usage rows
they make. Every figure is checked against plain polars over the raw file."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.cli.conftest import run_ok
from tests.cli.test_first_day_exports import CHARGEBEE, _chargebee_rows, _write
from tests.cli.test_set_to_cancel import FLAGS, LIVE, _flag, _flagged, _set_to_cancel
from tests.conftest import public_file

runner = CliRunner()
TELCO = (
    "--as-of", "2026-11-30", "--map", "name=customerID", "--map", "external_id=customerID",
    "--value", "status:Yes=churned", "--value", "status:No=active",
)  # fmt: skip
BARE_AMOUNT = re.compile(r"(?<![$\d,.])-?\d{1,3}(,\d{3})*\.\d\d\b")
"""An amount to the cent written without its $ sign ("316,985.75")."""


def _dollars(amount: Decimal) -> str:
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


def test_the_telco_summary_writes_its_money_in_dollars(
    telco_churn: Path, new_books: Callable[[str], Path]
) -> None:
    """IBM's telco book read 'active: 5,174 accounts, MRR 316,985.75', 'total mrr:
    456,116.60' and '1,869 churn MRR movements recorded (-139,130.85)': amounts without
    their unit, a field's internal name, and a churned account's MRR (the MRR it lost)
    said as MRR."""
    db = new_books("telco.db")
    out = run_ok("import", "accounts", str(telco_churn), "--db", str(db), *TELCO)
    raw = pl.read_csv(telco_churn, infer_schema=False)

    def mrr(churn: str) -> tuple[int, Decimal]:
        rows = raw.filter(pl.col("Churn") == churn)["MonthlyCharges"]
        return rows.len(), sum((Decimal(value) for value in rows), Decimal(0))

    (active, kept), (churned, lost) = mrr("No"), mrr("Yes")
    assert f"  active: {active:,} accounts, MRR {_dollars(kept)}\n" in out
    assert f"  churned: {churned:,} accounts, MRR lost {_dollars(lost)}\n" in out
    assert f"  total MRR in the file: {_dollars(kept + lost)}\n" in out
    assert f"  {churned:,} churn MRR movements recorded ({_dollars(-lost)})\n" in out
    assert f"  {raw.height:,} new MRR movements recorded ({_dollars(kept + lost)})\n" in out
    assert not [line for line in out.splitlines() if BARE_AMOUNT.search(line)], out


def test_purchases_in_cents_and_bare_amounts_say_their_dollars(
    new_books: Callable[[str], Path], tmp_path: Path
) -> None:
    """A purchase log's total, its amounts read as cents and the whole numbers read
    as dollars: each amount with its $ sign."""
    db = new_books("shop.db")
    run_ok(
        "import", "accounts",
        str(_csv(tmp_path, "accounts.csv", "external_id,name\nA-1,Acme\nA-2,Beta\n")),
        "--db", str(db),
    )  # fmt: skip
    cents = _csv(
        tmp_path,
        "cents.csv",
        "account,date,amount_cents\nA-1,2026-01-02,123456\nA-2,2026-01-03,2099\n",
    )
    out = run_ok("import", "purchases", str(cents), "--db", str(db))
    raw = pl.read_csv(cents)
    total = Decimal(int(raw["amount_cents"].sum())) / 100
    assert f"  total amount in the file: {_dollars(total)}\n" in out
    assert f"column amount_cents read as cents: total {_dollars(total)}" in out
    bare = _csv(tmp_path, "bare.csv", "account,date,amount\nA-1,2026-02-02,1999\n")
    out = run_ok("import", "purchases", str(bare), "--db", str(db))
    assert "(1999 is $1,999.00, not $19.99)" in out
    assert not [line for line in out.splitlines() if BARE_AMOUNT.search(line)], out


def _csv(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_a_stripe_export_says_how_many_accounts_are_set_to_cancel(
    new_books: Callable[[str], Path], tmp_path: Path
) -> None:
    """The summary counted the live subscriptions set to cancel ('... (column Cancel At
    Period End): 3'), read as the accounts that will leave; the book sets an account to
    cancel when every live subscription of its customer is: 2 here (a customer keeps
    one of its two)."""
    db, path = new_books("stripe.db"), tmp_path / "subscriptions.csv"
    export = _flagged(FLAGS)
    export.write_csv(path)
    out = run_ok("import", "accounts", str(path), "--db", str(db), "--as-of", "2026-12-07")
    accounts = len(_set_to_cancel(export))
    subscriptions = export.filter(_flag(), pl.col("Status").str.to_lowercase().is_in(LIVE)).height
    assert (accounts, subscriptions) == (2, 3)
    assert f"  set to cancel at their renewal: {accounts} accounts\n" in out
    assert (
        f"assumed: {subscriptions} of the file's live subscriptions set to cancel at the"
        " end of their billing period (column Cancel At Period End)"
    ) in out
    assert not [line for line in out.splitlines() if BARE_AMOUNT.search(line)], out
    # a dry run says the same of what would be written
    dry = run_ok("import", "accounts", str(path), "--db", str(db), "--dry-run")
    assert f"  set to cancel at their renewal: {accounts} accounts\n" in dry


def test_a_chargebee_export_says_how_many_accounts_are_set_to_cancel(
    new_books: Callable[[str], Path], tmp_path: Path
) -> None:
    db = new_books("chargebee.db")
    path = _write(tmp_path / "Subscriptions.csv", CHARGEBEE, _chargebee_rows())
    out = run_ok("import", "accounts", str(path), "--db", str(db), "--as-of", "2026-11-30")
    raw = pl.read_csv(path, infer_schema=False)
    status = pl.col("subscriptions.status")
    live = raw.filter(status.is_in(["active", "non_renewing", "paused"]))
    accounts = (
        live.group_by("customers.id")
        .agg((status == "non_renewing").all().alias("all"))["all"]
        .sum()
    )
    subscriptions = raw.filter(status == "non_renewing").height
    assert accounts and subscriptions
    plural = "" if accounts == 1 else "s"
    assert f"  set to cancel at their renewal: {accounts} account{plural}\n" in out
    assert (
        f"assumed: {subscriptions} of the file's subscriptions set to cancel at the end of"
        " their term (status non_renewing)"
    ) in out


@pytest.fixture(scope="module")
def ecom_events(pytestconfig: pytest.Config) -> Path:
    return public_file(pytestconfig, "ecom_events")


def test_an_event_logs_progress_counts_its_events(ecom_events: Path, tmp_path: Path) -> None:
    """retentioneering's clickstream, imported as usage: its progress said 'read: 3,605
    rows' (the usage rows its events make) of a file of 31,106 events, and its summary
    '3,605 rows of usage checked'."""
    db = tmp_path / "usage.db"
    args = ["--map", "account=user_id", "--map", "day=timestamp", "--create-missing-accounts"]
    result = runner.invoke(app, ["import", "usage", str(ecom_events), "--db", str(db), *args])
    assert result.exit_code == 0, result.output
    raw = pl.read_csv(ecom_events, infer_schema=False)
    day = pl.col("timestamp").str.slice(0, 10)
    days = raw.select(pl.struct("user_id", day).n_unique()).item()
    assert days < raw.height
    progress = result.stderr.splitlines()
    assert f"read: {raw.height:,} rows" in progress, progress
    assert f"validated: {raw.height:,} rows" in progress, progress
    assert f"written: {days:,} of {days:,} rows" in progress, progress
    assert result.stdout.startswith(
        f"{raw.height:,} rows of the file read as {days:,} rows of usage and checked:"
        f" {days:,} were inserted"
    ), result.stdout


def test_a_dry_run_says_the_accounts_it_would_create(
    new_books: Callable[[str], Path], tmp_path: Path
) -> None:
    """The grocer's purchase log, checked with --dry-run --create-missing-accounts,
    read '2,469 new accounts would be created. Dry run: nothing was written.' and,
    under it, 'assumed: 2,469 accounts created from this file'."""
    db = new_books("shop.db")
    log = _csv(
        tmp_path,
        "purchases.csv",
        "account,date,amount\nH-1,2026-01-02,10.50\nH-2,2026-01-03,4.00\nH-1,2026-01-09,2.25\n",
    )
    args = ("--create-missing-accounts", "--db", str(db))
    out = run_ok("import", "purchases", str(log), "--dry-run", *args)
    households = pl.read_csv(log)["account"].n_unique()
    assert f"; {households} new accounts would be created. Dry run" in out
    assert f"assumed: {households} accounts would be created from this file:" in out
    assert " created from this file" not in out.replace("would be created from", "")
    out = run_ok("import", "purchases", str(log), *args)
    assert f"assumed: {households} accounts created from this file:" in out


def test_a_file_without_mrr_does_not_say_its_accounts_pay_nothing(
    new_books: Callable[[str], Path], tmp_path: Path
) -> None:
    """HubSpot's companies export has no MRR column: its summary read 'active: 3
    accounts, MRR $0.00', as if the file said they pay nothing. A stored MRR the file
    leaves as it is is said as stored."""
    db = new_books("crm.db")
    companies = Path(__file__).parents[1] / "fixtures" / "import" / "presets"
    path = companies / "hubspot_companies.csv"
    out = run_ok("import", "accounts", str(path), "--db", str(db))
    count = pl.read_csv(path, infer_schema=False).height
    assert f"  active: {count} accounts (the file gives no MRR)\n" in out
    first = _csv(tmp_path, "mrr.csv", "external_id,name,mrr\nA-1,Acme,1200.50\n")
    run_ok("import", "accounts", str(first), "--db", str(db))
    again = _csv(tmp_path, "again.csv", "external_id,name\nA-1,Acme Inc\n")
    out = run_ok("import", "accounts", str(again), "--db", str(db))
    assert "  active: 1 account, MRR $1,200.50 as stored (the file gives no MRR)\n" in out


def test_an_mrr_movements_summary_names_them(
    new_books: Callable[[str], Path], tmp_path: Path
) -> None:
    """It read '3 rows of mrr checked' (the kind as typed) and 'total amount: -29.50'."""
    db = new_books("mrr.db")
    accounts = "external_id,name,mrr,start_date\nA-1,Acme,100,2025-01-01\nA-2,Beta,50,2025-02-01\n"
    run_ok("import", "accounts", str(_csv(tmp_path, "accounts.csv", accounts)), "--db", str(db))
    path = _csv(
        tmp_path,
        "movements.csv",
        "account,date,type,amount\nA-1,2025-06-01,expansion,20.5\nA-2,2025-07-01,contraction,-10\n"
        "A-2,2025-08-01,churn,-40\n",
    )
    out = run_ok("import", "mrr", str(path), "--db", str(db))
    raw = pl.read_csv(path, infer_schema=False)
    total = sum((Decimal(value) for value in raw["amount"]), Decimal(0))
    assert out.startswith(f"{raw.height} rows of MRR movements checked:"), out
    assert f"  total amount in the file: {_dollars(total)}\n" in out
