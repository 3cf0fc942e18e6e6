"""An import counts every row of the file: its progress reads the file's rows, and its
summary says how many of them were checked and, one line per reason with the count,
how many were left out or combined into another, so the numbers add up to the rows
the user gave. Each count is checked against plain polars over the raw file."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()
TESTS = Path(__file__).parents[1]
STRIPE_BILLING = TESTS / "data" / "stripe_billing" / "subscriptions.csv"
PRESETS = TESTS / "fixtures" / "import" / "presets"
VENDORS = TESTS / "fixtures" / "import" / "vendors"
COUNTED = re.compile(r"  ([\d,]+) ")


def _imported(kind: str, path: Path, db: Path, *extra: str) -> tuple[list[str], list[str]]:
    """``cxtui import kind path``: its progress lines (stderr) and its summary (stdout)."""
    result = runner.invoke(app, ["import", kind, str(path), "--db", str(db), *extra])
    assert result.exit_code == 0, result.output
    return result.stderr.splitlines(), result.stdout.splitlines()


def _apart(summary: list[str]) -> dict[str, int]:
    """The lines right under the summary's first one that count rows left out or
    combined: line -> its count."""
    lines = {}
    for line in summary[1:]:
        if (counted := COUNTED.match(line)) is None:
            break
        lines[line.strip()] = int(counted[1].replace(",", ""))
    return lines


def _adds_up(progress: list[str], summary: list[str], rows: int, kind: str) -> dict[str, int]:
    """The progress read ``rows`` (the file's rows), and the summary says so: the rows
    written (inserted, updated or skipped as unchanged) plus those set apart are
    ``rows``. Returns the lines set apart."""
    assert f"read: {rows:,} rows" in progress, progress
    head = re.match(
        rf"([\d,]+) rows of the file read as ([\d,]+) rows of {kind} and checked:"
        r" ([\d,]+) were inserted, ([\d,]+) updated and ([\d,]+) skipped",
        summary[0],
    )
    assert head is not None, summary[0]
    read, checked, *written = (int(n.replace(",", "")) for n in head.groups())
    assert f"validated: {checked:,} rows" in progress, progress
    apart = _apart(summary)
    assert read == rows == sum(written) + sum(apart.values()), (summary[0], apart)
    return apart


def _day(column: str) -> pl.Expr:
    return pl.col(column).str.slice(0, 10).str.to_date(strict=False)


def test_a_stripe_export_counts_its_43_rows(tmp_path: Path) -> None:
    """Stripe's 43 subscriptions of 40 customers read 'read: 38 rows' and '38 rows of
    accounts checked' (the accounts), with '2 left out' counting customers: now 43
    rows read, 38 accounts checked, the subscriptions combined with another of their
    customer and those of the customers who never paid, each counted in rows."""
    raw = pl.read_csv(STRIPE_BILLING, infer_schema=False)
    # A subscription paid when it was no trial and did not end by the day it began
    # to pay (its trial's end, else its start).
    began = pl.max_horizontal(_day("Start (UTC)"), _day("Trial End (UTC)"))
    ended = pl.coalesce(_day("Ended At (UTC)"), _day("Canceled At (UTC)"))
    paid = (pl.col("Status") != "trialing") & (
        (pl.col("Status") != "canceled") | (ended > began).fill_null(False)
    )
    customers = raw.group_by("Customer ID").agg(pl.len(), paid.any().alias("paid"))
    paying, never = customers.filter("paid"), customers.filter(~pl.col("paid"))
    assert (raw.height, paying.height, never.height) == (43, 38, 2)
    combined = int(paying["len"].sum()) - paying.height
    several = paying.filter(pl.col("len") > 1).height
    progress, summary = _imported(
        "accounts", STRIPE_BILLING, tmp_path / "stripe.db", "--as-of", "2026-12-01"
    )
    assert summary[0].startswith(
        f"{raw.height} rows of the file read as {paying.height} rows of accounts and checked:"
        f" {paying.height} were inserted"
    ), summary[0]
    apart = _adds_up(progress, summary, raw.height, "accounts")
    left = int(never["len"].sum())
    assert list(apart) == [
        f"{combined} rows combined with another subscription of their customer: one account"
        f" per Stripe customer ({several} with several subscriptions), its MRR and seats those"
        " of its live subscriptions added up (with none live, of those that ended last), its"
        " start its first subscription's",
        f"{left} rows left out: {never.height} customers none of whose subscriptions has paid"
        " yet (trials, failed first payments); --every-row imports them",
    ]
    # Everything read: every row its own, none combined into another (one account per
    # customer still), none left out.
    progress, summary = _imported(
        "accounts", STRIPE_BILLING, tmp_path / "every.db", "--as-of", "2026-12-01", "--every-row"
    )
    apart = _adds_up(progress, summary, raw.height, "accounts")
    assert list(apart.values()) == [raw.height - customers.height]
    assert summary[0].startswith(
        f"{raw.height} rows of the file read as {customers.height} rows of accounts"
    )


def test_a_chargebee_export_counts_its_rows(tmp_path: Path) -> None:
    """Chargebee's subscriptions: a customer with two, one in its trial alone."""
    header = (
        "subscriptions.id,customers.id,customers.company,subscriptions.plan_id,"
        "subscriptions.plan_quantity,subscriptions.plan_unit_price,subscriptions.status,"
        "subscriptions.started_at,subscriptions.trial_end,subscriptions.current_term_end,"
        "subscriptions.cancelled_at"
    )
    rows = [
        "sub_1,cus_1,Acme,Pro-USD-Monthly,1,49.00,active,2025-01-05 09:00:00,,2027-01-05,",
        "sub_2,cus_1,Acme,Basic-USD-Monthly,2,19.00,active,2025-06-01 09:00:00,,2027-01-01,",
        "sub_3,cus_2,Beta,Pro-USD-Monthly,1,49.00,in_trial,2026-11-06 09:00:00,2026-11-25,,",
        "sub_4,cus_3,Cobalt,Pro-USD-Monthly,1,49.00,active,2025-03-01 09:00:00,,2027-01-01,",
        "sub_5,cus_2,Beta,Basic-USD-Monthly,1,19.00,in_trial,2026-11-06 09:00:00,2026-11-25,,",
    ]
    path = tmp_path / "Subscriptions.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    raw = pl.read_csv(path, infer_schema=False)
    trying = raw.group_by("customers.id").agg(
        pl.len(), (pl.col("subscriptions.status") == "in_trial").all().alias("trial")
    )
    trials = trying.filter("trial")
    paying = trying.filter(~pl.col("trial"))
    progress, summary = _imported("accounts", path, tmp_path / "cb.db", "--as-of", "2026-11-30")
    apart = _adds_up(progress, summary, raw.height, "accounts")
    combined = int(paying["len"].sum()) - paying.height
    assert [line.split(":")[0] for line in apart] == [
        f"{combined} row combined with another subscription of their customer",
        f"{int(trials['len'].sum())} rows left out",
    ]
    assert f"{trials.height} customer none of whose subscriptions has paid yet" in list(apart)[1]


def test_a_crm_export_counts_the_companies_it_leaves_out(tmp_path: Path) -> None:
    """HubSpot's companies, leads among them, and a blank line: read 'read: 3 rows',
    '3 rows of accounts checked' of a file of 6."""
    companies = (PRESETS / "hubspot_companies.csv").read_text().splitlines()
    leads = [line.replace(",customer,", ",lead,") for line in companies[1:3]]
    path = tmp_path / "hubspot.csv"
    blank = "," * companies[0].count(",")
    path.write_text("\n".join([*companies, blank, *leads]) + "\n")
    raw = pl.read_csv(path, infer_schema=False)
    stage = pl.col("Lifecycle Stage").str.to_lowercase()
    no_customer = raw.filter(~stage.str.contains("customer|evangelist"), stage != "")
    progress, summary = _imported("accounts", path, tmp_path / "crm.db")
    apart = _adds_up(progress, summary, raw.height, "accounts")
    assert list(apart.values()) == [no_customer.height, 1]
    first, blank = list(apart)
    assert first.startswith(
        f"{no_customer.height} rows left out: companies that are not customers"
        f" (Lifecycle Stage: lead {no_customer.height})"
    )
    assert blank.startswith("1 empty row left out")


@pytest.mark.parametrize(
    ("kind", "path", "kept", "reason"),
    [
        (  # Stripe's invoices: only those paid, of a sum, are purchases
            "purchases",
            PRESETS / "stripe_invoices.csv",
            (pl.col("Status") == "paid") & (pl.col("Amount Paid").cast(pl.Float64) > 0),
            "invoices that are no purchase",
        ),
        (  # Zendesk's satisfaction ratings: a ticket not rated is no answer
            "surveys",
            VENDORS / "zendesk_satisfaction.csv",
            pl.col("Satisfaction Score").str.to_lowercase().is_in(["good", "bad"]),
            "tickets whose satisfaction was not rated",
        ),
    ],
    ids=["stripe-invoices", "zendesk-satisfaction"],
)
def test_a_vendor_export_counts_the_rows_its_preset_leaves_out(
    tmp_path: Path, kind: str, path: Path, kept: pl.Expr, reason: str
) -> None:
    raw = pl.read_csv(path, infer_schema=False)
    left = raw.height - raw.filter(kept).height
    progress, summary = _imported(kind, path, tmp_path / "book.db", "--create-missing-accounts")
    apart = _adds_up(progress, summary, raw.height, kind)
    [line] = apart
    assert line.startswith(f"{left} rows left out: {reason}"), line


def test_an_order_log_counts_its_cancelled_orders_and_a_reports_footer(tmp_path: Path) -> None:
    """An order log without a preset: its cancelled orders are left out, as is the
    totals row and footer under its records (rows of the file the user sees)."""
    orders = [
        ("c1", "2024-03-01", "19.99", "Completed"),
        ("c1", "2024-03-02", "5.00", "Refunded"),
        ("c2", "2024-03-03", "49.00", "Completed"),
        ("c3", "2024-03-05", "12.00", "Cancelled"),
    ]
    lines = ["customer,order_date,total_price,order_status"]
    lines += [",".join(order) for order in orders]
    lines += ["Grand Totals (4 records),,85.99,", ",,,", '"Confidential Information",,,']
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(lines) + "\n")
    raw = pl.read_csv(path, infer_schema=False)
    footer = raw.filter(pl.col("order_date").is_null())
    bought = raw.filter(pl.col("order_status") == "Completed")
    assert raw.height == len(lines) - 1
    progress, summary = _imported(
        "purchases", path, tmp_path / "orders.db", "--create-missing-accounts"
    )
    apart = _adds_up(progress, summary, raw.height, "purchases")
    not_bought = raw.height - footer.height - bought.height
    assert list(apart.values()) == [footer.height, not_bought]
    first = len(orders) + 2
    footer_line, not_bought_line = apart
    assert footer_line.startswith(
        f"{footer.height} rows left out at the end (rows {first} to {first + footer.height - 1}):"
        " a report's footer"
    )
    assert not_bought_line.startswith(f"{not_bought} rows left out: orders that are no purchase")
