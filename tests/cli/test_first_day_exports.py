"""The exports a CS manager has on the first day beyond a CRM's accounts: a billing
system's subscriptions (Chargebee), the CRM's activity logs (a Salesforce activities
report, HubSpot's calls) and an analytics tool's usage by account (one row per
account and day, or one column per day). Each fixture is written here with the
vendor's column names and the quirks real exports have, imported as a new user would
(``cxtui import KIND FILE``), and every figure is checked against plain polars over
the fixture."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from tests.cli.conftest import run_ok

PRESETS = Path(__file__).parents[1] / "fixtures" / "import" / "presets"


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _import(db: Path, kind: str, path: Path, *extra: str) -> dict:
    return json.loads(run_ok("import", kind, str(path), "--db", str(db), "--json", *extra))


def _metrics(db: Path, *args: str) -> dict:
    return json.loads(run_ok("metrics", "--db", str(db), "--json", *args))["metrics"]


def _rows(db: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute(sql).fetchall()


# Chargebee: the Subscriptions.csv of its data export. Columns as a public reader of
# that export names them (subscriptions.plan_unit_price, subscriptions.plan_quantity,
# subscriptions.started_at, subscriptions.cancelled_at, customers.id...).
CHARGEBEE = [
    "subscriptions.id",
    "customers.id",
    "customers.first_name",
    "customers.last_name",
    "customers.email",
    "customers.company",
    "subscriptions.plan_id",
    "subscriptions.plan_quantity",
    "subscriptions.plan_unit_price",
    "subscriptions.status",
    "subscriptions.started_at",
    "subscriptions.trial_end",
    "subscriptions.current_term_end",
    "subscriptions.cancelled_at",
]
PLANS = {
    "Pro-USD-Monthly": ("49.00", 12),
    "Pro-USD-Yearly": ("490.00", 1),
    "Team-USD-Quarterly": ("270.00", 4),
    "Basic-USD-Monthly": ("19.00", 12),
}
STATUSES = ["active", "active", "non_renewing", "cancelled", "active", "in_trial", "paused"]


def _chargebee_rows() -> list[list[str]]:
    """28 customers, one subscription each, and then: a customer who upgraded (a
    monthly plan cancelled the day its yearly one started), one with a second product,
    one who left twice. Some customers have no company (a person's name, else an
    email); plans are monthly, quarterly and yearly; cancellations fall in October."""
    rows = []
    plans = list(PLANS)
    for n in range(1, 29):
        status = STATUSES[n % len(STATUSES)]
        plan = plans[n % len(plans)]
        company = "" if n % 5 == 0 else f"Company {n:02d}"
        first, last = ("", "") if n % 10 == 0 else (f"First{n}", f"Last{n}")
        start = date(2025, 1, 1) + timedelta(days=11 * n)
        trial_end = (date(2026, 11, 20) + timedelta(days=n % 9)) if status == "in_trial" else ""
        if status == "in_trial":
            start = date(2026, 11, 6)
        cancelled = f"2026-10-{n % 28 + 1:02d} 16:20:00" if status == "cancelled" else ""
        renewal = "" if status == "cancelled" else "2027-01-15"
        rows.append(
            [
                f"sub_{n:03d}",
                f"cus_{n:03d}",
                first,
                last,
                f"billing{n}@example.com",
                company,
                plan,
                str(n % 4 + 1),
                PLANS[plan][0],
                status,
                f"{start} 09:30:00",
                str(trial_end),
                renewal,
                cancelled,
            ]
        )
    rows += [
        line.split(",")
        for line in (
            # cus_001 upgraded: its monthly plan ended the day its yearly one began.
            "sub_101,cus_001,First1,Last1,billing1@example.com,Company 01,Pro-USD-Yearly,3,"
            "490.00,active,2026-08-01 00:00:00,,2027-08-01,",
            # cus_002 bought a second product.
            "sub_102,cus_002,First2,Last2,billing2@example.com,Company 02,Basic-USD-Monthly,2,"
            "19.00,active,2026-03-01 12:00:00,,2026-12-01,",
            # cus_003 left twice: its earlier subscription ended in 2025.
            "sub_103,cus_003,First3,Last3,billing3@example.com,Company 03,Basic-USD-Monthly,1,"
            "19.00,cancelled,2025-01-05 08:00:00,,,2025-04-05 08:00:00",
        )
    ]
    rows[0][9], rows[0][13] = "cancelled", "2026-08-01 00:00:00"  # cus_001's monthly plan
    rows[0][12] = ""
    return rows


def _expected_chargebee(raw: pl.DataFrame) -> dict[str, tuple[str, Decimal, str | None]]:
    """Per customer, computed here from the raw rows: its status, MRR (the live
    subscriptions' price x quantity per month; with none live, those that ended last)
    and churn day; a customer whose only subscriptions are trials is none."""
    expected = {}
    for (customer,), subs in raw.group_by("customers.id"):
        rows = subs.to_dicts()
        for row in rows:
            price, per_year = PLANS[row["subscriptions.plan_id"]]
            quantity = int(row["subscriptions.plan_quantity"])
            row["mrr"] = (Decimal(price) * quantity * per_year / 12).quantize(Decimal("0.01"))
        paying = [r for r in rows if r["subscriptions.status"] in ("active", "non_renewing")]
        paying += [r for r in rows if r["subscriptions.status"] == "paused"]
        trials = [r for r in rows if r["subscriptions.status"] == "in_trial"]
        if paying:
            expected[customer] = ("active", sum(r["mrr"] for r in paying), None)
        elif not trials:
            last = max(r["subscriptions.cancelled_at"] for r in rows)
            ended = [r for r in rows if r["subscriptions.cancelled_at"] == last]
            expected[customer] = ("churned", sum(r["mrr"] for r in ended), last[:10])
    return expected


def test_chargebee_subscriptions_become_accounts_with_their_mrr(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    path = _write(tmp_path / "Subscriptions.csv", CHARGEBEE, _chargebee_rows())
    db = new_books("chargebee.db")
    report = _import(db, "accounts", path, "--as-of", "2026-11-30")
    assert report["preset"] == "Chargebee subscriptions"
    raw = pl.read_csv(path, infer_schema=False)
    expected = _expected_chargebee(raw)
    in_trial = raw.filter(pl.col("subscriptions.status") == "in_trial")
    trials = in_trial["customers.id"].n_unique()
    rows = raw.filter(pl.col("customers.id").is_in(in_trial["customers.id"].implode())).height
    assumptions = report["reconciliation"]["assumptions"]
    assert (
        f"{rows} row{'' if rows == 1 else 's'} left out: {trials} customer"
        f"{'' if trials == 1 else 's'} none of whose subscriptions has paid yet (trials,"
        " future starts); --every-row imports them"
    ) in assumptions
    assert any(line.startswith("the export has no billing period") for line in assumptions)
    cancelling = raw.filter(pl.col("subscriptions.status") == "non_renewing").height
    assert (
        f"{cancelling} of the file's subscriptions set to cancel at the end of their term"
        " (status non_renewing): each keeps its MRR until then (its renewal date) and ends"
        " after it, which an export made after that day records"
    ) in assumptions
    several = raw.group_by("customers.id").len().filter(pl.col("len") > 1).height
    assert any(f"({several:,} with several subscriptions)" in line for line in assumptions)
    by_status = report["reconciliation"]["by_status"]
    for state in ("active", "churned"):
        group = [mrr for status, mrr, _ in expected.values() if status == state]
        assert by_status[state] == {"accounts": len(group), "mrr": float(sum(group))}
    stored = {
        row[0]: (row[1], Decimal(row[2]) / 100, row[3], row[4])
        for row in _rows(db, "SELECT external_id, status, mrr_cents, churned_at, name FROM account")
    }
    assert {k: v[:3] for k, v in stored.items()} == expected
    # A customer without a company is named by its person, else by its email.
    companies = dict(raw.select("customers.id", "customers.company").rows())
    assert companies["cus_015"] is None and stored["cus_015"][3] == "First15 Last15"
    assert companies["cus_020"] is None and stored["cus_020"][3] == "billing20@example.com"
    # The book's figures: MRR and customers at the export's day, October's churn.
    live = [mrr for status, mrr, _ in expected.values() if status == "active"]
    now = _metrics(db, "--as-of", "2026-11-30", "--period", "2026-11")
    assert now["active_accounts"] == len(live)
    assert now["mrr"] == float(sum(live))
    october = _metrics(db, "--as-of", "2026-10-31", "--period", "2026-10")
    gone = [(mrr, day) for status, mrr, day in expected.values() if status == "churned"]
    in_october = [mrr for mrr, day in gone if day.startswith("2026-10")]
    assert october["churned_accounts"] == len(in_october)
    assert october["mrr_churned"] == -float(sum(in_october))


def test_chargebee_billing_periods_are_read_when_the_export_has_them(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """With subscriptions.billing_period and billing_period_unit (a plan billed every
    3 months, every year), those say the period, whatever the plan's id."""
    header = [*CHARGEBEE, "subscriptions.billing_period", "subscriptions.billing_period_unit"]
    rows = [
        line.split(",")
        for line in (
            "s1,c1,,,a@x.com,Alpha,pro,2,300.00,active,2026-01-10,,,,3,month",
            "s2,c2,,,b@x.com,Beta,pro,1,1200.00,non_renewing,2026-02-10,,,,1,year",
            "s3,c3,,,c@x.com,Gamma,pro-yearly,4,25.00,active,2026-03-10,,,,1,month",
        )
    ]
    path = _write(tmp_path / "Subscriptions.csv", header, rows)
    db = new_books("cb.db")
    report = _import(db, "accounts", path)
    raw = pl.read_csv(path, infer_schema=False).with_columns(
        per_year=pl.col("subscriptions.billing_period_unit").replace_strict(
            {"month": 12, "year": 1}
        )
        / pl.col("subscriptions.billing_period").cast(pl.Int64)
    )
    mrr = raw.select(
        "customers.id",
        (
            pl.col("subscriptions.plan_unit_price").cast(pl.Float64)
            * pl.col("subscriptions.plan_quantity").cast(pl.Int64)
            * pl.col("per_year")
            / 12
            * 100
        )
        .round()
        .cast(pl.Int64)
        .alias("cents"),
    )
    assert dict(_rows(db, "SELECT external_id, mrr_cents FROM account")) == dict(mrr.rows())
    assert not any("no billing period" in a for a in report["reconciliation"]["assumptions"])


def test_chargebee_statuses_written_as_the_app_shows_them(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    """An export may write a status as Chargebee's pages show it ("Non Renewing",
    "In Trial"): read as the API's non_renewing and in_trial."""
    rows = _chargebee_rows()
    labels = {"non_renewing": "Non Renewing", "in_trial": "In Trial", "active": "Active"}
    for row in rows:
        row[9] = labels.get(row[9], row[9].title())
    path = _write(tmp_path / "Subscriptions.csv", CHARGEBEE, rows)
    db = new_books("labels.db")
    report = _import(db, "accounts", path, "--as-of", "2026-11-30")
    raw = pl.read_csv(path, infer_schema=False).with_columns(
        pl.col("subscriptions.status").str.to_lowercase().str.replace(" ", "_")
    )
    expected = _expected_chargebee(raw)
    stored = _rows(db, "SELECT external_id, status, mrr_cents, churned_at FROM account")
    assert {k: (s, Decimal(c) / 100, d) for k, s, c, d in stored} == expected
    assert set(report["reconciliation"]["by_status"]) == {"active", "churned"}


# A Salesforce activities report (Tasks and Events) exported as CSV, with its
# report's footer: the task's Subject, Type (Call, Email, Meeting, Other; often
# empty) and Task Subtype, the activity's Date written month/day/year, its Status
# (empty for an event), the Company / Account it rolls up to, the Assigned user and
# its Full Comments.
SALESFORCE = [
    "Assigned",
    "Subject",
    "Type",
    "Task Subtype",
    "Date",
    "Status",
    "Company / Account",
    "Contact",
    "Full Comments",
]
ACCOUNTS = ["Globex Corporation", "Initech", "Umbrella Health"]
SF_KINDS = [
    ("Call", "Call"),
    ("", "Email"),
    ("Meeting", ""),
    ("", "Task"),
    ("Email", "List Email"),
    ("Other", "Task"),
    ("", "Call"),
]
SF_STATUSES = ["Completed", "Completed", "Not Started", "Completed", "In Progress"]


def _salesforce_rows() -> list[list[str]]:
    rows = []
    for n in range(33):
        kind_type, subtype = SF_KINDS[n % len(SF_KINDS)]
        status = "" if kind_type == "Meeting" else SF_STATUSES[n % len(SF_STATUSES)]
        account = ACCOUNTS[n % 3]
        if n % 8 == 0:
            account = f"  {account.upper()} "  # as a user typed it: case and spaces aside
        day = date(2026, 9, 3) + timedelta(days=2 * n + 1)
        rows.append(
            [
                ["Maria Chen", "Omar Haddad"][n % 2],
                f"Subject {n}",
                kind_type,
                subtype,
                f"{day.month}/{day.day}/{day.year}",
                status,
                account,
                f"Contact {n}",
                "" if n % 3 else f"Notes, with a comma {n}",
            ]
        )
    return rows


def test_a_salesforce_activities_report_becomes_interactions(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    db = new_books("sf.db")
    _import(db, "accounts", PRESETS / "salesforce_accounts.csv")
    path = _write(tmp_path / "activities.csv", SALESFORCE, _salesforce_rows())
    footer = '\n\n"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."\n'
    path.write_text(path.read_text() + footer + '"Confidential Information - Do Not Distribute"\n')
    report = _import(db, "interactions", path)
    assert report["preset"] == "Salesforce activities (tasks and events)"
    raw = pl.read_csv(path, infer_schema=False, n_rows=33)
    kinds = {"list email": "email", "task": "note", "other": "note", "event": "meeting"}
    done = raw.filter(
        pl.col("Status").is_null() | pl.col("Status").str.to_lowercase().str.contains("complet")
    ).with_columns(
        account=pl.col("Company / Account").str.strip_chars().str.to_lowercase(),
        kind=pl.coalesce("Type", "Task Subtype")
        .str.to_lowercase()
        .replace(kinds)
        .str.to_lowercase(),
        day=pl.col("Date").str.to_date("%m/%d/%Y"),
    )
    open_tasks = raw.height - done.height
    assert report["inserted"] == done.height
    assert any(
        line.startswith(f"{open_tasks} rows left out: tasks not done")
        for line in report["reconciliation"]["assumptions"]
    )
    assert "Status" not in report["ignored_columns"]
    stored = pl.DataFrame(
        _rows(
            db,
            "SELECT lower(a.name), i.kind, date(i.occurred_at), i.summary, i.logged_by,"
            " coalesce(i.notes, '') FROM interaction i JOIN account a ON a.id = i.account_id",
        ),
        schema=["account", "kind", "day", "summary", "logged_by", "notes"],
        orient="row",
    ).with_columns(pl.col("day").str.to_date())
    expected = done.select(
        "account",
        "kind",
        "day",
        summary="Subject",
        logged_by="Assigned",
        notes=pl.col("Full Comments").fill_null(""),
    )
    assert stored.sort("summary").equals(expected.sort("summary"))
    assert set(stored["kind"]) == {"call", "email", "meeting", "note"}


# HubSpot: the calls, meetings and emails index pages' exports, with their default
# properties' labels (Call Title, Meeting name, Email subject; Activity date; Activity
# assigned to; Call outcome, Meeting outcome; Call notes, Meeting description, Text)
# and the associated company's name. Calls logged from a phone often have no title.
HUBSPOT = {
    "call": (
        ["Call Title", "Call outcome", "Call direction", "Call notes"],
        ["Connected", "No answer", "Left voicemail", "Connected", "Busy", "Left live message"],
        "(?i)busy|no answer|wrong number|voicemail",
        ["Outbound", "Inbound"],
    ),
    "meeting": (
        ["Meeting name", "Meeting outcome", "Meeting end time", "Meeting description"],
        ["Completed", "Scheduled", "No Show", "Completed", "Canceled", "Rescheduled"],
        "(?i)no show|cancel|reschedul",
        ["2026-11-02 10:00", ""],
    ),
    "email": (
        ["Email subject", "Email Direction", "Email From Address", "Text"],
        ["EMAIL", "INCOMING_EMAIL"],
        "^$",
        ["dana@harborlabs.test", "sam@northwind.test"],
    ),
}
"""Per export: its title, outcome (or direction), another column and notes; the
outcomes written; those whose activity did not take place; the other column's values."""


@pytest.mark.parametrize("kind", list(HUBSPOT))
def test_hubspot_activities_become_interactions_when_they_took_place(
    tmp_path: Path, new_books: Callable[[str], Path], kind: str
) -> None:
    db = new_books("hs.db")
    _import(db, "accounts", PRESETS / "hubspot_companies.csv")
    companies = pl.read_csv(PRESETS / "hubspot_companies.csv", infer_schema=False)
    names = companies.filter(pl.col("Lifecycle Stage") == "customer")["Company name"].to_list()
    (title, outcome, other, notes), outcomes, nobody, others = HUBSPOT[kind]
    header = ["Record ID", title, "Activity date", "Activity assigned to", outcome, other]
    rows = [
        [
            str(90001 + n),
            "" if n % 4 == 0 else f"Check-in {n}",
            f"2026-{10 + n % 2}-{n % 27 + 1:02d} {8 + n % 9:02d}:{n * 7 % 60:02d}",
            ["Dana Reyes", "Sam Ito"][n % 2],
            outcomes[n % len(outcomes)],
            others[n % 2],
            "" if n % 3 else f"Spoke about seats ({n})",
            names[n % len(names)],
        ]
        for n in range(26)
    ]
    path = _write(tmp_path / f"{kind}s.csv", [*header, notes, "Associated Company"], rows)
    report = _import(db, "interactions", path)
    assert report["preset"] == f"HubSpot {kind}s"
    raw = pl.read_csv(path, infer_schema=False)
    left = raw[outcome].str.contains(nobody)
    took_place = raw.filter(~left)
    assert report["inserted"] == took_place.height
    assert took_place.height < raw.height or kind == "email"  # an email took place
    read = [] if kind == "email" else [outcome]  # (read to leave rows out)
    assert report["ignored_columns"] == [c for c in ["Record ID", outcome, other] if c not in read]
    stored = pl.DataFrame(
        _rows(
            db,
            "SELECT a.name, i.kind, strftime('%Y-%m-%d %H:%M', i.occurred_at), i.summary,"
            " i.logged_by, coalesce(i.notes, '') FROM interaction i"
            " JOIN account a ON a.id = i.account_id",
        ),
        schema=["Associated Company", "kind", "Activity date", "summary", "logged_by", "notes"],
        orient="row",
    )
    expected = took_place.select(
        "Associated Company",
        kind=pl.lit(kind),
        **{"Activity date": pl.col("Activity date")},
        summary=pl.col(title).fill_null(kind.title()),
        logged_by="Activity assigned to",
        notes=pl.col(notes).fill_null(""),
    )
    assert stored.sort("Activity date").equals(expected.sort("Activity date"))


# An analytics tool's chart of active users by account, exported as CSV: either one
# row per account and day, or the chart as it shows, its dates across (one column per
# day, one row per account). Accounts are named by the property the chart is grouped
# by (a company's name), not by the CRM's ids.
AS_OF = date(2026, 11, 30)
DAYS = [AS_OF - timedelta(days=back) for back in range(59, -1, -1)]
SPLIT = AS_OF - timedelta(days=30)  # after it: the health score's last 30 days


def _users(company: str, day: date) -> str:
    """Steady for Company 04, falling by two thirds for Company 06, rising for
    Company 08; a day without data is an empty cell."""
    if company == "Company 08" and day.day == 14:
        return ""
    recent = day > SPLIT
    return {"Company 04": "4", "Company 06": "2" if recent else "6"}.get(
        company, "9" if recent else "3"
    )


USAGE_COMPANIES = ["Company 04", "Company 06", "Company 08"]


def _chargebee_book(tmp_path: Path) -> Path:
    db = tmp_path / "book.db"
    path = _write(tmp_path / "Subscriptions.csv", CHARGEBEE, _chargebee_rows())
    _import(db, "accounts", path, "--as-of", "2026-11-30")
    return db


def _stored_usage(db: Path) -> pl.DataFrame:
    return pl.DataFrame(
        _rows(
            db,
            "SELECT a.name, u.day, u.active_users FROM daily_usage u"
            " JOIN account a ON a.id = u.account_id",
        ),
        schema={"company": pl.String, "day": pl.String, "users": pl.Int64},
        orient="row",
    ).with_columns(pl.col("day").str.to_date())


def test_usage_by_account_and_day_found_by_company_name(tmp_path: Path) -> None:
    db = _chargebee_book(tmp_path)
    rows = [
        [company, f"{day}", _users(company, day), str(int(_users(company, day) or 0) * 3)]
        for day in DAYS
        for company in USAGE_COMPANIES
        if _users(company, day)
    ]
    path = _write(tmp_path / "usage.csv", ["Company", "Date", "Active Users", "Sessions"], rows)
    report = _import(db, "usage", path)
    raw = pl.read_csv(path, schema_overrides={"Date": pl.Date})
    assert report["inserted"] == raw.height
    expected = raw.select(company="Company", day="Date", users="Active Users")
    assert _stored_usage(db).sort("company", "day").equals(expected.sort("company", "day"))


def test_usage_with_one_column_per_day_drives_the_health_score(tmp_path: Path) -> None:
    db = _chargebee_book(tmp_path)
    rows = [[company] + [_users(company, day) for day in DAYS] for company in USAGE_COMPANIES]
    path = _write(tmp_path / "chart.csv", ["Company", *map(str, DAYS)], rows)
    report = _import(db, "usage", path)
    assumptions = report["reconciliation"]["assumptions"]
    assert assumptions[0] == (
        f"one column per day (60 days, {DAYS[0]} to {AS_OF}): each cell is that day's"
        " active users, an empty cell no usage row (the days are in a column instead:"
        " name it with --map day=COLUMN)"
    )
    raw = pl.read_csv(path, infer_schema=False).unpivot(
        index="Company", variable_name="day", value_name="users"
    )
    expected = raw.drop_nulls("users").select(
        company="Company", day=pl.col("day").str.to_date(), users=pl.col("users").cast(pl.Int64)
    )
    assert report["inserted"] == expected.height == 3 * 60 - 2  # Company 08 has no data on the 14th
    assert _stored_usage(db).sort("company", "day").equals(expected.sort("company", "day"))
    # The health rule by hand (/work/shared/domain.md, core/health/defaults.toml): the
    # trend is the active-user days of the last 30 days against the 30 before (-30 %
    # scores 0, 0 % scores 100), weighing twice the active users per seat (0.1 scores
    # 0, 0.6 scores 100).
    seats = dict(_rows(db, "SELECT name, seats FROM account"))
    windows = expected.group_by("company").agg(
        recent=pl.col("users").filter(pl.col("day") > SPLIT).sum(),
        prior=pl.col("users").filter(pl.col("day") <= SPLIT).sum(),
    )
    by_hand = {}
    for company, recent, prior in windows.rows():
        trend = (recent - prior) / prior * 100
        ratio = recent / 30 / seats[company]
        trend_score = min(max((trend + 30) / 30, 0), 1) * 100
        ratio_score = min(max((ratio - 0.1) / 0.5, 0), 1) * 100
        by_hand[company] = (round(trend, 1), round((ratio_score + 2 * trend_score) / 3, 1))
    health = json.loads(
        run_ok("health", "--db", str(db), "--recompute", "--as-of", f"{AS_OF}", "--json")
    )
    usage = {
        row["name"]: (
            round(row["components"]["usage"]["raw"]["trend_pct"], 1),
            row["components"]["usage"]["score"],
        )
        for row in health
        if "usage" in row["components"]
    }
    assert usage == by_hand
    scores = {row["name"]: row["score"] for row in health}
    assert usage["Company 06"][1] < usage["Company 04"][1]
    assert scores["Company 06"] < scores["Company 04"]
