"""One reading of a typed number (``core.numbers.typed_number``): a goal's target or
check-in and a custom field's number or amount take and refuse the same text, the
refusal naming the field and saying what to type."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.accounts.fields import MONEY, NUMBER, FieldValueError, parse_field_value
from core.goals import GoalError, parse_value

REFUSED = [
    "1e3",
    "1E3",
    "1.5e2",
    "1 500",
    "1\u00a0500",  # a no-break space
    "1 500,50",
    "1_000",
    "\u0661\u0665\u0660\u0660",  # 1500 in Arabic-Indic digits
    "\uff11\uff15\uff10\uff10",  # 1500 in full-width digits
    "\u0663",
    "NaN",
    "Infinity",
    "0x10",
    "(500)",
    "1,23,4",
]
# The text, and the number a person means by it (independent of cxtui: written here).
TAKEN = [
    ("1500", Decimal(1500)),
    ("1,500", Decimal(1500)),
    ("1500.5", Decimal("1500.5")),
    ("1,500.50", Decimal("1500.5")),
    ("1,5", Decimal("1.5")),
    ("1.234,56", Decimal("1234.56")),
    ("-5", Decimal(-5)),
    ("+5", Decimal(5)),
    (" 42 ", Decimal(42)),
    (".5", Decimal("0.5")),
]


def _field(field_type: str, label: str = "Seats") -> dict[str, object]:
    return {"type": field_type, "label": label, "choices": None}


@pytest.mark.parametrize("typed", REFUSED)
def test_a_text_refused_by_a_custom_field_is_refused_by_a_goal(typed: str) -> None:
    """ "1e3", "1 500" and 1500 in other digits were taken as a goal's target or
    check-in (1000, 1500) while a number field refused them: all refuse them now,
    each naming its field."""
    with pytest.raises(FieldValueError, match=r"^Seats: .*(not a number|a comma)"):
        parse_field_value(_field(NUMBER), typed)
    with pytest.raises(FieldValueError, match=r"^MRR: "):
        parse_field_value(_field(MONEY, "MRR"), typed)
    for kind, what in (("number", "target"), ("currency", "start"), ("percent", "value")):
        with pytest.raises(GoalError) as refused:
            parse_value(kind, typed, what)
        assert refused.value.field == what
        assert "not a number" in refused.value.problem or "a comma" in refused.value.problem


@pytest.mark.parametrize(("typed", "meant"), TAKEN)
def test_a_text_taken_by_one_is_taken_by_all_as_the_same_number(typed: str, meant: Decimal) -> None:
    assert Decimal(parse_field_value(_field(NUMBER), typed) or "") == meant
    assert Decimal(parse_field_value(_field(MONEY), typed) or "") == meant
    assert parse_value("number", typed) == meant
    assert parse_value("currency", typed) == meant
    assert parse_value("percent", f"{typed}%") == meant


def test_the_refusal_says_what_to_type() -> None:
    with pytest.raises(GoalError) as refused:
        parse_value("number", "1e3", "target")
    assert str(refused.value) == 'target: "1e3" is not a number; type digits like 1500 or 1,500.50'
    with pytest.raises(FieldValueError) as field:
        parse_field_value(_field(NUMBER), "\u0661\u0665\u0660\u0660")
    assert "type it with the digits 0 to 9, like 1500" in str(field.value)


def test_an_amount_keeps_its_currency_sign_and_refuses_what_a_cent_cannot_hold() -> None:
    for typed in ("$1,500", "-$500", "$-500", "USD 1500", "1.234,50 \u20ac"):
        shown = parse_field_value(_field(MONEY), typed)
        assert Decimal(shown or "") == parse_value("currency", typed)
    for typed in ("12.345", "0.30000000000000004", "1.000"):  # the last: 1000 or 1.00?
        with pytest.raises(FieldValueError):
            parse_field_value(_field(MONEY), typed)
        with pytest.raises(GoalError):
            parse_value("currency", typed)
