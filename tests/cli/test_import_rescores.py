"""``cxtui import`` scores the day again when the day has scores already: they read
what the import changed. The app's import screen did; the command did not, and a
360 said "no data" beside the call just imported onto its own timeline."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def _run(*arguments: str) -> tuple[str, str]:
    result = runner.invoke(app, list(arguments))
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def _scores(db: Path, day: date) -> dict[str, float | None]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT a.external_id, h.score FROM health_snapshot h"
            " JOIN account a ON a.id = h.account_id WHERE h.day = ?",
            (day.isoformat(),),
        ).fetchall()
    return dict(rows)


def test_an_import_scores_a_scored_day_again(tmp_path: Path) -> None:
    db, today = tmp_path / "book.db", date.today()
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "external_id,name,mrr,status,start_date\n"
        f"A1,Alpha Co,100,active,{today - timedelta(days=400)}\n"
        f"A2,Beta Co,200,active,{today - timedelta(days=400)}\n"
    )
    _run("import", "accounts", str(accounts), "--db", str(db))
    _run("health", "--db", str(db))  # scores the day: nothing but accounts, no score
    assert _scores(db, today) == {"A1": None, "A2": None}

    calls = tmp_path / "calls.csv"
    days = [today - timedelta(days=n) for n in (2, 9, 16)]
    calls.write_text(
        "account,kind,occurred_at,summary,sentiment\n"
        + "".join(f"A1,call,{day},Weekly check-in,positive\n" for day in days)
    )
    printed, _ = _run("import", "interactions", str(calls), "--db", str(db))
    with sqlite3.connect(db) as connection:
        (live,) = connection.execute(
            "SELECT count(*) FROM account WHERE status <> 'churned'"
        ).fetchone()
    said = f"Health: today's scores computed again for {live:,} live accounts"
    assert said in printed, printed
    scores = _scores(db, today)
    assert scores["A1"] is not None and scores["A2"] is None, scores  # A1 has calls now

    # --json keeps stdout the import's document; the words go to stderr
    calls.write_text(
        "account,kind,occurred_at,summary,sentiment\n"
        f"A2,call,{today - timedelta(days=1)},Kick-off,positive\n"
    )
    printed, errors = _run("import", "interactions", str(calls), "--db", str(db), "--json")
    assert said in errors and said not in printed
    assert _scores(db, today)["A2"] is not None


def test_an_import_leaves_an_unscored_day_to_its_first_reader(tmp_path: Path) -> None:
    db = tmp_path / "book.db"
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("external_id,name,mrr,status\nA1,Alpha Co,100,active\n")
    printed, _ = _run("import", "accounts", str(accounts), "--db", str(db))
    assert "Health:" not in printed
    assert _scores(db, date.today()) == {}
