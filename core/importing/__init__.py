"""Importing files as they come: accounts, contacts, interactions, usage, surveys,
tickets, MRR movements and purchases, from CSV, TSV, XLSX, Parquet or JSON lines.

Used by ``cxtui import`` and by the app. The steps, each callable on its own so a
screen can show them:

    source = open_source(path)                 # formats.py: any format -> text columns
    source.preview(20)                         # the first rows, as text
    plan = make_plan(kind_for("interactions"), source, options)   # mapping, date orders
    plan.mapping.columns / plan.mapping.ignored                   # proposed mapping
    checked = check_rows(plan, stored_accounts(engine), progress) # every row, no writes
    checked.errors, checked.error_count                           # the first 20, and all
    plan_changes(engine, checked)              # what would be inserted / updated / skipped
    write_checked(engine, checked, progress)   # one transaction, all or nothing

or all at once: ``import_file(engine, kind, path, options, progress)``, which raises
``FileError`` (unreadable, empty, header only), ``MappingError`` (a missing
required column, a bad option) or ``ImportRejected`` (bad rows: nothing written)
and returns an ``ImportResult``. Row numbers in errors count the header as row 1
(CSV, TSV, XLSX); in JSON lines and Parquet the first record is row 1.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import Engine
from sqlmodel import select

from core.accounts.fields import custom_fields
from core.importing import parse
from core.importing.check import (
    EVENTS,
    MAX_REPORTED,
    Checked,
    ImportRejected,
    Plan,
    Progress,
    RowError,
    Tally,
    check_rows,
    make_plan,
    no_progress,
    no_record,
)
from core.importing.fields import ExtraField, FieldCounts, plan_extras
from core.importing.formats import FileError, Source, collect, open_source
from core.importing.mapping import (
    Hints,
    ImportOptions,
    Mapping,
    MappingError,
    load_mapping_file,
    parse_pair,
    parse_value_option,
    propose_mapping,
)
from core.importing.presets import (
    PRESETS,
    Caveat,
    LeaveOut,
    Preset,
    moment_column,
    preset_named,
    recognise,
)
from core.importing.reconcile import Reconciliation, reconcile
from core.importing.spec import ACCOUNT, KINDS, MONEY, Kind, kind_for, normalise
from core.importing.write import Changes, kept_note, plan_changes, write_checked
from core.models import Account
from core.store.frames import read_frame

_KIND_WORDS = {"mrr": "MRR movements"}
"""A kind in the summary's words, where its name is not them (``cxtui import mrr``)."""


def _rows(count: int) -> str:
    """``count`` rows in words: "1 row", "2 rows"."""
    return f"{count:,} row" + ("" if count == 1 else "s")


@dataclass
class ImportResult:
    kind: str
    path: Path
    rows: int
    inserted: int
    updated: int
    skipped: int
    created_accounts: int
    dry_run: bool
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0
    reconciliation: Reconciliation | None = None
    recorded: list[str] = field(default_factory=list)  # MRR movements written, in words
    preset: str | None = None  # the vendor export recognised (core.importing.presets)
    fields: list[ExtraField] = field(default_factory=list)  # columns kept as custom fields
    field_counts: FieldCounts | None = None  # their values written (None: dry run)
    leave_out: str = Hints().drop_extra  # how to leave them out, in the user's words
    mapping: dict[str, str] = field(default_factory=dict)  # field -> the column it was read from
    file_rows: int = 0
    """The file's rows read, when they are more than ``rows``: combined (an event log's
    events into days, a customer's subscriptions into one account) or left out
    before the check (``Reconciliation.left_out`` says why)."""

    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        rows = f"{_rows(self.rows)} of {_KIND_WORDS.get(self.kind, self.kind)}"
        if self.file_rows > self.rows:
            rows = f"{_rows(self.file_rows)} of the file read as {rows} and"
        text = (
            f"{rows} checked: {self.inserted:,} {verb} inserted, "
            f"{self.updated:,} updated and {self.skipped:,} skipped (unchanged)"
        )
        if self.created_accounts:
            accounts = "account" if self.created_accounts == 1 else "accounts"
            text += f"; {self.created_accounts:,} new {accounts} {verb} created"
        if self.dry_run:
            text += ". Dry run: nothing was written."
        else:
            text += f" in {self.seconds:.1f} s."
        return text

    def details(self) -> list[str]:
        """The rows left out or combined, one line per reason (with the rows checked
        they add up to the rows read), the reconciliation and what was recorded
        beside the rows, one per line."""
        lines = list(self.reconciliation.left_out) if self.reconciliation else []
        lines += [f"preset: {self.preset}"] if self.preset else []
        lines += self.reconciliation.lines() if self.reconciliation else []
        return lines + self.recorded + self.field_lines()

    def mapping_line(self) -> str:
        """Which column each field was read from, as ``--map`` writes it (matched by
        name, by a preset or given): "account=Customer ID, amount=Total (USD)"."""
        return ", ".join(f"{name}={column}" for name, column in self.mapping.items())

    def field_lines(self) -> list[str]:
        """The columns kept as custom fields, with their types, and their values written."""
        if not self.fields:
            return []
        new = [extra.describe() for extra in self.fields if extra.field_id is None]
        known = [extra for extra in self.fields if extra.field_id is not None]
        lines = []
        if new:
            fields = "a new custom field" if len(new) == 1 else "new custom fields"
            lines.append(f"{self._columns(len(new))} kept as {fields} ({self.leave_out}):")
            lines += [f"  {line}" for line in new]
        if known:
            names = ", ".join(extra.column for extra in self.fields if extra.field_id is not None)
            lines.append(f"{self._columns(len(known))} read into their custom fields: {names}")
            lines += [
                f"  {extra.column} gains the choices {', '.join(extra.new_choices)}"
                for extra in self.fields
                if extra.new_choices
            ]
        if self.field_counts is not None:
            lines.append(self.field_counts.describe())
        return lines

    def _columns(self, count: int) -> str:
        """'1 column was', '3 columns would be'..."""
        verb = "would be" if self.dry_run else "was" if count == 1 else "were"
        return f"{count} column{'' if count == 1 else 's'} {verb}"

    def as_dict(self) -> dict[str, object]:
        """The ``--json`` shape: counts, the reconciliation and what was recorded."""
        return {
            "kind": self.kind,
            "file": str(self.path),
            "preset": self.preset,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "skipped": self.skipped,
            "created_accounts": self.created_accounts,
            "ignored_columns": self.ignored_columns,
            "custom_fields": [extra.as_dict() for extra in self.fields],
            "custom_field_values": None
            if self.field_counts is None
            else {
                "set": self.field_counts.set,
                "changed": self.field_counts.changed,
                "cleared": self.field_counts.cleared,
            },
            "reconciliation": self.reconciliation.as_dict() if self.reconciliation else None,
            "recorded": self.recorded,
        }


def _with_preset(
    spec: Kind, source: Source, options: ImportOptions
) -> tuple[Preset | None, ImportOptions]:
    """The vendor preset for this file (recognised, or named by ``options.preset``)
    and the options with its mapping and value maps under the user's own; its
    derived columns are added to ``source``."""
    if options.preset is None:
        return None, options
    if options.preset == "auto":
        preset = recognise(spec.name, source.columns)
    else:
        try:
            preset = preset_named(options.preset)
        except KeyError as error:
            raise MappingError([str(error.args[0])]) from None
        if preset.kind != spec.name:
            raise MappingError([f"the preset {preset.name} imports {preset.kind}, not {spec.name}"])
    if preset is None:
        return None, options
    derived, missing = preset.derivable(source.columns)
    if missing:
        if options.preset == "auto":
            return None, options
        raise MappingError([f"the preset {preset.name} needs the column(s) {', '.join(missing)}"])
    source.frame = source.frame.with_columns(e.alias(n) for n, e in derived.items())
    source.columns = [*source.columns, *derived]
    if preset.leave_out is not None and not options.every_row:
        _leave_out(preset.leave_out, source, options.hints.every_row)
    source.notes += _caveats(preset.caveats, source)
    if preset.combine is not None:
        _combine(preset, source, options)
    present = preset.mapping(source.columns)
    source.notes += [
        preset.said[column]
        for name, column in present.items()
        if column in preset.said and name not in options.columns
    ]
    values = {name: dict(mapped) for name, mapped in preset.values.items()}
    for name, mapped in options.values.items():
        values.setdefault(name, {}).update(mapped)
    return preset, replace(options, columns={**present, **options.columns}, values=values)


FILE_ROW = "row in the file"


def _set_aside(source: Source) -> pl.LazyFrame | None:
    """The rows that are no records (every cell empty, the header line again), taken
    from ``source`` before anything is read from its rows: a preset's rules and
    combining would count them as records (a customer who never paid, a subscription
    with a coupon), the custom fields' types and the currencies as values. They are
    put back for the check, which leaves them out and says so; None when there are
    none."""
    own = source.file_columns or source.columns
    if not collect(source.frame.select(no_record(own).any()), source.path).item():
        return None
    frame = _numbered(source)
    source.frame = frame.filter(~no_record(own))
    return frame.filter(no_record(own))


def _not_imported(
    plan: Plan,
    own_columns: list[str],
    preset: Preset | None,
    rule: LeaveOut | None,
    counted: set[str],
) -> list[str]:
    """The file's own columns that feed no field: neither mapped, nor kept as custom
    fields, nor read by a column the preset derives (not the derived ones either), nor
    read to leave rows out (an order log's status, a call's outcome), nor ``counted``
    (a usage event log's users and sessions)."""
    read = {e.column for e in plan.extras} | ({rule.column} if rule else set()) | counted
    if preset is not None:
        read |= preset.read_through_derived(own_columns)
    return [c for c in plan.mapping.ignored if c in own_columns and c not in read]


def _rule_applied(preset: Preset | None, options: ImportOptions) -> LeaveOut | None:
    """The preset's rule that left rows out, unless ``options.every_row`` kept them."""
    return None if preset is None or options.every_row else preset.leave_out


def _combine(preset: Preset, source: Source, options: ImportOptions) -> None:
    """The rows of one record (``preset.combine_by``) combined into one; the file row
    of each combined row is kept for the errors. How many rows were combined into
    another, and how many were left out as no customers (unless
    ``options.every_row``), is said with the rows set apart (``Source.apart``). The
    preset's history is read from the rows before they are combined, their dates
    read in the file's order."""
    _read_moments(preset, source, options)
    if preset.history is not None:
        source.mrr_history = preset.history(source.frame)
    key = preset.combine_by
    per_record = source.frame.group_by(key).len()
    assert preset.combine is not None
    source.frame = preset.combine(_numbered(source), FILE_ROW, options.every_row)
    added = source.frame.collect_schema().names()
    source.columns += [c for c in added if c not in source.columns and c != FILE_ROW]
    kept = source.frame.select(key, _kept=pl.lit(True))
    mine = pl.col("_kept").is_not_null()
    records, several, left, left_rows, combined = collect(
        per_record.join(kept, on=key, how="left", nulls_equal=True).select(
            records=pl.len(),
            several=((pl.col("len") > 1) & mine).sum(),
            left=(~mine).sum(),
            left_rows=pl.col("len").filter(~mine).sum(),
            combined=(pl.col("len") - 1).filter(mine).sum(),
        ),
        source.path,
    ).row(0)
    if combined:
        source.apart.append((combined, preset.combined.format(rows=_rows(combined), count=several)))
    if not left:
        return
    out = preset.combined_out.format(count=left, s="" if left == 1 else "s")
    if left == records:
        raise FileError(
            f"{source.path.name}: every row is left out: {out}; {options.hints.every_row}"
        )
    source.apart.append(
        (left_rows, f"{_rows(left_rows)} left out: {out}; {options.hints.every_row}")
    )


def _read_moments(preset: Preset, source: Source, options: ImportOptions) -> None:
    """The moments of the preset's date columns (``Preset.dates``), beside them, in
    the order the user gave (--date-format), else the one their dates all read in
    (year-month-day unless they read only as day/month/year, or only as
    month/day/year, as a spreadsheet in another locale saves the export)."""
    present = [c for c in preset.dates if c in source.columns]
    if not present:
        return
    order = options.date_format
    if order is None:
        sample = collect(
            source.frame.select(pl.concat_list(present).alias("_dates"))
            .explode("_dates")
            .head(_DATE_SAMPLE),
            source.path,
        )["_dates"]
        fits = parse.orders_that_parse(sample)
        order = fits[0] if len(fits) == 1 else "iso"
    source.frame = source.frame.with_columns(
        parse.order_moments(pl.col(c), order).alias(moment_column(c)) for c in present
    )


_DATE_SAMPLE = 10_000


def _numbered(source: Source) -> pl.LazyFrame:
    """``source``'s frame with each row's number in the file (``FILE_ROW``), for rows
    that are left out or combined."""
    if source.row_column is None:
        source.frame = source.frame.with_row_index(FILE_ROW, offset=source.first_row)
        source.row_column = FILE_ROW
    return source.frame


def _leave_out(rule: LeaveOut, source: Source, hint: str) -> None:
    """The rows ``rule`` says are no records left out, said with the assumptions (how
    many, by value); a file with nothing else is refused."""
    if rule.column not in source.columns:
        return
    frame = _numbered(source).with_columns(_left_out_by(rule).alias("_left_out"))
    counts = collect(
        frame.group_by("_left_out", pl.col(rule.column).str.strip_chars().alias("_value"))
        .len()
        .sort("len", "_value", descending=[True, False]),
        source.path,
    )
    left = counts.filter("_left_out")
    if not left.height:
        return
    total = int(left["len"].sum())
    said = f"{rule.what} ({rule.column}: {_tally(left.select('_value', 'len').rows())})"
    if counts.height == left.height:
        raise FileError(f"{source.path.name}: every row is left out: {said}; {hint}")
    source.frame = frame.filter(~pl.col("_left_out")).drop("_left_out")
    source.apart.append((total, f"{_rows(total)} left out: {said}; {hint}"))


def _left_out_by(rule: LeaveOut) -> pl.Expr:
    """True on the rows ``rule`` leaves out (an empty cell is kept)."""
    value = pl.col(rule.column).str.strip_chars().str.to_lowercase()
    matches = value.str.contains(rule.pattern)
    return ((value != "") & (matches if not rule.keep else ~matches)).fill_null(False)


def _rows(count: int) -> str:
    """'1 row', '1,234 rows'."""
    return f"{count:,} row{'' if count == 1 else 's'}"


_ORDER_STATUS = {"status", "orderstatus", "paymentstatus", "transactionstatus"}
_NOT_BOUGHT = "cancel|refund|fail|declin|void|reject|chargeback|uncollectible|unpaid"


def _orders_not_bought(
    spec: Kind, source: Source, options: ImportOptions, preset: Preset | None
) -> LeaveOut | None:
    """The rule that leaves out the rows of an order log whose status says nothing was
    bought (a shop's cancelled orders, a payment that failed): no purchases, as a
    Stripe invoice that was not paid is none (its preset's rule). Said with the other
    assumptions, by value; ``options.every_row`` imports them."""
    if spec.name != "purchases" or preset is not None or options.every_row:
        return None
    column = next((c for c in source.columns if normalise(c) in _ORDER_STATUS), None)
    if column is None or column in options.columns.values():
        return None
    what = "orders that are no purchase (cancelled, refunded, failed, declined, void or unpaid)"
    return LeaveOut(column, _NOT_BOUGHT, False, what)


def _caveats(caveats: dict[str, Caveat], source: Source) -> list[str]:
    """``Preset.caveats`` of the columns present that some rows are about, with how
    many rows are."""
    present = [column for column in caveats if column in source.columns]
    if not present:
        return []

    def about(column: str) -> pl.Expr:
        rows = caveats[column].rows
        if rows is None:
            return pl.col(column).str.strip_chars().fill_null("") != ""
        return rows.fill_null(False)

    counts = collect(
        source.frame.select(about(c).sum().alias(c) for c in present), source.path
    ).row(0, named=True)
    return [caveats[c].words.format(count=counts[c]) for c in present if counts[c]]


def _tally(counts: list[tuple[str, int]]) -> str:
    """Values and how many rows have each, most first: "Lead 8, Opportunity 4, ..."."""
    more = ", ..." if len(counts) > 4 else ""
    return ", ".join(f"{value} {count:,}" for value, count in counts[:4]) + more


_CURRENCY_COLUMNS = {"currency", "currencycode", "curr"}


def _currency_column(column: str) -> bool:
    """A column of currency codes: its name, or its last part after a dot (Chargebee's
    subscriptions.currency_code), is one of ``_CURRENCY_COLUMNS``."""
    return any(normalise(name) in _CURRENCY_COLUMNS for name in (column, column.rsplit(".", 1)[-1]))


_MARKS = {
    "US$": "USD",
    "CA$": "CAD",
    "C$": "CAD",
    "AU$": "AUD",
    "A$": "AUD",
    "NZ$": "NZD",
    "R$": "BRL",
    "HK$": "HKD",
    "S$": "SGD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "$": "USD",
}
"""The currency each sign beside an amount names ("$" alone: the book's own, dollars)."""


def _header_mark(column: str) -> str | None:
    """The currency a column's header names in brackets at its end ("Total (EUR)",
    "MRR [€]"), which matching reads past (``spec.normalise``)."""
    found = re.search(rf"[(\[]\s*({parse.CURRENCY_MARK})\s*[)\]]\s*$", column.upper())
    return found.group(1) if found else None


def _marks(column: str) -> pl.Expr:
    """The sign or code beside each amount of ``column``, else its header's."""
    mark = pl.col(column).str.extract(f"({parse.CURRENCY_MARK})", 1)
    if (named := _header_mark(column)) is None:
        return mark
    given = pl.col(column).str.strip_chars().fill_null("") != ""
    return mark.fill_null(pl.when(given).then(pl.lit(named)))


def _file_rows(records: pl.LazyFrame, preset: Preset | None, columns: list[str]) -> pl.LazyFrame:
    """The file's records as read (``records``: before a rule left rows out or a preset
    combined them), with the columns the preset derives from ``columns`` (Chargebee's
    MRR from its unit price)."""
    if preset is None:
        return records
    made = preset.derivable(columns)[0]
    return records.with_columns(e.alias(n) for n, e in made.items())


IMPORTED = "_imported"
"""A file row's flag in ``_currencies``: the row is imported (no rule left it out)."""


def _imported_rows(
    rows: pl.LazyFrame, source: Source, preset: Preset | None, rules: list[LeaveOut]
) -> pl.LazyFrame:
    """The file's ``rows`` with ``IMPORTED``: not left out by ``rules`` (those that left
    rows out: a preset's, an order log's) nor by combining (a customer none of whose
    subscriptions has paid yet: its rows' record is not among ``source``'s). A row
    combined into another is imported: its record is."""
    names = rows.collect_schema().names()
    kept = pl.lit(True)
    for rule in rules:
        if rule.column in names:
            kept = kept & ~_left_out_by(rule)
    rows = rows.with_columns(kept.alias(IMPORTED))
    key = "" if preset is None or preset.combine is None else preset.combine_by
    if key not in names or key not in source.frame.collect_schema().names():
        return rows
    records = source.frame.select(key).unique().with_columns(_record=pl.lit(True))
    return rows.join(records, on=key, how="left", nulls_equal=True).with_columns(
        pl.col(IMPORTED) & pl.col("_record").is_not_null()
    )


def _currencies(source: Source, records: pl.LazyFrame, money: list[str]) -> list[str]:
    """What the file says of its amounts' currency, in words. The book holds amounts
    without a currency, and the app writes them with a $ sign: amounts in another
    currency are said to be imported as they are, and amounts in several (a Stripe
    account billing in USD and EUR) to be added as they are, never converted (there
    is no exchange rate), with how many of the file's rows are in each: ``records``,
    every row of the file, those a rule leaves out and those combined with another
    (a customer's subscriptions) too, as a user counts them in the file. Whether
    amounts are mixed is told by the rows imported (``IMPORTED``, else every row): a
    currency only in rows left out (a Stripe export's EUR subscriptions that never
    started) mixes nothing, and is said so. The currency is the file's currency
    column's, else the signs or codes written beside the amounts of ``money`` (the
    mapped columns; a row counted once per currency)."""
    names = records.collect_schema().names()
    imported = pl.col(IMPORTED) if IMPORTED in names else pl.lit(True)
    column = next((c for c in names if _currency_column(c)), None)
    if column is not None:
        codes = records.select(
            pl.col(column).str.strip_chars().str.to_uppercase().alias("_code"),
            imported.alias(IMPORTED),
        )
        where = f"column {column}"
    else:
        money = [c for c in money if c in names]
        if not money:
            return []
        marks = (
            records.with_row_index("_row")
            .select("_row", imported.alias(IMPORTED), *(_marks(c) for c in money))
            .unpivot(index=["_row", IMPORTED], value_name="_mark")
        )
        codes = marks.select(
            "_row",
            IMPORTED,
            pl.col("_mark").replace_strict(_MARKS, default=pl.col("_mark")).alias("_code"),
        ).unique()
        where = f"column{'s' if len(money) > 1 else ''} {', '.join(money)}"
    counts = collect(
        codes.filter(pl.col("_code").is_not_null() & (pl.col("_code") != ""))
        .group_by("_code")
        .agg(pl.len(), pl.col(IMPORTED).sum().alias("_imported_rows"))
        .sort("len", "_code", descending=[True, False]),
        source.path,
    )
    mixed = counts.filter(pl.col("_imported_rows") > 0)
    gone = counts.filter(pl.col("_imported_rows") == 0)["_code"].to_list()
    tally = f"{where}: {_tally(counts.select('_code', 'len').rows())} rows of the file"
    if gone:
        one = len(gone) == 1 and counts.filter(pl.col("_code") == gone[0])["len"][0] == 1
        rows = "row left out" if one else "rows all left out"
        tally += f"; the {' and '.join(gone[:4])}{', ...' if len(gone) > 4 else ''} {rows}"
    if mixed.height >= 2:
        return [
            f"amounts in {mixed.height} currencies ({tally}) are added as they are, not"
            " converted: MRR and revenue mix them; import one currency per book to keep"
            " them apart"
        ]
    notes = []
    if gone and mixed.height:
        notes.append(
            f"amounts in {counts.height} currencies in the file ({tally}): the amounts"
            f" imported are in {mixed['_code'][0]} only, none mixed"
        )
    elif gone:
        notes.append(
            f"amounts in the file are in {' and '.join(gone)} ({tally}): the amounts"
            " imported name no currency"
        )
    if mixed.height == 1 and mixed["_code"][0] != "USD":
        notes.append(
            f"amounts are in {mixed['_code'][0]} ({where}): imported as they are, never"
            " converted; the app writes every amount with a $ sign"
        )
    return notes


TENURE_START = "start_date (from tenure)"
_TENURE_COLUMNS = {"tenure": "mo", "tenuremonths": "mo", "tenureinmonths": "mo", "tenuredays": "d"}


@dataclass
class _Tenure:
    """What ``_start_from_tenure`` did: the assumption in words, and the rows whose
    tenure is no number (None: none), refused with the check's own errors."""

    said: str
    bad: ImportRejected | None


def _start_from_tenure(spec: Kind, source: Source, options: ImportOptions) -> _Tenure | None:
    """An accounts file with a tenure column (months, or days when its name says so)
    and no start date: each start date is the export's day (``options.as_of``, else
    today) less the tenure, read from a column added to ``source`` (empty where the
    tenure is no whole number, 0 or more: that row is refused). None when there is
    nothing to derive."""
    if spec.name != "accounts" or "start_date" in options.columns:
        return None
    if (
        "start_date"
        in propose_mapping(spec, source.columns, options.columns, options.hints).columns
    ):
        return None
    found = [
        (c, _TENURE_COLUMNS[normalise(c)])
        for c in source.columns
        if normalise(c) in _TENURE_COLUMNS
    ]
    if not found:
        return None
    column, unit = found[0]
    exported = options.as_of or date.today()
    text = pl.col(column).str.strip_chars()
    number = text.cast(pl.Float64, strict=False)
    words = "months" if unit == "mo" else "days"
    bad = (
        text.is_not_null()
        & (text != "")
        & (text.str.to_lowercase() != column.lower())  # a header line again: the check's
        & (number.is_null() | (number < 0) | (number != number.floor()))
    )
    refused = _bad_tenures(source, column, bad, words)
    months = pl.when(~bad).then(number).cast(pl.Int64)
    start = pl.lit(exported).dt.offset_by(pl.format(f"-{{}}{unit}", months))
    source.frame = source.frame.with_columns(start.dt.strftime("%Y-%m-%d").alias(TENURE_START))
    source.columns = [*source.columns, TENURE_START]
    said = (
        f"start dates from column {column}: {words} before {exported} (the export's day;"
        f" {options.hints.as_of})"
    )
    return _Tenure(said, refused)


def _bad_tenures(source: Source, column: str, bad: pl.Expr, unit: str) -> ImportRejected | None:
    """The refusal of the rows whose tenure cell is no whole number of ``unit``, 0 or
    more ('-3', 'n/a'), rather than give the account no start (an empty cell gives
    none); None when there is none. It is raised with the check's other errors."""
    row = source.row_column or FILE_ROW
    frame = source.frame
    if source.row_column is None:
        frame = frame.with_row_index(FILE_ROW, offset=source.first_row)
    found = frame.filter(bad).select(pl.col(row).cast(pl.Int64), pl.col(column)).collect()
    if not found.height:
        return None
    reason = f"not a tenure: a whole number of {unit}, 0 or more"
    errors = [RowError(r, column, v, reason) for r, v in found.head(MAX_REPORTED).rows()]
    return ImportRejected(errors, found.height, [Tally(column, reason, found.height)])


def _rejection(checked: Checked, before: ImportRejected | None) -> ImportRejected | None:
    """The file's refusal, if any: the check's bad rows with those found before it
    (``before``: tenures that are no number), the first ``MAX_REPORTED`` by row."""
    if before is None:
        if not checked.error_count:
            return None
        return ImportRejected(checked.errors, checked.error_count, checked.tallies)
    errors = sorted([*before.errors, *checked.errors], key=lambda error: error.row)
    tallies = sorted([*before.tallies, *checked.tallies], key=lambda tally: -tally.rows)
    return ImportRejected(errors[:MAX_REPORTED], before.count + checked.error_count, tallies)


USAGE_DAY = "day (from the column names)"
USAGE_USERS = "active_users (from each day's column)"
_DAY_NAME = re.compile(r"^\s*(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})([ T].*)?$")


def columns_of_days(spec: Kind, columns: list[str], overrides: dict[str, str]) -> list[str]:
    """The columns named by a day (two or more) of a usage file with its dates across
    and no day column (``_days_as_rows``), none for any other file or when the day or
    the active users are mapped by hand (``overrides``)."""
    if spec.name != "usage" or {"day", "active_users"} & set(overrides):
        return []
    day_names = spec.field("day").names()
    if any(normalise(c) in day_names for c in columns):
        return []
    days = [c for c in columns if _DAY_NAME.match(c)]
    return days if len(days) >= 2 else []


def _days_as_rows(spec: Kind, source: Source, options: ImportOptions) -> str | None:
    """A usage file with one column per day (an analytics tool's chart exported with
    its dates across: one row per account) and no day column, turned into one row
    per account and day: each cell is that day's active users, an empty cell no
    row. Returns the assumption in words, or None when the file is not so shaped."""
    days = columns_of_days(spec, source.columns, options.columns)
    if not days:
        return None
    kept = [c for c in source.columns if c not in days]
    frame = _numbered(source).unpivot(
        days, index=[*kept, FILE_ROW], variable_name=USAGE_DAY, value_name=USAGE_USERS
    )
    cell = pl.col(USAGE_USERS).str.strip_chars().fill_null("")
    source.frame = frame.filter(cell != "").sort(FILE_ROW, maintain_order=True)
    source.columns = [*kept, USAGE_DAY, USAGE_USERS]
    source.file_columns = [*(c for c in source.file_columns if c not in days), USAGE_USERS]
    hint = options.hints.map_column.format(field="day")
    return (
        f"one column per day ({len(days)} days, {days[0].strip()} to {days[-1].strip()}):"
        " each cell is that day's active users, an empty cell no usage row (the days are"
        f" in a column instead: {hint})"
    )


USAGE_EVENT_USERS = "active_users (from the events)"
USAGE_EVENT_LOGINS = "logins (from the events' sessions)"
_USER_COLUMNS = {
    "user",
    "userid",
    "username",
    "useremail",
    "email",
    "personid",
    "distinctid",
    "visitorid",
    "anonymousid",
    "memberid",
    "contactid",
}
_SESSION_COLUMNS = {"session", "sessionid", "visitid"}


@dataclass
class _UsageEvents:
    """What ``_events_as_days`` did: the assumption in words, and the fields it reads
    from columns it added (with the file's columns they were read from)."""

    said: str
    columns: dict[str, str]
    read: set[str]


def _events_as_days(plan: Plan, source: Source) -> _UsageEvents | None:
    """A usage file that counts neither active users nor logins: each row is a day
    the account used the product, or one event of that day (a product analytics
    tool's event log, many rows per account and day). The rows of one account and
    day become one: its active users are the distinct users of the day when the file
    names them (a user column other than the account's), else 1, the account itself;
    its logins the distinct sessions when the file has a session column. Before, each
    row stored 0 active users (the field's default) without a word, and an event log
    was refused at every event after a day's first. A row whose account is empty or
    whose day does not read stays on its own, for the check to name. None for any
    other file."""
    if plan.kind.name != "usage" or {"active_users", "logins"} & set(plan.mapping.columns):
        return None
    account, day = plan.column("account"), plan.column("day")
    users = next(
        (c for c in source.columns if normalise(c) in _USER_COLUMNS and c != account), None
    )
    sessions = next((c for c in source.columns if normalise(c) in _SESSION_COLUMNS), None)
    own = list(source.file_columns or source.columns)
    frame = collect(_numbered(source), source.path)  # (grouping reads every row anyway)
    # The day as the check reads it: the column's usual shape at full speed, then
    # the other shapes only for the cells it did not read.
    order, pattern = plan.dates["day"]
    moment = parse.moments(frame.select(parse.cleaned(day))[:, 0], order, pattern).dt.date()
    frame = frame.with_columns(moment.alias("_day"))
    readable = pl.col("_day").is_not_null() & parse.cleaned(account).is_not_null()
    keys = [
        parse.cleaned(account).alias("_account"),
        pl.col("_day"),
        pl.when(~readable).then(pl.col(FILE_ROW)).alias("_alone"),
    ]
    counted = [
        pl.lit(1) if users is None else parse.cleaned(users).drop_nulls().n_unique()
    ]  # (a day whose events name no user was still someone's)
    added = {"active_users": USAGE_EVENT_USERS}
    if sessions is not None:
        counted.append(parse.cleaned(sessions).drop_nulls().n_unique())
        added["logins"] = USAGE_EVENT_LOGINS
    rows = frame.height
    grouped = frame.group_by(keys, maintain_order=True).agg(
        pl.all().exclude("_day").first(),
        pl.len().alias(EVENTS),
        *(
            pl.max_horizontal(count, 1).cast(pl.String).alias(name)
            for count, name in zip(counted, added.values(), strict=True)
        ),
    )
    source.frame = grouped.drop("_account", "_day", "_alone").lazy()
    source.columns = [*source.columns, *added.values(), EVENTS]
    source.file_columns = own
    days = grouped.height
    if days < rows:
        shape = (
            f"the file's {rows:,} rows are events, read as {days:,} usage rows (one per"
            " account and day); each counts"
        )
    else:
        shape = f"each of the {days:,} rows is a day of its account's use; each counts"
    if users is None:
        who = f"1 active user (no column names users besides {account})"
    else:
        who = f"as active users the distinct {users} of the day"
    if sessions is not None:
        who += f", and as logins the distinct {sessions}"
    return _UsageEvents(
        f"no column counts active users: {shape} {who} (a column of counts:"
        f" {plan.options.hints.map_column.format(field='active_users')})",
        added,
        {column for column in (users, sessions) if column is not None},
    )


def stored_accounts(engine: Engine) -> pl.DataFrame:
    """external_id, id and name of every stored account (what a file's account
    column is looked up in, ``check.AccountKeys``)."""
    return read_frame(engine, select(Account.external_id, Account.id, Account.name))


def import_file(
    engine: Engine,
    kind: str,
    path: Path | str,
    options: ImportOptions | None = None,
    progress: Progress = no_progress,
) -> ImportResult:
    """Check every row of the file, then write them all in one transaction (or, with
    ``options.dry_run``, only say what would be written)."""
    options = options or ImportOptions()
    on_export_day = options.effective is None and options.as_of is not None
    if on_export_day:
        # The file tells its statuses and MRR as of the day it was exported.
        options = replace(options, effective=options.as_of)
    started = time.perf_counter()
    spec = kind_for(kind)
    with open_source(path, header=options.header) as source:
        if on_export_day and spec.name == "accounts":
            source.notes.append(
                f"statuses and MRR changes take effect on {options.as_of}, the day the file"
                " was exported (--as-of); --effective gives another day"
            )
        own_columns = list(source.columns)
        aside = _set_aside(source)
        records = source.frame  # every record of the file, before any is left out
        preset, options = _with_preset(spec, source, options)
        rule = _orders_not_bought(spec, source, options, preset)
        if rule is not None:
            _leave_out(rule, source, options.hints.every_row)
        if (wide := _days_as_rows(spec, source, options)) is not None:
            source.notes.append(wide)
            options = replace(
                options,
                columns={**options.columns, "day": USAGE_DAY, "active_users": USAGE_USERS},
            )
        tenure = _start_from_tenure(spec, source, options)
        if tenure is not None:
            options = replace(options, columns={**options.columns, "start_date": TENURE_START})
        plan = make_plan(spec, source, options)
        if (events := _events_as_days(plan, source)) is not None:
            source.notes.append(events.said)
            options = replace(options, columns={**options.columns, **events.columns})
            plan = make_plan(spec, source, options)
        money = [c for n, c in plan.mapping.columns.items() if plan.kind.field(n).type == MONEY]
        if money:
            rules = [r for r in (_rule_applied(preset, options), rule) if r is not None]
            file_rows = _imported_rows(
                _file_rows(records, preset, own_columns), source, preset, rules
            )
            source.notes += _currencies(source, file_rows, money)
        if (
            preset is not None
            and preset.account_names in source.columns
            and options.columns.get("account") == preset.mapping(source.columns).get("account")
        ):  # the preset's own account column: its name column is tried second
            plan.account_names = preset.account_names
        if spec.name == "accounts" and not options.drop_extra:
            plan.extras = plan_extras(plan, own_columns, custom_fields(engine))
        needs_accounts = any(f.type == ACCOUNT for f in spec.fields)
        accounts = (
            stored_accounts(engine)
            if needs_accounts
            else pl.DataFrame(schema={"external_id": pl.String, "id": pl.Int64, "name": pl.String})
        )
        if aside is not None:
            source.frame = pl.concat([source.frame, aside], how="diagonal_relaxed")
        checked = check_rows(plan, accounts, progress)
        if (rejected := _rejection(checked, tenure.bad if tenure else None)) is not None:
            raise rejected
        reconciliation = reconcile(checked)
        if tenure is not None:
            reconciliation.assumptions.insert(0, tenure.said)
        reconciliation.assumptions[:0] = source.notes
        reconciliation.left_out[:0] = [said for _rows, said in source.apart]
        recorded: list[str] = []
        field_counts = None
        if options.dry_run:
            changes = plan_changes(engine, checked)
            inserted, updated = changes.new, changes.changed
            skipped, created = changes.skipped, len(changes.missing_accounts)
            reconciliation.settle(changes.statuses, plan, options.effective or date.today())
            reconciliation.assumptions += kept_note(changes.kept)
        else:
            written = write_checked(engine, checked, progress)
            inserted, updated = written.inserted, written.updated
            skipped, created = written.skipped, written.created_accounts
            recorded = written.mrr.describe() if written.mrr else []
            field_counts = written.fields
            reconciliation.settle(written.statuses, plan, options.effective or date.today())
            reconciliation.assumptions += kept_note(written.kept)
    return ImportResult(
        spec.name,
        Path(path),
        checked.rows,
        inserted,
        updated,
        skipped,
        created,
        options.dry_run,
        _not_imported(
            plan,
            own_columns,
            preset,
            rule or _rule_applied(preset, options),
            events.read if events is not None else set(),
        ),
        time.perf_counter() - started,
        reconciliation,
        recorded,
        preset.label if preset else None,
        plan.extras,
        field_counts,
        options.hints.drop_extra,
        dict(plan.mapping.columns),
        checked.file_rows,
    )


__all__ = [
    "KINDS",
    "MAX_REPORTED",
    "PRESETS",
    "USAGE_DAY",
    "USAGE_USERS",
    "Changes",
    "Checked",
    "FileError",
    "Hints",
    "ImportOptions",
    "ImportRejected",
    "ImportResult",
    "Kind",
    "Mapping",
    "MappingError",
    "Plan",
    "Progress",
    "Reconciliation",
    "RowError",
    "Source",
    "check_rows",
    "columns_of_days",
    "import_file",
    "kind_for",
    "load_mapping_file",
    "make_plan",
    "open_source",
    "parse_pair",
    "parse_value_option",
    "plan_changes",
    "propose_mapping",
    "stored_accounts",
    "write_checked",
]
