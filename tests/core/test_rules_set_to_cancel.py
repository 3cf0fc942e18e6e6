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
    assert run_rules(engine, TODAY, only(SAVE), NOW) == {SAVE: 3}
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
    # renewed after all, then set to cancel at its next renewal: a new save call
    _set(engine, leaving, True, soon + timedelta(days=365))
    assert run_rules(engine, TODAY, only(SAVE), NOW) == {SAVE: 1}
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
        "due_in_days": 3,
    }
    made = run_rules(engine, TODAY, RulesConfig({k: dict(v) for k, v in DEFAULT_RULES.items()}))
    assert (made["renewal_due"], made["renewal_no_qbr"], made[SAVE]) == (1, 1, 1)


def test_its_config_table_is_read_written_and_checked(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# mine\n")
    change_rule(SAVE, {"due_in_days": 1}, path)
    assert path.read_text() == "# mine\n\n[rules.set_to_cancel]\ndue_in_days = 1\n"
    assert load_rules_config(path).settings[SAVE] == {"enabled": True, "due_in_days": 1}
    with pytest.raises(ValueError, match="Customer set to cancel: save call: days is not a set"):
        change_rule(SAVE, {"days": 30}, path)
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
