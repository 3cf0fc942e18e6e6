"""Custom fields in the accounts list: as columns, and as conditions of its filters.

    read_list_fields(engine, names)     every field, the named ones' values, the unknown names
    field_columns(engine, fields)       id and a "field:NAME" column of canonical text per field
    sort_key(field_type, column)        what a field column sorts by: its typed value
    parse_condition(fields, name, text) a condition typed in the form ("Month-to-month", ">= 12")
    resolve_rules(fields, rules)        a saved filter's conditions checked against the fields
    saved_conditions(engine, rules)     the same, reading the fields

The list joins the values of the fields it needs only (``core.accounts.listing.
with_fields``), read in one bulk read (``field_columns``): a book with 100 fields reads
the three it shows, not the hundred. A condition is kept in a saved filter by the
field's name (``FieldRule``) and checked against the database's fields when it is
used (``FieldCondition``): an unknown field is an error naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
from sqlalchemy import Engine, Float, Numeric, cast, func, select
from sqlalchemy.sql.elements import ColumnElement

from core.accounts.field_frames import ListFieldValues, list_fields, list_values
from core.accounts.field_names import field_column
from core.accounts.fields import (
    DATE,
    MONEY,
    NUMBER,
    TEXT,
    TYPE_WORDS,
    FieldValueError,
    custom_fields,
    field_values,
    find_field,
    parse_field_value,
    shown_value,
    typed_value,
)
from core.models import AccountFieldValue

OPERATORS = {"is": "is", ">=": "at_least", "<=": "at_most"}
"""What a condition's value may start with in the filter form, and its operator."""
SYMBOLS = {"is": "is", "at_least": "≥", "at_most": "≤"}
ORDERED = (NUMBER, MONEY, DATE)
"""The types whose values compare (at least, at most): the others are equal or not."""
RuleValue = str | int | float | bool | date


# -- columns ------------------------------------------------------------------------------------


def field_columns(engine: Engine, fields: pl.DataFrame) -> pl.DataFrame:
    """``id`` and, for each field of ``fields``, a column ``field:NAME`` holding its
    canonical text (``field_frames.list_values``): one bulk read of their values."""
    long = field_values(engine, fields["id"].to_list()) if fields.height else pl.DataFrame()
    return list_values(long, fields)


def read_list_fields(
    engine: Engine, names: list[str], risk_as_of: date | None = None
) -> ListFieldValues:
    """The custom fields, and the values of the fields ``names`` name (one bulk read);
    with ``risk_as_of``, each customer's churn risk on that day too (``core.churn.
    risk.list_risk``: a null column without a churn model)."""
    fields = custom_fields(engine)
    chosen, unknown = list_fields(fields, names)
    values = field_columns(engine, chosen)
    if risk_as_of is None:
        return ListFieldValues(fields, values, tuple(unknown))
    from core.churn.risk import list_risk

    risk, in_force = list_risk(engine, risk_as_of)
    values = values.join(risk, on="id", how="full", coalesce=True)
    model = None
    if in_force is not None:
        model = (
            f"{in_force.risk_basis}; churn model of {in_force.fitted_at:%Y-%m-%d}, "
            f"AUC {in_force.auc:.2f}"
        )
    return ListFieldValues(fields, values, tuple(unknown), model)


def saved_conditions(engine: Engine, rules: tuple[FieldRule, ...]) -> tuple[FieldCondition, ...]:
    """A saved filter's conditions on custom fields against the database's fields
    (nothing read when it has none); UnknownField or FieldValueError in words."""
    return resolve_rules(custom_fields(engine), rules) if rules else ()


def sort_key(field_type: str, column: str) -> pl.Expr:
    """A field column in the order of its values (2 before 10, dates by day)."""
    return typed_value(field_type, pl.col(column))


# -- conditions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldRule:
    """A condition as a saved filter keeps it: the field's name, ``is``, ``at_least``
    or ``at_most``, and the value as written (checked by ``resolve_rules``)."""

    field: str
    op: str
    value: RuleValue

    def describe(self) -> str:
        return f"{self.field} {SYMBOLS[self.op]} {_text(self.value)}"

    def as_dict(self) -> dict[str, Any]:
        """As the config file holds it: ``{field = "tenure", at_least = 12}``."""
        return {"field": self.field, self.op: self.value}


@dataclass(frozen=True)
class FieldCondition:
    """A condition on a custom field, checked against the database's fields: the
    field (its id, name, label and type), ``is``, ``at_least`` or ``at_most``, and
    the value as canonical text (``core.accounts.fields.canonical``)."""

    field_id: int
    field: str
    label: str
    type: str
    op: str
    value: str

    @property
    def column(self) -> str:
        """The list frame's column of the field (``field_columns``)."""
        return field_column(self.field)

    def describe(self) -> str:
        """In words: "Contract is Month-to-month", "Tenure ≥ 12", "Total charges ≤ $50.00"."""
        return f"{self.label} {SYMBOLS[self.op]} {shown_value(self.type, self.value)}"

    def rule(self) -> FieldRule:
        """As a saved filter keeps it: numbers and money as TOML numbers."""
        value: RuleValue = self.value
        if self.type in (NUMBER, MONEY):
            number = float(self.value)
            value = int(number) if number.is_integer() and "." not in self.value else number
        return FieldRule(self.field, self.op, value)

    def expr(self) -> pl.Expr:
        """The condition over a frame with the field's column (accounts without a value
        do not match)."""
        column = pl.col(self.column)
        if self.type == TEXT:  # text is equal whatever its case
            return (column.str.to_lowercase() == self.value.lower()).fill_null(False)
        value = typed_value(self.type, pl.lit(self.value, pl.String))
        typed = typed_value(self.type, column)
        if self.op == "at_least":
            return (typed >= value).fill_null(False)
        if self.op == "at_most":
            return (typed <= value).fill_null(False)
        return (typed == value).fill_null(False)

    def where(self) -> ColumnElement[bool]:
        """The condition in SQL over ``account_field_value``: the same rule as ``expr``."""
        stored: Any = AccountFieldValue.value
        value: Any = self.value
        if self.type == NUMBER:
            stored, value = cast(stored, Float), float(self.value)
        elif self.type == MONEY:
            stored, value = cast(stored, Numeric(20, 2)), Decimal(self.value)
        elif self.type == TEXT:
            stored, value = func.lower(stored), self.value.lower()
        # dates compare as their canonical text, YYYY-MM-DD
        if self.op == "at_least":
            return stored >= value
        if self.op == "at_most":
            return stored <= value
        return stored == value

    def account_ids(self) -> Any:
        """The accounts that match, as a SQL subquery (``core.scope.Scope.restrict``)."""
        return select(AccountFieldValue.account_id).where(
            AccountFieldValue.field_id == self.field_id, self.where()
        )


def condition(field: dict[str, Any], op: str, value: RuleValue) -> FieldCondition:
    """The condition ``op`` ``value`` on ``field`` (a row of ``custom_fields``);
    FieldValueError in words when the value does not fit the field or the operator
    does not apply to its type."""
    label = field["label"]
    if op not in SYMBOLS:
        raise FieldValueError(f"{label}: {op!r} is not one of: {', '.join(SYMBOLS)}")
    if op != "is" and field["type"] not in ORDERED:
        raise FieldValueError(
            f"{label} is a {TYPE_WORDS[field['type']]} field: it is a value or not, "
            "with no at least or at most"
        )
    text = _text(value)
    canonical = parse_field_value(field, text)
    if canonical is None:
        raise FieldValueError(f"{label}: a value is required")
    return FieldCondition(field["id"], field["name"], label, field["type"], op, canonical)


def parse_condition(fields: pl.DataFrame, name: str, text: str) -> FieldCondition:
    """A condition typed in the filter form: a field's name and a value, which may
    start with ``>=`` or ``<=`` (``≥`` ``≤`` too) for a number, money or a date.
    UnknownField (listing the fields) or FieldValueError, in words."""
    field = find_field(fields, name)
    text = text.strip().replace("≥", ">=").replace("≤", "<=")
    op = "is"
    for prefix, named in OPERATORS.items():
        if prefix != "is" and text.startswith(prefix):
            op, text = named, text[len(prefix) :].strip()
    text = text.removeprefix("=").strip()
    return condition(field, op, text)


def resolve_rules(fields: pl.DataFrame, rules: tuple[FieldRule, ...]) -> tuple[FieldCondition, ...]:
    """A saved filter's conditions against the database's fields; UnknownField names
    the first unknown field, FieldValueError a value that does not fit."""
    return tuple(condition(find_field(fields, rule.field), rule.op, rule.value) for rule in rules)


def _text(value: RuleValue) -> str:
    """A value as the config file or the form gives it, as text to parse."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
