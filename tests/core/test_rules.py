"""Playbook rules: each rule's trigger and non-trigger, once per occurrence."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from core import models as m
from core.playbook.rules import DEFAULT_RULES, RulesConfig, load_rules_config, run_rules

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def only(*names: str) -> RulesConfig:
    settings = {name: dict(values) for name, values in DEFAULT_RULES.items()}
    for name, values in settings.items():
        values["enabled"] = name in names
    return RulesConfig(settings)


def add_account(session: Session, key: str, **fields: object) -> int:
    values: dict[str, object] = {
        "external_id": key,
        "name": f"Account {key}",
        "segment": "SMB",
        "plan": "Starter",
        "owner": f"Owner {key}",
        "start_date": date(2024, 1, 1),
        "status": "active",
    }
    values.update(fields)
    account = m.Account(**values)  # type: ignore[arg-type]
    session.add(account)
    session.flush()
    assert account.id is not None
    # Recent contact, so that only the rule under test fires.
    session.add(
        m.Interaction(
            account_id=account.id,
            kind="call",
            occurred_at=NOW - timedelta(days=1),
            logged_by="x",
            summary="hi",
        )
    )
    return account.id


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


def test_health_dropped_to_red(engine: Engine) -> None:
    with Session(engine) as session:
        dropped = add_account(session, "A")
        always_red = add_account(session, "B")
        for day, band in ((TODAY - timedelta(days=2), "yellow"), (TODAY, "red")):
            session.add(m.HealthSnapshot(account_id=dropped, day=day, score=30, band=band))
        for day in (TODAY - timedelta(days=2), TODAY):
            session.add(m.HealthSnapshot(account_id=always_red, day=day, score=20, band="red"))
        session.commit()
    assert run_rules(engine, TODAY, only("health_red"), NOW) == {"health_red": 1}
    assert tasks(engine)[0].account_id == dropped


def test_detractor_answer(engine: Engine) -> None:
    with Session(engine) as session:
        a = add_account(session, "A")
        for score in (6, 7, 10):
            session.add(
                m.SurveyResponse(
                    account_id=a, kind="nps", score=score, answered_at=NOW - timedelta(days=1)
                )
            )
        session.add(m.SurveyResponse(account_id=a, kind="csat", score=1, answered_at=NOW))
        session.commit()
    assert run_rules(engine, TODAY, only("detractor"), NOW) == {"detractor": 1}
    assert "NPS 6" in tasks(engine)[0].title


def test_no_interaction_for_30_days(engine: Engine) -> None:
    with Session(engine) as session:
        quiet = add_account(session, "A")
        add_account(session, "B")
        add_account(session, "C", status="churned", churned_at=date(2026, 1, 1))
        session.add(
            m.Interaction(
                account_id=quiet,
                kind="call",
                occurred_at=NOW - timedelta(days=1),
                logged_by="x",
                summary="deleted one does not count",
                deleted_at=NOW,
            )
        )
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
        "from core.playbook.rules import run_rules, load_rules_config\n"
        "print(sum(run_rules(open_engine(sys.argv[1]), date(2026, 11, 23)).values()))\n"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", script, db_url], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    created = [int(run.communicate(timeout=60)[0].strip()) for run in runs]
    assert sum(created) == 40
    assert len(tasks(engine)) == 40


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


def test_bad_toml_keeps_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[rules.renewal_due\n", encoding="utf-8")
    config = load_rules_config(path)
    assert config.enabled() == list(DEFAULT_RULES)
    assert "line 1" in config.problems[0]


def test_no_interaction_never_contacted_and_future_contacts(engine: Engine) -> None:
    with Session(engine) as session:
        never = m.Account(
            external_id="N",
            name="Never",
            segment="SMB",
            plan="Starter",
            owner="Owner N",
            start_date=date(2024, 1, 1),
        )
        new = m.Account(
            external_id="R",
            name="Recent start",
            segment="SMB",
            plan="Starter",
            owner="Owner R",
            start_date=TODAY - timedelta(days=5),
        )
        session.add_all([never, new])
        planned = add_account(session, "P")
        for interaction in session.exec(
            select(m.Interaction).where(m.Interaction.account_id == planned)
        ).all():
            interaction.occurred_at = NOW + timedelta(days=3)  # planned, not held yet
        session.add(
            m.Interaction(
                account_id=planned,
                kind="call",
                occurred_at=NOW - timedelta(days=40),
                logged_by="x",
                summary="last real contact",
            )
        )
        session.commit()
        never_id = never.id
    assert run_rules(engine, TODAY, only("no_interaction"), NOW) == {"no_interaction": 2}
    keys = {(task.account_id, task.occurrence_key) for task in tasks(engine)}
    last_day = (NOW - timedelta(days=40)).date()
    assert keys == {
        (never_id, f"silent:{never_id}:never"),
        (planned, f"silent:{planned}:{last_day}"),
    }
