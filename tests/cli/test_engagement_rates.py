"""The feedback, referral, community and training rates of ``cxtui metrics --json``
on a book imported from files, checked against SQL over the same SQLite file."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from tests.cli.conftest import import_csv, run_ok

runner = CliRunner()
NOVEMBER = ("2026-11-01", "2026-12-01")


def _expected(db: Path, numerator: str) -> float | None:
    """``numerator`` (SQL giving account ids) over the customers at the end of November,
    as a percentage: the accounts active now that started by then."""
    customers = "SELECT id FROM account WHERE status = 'active' AND start_date <= '2026-11-30'"
    with sqlite3.connect(db) as connection:
        (base,) = connection.execute(f"SELECT count(*) FROM ({customers})").fetchone()
        (part,) = connection.execute(
            f"SELECT count(DISTINCT id) FROM ({customers}) WHERE id IN ({numerator})"
        ).fetchone()
    return part / base * 100 if base else None


def test_engagement_rates_against_sql(new_books: Callable[[str], Path]) -> None:
    db = new_books("book.db")
    import_csv(
        db,
        "accounts",
        "external_id,name,start_date,mrr,status,churned_at\n"
        "A,Acme,2025-01-01,100,active,\nB,Beta,2025-01-01,100,active,\n"
        "C,Gamma,2025-01-01,100,active,\nD,Delta,2025-01-01,100,active,\n"
        "E,Echo,2025-01-01,100,churned,2026-11-10\nF,Fox,2026-12-02,100,active,\n",
    )
    import_csv(
        db,
        "interactions",
        "account,kind,occurred_at,summary\n"
        "A,referral,2026-11-03,Referred Initech\n"
        "A,referral,2026-11-20,Referred Hooli\n"  # twice: one customer
        "B,training,2026-11-15,Admin course passed\n"
        "C,training,2026-10-30,Before November\n"
        "C,community,2026-11-30T23:00:00,Meetup\n"
        "E,referral,2026-11-05,Churned since: not a customer at the end\n"
        "D,call,2026-11-05,Only a call\n",
    )
    import_csv(
        db,
        "surveys",
        "account,kind,score,answered_at\nA,nps,9,2026-11-02\nD,csat,2,2026-11-28\n"
        "B,nps,7,2026-12-01\n",
    )
    metrics = json.loads(
        run_ok("metrics", "--db", str(db), "--json", "--as-of", "2026-12-04", "--period", "2026-11")
    )["metrics"]
    start, end = NOVEMBER
    within = f"'{start}' <= {{0}} AND {{0}} < '{end}'"
    for key, numerator in (
        (
            "feedback_rate_pct",
            "SELECT account_id FROM survey_response WHERE " + within.format("answered_at"),
        ),
        *(
            (
                key,
                f"SELECT account_id FROM interaction WHERE kind = '{kind}' AND "
                + within.format("occurred_at"),
            )
            for key, kind in (
                ("referral_rate_pct", "referral"),
                ("community_participation_pct", "community"),
                ("education_completion_pct", "training"),
            )
        ),
    ):
        assert metrics[key] == _expected(db, numerator), key
    assert metrics["referral_rate_pct"] == 25.0  # A of A-D; E churned, F not yet started


def test_rates_of_what_the_book_does_not_record_are_no_data(
    new_books: Callable[[str], Path],
) -> None:
    """An accounts list alone: no survey answer and no referral, community or training
    interaction anywhere, so those rates are no data (null, and said under the table),
    not 0 %. Once one is recorded, even in another month, November's rate is 0 %."""
    db = new_books("book.db")
    import_csv(
        db,
        "accounts",
        "external_id,name,start_date,mrr\nA,Acme,2025-01-01,100\nB,Beta,2025-01-01,100\n",
    )
    november = ["--db", str(db), "--as-of", "2026-12-04", "--period", "2026-11"]
    keys = ["referral_rate_pct", "community_participation_pct", "education_completion_pct"]

    def rates() -> list[float | None]:
        metrics = json.loads(run_ok("metrics", "--json", *november))["metrics"]
        return [metrics[key] for key in ["feedback_rate_pct", *keys]]

    # Closed before the next import: left open, this second SQLite library in the
    # process (cxtui keeps its two apart: core.store.sqlite_gate) broke the file.
    with closing(sqlite3.connect(db)) as connection:
        tables = ("survey_response", "interaction")
        counts = [connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables]
    assert counts == [0, 0]
    assert rates() == [None, None, None, None]
    shown = " ".join(run_ok("metrics", *november).split())
    assert "No data: feedback rate, the book records no survey answer." in shown
    assert "No data: referral, community and training rates" in shown
    # In October:
    import_csv(db, "surveys", "account,kind,score,answered_at\nA,nps,9,2026-10-02\n")
    assert rates() == [0.0, None, None, None]
    import_csv(
        db, "interactions", "account,kind,occurred_at,summary\nB,training,2026-10-12,Course\n"
    )
    assert rates() == [0.0, 0.0, 0.0, 0.0]
    assert "No data" not in run_ok("metrics", *november)


def test_metric_settings_come_from_the_config_file(new_books: Callable[[str], Path]) -> None:
    """``[metrics] csat_satisfied_min = 5`` counts only 5s as satisfied (checked with
    SQL); a broken setting is named with its line and its default used."""
    import os

    db = new_books("book.db")
    import_csv(db, "accounts", "external_id,name,start_date,mrr\nA,Acme,2025-01-01,1\n")
    import_csv(
        db,
        "surveys",
        "account,kind,score,answered_at\n"
        + "".join(f"A,csat,{score},2026-11-0{day}\n" for day, score in enumerate((5, 4, 4, 2), 1)),
    )
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "cxtui" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[metrics]\ncsat_satisfied_min = 5\nchurn_window_months = 0\n")
    args = ["metrics", "--db", str(db), "--json", "--as-of", "2026-12-04", "--period", "2026-11"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as connection:
        (expected,) = connection.execute(
            "SELECT 100.0 * sum(score >= 5) / count(*) FROM survey_response WHERE kind = 'csat'"
        ).fetchone()
    assert json.loads(result.stdout)["metrics"]["csat_pct"] == expected == 25.0
    assert f"{config}, line 3: metrics.churn_window_months is out of range" in result.stderr
