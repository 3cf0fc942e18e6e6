"""Books as real exports bring them, through ``cxtui import`` and then ``cxtui metrics
--json`` / ``cxtui health --json``. Every expected figure is computed here with
plain polars over the raw file, never copied from cxtui's output."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from tests.cli.conftest import import_csv, run_ok

CHURN = ["--value", "status:Yes=churned", "--value", "status:No=active"]
# The shape of a public telco churn sample: an id, a tenure, monthly charges and a
# Yes/No churn column, no names and no dates.
TELCO = """customerID,gender,SeniorCitizen,tenure,Contract,MonthlyCharges,TotalCharges,Churn
7590-VHVEG,Female,0,1,Month-to-month,29.85,29.85,No
5575-GNVDE,Male,0,34,One year,56.95,1889.5,No
3668-QPYBK,Male,0,2,Month-to-month,53.85,108.15,Yes
7795-CFOCW,Male,0,45,One year,42.30,1840.75,No
9237-HQITU,Female,0,2,Month-to-month,70.70,151.65,Yes
9305-CDSKC,Female,0,8,Month-to-month,99.65,820.5,Yes
1452-KIOVK,Male,0,22,Month-to-month,89.10,1949.4,No
6713-OKOMC,Female,0,10,Month-to-month,29.75,301.9,No
"""


def _metrics(db: Path, *args: str) -> dict:
    return json.loads(run_ok("metrics", "--db", str(db), "--json", *args))["metrics"]


def _undated(tmp_path: Path) -> Path:
    """The sample without its tenure column: status, but no dates at all."""
    path = tmp_path / "telco.csv"
    pl.read_csv(io.StringIO(TELCO), infer_schema=False).drop("tenure").write_csv(path)
    return path


def _telco(tmp_path: Path) -> tuple[Path, Path, pl.DataFrame]:
    path = _undated(tmp_path)
    db = tmp_path / "book.db"
    run_ok(
        "import", "accounts", str(path), "--db", str(db), *CHURN,
        "--map", "external_id=customerID", "--map", "name=customerID",
    )  # fmt: skip
    return path, db, pl.read_csv(path)


def test_status_without_dates_counts_only_the_active_and_their_mrr(tmp_path: Path) -> None:
    _path, db, raw = _telco(tmp_path)
    staying = raw.filter(pl.col("Churn") == "No")
    leaving = raw.filter(pl.col("Churn") == "Yes")
    metrics = _metrics(db)
    assert metrics["active_accounts"] == staying.height
    assert metrics["mrr"] == round(staying["MonthlyCharges"].sum(), 2)
    # Their churn date is unknown: not customers now, in no churn rate, but named.
    assert metrics["churned_accounts"] == 0
    assert metrics["churned_undated_accounts"] == leaving.height
    assert metrics["mrr_churned_undated"] == -round(leaving["MonthlyCharges"].sum(), 2)
    # The bridge holds: start = end + the undated churns.
    assert metrics["customers_at_start"] == raw.height
    assert metrics["mrr_at_start"] == round(raw["MonthlyCharges"].sum(), 2)
    # Whether they left in this period is unknown: they leave the rates' bases.
    assert metrics["churn_rate_pct"] == 0.0
    assert metrics["retention_rate_pct"] == staying.height / staying.height * 100
    assert metrics["grr_pct"] == 100.0
    # And says what it assumed.
    assert metrics["accounts_start_unknown"] == raw.height
    assert metrics["accounts_churn_date_unknown"] == leaving.height
    table = run_ok("metrics", "--db", str(db))
    assert f"Assumed: {leaving.height} churned accounts have no churn date" in table


def test_missing_start_dates_are_never_new(tmp_path: Path) -> None:
    _path, db, _raw = _telco(tmp_path)
    for period in ("month", "quarter", "year"):
        metrics = _metrics(db, "--period", period)
        assert (metrics["new_accounts"], metrics["mrr_new"]) == (0, 0.0)


def test_the_import_says_what_it_assumed(tmp_path: Path) -> None:
    path = _undated(tmp_path)
    raw = pl.read_csv(path)
    out = run_ok(
        "import", "accounts", str(path), "--db", str(tmp_path / "b.db"), *CHURN, "--dry-run",
        "--map", "external_id=customerID", "--map", "name=customerID", "--json",
    )  # fmt: skip
    report = json.loads(out)
    rec = report["reconciliation"]
    leaving = raw.filter(pl.col("Churn") == "Yes")
    assert rec["by_status"]["churned"] == {
        "accounts": leaving.height,
        "mrr": round(leaving["MonthlyCharges"].sum(), 2),
    }
    assert any(f"{raw.height} accounts without a start date" in a for a in rec["assumptions"])
    assert any(
        f"{leaving.height} churned accounts without a churn date" in a for a in rec["assumptions"]
    )
    assert not (tmp_path / "b.db").exists() or report["dry_run"]


def test_accounts_created_from_a_purchase_log_start_on_their_first_purchase(
    tmp_path: Path,
    new_books: Callable[[str], Path],
) -> None:
    rows = [
        ("00001", "1997-01-01", "11.77"),
        ("00002", "1997-01-12", "12.00"),
        ("00002", "1997-03-02", "77.00"),
        ("00003", "1997-02-02", "20.76"),
        ("00001", "1998-06-30", "9.49"),
    ]
    path = tmp_path / "orders.csv"
    path.write_text(
        "customer_id,order_date,amount\n" + "".join(f"{a},{d},{v}\n" for a, d, v in rows)
    )
    db = new_books("orders.db")
    run_ok("import", "purchases", str(path), "--db", str(db), "--create-missing-accounts")
    raw = pl.read_csv(path, schema_overrides={"customer_id": pl.String}, try_parse_dates=True)
    firsts = raw.group_by("customer_id").agg(pl.col("order_date").min())
    for month in ("1997-01", "1997-02", "1997-03"):
        start = date.fromisoformat(f"{month}-01")
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        metrics = _metrics(db, "--period", month, "--as-of", end.isoformat())
        assert metrics["active_accounts"] == firsts.filter(pl.col("order_date") <= end).height
        new = firsts.filter(pl.col("order_date").is_between(start, end)).height
        assert metrics["new_accounts"] == new
    # None of them is new today.
    assert _metrics(db)["new_accounts"] == 0


def test_an_account_mrr_and_its_movements_are_one_truth(new_books: Callable[[str], Path]) -> None:
    db = new_books("book.db")
    header = "external_id,name,start_date,mrr\n"
    import_csv(db, "accounts", header + "A-1,Acme,2025-01-01,100\n")
    assert _metrics(db)["mrr"] == 100.0
    import_csv(db, "mrr", "account,date,type,amount\nA-1,2025-06-01,expansion,20\n")
    assert _metrics(db)["mrr"] == 120.0
    # Re-importing the account with a new MRR changes the metrics, as a movement.
    out = import_csv(
        db, "accounts", header + "A-1,Acme,2025-01-01,150\n", "--effective", "2026-01-15"
    )
    assert "expansion MRR movement recorded ($30.00)" in out
    assert _metrics(db)["mrr"] == 150.0
    january = _metrics(db, "--period", "2026-01", "--as-of", "2026-01-31")
    assert january["mrr_expansion"] == 30.0
    # Lower again: a contraction.
    import_csv(db, "accounts", header + "A-1,Acme,2025-01-01,90\n")
    assert _metrics(db)["mrr"] == 90.0


def test_health_on_no_data_is_no_score(new_books: Callable[[str], Path]) -> None:
    db = new_books("book.db")
    import_csv(
        db,
        "accounts",
        "external_id,name,start_date,mrr,renewal_date\n"
        "A-1,Acme,2025-01-01,100,2027-01-01\nA-2,Beta,,50,\n",
    )
    objects = json.loads(run_ok("health", "--db", str(db), "--json"))
    assert [(o["account"], o["score"], o["band"]) for o in objects] == [
        ("A-1", None, "no data"),
        ("A-2", None, "no data"),
    ]
    one = json.loads(run_ok("health", "--db", str(db), "--json", "--account", "A-1"))[0]
    assert "engagement" in one["left_out"]
    assert all(part["weight_pct"] is None for part in one["components"].values())
    told = run_ok("health", "--db", str(db), "--account", "A-1")
    assert "No score: no recent usage, interactions" in told
    # One logged call is a signal: the account is scored, and the call is 0 days ago.
    run_ok("log", "A-1", "--db", str(db), "--kind", "call", "--summary", "Kick-off")
    one = json.loads(run_ok("health", "--db", str(db), "--json", "--account", "A-1"))[0]
    assert one["score"] is not None and one["band"] != "no data"
    engagement = one["components"]["engagement"]["raw"]
    assert engagement["days_since_last_interaction"] == 0


def test_a_tenure_column_dates_the_starts_back_from_the_export(
    tmp_path: Path, new_books: Callable[[str], Path]
) -> None:
    path = tmp_path / "telco.csv"
    path.write_text(TELCO, encoding="utf-8")
    db = new_books("tenure.db")
    out = run_ok(
        "import", "accounts", str(path), "--db", str(db), *CHURN, "--as-of", "2026-11-30",
        "--map", "external_id=customerID", "--map", "name=customerID",
    )  # fmt: skip
    assert "start dates from column tenure: months before 2026-11-30" in out
    raw = pl.read_csv(path).with_columns(
        pl.lit(date(2026, 11, 30)).dt.offset_by(pl.format("-{}mo", "tenure")).alias("start")
    )
    staying = raw.filter(pl.col("Churn") == "No")
    # 2026-10: the accounts that started in it are new (tenure 1 from 2026-11-30).
    october = _metrics(db, "--period", "2026-10", "--as-of", "2026-10-31")
    started = raw.filter(pl.col("start").dt.strftime("%Y-%m") == "2026-10")
    assert october["new_accounts"] == started.height > 0
    assert october["active_accounts"] == raw.filter(pl.col("start") <= date(2026, 10, 31)).height
    assert _metrics(db)["active_accounts"] == staying.height
    assert _metrics(db)["accounts_start_unknown"] == 0
    # The export says nothing of onboarding: its success rate is no data, in words.
    due = raw.filter(
        pl.col("start").dt.offset_by("30d").is_between(date(2026, 11, 1), date(2026, 11, 30))
    )
    assert due.height > 0 and "onboarding" not in " ".join(raw.columns).lower()
    november = ["--period", "2026-11", "--as-of", "2026-11-30"]
    assert _metrics(db, *november)["onboarding_success_rate_pct"] is None
    shown = run_ok("metrics", "--db", str(db), *november)
    were = "1 account was" if due.height == 1 else f"{due.height:,} accounts were"
    assert f"onboarding success, {were} due" in " ".join(shown.split())


def test_after_a_first_import_red_accounts_and_detractors_get_their_tasks(
    new_books: Callable[[str], Path],
) -> None:
    """A first import, then a health recompute and one run of the rules: the accounts
    red at that moment get a task (the rule meets them red; no drop is needed), and
    so does the detractor nobody has called back."""
    import sqlite3

    db = new_books("book.db")
    files = {
        "accounts": "external_id,name,start_date,mrr,renewal_date\n"
        "A-1,Acme,2024-01-01,100,2027-01-01\n"
        "A-2,Beta,2024-01-01,50,2027-03-01\n"
        "A-3,Gamma,2024-01-01,70,2027-03-01\n",
        "surveys": "account,kind,score,answered_at\n"
        "A-1,nps,0,2026-11-20\nA-2,nps,10,2026-11-20\nA-3,nps,1,2026-06-01\n",
        "interactions": "account,kind,occurred_at,summary\n"
        "A-1,call,2026-05-01,angry\nA-2,call,2026-12-01,happy\nA-3,call,2026-12-01,ok\n",
    }
    for kind, text in files.items():
        import_csv(db, kind, text)
    as_of = ["--as-of", "2026-12-05"]
    run_ok("health", "--db", str(db), "--recompute", *as_of)
    run_ok("rules", "run", "--db", str(db), *as_of)
    with sqlite3.connect(db) as connection:
        red = connection.execute(
            "SELECT a.external_id FROM health_snapshot h JOIN account a ON a.id = h.account_id"
            " WHERE h.band = 'red' ORDER BY 1"
        ).fetchall()
        tasks = connection.execute(
            "SELECT t.rule, a.external_id, t.due_on FROM task t"
            " JOIN account a ON a.id = t.account_id"
            " WHERE t.rule IN ('health_red', 'detractor') ORDER BY 1, 2"
        ).fetchall()
    assert red  # the book has a red account to find
    assert [row[1] for row in tasks if row[0] == "health_red"] == [row[0] for row in red]
    # A-1's NPS 0 (2026-11-20) had no call since; A-3's NPS 1 is older than 30 days.
    assert [row[1:] for row in tasks if row[0] == "detractor"] == [("A-1", "2026-12-05")]
