"""``cxtui goals`` and ``cxtui goal checkin`` on a real SQLite file."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from core.goals import GoalForm, check_in, checkin_history, create_goal
from core.store.db import open_engine, sqlite_url

runner = CliRunner()


def test_checkin_then_list(new_books: Callable[[str], Path]) -> None:
    path = new_books("book.db")
    engine = open_engine(sqlite_url(path))
    today = date.today()
    goal_id = create_goal(
        engine,
        GoalForm(
            title="Expansion MRR",
            owner="team",
            start_date=(today - timedelta(days=10)).isoformat(),
            due_date=(today + timedelta(days=10)).isoformat(),
            target_type="currency",
            target="$20,000",
        ),
    )
    args = ["--db", str(path)]
    result = runner.invoke(
        app, ["goal", "checkin", str(goal_id), "$5,000", "--comment", "Q", *args]
    )
    assert result.exit_code == 0, result.output
    listed = json.loads(runner.invoke(app, ["goals", "--json", *args]).output)
    assert listed[0]["current"] == "5000" and listed[0]["progress_pct"] == 25.0
    assert listed[0]["status"] == "at risk"  # half the time gone, a quarter done: 25 behind
    table = runner.invoke(app, ["goals", *args]).output
    assert "Expansion MRR" in table and "25.0 %" in table

    bad = runner.invoke(app, ["goal", "checkin", str(goal_id), "12%", *args])
    assert bad.exit_code == 2 and 'VALUE: "12%" is a percentage' in bad.output  # not "value:"
    missing = runner.invoke(app, ["goal", "checkin", "999", "1", *args])
    assert missing.exit_code == 2 and "no goal #999" in missing.output
    ahead = runner.invoke(
        app, ["goal", "checkin", str(goal_id), "$6,000", "--on", "tomorrow", *args]
    )
    assert ahead.exit_code == 2 and "--on: " in ahead.output, ahead.output  # not "checked_on:"
    assert "is after today" in ahead.output
    assert len(checkin_history(engine, goal_id)) == 1
    back = runner.invoke(app, ["goal", "checkin", str(goal_id), "$4,000", "--on", "-2d", *args])
    assert back.exit_code == 0, back.output
    history = checkin_history(engine, goal_id)
    assert sorted(c.checked_on for c in history) == [today - timedelta(days=2), today]
    engine.dispose()


def test_create_validates_as_the_form_does(new_books: Callable[[str], Path]) -> None:
    from core.goals import list_goals

    path = new_books("book.db")
    args = ["--db", str(path)]
    made = runner.invoke(
        app,
        ["goal", "create", "Expansion", "--type", "currency", "--target", "$50,000",
         "--step", "1000", "--due", "+12w", *args],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    listed = runner.invoke(
        app,
        ["goal", "create", "Launch kit", "--type", "tasks", "--task", "Deck", "--task", "Email",
         "--owner", "team", *args],
    )  # fmt: skip
    assert listed.exit_code == 0, listed.output
    for bad, words in (
        (["--type", "percentage", "--target", "3"], "--type: must be one of number"),
        (["--type", "number", "--target", "5", "--due", "yesterday"], "--due: "),
        (["--type", "number", "--target", "0"], "--target: equals the start value"),
        (["--type", "tasks"], "--task: a task-list goal needs at least one task"),
        (["--type", "number", "--target", "5", "--segment", "smb"], "--segment: there is no"),
        (["--type", "number", "--target", "5", "--title", "x"], "No such option: --title"),
    ):
        refused = runner.invoke(app, ["goal", "create", "Bad", *bad, *args])
        assert refused.exit_code == 2 and words in refused.output, refused.output
    since = (date.today() - timedelta(days=30)).isoformat()
    for due, day in (("today", date.today()), ("+10d", date.today() - timedelta(days=20))):
        made = runner.invoke(
            app,
            [
                "goal",
                "create",
                f"Due {due}",
                "--type",
                "done",
                "--from",
                since,
                "--due",
                due,
                *args,
            ],
        )
        assert made.exit_code == 0 and f"due {day.isoformat()}." in made.output, made.output
    long = runner.invoke(app, ["goal", "create", "x" * 10_000, "--type", "done", *args])
    assert long.exit_code == 2 and "TITLE: 10,000 characters; at most 200" in long.output
    engine = open_engine(sqlite_url(path))
    views = {view.goal.title: view for view in list_goals(engine, date.today())}
    engine.dispose()
    assert sorted(views) == ["Due +10d", "Due today", "Expansion", "Launch kit"]
    expansion = views["Expansion"].goal
    assert (expansion.target_value, expansion.step, expansion.owner) == (50000, 1000, "Test User")
    assert expansion.due_date == date.today() + timedelta(weeks=12)
    assert views["Launch kit"].goal.owner == "team" and views["Launch kit"].goal.target_value == 2


def test_the_list_says_which_goals_are_archived_or_ended(new_books: Callable[[str], Path]) -> None:
    """`cxtui goals --archived` listed an archived goal as "(31 days left, ...)", like
    the live ones, and an ended goal as "(-281 days left, ...)"."""
    from core.goals import archive, get_goal

    path = new_books("book.db")
    engine = open_engine(sqlite_url(path))
    today = date.today()

    def made(title: str, first: date, due: date) -> int:
        form = GoalForm(
            title=title,
            owner="team",
            start_date=first.isoformat(),
            due_date=due.isoformat(),
            target_type="number",
            target="10",
        )
        return create_goal(engine, form)

    live = made("Live", today - timedelta(days=5), today + timedelta(days=31))
    check_in(engine, live, "9.9", "Dana")  # 99 %: one cell short of the full bar
    made("Ended", today - timedelta(days=60), today - timedelta(days=2))
    gone = made("Gone", today - timedelta(days=5), today + timedelta(days=31))
    archive(engine, get_goal(engine, gone))
    engine.dispose()
    listed = runner.invoke(app, ["goals", "--archived", "--db", str(path)]).output
    lines = {line.split()[1]: line for line in listed.splitlines() if line.startswith("#")}
    assert "(31 days left, team)" in lines["Live"]
    assert f"{'█' * 19}░  99.0 %" in lines["Live"]  # it was drawn full
    assert "(ended 2 days ago, team)" in lines["Ended"]
    assert "(archived, team)" in lines["Gone"]


def _goal(path: Path, start: date, **fields: str) -> int:
    """A currency goal of the team's, from ``start`` to 30 days after it."""
    engine = open_engine(sqlite_url(path))
    form = GoalForm(
        title="Expansion MRR",
        owner="team",
        start_date=start.isoformat(),
        due_date=(start + timedelta(days=30)).isoformat(),
        target_type="currency",
        target="$20,000",
        **fields,
    )
    goal_id = create_goal(engine, form)
    engine.dispose()
    return goal_id


def _history(path: Path, goal_id: int) -> list:
    engine = open_engine(sqlite_url(path))
    try:
        return checkin_history(engine, goal_id)
    finally:
        engine.dispose()


def test_a_check_in_before_the_goals_start_is_refused(new_books: Callable[[str], Path]) -> None:
    """`cxtui goal checkin 1 5000 --on -10d` on a goal begun 2 days ago was taken."""
    path = new_books("book.db")
    start = date.today() - timedelta(days=2)
    goal_id = _goal(path, start)
    early = (start - timedelta(days=1)).isoformat()
    result = runner.invoke(
        app, ["goal", "checkin", str(goal_id), "5000", "--on", early, "--db", str(path)]
    )
    assert result.exit_code == 2, result.output
    assert f"--on: {early} is before the goal's start on {start.isoformat()}" in result.output
    assert _history(path, goal_id) == []


def test_a_negative_amount_is_refused_on_a_currency_goal(new_books: Callable[[str], Path]) -> None:
    """`cxtui goal create MRR --type currency --target -500` made an MRR goal of -$500."""
    path = new_books("book.db")
    args = ["--db", str(path)]
    made = runner.invoke(
        app, ["goal", "create", "MRR", "--type", "currency", "--target", "-500", *args]
    )
    assert made.exit_code == 2 and "--target: -$500.00 is below zero" in made.output, made.output
    goal_id = _goal(path, date.today() - timedelta(days=2))
    checked = runner.invoke(app, ["goal", "checkin", *args, "--", str(goal_id), "-$500"])
    assert checked.exit_code == 2 and "VALUE: -$500.00 is below zero" in checked.output
    assert _history(path, goal_id) == []
    listed = json.loads(runner.invoke(app, ["goals", "--json", *args]).output)
    assert [goal["title"] for goal in listed] == ["Expansion MRR"]


def test_a_decimal_comma_is_read_as_a_custom_field_reads_it(
    new_books: Callable[[str], Path],
) -> None:
    """`cxtui goal checkin 1 "1.234,50"` was refused ("a comma separates thousands")
    while the 360's number fields take it; "$1,500" stays fifteen hundred dollars."""
    path = new_books("book.db")
    goal_id = _goal(path, date.today() - timedelta(days=2))
    args = ["--db", str(path)]
    for typed in ("1.234,50", "$1,500"):
        result = runner.invoke(app, ["goal", "checkin", str(goal_id), typed, *args])
        assert result.exit_code == 0, result.output
    assert [c.value for c in _history(path, goal_id)] == [Decimal("1234.50"), Decimal(1500)]


def test_a_target_not_reached_never_lists_as_100_percent(new_books: Callable[[str], Path]) -> None:
    """A goal of $20,000 at $19,999 was listed "100.0 %" beside "on track"."""
    path = new_books("book.db")
    goal_id = _goal(path, date.today() - timedelta(days=2))
    args = ["--db", str(path)]
    assert runner.invoke(app, ["goal", "checkin", str(goal_id), "$19,999", *args]).exit_code == 0
    listed = runner.invoke(app, ["goals", *args]).output
    assert " 99.9 %  on track" in listed and "on track: 99 % done" in listed, listed


def test_a_goal_to_raise_churn_is_refused(new_books: Callable[[str], Path]) -> None:
    """`cxtui goal create Churn --type percent --metric churn_rate_pct --start 2
    --target 3` made a goal whose progress was churn going up."""
    path = new_books("book.db")
    churn = ["--type", "percent", "--metric", "churn_rate_pct", "--start", "2", "--target", "3"]
    made = runner.invoke(app, ["goal", "create", "Churn", *churn, "--db", str(path)])
    assert made.exit_code == 2 and "--lower: Churn rate is better lower" in made.output


def test_an_option_the_goal_has_no_use_for_is_refused(new_books: Callable[[str], Path]) -> None:
    """`cxtui goal create Kit --type done --target 5` made a done goal and dropped the
    5 without a word; so were a task list's --start, a number goal's --task."""
    path = new_books("book.db")
    for options, words in (
        (["--type", "done", "--target", "5"], "--target: a goal of --type done takes no"),
        (["--type", "tasks", "--task", "a", "--start", "2"], "--start: a goal of --type tasks"),
        (["--type", "number", "--target", "5", "--task", "a"], "--task: a goal of --type number"),
        (["--type", "done", "--lower"], "--lower: a goal of --type done"),
    ):
        made = runner.invoke(app, ["goal", "create", "Kit", *options, "--db", str(path)])
        assert made.exit_code == 2 and words in made.output, (options, made.output)
    made = runner.invoke(app, ["goal", "create", "Kit", "--type", "done", "--db", str(path)])
    assert made.exit_code == 0, made.output


def test_a_rate_goal_starts_from_its_metric_and_says_so(new_books: Callable[[str], Path]) -> None:
    """`cxtui goal create "NRR above 105" --type percent --metric nrr_pct --target 105`
    started from 0 unsaid (95 % done at NRR 100 %). It starts from NRR over the quarter
    before (98.0 %: 9,800 / 10,000, the book's rows by hand) and says so."""
    from sqlmodel import Session

    from tests.rows import engine_on, nrr_book

    path = new_books("book.db")
    with engine_on(path) as engine, Session(engine) as session:
        nrr_book(session, date(2025, 10, 1))
        session.commit()
    nrr = ["--type", "percent", "--metric", "nrr_pct", "--target", "105"]
    dates = ["--from", "2025-10-01", "--due", "2025-12-31", "--db", str(path)]
    made = runner.invoke(app, ["goal", "create", "NRR above 105", *nrr, *dates])
    assert made.exit_code == 0, made.output
    assert made.output == (
        'Created goal #1 "NRR above 105", due 2025-12-31; its start, 98.0 %, is NRR over '
        "2025-07-01 to 2025-09-30, as long before the goal as it runs (--start sets another).\n"
    )
    [listed] = json.loads(runner.invoke(app, ["goals", "--json", "--db", str(path)]).output)
    assert Decimal(listed["start"]) == Decimal("98.0")
    past = ["--target", "95", *dates]
    refused = runner.invoke(app, ["goal", "create", "NRR 95", *nrr[:4], *past])
    assert refused.exit_code == 2
    assert "--start: NRR was 98.0 % over 2025-07-01 to 2025-09-30" in refused.output
