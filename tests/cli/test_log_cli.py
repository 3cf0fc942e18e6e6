"""``cxtui log``: success and failure paths, on a real SQLite file."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from cli.main import app
from core import models as m
from tests.rows import count_in, engine_on, new_account

runner = CliRunner()


@pytest.fixture
def db(book_file: Path) -> Path:
    path = book_file
    with engine_on(path) as engine, Session(engine) as session:
        new_account(
            session, "ACC-7", name="Globex", segment="Enterprise", plan="Scale", owner="Dana Reyes"
        )
        session.commit()
    return path


def test_log_a_call(db: Path) -> None:
    result = runner.invoke(
        app,
        [
            "log",
            "ACC-7",
            "--kind",
            "call",
            "--summary",
            "Kick-off",
            "--sentiment",
            "-1",
            "--follow-up",
            "+7d",
            "--db",
            str(db),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Logged call" in result.output and "Follow-up task" in result.output
    assert count_in(db, m.Interaction) == 1 and count_in(db, m.Task) == 1
    # the help says the day may be written as above (it said YYYY-MM-DD only)
    assert "(YYYY-MM-DD, today, +14d)" in runner.invoke(app, ["log", "--help"]).output


def test_log_an_nps_answer(db: Path) -> None:
    result = runner.invoke(app, ["log", "ACC-7", "--kind", "nps", "--score", "9", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert count_in(db, m.SurveyResponse) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "nps", "--score", "11"], "NPS must be 0-10, not 11"),
        (["--kind", "csat", "--score", "0"], "CSAT must be 1-5, not 0"),
        (["--kind", "call"], "cxtui: --summary: a summary is required"),
        (["--kind", "call", "--summary", "x", "--when", "someday"], "cxtui: --when: cannot read"),
        # the option as typed, not the field's name in the code ("follow_up: ...")
        (["--kind", "call", "--summary", "x", "--follow-up", "2026-02-30"], "cxtui: --follow-up:"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(db: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["log", "ACC-7", *args, "--db", str(db)])
    assert result.exit_code == 2
    assert message in result.output
    assert count_in(db, m.Interaction) == 0 and count_in(db, m.SurveyResponse) == 0


def test_unknown_account(db: Path) -> None:
    result = runner.invoke(
        app, ["log", "NOPE", "--kind", "call", "--summary", "x", "--db", str(db)]
    )
    assert result.exit_code == 2
    assert 'no account with external id "NOPE"' in result.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--kind", "community", "--summary", "Spoke at the forum"], "Logged community event #1"),
        (["--kind", "training", "--summary", "Admin course"], "Logged training completed #1"),
        (["--kind", "qbr", "--summary", "Q4 review"], "Logged QBR #1"),
        (["--kind", "nps", "--score", "9"], "Logged NPS answer #1"),
    ],
)
def test_what_was_logged_is_said_in_words(db: Path, args: list[str], said: str) -> None:
    """It said "Logged community #1", "Logged training #1", "Logged qbr #1" and, for an
    NPS or CSAT answer, "Logged survey answer": the kinds' names, not words."""
    result = runner.invoke(app, ["log", "ACC-7", *args, "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert f"{said} for Globex (ACC-7)." in result.output


def _log(db: Path, typed: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["log", typed, "--kind", "note", "--summary", "x", "--db", str(db)])
    return result.exit_code, result.stdout, result.stderr


def _logged_for(db: Path) -> list[str]:
    """The external ids of the accounts the book's interactions are logged for."""
    with closing(sqlite3.connect(db)) as connection:
        rows = connection.execute(
            "SELECT a.external_id FROM interaction i JOIN account a ON a.id = i.account_id"
            " ORDER BY i.id"
        ).fetchall()
    return [external_id for (external_id,) in rows]


def test_an_external_id_typed_in_another_case_is_taken_when_one_fits(db: Path) -> None:
    """'cxtui log acc-7' said 'no account with external id "acc-7"' of the book's
    ACC-7: it is logged for it, saying so."""
    code, out, err = _log(db, "acc-7")
    assert code == 0, err
    assert err == 'cxtui: "acc-7" read as the external id ACC-7\n'
    assert out.startswith("Logged note #1 for Globex (ACC-7).")
    assert _logged_for(db) == ["ACC-7"]


def test_a_name_typed_is_answered_with_the_external_id_to_type(db: Path) -> None:
    code, _out, err = _log(db, "globex")
    assert code == 2
    assert err == (
        'cxtui: no account with external id "globex"; the account named "Globex" has the'
        " external id ACC-7: type that\n"
    )
    assert _logged_for(db) == []


def test_several_accounts_that_fit_are_named_and_none_is_taken(db: Path) -> None:
    with engine_on(db) as engine, Session(engine) as session:
        new_account(session, "acme-1", name="Acme")
        new_account(session, "ACME-1", name="Acme Labs")
        new_account(session, "G-2", name="Globex ")  # a second Globex, spaced
        session.commit()
    code, _out, err = _log(db, "Acme-1")
    assert code == 2
    assert err == (
        'cxtui: no account with external id "Acme-1"; in another case it is the external id'
        " of ACME-1 (Acme Labs), acme-1 (Acme): type one as the book writes it\n"
    )
    code, _out, err = _log(db, "Globex")
    assert code == 2
    assert err == (
        'cxtui: no account with external id "Globex"; accounts named "Globex": ACC-7'
        " (Globex), G-2 (Globex ): type the external id of one\n"
    )
    assert _log(db, "acme-1")[0] == 0  # as the book writes it: that one
    assert _logged_for(db) == ["acme-1"]
