"""An amount typed alone as "1.000" is a thousand with a decimal comma (German) and
one dollar with a decimal point: a goal's money target, check-in or step and a money
custom field refuse it in words naming the field, and write nothing
(``core.importing.parse.ambiguous_amount``). It was read as $1.00."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from core.accounts.fields import FieldValueError, account_fields, set_field_value
from core.goals import GoalError, check_in, checkin_history, create_goal, list_goals, validate_goal
from core.importing import ImportOptions, import_file
from core.importing.parse import ambiguous_amount
from tests.rows import goal_form

TELCO = Path(__file__).parents[1] / "fixtures" / "import" / "telco_churn.csv"
ONE_THOUSAND = "1.000 is ambiguous: write 1000 or 1.00"


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("$1.000", ONE_THOUSAND),
        (" 1.000 ", ONE_THOUSAND),
        ("-12.500", "-12.500 is ambiguous: write -12500 or -12.50"),
        ("US$ 1.000", ONE_THOUSAND),
        # not ambiguous: a decimal comma, thousands, two decimals, no thousand
        ("1.000,50", None),
        ("$1,000", None),
        ("1.50", None),
        ("0.500", None),
        ("1234.500", None),
        ("12.345", None),  # fractions of a cent either way: refused as such
    ],
)
def test_ambiguous_amount(typed: str, words: str | None) -> None:
    assert ambiguous_amount(typed) == words


def test_a_goals_money_target_of_1_000_is_refused(engine: Engine) -> None:
    with pytest.raises(GoalError) as raised:
        create_goal(engine, goal_form(target_type="currency", target="$1.000"))
    assert (raised.value.field, raised.value.problem) == ("target", ONE_THOUSAND)
    assert list_goals(engine, date.today(), include_archived=True) == []
    with pytest.raises(GoalError, match=re.escape("step: 1.500 is ambiguous: write 1500 or 1.50")):
        validate_goal(goal_form(target_type="currency", target="$5,000", step="1.500"))
    # written unambiguously, the same thousand is taken
    assert validate_goal(goal_form(target_type="currency", target="$1,000")).target_value == 1000
    assert validate_goal(goal_form(target_type="currency", target="1.000,00")).target_value == 1000
    # a plain number keeps its rule: three decimals are a number's own
    assert validate_goal(goal_form(target_type="number", target="1.000")).target_value == 1


def test_a_money_check_in_of_1_000_writes_nothing(engine: Engine) -> None:
    goal_id = create_goal(engine, goal_form(target_type="currency", target="$20,000"))
    with pytest.raises(GoalError, match=re.escape(ONE_THOUSAND)):
        check_in(engine, goal_id, "$1.000", "Dana")
    assert checkin_history(engine, goal_id) == []
    check_in(engine, goal_id, "1000", "Dana")
    assert [row.value for row in checkin_history(engine, goal_id)] == [Decimal(1000)]


def test_a_money_field_of_1_000_is_refused_naming_it(engine: Engine) -> None:
    columns = {"external_id": "customerID", "name": "customerID"}
    statuses = {"status": {"Yes": "churned", "No": "active"}}
    import_file(engine, "accounts", TELCO, ImportOptions(columns=columns, values=statuses))
    with engine.connect() as connection:
        account = connection.execute(
            text("SELECT id FROM account WHERE external_id = '7590-VHVEG'")
        ).scalar_one()
    before = {row.name: row.value for row in account_fields(engine, account)}
    with pytest.raises(FieldValueError, match=re.escape(f"Total charges: {ONE_THOUSAND}")):
        set_field_value(engine, account, "TotalCharges", "$1.000", "Dana")
    assert {row.name: row.value for row in account_fields(engine, account)} == before
    assert set_field_value(engine, account, "TotalCharges", "1.000,00", "Dana").new == "1000.00"
