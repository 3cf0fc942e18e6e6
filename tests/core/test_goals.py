"""Goals: progress for every target type and direction, status, check-ins,
metric-linked values, and optimistic concurrency."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core import models as m
from core.goals import (
    GoalConflict,
    GoalError,
    check_in,
    checkin_history,
    create_goal,
    get_goal,
    list_goals,
    progress_pct,
    record_metric_values,
    status_of,
    step,
    toggle_done,
    toggle_task,
    validate_goal,
)
from core.store.locks import begin_writing
from tests.core.conftest import second_user
from tests.rows import goal_form, new_account

TODAY = date(2026, 11, 23)  # within goal_form's quarter


def goal(**fields: object) -> m.Goal:
    return validate_goal(goal_form(**fields))


@pytest.mark.parametrize(
    ("fields", "current", "expected"),
    [
        ({"target": "10", "start": "0"}, "5", 50.0),
        ({"target": "10", "start": "0"}, "12", 100.0),  # overshoot
        ({"target": "10", "start": "0"}, "-3", 0.0),  # the wrong way
        ({"target": "10", "start": "4"}, "4", 0.0),  # start equals current
        ({"target": "3", "start": "5", "direction": "lower", "target_type": "percent"}, "4", 50.0),
        ({"target": "3", "start": "5", "direction": "lower", "target_type": "percent"}, "2", 100.0),
        ({"target": "3", "start": "5", "direction": "lower", "target_type": "percent"}, "6", 0.0),
        ({"target": "$20,000", "start": "$5,000", "target_type": "currency"}, "8000", 20.0),
        ({"target_type": "done", "target": ""}, "1", 100.0),
        ({"target_type": "done", "target": ""}, "0", 0.0),
    ],
)
def test_progress(fields: dict, current: str, expected: float) -> None:
    assert progress_pct(goal(**fields), Decimal(current)) == pytest.approx(expected)


def test_a_negative_amount_reads_minus_dollars() -> None:
    """A check-in of -$500 on a currency goal showed "$-500.00 / $5,000.00"."""
    from core.goals import format_value

    assert format_value("currency", Decimal("-500")) == "-$500.00"
    assert format_value("currency", Decimal("-1234567.5")) == "-$1,234,567.50"
    assert format_value("currency", Decimal("20000")) == "$20,000.00"
    with pytest.raises(GoalError, match=r"cannot reach -\$20,000.00"):  # net new MRR can be
        validate_goal(goal_form(target_type="currency", target="-$20,000", metric="net_new_mrr"))


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"metric": "nps", "target": "150"}, "target: NPS runs from -100 to 100: 150 is out"),
        ({"metric": "nps", "start": "-120", "target": "50"}, "start: NPS runs from -100 to 100"),
        (
            {"metric": "csat_pct", "target_type": "percent", "target": "101 %", "start": "80"},
            "target: CSAT runs from 0.0 % to 100.0 %: 101.0 % is out of its range",
        ),
        (
            {"metric": "churn_rate_pct", "target_type": "percent", "target": "3", "start": "120",
             "direction": "lower"},
            "start: Churn rate runs from 0.0 %",
        ),
        # past 100 % but never below 0 %: an NRR of -10 % was taken
        (
            {"metric": "nrr_pct", "target_type": "percent", "start": "-10", "target": "110"},
            "start: NRR, of start MRR runs from 0.0 % up: -10.0 % is out of its range",
        ),
        (
            {"metric": "retention_rate_pct", "target_type": "percent", "start": "-5",
             "target": "90"},
            "start: Retention rate runs from 0.0 % up",
        ),
    ],
)  # fmt: skip
def test_a_metric_goal_out_of_the_metrics_range_is_refused(fields: dict, words: str) -> None:
    """`cxtui goal create "NPS 150" --type number --target 150 --metric nps` made a
    goal that no book could ever reach."""
    with pytest.raises(GoalError, match=words):
        goal(**fields)


def test_a_metric_goal_within_its_range_is_taken() -> None:
    assert goal(metric="nps", start="-100", target="100").target_value == 100
    nrr = goal(metric="nrr_pct", target_type="percent", start="100", target="120")
    assert nrr.target_value == 120  # expansion takes NRR past 100 %
    assert goal(target="150").target_value == 150  # a number of the user's own


def test_a_refused_value_is_quoted_short_and_visible() -> None:
    """A 10,000-character paste in the check-in's value came back whole in the refusal
    under the field (10,000 characters of "not a number"), control characters raw."""
    from core.goals import parse_value

    with pytest.raises(GoalError) as refused:
        parse_value("number", "x" * 10_000)
    assert len(str(refused.value)) < 120 and '…" is not a number;' in str(refused.value)
    with pytest.raises(GoalError, match=r'"\\x1b\[31m5%": a number goal'):
        parse_value("number", "\x1b[31m5%")


def test_progress_of_a_task_list() -> None:
    g = goal(target_type="tasks", tasks=["a", "b", "c", "d"], target="")
    assert progress_pct(g, None, tasks_done=1) == 25.0
    assert progress_pct(g, None, tasks_done=4) == 100.0


@pytest.mark.parametrize(
    ("progress", "today", "status"),
    [
        # Half the time gone (2026-01-01 .. 2026-01-31: day 15 of 30).
        (40.0, date(2026, 1, 16), "on track"),  # 10 points behind: the edge
        (39.9, date(2026, 1, 16), "at risk"),
        (25.0, date(2026, 1, 16), "at risk"),  # 25 behind: the edge
        (24.9, date(2026, 1, 16), "off track"),
        (100.0, date(2026, 1, 16), "achieved"),
        (99.0, date(2026, 1, 31), "on track"),  # due today: not missed yet
        (99.0, date(2026, 2, 1), "missed"),
        (0.0, date(2025, 12, 1), "on track"),  # not started yet
    ],
)
def test_status_at_the_thresholds(progress: float, today: date, status: str) -> None:
    g = goal(start_date="2026-01-01", due_date="2026-01-31")
    assert status_of(g, progress, today) == status


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"target": "0", "start": "0"}, "target", "equals the start"),
        ({"due_date": "2026-09-01"}, "due_date", "not after the start"),
        ({"target_type": "currency", "target": "20%"}, "target", "is a percentage"),
        ({"target_type": "percent", "target": "$3"}, "target", "is an amount"),
        ({"target": "lots"}, "target", "not a number"),
        ({"target": "1,5,0"}, "target", "a comma separates thousands"),  # was 150
        # taken, then every read of the goals failed (OverflowError in the metrics)
        ({"start_date": "0001-01-01"}, "start_date", "out of range: use a date from 1900"),
        ({"target_type": "currency", "target": "$2,00,0"}, "target", "a comma separates"),
        ({"title": " "}, "title", "needs a title"),
        ({"target": "3", "start": "5"}, "direction", "cannot reach"),
        ({"metric": "nps", "target_type": "percent"}, "metric", "not a percent"),
        ({"target_type": "tasks", "target": "", "tasks": []}, "tasks", "at least one task"),
    ],
)
def test_refused_goals_say_why(engine: Engine, fields: dict, field: str, words: str) -> None:
    with pytest.raises(GoalError) as raised:
        create_goal(engine, goal_form(**fields))
    assert raised.value.field == field and words in str(raised.value)
    assert list_goals(engine, TODAY, include_archived=True) == []


def test_check_ins_are_history_and_step(engine: Engine) -> None:
    goal_id = create_goal(engine, goal_form(target="$20,000", target_type="currency", step="500"))
    check_in(engine, goal_id, "$5,000", "Dana", checked_on=TODAY)
    [view] = list_goals(engine, TODAY)
    assert view.current == Decimal("5000") and view.progress == 25.0
    step(engine, view, +1, "Dana", TODAY)
    [view] = list_goals(engine, TODAY)
    assert view.current == Decimal("5500")
    step(engine, view, -1, "Dana", TODAY)
    history = checkin_history(engine, goal_id)
    assert [c.value for c in history] == [Decimal(5000), Decimal(5500), Decimal(5000)]
    assert history[1].comment == "+$500.00"
    [view] = list_goals(engine, TODAY)
    step(engine, view, +3, "Dana", TODAY)  # + + + pressed together: one check-in
    step(engine, view, 0, "Dana", TODAY)  # + then -: nothing to write
    history = checkin_history(engine, goal_id)
    assert (history[-1].value, history[-1].comment, len(history)) == (
        Decimal(6500),
        "+$1,500.00",
        4,
    )


def test_a_goal_is_judged_on_its_value_by_the_due_date(engine: Engine) -> None:
    """A goal due 2026-03-01 and at 0 then said "missed"; a check-in of 5 typed on
    2026-12-07 (the day's default) made it "achieved: the target is reached", nine
    months late. A value after the due date is refused; one by it is taken."""
    from core.goals import form_of, goal_view, update_goal

    goal_id = create_goal(engine, goal_form(start_date="2026-01-01", due_date="2026-03-01"))
    check_in(engine, goal_id, "2", "Dana", date(2026, 2, 1), today=TODAY)
    with pytest.raises(GoalError, match="checked_on: the goal was due on 2026-03-01"):
        check_in(engine, goal_id, "10", "Dana", today=TODAY)
    with pytest.raises(GoalError, match="checked_on: the goal was due on 2026-03-01"):
        check_in(engine, goal_id, "10", "Dana", date(2026, 3, 2), today=TODAY)
    view = goal_view(engine, goal_id, TODAY)
    assert (view.current, view.status) == (2, "missed")
    check_in(engine, goal_id, "10", "Dana", date(2026, 3, 1), today=TODAY)  # the due day
    assert goal_view(engine, goal_id, TODAY).status == "achieved"

    # A due date edited to before a check-in: that check-in no longer counts.
    stored = get_goal(engine, goal_id)
    update_goal(engine, goal_id, replace(form_of(stored, []), due_date="2026-02-15"), 1)
    view = goal_view(engine, goal_id, TODAY)
    assert (view.current, view.status) == (2, "missed")
    assert len(checkin_history(engine, goal_id)) == 2  # history kept

    # A task list that ended: ticking its last task late does not achieve it either.
    qbrs = create_goal(
        engine,
        goal_form(
            start_date="2026-01-01",
            due_date="2026-03-01",
            target_type="tasks",
            target="",
            tasks=["Acme"],
        ),
    )
    view = goal_view(engine, qbrs, TODAY)
    with pytest.raises(GoalError, match="task: the goal was due on 2026-03-01"):
        toggle_task(engine, view.goal, view.tasks[0].id or 0, TODAY)
    assert goal_view(engine, qbrs, TODAY).status == "missed"


def test_concurrent_check_ins_are_both_kept(engine: Engine) -> None:
    """A check-in only adds history: two people checking in on the goal they both
    read are both recorded, and the goal's version (its definition) is unchanged."""
    goal_id = create_goal(engine, goal_form())
    version = get_goal(engine, goal_id).version
    check_in(engine, goal_id, "4", "Dana")
    check_in(engine, goal_id, "6", "Sam")
    assert [c.value for c in checkin_history(engine, goal_id)] == [Decimal(4), Decimal(6)]
    assert get_goal(engine, goal_id).version == version


def test_done_and_task_list_toggles(engine: Engine) -> None:
    done_id = create_goal(engine, goal_form(title="Playbook", target_type="done", target=""))
    tasks_id = create_goal(
        engine, goal_form(title="QBRs", target_type="tasks", target="", tasks=["Acme", "Globex"])
    )
    views = {view.goal.id: view for view in list_goals(engine, TODAY)}
    toggle_done(engine, views[done_id], "Dana", TODAY)
    toggle_task(engine, views[tasks_id].goal, views[tasks_id].tasks[0].id or 0, TODAY)
    views = {view.goal.id: view for view in list_goals(engine, TODAY)}
    assert views[done_id].progress == 100.0 and views[done_id].status == "achieved"
    assert views[tasks_id].progress == 50.0 and views[tasks_id].tasks_done == 1


def test_a_bad_check_in_writes_nothing(engine: Engine) -> None:
    goal_id = create_goal(engine, goal_form(target_type="percent", target="50"))
    with pytest.raises(GoalError, match="is an amount"):
        check_in(engine, goal_id, "$3", "Dana")
    assert checkin_history(engine, goal_id) == []
    assert get_goal(engine, goal_id).version == 1


@pytest.mark.parametrize(
    ("comment", "words"),
    [("a\x00b", "comment: it holds a NUL character"), ("x" * 20_001, "20,001 characters")],
    ids=["nul", "too long"],
)
def test_a_check_in_comment_that_no_column_takes_is_refused(
    engine: Engine, comment: str, words: str
) -> None:
    """As every other text: a NUL byte (which PostgreSQL refuses) or a file pasted by
    mistake. The MCP tool passed a NUL through to the book."""
    goal_id = create_goal(engine, goal_form(target_type="number", target="50"))
    with pytest.raises(GoalError, match=words):
        check_in(engine, goal_id, "3", "Dana", comment=comment)
    assert checkin_history(engine, goal_id) == []


def test_metric_linked_goal_follows_the_metrics_engine(engine: Engine) -> None:
    from core.metrics import Period, Scope, compute_metrics

    with Session(engine) as session:
        account_id = new_account(session, "A", plan="p", mrr_cents=10_000)
        for score in (10, 9, 5):
            session.add(
                m.SurveyResponse(
                    account_id=account_id,
                    kind="nps",
                    score=score,
                    answered_at=datetime(2026, 11, 2, tzinfo=UTC),
                )
            )
        session.commit()
    goal_id = create_goal(
        engine,
        goal_form(title="NPS above 50", metric="nps", target="50", start="0", scope_segment="SMB"),
    )
    [view] = list_goals(engine, TODAY)
    expected = compute_metrics(
        engine, Period(date(2026, 10, 1), date(2026, 12, 31)), Scope(segment="SMB"), as_of=TODAY
    ).nps
    assert expected == pytest.approx(100 * (2 - 1) / 3)
    assert float(view.current or 0) == pytest.approx(expected)
    assert view.progress == pytest.approx(expected / 50 * 100)
    assert record_metric_values(engine, TODAY) == 1
    assert record_metric_values(engine, TODAY) == 0  # same day: the first value is kept
    history = checkin_history(engine, goal_id)
    assert len(history) == 1 and history[0].computed
    assert float(history[0].value) == pytest.approx(expected)
    with pytest.raises(GoalError, match="follows the metric"):
        check_in(engine, goal_id, "60", "Dana")


def test_a_goal_on_a_metric_without_data_says_so(engine: Engine) -> None:
    """No survey answer in the book: the NPS goal's value is none, no progress is
    counted, and its reason says there is no data rather than a line not kept."""
    create_goal(engine, goal_form(title="NPS above 50", metric="nps", target="50", start="0"))
    [view] = list_goals(engine, TODAY)
    assert view.current is None and view.progress == 0.0
    assert view.why.startswith(f"{view.status}: no data for its metric yet")
    assert "not kept" not in view.why


def test_the_demo_books_goals_are_valid_goals(engine: Engine) -> None:
    from core.goals import LINKABLE_METRICS
    from sample_data import load_demo
    from sample_data.generator import DEMO_ANCHOR

    load_demo(engine, as_of=DEMO_ANCHOR)
    views = list_goals(engine, DEMO_ANCHOR)
    assert len(views) == 6
    for view in views:
        if view.goal.metric:
            assert LINKABLE_METRICS[view.goal.metric] == view.goal.target_type
        assert 0 <= view.progress <= 100
        assert view.status in ("on track", "at risk", "off track", "achieved")
    by_title = {view.goal.title: view for view in views}
    assert by_title["Grow Mid-market expansion pipeline"].current == Decimal(2100)
    assert by_title["Launch the customer advisory board"].status == "achieved"
    assert len(by_title["QBR with every top-20 account"].tasks) == 20


def test_an_edit_leaves_a_goals_kept_title_and_dates_unjudged(engine: Engine) -> None:
    """`cxtui demo` on 2026-12-07 shifts the book's dates by a week: 'Churn below 3 %
    this quarter' runs 2026-10-08..2027-01-07. e then ctrl+s, changing nothing (or only
    the owner), was refused: 'the title says "this quarter": run it from 2026-10-01 to
    2026-12-31'. So was every goal stored before that rule. A changed title or date is
    still judged."""
    from core.goals import form_of, update_goal
    from sample_data import load_demo
    from sample_data.book import DEMO_ANCHOR

    load_demo(engine, as_of=date(2026, 12, 7))
    goal = next(v.goal for v in list_goals(engine, TODAY) if v.goal.title.endswith("quarter"))
    # the demo's goals run over the anchor's calendar quarter (Q4), moved with the book
    # to end on the day it is loaded: no calendar quarter any more
    shift = date(2026, 12, 7) - DEMO_ANCHOR
    assert DEMO_ANCHOR.month > 9 and shift.days > 0
    quarter = (date(DEMO_ANCHOR.year, 10, 1), date(DEMO_ANCHOR.year, 12, 31))
    assert (goal.start_date, goal.due_date) == (quarter[0] + shift, quarter[1] + shift)
    update_goal(engine, goal.id or 0, replace(form_of(goal, []), owner="Priya Raman"), 1)
    assert get_goal(engine, goal.id or 0).owner == "Priya Raman"
    retitled = replace(form_of(goal, []), title=f"{goal.title}!")
    with pytest.raises(GoalError, match='the title says "this quarter"'):
        update_goal(engine, goal.id or 0, retitled, 2)


def test_an_edit_is_a_new_version_that_keeps_check_ins_and_done_tasks(engine: Engine) -> None:
    from core.goals import form_of, update_goal

    goal_id = create_goal(engine, goal_form(target="$20,000", target_type="currency", step="500"))
    check_in(engine, goal_id, "$5,000", "Dana", checked_on=TODAY)
    stored = get_goal(engine, goal_id)
    edited = form_of(stored, [])
    assert (edited.target, edited.start, edited.step) == ("20000", "0", "500")
    edited.title, edited.target = "Expansion", "$10,000"
    update_goal(engine, goal_id, edited, stored.version)
    [view] = list_goals(engine, TODAY)
    assert view.goal.title == "Expansion" and view.goal.version == stored.version + 1
    assert view.current == Decimal(5000) and view.progress == 50.0
    assert [c.value for c in checkin_history(engine, goal_id)] == [Decimal(5000)]
    with pytest.raises(GoalConflict, match="changed by someone else"):
        update_goal(engine, goal_id, form_of(stored, []), stored.version)
    assert get_goal(engine, goal_id).title == "Expansion"

    tasks_id = create_goal(
        engine, goal_form(title="QBRs", target_type="tasks", target="", tasks=["Acme", "Globex"])
    )
    view = next(v for v in list_goals(engine, TODAY) if v.goal.id == tasks_id)
    toggle_task(engine, view.goal, view.tasks[0].id or 0, TODAY)
    goal_now = get_goal(engine, tasks_id)
    edited = form_of(goal_now, view.tasks)
    edited.tasks = ["Acme", "Hooli", "Initech"]
    update_goal(engine, tasks_id, edited, goal_now.version)
    view = next(v for v in list_goals(engine, TODAY) if v.goal.id == tasks_id)
    assert [(t.title, t.done_at is not None) for t in view.tasks] == [
        ("Acme", True),
        ("Hooli", False),
        ("Initech", False),
    ]
    assert view.goal.target_value == 3 and view.tasks_done == 1


def test_an_edit_is_refused_in_words_and_writes_nothing(engine: Engine) -> None:
    from core.goals import form_of, update_goal

    goal_id = create_goal(engine, goal_form())
    check_in(engine, goal_id, "4", "Dana")
    stored = get_goal(engine, goal_id)
    edited = form_of(stored, [])
    edited.due_date = "2026-09-01"
    with pytest.raises(GoalError, match="not after the start"):
        update_goal(engine, goal_id, edited, stored.version)
    edited = form_of(stored, [])
    edited.target_type, edited.target = "percent", "50"
    with pytest.raises(GoalError, match="stays number: the goal has 1 check-ins"):
        update_goal(engine, goal_id, edited, stored.version)
    assert get_goal(engine, goal_id).version == stored.version
    with pytest.raises(GoalError, match='"Acme" is listed twice'):
        create_goal(engine, goal_form(target_type="tasks", target="", tasks=["Acme", "Acme "]))


def test_goals_in_scope_of_an_accounts_segment_or_owner(engine: Engine) -> None:
    from core.goals import archive, goals_in_scope

    with Session(engine) as session:
        new_account(session, "A")  # SMB, Dana's
        new_account(session, "B", segment="Enterprise", owner="Sam")
        session.commit()
    create_goal(engine, goal_form(title="Whole book"))
    create_goal(engine, goal_form(title="SMB", scope_segment="SMB"))
    create_goal(engine, goal_form(title="Dana", scope_owner="Dana"))
    create_goal(engine, goal_form(title="Dana in SMB", scope_segment="SMB", scope_owner="Dana"))
    create_goal(engine, goal_form(title="Sam", scope_owner="Sam"))
    gone = create_goal(engine, goal_form(title="Archived SMB", scope_segment="SMB"))
    archive(engine, get_goal(engine, gone))

    def titles(segment: str | None, owner: str | None) -> set[str]:
        return {view.goal.title for view in goals_in_scope(engine, TODAY, segment, owner)}

    assert titles("SMB", "Dana") == {"SMB", "Dana", "Dana in SMB"}
    assert titles("SMB", "Sam") == {"SMB", "Sam"}
    assert titles("Enterprise", "Dana") == {"Dana"}
    assert titles("Enterprise", None) == set()


def test_a_goals_scope_is_spelled_as_the_book_spells_it(engine: Engine) -> None:
    """`cxtui goal create ... --metric churn_rate_pct --segment smb` (or "SMBB" in the
    app's form) was stored as typed: the metric, read for segment "smb", had no data
    for ever ("no data for its metric yet") and no SMB account's 360 showed the goal."""
    from core.goals import form_of, goals_in_scope, update_goal

    with Session(engine) as session:
        new_account(session, "A", mrr_cents=10_000)  # SMB, Dana's
        session.commit()
    lower = {"target_type": "percent", "target": "3", "start": "5", "direction": "lower"}
    churn = goal_form(title="Churn", metric="churn_rate_pct", **lower)
    goal_id = create_goal(engine, replace(churn, scope_segment="smb", scope_owner=" dana "))
    stored = get_goal(engine, goal_id)
    assert (stored.scope_segment, stored.scope_owner) == ("SMB", "Dana")
    [view] = list_goals(engine, TODAY)
    assert view.current == 0 and "no data" not in view.why
    assert [v.goal.id for v in goals_in_scope(engine, TODAY, "SMB", "Dana")] == [goal_id]

    for field, typed in (("scope_segment", "SMBB"), ("scope_owner", "Dan")):
        with pytest.raises(GoalError, match=f"{field}: there is no .* the .*s are: "):
            create_goal(engine, replace(churn, **{field: typed}))
        edited = replace(form_of(stored, []), **{field: typed})
        with pytest.raises(GoalError, match=field):
            update_goal(engine, goal_id, edited, stored.version)
    assert len(list_goals(engine, TODAY)) == 1 and get_goal(engine, goal_id).version == 1


def test_goal_filter_mine_team_status_and_archived(engine: Engine) -> None:
    from core.goals import GoalFilter, archive, goal_view

    with Session(engine) as session:
        new_account(session, "A")  # SMB, Dana's
        session.commit()
    mine = create_goal(engine, goal_form(title="Mine", owner="Dana"))
    scoped = create_goal(engine, goal_form(title="My book", owner="team", scope_owner="Dana"))
    team = create_goal(engine, goal_form(title="Team", owner="team", scope_segment="SMB"))
    gone = create_goal(engine, goal_form(title="Gone", owner="Dana"))
    archive(engine, get_goal(engine, gone))
    check_in(engine, team, "9", "Sam", TODAY)
    views = [goal_view(engine, goal_id, TODAY) for goal_id in (mine, scoped, team, gone)]

    def titles(where: GoalFilter, user: str | None = "Dana") -> list[str]:
        return [view.goal.title for view in views if where.matches(view, user)]

    assert titles(GoalFilter()) == ["Mine", "My book", "Team"]
    assert titles(GoalFilter(who="mine")) == ["Mine", "My book"]
    assert titles(GoalFilter(who="mine"), user=None) == []
    assert titles(GoalFilter(who="team")) == ["Mine", "Team"]
    assert titles(GoalFilter(status="on track")) == ["Team"]
    assert titles(GoalFilter(archived=True)) == ["Gone"]
    with pytest.raises(GoalError, match="no goal #999"):
        goal_view(engine, 999, TODAY)


def test_every_edit_keeps_the_definition_it_replaced(engine: Engine) -> None:
    from core.goals import form_of, goal_edits, update_goal

    goal_id = create_goal(
        engine, goal_form(title="Expansion", target="$20,000", target_type="currency")
    )
    first = get_goal(engine, goal_id)
    edited = form_of(first, [])
    edited.title, edited.target = "Expansion H2", "$25,000"
    update_goal(engine, goal_id, edited, first.version, edited_by="Dana")
    check_in(engine, goal_id, "$5,000", "Sam")
    second = get_goal(engine, goal_id)
    edited = form_of(second, [])
    edited.due_date = "2027-01-31"
    update_goal(engine, goal_id, edited, second.version, edited_by="Sam")
    third = get_goal(engine, goal_id)
    update_goal(engine, goal_id, form_of(third, []), third.version, edited_by="Ann")  # no change

    edits = goal_edits(engine, goal_id)  # check-ins do not version the goal
    assert [(e.version, e.edited_by) for e in edits] == [(1, "Dana"), (2, "Sam")]
    assert edits[0].changes == {
        "title": ("Expansion", "Expansion H2"),
        "target_value": ("20000", "25000"),
    }
    assert edits[1].changes == {"due_date": ("2026-12-31", "2027-01-31")}
    assert edits[0].edited_at <= edits[1].edited_at
    with Session(engine) as session:
        [old, _] = session.exec(
            select(m.GoalRevision)
            .where(m.GoalRevision.goal_id == goal_id)
            .order_by(m.GoalRevision.version)
        ).all()
    assert json.loads(old.definition)["title"] == "Expansion"  # the whole old definition
    assert json.loads(old.definition)["due_date"] == "2026-12-31"
    assert [c.value for c in checkin_history(engine, goal_id)] == [Decimal(5000)]


def test_a_task_lists_edits_keep_its_old_task_titles(engine: Engine) -> None:
    from core.goals import form_of, goal_edits, update_goal

    goal_id = create_goal(
        engine, goal_form(target_type="tasks", target="", tasks=["Acme", "Globex"])
    )
    stored = get_goal(engine, goal_id)
    edited = form_of(stored, [])
    edited.tasks = ["Acme", "Hooli"]
    update_goal(engine, goal_id, edited, stored.version, edited_by="Dana")
    [edit] = goal_edits(engine, goal_id)
    assert edit.changes == {"tasks": (["Acme", "Globex"], ["Acme", "Hooli"])}


def test_one_computed_value_per_goal_and_day_in_the_schema(engine: Engine) -> None:
    goal_id = create_goal(engine, goal_form())
    with Session(engine) as session:
        for comment in ("morning", "evening"):  # people check in as often as they like
            session.add(
                m.GoalCheckin(goal_id=goal_id, value=Decimal(3), checked_on=TODAY, comment=comment)
            )
        session.add(
            m.GoalCheckin(goal_id=goal_id, value=Decimal(4), checked_on=TODAY, computed=True)
        )
        session.commit()
    with Session(engine) as session:
        session.add(
            m.GoalCheckin(goal_id=goal_id, value=Decimal(5), checked_on=TODAY, computed=True)
        )
        with pytest.raises(IntegrityError):
            session.commit()
    assert len(checkin_history(engine, goal_id)) == 3


def test_a_line_to_keep_is_never_achieved_before_its_period_ends() -> None:
    from core.goals.progress import status_of, status_reason
    from core.models import Goal

    start, due = date(2026, 10, 1), date(2026, 12, 31)
    line = Goal(
        title="Churn below 2 %", owner="team", start_date=start, due_date=due,
        target_type="percent", start_value=Decimal(4), target_value=Decimal(2),
        direction="lower", metric="churn_rate_pct",
    )  # fmt: skip
    assert status_of(line, 100.0, start) == "on track"  # kept on day one: not yet achieved
    assert "it counts on 2026-12-31" in status_reason(line, "on track", 100.0, start)
    assert status_of(line, 100.0, date(2027, 1, 1)) == "achieved"
    assert status_of(line, 60.0, date(2027, 1, 1)) == "missed"
    reached = Goal(
        title="Expansion", owner="team", start_date=start, due_date=due,
        target_type="currency", start_value=Decimal(0), target_value=Decimal(100),
    )  # fmt: skip
    assert status_of(reached, 100.0, start) == "achieved"  # an amount reached stays reached
    assert status_reason(reached, "at risk", 30.0, date(2026, 11, 15)) == (
        "at risk: 30 % done, 49 % of time gone"
    )


@pytest.mark.parametrize(
    ("title", "start", "due", "refused"),
    [
        ("Churn below 3 % this quarter", "2026-10-01", "2026-12-31", False),
        ("Churn below 3 % this quarter", "2026-11-15", "2027-02-13", True),  # 90 days
        ("Expansion This Month", "2026-11-01", "2026-11-30", False),
        ("Expansion this month", "2026-11-01", "2026-12-31", True),
        ("NPS above 50 this year", "2026-01-01", "2026-12-31", False),
        ("NPS above 50", "2026-11-15", "2027-02-13", False),  # no period named: any dates
    ],
)
def test_a_title_that_names_a_calendar_period_runs_over_it(
    title: str, start: str, due: str, refused: bool
) -> None:
    typed = goal_form(title=title, start_date=start, due_date=due)
    if not refused:
        validate_goal(typed)
        return
    with pytest.raises(GoalError, match="the title says") as raised:
        validate_goal(typed)
    assert raised.value.field == "start_date"


def _checking_in(dana: Session, goal_id: int, value: int) -> None:
    """Dana's check-in, under way in ``dana``: the goal's row locked, the row added."""
    dana.exec(select(m.Goal).where(col(m.Goal.id) == goal_id).with_for_update(key_share=True)).one()
    dana.add(
        m.GoalCheckin(goal_id=goal_id, value=Decimal(value), checked_on=TODAY, checked_by="Dana")
    )
    dana.flush()


def test_two_users_stepping_one_goal_at_once_both_count(engine: Engine) -> None:
    """Sam presses + on a goal at 10 while Dana's + (10 -> 11) is being written:
    Sam's waits, then steps from Dana's 11 to 12. Both stepped from the 10 they read,
    so the goal stood at 11 after two presses and one was lost."""
    from core.goals import goal_view

    goal_id = create_goal(engine, goal_form(target="20", step="1"))
    check_in(engine, goal_id, "10", "Dana", checked_on=TODAY, today=TODAY)
    with Session(engine) as dana:
        begin_writing(dana.connection())
        _checking_in(dana, goal_id, 11)
        sam, outcome = second_user(
            lambda: step(engine, goal_view(engine, goal_id, TODAY), +1, "Sam", TODAY)
        )
        dana.commit()
    sam.join(timeout=10)
    assert [saved.value for saved in outcome] == [12]  # the check-in step wrote
    assert [c.value for c in checkin_history(engine, goal_id)] == [10, 11, 12]
    assert goal_view(engine, goal_id, TODAY).current == 12


def test_a_check_in_while_the_units_are_edited_keeps_the_units(engine: Engine) -> None:
    """Sam edits a number goal into a percent while Dana's first check-in (40) is
    being written: Sam's edit waits, then is refused as when the check-in was there
    (it read no check-in and changed the units under Dana's number)."""
    from core.goals import form_of, update_goal

    goal_id = create_goal(engine, goal_form(target="50"))
    stored = get_goal(engine, goal_id)
    edited = replace(form_of(stored, []), target_type="percent")
    with Session(engine) as dana:
        begin_writing(dana.connection())
        _checking_in(dana, goal_id, 40)
        sam, outcome = second_user(
            lambda: update_goal(engine, goal_id, edited, stored.version, "Sam")
        )
        dana.commit()
    sam.join(timeout=10)
    assert len(outcome) == 1 and isinstance(outcome[0], GoalError), outcome
    assert "stays number: the goal has 1 check-ins" in str(outcome[0])
    assert get_goal(engine, goal_id).target_type == "number"


def test_a_goal_archived_meanwhile_takes_no_check_in(engine: Engine) -> None:
    """Sam's goals screen shows a goal Dana has just archived: his check-in, step
    or tick is refused in words (each was recorded on the archived goal, which
    no list shows, so his value vanished from his screen without a word)."""
    from core.goals import archive, goal_view

    goal_id = create_goal(engine, goal_form(target="20", step="1"))
    sams = goal_view(engine, goal_id, TODAY)
    archive(engine, get_goal(engine, goal_id))
    for attempt in (
        lambda: check_in(engine, goal_id, "12", "Sam", today=TODAY),
        lambda: step(engine, sams, +1, "Sam", TODAY),
    ):
        with pytest.raises(GoalError, match="goal: it was archived on "):
            attempt()
    assert checkin_history(engine, goal_id) == []


def test_a_check_in_before_the_goals_start_is_refused(engine: Engine) -> None:
    """A check-in dated 2026-09-30 on a goal that starts on 2026-10-01 was taken, and
    counted as its current value: the goal had not begun, and its start value says
    where it stood then. Refused in words naming both days; nothing is written."""
    goal_id = create_goal(engine, goal_form(step="1"))
    with pytest.raises(GoalError) as refused:
        check_in(engine, goal_id, "4", "Dana", date(2026, 9, 30), today=TODAY)
    assert refused.value.field == "checked_on"
    assert "2026-09-30 is before the goal's start on 2026-10-01" in str(refused.value)
    assert checkin_history(engine, goal_id) == []
    check_in(engine, goal_id, "4", "Dana", date(2026, 10, 1), today=TODAY)  # its first day


def test_a_goal_not_begun_takes_no_check_in_step_or_tick(engine: Engine) -> None:
    """Today's check-in, a step or a tick on a goal that starts next month."""
    from core.goals import goal_view

    later = {"start_date": "2026-12-01", "due_date": "2027-02-28"}
    number = create_goal(engine, goal_form(step="1", **later))
    done = create_goal(engine, goal_form(title="Playbook", target_type="done", **later))
    for attempt in (
        lambda: check_in(engine, number, "4", "Dana", today=TODAY),
        lambda: step(engine, goal_view(engine, number, TODAY), +1, "Dana", TODAY),
        lambda: toggle_done(engine, goal_view(engine, done, TODAY), "Dana", TODAY),
    ):
        with pytest.raises(GoalError, match="before the goal's start on 2026-12-01"):
            attempt()
    assert checkin_history(engine, number) == checkin_history(engine, done) == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"target": "-$500", "start": "$1,000", "direction": "lower"}, "target"),
        ({"target": "$1,000", "start": "-$500"}, "start"),
        ({"target": "-500", "start": "-1000"}, "start"),
    ],
)
def test_a_negative_amount_on_a_currency_goal_is_refused(
    engine: Engine, fields: dict, field: str
) -> None:
    """An MRR target of -$500 was taken: no amount of MRR is below zero."""
    with pytest.raises(GoalError) as refused:
        create_goal(engine, goal_form(target_type="currency", **fields))
    assert refused.value.field == field and "below zero" in str(refused.value)
    assert list_goals(engine, TODAY, include_archived=True) == []


def test_a_net_change_goal_may_start_below_zero(engine: Engine) -> None:
    """Net new MRR is below zero when more is lost than won: a goal to raise it from
    -$2,000 to $0 is a goal."""
    net = goal(target_type="currency", metric="net_new_mrr", start="-$2,000", target="$0")
    assert (net.start_value, net.target_value) == (-2000, 0)


def test_a_negative_check_in_or_step_on_a_currency_goal_is_refused(engine: Engine) -> None:
    from core.goals import goal_view

    goal_id = create_goal(engine, goal_form(target_type="currency", target="$2,000", step="500"))
    with pytest.raises(GoalError, match=r"value: -\$500.00 is below zero"):
        check_in(engine, goal_id, "-$500", "Dana", today=TODAY)
    with pytest.raises(GoalError, match="below zero"):  # - pressed at $0
        step(engine, goal_view(engine, goal_id, TODAY), -1, "Dana", TODAY)
    assert checkin_history(engine, goal_id) == []


@pytest.mark.parametrize(
    "typed", ["1,5", "1,500", "1.200", "1.234,56", "12,5", "-1,5", "1,2345", "1,234.5", "0,25"]
)
def test_a_goal_reads_numbers_as_a_custom_field_does(typed: str) -> None:
    """ "1,5" was refused ("a comma separates thousands") while a number field of
    the 360 read it as 1.5: one rule for both, and "1,500" is 1500 in both."""
    from core.accounts.fields import NUMBER, parse_field_value
    from core.goals import parse_value

    field = {"type": NUMBER, "label": "n", "choices": None}
    expected = Decimal(parse_field_value(field, typed) or "")
    assert parse_value("number", typed) == expected
    assert parse_value("percent", f"{typed} %") == expected


def test_a_decimal_comma_in_an_amount_or_percentage() -> None:
    from core.goals import parse_value

    assert parse_value("currency", "$1.234,50") == Decimal("1234.50")
    assert parse_value("currency", "$20,00") == Decimal("20")  # cents, as a field reads it
    assert parse_value("currency", "$20,000") == Decimal("20000")
    assert parse_value("percent", "3,5%") == Decimal("3.5")
    with pytest.raises(GoalError, match=r'"1,23,4": a comma separates thousands \(20,000\)'):
        parse_value("number", "1,23,4")


def test_a_start_date_edited_to_after_a_check_in_leaves_it_out(engine: Engine) -> None:
    """A goal from 2026-10-01 checked in at 4 on 2026-10-05, then edited to start on
    2026-10-10, still showed 40 % done, from a value of before it began (as a due date
    edited to before a check-in, that check-in no longer counts; its history is kept)."""
    from core.goals import form_of, goal_view, update_goal

    goal_id = create_goal(engine, goal_form(step="1"))
    check_in(engine, goal_id, "4", "Dana", date(2026, 10, 5), today=TODAY)
    assert goal_view(engine, goal_id, TODAY).progress == 40.0
    stored = get_goal(engine, goal_id)
    update_goal(engine, goal_id, replace(form_of(stored, []), start_date="2026-10-10"), 1)
    view = goal_view(engine, goal_id, TODAY)
    assert (view.current, view.progress) == (0, 0.0)
    step(engine, view, +1, "Dana", TODAY)  # from the start value, not from 4
    assert goal_view(engine, goal_id, TODAY).current == 1
    assert [c.value for c in checkin_history(engine, goal_id)] == [4, 1]


def test_a_target_not_reached_never_reads_100_percent(engine: Engine) -> None:
    """A goal of 1,000 at 999.6 on its due date said "missed: 100 % done by
    2026-12-31": a progress is shown rounded down, so only a reached target reads 100."""
    from core.goals import goal_view
    from core.goals.progress import progress_text

    goal_id = create_goal(engine, goal_form(target="1000"))
    check_in(engine, goal_id, "999.6", "Dana", date(2026, 12, 31), today=date(2027, 1, 5))
    view = goal_view(engine, goal_id, date(2027, 1, 5))
    assert view.why == "missed: 99 % done by 2026-12-31"
    assert [progress_text(p) for p in (99.6, 100.0, 0.4, 29.0)] == ["99", "100", "0", "29"]
    assert progress_text(99.96, 1) == "99.9" and progress_text(100 * 0.29, 1) == "29.0"


def test_a_task_is_ticked_only_while_its_goal_runs(engine: Engine) -> None:
    """Ticking a task was taken on an archived goal (a check-in there is refused) and
    on a goal that had not begun (as a check-in dated before its start is)."""
    from core.goals import archive, goal_view

    def qbrs(**fields: object) -> int:
        return create_goal(
            engine, goal_form(target_type="tasks", target="", tasks=["Acme"], **fields)
        )

    later = qbrs(title="Next", start_date="2026-12-01", due_date="2027-02-28")
    gone = qbrs(title="Gone")
    archive(engine, get_goal(engine, gone))
    for goal_id, words in ((later, "before the goal's start on 2026-12-01"), (gone, "archived")):
        view = goal_view(engine, goal_id, TODAY)
        with pytest.raises(GoalError, match=words):
            toggle_task(engine, view.goal, view.tasks[0].id or 0, TODAY)
        assert goal_view(engine, goal_id, TODAY).tasks_done == 0


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        (
            {"metric": "churn_rate_pct", "target_type": "percent", "start": "2", "target": "3"},
            "direction: Churn rate is better lower: a goal to raise it",
        ),
        (
            {"metric": "nps", "start": "40", "target": "20", "direction": "lower"},
            "direction: NPS is better higher: a goal to lower it",
        ),
    ],
)
def test_a_metric_goal_that_works_against_its_metric_is_refused(fields: dict, words: str) -> None:
    """A churn goal from 2 % to 3 % (raise) was taken: its progress counted a rise of
    churn, and at 1.6 % churn its line "below 3 %" read "not kept"."""
    with pytest.raises(GoalError, match=words):
        goal(**fields)


def test_a_metric_goal_not_begun_has_no_value_yet(engine: Engine) -> None:
    """ "Churn next quarter" (from 2027-01-01) read 0.0 % churn, 100 % done and "the
    line is kept so far" in December, and that 0.0 % was recorded in its history:
    its period had not begun, so there is no value yet, and none is recorded."""
    from core.goals import goal_view

    with Session(engine) as session:
        new_account(session, "A", plan="p", mrr_cents=10_000)
        session.commit()
    churn = {"metric": "churn_rate_pct", "target_type": "percent", "direction": "lower"}
    later = {"start_date": "2027-01-01", "due_date": "2027-03-31"}
    goal_id = create_goal(engine, goal_form(start="5", target="3", **churn, **later))
    now = create_goal(engine, goal_form(title="Now", start="5", target="3", **churn))
    assert goal_view(engine, now, TODAY).current == 0  # the book has a value to give
    view = goal_view(engine, goal_id, TODAY)
    assert (view.current, view.progress) == (None, 0.0)
    assert view.why.startswith("on track: no data for its metric yet")
    record_metric_values(engine, TODAY)
    assert checkin_history(engine, goal_id) == []


def test_a_goals_dates_are_typed_as_every_date_is() -> None:
    """The one grammar of dates (core.dates.parse_day); a due day of +90d counts from
    the goal's first day, a named day from today."""
    from core.goals.form import goal_dates

    today = date(2026, 12, 7)  # a Monday
    assert goal_dates("2027-01-01", "+90d", today) == (date(2027, 1, 1), date(2027, 4, 1))
    assert goal_dates("today", "+2w", today) == (today, date(2026, 12, 21))
    assert goal_dates("tomorrow", "next friday", today) == (date(2026, 12, 8), date(2026, 12, 11))
    with pytest.raises(GoalError, match=r'^due_date: "soon" is not a date; type YYYY-MM-DD'):
        goal_dates("today", "soon", today)


def test_a_rate_goal_starts_from_its_metric_and_is_never_on_track_below_its_line(
    engine: Engine,
) -> None:
    """ "NRR above 105 %" created with its start left at 0 read "on track: the line is
    not kept so far" at NRR 103.9 % (95 % done from 0). Its start is now NRR over the
    quarter before (98.0 %), and below its line it is at risk, in words that say so."""
    from tests.rows import nrr_book

    with Session(engine) as session:
        nrr_book(session, date(2026, 10, 1))
        session.commit()
    nrr = {"metric": "nrr_pct", "target_type": "percent", "target": "105"}
    goal_id = create_goal(engine, goal_form(title="NRR above 105", start="", **nrr))
    typed_zero = create_goal(engine, goal_form(title="From 0", start="0", **nrr))
    assert get_goal(engine, goal_id).start_value == Decimal("98.0")  # 9,800 / 10,000
    views = {view.goal.id: view for view in list_goals(engine, TODAY)}
    view = views[goal_id]
    assert float(view.current or 0) == pytest.approx(100 * 1_018_220 / 980_000)  # 103.9
    assert view.progress == pytest.approx((float(view.current or 0) - 98) / (105 - 98) * 100)
    gone = round(
        100 * (TODAY - date(2026, 10, 1)).days / (date(2026, 12, 31) - date(2026, 10, 1)).days
    )
    assert view.status == "at risk"
    assert view.why == (
        f"at risk: NRR 103.9 % is below the 105.0 % line so far, {gone} % of time gone; "
        "it counts on 2026-12-31"
    )
    assert views[typed_zero].status == "at risk"  # 99 % of the way from 0: still below
    assert views[typed_zero].why.startswith("at risk: NRR 103.9 % is below the 105.0 % line")


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        (
            {"metric": "nrr_pct", "target": "95"},
            "start: NRR was 98.0 % over 2026-07-01 to 2026-09-30, as long before the goal as "
            "it runs: already above the target 95.0 %; type the start value",
        ),
        (
            {"metric": "csat_pct", "target": "90"},
            "start: CSAT has no value over 2026-07-01 to 2026-09-30",
        ),
    ],
)
def test_a_metric_goals_start_it_cannot_read_is_asked_for(
    engine: Engine, fields: dict, words: str
) -> None:
    """A metric goal left without a start whose metric before it is past its target, or
    has no data, is refused naming the start: nothing is written."""
    from tests.rows import nrr_book

    with Session(engine) as session:
        nrr_book(session, date(2026, 10, 1))
        session.commit()
    with pytest.raises(GoalError) as refused:
        create_goal(engine, goal_form(target_type="percent", start="", **fields))
    assert str(refused.value).startswith(words)
    assert list_goals(engine, TODAY, include_archived=True) == []
