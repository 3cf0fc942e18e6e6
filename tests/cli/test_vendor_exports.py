"""Vendors' exports as they come off their sites, with what real files carry beside
the records: a report's totals and footer, dates with a time zone's name, a
spreadsheet's trailing and repeated columns. Each is imported with the command a
new user would type, and what is stored is compared with plain polars over the
fixture file (tests/fixtures/import/vendors)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.cli.conftest import run_ok

runner = CliRunner()

FIXTURES = Path(__file__).parents[1] / "fixtures" / "import"
VENDORS = FIXTURES / "vendors"


def _import(db: Path, kind: str, path: Path, *extra: str) -> dict:
    return json.loads(run_ok("import", kind, str(path), "--db", str(db), "--json", *extra))


def _rows(db: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute(sql).fetchall()


def test_a_salesforce_reports_totals_and_footer_are_no_purchases(
    new_books: Callable[[str], Path],
) -> None:
    """A Salesforce opportunity report, exported as CSV: its title, then the records,
    then "Grand Totals (4 records)" with the sum of the amounts, blank lines and the
    footer, whose copyright ("salesforce.com, inc.") and company name hold a comma
    inside their quotes. The totals and the footer are left out and said; the
    purchases are the report's records."""
    db = new_books("sf.db")
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
    assert footer.startswith(
        f"{len(lines) - first + 1} rows left out at the end (rows {first} to {len(lines)}):"
        " a report's footer"
    )
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


def test_stripe_dates_that_name_their_zone_are_read(new_books: Callable[[str], Path]) -> None:
    """Stripe's subscriptions export, with every documented column and its moments
    written "2024-02-01 10:00:00 UTC": each customer's start (the day it first paid:
    its trial's end, else its start), renewal, churn date and MRR are the file's.
    Before, every date was refused as "not a date"."""
    db = new_books("stripe.db")
    path = VENDORS / "stripe_subscriptions_utc.csv"
    result = _import(db, "accounts", path)
    assert result["preset"] == "Stripe subscriptions"

    def day(column: str) -> pl.Expr:
        return pl.col(column).str.strip_suffix(" UTC").str.to_datetime().dt.date().cast(pl.String)

    raw = pl.read_csv(path, infer_schema=False).filter(pl.col("Status") != "trialing")
    per_year = pl.col("Interval").replace_strict({"month": 12, "year": 1}, return_dtype=pl.Int64)
    amount = pl.col("Amount").str.replace_all(",", "").str.replace(".", "", literal=True)
    expected = raw.select(
        "Customer ID",
        pl.max_horizontal(day("Start (UTC)"), day("Trial End (UTC)")),
        day("Ended At (UTC)"),
        day("Current Period End (UTC)"),
        amount.cast(pl.Int64) * pl.col("Quantity").cast(pl.Int64) * per_year // 12,
    ).sort("Customer ID")
    stored = _rows(
        db,
        "SELECT external_id, start_date, churned_at, renewal_date, mrr_cents FROM account"
        " ORDER BY external_id",
    )
    assert stored == expected.rows()


def test_unix_times_of_an_api_export_are_read(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """Conversations taken from Intercom's API as JSON lines write their moments as
    seconds since 1970 ("created_at": 1709296496). They are read as such, and said;
    the first-response figures equal plain polars over the file."""
    db = new_books("intercom.db")
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "external_id,name\nacme-rockets,Acme Rockets\nbeta-labs,Beta Labs\ncobalt-co,Cobalt Co\n"
    )
    _import(db, "accounts", accounts)
    path = VENDORS / "intercom_conversations_api.jsonl"
    result = _import(
        db,
        "tickets",
        path,
        "--map",
        "first_response_at=first_admin_reply_at",
        "--map",
        "resolved_at=last_close_at",
    )
    raw = pl.read_ndjson(path)
    assert result["inserted"] == raw.height
    said = "column created_at read as seconds since 1970 (Unix time), like 1709296496"
    assert f"{said} (as its values show)" in result["reconciliation"]["assumptions"]
    moments = [pl.from_epoch(c).dt.strftime("%Y-%m-%d %H:%M:%S") for c in raw.columns[-3:]]
    expected = raw.select(*moments).sort("created_at").rows()
    stored = _rows(
        db, "SELECT opened_at, first_response_at, resolved_at FROM ticket ORDER BY opened_at"
    )
    assert [tuple(m and m[:19] for m in row) for row in stored] == expected
    metrics = json.loads(
        run_ok("metrics", "--db", str(db), "--json", "--period", "2024-03", "--as-of", "2024-04-30")
    )["metrics"]
    march = raw.filter(pl.from_epoch("created_at").dt.month() == 3)
    hours = (march["first_admin_reply_at"] - march["created_at"]) / 3600
    assert metrics["first_response_hours_median"] == hours.median()


def test_zendesk_moments_with_their_offset_give_each_first_response(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """A Zendesk tickets export with its full set of columns and moments written with
    their offset ("2024-11-02 09:00:00 +0100"). Each ticket opens, is first answered
    (Created at + First reply time in minutes) and is solved at the moment polars
    reads, in UTC. Before, the import stopped on polars' own words ("a time zone is
    part of the data") and wrote nothing."""
    db = new_books("zendesk.db")
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("external_id,name\nA1,Acme Rockets\nB1,Beta Labs\n")
    _import(db, "accounts", accounts)
    path = VENDORS / "zendesk_tickets_offsets.csv"
    result = _import(db, "tickets", path)
    assert result["preset"] == "Zendesk tickets"

    def utc(column: str) -> pl.Expr:
        moment = pl.col(column).str.to_datetime("%Y-%m-%d %H:%M:%S %z")
        return moment.dt.convert_time_zone("UTC")

    raw = pl.read_csv(path, infer_schema=False)
    minutes = pl.duration(minutes=pl.col("First reply time in minutes").cast(pl.Int64))
    moments = {
        "opened": utc("Created at"),
        "first_response": utc("Created at") + minutes,
        "resolved": utc("Solved at"),
    }
    expected = raw.select(
        m.dt.strftime("%Y-%m-%d %H:%M:%S").alias(name) for name, m in moments.items()
    ).sort("opened")
    stored = _rows(
        db, "SELECT opened_at, first_response_at, resolved_at FROM ticket ORDER BY opened_at"
    )
    assert [tuple(m and m[:19] for m in row) for row in stored] == expected.rows()


def test_intercom_moments_in_utc_give_each_first_response(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """Intercom's conversations export writes its moments "2026-11-03 11:00:00 UTC":
    the first response (started at + First response time in seconds) is each
    conversation's, where the import stopped on polars' words."""
    db = new_books("intercom.db")
    raw = pl.read_csv(FIXTURES / "presets" / "intercom_conversations.csv", infer_schema=False)
    moments = ["Conversation started at", "Conversation last closed at"]
    path = tmp_path / "intercom.csv"
    raw.with_columns(pl.col(moments) + " UTC").write_csv(path)
    result = _import(db, "tickets", path, "--create-missing-accounts")
    assert result["preset"] == "Intercom conversations"
    started = pl.col("Conversation started at").str.to_datetime()
    seconds = pl.duration(seconds=pl.col("First response time (seconds)").cast(pl.Int64))
    expected = raw.select(
        started.dt.strftime("%Y-%m-%d %H:%M:%S").alias("opened"),
        (started + seconds).dt.strftime("%Y-%m-%d %H:%M:%S").alias("first_response"),
    ).sort("opened")
    stored = _rows(db, "SELECT opened_at, first_response_at FROM ticket ORDER BY opened_at")
    assert [tuple(m and m[:19] for m in row) for row in stored] == expected.rows()


def test_a_first_response_that_cannot_be_computed_is_named_at_its_row(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """A ticket whose Created at is not written year-month-day, beside a first reply
    time: its first response cannot be computed, and the row is refused naming it,
    where it was left empty without a word."""
    db = new_books("zendesk.db")
    raw = pl.read_csv(VENDORS / "zendesk_tickets_offsets.csv", infer_schema=False)
    odd = raw.with_columns(
        pl.when(pl.col("Id") == "4103")
        .then(pl.lit("11/15/2024 10:00"))
        .otherwise("Created at")
        .alias("Created at")
    )
    path = tmp_path / "tickets.csv"
    odd.write_csv(path)
    refused = runner.invoke(
        app, ["import", "tickets", str(path), "--db", str(db), "--create-missing-accounts"]
    )
    assert refused.exit_code == 2
    row = 2 + odd["Id"].to_list().index("4103")
    assert (
        f'row {row}, column "First response (from first reply time)", value "11/15/2024 10:00'
        ' + 20 minutes": first_response_at is not a date'
    ) in refused.stderr
    assert "nothing was written" in refused.stderr


SPREADSHEET = [
    ["id", "company", "Email", "Email", "", "Phone", "", ""],
    [
        "5012345001",
        "Harbor Labs",
        "ops@harbor.test",
        "bill@harbor.test",
        "gold",
        "555 0101",
        "",
        "",
    ],
    ["5012345002", "Northwind Traders", "it@northwind.test", "", "silver", "555 0102", "", ""],
]
"""A CRM's accounts as a spreadsheet saves them: two columns named Email, a column
whose name was deleted but not its values, and two trailing columns of nothing."""


def _spreadsheet(path: Path) -> Path:
    if path.suffix == ".csv":
        path.write_text("".join(",".join(row) + "\n" for row in SPREADSHEET))
        return path
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for number, row in enumerate(SPREADSHEET):
        for place, cell in enumerate(row):
            if cell:
                sheet.write_string(number, place, cell)
    book.close()
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_spreadsheets_repeated_and_nameless_columns_are_named_and_said(
    tmp_path: Path, new_books: Callable[[str], Path], suffix: str
) -> None:
    """A second column named Email is kept as "Email (2)", a nameless one with values
    as "column 5", and the nameless columns without a value are left out; each is
    said. Before, polars' own names became custom fields ("Email_duplicated_0", and
    "_duplicated_0" for an empty trailing column; "Email_1" and "__UNNAMED__4" from a
    workbook) without a word."""
    db = new_books("crm.db")
    result = _import(db, "accounts", _spreadsheet(tmp_path / f"accounts{suffix}"))
    assumed = result["reconciliation"]["assumptions"]
    if suffix == ".csv":  # (a workbook's columns end with its last value)
        assert "columns 7, 8 without a name or any value left out" in assumed
    assert "column 4 is named 'Email' as an earlier one: read as 'Email (2)'" in assumed
    assert "column 5 has no name but values: read as 'column 5'" in assumed
    kept = [field["name"] for field in result["custom_fields"]]
    assert kept == ["Email", "Email (2)", "column 5", "Phone"]
    stored = _rows(
        db,
        "SELECT a.external_id, f.name, v.value FROM account_field_value v"
        " JOIN custom_field f ON f.id = v.field_id JOIN account a ON a.id = v.account_id"
        " WHERE f.name != 'Phone' ORDER BY 1, f.position",
    )
    expected = [
        (row[0], name, row[column])
        for row in SPREADSHEET[1:]
        for name, column in (("Email", 2), ("Email (2)", 3), ("column 5", 4))
        if row[column]
    ]
    assert stored == expected


def test_amounts_written_with_their_currency_code_are_read_and_said(
    new_books: Callable[[str], Path],
) -> None:
    """A Salesforce org with several currencies writes each amount with its code
    ("USD 12,500.00", "EUR 980.00"). The amounts are read (before, each was refused
    as "not an amount"), and the summary says they mix two currencies, by rows."""
    db = new_books("sf.db")
    _import(db, "accounts", FIXTURES / "presets" / "salesforce_accounts.csv")
    path = VENDORS / "salesforce_opportunities_multicurrency.csv"
    result = _import(
        db, "purchases", path, "--map", "account=Account ID", "--map", "purchased_at=Close Date"
    )
    raw = pl.read_csv(path, infer_schema=False)
    code = pl.col("Amount").str.extract(r"^([A-Z]{3}) ", 1)
    cents = pl.col("Amount").str.replace(r"^[A-Z]{3} ", "").str.replace_all(r"[,.]", "")
    expected = raw.select(
        pl.col("Close Date").str.to_date("%m/%d/%Y").cast(pl.String), cents.cast(pl.Int64)
    )
    stored = _rows(db, "SELECT date(purchased_at), amount_cents FROM purchase ORDER BY 1, 2")
    assert stored == sorted(expected.rows())
    tally = raw.group_by(code.alias("code")).len().sort("len", "code", descending=[True, False])
    words = ", ".join(f"{code} {count}" for code, count in tally.rows())
    assert (
        f"amounts in 2 currencies (column Amount: {words} rows of the file) are added as they"
        " are, not converted: MRR and revenue mix them; import one currency per book to keep"
        " them apart"
    ) in result["reconciliation"]["assumptions"]


def test_amounts_in_another_currency_than_the_apps_are_said(tmp_path: Path) -> None:
    """A German spreadsheet's MRR, "1.234,50 €": read with its decimal comma, and the
    summary says the amounts are in euros, imported as they are while the app writes
    a $ sign; an export in dollars says nothing of it."""
    path = tmp_path / "accounts.csv"
    path.write_text(
        "\ufeffexternal_id;name;mrr;start_date\r\n"
        'A1;Acme;"1.234,50 €";01.03.2024\r\nA2;Beta;"99,00 €";15.04.2024\r\n',
        encoding="utf-8",
    )
    result = _import(tmp_path / "eu.db", "accounts", path)
    said = (
        "amounts are in EUR (column mrr): imported as they are, never converted; the app"
        " writes every amount with a $ sign"
    )
    assert said in result["reconciliation"]["assumptions"]
    assert result["reconciliation"]["totals"] == {"mrr": 1333.5}
    path = tmp_path / "us.csv"
    path.write_text('external_id,name,mrr\nA1,Acme,"$1,234.50"\nA2,Beta,$99\n')
    dollars = _import(tmp_path / "us.db", "accounts", path)
    assert dollars["reconciliation"]["totals"] == {"mrr": 1333.5}
    assert not [line for line in dollars["reconciliation"]["assumptions"] if "amounts" in line]


def test_headers_that_name_their_zone_or_unit_are_matched(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """Billing and finance exports name a column's zone or money unit in brackets:
    "Order Date (UTC)", "Total (USD)", "MRR (cents)". Each is matched to its field
    as its bare name would be (the cents still read as cents), where the import
    asked for a --map of every one of them ("missing required column")."""
    db = new_books("orders.db")
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("Account ID,Name,MRR (cents)\ncus_A1,Acme,4900\ncus_B2,Beta,19900\n")
    result = _import(db, "accounts", accounts)
    assert result["reconciliation"]["totals"] == {"mrr": 248.0}
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "Order ID,Customer ID,Order Date (UTC),Total (USD)\n"
        "o1,cus_A1,2024-03-01 10:00:00 UTC,120.50\n"
        "o2,cus_B2,2024-03-02 11:30:00 UTC,99.00\n"
    )
    result = _import(db, "purchases", orders)
    assert result["inserted"] == 2
    stored = _rows(db, "SELECT purchased_at, amount_cents FROM purchase ORDER BY 1")
    assert [(moment[:19], cents) for moment, cents in stored] == [
        ("2024-03-01 10:00:00", 12050),
        ("2024-03-02 11:30:00", 9900),
    ]


def test_the_import_says_which_column_each_field_was_read_from(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """The columns matched by their names are an assumption like any other ("users"
    read as seats): the summary names each field's column as --map writes it, given
    or matched, where it named only the columns not imported."""
    db = new_books("orders.db")
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("customer_id,company,users\ncus_A1,Acme,12\n")
    out = run_ok("import", "accounts", str(accounts), "--db", str(db))
    assert "Columns read: external_id=customer_id, name=company, seats=users\n" in out
    orders = tmp_path / "orders.csv"
    orders.write_text("Order ID,Customer ID,Order Date,Total\no1,cus_A1,2024-03-01,120.50\n")
    out = run_ok(
        "import", "purchases", str(orders), "--db", str(db), "--map", "description=Order ID"
    )
    assert (
        "Columns read: account=Customer ID, purchased_at=Order Date, amount=Total,"
        " description=Order ID\n"
    ) in out


def test_amounts_in_dollars_and_euros_are_said_to_mix_currencies(tmp_path: Path) -> None:
    """A column whose amounts are written "$100.00" and "€90.00" mixes two currencies,
    where the summary said every amount was in euros ("$" alone was not counted); a
    header that names its currency ("mrr (EUR)", matched as mrr) says its amounts'
    currency, where nothing was said and they were taken for dollars."""
    path = tmp_path / "mixed.csv"
    rows = [("A1", "Acme", "$100.00"), ("A2", "Beta", "€90.00"), ("A3", "Cobalt", "$50")]
    path.write_text("external_id,name,mrr\n" + "".join(",".join(r) + "\n" for r in rows))
    result = _import(tmp_path / "mixed.db", "accounts", path, "--dry-run")
    dollars = sum(1 for *_, mrr in rows if mrr.startswith("$"))
    euros = sum(1 for *_, mrr in rows if mrr.startswith("€"))
    assert (
        f"amounts in 2 currencies (column mrr: USD {dollars}, EUR {euros} rows of the file) are"
        " added as they are, not converted: MRR and revenue mix them; import one currency per"
        " book to keep them apart"
    ) in result["reconciliation"]["assumptions"]
    path = tmp_path / "euros.csv"
    path.write_text("external_id,name,mrr (EUR)\nA1,Acme,100.00\nA2,Beta,90.00\n")
    result = _import(tmp_path / "euros.db", "accounts", path, "--dry-run")
    assert result["reconciliation"]["totals"] == {"mrr": 190.0}
    assert (
        "amounts are in EUR (column mrr (EUR)): imported as they are, never converted; the app"
        " writes every amount with a $ sign"
    ) in result["reconciliation"]["assumptions"]


def test_a_last_record_named_total_is_a_record(tmp_path: Path) -> None:
    """A last row whose first cell is "Total" is a report's totals row only when its
    other cells are sums: a customer named Total, with its id, is imported (it was
    left out as a footer), while a spreadsheet's own sum row under the records is not
    a customer."""
    path = tmp_path / "accounts.csv"
    path.write_text("name,external_id,mrr\nAcme,A1,100\nTotal,T1,250\n")
    raw = pl.read_csv(path, infer_schema=False)
    result = _import(tmp_path / "total.db", "accounts", path)
    assert result["inserted"] == raw.height
    assert not [line for line in result["reconciliation"]["assumptions"] if "footer" in line]
    stored = _rows(tmp_path / "total.db", "SELECT external_id, mrr_cents FROM account ORDER BY 1")
    assert stored == sorted((r[1], int(r[2]) * 100) for r in raw.rows())
    path = tmp_path / "summed.csv"
    path.write_text('name,external_id,mrr\nAcme,A1,100\nBeta,B1,20\nTotal,,"$120.00"\n')
    result = _import(tmp_path / "summed.db", "accounts", path)
    assert result["inserted"] == 2
    assert (
        '1 row left out at the end (row 4): a report\'s footer, not records ("Total")'
        in result["reconciliation"]["assumptions"]
    )


def test_an_export_days_changes_are_dated_and_said(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """An accounts file imported again with --as-of (the day it was exported) and no
    --effective: its MRR changes are dated that day, and the summary says so, as it
    says every default; it said nothing of the day the changes were given."""
    db = new_books("book.db")
    first, second = tmp_path / "june.csv", tmp_path / "october.csv"
    first.write_text("external_id,name,mrr\nA1,Acme,100\nA2,Beta,50\n")
    second.write_text("external_id,name,mrr\nA1,Acme,150\nA2,Beta,50\n")
    _import(db, "accounts", first, "--effective", "2026-06-01")
    result = _import(db, "accounts", second, "--as-of", "2026-10-01")
    assert (
        "statuses and MRR changes take effect on 2026-10-01, the day the file was exported"
        " (--as-of); --effective gives another day"
    ) in result["reconciliation"]["assumptions"]
    before = dict(pl.read_csv(first, infer_schema=False).select("external_id", "mrr").rows())
    after = pl.read_csv(second, infer_schema=False).select("external_id", "mrr").rows()
    changes = [(key, "2026-10-01", (int(mrr) - int(before[key])) * 100) for key, mrr in after]
    stored = _rows(
        db,
        "SELECT a.external_id, m.occurred_on, m.amount_cents FROM mrr_movement m"
        " JOIN account a ON a.id = m.account_id WHERE m.occurred_on > '2026-06-01'",
    )
    assert stored == [change for change in changes if change[2]]


def test_a_unix_time_out_of_its_columns_range_is_named_at_its_row(tmp_path: Path) -> None:
    """A column found to hold Unix times from its first rows, with a 0 further down (an
    API's "never"): the 0 is refused at its row, where it became 1970-01-01."""
    starts = [1_709_296_496 + day * 86_400 for day in range(2_100)] + [0]
    path = tmp_path / "accounts.csv"
    pl.DataFrame(
        {
            "external_id": [f"A{n}" for n in range(len(starts))],
            "name": [f"Co {n}" for n in range(len(starts))],
            "start_date": [str(start) for start in starts],
        }
    ).write_csv(path)
    refused = runner.invoke(app, ["import", "accounts", str(path), "--db", str(tmp_path / "u.db")])
    assert refused.exit_code == 2
    row = 2 + starts.index(0)  # after the header line
    assert (
        f'row {row}, column "start_date", value "0": start_date is not a date (seconds since'
        " 1970 (Unix time), like 1709296496)"
    ) in refused.stderr
    assert "nothing was written" in refused.stderr


def test_zendesk_satisfaction_ratings_become_the_csat(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """The Satisfaction Score of a Zendesk tickets export (Good, Bad; Offered and
    Unoffered are no answer) imports as CSAT answers dated by Solved at: the month's
    CSAT is the share of Good ratings among the rated tickets solved in it, as plain
    polars computes over the file."""
    db = new_books("zendesk.db")
    path = VENDORS / "zendesk_satisfaction.csv"
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("external_id,name\nA1,Acme Rockets\nB1,Beta Labs\nC1,Cobalt Health\n")
    _import(db, "accounts", accounts, "--as-of", "2024-10-01")
    result = _import(db, "surveys", path)
    assert result["preset"] == "Zendesk satisfaction ratings"
    # The rating is read (through the CSAT score made of it); the ticket's status is not.
    assert "Satisfaction Score" not in result["ignored_columns"]
    assert "Status" in result["ignored_columns"]
    raw = pl.read_csv(path, infer_schema=False).with_columns(
        pl.col("Solved at")
        .str.to_datetime("%Y-%m-%d %H:%M:%S %z")
        .dt.convert_time_zone("UTC")
        .alias("solved")
    )
    rated = raw.filter(pl.col("Satisfaction Score").is_in(["Good", "Bad"]))
    unrated = raw.height - rated.height
    assumptions = result["reconciliation"]["assumptions"]
    assert any(line.startswith(f"{unrated} rows left out: tickets whose") for line in assumptions)
    november = rated.filter(pl.col("solved").dt.strftime("%Y-%m") == "2024-11")
    good = november.filter(pl.col("Satisfaction Score") == "Good").height
    metrics = json.loads(
        run_ok("metrics", "--db", str(db), "--json", "--period", "2024-11", "--as-of", "2024-11-30")
    )["metrics"]
    assert metrics["csat_pct"] == pytest.approx(100 * good / november.height, abs=0.05)
    assert _rows(
        db, "SELECT count(*), sum(score = 5) FROM survey_response WHERE kind = 'csat'"
    ) == [(rated.height, rated.filter(pl.col("Satisfaction Score") == "Good").height)]


def test_amounts_in_cents_from_an_api_are_said_and_read_so_when_told(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """Stripe's API writes a charge's amount in cents, under the plain name "amount"
    (1999 is $19.99), as do many billing systems' API exports. Nothing in the file says
    so: the import reads them as dollars but says it, with the option that reads them
    as cents; with --cents amount the amounts stored are the file's, in cents."""
    charges = [
        ("ch_3OqZ1", "cus_PfA01", 1999, 1709296496, "Pro plan, March"),
        ("ch_3OqZ2", "cus_PfA02", 4900, 1709382896, "Team plan, March"),
        ("ch_3OqZ3", "cus_PfA01", 1999, 1711974896, "Pro plan, April"),
        ("ch_3OqZ4", "cus_PfA03", 129900, 1712061296, "Enterprise, yearly"),
    ]
    path = tmp_path / "charges.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {"id": id_, "object": "charge", "amount": amount, "amount_captured": amount,
                 "amount_refunded": 0, "created": created, "currency": "usd",
                 "customer": customer, "description": text, "paid": True,
                 "status": "succeeded"}
            ) + "\n"
            for id_, customer, amount, created, text in charges
        )
    )  # fmt: skip
    raw = pl.read_ndjson(path)
    read = ["--map", "purchased_at=created", "--create-missing-accounts"]
    first = _import(tmp_path / "a.db", "purchases", path, *read)
    assert (
        "column amount read as currency units, not cents: its values are whole numbers"
        " (1999 is $1,999.00, not $19.99) and its name does not say cents; if they are"
        " cents, --cents amount reads them so"
    ) in first["reconciliation"]["assumptions"]
    db = new_books("b.db")
    told = _import(db, "purchases", path, *read, "--cents", "amount")
    assert told["reconciliation"]["totals"] == {"amount": raw["amount"].sum() / 100}
    assert not [line for line in told["reconciliation"]["assumptions"] if "not cents" in line]
    stored = _rows(db, "SELECT amount_cents FROM purchase ORDER BY amount_cents")
    assert [cents for (cents,) in stored] == sorted(raw["amount"].to_list())
    saved = tmp_path / "stripe-charges.toml"  # a mapping file says it as well
    saved.write_text('cents = ["amount"]\n[columns]\npurchased_at = "created"\n')
    filed = _import(tmp_path / "c.db", "purchases", path, "--mapping", str(saved), *read[2:])
    assert filed["reconciliation"] == told["reconciliation"]
