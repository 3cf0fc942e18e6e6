"""The playbook's save call (``set_to_cancel``): a customer set to cancel at its
renewal gets one task per renewal date it is set to cancel at, and, while the rule
is on, no "renewal coming up" task in its place."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from core.playbook.rules import DEFAULT_RULES, RulesConfig, change_rule, load_rules_config
from core.playbook.runs import new_tasks, run_rules
from tests.core.test_rules import NOW, TODAY, add_account, only, tasks

pytestmark = pytest.mark.postgres

SAVE = "set_to_cancel"


def _set(engine: Engine, account_id: int, cancels: bool, renewal: date | None = None) -> None:
    """The account as an import leaves it: set to cancel or not, and at which date."""
    sql = "UPDATE account SET cancels_at_renewal = :cancels"
    values: dict[str, object] = {"cancels": cancels, "id": account_id}
    if renewal is not None:
        sql += ", renewal_date = :renewal"
        values["renewal"] = renewal
    with engine.begin() as connection:
        connection.execute(text(sql + " WHERE id = :id"), values)


def test_a_save_call_once_per_renewal_date_set_to_cancel(engine: Engine) -> None:
    soon, later = TODAY + timedelta(days=30), TODAY + timedelta(days=200)
    with Session(engine) as session:
        leaving = add_account(
            session, "A", renewal_date=soon, mrr_cents=123456, cancels_at_renewal=True
        )
        far = add_account(session, "B", renewal_date=later, mrr_cents=0, cancels_at_renewal=True)
        tomorrow = add_account(
            session,
            "C",
            renewal_date=TODAY + timedelta(days=1),
            mrr_cents=4999,
            cancels_at_renewal=True,
            owner="",
        )
        add_account(session, "D", renewal_date=soon, mrr_cents=5000)  # staying
        add_account(  # its renewal has passed: no date to save it before
            session, "E", renewal_date=TODAY - timedelta(days=1), cancels_at_renewal=True
        )
        add_account(session, "F", cancels_at_renewal=True)  # no renewal date
        add_account(  # gone already
            session,
            "G",
            renewal_date=soon,
            cancels_at_renewal=True,
            status="churned",
            churned_at=TODAY - timedelta(days=3),
        )
        session.commit()
    # B renews in 200 days: past the window (60 days), its save call comes later
    assert run_rules(engine, TODAY, only(SAVE), NOW) == {SAVE: 2}
    assert run_rules(engine, later - timedelta(days=60), only(SAVE), NOW) == {SAVE: 1}
    made = {task.account_id: task for task in tasks(engine)}
    assert set(made) == {leaving, far, tomorrow}
    assert made[leaving].title == (
        f"Save call with Account A: set to cancel at their renewal on {soon}, "
        "$1,234.56 MRR at stake"
    )
    assert made[far].title.endswith(f"on {later}, $0.00 MRR at stake")
    assert made[tomorrow].title.endswith(", $49.99 MRR at stake")
    # the account's owner's (the queue's, without one), due in 3 days but not after the date
    assert {task.account_id: task.owner for task in made.values()} == {
        leaving: "Owner A",
        far: "Owner B",
        tomorrow: "unassigned",
    }
    assert made[leaving].due_on == TODAY + timedelta(days=3)
    assert made[tomorrow].due_on == TODAY + timedelta(days=1)
    assert {task.source for task in made.values()} == {"rule"}
    assert made[leaving].occurrence_key == f"set_to_cancel:{leaving}:{soon}"

    # run again, a day later, and after a re-import that keeps it set: nothing new
    assert run_rules(engine, TODAY + timedelta(days=1), only(SAVE), NOW) == {SAVE: 0}
    _set(engine, leaving, True, soon)
    assert run_rules(engine, TODAY, only(SAVE), NOW) == {SAVE: 0}
    # taken back, then set again at the same renewal: the same occurrence
    _set(engine, leaving, False)
    assert run_rules(engine, TODAY, only(SAVE), NOW) == {SAVE: 0}
    _set(engine, leaving, True)
    assert run_rules(engine, TODAY, only(SAVE), NOW) == {SAVE: 0}
    # renewed after all, then set to cancel at its next renewal: a new save call, when
    # that renewal comes within the window
    next_year = soon + timedelta(days=365)
    _set(engine, leaving, True, next_year)
    assert run_rules(engine, TODAY, only(SAVE), NOW) == {SAVE: 0}
    assert run_rules(engine, next_year - timedelta(days=60), only(SAVE), NOW) == {SAVE: 1}
    assert len(tasks(engine)) == 4


def test_the_renewal_rules_leave_a_save_call_alone(engine: Engine) -> None:
    renewal = TODAY + timedelta(days=20)
    with Session(engine) as session:
        leaving = add_account(session, "A", renewal_date=renewal, cancels_at_renewal=True)
        staying = add_account(session, "B", renewal_date=renewal)
        session.commit()
    renewals = ("renewal_due", "renewal_no_qbr")
    # the save call on: it is the work for A; B's renewal is prepared as before
    planned = new_tasks(engine, TODAY, only(*renewals, SAVE), NOW)
    assert {rule: rows["account_id"].to_list() for rule, rows in planned.items()} == {
        "renewal_due": [staying],
        "renewal_no_qbr": [staying],
        SAVE: [leaving],
    }
    # the save call off: the renewal rules fire for A as for any renewal
    planned = new_tasks(engine, TODAY, only(*renewals), NOW)
    assert {rule: sorted(rows["account_id"]) for rule, rows in planned.items()} == {
        "renewal_due": [leaving, staying],
        "renewal_no_qbr": [leaving, staying],
    }
    # as configured: on by default, switched off in the config file
    assert load_rules_config(Path("/nonexistent/config.toml")).settings[SAVE] == {
        "enabled": True,
        "days": 60,
        "due_in_days": 3,
    }
    made = run_rules(engine, TODAY, RulesConfig({k: dict(v) for k, v in DEFAULT_RULES.items()}))
    assert (made["renewal_due"], made["renewal_no_qbr"], made[SAVE]) == (1, 1, 1)


def test_its_config_table_is_read_written_and_checked(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# mine\n")
    change_rule(SAVE, {"due_in_days": 1}, path)
    assert path.read_text() == "# mine\n\n[rules.set_to_cancel]\ndue_in_days = 1\n"
    assert load_rules_config(path).settings[SAVE] == {
        "enabled": True,
        "days": 60,
        "due_in_days": 1,
    }
    with pytest.raises(ValueError, match="save call: qbr_days is not a setting"):
        change_rule(SAVE, {"qbr_days": 30}, path)
    change_rule(SAVE, {"enabled": False}, path)
    assert SAVE not in load_rules_config(path).enabled()

    path.write_text('theme = "textual-dark"\n\n[rules.set_to_cancel]\ndue_in_days = -2\n')
    broken = load_rules_config(path)
    assert SAVE not in broken.enabled()
    assert any(
        "line 4: rules.set_to_cancel.due_in_days must be a whole number" in problem
        for problem in broken.problems
    ), broken.problems
    # a broken save call is off: the renewal rules fire for the account set to cancel
    with Session(engine) as session:
        add_account(session, "A", renewal_date=TODAY + timedelta(days=5), cancels_at_renewal=True)
        session.commit()
    made = run_rules(engine, TODAY, broken, NOW)
    assert SAVE not in made and made["renewal_due"] == 1


def _save_calls(engine: Engine) -> list[tuple[str, str]]:
    """The save calls in the database: each account's external id and its due day."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT a.external_id, t.due_on FROM task t JOIN account a"
                " ON a.id = t.account_id WHERE t.rule = 'set_to_cancel' ORDER BY a.external_id"
            )
        ).all()
    return [(row[0], str(row[1])) for row in rows]


def test_a_save_call_comes_when_the_renewal_is_near(engine: Engine, tmp_path: Path) -> None:
    """A yearly customer who asked to cancel eleven months ahead got a save call due in
    3 days, then nothing near its renewal. The call comes when the renewal is within the
    rule's window (``days``, 60 as the renewal rules'), due 3 days after; the window is
    the config file's."""
    renewal = TODAY + timedelta(days=335)  # eleven months ahead
    with Session(engine) as session:
        add_account(session, "Y", renewal_date=renewal, cancels_at_renewal=True)
        add_account(  # the window's last day
            session, "Z", renewal_date=TODAY + timedelta(days=60), cancels_at_renewal=True
        )
        session.commit()
    config = only(SAVE)
    run_rules(engine, TODAY, config, NOW)
    assert _save_calls(engine) == [("Z", str(TODAY + timedelta(days=3)))]
    # each day up to 61 days before the renewal: none for Y
    for day in (TODAY + timedelta(days=100), renewal - timedelta(days=61)):
        run_rules(engine, day, config, NOW)
        assert [row[0] for row in _save_calls(engine)] == ["Z"], day
    # 60 days before: its call, due 3 days later; then no other
    opens = renewal - timedelta(days=60)
    run_rules(engine, opens, config, NOW)
    assert _save_calls(engine) == [
        ("Y", str(opens + timedelta(days=3))),
        ("Z", str(TODAY + timedelta(days=3))),
    ]
    run_rules(engine, renewal - timedelta(days=1), config, NOW)
    assert len(_save_calls(engine)) == 2

    # the window as configured: 30 days, written by the playbook's form
    path = tmp_path / "config.toml"
    change_rule(SAVE, {"days": 30}, path)
    assert path.read_text() == "[rules.set_to_cancel]\ndays = 30\n"
    configured = load_rules_config(path)
    assert configured.settings[SAVE]["days"] == 30
    with Session(engine) as session:
        add_account(session, "W", renewal_date=TODAY + timedelta(days=45), cancels_at_renewal=True)
        session.commit()
    run_rules(engine, TODAY, configured, NOW)
    assert "W" not in [row[0] for row in _save_calls(engine)]
    run_rules(engine, TODAY + timedelta(days=15), configured, NOW)
    assert ("W", str(TODAY + timedelta(days=18))) in _save_calls(engine)


def _renewal_work(engine: Engine) -> dict[str, list[str]]:
    """Each account's tasks of the renewal rules and the save call, by plain SQL."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT a.external_id, t.rule FROM task t JOIN account a ON a.id = t.account_id"
                " WHERE t.rule IN ('renewal_due', 'renewal_no_qbr', 'set_to_cancel')"
                " ORDER BY a.external_id, t.rule"
            )
        ).all()
    work: dict[str, list[str]] = {}
    for external_id, rule in rows:
        work.setdefault(external_id, []).append(rule)
    return work


def test_a_shorter_save_call_window_leaves_no_account_without_a_task(
    engine: Engine, tmp_path: Path
) -> None:
    """The renewal rules skipped every account set to cancel while the save call was
    on, but the save call fires only within its own window: with it at 30 days and
    renewal_due at 60, an account set to cancel renewing in 45 days got no task at all.
    The renewal rules now leave an account to the save call only when the call covers
    it (its renewal within the call's window)."""
    path = tmp_path / "config.toml"
    change_rule(SAVE, {"days": 30}, path)
    config = load_rules_config(path)
    assert (config.settings[SAVE]["days"], config.settings["renewal_due"]["days"]) == (30, 60)
    with Session(engine) as session:
        for key, days in (("A", 45), ("B", 20), ("C", 30), ("D", 60)):
            add_account(
                session, key, renewal_date=TODAY + timedelta(days=days), cancels_at_renewal=True
            )
        add_account(session, "E", renewal_date=TODAY + timedelta(days=45))  # staying
        session.commit()
    run_rules(engine, TODAY, config, NOW)
    renewals = ["renewal_due", "renewal_no_qbr"]
    assert _renewal_work(engine) == {
        "A": renewals,  # beyond the save call's 30 days: its renewal is prepared
        "B": [SAVE],  # within them: the save call only
        "C": [SAVE],  # the save call's last day
        "D": renewals,
        "E": renewals,
    }
    # 15 days on, A's renewal is within the save call's window: its save call comes too
    run_rules(engine, TODAY + timedelta(days=15), config, NOW)
    assert _renewal_work(engine)["A"] == [*renewals, SAVE]
    # every account renewing within renewal_due's window has one of the two tasks
    with engine.connect() as connection:
        bare = connection.execute(
            text(
                "SELECT a.external_id FROM account a WHERE a.renewal_date <= :last"
                " AND NOT EXISTS (SELECT 1 FROM task t WHERE t.account_id = a.id"
                " AND t.rule IN ('renewal_due', 'set_to_cancel'))"
            ),
            {"last": TODAY + timedelta(days=75)},
        ).all()
    assert bare == []
