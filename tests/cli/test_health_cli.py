"""``cxtui health``: the JSON contract, the table, overrides and the backtest, on a
real SQLite file."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from cli.health import BANDS
from cli.main import app
from core.store.db import open_engine, sqlite_url
from tests.core.health_book import AS_OF, Book, healthy

runner = CliRunner()
DAY = ["--as-of", AS_OF.isoformat()]


@pytest.fixture
def db(book_file: Path) -> Path:
    path = book_file
    engine = open_engine(sqlite_url(path))
    book = Book(engine)
    healthy(book)  # ACC-001
    at_risk = book.account(seats=20)  # ACC-002
    book.usage(at_risk, 10, range(30, 60))
    book.usage(at_risk, 2, range(30))
    book.interaction(at_risk, 70, "call", sentiment=-1)
    book.survey(at_risk, "nps", 2, 15)
    book.ticket(at_risk, 6, response_hours=None)
    gone = book.account(status="churned", churned_at=AS_OF - timedelta(days=3))  # ACC-003
    book.interaction(gone, 400, "call")  # a signal: never contacted, it would have no score
    book.save()
    engine.dispose()
    return path


def _json(path: Path, *args: str) -> list[dict]:
    result = runner.invoke(app, ["health", "--db", str(path), *DAY, "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _override(db: Path, *args: str) -> Result:
    """``cxtui health override ACC-002`` with ``args``, on ``db`` as of AS_OF."""
    return runner.invoke(app, ["health", "override", "ACC-002", *args, "--db", str(db), *DAY])


def test_json_contract(db: Path) -> None:
    objects = _json(db)
    assert [item["account"] for item in objects] == ["ACC-002", "ACC-001"]  # riskiest first
    at_risk, well = objects
    assert set(well) >= {
        "account",
        "name",
        "score",
        "band",
        "trend_30d",
        "computed_score",
        "override",
        "components",
        "left_out",
    }
    assert (well["name"], well["score"], well["band"]) == ("Account 1", 100.0, "green")
    assert well["trend_30d"] is None and well["override"] is None
    assert well["computed_score"] == well["score"]
    assert at_risk["band"] == "red"
    assert at_risk["left_out"] == []
    assert set(at_risk["components"]) == {
        "usage",
        "engagement",
        "sentiment",
        "support",
        "commercial",
    }
    for part in at_risk["components"].values():
        assert set(part) == {"raw", "score", "weight_pct", "contribution"}
    total = sum(part["contribution"] for part in at_risk["components"].values())
    assert round(total, 2) == at_risk["score"]
    assert at_risk["components"]["usage"]["raw"] == {"active_user_ratio": 0.1, "trend_pct": -80.0}


def test_band_filter_and_one_account(db: Path) -> None:
    assert [item["account"] for item in _json(db, "--band", "green")] == ["ACC-001"]
    assert [item["account"] for item in _json(db, "--account", "ACC-002")] == ["ACC-002"]
    result = runner.invoke(app, ["health", "--db", str(db), *DAY, "--account", "ACC-002"])
    assert result.exit_code == 0, result.output
    assert "ACC-002 Account 2: score" in result.stdout
    for words in ("usage", "usage -80 % vs the previous 30 days", "commercial", "Contribution"):
        assert words in result.stdout


def test_table_shows_score_band_and_override_marker(db: Path) -> None:
    override = _override(db, "--score", "75", "--reason", "Renewal signed")
    assert override.exit_code == 0, override.output
    assert "ACC-002: score 75 until 30 days from today" in override.stdout
    result = runner.invoke(app, ["health", "--db", str(db), *DAY])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if "ACC-" in line}
    assert "100.0" in lines["ACC-001"] and "green" in lines["ACC-001"]
    assert "75.0" in lines["ACC-002"] and "* score set, computed" in lines["ACC-002"]
    assert "ACC-003" not in lines  # churned: not a live account


def test_override_shows_beside_the_computed_score_and_ends(db: Path) -> None:
    result = _override(
        db, "--band", "yellow", "--reason", "Outage, not churn", "--expires", "2026-07-15"
    )
    assert result.exit_code == 0, result.output
    at_risk = _json(db, "--account", "ACC-002")[0]
    assert at_risk["override"] == {
        "score": None,
        "band": "yellow",
        "reason": "Outage, not churn",
        "expires_on": "2026-07-15",
    }
    assert at_risk["band"] == "yellow" and at_risk["score"] == at_risk["computed_score"]
    table = runner.invoke(app, ["health", "--db", str(db), *DAY]).stdout
    line = next(line for line in table.splitlines() if "ACC-002" in line)
    assert "yellow" in line and "* band set, computed" in line  # the score is the computed one
    assert _override(db, "--end").exit_code == 0
    assert _json(db, "--account", "ACC-002")[0]["override"] is None


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["override", "ACC-002", "--score", "150", "--reason", "x"], "between 0 and 100"),
        (["override", "ACC-002", "--score", "50"], "--reason is required"),
        (["override", "ACC-002", "--score", "50", "--reason", " "], "needs a reason"),
        (["override", "ACC-002", "--band", "amber", "--reason", "x"], "one of green, yellow, red"),
        (
            ["override", "ACC-002", "--score", "5", "--reason", "x", "--expires", "soon"],
            "--expires",
        ),
        (
            ["override", "ACC-002", "--score", "5", "--reason", "x", "--expires", "2026-06-30"],
            "after today",
        ),
        (["override", "ACC-404", "--score", "5", "--reason", "x"], "no account 'ACC-404'"),
        (["--band", "purple"], "--band must be one of"),
        (["--account", "ACC-404"], "no account 'ACC-404'"),
        (["--account", "ACC-003"], "not live"),
        (["backtest", "--horizon", "0"], "must be 1 to 3,650 days"),
    ],
)
def test_bad_input_exits_2_in_words(db: Path, args: list[str], words: str) -> None:
    result = runner.invoke(app, ["health", *args, "--db", str(db), *DAY])
    assert result.exit_code == 2, result.output
    assert words in result.stderr


def test_recompute_reports_progress_on_stderr_only(db: Path) -> None:
    result = runner.invoke(app, ["health", "--db", str(db), *DAY, "--json", "--recompute"])
    assert result.exit_code == 0, result.output
    assert "Health recomputed for 2 live accounts as of 2026-06-30" in result.stderr
    assert len(json.loads(result.stdout)) == 2


def test_a_broken_health_toml_is_reported_and_the_defaults_used(db: Path) -> None:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "cxtui" / "health.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[weights]\nusage = 30\nsupport = -1\n")
    objects = _json(db)
    assert objects[1]["score"] == 100.0
    result = runner.invoke(app, ["health", "--db", str(db), *DAY])
    assert result.exit_code == 0
    assert f"{path}, line 3, key 'weights.support'" in result.stderr
    assert "using the shipped defaults" in result.stderr


def test_backtest_json(db: Path) -> None:
    result = runner.invoke(
        app, ["health", "backtest", "--db", str(db), *DAY, "--json", "--horizon", "30"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["horizon_days"] == 30
    assert [band["band"] for band in report["bands"]] == ["green", "yellow", "red"]
    # 11 monthly cut-offs (the 12th is within 60 days of the first start), 3 accounts
    # alive at each; ACC-003 churned 3 days before
    # as_of, within 30 days of the last cut-off only.
    assert len(report["cutoffs"]) == 11 and report["cutoffs"][-1] == "2026-05-31"
    # Accounts are observed only at cut-offs where they have signals (no data, no
    # score): ACC-003 at all 11, ACC-001 and ACC-002 (whose data is from the last 70
    # days) at the last ones only: 11 + 3.
    assert (report["observations"], report["churned"]) == (14, 1)
    assert {"auc", "observations", "cutoffs", "model_fingerprint"} <= set(report)
    text = runner.invoke(app, ["health", "backtest", "--db", str(db), *DAY])
    assert "ROC AUC of the score" in text.stdout


def test_recompute_prints_a_summary_and_all_every_account(db: Path) -> None:
    objects = _json(db)
    counts = {band: sum(item["band"] == band for item in objects) for band in BANDS}
    result = runner.invoke(app, ["health", "--db", str(db), *DAY, "--recompute"])
    assert result.exit_code == 0, result.output
    summary = f"{len(objects)} live accounts: {counts['red']} red, {counts['yellow']} yellow, "
    assert result.stdout.startswith(summary + f"{counts['green']} green")
    lowest = min((item for item in objects if item["score"] is not None), key=lambda i: i["score"])
    assert f"  {lowest['name']} ({lowest['account']}): {lowest['score']:.1f}" in result.stdout
    every = runner.invoke(app, ["health", "--db", str(db), *DAY, "--recompute", "--all"])
    assert every.exit_code == 0
    assert all(item["account"] in every.stdout for item in objects)
    assert "live accounts:" not in every.stdout


def test_the_recompute_summary_runs_on_the_file_without_sqlalchemy(db: Path) -> None:
    """The command a manager runs most: on a SQLite file at the current schema it
    recomputes and reads without importing SQLAlchemy or the models (~1 s)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        f"sys.argv = ['cxtui', 'health', '--db', {str(db)!r}, '--as-of', {AS_OF.isoformat()!r},"
        " '--recompute']\n"
        "from cli.main import run\n"
        "try:\n"
        "    run()\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'sqlmodel',"
        " 'core.models')))\n"
        "print('loaded:', ','.join(heavy), file=sys.stderr)\n"
    )
    on_file = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert on_file.stderr.strip().endswith("loaded:"), on_file.stderr
    assert "Health recomputed for 2 live accounts" in on_file.stderr
    assert "ACC-002" in on_file.stdout and "ACC-003" not in on_file.stdout


@pytest.mark.parametrize(
    "arguments",
    [
        ["--recompute"],
        ["--recompute", "--all"],
        [],
        ["--json"],
        ["--band", "red", "--json"],
        ["--account", "ACC-002"],
        ["--account", "ACC-002", "--json"],
        ["--account", "ACC-003"],  # churned: said by the engine's way
        ["--account", "ACC-999"],  # unknown: said by the engine's way
        ["--account", "ACC-002", "--recompute"],  # the engine's way: checked first
    ],
    ids=" ".join,
)
def test_the_file_prints_what_the_engine_prints(
    db: Path, monkeypatch: pytest.MonkeyPatch, arguments: list[str]
) -> None:
    assert runner.invoke(app, ["health", "--db", str(db), *DAY]).exit_code == 0  # scores stored
    command = ["health", "--db", str(db), *DAY, *arguments]
    on_file = runner.invoke(app, command)
    with monkeypatch.context() as patched:
        patched.setattr("cli.health.sqlite_file", lambda _db: None)  # the engine's way
        through_engine = runner.invoke(app, command)
    assert (on_file.exit_code, on_file.output) == (through_engine.exit_code, through_engine.output)
    assert on_file.output.strip()


def test_a_public_churn_sample_recomputed_from_the_shell(
    telco_churn: Path, new_books: Callable[[str], Path]
) -> None:
    """The public Telco churn sample imported as it comes, then `cxtui health
    --recompute` as a user runs it (its own process, on the file without SQLAlchemy):
    every customer that did not churn (counted here from the raw file) is live, and
    none has a score, which the summary says and explains."""
    import subprocess
    import sys

    import polars as pl

    db = new_books("telco.db")
    imported = runner.invoke(
        app,
        ["import", "accounts", str(telco_churn), "--db", str(db),
         "--map", "external_id=customerID", "--map", "name=customerID",
         "--map", "mrr=MonthlyCharges",
         "--value", "status:Yes=churned", "--value", "status:No=active"],
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    live = pl.read_csv(telco_churn, infer_schema=False).filter(pl.col("Churn") == "No").height
    cxtui = Path(sys.executable).with_name("cxtui")
    result = subprocess.run(
        [cxtui, "health", "--db", str(db), "--recompute"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert f"Health recomputed for {live:,} live accounts" in result.stderr
    assert result.stdout.startswith(f"{live:,} live accounts: 0 red, 0 yellow, 0 green, {live:,}")
    assert f"No score for {live:,} of them: no recent usage, interactions, surveys" in result.stdout


def _snapshot_days(db: Path) -> set[str]:
    import sqlite3

    with sqlite3.connect(db) as connection:
        return {day for (day,) in connection.execute("SELECT DISTINCT day FROM health_snapshot")}


@pytest.mark.parametrize("args", [["--json"], ["--account", "ACC-002"]], ids=["list", "account"])
def test_todays_scores_are_computed_when_missing(db: Path, args: list[str]) -> None:
    """With scores of an earlier day only (the demo book's are weekly), ``cxtui health``
    printed them as they were, without saying of which day, while the app (and the
    MCP server) score today first. Today's are computed when missing, as there; a day
    asked with --as-of is read as stored, never written."""
    from datetime import date

    yesterday = (date.today() - timedelta(days=1)).isoformat()
    assert _json(db) and _snapshot_days(db) == {AS_OF.isoformat()}
    result = runner.invoke(app, ["health", "--db", str(db), "--as-of", yesterday, *args])
    assert result.exit_code == 0, result.output
    assert _snapshot_days(db) == {AS_OF.isoformat()}  # a day asked: read, not written
    result = runner.invoke(app, ["health", "--db", str(db), *args])
    assert result.exit_code == 0, result.output
    assert _snapshot_days(db) == {AS_OF.isoformat(), date.today().isoformat()}
    assert "Health recomputed for 2 live accounts" in result.stderr
    assert "and saved: that day had no score (--read-only saves nothing)" in result.stderr


@pytest.mark.parametrize("args", [["--json"], ["--account", "ACC-002"]], ids=["list", "account"])
def test_read_only_saves_nothing_and_says_of_which_day_the_scores_are(
    db: Path, args: list[str]
) -> None:
    """Reading the scores wrote today's (a user reading the book changed it) with no
    way to only read, as ``cxtui mcp --read-only`` does: --read-only prints the
    scores as stored and says their day when none is of the day asked."""
    read_only = ["health", "--db", str(db), "--read-only", *args]
    nothing = runner.invoke(app, read_only)
    assert nothing.exit_code == 0, nothing.output
    assert "no health score is stored yet" in nothing.stderr
    assert not _snapshot_days(db)
    stored = _json(db)  # scores AS_OF, as a plain `cxtui health` does
    result = runner.invoke(app, read_only)
    assert result.exit_code == 0, result.output
    assert _snapshot_days(db) == {AS_OF.isoformat()}
    assert f"the scores are of {AS_OF.isoformat()}; none is stored for" in result.stderr
    if args == ["--json"]:
        assert json.loads(result.stdout) == stored
    else:
        assert f"(computed on {AS_OF.isoformat()})" in result.stdout


def test_help_and_read_only_say_when_a_day_asked_is_saved(db: Path) -> None:
    """``cxtui health --as-of DAY`` reads the scores in force that day and saves none
    (unless the book has none at all): its help said only "Run as of this day", and
    --read-only's note on a past day said that without it they would be computed and
    saved, which they were not. The help says when scores are saved, and the note
    names the command that saves them."""
    import re

    shown = runner.invoke(app, ["health", "--help"])
    words = " ".join(re.sub("[│╭╮╰╯─]", " ", shown.output).split())
    assert "Listing them saves today's scores first when today has none" in words, words
    assert "Saved for it only with --recompute, or when the book has no score" in words, words
    _json(db)  # scores of AS_OF
    later = (AS_OF + timedelta(days=10)).isoformat()
    read = ["health", "--db", str(db), "--as-of", later]
    result = runner.invoke(app, [*read, "--read-only"])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"cxtui: --read-only: the scores are of {AS_OF.isoformat()}; none is stored for "
        f"{later} (--recompute --as-of {later} computes and saves them)\n"
    )
    assert runner.invoke(app, read).exit_code == 0
    assert _snapshot_days(db) == {AS_OF.isoformat()}  # as the note says: not saved
    assert runner.invoke(app, [*read, "--recompute"]).exit_code == 0
    assert _snapshot_days(db) == {AS_OF.isoformat(), later}


def test_read_only_refuses_recompute_and_a_missing_file(db: Path, tmp_path: Path) -> None:
    both = runner.invoke(app, ["health", "--db", str(db), "--read-only", "--recompute"])
    assert both.exit_code == 2, both.output
    assert "cannot be used with --recompute" in both.stderr
    assert not _snapshot_days(db)
    missing = tmp_path / "typo.db"
    result = runner.invoke(app, ["health", "--db", str(missing), "--read-only"])
    assert result.exit_code == 2, result.output
    assert f"there is no database at {missing}" in result.stderr
    assert not missing.exists()


def test_names_and_reasons_that_look_like_markup_are_printed_as_they_are(
    new_books: Callable[[str], Path],
) -> None:
    """An account named "[/] Bracket Co" (an import) made ``cxtui health`` fail with a
    MarkupError traceback: names, reasons and ids went through Rich markup."""
    path = new_books("book.db")
    engine = open_engine(sqlite_url(path))
    book = Book(engine)
    account = book.account(name="[/] Bracket [red]Co[/red]", external_id="[b]X-1")
    book.interaction(account, 3, "call", sentiment=1)
    book.save()
    engine.dispose()
    reason = ["--score", "30", "--reason", "[/] left"]
    override = runner.invoke(
        app, ["health", "override", "[b]X-1", *reason, "--db", str(path), *DAY]
    )
    assert override.exit_code == 0, override.output
    for args in ([], ["--account", "[b]X-1"]):
        result = runner.invoke(app, ["health", "--db", str(path), *DAY, *args])
        assert result.exit_code == 0, result.output
        assert "[/] Bracket [red]Co[/red]" in result.stdout
        assert "[b]X-1" in result.stdout
    assert "([/] left)" in result.stdout


def _snapshots_per_day(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT day, count(*) FROM health_snapshot GROUP BY day ORDER BY day"
        ).fetchall()
    connection.close()
    return dict(rows)


def test_backfill_scores_each_past_week_once_and_shows_the_trend(db: Path) -> None:
    """An imported book has today's scores alone: no 30-day trend. `health backfill`
    scores the day each week back that has none, and ACC-002, whose usage fell from 10
    to 2 users a day in the last 30 days, is then "down"; a second run keeps every
    day as it is."""
    before = {item["account"]: item["trend_30d"] for item in _json(db)}
    assert before == {"ACC-001": None, "ACC-002": None}
    result = runner.invoke(app, ["health", "backfill", "--weeks", "6", "--db", str(db), *DAY])
    assert result.exit_code == 0, result.output
    weeks = [(AS_OF - timedelta(days=7 * week)).isoformat() for week in range(6, 0, -1)]
    assert f"Scored 6 past days from {weeks[0]} to {weeks[-1]}" in result.output
    days = _snapshots_per_day(db)
    # every account was live on each of those days (ACC-003 churned 3 days ago)
    assert {day: days[day] for day in weeks} == dict.fromkeys(weeks, 3)
    after = {item["account"]: item["trend_30d"] for item in _json(db)}
    assert after["ACC-002"] == "down"
    again = runner.invoke(app, ["health", "backfill", "--weeks", "6", "--db", str(db), *DAY])
    assert "Kept 6 days that had scores" in again.output and "No past day" in again.output
    assert _snapshots_per_day(db) == days


def test_backfill_refuses_a_number_of_weeks_out_of_range_or_a_day_ahead(db: Path) -> None:
    before = _snapshots_per_day(db)
    for weeks in ("0", "261"):
        result = runner.invoke(app, ["health", "backfill", "--weeks", weeks, "--db", str(db)])
        assert result.exit_code == 2 and "--weeks must be 1 to 260" in result.output
    ahead = runner.invoke(app, ["health", "backfill", "--as-of", "tomorrow", "--db", str(db)])
    assert ahead.exit_code == 2 and "only past days are scored" in ahead.output
    assert _snapshots_per_day(db) == before


def test_an_account_without_a_score_reads_no_score_as_in_the_app(
    new_books: Callable[[str], Path],
) -> None:
    """`cxtui health` said "no data" (the table's Band, the recompute's summary, the
    explanation of one account) where the accounts list and the 360 say "no score";
    the JSON keeps the band "no data", its contract."""
    from tests.cli.conftest import import_csv, run_ok

    db = new_books("book.db")
    rows = ["A-1,Acme,2025-01-01,100", "A-2,Beta,2025-02-01,50"]
    import_csv(db, "accounts", "external_id,name,start_date,mrr\n" + "\n".join(rows) + "\n")
    objects = json.loads(run_ok("health", "--db", str(db), "--json"))
    assert {(o["account"], o["score"], o["band"]) for o in objects} == {
        (row.split(",")[0], None, "no data") for row in rows
    }
    table = run_ok("health", "--db", str(db))
    for row in rows:
        cells = [cell.strip() for cell in next(
            line for line in table.splitlines() if line.startswith(f" {row.split(',')[0]} ")
        ).split("│")]  # fmt: skip
        assert cells[2:4] == ["-", "no score"], cells
    summary = run_ok("health", "--db", str(db), "--recompute")
    assert f"{len(rows)} live accounts: 0 red, 0 yellow, 0 green, {len(rows)} no score." in summary
    told = run_ok("health", "--db", str(db), "--account", "A-1").splitlines()[0]
    assert told.startswith("A-1 Acme: no score, 30-day trend -"), told
    assert "no data" not in table + summary + told


def test_the_summary_says_which_accounts_have_no_subscription_either(db: Path) -> None:
    """Of the accounts without a score, those without a subscription have no commercial
    signal either: '(commercial facts alone are not enough)' said of them all wrongly
    that they had some."""
    engine = open_engine(sqlite_url(db))
    book = Book(engine)
    book.account(id=4, external_id="ACC-004")  # an MRR, no other signal
    book.account(id=5, external_id="ACC-005", mrr=0)  # nothing at all
    book.save()
    engine.dispose()
    result = runner.invoke(app, ["health", "--db", str(db), *DAY, "--recompute"])
    assert result.exit_code == 0, result.output
    assert (
        "No score for 2 of them: no recent usage, interactions, surveys or tickets"
        " (commercial facts alone are not enough; 1 of them has no subscription (no MRR,"
        " MRR movement or renewal date) either)." in result.stdout
    ), result.stdout
    alone = runner.invoke(app, ["health", "--db", str(db), *DAY, "--account", "ACC-005"])
    assert (
        "No score: no recent usage, interactions, surveys or tickets, and no subscription"
        " (no MRR, MRR movement or renewal date). No data is not good news." in alone.stdout
    ), alone.stdout
    # the line above it said "Left out (no data): ..., commercial", not why
    assert (
        "Left out: usage (no data), engagement (no data), sentiment (no data), support (no"
        " data), commercial (no subscription)" in " ".join(alone.stdout.split())
    ), alone.stdout


def test_the_grocers_summary_says_its_households_have_no_subscription(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    """The public grocer's till lines (3 households, imported as a user imports them):
    purchases only. The summary said '(commercial facts alone are not enough)' of
    households that have no commercial fact at all; it says what the book lacks."""
    import polars as pl

    from tests.conftest import public_file

    lines = tmp_path / "lines.parquet"
    households = (1111, 2500, 718)
    pl.scan_parquet(public_file(pytestconfig, "grocery_transactions")).filter(
        pl.col("household_id").is_in(households)
    ).collect().write_parquet(lines)
    path = str(tmp_path / "grocer.db")
    mapped = ["account=household_id", "purchased_at=transaction_timestamp", "amount=sales_value"]
    imported = runner.invoke(
        app,
        [
            "import",
            "purchases",
            str(lines),
            "--db",
            path,
            *(part for pair in mapped for part in ("--map", pair)),
            "--create-missing-accounts",
        ],
    )
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(app, ["health", "--db", path, "--as-of", "2017-12-31", "--recompute"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == [
        "3 live accounts: 0 red, 0 yellow, 0 green, 3 no score.",
        "No score for 3 of them: no recent usage, interactions, surveys or tickets, and no"
        " subscription (no MRR, MRR movement or renewal date).",
    ], result.stdout
