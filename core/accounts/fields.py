"""Custom account fields: the book's own columns beside the account's (``tenure``,
``PaymentMethod``...), kept by an accounts import from the columns it does not map
(``core.importing.fields``), shown on the 360, exported, and grouped by in the
metrics. Stored long (``core.models.AccountFieldValue``): one row per account and
field with a value, as canonical text for the field's type, read in bulk with
polars and typed here.

    custom_fields(engine)                       the fields, in their order
    find_field(fields, name)                    one of them by name (UnknownField lists the others)
    field_values(engine, field_ids, account_ids)   long: field_id, account_id, value
    fields_wide(engine, fields, account_ids)    account_id and one typed column per field
    account_fields(engine, account_id)          every field and this account's value (the 360)
    set_field_value(engine, account_id, name, text, by)   an edit, with its revision

Canonical text by type (``canonical``): number "29.85" (no thousands separator, no
trailing zeros), money "1889.50" (currency units, two decimals, exact), date
"2024-03-05", yes_no "yes" or "no", choice and text as given (trimmed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Engine, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.accounts.field_frames import tidy_fields, wide_text
from core.accounts.field_names import CHOICE as CHOICE
from core.accounts.field_names import DATE as DATE
from core.accounts.field_names import FIELD_TYPES as FIELD_TYPES
from core.accounts.field_names import MONEY as MONEY
from core.accounts.field_names import NUMBER as NUMBER
from core.accounts.field_names import TEXT as TEXT
from core.accounts.field_names import TYPE_WORDS as TYPE_WORDS
from core.accounts.field_names import YES_NO as YES_NO
from core.accounts.field_names import field_key as field_key
from core.accounts.field_names import field_label as field_label
from core.accounts.field_names import shown_value as shown_value
from core.models import (
    Account,
    AccountFieldRevision,
    AccountFieldValue,
    CustomField,
    utcnow,
)
from core.store.frames import read_frame
from core.store.locks import begin_writing

YES_WORDS = ("yes", "true", "y", "1")
NO_WORDS = ("no", "false", "n", "0")
MAX_TEXT = 1_000
"""The longest value a text or choice field keeps, in characters."""
NUMBER_PATTERN = r"^[+-]?([0-9]+|[0-9]{1,3}(,[0-9]{3})+)(\.[0-9]+)?$"
"""A number as a cell or a field's value holds it: ASCII digits (others would be
stored, then read as no value)."""
_TYPED: dict[str, pl.DataType] = {
    NUMBER: pl.Float64(),
    MONEY: pl.Int64(),  # cents
    TEXT: pl.String(),
    DATE: pl.Date(),
    YES_NO: pl.Boolean(),
    CHOICE: pl.String(),
}


class UnknownField(KeyError):
    """A field name that names no custom field; the message lists the known ones."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        listed = ", ".join(known) if known else "none yet (an accounts import keeps them)"
        super().__init__(f"no custom field is called {name!r}; the custom fields are: {listed}")

    def __str__(self) -> str:
        return str(self.args[0])


class FieldValueError(ValueError):
    """A value that does not fit its field, in words."""


# -- values ------------------------------------------------------------------------------------


def canonical(
    field_type: str,
    text: pl.Series,
    date_order: str = "iso",
    date_pattern: str | None = None,
    decimal_comma: bool = False,
) -> tuple[pl.Series, pl.Series]:
    """The canonical text of each cell of ``text`` (trimmed, empty cells null) for a
    field of ``field_type``, and a mask of the cells that do not fit the type.
    ``decimal_comma``: numbers and amounts are written "1.234,56"."""
    from core.importing import parse

    frame = text.to_frame("t").select(parse.cleaned("t").alias("t"))
    cells = frame["t"]
    if decimal_comma and field_type in (NUMBER, MONEY):
        frame = frame.select(parse.pointed(pl.col("t")).alias("t"))
        cells = frame["t"]
    t = pl.col("t")
    if field_type == NUMBER:
        bare = t.str.replace_all(",", "", literal=True).str.replace(r"^\+", "")
        tidy = bare.str.replace(r"(\.\d*?)0+$", "${1}").str.replace(r"\.$", "")
        tidy = tidy.str.replace(r"^-0$", "0")
        value = frame.select(pl.when(t.str.contains(NUMBER_PATTERN)).then(tidy)).to_series()
    elif field_type == MONEY:
        value = cents_text(parse.cents(cells))
    elif field_type == DATE:
        value = parse.moments(cells, date_order, date_pattern).dt.strftime("%Y-%m-%d")
    elif field_type == YES_NO:
        lower = t.str.to_lowercase()
        value = frame.select(
            pl.when(lower.is_in(YES_WORDS))
            .then(pl.lit("yes"))
            .when(lower.is_in(NO_WORDS))
            .then(pl.lit("no"))
        ).to_series()
    elif field_type in (TEXT, CHOICE):
        value = cells
    else:
        raise ValueError(f"unknown field type {field_type!r}")
    if field_type in (TEXT, CHOICE):
        bad = cells.str.len_chars() > MAX_TEXT
    else:
        bad = value.is_null() & cells.is_not_null()
    return value.cast(pl.String).alias(text.name), bad.fill_null(False)


def cents_text(cents: pl.Series) -> pl.Series:
    """Integer cents as exact currency units: 105695 -> "1056.95", -550 -> "-5.50"."""
    from core.exporting import money_text

    return cents.to_frame("c").select(money_text("c")).to_series()


def typed_value(field_type: str, value: pl.Expr) -> pl.Expr:
    """Canonical text (``canonical``) as the field's polars type: number Float64,
    money Int64 cents, date Date, yes_no Boolean, choice and text String."""
    if field_type == NUMBER:
        return value.cast(pl.Float64, strict=False)
    if field_type == MONEY:
        return (value.cast(pl.Decimal(20, 2), strict=False) * 100).cast(pl.Int64)
    if field_type == DATE:
        return value.str.to_date("%Y-%m-%d", strict=False)
    if field_type == YES_NO:
        return pl.when(value.is_null()).then(None).otherwise(value == "yes")
    return value


# -- reads -------------------------------------------------------------------------------------


def custom_fields_query() -> Any:
    """Every custom field, in their order (``custom_fields``)."""
    return select(
        CustomField.id,
        CustomField.key,
        CustomField.name,
        CustomField.label,
        CustomField.type,
        CustomField.choices,
        CustomField.position,
    ).order_by(CustomField.position, CustomField.id)


def custom_fields(engine: Engine) -> pl.DataFrame:
    """Every custom field, in their order: id, key, name, label, type, choices (the
    JSON text of a choice field's values, else null)."""
    return tidy_fields(read_frame(engine, custom_fields_query()))


def choices_of(field: dict[str, Any]) -> list[str]:
    """A field row's choices (``custom_fields``), as a list."""
    return list(json.loads(field["choices"])) if field.get("choices") else []


def find_field(fields: pl.DataFrame, name: str) -> dict[str, Any]:
    """The field (a row of ``custom_fields``) that ``name`` names, whatever its case,
    spaces or underscores; UnknownField lists the known names."""
    found = fields.filter(pl.col("key") == field_key(name))
    if found.is_empty():
        raise UnknownField(name, fields["name"].to_list())
    return found.row(0, named=True)


def field_values_query(
    field_ids: list[int] | None = None, account_ids: list[int] | None = None
) -> Any:
    """The stored values (``field_values``) of ``field_ids`` and ``account_ids``."""
    query = select(
        AccountFieldValue.field_id, AccountFieldValue.account_id, AccountFieldValue.value
    )
    if field_ids is not None:
        query = query.where(AccountFieldValue.field_id.in_(field_ids))  # type: ignore[attr-defined]
    if account_ids is not None:
        query = query.where(AccountFieldValue.account_id.in_(account_ids))  # type: ignore[attr-defined]
    return query


def field_values(
    engine: Engine,
    field_ids: list[int] | None = None,
    account_ids: list[int] | None = None,
) -> pl.DataFrame:
    """The stored values, long: field_id, account_id, value (canonical text); of
    ``field_ids`` and ``account_ids`` when given (else all)."""
    return read_frame(engine, field_values_query(field_ids, account_ids))


def fields_wide(
    engine: Engine,
    fields: pl.DataFrame | None = None,
    account_ids: list[int] | None = None,
    typed: bool = True,
) -> pl.DataFrame:
    """account_id and one column per field of ``fields`` (rows of ``custom_fields``;
    default every field), named by the field's name, in the fields' order: typed
    (``typed_value``) or, with ``typed=False``, canonical text. Only accounts with at
    least one of those values have a row: join it to a list, left. One read of the
    fields' values (a range of the key per field), pivoted in polars."""
    fields = custom_fields(engine) if fields is None else fields
    long = field_values(engine, fields["id"].to_list(), account_ids) if fields.height else None
    wide = wide_text(pl.DataFrame() if long is None else long, fields)
    if not typed:
        return wide
    return wide.select(
        "account_id",
        *(
            typed_value(field_type, pl.col(name)).cast(_TYPED[field_type]).alias(name)
            for name, field_type in fields.select("name", "type").iter_rows()
        ),
    )


def field_groups(engine: Engine, field: dict[str, Any]) -> pl.DataFrame:
    """account_id -> group (the field's value as a person reads it, for a breakdown:
    "Yes" / "No", "$1,889.50", "2024-03-05") and rank (the groups in the order of
    the typed values: 2 before 10), for the accounts with a value."""
    values = field_values(engine, [field["id"]])
    distinct = values.select("value").unique()
    distinct = distinct.with_columns(
        pl.col("value")
        .map_elements(lambda value: shown_value(field["type"], value), return_dtype=pl.String)
        .alias("group"),
        typed_value(field["type"], pl.col("value")).rank("dense").cast(pl.Int64).alias("rank"),
    )
    return values.join(distinct, on="value").select("account_id", "group", "rank")


@dataclass(frozen=True)
class FieldRow:
    """One field on the 360: its name, label, type and this account's value."""

    id: int
    name: str
    label: str
    type: str
    value: str | None  # canonical text; None: no value
    choices: tuple[str, ...] = ()

    @property
    def shown(self) -> str:
        return shown_value(self.type, self.value)


def account_fields(engine: Engine, account_id: int) -> list[FieldRow]:
    """Every custom field, in order, with ``account_id``'s value (None where it has none)."""
    fields = custom_fields(engine)
    if fields.is_empty():
        return []
    return field_rows(fields, field_values(engine, account_ids=[account_id]))


def field_rows(fields: pl.DataFrame, values: pl.DataFrame) -> list[FieldRow]:
    """``fields`` (``custom_fields``) with one account's ``values`` (``field_values``)."""
    values = values.select(pl.col("field_id").alias("id"), "value")
    rows = fields.join(values, on="id", how="left", maintain_order="left")
    return [
        FieldRow(
            row["id"],
            row["name"],
            row["label"],
            row["type"],
            row["value"],
            tuple(choices_of(row)),
        )
        for row in rows.iter_rows(named=True)
    ]


# -- an edit -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """What an edit did: the field, the old and new canonical values (None: none)."""

    field: str
    old: str | None
    new: str | None

    @property
    def changed(self) -> bool:
        return self.old != self.new


def parse_field_value(field: FieldRow | dict[str, Any], text: str) -> str | None:
    """The canonical value of ``text`` typed for ``field`` (empty: None, no value);
    FieldValueError in words when it does not fit. A date takes the app's date
    grammar (``2026-03-01``, ``today``, ``-2d``...); a choice one of its choices
    (any case)."""
    row = field if isinstance(field, dict) else field.__dict__
    field_type, label = row["type"], row["label"]
    text = text.strip()
    if not text:
        return None
    if field_type == DATE:
        from datetime import date

        from core.dates import parse_day

        try:
            return parse_day(text, date.today(), label).isoformat()
        except ValueError as error:
            raise FieldValueError(str(error)) from None
    if field_type == CHOICE:
        choices = list(row["choices"]) if isinstance(field, FieldRow) else choices_of(row)
        for choice in choices:
            if choice.casefold() == text.casefold():
                return choice
        raise FieldValueError(f"{label} is one of: {', '.join(choices)}; not {text!r}")
    if field_type in (NUMBER, MONEY):
        return _typed_number(field_type, label, text)
    typed = pl.Series([text], dtype=pl.String)
    value, bad = canonical(field_type, typed)
    if bad[0]:
        shapes = {YES_NO: "yes or no", TEXT: f"at most {MAX_TEXT:,} characters"}
        raise FieldValueError(f"{label} must be {shapes[field_type]}; not {text!r}")
    return value[0]


_MONEY_LIMIT = 10**15
"""The amounts a money field reads (``core.importing.parse.cents``): 15 digits of units."""


def _typed_number(field_type: str, label: str, text: str) -> str:
    """The canonical value of a number or an amount typed for a field, read as every
    typed number is (``core.numbers.typed_number``: "1,5" is 1.5, "1,500" is 1500;
    "1e3", "1 500" and digits other than 0-9 are refused), or FieldValueError
    naming the field."""
    from core import numbers
    from core.text import shortened

    unit = numbers.AMOUNT if field_type == MONEY else numbers.NUMBER
    try:
        value = numbers.typed_number(text, unit)
    except numbers.NumberError as error:
        raise FieldValueError(f"{label}: {error}") from None
    if field_type == MONEY:
        if abs(value) >= _MONEY_LIMIT:
            shown = shortened(text, 40)
            raise FieldValueError(f'{label}: "{shown}" is out of range: at most 15 digits')
        return f"{value:.2f}"
    plain = format(value, "f")
    return plain.rstrip("0").rstrip(".") if "." in plain else plain


def set_field_value(engine: Engine, account_id: int, name: str, text: str, by: str) -> FieldChange:
    """Set (or, with empty ``text``, clear) one account's value of the field ``name``,
    recording the change as a revision (source "edit") in the same transaction.
    UnknownField, FieldValueError in words; a value that does not change writes
    nothing. Two users editing one account's fields at once take turns."""
    fields = custom_fields(engine)
    field = find_field(fields, name)
    new = parse_field_value(field, text)
    with Session(engine) as session:
        # The account's row locked until the edit is committed: on PostgreSQL a second
        # user editing its fields at the same time waits, then reads the first one's
        # value (both read the one before: the second's insert failed on the first's
        # row, or its revision named the value before the first's as replaced). On
        # SQLite the whole book is held.
        begin_writing(session.connection())
        session.exec(
            select(Account.id).where(Account.id == account_id).with_for_update(key_share=True)
        ).first()
        stored = session.get(AccountFieldValue, (field["id"], account_id))
        old = stored.value if stored is not None else None
        change = FieldChange(field["name"], old, new)
        if not change.changed:
            return change
        if new is None and stored is not None:
            session.delete(stored)
        elif stored is not None and new is not None:
            stored.value = new
            session.add(stored)
        elif new is not None:
            session.add(AccountFieldValue(field_id=field["id"], account_id=account_id, value=new))
        session.add(
            AccountFieldRevision(
                account_id=account_id,
                field_id=field["id"],
                old_value=old,
                new_value=new,
                changed_at=utcnow(),
                changed_by=by[:80],
                source="edit",
            )
        )
        session.commit()
    return change


MAX_NAME = 120
"""The longest name a custom field takes (``custom_field.name``)."""


@dataclass(frozen=True)
class NewField:
    """A field as the 360's "Add a field" checked it (``check_new_field``): its name,
    key, label and type, its choices, and this account's first value (canonical)."""

    name: str
    key: str
    label: str
    type: str
    choices: tuple[str, ...]
    value: str | None


def reserved_keys() -> frozenset[str]:
    """The names (as matching sees them) a custom field may not take: the account's
    own columns and the accounts list's, which ``--by``, filters and exports name."""
    from core.config.list_columns import KNOWN_COLUMNS
    from core.models import Account

    names = [*Account.model_fields, *KNOWN_COLUMNS, "band", "last touch", "arr"]
    return frozenset(field_key(name) for name in names)


def check_new_field(
    fields: pl.DataFrame, name: str, field_type: str, choices: str = "", value: str = ""
) -> NewField:
    """A new field typed in the 360, checked against the book's ``fields``
    (``custom_fields``): FieldValueError naming what is wrong (an empty, too long or
    taken name, as matching sees it: "Plan Tier" is "plan_tier"; one of the account's
    own columns; an unknown type; a choice field without choices, written "Bronze,
    Silver, Gold"; a first value that does not fit)."""
    name = name.strip()
    key = field_key(name)
    if not name or not key:
        raise FieldValueError("A field needs a name, such as Plan tier or Region")
    if len(name) > MAX_NAME or not name.isprintable():
        raise FieldValueError(f"A field's name is at most {MAX_NAME} printable characters")
    if key in reserved_keys():
        raise FieldValueError(f"{name!r} is a column of every account already; pick another name")
    taken = fields.filter(pl.col("key") == key)
    if taken.height:
        raise _exists(taken["name"][0])
    if field_type not in TYPE_WORDS:
        raise FieldValueError(f"A field's type is one of: {', '.join(TYPE_WORDS.values())}")
    listed: tuple[str, ...] = ()
    if field_type == CHOICE:
        listed = tuple(dict.fromkeys(c.strip() for c in choices.split(",") if c.strip()))
        if not listed:
            raise FieldValueError("A choice field needs its choices, such as: Bronze, Silver, Gold")
        if any(len(choice) > MAX_TEXT for choice in listed):
            raise FieldValueError(f"A choice is at most {MAX_TEXT:,} characters")
    label = field_label(name)
    row = {"type": field_type, "label": label, "choices": json.dumps(list(listed))}
    return NewField(name, key, label, field_type, listed, parse_field_value(row, value))


def _exists(name: str) -> FieldValueError:
    return FieldValueError(f"The field {name!r} already exists: e edits its value")


def add_field(engine: Engine, account_id: int, new: NewField, by: str) -> int:
    """Create the field ``new`` (after the others) and, if it has one, this account's
    first value with its revision, in one transaction; returns the field's id.
    FieldValueError when another user added a field of that name since ``new`` was
    checked."""
    with Session(engine) as session:
        last = session.exec(select(func.max(CustomField.position))).one()
        field = CustomField(
            key=new.key,
            name=new.name,
            label=new.label,
            type=new.type,
            choices=json.dumps(list(new.choices), ensure_ascii=False) if new.choices else None,
            position=(last if last is not None else -1) + 1,
        )
        session.add(field)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            taken = session.exec(select(CustomField.name).where(CustomField.key == new.key)).first()
            if taken is None:
                raise
            raise _exists(taken) from None
        assert field.id is not None
        if new.value is not None:
            session.add(
                AccountFieldValue(field_id=field.id, account_id=account_id, value=new.value)
            )
            session.add(
                AccountFieldRevision(
                    account_id=account_id,
                    field_id=field.id,
                    old_value=None,
                    new_value=new.value,
                    changed_at=utcnow(),
                    changed_by=by[:80],
                    source="edit",
                )
            )
        session.commit()
        return field.id


def field_history(engine: Engine, account_id: int, field_id: int | None = None) -> pl.DataFrame:
    """The revisions of an account's field values, newest first: field_id,
    old_value, new_value, changed_at, changed_by, source."""
    query = select(
        AccountFieldRevision.field_id,
        AccountFieldRevision.old_value,
        AccountFieldRevision.new_value,
        AccountFieldRevision.changed_at,
        AccountFieldRevision.changed_by,
        AccountFieldRevision.source,
    ).where(AccountFieldRevision.account_id == account_id)
    if field_id is not None:
        query = query.where(AccountFieldRevision.field_id == field_id)
    order = (AccountFieldRevision.changed_at.desc(), AccountFieldRevision.id.desc())  # type: ignore[attr-defined]
    return read_frame(engine, query.order_by(*order))
