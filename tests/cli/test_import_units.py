"""What ``cxtui import`` counts it says in a unit a user can check against the file:
the currencies of the amounts by the file's rows (those a rule leaves out and those
combined into another row too, as the summary's first line counts them), and the
accounts set to cancel at their renewal, the same in the summary and in the
assumption that says how they are read. Each figure is plain polars over the raw file."""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from cli.main import app
from tests.cli.test_first_day_exports import CHARGEBEE, _chargebee_rows, _write

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


# Set to cancel at renewal: an account whose customer's every live subscription is
# (Stripe: Cancel At Period End true on a live one; Chargebee: non_renewing).
STRIPE_LIVE = ["active", "past_due", "unpaid", "trialing", "incomplete"]
CHARGEBEE_LIVE = ["active", "non_renewing", "paused", "in_trial", "future"]
SET_TO_CANCEL = re.compile(r"  set to cancel at their renewal: (\d+) accounts?$")
RULE = "assumed: an account is set to cancel at its renewal when every live subscription of"


def _day(column: str) -> pl.Expr:
    return pl.col(column).str.slice(0, 10).str.to_date(strict=False)


def _summary(path: Path, db: Path, *extra: str) -> list[str]:
    args = ["import", "accounts", str(path), "--db", str(db), "--as-of", "2026-12-01", *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def _said_set_to_cancel(summary: list[str]) -> int:
    """The summary's count of accounts set to cancel, said beside the rule it follows."""
    [count] = [int(m[1]) for line in summary if (m := SET_TO_CANCEL.match(line))]
    assert [line for line in summary if line.strip().startswith(RULE)], summary
    return count


def _stored_set_to_cancel(db: Path) -> set[str]:
    with closing(sqlite3.connect(db)) as connection:
        rows = connection.execute("SELECT external_id FROM account WHERE cancels_at_renewal")
        return {external_id for (external_id,) in rows}


def _every_live_one(
    raw: pl.DataFrame, customer: str, status: str, live: list[str], flag: pl.Expr
) -> set[str]:
    """The customers of ``raw`` with a live subscription, every one of them ``flag``."""
    lived = raw.filter(pl.col(status).str.strip_chars().str.to_lowercase().is_in(live))
    every = lived.group_by(customer).agg(flag.all().alias("every")).filter("every")
    return set(every[customer])


def test_stripe_accounts_set_to_cancel_agree_with_the_file(tmp_path: Path) -> None:
    """Stripe: the summary's accounts set to cancel, the rule said beside it and the
    accounts stored are the customers every live subscription of whom is set to
    cancel, among those imported: a customer whose two live subscriptions both are;
    one whose ended subscription alone is not; one who keeps a trial of another
    product is not; a trial set to cancel of a customer who never paid is no account
    (but is one, set to cancel, with --every-row)."""
    raw = pl.read_csv(STRIPE_BILLING, infer_schema=False)
    trial = raw.filter(pl.col("Customer ID") == "cus_005").with_columns(
        pl.lit("sub_9999").alias("id"),
        pl.lit("trialing").alias("Status"),
        pl.lit("prod_Seats").alias("Product"),
    )
    flagged = {"cus_005", "cus_032", "cus_036"}
    ended_flagged = (pl.col("Customer ID") == "cus_031") & (pl.col("Status") == "canceled")
    raw = pl.concat([raw, trial]).with_columns(
        pl.when(pl.col("Customer ID").is_in(flagged) & (pl.col("id") != "sub_9999") | ended_flagged)
        .then(pl.lit("true"))
        .otherwise("Cancel At Period End")
        .alias("Cancel At Period End")
    )
    path = tmp_path / "subscriptions.csv"
    raw.write_csv(path)
    flag = pl.col("Cancel At Period End").str.strip_chars().str.to_lowercase() == "true"
    every = _every_live_one(raw, "Customer ID", "Status", STRIPE_LIVE, flag)
    # a customer who paid: a subscription that was no trial and did not end by the day
    # it began to pay (its trial's end, else its start)
    began = pl.max_horizontal(_day("Start (UTC)"), _day("Trial End (UTC)"))
    ended = pl.coalesce(_day("Ended At (UTC)"), _day("Canceled At (UTC)"))
    paid = (pl.col("Status") != "trialing") & (
        (pl.col("Status") != "canceled") | (ended > began).fill_null(False)
    )
    paying = set(raw.filter(paid)["Customer ID"])
    assert every == {"cus_032", "cus_036", "cus_040"}
    assert every - paying == {"cus_032"}
    db = tmp_path / "stripe.db"
    assert _said_set_to_cancel(_summary(path, db)) == len(every & paying)
    assert _stored_set_to_cancel(db) == every & paying
    db = tmp_path / "every.db"
    assert _said_set_to_cancel(_summary(path, db, "--every-row")) == len(every)
    assert _stored_set_to_cancel(db) == every


def test_chargebee_accounts_set_to_cancel_agree_with_the_file(tmp_path: Path) -> None:
    """Chargebee: the same, non_renewing the subscription set to cancel; a customer
    who keeps an active subscription beside it, or a trial of another plan, is not."""
    rows = _chargebee_rows()
    [cus_009] = [row for row in rows if row[1] == "cus_009"]
    assert cus_009[9] == "non_renewing"
    trial = [*cus_009[:6], "Basic-USD-Monthly", "1", "19.00", "in_trial"]
    rows.append(["sub_201", *trial[1:], "2026-11-20 09:30:00", "2026-12-04", "", ""])
    path = _write(tmp_path / "Subscriptions.csv", CHARGEBEE, rows)
    raw = pl.read_csv(path, infer_schema=False)
    status = pl.col("subscriptions.status")
    flag = status == "non_renewing"
    every = _every_live_one(raw, "customers.id", "subscriptions.status", CHARGEBEE_LIVE, flag)
    trials_only = raw.group_by("customers.id").agg((status == "in_trial").all().alias("t"))
    customers = set(trials_only.filter(~pl.col("t"))["customers.id"])
    non_renewing = set(raw.filter(flag)["customers.id"])
    assert "cus_009" in non_renewing - every and "cus_002" in non_renewing - every
    expected = every & customers
    assert expected
    db = tmp_path / "chargebee.db"
    assert _said_set_to_cancel(_summary(path, db)) == len(expected)
    assert _stored_set_to_cancel(db) == expected


def test_chargebee_currencies_count_the_files_subscriptions(tmp_path: Path) -> None:
    """Chargebee's export names its currency subscriptions.currency_code: nothing was
    said of amounts in two currencies. Now they are, by the file's rows (subscriptions
    combined into their customer's and trials left out too)."""
    rows = _chargebee_rows()
    codes = ["EUR" if n % 4 == 1 else "USD" for n in range(len(rows))]
    path = _write(
        tmp_path / "Subscriptions.csv",
        [*CHARGEBEE, "subscriptions.currency_code"],
        [[*row, code] for row, code in zip(rows, codes, strict=True)],
    )
    raw = pl.read_csv(path, infer_schema=False)
    column = raw["subscriptions.currency_code"]
    report = _report("accounts", path, tmp_path / "cb.db", "--as-of", "2026-11-30")
    assert report["rows"] < raw.height
    assert _currencies_said(report) == _mixed(column.name, _by_currency(column))


def _amounts_said(report: dict) -> list[str]:
    """What the import says of its amounts' currencies."""
    return [line for line in report["reconciliation"]["assumptions"] if line.startswith("amounts")]


def _only_left_out(column: str, tally: str, gone: str, kept: str) -> str:
    return (
        f"amounts in {len(tally.split(','))} currencies in the file (column {column}: {tally}"
        f" rows of the file; the {gone}): the amounts imported are in {kept} only, none mixed"
    )


def _codes(codes: pl.Series) -> set[str]:
    return set(codes.str.strip_chars().str.to_uppercase().drop_nulls())


def test_stripe_euros_all_left_out_are_not_said_to_be_mixed(tmp_path: Path) -> None:
    """A Stripe export whose EUR subscriptions all are left out (one that never started,
    incomplete_expired; a trial of a customer who never paid) read 'amounts in 2
    currencies ... are added as they are, not converted: MRR and revenue mix them',
    where the amounts imported are all in USD. The claim is now decided on the rows
    imported; the tally stays the file's rows. With --every-row, they are mixed."""
    raw = pl.read_csv(STRIPE_BILLING, infer_schema=False)
    never_paid = raw.group_by("Customer ID").agg(
        (pl.col("Status") == "trialing").all().alias("never_paid")
    )
    raw = (
        raw.join(never_paid, on="Customer ID")
        .with_columns(
            Status=pl.when(pl.col("Currency") == "eur")
            .then(pl.lit("incomplete_expired"))
            .otherwise("Status"),
            Currency=pl.when("never_paid").then(pl.lit("eur")).otherwise("Currency"),
        )
        .drop("never_paid")
    )
    path = tmp_path / "subscriptions.csv"
    raw.write_csv(path)
    # by plain polars: the rows left out (never started, or of a customer who never paid)
    trials_only = raw.group_by("Customer ID").agg((pl.col("Status") == "trialing").all())
    left = raw.join(trials_only.filter("Status"), on="Customer ID", how="semi").vstack(
        raw.filter(pl.col("Status") == "incomplete_expired")
    )
    imported = raw.join(left, on="id", how="anti")
    assert _codes(left["Currency"]) == {"EUR"} and left.height == 2
    assert _codes(imported["Currency"]) == {"USD"}
    tally = _by_currency(raw["Currency"])
    assert tally == "USD 41, EUR 2"

    report = _report("accounts", path, tmp_path / "stripe.db", "--preset", "stripe-subscriptions")
    assert _amounts_said(report) == [
        _only_left_out("Currency", tally, "EUR rows all left out", "USD")
    ]
    every = _report(
        "accounts", path, tmp_path / "every.db", "--preset", "stripe-subscriptions", "--every-row"
    )
    assert _amounts_said(every) == _mixed("Currency", tally)


def test_an_order_logs_currencies_only_in_cancelled_orders_are_said_left_out(
    tmp_path: Path,
) -> None:
    """An order log whose EUR and GBP orders are all cancelled: nothing is mixed, said
    with the file's tally; whose USD orders all are, its amounts imported are in EUR
    (the note on a currency other than dollars stays); with a third currency only in
    a cancelled order beside two imported, they are mixed and the third is said left
    out."""
    header = "customer,order_date,total_price,currency,order_status\n"
    files = {
        "usd": "c1,2024-03-01,19.99,USD,Completed\nc1,2024-03-02,5.00,USD,Refunded\n"
        "c2,2024-03-03,49.00,EUR,Cancelled\nc3,2024-03-05,12.00,eur,Cancelled\n"
        "c3,2024-03-06,12.00,USD,Completed\nc4,2024-03-07,7.00,GBP,Cancelled\n",
        "eur": "c1,2024-03-01,19.99,USD,Cancelled\nc2,2024-03-03,49.00,EUR,Completed\n"
        "c3,2024-03-05,12.00,EUR,Completed\n",
        "three": "c1,2024-03-01,19.99,USD,Completed\nc2,2024-03-03,49.00,EUR,Completed\n"
        "c2,2024-03-04,49.00,EUR,Completed\nc3,2024-03-05,12.00,GBP,Cancelled\n",
    }
    said = {}
    for name, rows in files.items():
        path = tmp_path / f"{name}.csv"
        path.write_text(header + rows)
        raw = pl.read_csv(path, infer_schema=False)
        bought = raw.filter(pl.col("order_status") == "Completed")
        report = _report("purchases", path, tmp_path / f"{name}.db", "--create-missing-accounts")
        assert report["inserted"] == bought.height
        gone = _codes(raw["currency"]) - _codes(bought["currency"])
        said[name] = (_by_currency(raw["currency"]), gone, _amounts_said(report))

    tally, gone, lines = said["usd"]
    assert (tally, gone) == ("USD 3, EUR 2, GBP 1", {"EUR", "GBP"})
    assert lines == [_only_left_out("currency", tally, "EUR and GBP rows all left out", "USD")]
    tally, gone, lines = said["eur"]
    assert (tally, gone) == ("EUR 2, USD 1", {"USD"})
    assert lines == [
        _only_left_out("currency", tally, "USD row left out", "EUR"),
        "amounts are in EUR (column currency): imported as they are, never converted; the"
        " app writes every amount with a $ sign",
    ]
    tally, gone, lines = said["three"]
    assert (tally, gone) == ("EUR 2, GBP 1, USD 1", {"GBP"})
    assert lines == [
        f"amounts in 2 currencies (column currency: {tally} rows of the file; the GBP row"
        " left out) are added as they are, not converted: MRR and revenue mix them; import"
        " one currency per book to keep them apart"
    ]
