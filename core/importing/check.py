"""Every row checked before anything is written, in batches, column by column.

``make_plan`` decides everything that holds for the whole file (which column feeds
which field, the date order of each date column, the enum value maps) and refuses a
file that cannot work at all (a missing required column, ambiguous dates).
``check_rows`` then reads the file in batches, turns text into typed columns and
collects the problems of each cell: a cell that does not parse, a required cell
that is empty, a value out of range, an unknown account, a natural key that two rows
share. Nothing here writes to the database: the typed batches go to temporary Arrow
files (removed when the source closes), so memory holds one batch and a 16-byte key
hash per row, whatever the size of the file.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl

from core.importing import parse
from core.importing.fields import ExtraField, check_extras, extra_column
from core.importing.formats import FileError, Source, read_error
from core.importing.mapping import (
    Hints,
    ImportOptions,
    Mapping,
    MappingError,
    check_date_format,
    propose_mapping,
    value_maps,
)
from core.importing.spec import (
    ACCOUNT,
    DATE,
    DATETIME,
    ENUM,
    INT,
    MONEY,
    TEXT,
    Field,
    Kind,
    normalise,
)
from core.store.scratch import scratch_folder
from core.store.threads import Started, start
from core.text import shortened

MAX_REPORTED = 20
BATCH_ROWS = 250_000
_CHECK_THREADS = 2  # batches checked at once
SAMPLE_ROWS = 2_000
ACCOUNT_REF = "_account"  # the external id a row names, beside the looked-up account_id
ROW = "_row"
RANK = "_rank"  # events: a row's rank among the rows with its key (0 for the first)
EMPTY = "_empty:"
"""Before a field's target: true where the file's cell was empty, for the kinds whose
stored rows keep their value then (``KEEPS_STORED``; ``core.importing.write``)."""
KEEPS_STORED = frozenset({"accounts"})
"""The kinds whose existing rows an empty cell changes nothing of: an accounts export
without a status or a plan (a customers export after a subscriptions one) made
churned accounts active again and cleared every plan, the fields' defaults standing
in for what the file did not say. A new row takes the default."""

# progress(stage, rows done, rows in all or None): stages "read", "validated", "written".
Progress = Callable[[str, int, int | None], None]


def no_progress(_stage: str, _done: int, _total: int | None) -> None:
    return None


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str | None
    reason: str

    def __str__(self) -> str:
        value = shortened(self.value)
        return f'row {self.row}, column "{shortened(self.column)}", value "{value}": {self.reason}'


@dataclass(frozen=True)
class Tally:
    """One problem of a file and how many of its rows have it; ``example``: the cell
    of its first row, which stands for "{value}" in ``reason`` (a --value to type)."""

    column: str
    reason: str
    rows: int
    example: str | None = None

    def __str__(self) -> str:
        example = shortened(self.example) if self.example else None
        reason = self.reason.replace("{value}", example or "VALUE")
        rows = f"{self.rows:,} row" + ("" if self.rows == 1 else "s")
        return f'{rows}, column "{shortened(self.column)}": {reason}'


class ImportRejected(ValueError):
    """The file has bad rows; nothing was written. ``errors`` holds the first ones
    (by row), ``count`` how many there are in all, ``tallies`` how many rows each
    problem has, said after the first errors when they are not all of them."""

    def __init__(
        self, errors: list[RowError], count: int, tallies: list[Tally] | None = None
    ) -> None:
        self.errors = errors
        self.count = count
        self.tallies = tallies or []
        lines = [str(error) for error in errors]
        if count > len(errors):
            lines.append(f"and {count - len(errors):,} more")
            if self.tallies:
                lines.append("In all:")
                lines += [f"  {tally}" for tally in self.tallies]
        super().__init__("\n".join(lines))


@dataclass
class Plan:
    kind: Kind
    source: Source
    mapping: Mapping
    values: dict[str, dict[str, object]]
    dates: dict[str, tuple[str, str | None]]  # field -> (date order, fast pattern)
    options: ImportOptions
    cents: frozenset[str] = frozenset()  # money fields whose column holds cents
    # Money fields read as units whose values are whole numbers written bare (1999):
    # cents as well, for all the file says (an API's export); said as an assumption.
    bare: frozenset[str] = frozenset()
    # Money fields whose column writes amounts with a decimal comma ("1.234,56").
    decimal_comma: frozenset[str] = frozenset()
    # The sample's numbers use a decimal comma, and nowhere a decimal point.
    comma_file: bool = False
    # A column naming each row's account by name, tried when the account column finds
    # none (a preset's, ``Preset.account_names``).
    account_names: str | None = None
    # Key fields that a second column of the file also names (``id`` beside
    # ``external_id``): field -> those columns, whose values must agree.
    twins: dict[str, list[str]] = field(default_factory=dict)
    # Accounts: the columns no field reads, kept as custom fields (core.importing.fields).
    extras: list[ExtraField] = field(default_factory=list)
    # Moments whose sample has times of day that name no time zone, read as UTC (said):
    # field -> the first such cell.
    naive: dict[str, str] = field(default_factory=dict)

    def column(self, field_name: str) -> str:
        return self.mapping.columns[field_name]

    @property
    def extra_columns(self) -> list[str]:
        """The typed batches' columns of the kept fields' values."""
        return [extra_column(index) for index in range(len(self.extras))]


@dataclass
class Checked:
    """A checked file: its typed rows are kept batch by batch in temporary Arrow files
    (removed with the source), so a file of any size is written with the memory of
    one batch. ``low``/``high``: the smallest and largest value of the natural key's
    date, when it has one."""

    plan: Plan
    rows: int
    spilled: list[Path]
    unknown: list[str]  # external ids that name no stored account, in file order
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    tallies: list[Tally] = field(default_factory=list)
    by_name: int = 0  # rows whose account was found by its name, not its external id
    left_out: int = 0  # rows without an account, left out (``skip_without_account``)
    blank: list[int] = field(default_factory=list)  # the rows whose every cell is empty
    headers: list[int] = field(default_factory=list)  # the rows that repeat the header line
    planned: list[int] = field(default_factory=list)  # interactions dated after now
    low: Any = None
    high: Any = None
    ranks: pl.DataFrame | None = None  # events: ROW -> RANK for repeated keys (see spec)
    # The file's rows read: more than ``rows`` when rows were combined into one (a
    # usage event log's events into a row per account and day, ``EVENTS``) or set
    # apart before the check (``Source.apart``: left out by a preset's rule...).
    file_rows: int = 0

    def batches(self) -> Iterator[pl.DataFrame]:
        """The typed rows, batch by batch: ROW, ACCOUNT_REF and the mapped columns
        (and RANK, for events: a row's rank among the file's rows of its key)."""
        for path in self.spilled:
            batch = pl.read_ipc(path)
            if self.plan.kind.repeats:
                batch = _with_rank(batch, self.ranks)
            yield batch

    @property
    def kept(self) -> int:
        """The rows to write: the file's, less those left out and the empty ones."""
        return self.rows - self.left_out - len(self.blank) - len(self.headers) - len(self.planned)

    def unknown_accounts(self) -> list[str]:
        return self.unknown


def make_plan(kind: Kind, source: Source, options: ImportOptions) -> Plan:
    """Everything decided for the whole file before its rows are read."""
    check_date_format(options.date_format)
    mapping = propose_mapping(kind, source.columns, options.columns, options.hints)
    values = value_maps(kind, options.values)
    dated = [f for f in kind.fields if f.type in (DATE, DATETIME) and f.name in mapping.columns]
    money = [f.name for f in kind.fields if f.type == MONEY and f.name in mapping.columns]
    _check_cents(kind, options.cents, money)
    cents = frozenset(
        name for name in money if name in options.cents or _in_cents(mapping.columns[name])
    )
    units = [name for name in money if name not in cents]
    # Read once: the dates' order, and whether numbers have a decimal comma (the
    # kept columns' of an accounts file too, core.importing.fields).
    needs_sample = dated or units or kind.name == "accounts"
    sample = source.preview(SAMPLE_ROWS) if needs_sample else pl.DataFrame()
    dates: dict[str, tuple[str, str | None]] = {}
    naive: dict[str, str] = {}
    if dated:
        problems = []
        for spec_field in dated:
            column = mapping.columns[spec_field.name]
            texts = sample.select(parse.cleaned(column))[:, 0]
            if spec_field.type == DATETIME and (cell := _naive(column, source.file_columns, texts)):
                naive[spec_field.name] = cell
            order = options.date_format or _date_order(texts, column, options.hints)
            if order.startswith("ambiguous:"):
                problems.append(order.removeprefix("ambiguous:"))
                continue
            dates[spec_field.name] = (order, parse.fast_pattern(texts, order))
        if problems:
            raise MappingError(problems)
    twins = _twins(kind, mapping, set(options.columns))
    plan = Plan(kind, source, mapping, values, dates, options, cents=cents, twins=twins)
    plan.naive = naive
    if units or kind.name == "accounts":
        plan.comma_file = parse.comma_file(sample)
        texts = {name: sample.select(parse.cleaned(mapping.columns[name]))[:, 0] for name in units}
        plan.decimal_comma = frozenset(
            name
            for name, text in texts.items()
            if parse.decimal_comma(text) or (plan.comma_file and parse.comma_shaped(text))
        )
        plan.bare = frozenset(
            name
            for name, text in texts.items()
            if name not in plan.decimal_comma and parse.bare_integers(text)
        )
    return plan


_SAYS_UTC = r"(?i)(^|[^a-z])(utc|gmt)([^a-z]|$)"


def _naive(column: str, own: list[str], texts: pl.Series) -> str | None:
    """The first of ``texts`` (``column``'s sample) read as UTC though nothing says it
    is, if any: a time of day without a time zone, in a column whose name does not
    say UTC ("Date (UTC)") and that the file has (``own``; a column a preset derives
    is made in UTC from those it reads)."""
    if column not in own or re.search(_SAYS_UTC, column):
        return None
    return parse.naive_time(texts)


def _check_cents(kind: Kind, named: frozenset[str], money: list[str]) -> None:
    """``--cents`` names amounts that the file has."""
    amounts = [f.name for f in kind.fields if f.type == MONEY]
    problems = [
        f"--cents {name}: {kind.name} have no amount {name!r}; their amounts: "
        f"{', '.join(amounts) or 'none'}"
        if name not in amounts
        else f"--cents {name}: no column of the file feeds {name}"
        for name in sorted(named)
        if name not in money
    ]
    if problems:
        raise MappingError(problems)


def _twins(kind: Kind, mapping: Mapping, chosen: set[str]) -> dict[str, list[str]]:
    """The unmapped columns that name a key field matched automatically (not
    ``chosen`` by --map or a preset) too: a second account or external id column
    must not be dropped silently."""
    found: dict[str, list[str]] = {}
    for name in kind.key:
        spec = kind.field(name)
        if name in mapping.columns and name not in chosen and spec.type in (TEXT, ACCOUNT):
            names = spec.names()
            if twins := [c for c in mapping.ignored if normalise(c) in names]:
                found[name] = twins
    return found


def _in_cents(column: str) -> bool:
    """A money column whose name says its values are cents: ``amount_cents``,
    ``mrr_in_cents``, ``MRR (cents)``."""
    return re.search(r"(^|[^a-z])(in[\s_]*)?cents?\W*$", column.strip().lower()) is not None


def _date_order(texts: pl.Series, column: str, hints: Hints) -> str:
    if shaped := parse.data_order(texts):
        return shaped
    fits = parse.orders_that_parse(texts)
    if "iso" in fits or not fits:
        return "iso"
    if len(fits) > 1 and parse.differ(texts, fits):
        example = texts.drop_nulls()[0]
        return (
            f'ambiguous: column "{column}": dates such as "{example}" can be read as '
            f"day/month or month/day; {hints.date_format}"
        )
    return fits[0]


# -- one batch ---------------------------------------------------------------------------------

# A problem mask and its reason; "{value}" in the reason is replaced by the cell's text.
# The field is an index into ``Plan.extras`` for a column kept as a custom field.
Problem = tuple[Field | int, pl.Series, str]


def _resolve_default(value: Any, options: ImportOptions) -> Any:
    if value == "$today":
        return date.today()
    if value == "$user":
        return options.user
    return value


def _enum_dtype(values: dict[str, object]) -> pl.DataType:
    sample = next(iter(values.values()))
    if isinstance(sample, bool):
        return pl.Boolean()
    if isinstance(sample, int):
        return pl.Int64()
    return pl.String()


def _typed_field(
    plan: Plan, spec: Field, text: pl.Series, named: pl.Series | None = None
) -> tuple[pl.Series, list[Problem]]:
    """The typed values of one field and the problems of its cells. ``named``: the
    account's name beside the account field, which it may stand for."""
    problems: list[Problem] = []
    words = spec.words
    if spec.required:
        hint = f"; {plan.options.hints.skip_without_account}" if spec.type == ACCOUNT else ""
        empty = text.is_null() if named is None else text.is_null() & named.is_null()
        problems.append((spec, empty, f"{words} is required{hint}"))
    if spec.type in (TEXT, ACCOUNT):
        value = text
        if spec.max_length:
            too_long = text.str.len_chars() > spec.max_length
            reason = f"{words} is longer than {spec.max_length} characters"
            problems.append((spec, too_long, reason))
    elif spec.type in (INT, MONEY):
        whole = spec.type == INT or spec.name in plan.cents  # cents are whole numbers
        comma = spec.name in plan.decimal_comma
        value = (
            parse.integers(text)
            if whole
            else parse.comma_cents(text)
            if comma
            else parse.cents(text)
        )
        shape = "a whole number" if spec.type == INT else "an amount (such as 1234.50)"
        if comma:
            shape = "an amount with a decimal comma, as the column's others (such as 1.234,50)"
        if spec.name in plan.cents:
            shape = "a whole number of cents"
        problems.append((spec, value.is_null() & text.is_not_null(), f"{words} is not {shape}"))
        if spec.non_negative:
            problems.append((spec, value < 0, f"{words} cannot be negative"))
    elif spec.type in (DATE, DATETIME):
        order, pattern = plan.dates[spec.name]
        value = parse.moments(text, order, pattern)
        if spec.type == DATE:
            value = value.dt.date()
        shape = parse.ORDER_WORDS.get(order, f"in the format {order}")
        problems.append(
            (spec, value.is_null() & text.is_not_null(), f"{words} is not a date ({shape})")
        )
    elif spec.type == ENUM:
        values = plan.values[spec.name]
        value = parse.choices(text, values, _enum_dtype(values))
        allowed = (
            "yes, no, true, false, 1, 0"
            if all(isinstance(v, bool) for v in spec.values.values())
            else ", ".join(dict.fromkeys(str(v) for v in spec.values.values()))
        )
        reason = (
            f"not a known {spec.name}; {plan.options.hints.map_values.format(field=spec.name)} "
            f"(one of: {allowed})"
        )
        problems.append((spec, value.is_null() & text.is_not_null(), reason))
    else:
        raise ValueError(f"unknown field type {spec.type!r}")
    if spec.default is not None and not spec.required:
        value = value.fill_null(_resolve_default(spec.default, plan.options))
    name = ACCOUNT_REF if spec.type == ACCOUNT else spec.target
    return value.alias(name), problems


# The moments of what has happened, by kind: an answer, a ticket's steps, a purchase, a
# day of use. None of them can be later than now. An interaction dated later is one
# planned (a CRM's meetings export lists those scheduled): left out, and said
# (``Checked.planned``).
_HAPPENED = {
    "surveys": ("answered_at",),
    "tickets": ("opened_at", "first_response_at", "resolved_at"),
    "purchases": ("purchased_at",),
    "usage": ("day",),
}
# A moment without an offset is read as UTC; one written in local time east of UTC
# (up to UTC+14) reads up to 14 hours late: within that, it may be now.
_LOCAL_TIME_SLACK = timedelta(hours=14)


def _after_now(typed: pl.DataFrame, names: tuple[str, ...]) -> list[tuple[str, pl.Series]]:
    """For each of the moments ``names`` the file has, the rows dated after now (as
    UTC, with ``_LOCAL_TIME_SLACK``)."""
    latest = datetime.now(UTC).replace(tzinfo=None) + _LOCAL_TIME_SLACK
    found = []
    for name in names:
        if name in typed.columns:
            column = typed[name]
            limit = latest if column.dtype == pl.Datetime else latest.date()
            found.append((name, column > limit))
    return found


def _row_rules(plan: Plan, typed: pl.DataFrame) -> tuple[pl.DataFrame, list[Problem]]:
    """Checks across fields: score ranges by survey kind, MRR movement signs, nothing
    that has happened dated after now (as ``cxtui log`` refuses a call not made yet)."""
    kind = plan.kind
    problems: list[Problem] = []
    for name, late in _after_now(typed, _HAPPENED.get(kind.name, ())):
        reason = "dated after now: only what has happened is imported (not a meeting planned)"
        problems.append((kind.field(name), late, reason))
    if kind.name == "surveys":
        score, which = typed["score"], typed["kind"]
        for survey, low, high in (("nps", 0, 10), ("csat", 1, 5)):
            out = (which == survey) & ((score < low) | (score > high))
            problems.append((kind.field("score"), out, f"{survey.upper()} must be {low}-{high}"))
    elif kind.name == "mrr":
        amount, which = typed["amount_cents"], typed["kind"]
        negative_kinds = which.is_in(["contraction", "churn"])
        spec = kind.field("amount")
        problems.append((spec, amount == 0, "amount cannot be zero"))
        reason = "amount of a new, expansion or reactivation movement must be positive"
        problems.append((spec, ~negative_kinds & (amount < 0), reason))
        # Contraction and churn are stored negative; the file may give them either way.
        typed = typed.with_columns(
            pl.when(negative_kinds)
            .then(-pl.col("amount_cents").abs())
            .otherwise(pl.col("amount_cents"))
            .alias("amount_cents")
        )
    elif kind.name == "accounts" and {"start_date", "churned_at"} <= set(typed.columns):
        early = typed["churned_at"] < typed["start_date"]
        reason = "the account churned before its start date"
        problems.append((kind.field("churned_at"), early, reason))
    elif kind.name == "tickets":
        opened = typed["opened_at"]
        for name, words in (("first_response_at", "answered"), ("resolved_at", "resolved")):
            if name in typed.columns:
                early = typed[name] < opened
                problems.append(
                    (kind.field(name), early, f"the ticket is {words} before it opened")
                )
    if kind.name == "accounts" and "churn_recorded_on" in typed.columns:
        typed = _recorded_beside_churn(typed)
    return typed, problems


def _recorded_beside_churn(typed: pl.DataFrame) -> pl.DataFrame:
    """The day an undated churn was recorded is read only on a row whose status cell
    says churned: elsewhere (an exported file whose status was edited to active) it is
    an empty cell, so it cannot end an active account's days as a customer."""
    churned = pl.col("status") == "churned" if "status" in typed.columns else pl.lit(False)
    read = churned.fill_null(False)
    empty = f"{EMPTY}churn_recorded_on"
    return typed.with_columns(
        pl.when(read).then(pl.col("churn_recorded_on")).alias("churn_recorded_on"),
        (pl.col(empty) | ~read).alias(empty),
    )


def _problem_frame(plan: Plan, raw: pl.DataFrame, problem: Problem) -> pl.DataFrame | None:
    spec, mask, reason = problem
    if isinstance(spec, int):  # a kept column (plan.extras), after every field
        column, order = plan.extras[spec].column, len(plan.kind.fields) + 1 + spec
    else:
        column, order = plan.column(spec.name), plan.kind.fields.index(spec)
    return _problem_rows(raw, mask, column, order, reason)


def _problem_rows(
    raw: pl.DataFrame, mask: pl.Series, column: str, order: int, reason: str
) -> pl.DataFrame | None:
    mask = mask.fill_null(False)
    if not mask.any():
        return None
    hits = raw.filter(mask).head(MAX_REPORTED)
    # A row that stands for several of the file's (a usage event log's day) counts them all.
    count = int(raw.filter(mask)[EVENTS].sum()) if EVENTS in raw.columns else int(mask.sum())
    return pl.DataFrame(
        {
            "row": hits[ROW].cast(pl.Int64),
            "order": [order] * hits.height,
            "column": [column] * hits.height,
            "value": hits[column].cast(pl.String),
            "reason": [reason] * hits.height,
            "count": [count] * hits.height,
            "tally": [reason] * hits.height,
        }
    )


_NAMED = "_accounts_named"
EVENTS = "_events"
"""A source's column of how many of the file's rows each row stands for, when rows were
combined into one (``core.importing._events_as_days``): what the errors count."""
_BLANK = "_blank"
_HEADER = "_header"
_BY_NAME = "_by_name"


def name_key(name: pl.Expr) -> pl.Expr:
    """An account name as it is compared: without case or extra spaces."""
    return name.str.strip_chars().str.replace_all(r"\s+", " ").str.to_lowercase()


@dataclass(frozen=True)
class AccountKeys:
    """How a file's account column finds the stored accounts: by external id; else by
    name when exactly one account has it (a support or survey tool names companies,
    the CRM that the accounts came from has its own ids)."""

    by_id: pl.DataFrame  # external_id, account_id
    by_name: pl.DataFrame  # key, the one account with that name (null: several), how many

    @classmethod
    def of(cls, accounts: pl.DataFrame) -> AccountKeys:
        by_id = accounts.select(
            pl.col("external_id").cast(pl.String), pl.col("id").cast(pl.Int64).alias("account_id")
        )
        by_name = (
            accounts.filter(pl.col("name").is_not_null())
            .group_by(name_key(pl.col("name")).alias("_name_key"))
            .agg(pl.col("id").first().cast(pl.Int64).alias("_named_id"), pl.len().alias(_NAMED))
            .with_columns(pl.when(pl.col(_NAMED) == 1).then(pl.col("_named_id")).alias("_named_id"))
        )
        return cls(by_id, by_name)

    def resolve(self, typed: pl.DataFrame, names: pl.Series | None = None) -> pl.DataFrame:
        """``typed`` with each row's ``account_id`` (null: not found), whether it was
        found by name (``_BY_NAME``) and how many accounts have its name (``_NAMED``).
        ``names``: a second column naming the account, by name, for the rows whose
        account column finds none."""
        typed = typed.join(
            self.by_id,
            left_on=ACCOUNT_REF,
            right_on="external_id",
            how="left",
            maintain_order="left",
        )
        if not typed["account_id"].has_nulls():  # every row by its external id
            return typed.with_columns(
                pl.lit(False).alias(_BY_NAME), pl.lit(None, pl.UInt32).alias(_NAMED)
            )
        typed = self._named(typed, pl.col(ACCOUNT_REF), "")
        if names is not None:
            typed = self._named(typed.with_columns(names.alias("_names")), pl.col("_names"), "2")
            typed = typed.with_columns(
                pl.coalesce("_named_id", "_named_id2").alias("_named_id"),
                pl.max_horizontal(_NAMED, f"{_NAMED}2").alias(_NAMED),
            ).drop("_names", "_named_id2", f"{_NAMED}2")
        by_name = pl.col("account_id").is_null() & pl.col("_named_id").is_not_null()
        return typed.with_columns(
            pl.coalesce("account_id", "_named_id").alias("account_id"), by_name.alias(_BY_NAME)
        ).drop("_named_id")

    def _named(self, typed: pl.DataFrame, name: pl.Expr, suffix: str) -> pl.DataFrame:
        """``typed`` with the one account named ``name`` (``_named_id``) and how many
        accounts have that name (``_NAMED``), their names ending in ``suffix``."""
        by_name = self.by_name.rename(
            {"_named_id": f"_named_id{suffix}", _NAMED: f"{_NAMED}{suffix}"}
        )
        found = typed.with_columns(name_key(name).alias("_name_key")).join(
            by_name, on="_name_key", how="left", maintain_order="left"
        )
        return found.drop("_name_key")


def _check_batch(
    plan: Plan, raw: pl.DataFrame, accounts: AccountKeys
) -> tuple[pl.DataFrame, list[pl.DataFrame], int]:
    """The typed batch, its first problems per check, and its number of problems."""
    columns = [raw[ROW]]
    problems: list[Problem] = []
    named = raw.select(parse.cleaned(plan.account_names))[:, 0] if plan.account_names else None
    for name, column in plan.mapping.columns.items():
        spec = plan.kind.field(name)
        text = raw.select(parse.cleaned(column))[:, 0]
        value, found = _typed_field(plan, spec, text, named if spec.type == ACCOUNT else None)
        columns.append(value)
        problems.extend(found)
        if plan.kind.name in KEEPS_STORED and name not in plan.kind.key:
            columns.append(text.is_null().alias(f"{EMPTY}{spec.target}"))
    for name, twins in plan.twins.items():
        mine = raw.select(parse.cleaned(plan.column(name)))[:, 0]
        for twin in twins:
            other = raw.select(parse.cleaned(twin))[:, 0]
            differs = mine.is_not_null() & other.is_not_null() & (mine != other)
            reason = f'column "{twin}" names another {name} on this row'
            problems.append((plan.kind.field(name), differs, reason))
    if plan.extras:
        values, found_extra = check_extras(plan, raw)
        columns.extend(values)
        problems.extend(found_extra)
    typed = pl.DataFrame(columns)
    if ACCOUNT_REF in typed.columns:
        typed = accounts.resolve(typed, named)
        if named is not None:  # a row found by its name alone is keyed by that name
            by_name_alone = pl.col("account_id").is_not_null() & pl.col(ACCOUNT_REF).is_null()
            typed = typed.with_columns(
                pl.when(by_name_alone).then(pl.lit(named)).otherwise(ACCOUNT_REF).alias(ACCOUNT_REF)
            )
        account = plan.kind.field("account")
        ambiguous = typed["account_id"].is_null() & (typed[_NAMED] > 1).fill_null(False)
        reason = "several accounts have this name; name the account by its external id"
        problems.append((account, ambiguous, reason))
        lost = typed["account_id"].is_null() & ~ambiguous
        # a CRM cell naming several companies ("Acme;Globex"): no account to find or make
        several = lost & typed[ACCOUNT_REF].str.contains(";", literal=True).fill_null(False)
        reason = "names several accounts (separated by ;): a row is one account's; split it"
        problems.append((account, several, reason))
        if not plan.options.create_missing_accounts:
            unknown = typed[ACCOUNT_REF].is_not_null() & lost & ~several
            reason = f"no account has this external id or name; {plan.options.hints.create_missing}"
            problems.append((account, unknown, reason))
        if named is not None:  # a name alone, which no account has: nothing to create it by
            unnamed = typed[ACCOUNT_REF].is_null() & named.is_not_null() & lost
            reason = (
                f'no account has the name in column "{plan.account_names}", and the row has no'
                f" {account.words} to create one by; {plan.options.hints.skip_without_account}"
            )
            problems.append((account, unnamed, reason))
    typed, rules = _row_rules(plan, typed)
    problems.extend(rules)
    frames = [f for p in problems if (f := _problem_frame(plan, raw, p)) is not None]
    count = sum(int(f["count"][0]) for f in frames)
    return typed, frames, count


# -- the whole file ------------------------------------------------------------------------------


@dataclass
class _Batch:
    """One checked batch, spilled to ``path``."""

    path: Path
    rows: int
    hashes: pl.DataFrame  # ROW, key: a hash of the natural key
    unknown: list[str]  # external ids naming no stored account, in file order
    low: Any
    high: Any
    problems: list[pl.DataFrame]
    problem_count: int
    by_name: int  # rows whose account was found by its name
    left_out: int  # rows without an account, left out (skip_without_account)
    blank: list[int]  # rows whose every cell is empty, left out
    headers: list[int]  # rows that repeat the header line, left out
    planned: list[int]  # interactions dated after now, left out
    events: int  # the file's rows these stand for (``EVENTS``)


def _check_and_spill(plan: Plan, raw: pl.DataFrame, accounts: AccountKeys, path: Path) -> _Batch:
    rows, left_out, blank, headers = raw.height, 0, [], []
    events = int(raw[EVENTS].fill_null(1).sum()) if EVENTS in raw.columns else rows
    raw = parse.unneutralised(raw)  # an export's '-X1 is -X1
    if _BLANK in raw.columns:  # a row of empty cells, or the header again, is no record
        blank = raw.filter(pl.col(_BLANK))[ROW].to_list()
        headers = raw.filter(pl.col(_HEADER))[ROW].to_list()
        raw = raw.filter(~pl.col(_BLANK), ~pl.col(_HEADER)).drop(_BLANK, _HEADER)
    if plan.options.skip_without_account and "account" in plan.mapping.columns:
        columns = [plan.column("account"), *([plan.account_names] if plan.account_names else [])]
        empty = raw.select(pl.all_horizontal(parse.cleaned(c).is_null() for c in columns))[:, 0]
        left_out = int(empty.sum())
        raw = raw.filter(~empty)
    typed, frames, found = _check_batch(plan, raw, accounts)
    planned: list[int] = []
    if plan.kind.name == "interactions":  # one planned is not one held (``_HAPPENED``)
        for _, late in _after_now(typed, ("occurred_at",)):
            planned = typed.filter(late)[ROW].to_list()
            typed = typed.filter(~late)
    by_name = 0
    if _BY_NAME in typed.columns:
        by_name = int(typed[_BY_NAME].sum())
        typed = typed.drop(_BY_NAME, _NAMED)
    typed.write_ipc(path)
    hashes = typed.select(ROW, key_hash(_key_columns(plan)).alias("key"))
    unknown: list[str] = []
    if "account_id" in typed.columns:
        missing = typed.filter(pl.col("account_id").is_null())[ACCOUNT_REF]
        unknown = list(dict.fromkeys(missing.drop_nulls().to_list()))
    dated = _dated_key(plan)
    low = typed[dated].min() if dated is not None else None
    high = typed[dated].max() if dated is not None else None
    return _Batch(
        path,
        rows,
        hashes,
        unknown,
        low,
        high,
        frames,
        found,
        by_name,
        left_out,
        blank,
        headers,
        planned,
        events,
    )


def blank_row(columns: list[str]) -> pl.Expr:
    """Whether every cell of a row is empty (a null or empty test: far cheaper than
    trimming)."""
    return pl.all_horizontal(
        pl.col(column).is_null() | (pl.col(column).str.len_bytes() == 0) for column in columns
    )


def header_again(columns: list[str]) -> pl.Expr:
    """Whether a row is the header line again, each cell its column's name (the first
    one's byte order mark aside): exports put one after another, as a monthly export
    appended to the last one."""
    first, *others = columns
    cells = [pl.col(first).str.strip_chars_start("\ufeff") == first]
    cells += [pl.col(column) == column for column in others]
    return pl.all_horizontal(cells).fill_null(False)


def no_record(columns: list[str]) -> pl.Expr:
    """Whether a row is no record: every cell empty, or the header line again."""
    return blank_row(columns) | header_again(columns)


def check_rows(plan: Plan, accounts: pl.DataFrame, progress: Progress = no_progress) -> Checked:
    """Read and check every row, batch by batch, keeping the typed batches on disk.
    ``accounts`` maps external_id -> id (the stored accounts). Raises FileError for a
    file that cannot be read or has no rows. Two batches are checked at once, in
    threads (polars releases the GIL), while the next one is read."""
    source = plan.source
    twins = [column for columns in plan.twins.values() for column in columns]
    kept = [extra.column for extra in plan.extras]
    names = [plan.account_names] if plan.account_names else []
    names += [EVENTS] if EVENTS in source.columns else []
    wanted = list(dict.fromkeys([*plan.mapping.columns.values(), *twins, *kept, *names]))
    own = source.file_columns or source.columns
    flags = [blank_row(own).alias(_BLANK), header_again(own).alias(_HEADER)]
    if source.row_column is None:
        lazy = source.frame.select(*wanted, *flags).with_row_index(ROW, offset=source.first_row)
    else:  # rows left out or combined: each keeps its own number
        lazy = source.frame.select(pl.col(source.row_column).alias(ROW), *wanted, *flags)
    keys = AccountKeys.of(accounts)
    folder = scratch_folder("import")
    source.temporary.append(folder)
    checked = Checked(plan, 0, [], [])
    apart = sum(rows for rows, _ in source.apart)
    hashes: list[pl.DataFrame] = []
    problem_frames: list[pl.DataFrame] = []
    unknown: dict[str, None] = {}

    def merge(batch: _Batch) -> None:
        checked.spilled.append(batch.path)
        hashes.append(batch.hashes)
        unknown.update(dict.fromkeys(batch.unknown))
        checked.by_name += batch.by_name
        checked.left_out += batch.left_out
        checked.blank += batch.blank
        checked.headers += batch.headers
        checked.planned += batch.planned
        checked.low = _extreme(min, checked.low, batch.low)
        checked.high = _extreme(max, checked.high, batch.high)
        problem_frames.extend(batch.problems)
        checked.error_count += batch.problem_count
        checked.rows += batch.rows
        checked.file_rows += batch.events
        # (the file's rows, as the user counts them: an event log's events, and the
        # rows set apart before the check, left out or combined into another)
        progress("read", apart + checked.file_rows, None)
        progress("validated", checked.file_rows, None)

    try:
        running: deque[Started[_Batch]] = deque()
        try:
            for number, raw in enumerate(lazy.collect_batches(chunk_size=BATCH_ROWS)):
                path = folder / f"{number:05d}.arrow"
                running.append(start(partial(_check_and_spill, plan, raw, keys, path)))
                while len(running) >= _CHECK_THREADS:
                    merge(running.popleft().result())
            while running:
                merge(running.popleft().result())
        finally:  # after an error, the batches still checked end before it is raised
            for batch in running:
                batch.drop()
    except pl.exceptions.PolarsError as error:
        raise read_error(source.path, error) from None
    if checked.rows == len(checked.blank) + len(checked.headers):
        raise FileError(f"{source.path.name} has a header but no rows")
    checked.file_rows += apart
    checked.unknown = list(unknown)
    repeated = _repeated_keys(plan, checked, pl.concat(hashes))
    if repeated is not None and plan.kind.repeats:
        checked.ranks = _ranks(plan, repeated)
    elif repeated is not None:
        duplicates = _duplicates(plan, repeated)
        problem_frames.append(duplicates)
        checked.error_count += int(duplicates["count"][0])
    checked.errors = _first_errors(problem_frames)
    checked.tallies = _tallies(problem_frames)
    return checked


_HASH_SEED = 20_261_123


def key_hash(columns: list[str]) -> pl.Expr:
    """A 64-bit hash of a row's natural key (equal keys of equal types, equal hashes)."""
    return pl.struct(columns).hash(_HASH_SEED)


def _dated_key(plan: Plan) -> str | None:
    """The column of the natural key's first date or datetime field, if any."""
    for name in plan.kind.key:
        spec = plan.kind.field(name)
        if spec.type in (DATE, DATETIME):
            return spec.target
    return None


def _extreme(pick: Callable[[Any, Any], Any], known: Any, value: Any) -> Any:
    if value is None:
        return known
    return value if known is None else pick(known, value)


def _key_columns(plan: Plan) -> list[str]:
    names = []
    for name in plan.kind.key:
        spec = plan.kind.field(name)
        names.append(ACCOUNT_REF if spec.type == ACCOUNT else spec.target)
    return names


def _repeated_keys(plan: Plan, checked: Checked, hashes: pl.DataFrame) -> pl.DataFrame | None:
    """The rows (ROW and key columns) whose natural key another row of the file has,
    or None. Only the rows whose key hash repeats (``hashes``: ROW, key) are read
    back and compared."""
    if hashes["key"].n_unique() == hashes.height:  # 5x faster than is_duplicated
        return None
    candidates = hashes.filter(pl.col("key").is_duplicated())[ROW]
    if candidates.is_empty():
        return None
    keys = _key_columns(plan)
    frame = pl.concat(
        batch.filter(pl.col(ROW).is_in(candidates.implode())).select(ROW, *keys)
        for batch in checked.batches()
    )
    # A key with an empty or unreadable part is already an error at its row, not a
    # repeat of another row's.
    repeated = frame.drop_nulls(keys).filter(pl.struct(keys).is_duplicated())
    return None if repeated.is_empty() else repeated


def _ranks(plan: Plan, repeated: pl.DataFrame) -> pl.DataFrame:
    """For events whose key repeats in the file: ROW -> RANK, the row's rank (0, 1,
    ...) among the rows of its key, in file order. Other rows have rank 0."""
    keys = _key_columns(plan)
    return (
        repeated.sort(ROW)
        .select(ROW, pl.int_range(pl.len()).over(keys).cast(pl.Int64).alias(RANK))
        .filter(pl.col(RANK) > 0)
    )


def _with_rank(batch: pl.DataFrame, ranks: pl.DataFrame | None) -> pl.DataFrame:
    if ranks is None:
        return batch.with_columns(pl.lit(0, pl.Int64).alias(RANK))
    return batch.join(ranks, on=ROW, how="left", maintain_order="left").with_columns(
        pl.col(RANK).fill_null(0)
    )


def _duplicates(plan: Plan, frame: pl.DataFrame) -> pl.DataFrame:
    """Errors for the rows whose natural key an earlier row of the file already has
    (``frame``: the rows of repeated keys)."""
    keys = _key_columns(plan)
    first = frame.with_columns(pl.col(ROW).min().over(keys).alias("first")).filter(
        pl.col(ROW) != pl.col("first")
    )
    head = first.sort(ROW).head(MAX_REPORTED)
    columns = [plan.column(name) for name in plan.kind.key]
    key_words = " + ".join(plan.kind.key)
    values = head.select(pl.concat_str([pl.col(k).cast(pl.String) for k in keys], separator=" | "))
    return pl.DataFrame(
        {
            "row": head[ROW].cast(pl.Int64),
            "order": [len(plan.kind.fields)] * head.height,
            "column": [", ".join(columns)] * head.height,
            "value": values[:, 0],
            "reason": [f"same {key_words} as row {row}" for row in head["first"]],
            "count": [first.height] * head.height,
            "tally": [f"same {key_words} as an earlier row"] * head.height,
        }
    )


def _tallies(frames: list[pl.DataFrame]) -> list[Tally]:
    """How many rows each problem has in the whole file, the most first: each problem
    frame (a batch's, ``_problem_rows``) carries its count."""
    totals: dict[tuple[str, str], int] = {}
    examples: dict[tuple[str, str], str | None] = {}
    for frame in frames:  # in the file's order
        column, tally, count, value = frame.select("column", "tally", "count", "value").row(0)
        totals[(column, tally)] = totals.get((column, tally), 0) + count
        examples.setdefault((column, tally), value)
    ordered = sorted(totals.items(), key=lambda item: -item[1])
    return [
        Tally(column, reason, count, examples[(column, reason)])
        for (column, reason), count in ordered
    ]


def _first_errors(frames: list[pl.DataFrame]) -> list[RowError]:
    if not frames:
        return []
    first = pl.concat(frames).sort("row", "order").head(MAX_REPORTED)
    return [
        RowError(row, column, value, reason.replace("{value}", value or ""))
        for row, column, value, reason in first.select("row", "column", "value", "reason").rows()
    ]
