"""Playbook rules: each rule's trigger and non-trigger, once per occurrence."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core import models as m
from core.playbook.rules import DEFAULT_RULES, RulesConfig, change_rule, load_rules_config
from core.playbook.runs import run_rules
from tests.core.conftest import second_user
from tests.rows import new_account, new_override

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def only(*names: str) -> RulesConfig:
    settings = {name: dict(values) for name, values in DEFAULT_RULES.items()}
    for name, values in settings.items():
        values["enabled"] = name in names
    return RulesConfig(settings)


def add_account(session: Session, key: str, contacted: bool = True, **fields: object) -> int:
    values: dict[str, object] = {
        "external_id": key,
        "name": f"Account {key}",
        "owner": f"Owner {key}",
        "start_date": date(2024, 1, 1),
        "status": "active",
    }
    account_id = new_account(session, **(values | fields))  # type: ignore[arg-type]
    if not contacted:
        return account_id
    # Recent contact, so that only the rule under test fires.
    session.add(logged(account_id, "hi"))
    return account_id


def logged(
    account_id: int, summary: str, days_ago: int = 1, kind: str = "call", **values: object
) -> m.Interaction:
    """An interaction with ``account_id``, ``days_ago`` days before NOW, logged by x."""
    return m.Interaction(
        account_id=account_id,
        kind=kind,
        occurred_at=NOW - timedelta(days=days_ago),
        logged_by="x",
        summary=summary,
        **values,  # type: ignore[arg-type]
    )


def tasks(engine: Engine) -> list[m.Task]:
    with Session(engine) as session:
        return list(session.exec(select(m.Task).order_by(m.Task.id)).all())


def test_ticket_unresolved_past_48_hours(engine: Engine) -> None:
    with Session(engine) as session:
        a = add_account(session, "A")
        session.add_all(
            [
                m.Ticket(account_id=a, subject="Old", opened_at=NOW - timedelta(hours=49)),
                m.Ticket(account_id=a, subject="Fresh", opened_at=NOW - timedelta(hours=47)),
                m.Ticket(
                    account_id=a,
                    subject="Solved",
                    opened_at=NOW - timedelta(days=5),
                    resolved_at=NOW - timedelta(days=1),
                ),
            ]
        )
        session.commit()
    assert run_rules(engine, TODAY, only("ticket_unresolved"), NOW) == {"ticket_unresolved": 1}
    [task] = tasks(engine)
    assert "Old" in task.title and task.owner == "Owner A"
    assert (task.source, task.rule, task.due_on) == (
        "rule",
        "ticket_unresolved",
        TODAY + timedelta(days=1),
    )


def test_feedback_one_week_after_a_purchase(engine: Engine) -> None:
    with Session(engine) as session:
        a = add_account(session, "A")
        session.add_all(
            [
                m.Purchase(account_id=a, purchased_at=NOW - timedelta(days=8), amount_cents=100),
                m.Purchase(account_id=a, purchased_at=NOW - timedelta(days=3), amount_cents=100),
                m.Purchase(account_id=a, purchased_at=NOW - timedelta(days=90), amount_cents=100),
            ]
        )
        session.commit()
    assert run_rules(engine, TODAY, only("feedback_after_purchase"), NOW) == {
        "feedback_after_purchase": 1
    }


def test_feedback_one_week_after_a_renewal(engine: Engine) -> None:
    with Session(engine) as session:
        add_account(session, "A", renewal_date=date(2027, 11, 13))  # renewed 2026-11-13
        add_account(session, "B", renewal_date=date(2027, 6, 1))  # renewed in June
        add_account(session, "C", renewal_date=date(2026, 11, 13), start_date=date(2026, 1, 5))
        session.commit()
    assert run_rules(engine, TODAY, only("feedback_after_renewal"), NOW) == {
        "feedback_after_renewal": 2
    }
    keys = sorted(task.occurrence_key or "" for task in tasks(engine))
    assert keys[0].endswith(":2026-11-13") and keys[1].endswith(":2026-11-13")


def snapshots(session: Session, account_id: int, bands: dict[int, str]) -> None:
    """Snapshots of ``account_id``, keyed by days before TODAY."""
    for days_ago, band in bands.items():
        day = TODAY - timedelta(days=days_ago)
        session.add(m.HealthSnapshot(account_id=account_id, day=day, score=30, band=band))


def test_health_red_once_per_red_spell(engine: Engine) -> None:
    with Session(engine) as session:
        dropped = add_account(session, "A")
        always_red = add_account(session, "B")
        recovered = add_account(session, "C")
        snapshots(session, dropped, {40: "red", 20: "yellow", 2: "red", 0: "red"})
        snapshots(session, always_red, {300: "red", 0: "red"})
        snapshots(session, recovered, {5: "red", 0: "green"})
        session.commit()
    # The rule meets an account already red (B, red for 300 days) as it meets one
    # that has just dropped (A): one task each, keyed by the day the spell began.
    assert run_rules(engine, TODAY, only("health_red"), NOW) == {"health_red": 2}
    keys = {task.account_id: task.occurrence_key for task in tasks(engine)}
    assert keys == {
        dropped: f"health_red:{dropped}:{TODAY - timedelta(days=2)}",
        always_red: f"health_red:{always_red}:{TODAY - timedelta(days=300)}",
    }
    tomorrow = TODAY + timedelta(days=1)
    assert run_rules(engine, tomorrow, only("health_red"), NOW) == {"health_red": 0}
    # C falls again after recovering: a new spell, a new task; B recovers and falls
    # again within a week: a second task for B.
    with Session(engine) as session:
        session.add(m.HealthSnapshot(account_id=recovered, day=tomorrow, score=3, band="red"))
        session.add(m.HealthSnapshot(account_id=always_red, day=tomorrow, score=60, band="yellow"))
        session.commit()
    assert run_rules(engine, tomorrow, only("health_red"), NOW) == {"health_red": 1}
    later = tomorrow + timedelta(days=1)
    with Session(engine) as session:
        session.add(m.HealthSnapshot(account_id=always_red, day=later, score=3, band="red"))
        session.commit()
    assert run_rules(engine, later, only("health_red"), NOW) == {"health_red": 1}


def test_health_red_follows_the_override_in_force(engine: Engine) -> None:
    with Session(engine) as session:
        overridden_green = add_account(session, "A")
        overridden_red = add_account(session, "B")
        snapshots(session, overridden_green, {0: "red"})
        snapshots(session, overridden_red, {0: "green"})
        for account_id, band in ((overridden_green, "green"), (overridden_red, "red")):
            new_override(session, account_id, TODAY, starts=-3, expires=30, band=band, set_by="x")
        session.commit()
    assert run_rules(engine, TODAY, only("health_red"), NOW) == {"health_red": 1}
    assert tasks(engine)[0].account_id == overridden_red


def nps(session: Session, account_id: int, score: int, days_ago: int) -> None:
    session.add(
        m.SurveyResponse(
            account_id=account_id,
            kind="nps",
            score=score,
            answered_at=NOW - timedelta(days=days_ago, hours=1),
        )
    )


def test_detractor_not_followed_up(engine: Engine) -> None:
    with Session(engine) as session:
        a = add_account(session, "A")  # its call (1 day ago) follows up older answers
        for score in (6, 7, 10):
            nps(session, a, score, days_ago=0)
        nps(session, a, 2, days_ago=3)  # followed up by the call
        b = add_account(session, "B")
        nps(session, b, 0, days_ago=29)  # before the call, but older: followed up
        c = add_account(session, "C", external_id="C")
        nps(session, c, 3, days_ago=31)  # past the 30-day window
        session.add(m.SurveyResponse(account_id=a, kind="csat", score=1, answered_at=NOW))
        session.commit()
    assert run_rules(engine, TODAY, only("detractor"), NOW) == {"detractor": 1}
    task = tasks(engine)[0]
    assert "NPS 6" in task.title and task.account_id == a
    assert task.due_on == TODAY + timedelta(days=7)


def test_a_detractor_met_late_is_due_today(engine: Engine) -> None:
    with Session(engine) as session:
        a = add_account(session, "A")
        session.exec(m.Interaction.__table__.delete())  # type: ignore[attr-defined, call-overload]
        nps(session, a, 4, days_ago=20)
        session.commit()
    assert run_rules(engine, TODAY, only("detractor"), NOW) == {"detractor": 1}
    assert tasks(engine)[0].due_on == TODAY


def test_renewal_without_a_recent_qbr(engine: Engine) -> None:
    renewal = TODAY + timedelta(days=30)
    with Session(engine) as session:
        no_qbr = add_account(session, "A", renewal_date=renewal)
        had_qbr = add_account(session, "B", renewal_date=renewal)
        old_qbr = add_account(session, "C", renewal_date=renewal)
        add_account(session, "D", renewal_date=TODAY + timedelta(days=61))
        for account_id, days_ago in ((had_qbr, 80), (old_qbr, 91)):
            session.add(logged(account_id, "QBR", days_ago, kind="qbr"))
        session.commit()
    assert run_rules(engine, TODAY, only("renewal_no_qbr"), NOW) == {"renewal_no_qbr": 2}
    assert {task.account_id for task in tasks(engine)} == {no_qbr, old_qbr}


def test_no_interaction_for_30_days(engine: Engine) -> None:
    with Session(engine) as session:
        quiet = add_account(session, "A")
        add_account(session, "B")
        add_account(session, "C", status="churned", churned_at=date(2026, 1, 1))
        session.add(logged(quiet, "deleted one does not count", deleted_at=NOW))
        session.commit()
        for interaction in session.exec(
            select(m.Interaction).where(m.Interaction.account_id == quiet)
        ).all():
            if interaction.deleted_at is None:
                interaction.occurred_at = NOW - timedelta(days=31)
        session.commit()
    assert run_rules(engine, TODAY, only("no_interaction"), NOW) == {"no_interaction": 1}
    assert tasks(engine)[0].account_id == quiet


def test_renewal_in_60_days(engine: Engine) -> None:
    with Session(engine) as session:
        add_account(session, "A", renewal_date=TODAY + timedelta(days=60))
        add_account(session, "B", renewal_date=TODAY + timedelta(days=61))
        add_account(session, "C", renewal_date=TODAY - timedelta(days=1))
        session.commit()
    assert run_rules(engine, TODAY, only("renewal_due"), NOW) == {"renewal_due": 1}


def test_running_twice_creates_nothing_new(engine: Engine) -> None:
    with Session(engine) as session:
        a = add_account(session, "A", renewal_date=TODAY + timedelta(days=10))
        session.add(m.Ticket(account_id=a, subject="Old", opened_at=NOW - timedelta(days=3)))
        session.commit()
    first = run_rules(engine, TODAY, load_rules_config(), NOW)
    assert first["renewal_due"] == 1 and first["ticket_unresolved"] == 1
    second = run_rules(engine, TODAY, load_rules_config(), NOW)
    assert set(second.values()) == {0}
    assert len(tasks(engine)) == sum(first.values())


def test_two_processes_at_once_make_one_task_per_occurrence(engine: Engine, db_url: str) -> None:
    with Session(engine) as session:
        for n in range(40):
            add_account(session, f"A{n}", renewal_date=TODAY + timedelta(days=n % 60))
        session.commit()
    script = (
        "import sys\n"
        "from datetime import date\n"
        "from core.store.db import open_engine\n"
        "from core.playbook.runs import run_rules\n"
        "print(sum(run_rules(open_engine(sys.argv[1]), date(2026, 11, 23)).values()))\n"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", script, db_url], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    created = [int(run.communicate(timeout=60)[0].strip()) for run in runs]
    # Each account: one "renewal coming up" and one "no recent QBR" task.
    assert sum(created) == 80
    assert len(tasks(engine)) == 80


def test_a_broken_rule_is_reported_with_its_line_and_the_rest_run(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'theme = "textual-dark"\n'
        "\n"
        "[rules.no_interaction]\n"
        "days = -3\n"
        "\n"
        "[rules.renewal_due]\n"
        "days = 90\n"
        "\n"
        "[rules.bogus]\n"
        "enabled = true\n",
        encoding="utf-8",
    )
    config = load_rules_config(path)
    assert "no_interaction" not in config.enabled()
    assert "renewal_due" in config.enabled() and config.settings["renewal_due"]["days"] == 90
    assert any("line 4: rules.no_interaction.days" in p for p in config.problems)
    assert any("line 9: unknown rule 'bogus'" in p for p in config.problems)


def test_a_setting_out_of_range_is_refused_and_the_rest_run(engine: Engine, tmp_path: Path) -> None:
    """Hours of 10**14 overflowed the date arithmetic of every run (the app's run on
    launch failed, its dry run never finished), and an NPS of 11 is no score: both
    are refused when written and switch their rule off when found in the file."""
    with pytest.raises(ValueError, match="hours must be a whole number from 0 to 87,600"):
        change_rule("ticket_unresolved", {"hours": 10**14}, tmp_path / "config.toml")
    with pytest.raises(ValueError, match="max_score must be a whole number from 0 to 10, not 11"):
        change_rule("detractor", {"max_score": 11}, tmp_path / "config.toml")
    assert not (tmp_path / "config.toml").exists()

    path = tmp_path / "typed.toml"
    path.write_text(
        "[rules.ticket_unresolved]\nhours = 100000000000000\n\n[rules.detractor]\nmax_score = 11\n",
        encoding="utf-8",
    )
    config = load_rules_config(path)
    assert any("line 2: rules.ticket_unresolved.hours" in p for p in config.problems)
    assert any("line 5: rules.detractor.max_score" in p for p in config.problems)
    assert config.enabled() == [
        name for name in DEFAULT_RULES if name not in ("ticket_unresolved", "detractor")
    ]
    with Session(engine) as session:
        add_account(session, "A", renewal_date=TODAY + timedelta(days=10))
        session.commit()
    assert run_rules(engine, TODAY, config, NOW)["renewal_due"] == 1


def test_bad_toml_keeps_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[rules.renewal_due\n", encoding="utf-8")
    config = load_rules_config(path)
    assert config.enabled() == list(DEFAULT_RULES)
    assert "line 1" in config.problems[0]


def test_no_interaction_waits_for_the_records_to_begin(engine: Engine) -> None:
    """A book with no interaction recorded by the cutoff (an accounts list just
    imported) gives its never-contacted accounts no task; once one is recorded, they
    are silent since it, and get one 30 days after it, as the contacted one does."""
    with Session(engine) as session:
        for key in ("Old", "Older"):
            add_account(session, key, contacted=False)
        session.commit()
    assert run_rules(engine, TODAY, only("no_interaction"), NOW) == {"no_interaction": 0}
    first = NOW - timedelta(days=10)  # records begin 10 days ago: not yet 30 silent days
    with Session(engine) as session:
        session.add(
            m.Interaction(
                account_id=1, kind="call", occurred_at=first, logged_by="x", summary="first"
            )
        )
        session.commit()
    assert run_rules(engine, TODAY, only("no_interaction"), NOW) == {"no_interaction": 0}
    later = TODAY + timedelta(days=20)  # 30 days after the first interaction
    made = run_rules(engine, later, only("no_interaction"), NOW + timedelta(days=20))
    assert made == {"no_interaction": 2}
    assert {(task.account_id, task.occurrence_key) for task in tasks(engine)} == {
        (1, f"silent:1:{first.date()}"),
        (2, "silent:2:never"),
    }


def test_no_interaction_never_contacted_and_future_contacts(engine: Engine) -> None:
    with Session(engine) as session:
        never_id = new_account(
            session, "N", name="Never", owner="Owner N", start_date=date(2024, 1, 1)
        )
        new_account(
            session, "R", name="Recent start", owner="Owner R", start_date=TODAY - timedelta(days=5)
        )
        planned = add_account(session, "P")
        for interaction in session.exec(
            select(m.Interaction).where(m.Interaction.account_id == planned)
        ).all():
            interaction.occurred_at = NOW + timedelta(days=3)  # planned, not held yet
        session.add(logged(planned, "last real contact", 40))
        session.commit()
    assert run_rules(engine, TODAY, only("no_interaction"), NOW) == {"no_interaction": 2}
    keys = {(task.account_id, task.occurrence_key) for task in tasks(engine)}
    last_day = (NOW - timedelta(days=40)).date()
    assert keys == {
        (never_id, f"silent:{never_id}:never"),
        (planned, f"silent:{planned}:{last_day}"),
    }


def test_two_runs_at_once_take_the_occurrences_in_one_order(
    engine: Engine, is_postgres: bool
) -> None:
    """Sam's app runs the rules while Dana's run is writing the same ten renewal
    tasks, in the order of their keys (renewal_due:10:... first): Sam's run waits,
    then finds all ten made. Sam's run wrote them in the order it read them (1 to
    10) and each run waited on a task the other had written: a deadlock, and one
    run failed."""
    if not is_postgres:
        pytest.skip("two writers at once: SQLite takes one writer at a time")
    renewal = TODAY + timedelta(days=10)
    with Session(engine) as session:
        ids = [add_account(session, f"A{n}", renewal_date=renewal) for n in range(10)]
        session.commit()
    keys = sorted(f"renewal_due:{account}:{renewal.isoformat()}" for account in ids)

    def task(key: str) -> m.Task:
        account = int(key.split(":")[1])
        return m.Task(
            account_id=account,
            owner="Dana",
            title=key,
            due_on=TODAY,
            source="rule",
            rule="renewal_due",
            occurrence_key=key,
        )

    with Session(engine) as dana:  # Dana's run, under way: its first task written
        dana.add(task(keys[0]))
        dana.flush()
        sam, outcome = second_user(
            lambda: run_rules(engine, TODAY, only("renewal_due"), NOW, "Sam")
        )
        try:
            dana.add_all([task(key) for key in keys[1:]])
            dana.commit()
            outcome.insert(0, "Dana's run done")
        except Exception as error:  # the deadlock, when it falls on Dana's run
            outcome.insert(0, error)
    sam.join(timeout=10)
    assert outcome == ["Dana's run done", {"renewal_due": 0}]
    assert sorted(task.occurrence_key for task in tasks(engine)) == keys
