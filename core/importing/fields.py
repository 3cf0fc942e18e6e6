"""The columns an accounts import does not map, kept as custom account fields
(``core.accounts.fields``): typed from the whole column, checked with the rows,
written in the import's transaction, with a revision for each value a re-import
changes or clears.

A column's type, from its non-empty cells (one lazy pass over the file):

- yes_no: every cell is yes, no, true, false, y, n, 1 or 0 (any case);
- number: every cell is a number ("1,200.5" too); money instead when the column's
  name says so (mrr, arr, revenue, amount, price, charges, cost, fee...) or a cell
  carries a currency sign ("$1,200.00");
- date: every cell reads as a date (the day/month order found as for mapped date
  columns, or ``--date-format``);
- choice: text with few distinct values (at most ``CHOICES_MAX``, each seen twice
  on average);
- text: anything else (and a column without any value).

A column whose name is a field already kept keeps that field's type: a cell that
does not fit it is an error of its row (nothing is written), and a choice field
gains the new values. Columns that cxtui's own accounts export adds (health, band,
last touch) are not kept: they are computed, not the book's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from core.accounts.fields import (
    CHOICE,
    DATE,
    MAX_TEXT,
    MONEY,
    NO_WORDS,
    NUMBER,
    NUMBER_PATTERN,
    TEXT,
    TYPE_WORDS,
    YES_NO,
    YES_WORDS,
    canonical,
    field_key,
    field_label,
)
from core.importing import parse
from core.importing.formats import FileError
from core.importing.mapping import MappingError
from core.models import utcnow

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from core.importing.check import Checked, Plan

CHOICES_MAX = 20
"""A text column with at most this many distinct values is a choice field."""
EXTRA_PREFIX = "_field_"
"""The typed batches' columns that hold the kept columns' canonical values."""
COMPUTED_COLUMNS = frozenset(("health", "band", "lasttouch"))
"""Columns of cxtui's own accounts export that an import does not keep (normalised)."""
MONEY_WORDS = frozenset(
    (
        "mrr",
        "arr",
        "acv",
        "tcv",
        "revenue",
        "amount",
        "price",
        "charge",
        "charges",
        "cost",
        "costs",
        "fee",
        "fees",
        "spend",
    )
)
_AMOUNT = r"(\d+|\d{1,3}(,\d{3})+)(\.\d+)?"
_MARK = parse.CURRENCY_MARK
_CURRENCY = rf"^[+-]?\s*({_MARK})\s*[+-]?{_AMOUNT}$|^[+-]?{_AMOUNT}\s*({_MARK})$"
_DATE_LIKE = (
    r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})([ T]\d{1,2}:\d{2}.*)?$"
)


@dataclass(frozen=True)
class ExtraField:
    """A column of the file kept as a custom field: new (``field_id`` None) or one
    kept before, whose type it keeps."""

    column: str
    key: str
    type: str
    choices: tuple[str, ...] = ()
    date_order: str = "iso"
    date_pattern: str | None = None
    field_id: int | None = None
    new_choices: tuple[str, ...] = ()  # a stored choice field's values new in this file
    decimal_comma: bool = False  # numbers and amounts written "1.234,56" in this file

    @property
    def label(self) -> str:
        return field_label(self.column)

    def describe(self) -> str:
        """ "tenure: number", "gender: choice (Female, Male)"."""
        words = TYPE_WORDS[self.type]
        if self.type == CHOICE and self.choices:
            shown = list(self.choices[:6]) + (
                [f"{len(self.choices) - 6} more"] if len(self.choices) > 6 else []
            )
            words += f" ({', '.join(shown)})"
        if self.decimal_comma:
            words += " (written with a decimal comma: 1.234,56 is 1234.56)"
        if self.type == DATE and self.date_order != "iso" and self.field_id is None:
            words += f" (read as {parse.ORDER_WORDS.get(self.date_order, self.date_order)})"
        return f"{self.column}: {words}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.column,
            "type": self.type,
            "choices": list(self.choices) if self.type == CHOICE else None,
            "new": self.field_id is None,
        }


@dataclass
class FieldCounts:
    """Custom field values an import wrote: set where there was none, changed, cleared."""

    set: int = 0
    changed: int = 0
    cleared: int = 0

    def describe(self) -> str:
        return (
            f"custom field values: {self.set:,} set, {self.changed:,} changed"
            f" and {self.cleared:,} cleared (changes kept in their history)"
        )


def _words(name: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name)}


def says_money(name: str) -> bool:
    """Whether a column's name says it holds money: "MonthlyCharges", "arr_usd", "Price"."""
    return bool(_words(name) & MONEY_WORDS)


def kept_columns(columns: list[str], ignored: list[str], twins: list[str]) -> list[str]:
    """The ignored columns of the file (``columns``: as read, before any derived
    column) that become custom fields: not a twin of a key, not computed by an export."""
    taken = set(twins)
    return [
        c
        for c in ignored
        if c in columns and c not in taken and field_key(c) not in COMPUTED_COLUMNS and c.strip()
    ]


def _stats(frame: pl.LazyFrame, columns: list[str]) -> dict[str, dict[str, Any]]:
    """Per column, over the whole file in one pass: cells, and how many read as
    yes/no, numbers, currency, dates; its distinct values (the first few)."""
    exprs = []
    for index, column in enumerate(columns):
        text = parse.cleaned(column)
        lower = text.str.to_lowercase()
        bare = parse.bare_number(text)
        exprs += [
            text.count().alias(f"n{index}"),
            lower.is_in([*YES_WORDS, *NO_WORDS]).sum().alias(f"b{index}"),
            text.str.contains(NUMBER_PATTERN).sum().alias(f"d{index}"),
            text.str.contains(_CURRENCY).sum().alias(f"c{index}"),
            text.str.contains(_DATE_LIKE).sum().alias(f"t{index}"),
            bare.str.contains(parse.COMMA_NUMBER).sum().alias(f"e{index}"),
            bare.str.contains(parse.COMMA_DECIMAL).sum().alias(f"k{index}"),
            bare.str.contains(parse.POINT_DECIMAL).sum().alias(f"p{index}"),
            text.str.contains(parse.CURRENCY_MARK).sum().alias(f"s{index}"),
            text.drop_nulls().n_unique().alias(f"u{index}"),
            text.drop_nulls()
            .unique(maintain_order=True)
            .head(CHOICES_MAX + 1)
            .implode()
            .alias(f"v{index}"),
        ]
    row = frame.select(exprs).collect().row(0, named=True)
    return {
        column: {
            "cells": row[f"n{i}"],
            "yes_no": row[f"b{i}"],
            "numbers": row[f"d{i}"],
            "currency": row[f"c{i}"],
            "dates": row[f"t{i}"],
            "comma_shaped": row[f"e{i}"],
            "comma_decimals": row[f"k{i}"],
            "point_decimals": row[f"p{i}"],
            "currency_signs": row[f"s{i}"],
            "distinct": row[f"u{i}"],
            "values": _unquoted(row[f"v{i}"]),
        }
        for i, column in enumerate(columns)
    }


def writes_decimal_comma(stats: dict[str, Any]) -> bool:
    """Whether a column's numbers are written with a decimal comma, by the rule of
    mapped columns (``parse.comma_decimals``), over the whole file."""
    return parse.comma_decimals(stats["comma_decimals"], stats["point_decimals"])


def _comma_numbers(stats: dict[str, Any]) -> bool:
    """Whether every cell of a column reads as a number written with a decimal comma."""
    return stats["cells"] > 0 and stats["comma_shaped"] == stats["cells"]


def infer_type(name: str, stats: dict[str, Any]) -> str:
    """A column's field type from its ``_stats`` (see the module's docstring)."""
    cells = stats["cells"]
    if cells == 0:
        return TEXT
    if stats["yes_no"] == cells:
        return YES_NO
    if writes_decimal_comma(stats) and _comma_numbers(stats):
        return MONEY if says_money(name) or stats["currency_signs"] else NUMBER
    if stats["numbers"] == cells:
        return MONEY if says_money(name) else NUMBER
    if stats["currency"] and stats["currency"] + stats["numbers"] == cells:
        return MONEY
    if stats["dates"] == cells:
        return DATE
    distinct = stats["distinct"]
    if distinct <= CHOICES_MAX and distinct * 2 <= cells:
        return CHOICE
    return TEXT


def _date_order(source_frame: pl.LazyFrame, column: str, plan: Plan) -> tuple[str, str | None]:
    """The date order of a kept date column (as for mapped ones: ``--date-format``,
    or found from its distinct texts); MappingError when it is ambiguous."""
    from core.importing.check import _date_order as order_of

    texts = (
        source_frame.select(parse.cleaned(column).alias(column))
        .drop_nulls()
        .unique()
        .collect()[column]
    )
    order = plan.options.date_format or order_of(texts, column, plan.options.hints)
    if order.startswith("ambiguous:"):
        raise MappingError([order.removeprefix("ambiguous:")])
    return order, parse.fast_pattern(texts.head(2_000), order)


def plan_extras(plan: Plan, columns: list[str], stored: pl.DataFrame) -> list[ExtraField]:
    """The ignored columns of the plan's file, among ``columns`` (the file's own),
    as custom fields: those already kept (``stored``: rows of ``custom_fields``)
    with their type, the others typed from the data."""
    twins = [c for found in plan.twins.values() for c in found]
    kept = kept_columns(columns, plan.mapping.ignored, twins)
    if not kept:
        return []
    by_key: dict[str, str] = {}
    problems = []
    for column in kept:
        key = field_key(column)
        if key in by_key:
            problems.append(
                f'columns "{by_key[key]}" and "{column}" would be the same custom field;'
                " rename one, or leave them out with --drop-extra"
            )
        elif len(column.strip()) > 120:
            problems.append(
                f'column "{column[:40]}...": a custom field name is 120 characters at most'
            )
        by_key[key] = column
    if problems:
        raise MappingError(problems)
    frame = plan.source.frame
    stats = _stats(frame, kept)
    # A file whose numbers use a decimal comma somewhere, and a decimal point nowhere,
    # writes "1.200" for 1200 in its other columns too.
    comma_file = plan.comma_file or any(writes_decimal_comma(stats[c]) for c in kept)
    comma_file = comma_file and not any(stats[c]["point_decimals"] for c in kept)
    known = {row["key"]: row for row in stored.iter_rows(named=True)}
    extras = []
    for column in kept:
        key = field_key(column)
        row = known.get(key)
        field_type = row["type"] if row else infer_type(column, stats[column])
        order, pattern = _date_order(frame, column, plan) if field_type == DATE else ("iso", None)
        choices: tuple[str, ...] = ()
        new_choices: tuple[str, ...] = ()
        if field_type == CHOICE:
            seen = _distinct(frame, column) if row else sorted(stats[column]["values"])
            before = json.loads(row["choices"]) if row and row["choices"] else []
            new_choices = tuple(v for v in seen if v not in before) if row else ()
            choices = tuple(before) + new_choices if row else tuple(seen)
        extras.append(
            ExtraField(
                column,
                key,
                field_type,
                choices,
                order,
                pattern,
                row["id"] if row else None,
                new_choices,
                decimal_comma=field_type in (NUMBER, MONEY)
                and (
                    writes_decimal_comma(stats[column])
                    or (comma_file and _comma_numbers(stats[column]))
                ),
            )
        )
    return extras


def _unquoted(values: list[str]) -> list[str]:
    """Distinct cells as the batches read them (``parse.unneutralised``: '-low is -low)."""
    frame = parse.unneutralised(pl.DataFrame({"v": values}, schema={"v": pl.String}))
    return frame["v"].unique(maintain_order=True).to_list()


def _distinct(frame: pl.LazyFrame, column: str) -> list[str]:
    values = frame.select(parse.cleaned(column).alias(column)).drop_nulls().unique().collect()
    values = parse.unneutralised(values).unique()  # as the batches read them
    return sorted(v for v in values[column].to_list() if len(v) <= MAX_TEXT)


# -- checking (one batch) --------------------------------------------------------------------


def extra_column(index: int) -> str:
    return f"{EXTRA_PREFIX}{index}"


def check_extras(
    plan: Plan, raw: pl.DataFrame
) -> tuple[list[pl.Series], list[tuple[int, pl.Series, str]]]:
    """The canonical values of the kept columns of one batch, and their problems:
    (index of the extra, mask, reason)."""
    values: list[pl.Series] = []
    problems: list[tuple[int, pl.Series, str]] = []
    for index, extra in enumerate(plan.extras):
        text = raw[extra.column].cast(pl.String)
        value, bad = canonical(
            extra.type, text, extra.date_order, extra.date_pattern, extra.decimal_comma
        )
        values.append(value.alias(extra_column(index)))
        problems.append((index, bad, _reason(extra)))
    return values, problems


def _reason(extra: ExtraField) -> str:
    shapes = {
        NUMBER: "a number",
        MONEY: "an amount (such as 1234.50)",
        DATE: "a date",
        YES_NO: "yes or no (yes, no, true, false, 1, 0)",
        TEXT: f"text of at most {MAX_TEXT:,} characters",
        CHOICE: f"text of at most {MAX_TEXT:,} characters",
    }
    kept = "kept" if extra.field_id is not None else "read"
    words = TYPE_WORDS[extra.type]
    return f"the custom field {extra.column} ({kept} as {words}) takes {shapes[extra.type]}"


# -- writing -----------------------------------------------------------------------------------


def stored_values(engine: Engine, plan: Plan) -> pl.DataFrame:
    """The stored values of the fields the file keeps (read in bulk, before the
    write's lock, as ``core.importing.write`` reads the rows it compares)."""
    from core.accounts.fields import field_values

    ids = [extra.field_id for extra in plan.extras if extra.field_id is not None]
    if not ids:
        return pl.DataFrame(
            schema={"field_id": pl.Int64, "account_id": pl.Int64, "value": pl.String}
        )
    return field_values(engine, ids)


def _placeholder(engine: Engine) -> str:
    return "?" if engine.dialect.name == "sqlite" else "%s"


def _save_fields(raw: Any, engine: Engine, extras: list[ExtraField]) -> tuple[dict[int, int], bool]:
    """Create the new fields and add new choices to stored ones; extra index -> field
    id, and whether a field planned as new was found made meanwhile (another import of
    a column of that name, written while this one waited for the write lock): it is
    taken as this file's field when its type is the same, else the import is refused."""
    mark = _placeholder(engine)
    cursor = raw.cursor()
    cursor.execute("SELECT key, id, type, choices FROM custom_field")
    existing = {key: (field_id, kind, choices) for key, field_id, kind, choices in cursor}
    cursor.execute("SELECT coalesce(max(position), -1) FROM custom_field")
    position = int(cursor.fetchone()[0]) + 1
    now = utcnow().replace(tzinfo=None)
    made_meanwhile = False
    for extra in extras:
        choices = list(extra.choices) if extra.type == CHOICE else None
        field_id, new_choices = extra.field_id, bool(extra.new_choices)
        if field_id is None and extra.key in existing:
            made_meanwhile = True
            field_id, kind, stored = existing[extra.key]
            if kind != extra.type:
                raise FileError(
                    f'column "{extra.column}": a field of that name was made as {kind} while'
                    f" this import waited, not {extra.type}; nothing was written: import again"
                )
            kept = json.loads(stored) if stored else []
            new_choices = choices is not None and not set(choices) <= set(kept)
            if new_choices:
                choices = [*kept, *(c for c in choices or [] if c not in kept)]
        text = None if choices is None else json.dumps(choices, ensure_ascii=False)
        if field_id is None:
            cursor.execute(
                "INSERT INTO custom_field (key, name, label, type, choices, position, created_at)"
                f" VALUES ({', '.join([mark] * 7)})",
                (extra.key, extra.column.strip(), extra.label, extra.type, text, position, now),
            )
            position += 1
        elif new_choices:
            cursor.execute(
                f"UPDATE custom_field SET choices = {mark} WHERE id = {mark}", (text, field_id)
            )
    cursor.execute("SELECT key, id FROM custom_field")
    ids = dict(cursor.fetchall())
    cursor.close()
    return {index: int(ids[extra.key]) for index, extra in enumerate(extras)}, made_meanwhile


def _account_ids(raw: Any) -> pl.DataFrame:
    cursor = raw.cursor()
    cursor.execute("SELECT external_id, id FROM account")
    rows = cursor.fetchall()
    cursor.close()
    return pl.DataFrame(
        rows, schema={"external_id": pl.String, "account_id": pl.Int64}, orient="row"
    )


def write_extras(
    raw: Any,
    engine: Engine,
    checked: Checked,
    stored: pl.DataFrame,
    user: str,
    changed_meanwhile: bool = False,
) -> FieldCounts:
    """On the import's open transaction (``raw``, after the accounts are written):
    the kept fields, then each account's values, compared with ``stored`` (read
    again when the fields changed while the import waited for the write lock,
    ``changed_meanwhile``): new values inserted, different ones updated and empty
    ones deleted, each change (not a first value) recorded in
    ``account_field_revision``."""
    from core.store.bulk import insert_frame, table_for
    from core.store.bulk_prepare import driver_rows

    plan = checked.plan
    ids, made_meanwhile = _save_fields(raw, engine, plan.extras)
    if made_meanwhile or changed_meanwhile:  # compared with what stands now
        from core.accounts.fields import field_values

        stored = field_values(engine, sorted(set(ids.values())))
    accounts = _account_ids(raw)
    fields = pl.DataFrame(
        {
            "extra": [extra_column(i) for i in ids],
            "field_id": list(ids.values()),
        },
        schema={"extra": pl.String, "field_id": pl.Int64},
    )
    stored = stored.rename({"value": "old"})
    counts = FieldCounts()
    now = utcnow().replace(tzinfo=None)
    mark = _placeholder(engine)
    cursor = raw.cursor()
    for batch in checked.batches():
        long = (
            batch.select("external_id", *fields["extra"])
            .unpivot(index="external_id", variable_name="extra", value_name="value")
            .join(fields, on="extra")
            .join(accounts, on="external_id")
            .join(stored, on=["field_id", "account_id"], how="left")
        )
        inserted = long.filter(pl.col("value").is_not_null() & pl.col("old").is_null())
        changed = long.filter(
            pl.col("value").is_not_null()
            & pl.col("old").is_not_null()
            & (pl.col("value") != pl.col("old"))
        )
        cleared = long.filter(pl.col("value").is_null() & pl.col("old").is_not_null())
        insert_frame(
            raw,
            engine,
            table_for("account_field_value"),
            inserted.select("field_id", "account_id", "value"),
        )
        if changed.height:
            cursor.executemany(
                f"UPDATE account_field_value SET value = {mark}"
                f" WHERE field_id = {mark} AND account_id = {mark}",
                list(driver_rows(engine, changed.select("value", "field_id", "account_id"))),
            )
        if cleared.height:
            cursor.executemany(
                f"DELETE FROM account_field_value WHERE field_id = {mark} AND account_id = {mark}",
                list(driver_rows(engine, cleared.select("field_id", "account_id"))),
            )
        revisions = pl.concat([changed, cleared]).select(
            "account_id",
            "field_id",
            pl.col("old").alias("old_value"),
            pl.col("value").alias("new_value"),
            pl.lit(now).alias("changed_at"),
            pl.lit(user[:80]).alias("changed_by"),
            pl.lit("import").alias("source"),
        )
        insert_frame(raw, engine, table_for("account_field_revision"), revisions)
        counts.set += inserted.height
        counts.changed += changed.height
        counts.cleared += cleared.height
    cursor.close()
    return counts
