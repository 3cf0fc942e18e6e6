"""Public event logs no one here wrote, imported as they come through ``cxtui import``;
every figure checked against plain polars over the raw file: a web shop's product
events (retentioneering's demo clickstream), imported as usage, and a grocer's till
lines (84.51's Complete Journey, a Parquet file), imported as purchases."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.cli.conftest import run_ok
from tests.conftest import public_file
from tests.public_data import check_purchase_metrics

runner = CliRunner()


@pytest.fixture(scope="module")
def ecom_events(pytestconfig: pytest.Config) -> Path:
    return public_file(pytestconfig, "ecom_events")


def events(path: Path) -> pl.DataFrame:
    """The event log as the file writes it, with ``day`` the date of its timestamp."""
    raw = pl.read_csv(path, infer_schema=False)
    day = pl.col("timestamp").str.to_datetime("%Y-%m-%d %H:%M:%S").dt.date()
    return raw.with_columns(day.alias("day"))


def stored_usage(db: Path) -> pl.DataFrame:
    with closing(sqlite3.connect(db)) as connection:
        rows = connection.execute(
            "SELECT a.external_id, u.day, u.active_users, u.logins FROM daily_usage u"
            " JOIN account a ON a.id = u.account_id"
        ).fetchall()
    schema = {"account": pl.String, "day": pl.String, "active_users": pl.Int64, "logins": pl.Int64}
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    return frame.with_columns(pl.col("day").str.to_date()).sort("account", "day")


USERS = ("--map", "account=user_id", "--map", "day=timestamp", "--create-missing-accounts")


@pytest.fixture(scope="module")
def shop_usage(ecom_events: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    db = tmp_path_factory.mktemp("usage") / "usage.db"
    out = run_ok("import", "usage", str(ecom_events), "--db", str(db), *USERS, "--json")
    return db, json.loads(out)


def test_an_event_log_is_one_usage_row_per_user_and_day(
    ecom_events: Path, shop_usage: tuple[Path, dict]
) -> None:
    """Found here: the log (one row per event, no count of active users) was refused
    at 27,501 rows, each 'same account + day as row N'; its days alone, one row each,
    were stored with 0 active users without a word. Now each user's day is one usage
    row of 1 active user, its logins the day's distinct sessions, and the summary
    says so."""
    raw = events(ecom_events)
    days = raw.group_by("user_id", "day").agg(pl.col("session_id").n_unique().alias("logins"))
    db, report = shop_usage
    assert report["rows"] == report["inserted"] == days.height < raw.height
    assert report["created_accounts"] == raw["user_id"].n_unique()
    assert (
        f"no column counts active users: the file's {raw.height:,} rows are events, read as"
        f" {days.height:,} usage rows (one per account and day); each counts 1 active user"
        " (no column names users besides user_id), and as logins the distinct session_id"
        " (a column of counts: name it with --map active_users=COLUMN)"
    ) in report["reconciliation"]["assumptions"]
    assert "session_id" not in report["ignored_columns"]
    expected = days.select(
        pl.col("user_id").alias("account"), "day", pl.lit(1).alias("active_users"), "logins"
    )
    assert stored_usage(db).equals(expected.sort("account", "day"), null_equal=False)


@pytest.mark.parametrize("month", ["2024-02", "2024-06"])
def test_the_event_logs_stickiness_matches_the_raw_file(
    ecom_events: Path, shop_usage: tuple[Path, dict], month: str
) -> None:
    """DAU/MAU of a month: each day's users over the month's, on the days with events."""
    start = date.fromisoformat(f"{month}-01")
    after = date(start.year, start.month + 1, 1)
    inside = events(ecom_events).filter(pl.col("day").is_between(start, after, "left"))
    daily = inside.group_by("day").agg(pl.col("user_id").n_unique())
    expected = (daily["user_id"] / inside["user_id"].n_unique()).mean() * 100
    db, _ = shop_usage
    args = ("metrics", "--db", str(db), "--json", "--period", month, "--as-of", "2024-06-30")
    assert json.loads(run_ok(*args))["metrics"]["stickiness_pct"] == pytest.approx(expected)


def test_the_event_log_again_changes_nothing(
    ecom_events: Path, shop_usage: tuple[Path, dict]
) -> None:
    db, report = shop_usage
    again = json.loads(
        run_ok("import", "usage", str(ecom_events), "--db", str(db), *USERS, "--json")
    )
    assert (again["inserted"], again["updated"], again["skipped"]) == (0, 0, report["rows"])


def test_events_of_a_companys_users_count_its_distinct_users_a_day(
    ecom_events: Path, new_books: Callable[[str], Path]
) -> None:
    """The B2B shape: each event names its company (here the user's acquisition
    channel stands for one) and its user: a company's day counts its distinct users
    and their distinct sessions."""
    raw = events(ecom_events)
    db = new_books("channels.db")
    args = ["--map", "account=acquisition_channel", "--map", "day=timestamp"]
    report = json.loads(
        run_ok(
            "import", "usage", str(ecom_events), "--db", str(db), *args,
            "--create-missing-accounts", "--json",
        )
    )  # fmt: skip
    assert any(
        "each counts as active users the distinct user_id of the day, and as logins the"
        " distinct session_id" in line
        for line in report["reconciliation"]["assumptions"]
    )
    expected = raw.group_by(pl.col("acquisition_channel").alias("account"), "day").agg(
        pl.col("user_id").n_unique().alias("active_users"),
        pl.col("session_id").n_unique().alias("logins"),
    )
    assert stored_usage(db).equals(expected.sort("account", "day"))


def test_a_bad_event_is_named_at_its_own_row(ecom_events: Path, tmp_path: Path) -> None:
    """The rows of one user's day are read as one, but a row whose day does not read,
    or whose user is empty, is named at its own row (the header is row 1), and each
    counts; nothing is written."""
    raw = pl.read_csv(ecom_events, infer_schema=False)
    edited, db = tmp_path / "events.csv", tmp_path / "bad.db"
    raw.with_columns(
        raw["timestamp"].scatter([4, 5], ["13/13/2024 10:21", "n/a"]),
        raw["user_id"].scatter(7, None),
    ).write_csv(edited)
    refused = runner.invoke(app, ["import", "usage", str(edited), "--db", str(db), *USERS])
    assert refused.exit_code == 2
    not_a_date = "day is not a date (year-month-day, like 2024-03-05 or 2024-03-05 14:30)"
    assert refused.stderr.splitlines()[2:] == [
        "cxtui: events.csv: 3 errors; nothing was written.",
        f'row 6, column "timestamp", value "13/13/2024 10:21": {not_a_date}',
        f'row 7, column "timestamp", value "n/a": {not_a_date}',
        'row 9, column "user_id", value "": account is required; leave such rows out with'
        " --skip-without-account",
    ]
    assert not db.exists() or stored_usage(db).is_empty()


def test_an_event_log_of_unknown_users_counts_every_event_refused(
    ecom_events: Path, new_books: Callable[[str], Path]
) -> None:
    """Into an empty book, each of the file's events names an unknown account: the
    errors count the file's rows (not its 3,605 users' days), and name the first row
    of each day."""
    raw = events(ecom_events)
    db = new_books("empty.db")
    args = ["--map", "account=user_id", "--map", "day=timestamp"]
    refused = runner.invoke(app, ["import", "usage", str(ecom_events), "--db", str(db), *args])
    assert refused.exit_code == 2
    words = refused.stderr
    assert f"{raw.height:,} errors; nothing was written" in words
    assert f'In all:\n  {raw.height:,} rows, column "user_id": no account has this' in words
    firsts = raw.with_row_index("row", offset=2).group_by("user_id", "day").agg(pl.col("row").min())
    named = [int(line.split(",")[0].removeprefix("row ")) for line in words.splitlines()[3:23]]
    assert named == sorted(firsts["row"])[:20]


@pytest.fixture(scope="module")
def grocery_transactions(pytestconfig: pytest.Config) -> Path:
    return public_file(pytestconfig, "grocery_transactions")


def test_a_parquet_till_log_with_float_amounts_imports_to_the_cent(
    grocery_transactions: Path, tmp_path: Path
) -> None:
    """Found here: 20 of the file's 1,469,307 amounts are a float's leftovers of a
    discount taken off a price (2.220446e-16, a Parquet float written as text), and
    the whole file was refused at them: 'amount is not an amount'. Now an amount
    within a millionth of a cent of a whole cent reads as that cent: those are $0.00.
    The lines of the 20 households that have one (a slice, to stay fast), imported as
    a new user maps them: every line a purchase, each amount the float rounded to the
    cent, and the purchase metrics of two months as plain polars computes them."""
    raw = pl.scan_parquet(grocery_transactions)
    odd = raw.filter(pl.col("sales_value").cast(pl.String).str.contains("e"))
    odd = odd.select("household_id").collect()["household_id"]
    lines = raw.filter(pl.col("household_id").is_in(odd.implode())).collect()
    path, db = tmp_path / "lines.parquet", tmp_path / "grocer.db"
    lines.write_parquet(path)
    report = json.loads(
        run_ok(
            "import", "purchases", str(path), "--db", str(db), "--map", "account=household_id",
            "--map", "purchased_at=transaction_timestamp", "--map", "amount=sales_value",
            "--create-missing-accounts", "--json",
        )
    )  # fmt: skip
    expected = lines.select(
        pl.col("household_id").cast(pl.String).alias("customer"),
        pl.col("transaction_timestamp").dt.date().alias("date"),
        (pl.col("sales_value") * 100).round(0).cast(pl.Int64).alias("cents"),
    )
    assert odd.len() == 20 and report["inserted"] == lines.height
    assert report["created_accounts"] == 20
    assert round(report["reconciliation"]["totals"]["amount"] * 100) == expected["cents"].sum()
    with closing(sqlite3.connect(db)) as connection:
        stored = connection.execute(
            "SELECT a.external_id, sum(p.amount_cents), count(*) FROM purchase p"
            " JOIN account a ON a.id = p.account_id GROUP BY a.external_id"
        ).fetchall()
    per_household = expected.group_by("customer").agg(pl.col("cents").sum(), pl.len())
    assert sorted(stored) == sorted(per_household.rows())
    for month in ("2017-03", "2017-11"):
        metrics = json.loads(
            run_ok("metrics", "--db", str(db), "--json", "--period", month, "--as-of", "2017-12-31")
        )["metrics"]
        check_purchase_metrics(metrics, expected, month)


@pytest.fixture(scope="module")
def grocery_households(pytestconfig: pytest.Config) -> Path:
    return public_file(pytestconfig, "grocery_households")


def test_the_grocers_households_are_accounts_its_figures_broken_down_by_age(
    grocery_households: Path,
    grocery_transactions: Path,
    tmp_path: Path,
    new_books: Callable[[str], Path],
) -> None:
    """The households file (an id and seven bands, no name, status, MRR or date)
    imported as accounts, then the till lines of 30 of them: the summary counts the
    801 accounts (found here: 'active: 1 account', '1 account without a start date'
    and '1 new account without a status', whenever the file had none of the status,
    MRR and date columns), the bands are choice fields, and December 2017 broken
    down by age matches plain polars over both files."""
    households = pl.read_parquet(grocery_households)
    db = new_books("grocer.db")
    ids = ("--map", "external_id=household_id", "--map", "name=household_id")
    out = run_ok("import", "accounts", str(grocery_households), "--db", str(db), *ids, "--json")
    report = json.loads(out)
    count = households.height
    assert report["inserted"] == count == 801
    assert report["reconciliation"]["by_status"] == {"active": {"accounts": count, "mrr": 0.0}}
    assumed = report["reconciliation"]["assumptions"]
    assert f"{count} accounts without a start date" in " ".join(assumed)
    assert (
        f"{count} new accounts without a status (no column gives it; map status to read one):"
        " active, the default"
    ) in assumed
    bands = [c for c in households.columns if c != "household_id"]
    assert [(f["name"], f["type"]) for f in report["custom_fields"]] == [
        (band, "choice") for band in bands
    ]
    assert report["custom_fields"][0]["choices"] == sorted(households["age"].unique())
    cells = sum(households[band].drop_nulls().len() for band in bands)
    assert report["custom_field_values"]["set"] == cells

    chosen = households["household_id"].sort().head(30)
    lines = (
        pl.scan_parquet(grocery_transactions)
        .filter(pl.col("household_id").is_in(chosen.implode()))
        .collect()
    )
    path = tmp_path / "lines.parquet"
    lines.write_parquet(path)
    run_ok(
        "import", "purchases", str(path), "--db", str(db), "--map", "account=household_id",
        "--map", "purchased_at=transaction_timestamp", "--map", "amount=sales_value",
    )  # fmt: skip
    args = ("--period", "2017-12", "--as-of", "2017-12-31", "--by", "age", "--json")
    groups = json.loads(run_ok("metrics", "--db", str(db), *args))["metrics"]
    december = lines.filter(
        pl.col("transaction_timestamp").dt.date().is_between(date(2017, 12, 1), date(2017, 12, 31))
    ).join(households.select("household_id", "age"), on="household_id")
    days = december.group_by("age", "household_id").agg(
        pl.col("transaction_timestamp").dt.date().n_unique().alias("days"),
        (pl.col("sales_value") * 100).round(0).sum().alias("cents"),
    )
    for group in groups:
        age, metrics = group["group"], group["metrics"]
        bought = days.filter(pl.col("age") == age)
        assert metrics["active_accounts"] == households.filter(pl.col("age") == age).height
        assert metrics["customers_with_purchases"] == bought.height
        if bought.height:
            average = round(bought["cents"].sum() / bought["days"].sum()) / 100  # to the cent
            assert metrics["avg_purchase_value"] == pytest.approx(average)
    assert sorted(group["group"] for group in groups) == sorted(households["age"].unique())


def test_an_account_whose_usage_is_past_is_said_to_have_none_recent(
    shop_usage: tuple[Path, dict], new_books: Callable[[str], Path]
) -> None:
    """Seen today, the 2024 clickstream's users have no score: their usage is older
    than the score's windows. Before, the reason read 'no usage, interactions, surveys
    or tickets yet', of accounts with days of use."""
    db = new_books("today.db")
    db.write_bytes(shop_usage[0].read_bytes())
    with closing(sqlite3.connect(db)) as connection:
        used = connection.execute(
            "SELECT count(*) FROM daily_usage u JOIN account a ON a.id = u.account_id"
            " WHERE a.external_id = 'user_0000'"
        ).fetchone()[0]
    assert used > 0
    words = " ".join(run_ok("health", "--db", str(db), "--account", "user_0000").split())
    assert "No score: no recent usage, interactions, surveys or tickets" in words
    assert "yet" not in words
