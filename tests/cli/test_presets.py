"""Vendors' exports, recognised from their header and imported with no --map; the
figures checked against plain polars over the fixture files (written with the
vendors' documented column names)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.cli.conftest import run_ok

runner = CliRunner()
PRESETS = Path(__file__).parents[1] / "fixtures" / "import" / "presets"
AS_OF = ["--as-of", "2026-11-30"]


def _import(db: Path, kind: str, name: str, *extra: str) -> dict:
    path = PRESETS / name
    return json.loads(run_ok("import", kind, str(path), "--db", str(db), "--json", *extra))


def _metrics(db: Path, *args: str) -> dict:
    return json.loads(run_ok("metrics", "--db", str(db), "--json", *args))["metrics"]


def test_stripe_subscriptions(new_books: Callable[[str], Path]) -> None:
    db = new_books("stripe.db")
    report = _import(db, "accounts", "stripe_subscriptions.csv")
    assert report["preset"] == "Stripe subscriptions"
    raw = pl.read_csv(PRESETS / "stripe_subscriptions.csv", infer_schema=False)
    # A customer in its trial has paid nothing yet: no customer of the book (as in
    # Stripe's own MRR and subscriber counts).
    trials = raw.filter(pl.col("Status") == "trialing")
    assert trials.height == trials["Customer ID"].n_unique() == 1
    assert (
        "1 row left out: 1 customer none of whose subscriptions has paid yet (trials,"
        " failed first payments); --every-row imports them"
    ) in report["reconciliation"]["assumptions"]
    raw = raw.filter(pl.col("Status") != "trialing")
    per_year = {"month": 12, "year": 1, "week": 52, "day": 365}
    mrr = [
        (Decimal(a) * int(q) * per_year[i] / 12).quantize(Decimal("0.01"))
        for a, q, i in raw.select("Amount", "Quantity", "Interval").rows()
    ]
    status = {"canceled": "churned"}
    frame = raw.with_columns(
        pl.Series("mrr", [float(m) for m in mrr]),
        pl.col("Status").replace_strict(status, default="active").alias("state"),
    )
    by_status = report["reconciliation"]["by_status"]
    for state, group in frame.group_by("state"):
        assert by_status[state[0]] == {
            "accounts": group.height,
            "mrr": round(group["mrr"].sum(), 2),
        }
    live = frame.filter(pl.col("state") != "churned")
    now = _metrics(db, "--as-of", "2026-11-30", "--period", "2026-11")
    assert now["active_accounts"] == live.height
    assert now["mrr"] == round(live["mrr"].sum(), 2)
    # The cancellation is dated: churn in October 2026, with the MRR it took.
    october = _metrics(db, "--as-of", "2026-10-31", "--period", "2026-10")
    gone = frame.filter(pl.col("state") == "churned")
    assert october["churned_accounts"] == gone.height
    assert october["mrr_churned"] == -round(gone["mrr"].sum(), 2)
    assert october["churned_undated_accounts"] == 0


def test_a_count_of_one_reads_in_the_singular(new_books: Callable[[str], Path]) -> None:
    """The summary of the Stripe export says 'churned: 1 account' (it read '1
    accounts'), and the invoices of a customer not in the book '1 error' ('1 errors')."""
    db = new_books("stripe.db")
    path = PRESETS / "stripe_subscriptions.csv"
    out = run_ok("import", "accounts", str(path), "--db", str(db), *AS_OF)
    raw = pl.read_csv(path, infer_schema=False)
    canceled = raw.filter(pl.col("Status") == "canceled")
    assert canceled.height == 1
    amount = Decimal(canceled["Amount"].item()) * int(canceled["Quantity"].item())
    assert f"  churned: 1 account, MRR lost ${amount:,.2f}\n" in out
    invoices = PRESETS / "stripe_invoices.csv"
    refused = runner.invoke(app, ["import", "purchases", str(invoices), "--db", str(db)])
    assert refused.exit_code == 2  # Globex is no customer of this book: its one row
    assert refused.stderr.count('value "cus_QA002": no account has this external id') == 1
    assert "stripe_invoices.csv: 1 error; nothing was written." in refused.stderr


def _ended(row: dict) -> str:
    """When a Stripe subscription ended, as its export writes it: Ended At, else
    Canceled At (a cancellation at the period's end is asked for before)."""
    return row["Ended At (UTC)"] or row["Canceled At (UTC)"] or ""


def test_stripe_customers_with_several_subscriptions(new_books: Callable[[str], Path]) -> None:
    """A real Stripe export lists subscriptions, several per customer when one
    upgraded to a new subscription, bought an add-on or left twice: one account per
    customer, each figure computed here from the raw rows."""
    db = new_books("stripe.db")
    report = _import(db, "accounts", "stripe_subscriptions_history.csv")
    raw = pl.read_csv(PRESETS / "stripe_subscriptions_history.csv", infer_schema=False)
    per_year = {"month": 12, "year": 1, "week": 52, "day": 365}
    live = {"active", "past_due", "unpaid", "trialing", "incomplete"}
    expected = {}
    for customer, subs in raw.group_by("Customer ID"):
        rows = subs.to_dicts()
        for row in rows:  # a trial pays nothing yet
            row["mrr"] = Decimal(row["Amount"]) * int(row["Quantity"]) * per_year[row["Interval"]]
            row["mrr"] *= row["Status"] != "trialing"
        if all(row["Status"] == "trialing" for row in rows):
            continue  # it has paid nothing yet: no customer of the book
        alive = [row for row in rows if row["Status"] in live]
        last_end = max(_ended(row) for row in rows)
        counted = alive or [row for row in rows if _ended(row) == last_end]
        paying = any(row["Status"] in ("active", "past_due", "unpaid") for row in alive)
        expected[customer[0]] = (
            "active" if paying else "onboarding" if alive else "churned",
            int((sum(row["mrr"] for row in counted) / 12).quantize(Decimal("0.01")) * 100),
            sum(int(row["Quantity"]) for row in counted),
            min(row["Start (UTC)"] for row in rows)[:10],
            None if alive else last_end[:10],
        )
    with closing(sqlite3.connect(db)) as connection:
        stored = {
            row[0]: row[1:]
            for row in connection.execute(
                "SELECT external_id, status, mrr_cents, seats, start_date, churned_at FROM account"
            )
        }
    assert stored == expected
    several = raw.group_by("Customer ID").len().filter(pl.col("len") > 1).height
    assert any(
        f"one account per Stripe customer ({several:,} with several subscriptions)" in line
        for line in report["reconciliation"]["assumptions"]
    )
    now = _metrics(db, "--as-of", "2026-11-30", "--period", "2026-11")
    alive_customers = [v for v in expected.values() if v[0] != "churned"]
    assert now["active_accounts"] == len(alive_customers)
    assert round(now["mrr"] * 100) == sum(v[1] for v in alive_customers)
    october = _metrics(db, "--as-of", "2026-10-31", "--period", "2026-10")
    assert october["churned_accounts"] == 1  # Cobalt: its second subscription ended
    assert round(october["mrr_churned"] * 100) == -expected["cus_C3"][1]


_LIVE = {"active", "past_due", "unpaid", "trialing", "incomplete"}
_PER_YEAR = {"month": 12, "year": 1, "week": 52, "day": 365}


def _subscriptions(raw: pl.DataFrame) -> list[tuple[str, date, date | None, int]]:
    """Each subscription of the raw export that paid: customer, the first day it
    paid (its trial's end, else its start), the day it ended (None while live) and
    its MRR in cents. A trial, a failed first payment and a subscription ended
    within its trial pay nothing, so they are not here."""
    paying = []
    for row in raw.to_dicts():
        if row["Status"] in ("trialing", "incomplete", "incomplete_expired"):
            continue
        paid_from = max(row["Start (UTC)"], row.get("Trial End (UTC)") or "")
        end = None if row["Status"] in _LIVE else _ended(row)
        if end is not None and end <= paid_from:
            continue
        mrr = Decimal(row["Amount"]) * int(row["Quantity"]) * _PER_YEAR[row["Interval"]] / 12
        paying.append(
            (
                row["Customer ID"],
                date.fromisoformat(paid_from[:10]),
                None if end is None else date.fromisoformat(end[:10]),
                int(mrr.quantize(Decimal("0.01")) * 100),
            )
        )
    return paying


def _at_end_of(subscriptions: list, customer: str, day: date) -> tuple[int, int]:
    """A customer's MRR in cents and live subscriptions at the end of ``day``."""
    live = [
        cents
        for who, start, end, cents in subscriptions
        if who == customer and start <= day and (end is None or end > day)
    ]
    return sum(live), len(live)


def _month_by_days(subscriptions: list, month: str) -> dict[str, int]:
    """The month's MRR movements (cents) and customers churned or returned, found by
    walking each customer's subscriptions day by day."""
    first = date.fromisoformat(f"{month}-01")
    totals = dict.fromkeys(["new", "expansion", "contraction", "churn", "reactivation"], 0)
    churned, returned = set(), set()
    day = first
    while day.strftime("%Y-%m") == month:
        for customer in {who for who, *_ in subscriptions}:
            before, had = _at_end_of(subscriptions, customer, day - timedelta(days=1))
            after, has = _at_end_of(subscriptions, customer, day)
            earlier = any(w == customer and start < day for w, start, *_ in subscriptions)
            if not had and has:
                kind = "reactivation" if earlier else "new"
                returned |= {customer} if earlier else set()
            elif had and not has:
                kind = "churn"
                churned.add(customer)
            else:
                kind = "expansion" if after > before else "contraction"
            totals[kind] += after - before
        day += timedelta(days=1)
    return {**totals, "churned": len(churned), "returned": len(returned)}


def _months_match_the_walk(db: Path, raw: pl.DataFrame) -> list[str]:
    """Every month in which a subscription of ``raw`` begins to pay or ends: its MRR,
    its movements and the customers churned and come back, as ``cxtui metrics`` on
    ``db`` says, equal a walk over the raw export's days. Returns the months."""
    subscriptions = _subscriptions(raw)
    months = sorted(
        {start.strftime("%Y-%m") for _, start, _, _ in subscriptions}
        | {end.strftime("%Y-%m") for _, _, end, _ in subscriptions if end}
    )
    for month in months:
        last = (date.fromisoformat(f"{month}-01") + timedelta(days=31)).replace(day=1)
        figures = _metrics(db, "--period", month, "--as-of", str(last - timedelta(days=1)))
        walked = _month_by_days(subscriptions, month)
        mrr = sum(
            _at_end_of(subscriptions, customer, last - timedelta(days=1))[0]
            for customer in raw["Customer ID"].unique()
        )
        assert round(figures["mrr"] * 100) == mrr, month
        for kind in ("new", "expansion", "contraction", "reactivation"):
            assert round(figures[f"mrr_{kind}"] * 100) == walked[kind], (month, kind)
        assert round(figures["mrr_churned"] * 100) == walked["churn"], month
        assert figures["churned_accounts"] == walked["churned"], month
        assert figures["reactivated_accounts"] == walked["returned"], month
    return months


def test_stripe_subscriptions_become_the_accounts_mrr_history(
    new_books: Callable[[str], Path],
) -> None:
    """Each Stripe customer's MRR day by day from its subscriptions, month by month
    against a walk over the raw export's days."""
    db = new_books("stripe.db")
    report = _import(db, "accounts", "stripe_subscriptions_history.csv")
    raw = pl.read_csv(PRESETS / "stripe_subscriptions_history.csv", infer_schema=False)
    subscriptions = _subscriptions(raw)
    customers = len({who for who, *_ in subscriptions})
    assert report["recorded"][0].startswith(f"MRR history of {customers} accounts recorded")
    assert len(_months_match_the_walk(db, raw)) >= 8
    # Foxtrot left in June 2025 and came back in September: both are counted.
    assert _month_by_days(subscriptions, "2025-06")["churned"] == 1
    assert _month_by_days(subscriptions, "2025-09")["returned"] == 1


TRIALS = [  # id, customer, name, status, start, trial end, canceled, ended
    ("sub_1T", "cus_T1", "Tango Tea", "active", "2026-01-10", "2026-01-24", "", ""),
    (
        "sub_2T",
        "cus_T2",
        "Umber Ink",
        "canceled",
        "2026-03-01",
        "2026-03-15",
        "2026-03-10",
        "2026-03-15",
    ),
    ("sub_3T", "cus_T3", "Vesta Vans", "trialing", "2026-11-25", "2026-12-09", "", ""),
    ("sub_4T", "cus_T4", "Wren Works", "canceled", "2025-12-01", "2025-12-15", "", "2026-04-15"),
    ("sub_5T", "cus_T5", "Xeno Xtal", "canceled", "2025-05-01", "2025-05-15", "", "2025-05-08"),
    ("sub_6T", "cus_T5", "Xeno Xtal", "active", "2025-08-01", "", "", ""),
]


def test_a_trial_pays_nothing_until_it_ends(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """Stripe's MRR leaves trials out: a subscription adds its MRR on its trial's
    end (Trial End), not its start; one in its trial adds none yet; a customer
    whose only subscription ended within its trial never paid and is no customer
    (left out, said; kept with --every-row). Month by month against the walk."""
    raw = pl.read_csv(PRESETS / "stripe_subscriptions_history.csv", infer_schema=False)
    trials = pl.DataFrame(
        [
            {
                "id": sub,
                "Customer ID": who,
                "Customer Name": name,
                "Status": status,
                "Start (UTC)": f"{start} 09:00",
                "Trial End (UTC)": trial and f"{trial} 09:00",
                "Canceled At (UTC)": canceled and f"{canceled} 09:00",
                "Ended At (UTC)": ended and f"{ended} 09:00",
                "Plan": "Pro Monthly",
                "Product": "Pro",
                "Quantity": "2",
                "Interval": "month",
                "Amount": "49.00",
            }
            for sub, who, name, status, start, trial, canceled, ended in TRIALS
        ]
    )
    export = pl.concat([raw, trials], how="diagonal").with_columns(
        pl.col("Canceled At (UTC)", "Ended At (UTC)", "Trial End (UTC)").replace("", None)
    )
    path = tmp_path / "stripe.csv"
    export.write_csv(path)
    db = new_books("trials.db")
    report = json.loads(run_ok("import", "accounts", str(path), "--db", str(db), "--json"))
    assert (  # Echo Media and Vesta Vans, in their trials, Umber Ink, whose trial ended
        "3 rows left out: 3 customers none of whose subscriptions has paid yet (trials,"
        " failed first payments); --every-row imports them"
    ) in report["reconciliation"]["assumptions"]
    assert "2026-01" in _months_match_the_walk(db, export)  # Tango's first payment
    with closing(sqlite3.connect(db)) as connection:
        accounts = dict(
            connection.execute(
                "SELECT external_id, status || ' ' || mrr_cents || ' ' || start_date FROM account"
                " WHERE external_id LIKE 'cus_T%'"
            ).fetchall()
        )
    assert accounts == {  # each a customer from the day it first paid
        "cus_T1": "active 9800 2026-01-24",
        "cus_T4": "churned 9800 2025-12-15",
        "cus_T5": "active 9800 2025-08-01",  # a trial it left, then a paid subscription
    }
    every = new_books("every.db")
    run_ok("import", "accounts", str(path), "--db", str(every), "--every-row")
    with closing(sqlite3.connect(every)) as connection:
        kept = connection.execute(
            "SELECT external_id, status, mrr_cents FROM account"
            " WHERE external_id IN ('cus_T2', 'cus_T3') ORDER BY 1"
        ).fetchall()
    assert kept == [("cus_T2", "churned", 0), ("cus_T3", "onboarding", 0)]


def _movements(db: Path) -> list[tuple]:
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute(
            "SELECT external_id, occurred_on, kind, amount_cents FROM mrr_movement"
            " JOIN account ON account.id = account_id ORDER BY 1, 2, 3"
        ).fetchall()


def test_a_later_stripe_export_adds_what_followed(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """The export as it stood on 2025-06-15 (later subscriptions absent, those that
    ended later still live), then today's: each account's movements are those of
    today's export imported at once, each on its own day (none on the import's)."""
    raw = pl.read_csv(PRESETS / "stripe_subscriptions_history.csv", infer_schema=False)
    cut = "2025-06-15"
    ended = pl.coalesce(pl.col("Ended At (UTC)"), pl.col("Canceled At (UTC)")).str.slice(0, 10)
    later = ended > cut
    then = raw.filter(pl.col("Start (UTC)").str.slice(0, 10) <= cut).with_columns(
        pl.when(later).then(pl.lit("active")).otherwise("Status").alias("Status"),
        *(
            pl.when(later.fill_null(False)).then(None).otherwise(c).alias(c)
            for c in ("Canceled At (UTC)", "Ended At (UTC)")
        ),
    )
    assert 0 < then.height < raw.height
    then.write_csv(tmp_path / "then.csv")
    db = new_books("monthly.db")
    run_ok("import", "accounts", str(tmp_path / "then.csv"), "--db", str(db))
    _import(db, "accounts", "stripe_subscriptions_history.csv")
    once = new_books("once.db")
    _import(once, "accounts", "stripe_subscriptions_history.csv")
    assert _movements(db) == _movements(once)
    reactivated = [m for m in _movements(db) if m[2] == "reactivation"]
    assert [m[:2] for m in reactivated] == [("cus_F6", "2025-09-01")]


def test_a_customer_without_a_dated_history_says_so(tmp_path: Path) -> None:
    """A canceled subscription with no end date: its customer's MRR is one opening
    movement on its first start, and the summary says it stands for a history."""
    source = (PRESETS / "stripe_subscriptions_history.csv").read_text()
    undated = source.replace(",2025-05-15 13:40,2025-06-01 09:00\n", ",,\n")
    assert undated != source
    path = tmp_path / "stripe.csv"
    path.write_text(undated)
    report = json.loads(
        run_ok("import", "accounts", str(path), "--db", str(tmp_path / "s.db"), "--json")
    )
    [line] = [line for line in report["recorded"] if line.startswith("Assumed: 1 account has")]
    assert "one opening movement of its MRR on its start" in line
    with closing(sqlite3.connect(tmp_path / "s.db")) as connection:
        moves = connection.execute(
            "SELECT occurred_on, kind, amount_cents, mrr_cents FROM mrr_movement"
            " JOIN account ON account.id = account_id WHERE external_id = 'cus_F6'"
        ).fetchall()
    assert moves == [("2024-05-01", "new", 4900, 4900)]  # its live Pro subscription's MRR


def test_an_unreadable_amount_on_any_subscription_is_named(tmp_path: Path) -> None:
    source = (PRESETS / "stripe_subscriptions_history.csv").read_text()
    bad = source.replace(",month,19.00,canceled,2023", ",month,19,00,canceled,2023", 1)
    bad = bad.replace("Basic,1,month,19,00", 'Basic,1,month,"19,00 EUR"', 1)
    path = tmp_path / "stripe.csv"
    path.write_text(bad)
    refused = runner.invoke(app, ["import", "accounts", str(path), "--db", str(tmp_path / "s.db")])
    assert refused.exit_code == 2
    assert 'row 2, column "MRR (from amount, quantity and interval)", value "19,00 EUR"' in (
        refused.stderr
    )


def _tickets_found_by_name(db: Path, tickets: pl.DataFrame, path: Path) -> str:
    """``tickets`` written to ``path`` and imported into ``db`` (creating no account
    for them): every row inserted; the summary's line on the rows found by name."""
    tickets.write_csv(path)
    report = json.loads(
        run_ok(
            "import", "tickets", str(path), "--db", str(db), "--json", "--create-missing-accounts"
        )
    )
    assert (report["inserted"], report["created_accounts"]) == (tickets.height, 0)
    [line] = [line for line in report["reconciliation"]["assumptions"] if "by its name" in line]
    return line


def _tickets_per_account(db: Path) -> dict[str, int]:
    """Each account's name and its number of tickets, read with plain SQL."""
    with closing(sqlite3.connect(db)) as connection:
        return dict(
            connection.execute(
                "SELECT account.name, count(ticket.id) FROM account"
                " LEFT JOIN ticket ON ticket.account_id = account.id GROUP BY account.name"
            ).fetchall()
        )


def test_tickets_naming_companies_find_the_crm_accounts_by_name(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """Accounts from HubSpot (its record ids), tickets from Zendesk (organization
    names, written with other case and spaces): each ticket goes to the one account
    of that name, counted here from the raw files; no account is created for them,
    and the summary says the rows were matched by name. A name two accounts share
    is refused at its row."""
    db = new_books("book.db")
    _import(db, "accounts", "hubspot_companies.csv")
    companies = pl.read_csv(PRESETS / "hubspot_companies.csv", infer_schema=False)
    names = companies["Company name"].to_list()
    tickets = pl.read_csv(PRESETS / "zendesk_tickets.csv", infer_schema=False)
    spelled = [
        f"  {names[i % 2].upper()} " if i % 3 else names[i % 2] for i in range(tickets.height)
    ]
    tickets = tickets.with_columns(pl.Series("Organization", spelled))
    path = tmp_path / "zendesk.csv"
    assumed = _tickets_found_by_name(db, tickets, path)
    assert assumed.startswith(f"{tickets.height:,} rows found their account by its name")
    expected = {name: spelled.count(name) + spelled.count(f"  {name.upper()} ") for name in names}
    stored = _tickets_per_account(db)
    with closing(sqlite3.connect(db)) as connection:
        connection.execute("UPDATE account SET name = ? WHERE name = ?", (names[0], names[2]))
        connection.commit()
    assert stored == expected
    refused = runner.invoke(app, ["import", "tickets", str(path), "--db", str(db)])
    assert refused.exit_code == 2
    assert f'value "{names[0]}": several accounts have this name' in refused.stderr


def test_tickets_without_an_organization_are_left_out_only_when_asked(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """A Zendesk export holds tickets from people of no organization: refused, with
    the way out named; with --skip-without-account, the others are imported and the
    left-out ones counted (both counted here from the raw file)."""
    db = new_books("book.db")
    tickets = pl.read_csv(PRESETS / "zendesk_tickets.csv", infer_schema=False)
    orphans = pl.Series("Organization", [None if i % 2 else name for i, name in enumerate(
        tickets["Organization"])])  # fmt: skip
    tickets = tickets.with_columns(orphans)
    path = tmp_path / "zendesk.csv"
    tickets.write_csv(path)
    without = tickets.filter(pl.col("Organization").is_null()).height
    assert 0 < without < tickets.height
    args = ["import", "tickets", str(path), "--db", str(db), "--create-missing-accounts"]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2
    assert "account is required; leave such rows out with --skip-without-account" in (
        refused.stderr
    )
    report = json.loads(run_ok(*args, "--skip-without-account", "--json"))
    assert report["inserted"] == tickets.height - without
    assert (
        f"{without:,} row{'s' if without > 1 else ''} without an account (column Organization"
        " empty) left out, as asked"
    ) in report["reconciliation"]["assumptions"]
    with closing(sqlite3.connect(db)) as connection:
        assert connection.execute("SELECT count(*) FROM ticket").fetchone() == (
            tickets.height - without,
        )


def test_intercom_conversations_find_the_crm_accounts_by_company_name(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """Intercom's own company ids name no account of a book from HubSpot; the
    conversations' "Company name" column does, and is tried second: each one goes to
    the account of that name, counted here from the raw files, none created."""
    db = new_books("book.db")
    _import(db, "accounts", "hubspot_companies.csv")
    names = pl.read_csv(PRESETS / "hubspot_companies.csv", infer_schema=False)["Company name"]
    talks = pl.read_csv(PRESETS / "intercom_conversations.csv", infer_schema=False)
    talks = talks.with_columns(
        pl.Series("Company name", [names[i % 2].lower() for i in range(talks.height)])
    )
    assumed = _tickets_found_by_name(db, talks, tmp_path / "intercom.csv")
    assert assumed.startswith(f"{talks.height:,} row")
    assert "(column Company ID or Company name)" in assumed
    assert _tickets_per_account(db) == {
        name: sum(1 for i in range(talks.height) if names[i % 2] == name) for name in names
    }


def test_a_conversation_without_company_id_finds_its_account_by_name(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """Intercom leaves Company ID empty on some conversations that still name their
    company: those go to the account of that name. One whose name no account has is
    refused at its row (there is no id to create an account by), and nothing is
    written; without it, every other row is written."""
    db = new_books("book.db")
    _import(db, "accounts", "hubspot_companies.csv")
    names = pl.read_csv(PRESETS / "hubspot_companies.csv", infer_schema=False)["Company name"]
    talks = pl.read_csv(PRESETS / "intercom_conversations.csv", infer_schema=False)
    talks = talks.with_columns(
        pl.lit(None, pl.String).alias("Company ID"),
        pl.Series("Company name", [names[i % 2] for i in range(talks.height)]),
    )
    stranger = talks.head(1).with_columns(
        pl.lit("Nobody Inc").alias("Company name"), pl.lit("999").alias("Conversation ID")
    )
    path = tmp_path / "intercom.csv"
    pl.concat([talks, stranger]).write_csv(path)
    refused = runner.invoke(app, ["import", "tickets", str(path), "--db", str(db)])
    assert refused.exit_code == 2
    assert f'row {talks.height + 2}, column "Company ID"' in refused.stderr
    assert 'no account has the name in column "Company name"' in refused.stderr
    assert _tickets_per_account(db) == dict.fromkeys(names, 0)
    assumed = _tickets_found_by_name(db, talks, path)
    assert assumed.startswith(f"{talks.height:,} row")
    assert _tickets_per_account(db) == {
        name: sum(1 for i in range(talks.height) if names[i % 2] == name) for name in names
    }


@pytest.mark.parametrize(
    ("name", "id_column", "owner_column", "created"),
    [
        ("hubspot_companies.csv", "Record ID", "Company owner", "Create Date"),
        ("salesforce_accounts.csv", "Account ID", "Account Owner", "Created Date"),
    ],
)
def test_crm_accounts(
    tmp_path: Path,
    new_books: Callable[[str], Path],
    name: str,
    id_column: str,
    owner_column: str,
    created: str,
) -> None:
    """Every start date is known: the record's creation day, which the summary says
    is no customer's start (the one assumption, with a status the export does not
    give: Salesforce's accounts have none, and take the default, said)."""
    db = new_books("crm.db")
    report = _import(db, "accounts", name)
    assert report["preset"] in ("HubSpot companies", "Salesforce accounts")
    raw = pl.read_csv(PRESETS / name, infer_schema=False)
    assert report["inserted"] == raw.height
    assert report["reconciliation"]["by_status"] == {"active": {"accounts": raw.height, "mrr": 0}}
    assumed, *status = report["reconciliation"]["assumptions"]
    assert status == (
        []
        if "Lifecycle Stage" in raw.columns
        else [
            f"{raw.height} new accounts without a status (no column gives it; map status to"
            " read one): active, the default"
        ]
    )
    assert assumed.startswith("start dates are each ")
    assert f"{created}, the day its" in assumed and "may have started later" in assumed
    out = run_ok("export", "accounts", "--db", str(db), "--out", str(tmp_path / "a.csv"))
    assert "Exported" in out
    exported = pl.read_csv(tmp_path / "a.csv", infer_schema=False)
    assert sorted(exported["external_id"]) == sorted(raw[id_column])
    owners = dict(raw.select(id_column, owner_column).rows())
    assert dict(exported.select("external_id", "owner").rows()) == {
        key: value or None for key, value in owners.items()
    }


def test_a_crm_export_keeps_its_customers(tmp_path: Path, new_books: Callable[[str], Path]) -> None:
    """A HubSpot export of every company: leads and opportunities are no customers
    of the book, left out and counted by stage; a company of no stage is kept;
    start dates are when each became a customer. --every-row imports them all, and a
    file of leads alone is refused, saying so."""
    raw = pl.read_csv(PRESETS / "hubspot_companies.csv", infer_schema=False)
    stages = ["Customer", "Lead", "Opportunity", "Evangelist", "", "Former customer"]
    companies = pl.concat([raw, raw]).with_columns(
        pl.Series("Record ID", [str(5_012_345_100 + i) for i in range(6)]),
        pl.Series("Lifecycle Stage", stages),
        pl.Series("Became a Customer Date", ["2023-09-01 10:00", "", "", "2024-05-02", "", ""]),
    )
    path = tmp_path / "hubspot.csv"
    companies.write_csv(path)
    db = new_books("crm.db")
    report = json.loads(run_ok("import", "accounts", str(path), "--db", str(db), "--json"))
    kept = companies.filter(~pl.col("Lifecycle Stage").is_in(["Lead", "Opportunity"]))
    assert report["inserted"] == kept.height
    assert (
        "2 rows left out: companies that are not customers (Lifecycle Stage: Lead 1,"
        " Opportunity 1); --every-row imports them"
    ) in report["reconciliation"]["assumptions"]
    with closing(sqlite3.connect(db)) as connection:
        stored = connection.execute(
            "SELECT external_id, start_date, status FROM account"
        ).fetchall()
    assert (
        sorted(stored)
        == sorted(  # a former customer has churned, on a day unknown
            (key, day[:10] or None, "churned" if stage == "Former customer" else "active")
            for key, day, stage in kept.select(
                "Record ID", "Became a Customer Date", "Lifecycle Stage"
            ).rows()
        )
    )
    every = json.loads(
        run_ok(
            "import",
            "accounts",
            str(path),
            "--db",
            str(tmp_path / "all.db"),
            "--json",
            "--every-row",
        )
    )
    assert every["inserted"] == companies.height
    leads = tmp_path / "leads.csv"
    companies.filter(pl.col("Lifecycle Stage") == "Lead").write_csv(leads)
    refused = runner.invoke(app, ["import", "accounts", str(leads), "--db", str(db)])
    assert refused.exit_code == 2
    assert "every row is left out: companies that are not customers" in refused.stderr


def test_a_stripe_subscription_that_never_started_is_no_customer(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """Stripe's incomplete_expired: the first payment failed, the subscription never
    started. Such a customer is no account and no churn; one who paid for another
    subscription keeps that one's history alone."""
    source = (PRESETS / "stripe_subscriptions_history.csv").read_text()
    failed = (
        "sub_9X,cus_X9,Xylo Ltd,ap@xylo.test,Pro Monthly,Pro,1,month,49.00,incomplete_expired,"
        "2026-10-05 10:00,2026-10-05 10:00,2026-10-05 10:00,2026-11-05 10:00,,2026-10-06 10:00\n"
        "sub_9A,cus_A1,Acme Rockets,ops@acme.test,Audit Log,Audit,1,month,10.00,"
        "incomplete_expired,2026-10-07 10:00,2026-10-07 10:00,2026-10-07 10:00,"
        "2026-11-07 10:00,,2026-10-08 10:00\n"
    )
    path = tmp_path / "stripe.csv"
    path.write_text(source + failed)
    db, once = new_books("s.db"), new_books("once.db")
    report = json.loads(run_ok("import", "accounts", str(path), "--db", str(db), "--json"))
    assert any(
        line.startswith("2 rows left out: subscriptions that never started")
        for line in report["reconciliation"]["assumptions"]
    )
    _import(once, "accounts", "stripe_subscriptions_history.csv")
    assert _movements(db) == _movements(once)
    october = _metrics(db, "--as-of", "2026-10-31", "--period", "2026-10")
    assert october["churned_accounts"] == 1  # Cobalt alone, as without the failed ones


def _assumed(export: pl.DataFrame, folder: Path) -> list[str]:
    """The assumptions the import of ``export``, as a CSV, says."""
    export.write_csv(folder / "export.csv")
    db = folder / "assumed.db"
    report = json.loads(
        run_ok("import", "accounts", str(folder / "export.csv"), "--db", str(db), "--json")
    )
    return report["reconciliation"]["assumptions"]


@pytest.mark.parametrize("currencies", [["usd"], ["usd", "eur"]], ids=["one", "two"])
def test_amounts_in_several_currencies_are_said_to_be_mixed(
    tmp_path: Path, currencies: list[str]
) -> None:
    """Stripe exports a Currency column: amounts in two currencies are added as they
    are (there is no exchange rate), and the summary says so; one currency says
    nothing."""
    raw = pl.read_csv(PRESETS / "stripe_subscriptions.csv", infer_schema=False)
    raw = raw.filter(pl.col("Status") != "trialing")  # (no customer yet)
    codes = [currencies[i % len(currencies)] for i in range(raw.height)]
    assumed = _assumed(raw.with_columns(pl.Series("Currency", codes)), tmp_path)
    mixed = [line for line in assumed if "currencies" in line]
    counted = pl.Series(codes).str.to_uppercase().value_counts().rows()
    most_first = sorted(counted, key=lambda pair: (-pair[1], pair[0]))
    said = ", ".join(f"{code} {rows}" for code, rows in most_first)
    expected = (
        []
        if len(currencies) == 1
        else [
            f"amounts in 2 currencies (column Currency: {said} rows of the file) are added as they"
            " are, not converted: MRR and revenue mix them; import one currency per book to keep"
            " them apart"
        ]
    )
    assert mixed == expected


def test_subscriptions_with_a_coupon_are_said_to_be_before_the_discount(
    tmp_path: Path,
) -> None:
    """Stripe's export names a subscription's coupon, not its discount: the MRR is
    the price before it, and the summary says for how many subscriptions."""
    raw = pl.read_csv(PRESETS / "stripe_subscriptions_history.csv", infer_schema=False)
    coupons = ["25OFF", None, " ", "WELCOME"] + [None] * (raw.height - 4)
    assumed = _assumed(raw.with_columns(pl.Series("Coupon", coupons)), tmp_path)
    with_coupon = sum(1 for coupon in coupons if coupon and coupon.strip())
    assert (
        f"subscriptions with a coupon (column Coupon): {with_coupon}; their MRR is the price"
        " before the discount, which the export does not give"
    ) in assumed


def test_subscriptions_set_to_cancel_at_their_period_end_are_said(tmp_path: Path) -> None:
    """Stripe's Cancel At Period End: a live subscription whose customer asked to
    cancel is a customer, with its MRR and no churn date, until its period ends; the
    summary says how many there are (not those that ended already)."""
    raw = pl.read_csv(PRESETS / "stripe_subscriptions.csv", infer_schema=False)
    flags = ["true", " TRUE ", "true", "false"] + ["false"] * (raw.height - 4)  # 3rd: ended
    export = raw.with_columns(pl.Series("Cancel At Period End", flags))
    live = ("active", "past_due", "unpaid", "trialing", "incomplete")
    said = export.filter(
        pl.col("Cancel At Period End").str.strip_chars().str.to_lowercase() == "true",
        pl.col("Status").str.strip_chars().str.to_lowercase().is_in(live),
    )
    assert 0 < said.height < 3  # the ended one is left out
    assumed = _assumed(export, tmp_path)
    assert (
        f"{said.height} of the file's live subscriptions set to cancel at the end of their"
        " billing period (column Cancel At Period End): each keeps its MRR until then (its"
        " renewal date) and ends after it, which an export made after that day records"
    ) in assumed
    paying = said.filter(pl.col("Status").str.to_lowercase() == "active")["Customer ID"]
    with closing(sqlite3.connect(tmp_path / "assumed.db")) as connection:
        stored = connection.execute(
            "SELECT external_id, status, churned_at FROM account WHERE mrr_cents > 0"
        ).fetchall()
    assert {(id_, "active", None) for id_ in paying} <= set(stored)


SALESFORCE_FOOTER = [
    "",
    "",
    "Salesforce.com",
    "",
    "Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.",
    "",
    "Confidential Information - Do Not Distribute",
    "",
    "Generated By:  Dana Whitfield  12/5/2026 10:14 AM",
    "Acme Rockets Inc.",
]


SALESFORCE_TITLE = ["Accounts by Owner", "Filtered By: Type equals Customer", ""]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_salesforce_reports_title_and_footer_are_left_out(
    tmp_path: Path, new_books: Callable[[str], Path], suffix: str
) -> None:
    """A Salesforce report export has its title and filters above the column names
    and a footer under the records: blank lines, then one cell a line (the
    copyright, "Confidential Information", who ran it). Its records are imported,
    the rows above and below are named and left out, as a CSV and as a workbook,
    and an error names the row a spreadsheet shows."""
    records = pl.read_csv(PRESETS / "salesforce_accounts.csv", infer_schema=False)
    bad = records.with_columns(
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit("not a date"))
        .otherwise("Created Date")
        .alias("Created Date")
    )
    width = records.width - 1

    def report(frame: pl.DataFrame) -> Path:
        path = tmp_path / f"report{suffix}"
        if suffix == ".csv":
            title = "".join(f'"{line}"\n' for line in SALESFORCE_TITLE)
            footer = "".join(f'"{line}"\n' for line in SALESFORCE_FOOTER)
            path.write_text(title + frame.write_csv() + footer)
            return path
        lines = [[line, *[None] * width] for line in SALESFORCE_TITLE]
        rows = [
            *lines,
            frame.columns,
            *frame.rows(),
            *[[line, *[None] * width] for line in SALESFORCE_FOOTER],
        ]
        pl.DataFrame(rows, orient="row", schema=frame.columns).write_excel(
            path, include_header=False
        )
        return path

    db = new_books("sf.db")
    refused = runner.invoke(app, ["import", "accounts", str(report(bad)), "--db", str(db)])
    header = len(SALESFORCE_TITLE) + 1
    assert f'row {header + 2}, column "Created Date", value "not a date"' in refused.stderr
    result = json.loads(
        run_ok("import", "accounts", str(report(records)), "--db", str(db), "--json")
    )
    assumed = result["reconciliation"]["assumptions"]
    [title] = [line for line in assumed if "title" in line]
    assert title == (
        f"rows 1 to {len(SALESFORCE_TITLE)} above the column names are a report's title, not"
        ' records ("Accounts by Owner", "Filtered By: Type equals Customer"): left out'
    )
    first = header + records.height + 1
    [footer] = [line for line in assumed if "footer" in line]
    last = first + len(SALESFORCE_FOOTER) - 1
    assert footer.startswith(
        f"{len(SALESFORCE_FOOTER)} rows left out at the end (rows {first} to {last})"
    )
    assert '("Salesforce.com", "Copyright (c) 2000-2026' in footer
    with closing(sqlite3.connect(db)) as connection:
        stored = connection.execute("SELECT external_id, name FROM account ORDER BY 1").fetchall()
    assert stored == sorted(records.select("Account ID", "Account Name").rows())


def test_empty_rows_are_left_out_and_a_last_record_is_never_a_footer(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """Rows whose every cell is empty (a blank line, a spreadsheet's ",,,,") are no
    records: left out and named. A last record whose quoted notes run over lines,
    the last of them one cell, is still a record."""
    records = pl.read_csv(PRESETS / "hubspot_companies.csv", infer_schema=False)
    lines = records.write_csv().splitlines()
    empty = "," * (records.width - 1)
    notes = records.tail(1).with_columns(
        pl.lit("Renewal call booked\n\nsee the thread").alias("Company name")
    )
    body = [lines[0], lines[1], "", *lines[2:-1], empty, notes.write_csv().split("\n", 1)[1]]
    path = tmp_path / "hubspot.csv"
    path.write_text("\n".join(body) + empty + "\n")
    db = new_books("h.db")
    result = json.loads(run_ok("import", "accounts", str(path), "--db", str(db), "--json"))
    after = records.height + 2  # the blank line after the records but the last
    [said] = [line for line in result["reconciliation"]["assumptions"] if "empty row" in line]
    assert said == f"3 empty rows left out (every cell empty: rows 3, {after}, {after + 2})"
    with closing(sqlite3.connect(db)) as connection:
        stored = dict(connection.execute("SELECT external_id, name FROM account").fetchall())
    expected = dict(records.select("Record ID", "Company name").rows())
    expected[records["Record ID"][-1]] = "Renewal call booked\n\nsee the thread"
    assert stored == expected


def test_a_book_without_mrr_says_so(new_books: Callable[[str], Path]) -> None:
    """A CRM export carries no MRR: the metrics table says MRR is 0 for want of
    records, not that the customers pay nothing; a Stripe book does not say it."""
    said = "No MRR is recorded in this book"
    crm, stripe = new_books("crm.db"), new_books("stripe.db")
    _import(crm, "accounts", "hubspot_companies.csv")
    _import(stripe, "accounts", "stripe_subscriptions.csv")
    table = " ".join(run_ok("metrics", "--db", str(crm), *AS_OF).split())
    assert said in table and "MRR, NRR and GRR are 0 or no data for want of it" in table
    assert said not in " ".join(run_ok("metrics", "--db", str(stripe), *AS_OF).split())


def test_zendesk_tickets(new_books: Callable[[str], Path]) -> None:
    db = new_books("zendesk.db")
    report = _import(db, "tickets", "zendesk_tickets.csv", "--create-missing-accounts")
    assert report["preset"] == "Zendesk tickets"
    raw = pl.read_csv(PRESETS / "zendesk_tickets.csv", infer_schema=False)
    assert report["inserted"] == raw.height
    november = _metrics(db, "--as-of", "2026-11-30", "--period", "2026-11")
    hours = raw["First reply time in minutes"].cast(pl.Float64) / 60
    assert november["first_response_hours_median"] == pytest.approx(hours.median())
    solved = raw.filter(pl.col("Solved at").is_not_null()).height
    assert november["ticket_resolution_rate_pct"] == pytest.approx(solved / raw.height * 100)


@pytest.mark.parametrize("as_of", ["2026-12-02", "2026-12-06"])
def test_zendesk_tickets_still_open_from_before_the_period(
    tmp_path: Path, new_books: Callable[[str], Path], as_of: str
) -> None:
    """Zendesk tickets created before the period (December) or before a health
    score's 90 days: those not solved by its end count among the tickets open over
    48 h and an account's open tickets, those solved before do not; counted here
    from the raw file, whether the ticket was never solved, solved in the period or
    after it."""
    raw = pl.read_csv(PRESETS / "zendesk_tickets.csv", infer_schema=False)
    first = raw.row(0, named=True)
    earlier = [  # Id, Created at, Solved at
        ("201", "2026-08-01 09:00:00", None),
        ("202", "2026-08-03 09:00:00", "2026-12-07 01:00:00"),  # not after now
        ("203", "2026-09-20 09:00:00", "2026-12-03 12:00:00"),
        ("204", "2026-08-05 09:00:00", "2026-08-06 09:00:00"),
        ("205", "2026-11-29 09:00:00", "2026-12-01 08:00:00"),
    ]
    rows = [
        first
        | {"Id": number, "Created at": created, "Updated at": solved or created}
        | {"Solved at": solved, "Status": "solved" if solved else "open"}
        for number, created, solved in earlier
    ]
    book = pl.concat([raw, pl.DataFrame(rows, schema=raw.schema)])
    path = tmp_path / "zendesk.csv"
    book.write_csv(path)
    db = new_books("zendesk.db")
    run_ok("import", "tickets", str(path), "--db", str(db), "--create-missing-accounts")

    end = date.fromisoformat(as_of) + timedelta(days=1)
    moment = "%Y-%m-%d %H:%M:%S"
    tickets = book.select(
        "Organization",
        pl.col("Created at").str.to_datetime(moment).alias("created"),
        pl.col("Solved at").str.to_datetime(moment).alias("solved"),
    )
    still_open = tickets.filter(
        pl.col("created") < pl.lit(end), pl.col("solved").is_null() | (pl.col("solved") >= end)
    )
    over_48h = still_open.filter(pl.col("created") < pl.lit(end) - timedelta(hours=48))
    december = _metrics(db, "--as-of", as_of, "--period", "2026-12")
    assert december["tickets_open_over_48h"] == over_48h.height > 0

    run_ok("health", "--db", str(db), "--as-of", as_of, "--recompute")
    scores = json.loads(run_ok("health", "--db", str(db), "--as-of", as_of, "--json"))
    open_tickets = {
        item["name"]: item["components"]["support"]["raw"]["open_tickets"] for item in scores
    }
    expected = still_open.group_by("Organization").len()
    assert open_tickets == {name: float(count) for name, count in expected.iter_rows()}


def test_intercom_conversations(new_books: Callable[[str], Path]) -> None:
    db = new_books("intercom.db")
    report = _import(db, "tickets", "intercom_conversations.csv", "--create-missing-accounts")
    assert report["preset"] == "Intercom conversations"
    raw = pl.read_csv(PRESETS / "intercom_conversations.csv", infer_schema=False)
    assert report["created_accounts"] == raw["Company ID"].n_unique()
    november = _metrics(db, "--as-of", "2026-11-30", "--period", "2026-11")
    hours = raw["First response time (seconds)"].cast(pl.Float64) / 3600
    assert november["first_response_hours_median"] == pytest.approx(hours.median())


def test_delighted_nps(new_books: Callable[[str], Path]) -> None:
    db = new_books("nps.db")
    report = _import(db, "surveys", "delighted_nps.csv", "--create-missing-accounts")
    assert report["preset"] == "Delighted / SurveyMonkey NPS responses"
    scores = pl.read_csv(PRESETS / "delighted_nps.csv")["Score"]
    november = _metrics(db, "--as-of", "2026-11-30", "--period", "2026-11")
    promoters, detractors = (scores >= 9).sum(), (scores <= 6).sum()
    assert november["nps"] == pytest.approx((promoters - detractors) / scores.len() * 100)


def test_a_preset_can_be_turned_off_or_forced(tmp_path: Path) -> None:
    path = PRESETS / "stripe_subscriptions.csv"
    off = runner.invoke(
        app, ["import", "accounts", str(path), "--db", str(tmp_path / "x.db"), "--no-preset"]
    )
    assert off.exit_code == 2 and "external_id" in off.output  # nothing maps by itself
    wrong = runner.invoke(
        app,
        ["import", "tickets", str(path), "--db", str(tmp_path / "y.db"), "--preset", "nope"],
    )
    assert wrong.exit_code == 2 and "no preset 'nope'" in wrong.output


def test_stripe_invoices_import_only_what_was_paid(new_books: Callable[[str], Path]) -> None:
    """A Stripe invoices export holds drafts, open, void and uncollectible invoices and
    $0 ones (a trial's): none is a purchase. Only the paid ones, for what was paid,
    are imported, and the summary says what was left out, by status."""
    db = new_books("invoices.db")
    report = _import(db, "purchases", "stripe_invoices.csv", "--create-missing-accounts")
    assert report["preset"] == "Stripe invoices"
    raw = pl.read_csv(PRESETS / "stripe_invoices.csv", infer_schema=False)
    paid_amount = pl.col("Amount Paid").cast(pl.Decimal(20, 2))
    purchase = (pl.col("Status") == "paid") & (paid_amount > 0)
    paid = raw.filter(purchase)
    with closing(sqlite3.connect(db)) as connection:
        stored = connection.execute(
            "SELECT count(*), sum(amount_cents), min(purchased_at) FROM purchase"
        ).fetchone()
    assert stored[0] == paid.height
    assert Decimal(stored[1]) / 100 == sum(Decimal(a) for a in paid["Amount Paid"])
    assert stored[2].startswith(min(paid["Date (UTC)"]))
    left = raw.filter(~purchase).height
    [said] = [
        line
        for line in report["reconciliation"]["assumptions"]
        if line.startswith(f"{left} rows left out: invoices that are no purchase")
    ]
    zero = raw.filter((pl.col("Status") == "paid") & (paid_amount == 0)).height
    assert f"paid $0 {zero}" in said
    assert any(
        "Date (UTC), the day it was issued" in line
        for line in report["reconciliation"]["assumptions"]
    )
