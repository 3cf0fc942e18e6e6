"""The metrics engine's entry points: the metrics of a period and scope, broken
down by segment or owner, and as a monthly series (see ``core.metrics``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import polars as pl

from core.metrics.book import Book, BookRecords, load_book, tables_for
from core.metrics.model import (
    BREAKDOWNS,
    COUNT_KEYS,
    METRIC_KEYS,
    MONEY_KEYS,
    MetricOptions,
    MetricSet,
)
from core.periods import Period, last_months
from core.scope import Scope
from core.store.threads import side_by_side

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from core.store.sqlite_file import SqliteFile


_MONTHS_AT_ONCE = 12
"""How many months of a series are computed side by side (``series_frame``): one
month's plan keeps ~1.7 of 2 cores busy. 12 months at 100k accounts, their edges
computed ahead: 0.55-0.59 s two at a time, 0.49-0.52 s a year at once, which holds
~+70 MB at its peak instead of ~+50 MB (under the streaming engine, before the
edges, a year at once held +224 MB)."""


def compute_metrics(
    db: Engine | SqliteFile,
    period: Period,
    scope: Scope | None = None,
    as_of: date | None = None,
    options: MetricOptions | None = None,
) -> MetricSet:
    """Every metric of ``period`` for ``scope`` (default: the whole book), as of
    ``as_of`` (default: today), read through the engine or from a SQLite file
    (``load_book``)."""
    as_of = as_of or date.today()
    book = load_book(db, period, as_of, scope, options, per_account=False)
    [(_, metrics)] = book.metrics(period, as_of)
    return metrics


def file_scope(file: SqliteFile, segment: str | None, owner: str | None) -> Scope:
    """``core.scope.book_scope`` for a book read from a SQLite file: the values known
    are those of its accounts (``book_sql``'s query)."""
    from core.metrics.book_sql import BOOK_SQL
    from core.scope import spelled_scope

    if segment is None and owner is None:
        return Scope()
    accounts = file.read({"accounts": BOOK_SQL["accounts"]})["accounts"]

    def known(column: str) -> list[str]:
        values = accounts[column].drop_nulls().unique().to_list()
        return sorted((value for value in values if value), key=str.casefold)

    return spelled_scope(segment, owner, known)


def breakdown_names(engine: Engine) -> list[str]:
    """What a breakdown can group by: segment, owner, plan, then each custom field."""
    from core.accounts.fields import custom_fields

    return [*BREAKDOWNS, *custom_fields(engine)["name"].to_list()]


def breakdown_of(engine: Engine, by: str) -> str:
    """The name ``by`` stands for: an account column of ``BREAKDOWNS`` or a custom
    field's name (any case, spaces or underscores). ValueError in words naming
    every valid one."""
    from core.accounts.fields import UnknownField, custom_fields, find_field

    if by in BREAKDOWNS:
        return by
    try:
        return str(find_field(custom_fields(engine), by)["name"])
    except UnknownField:
        names = breakdown_names(engine)
        listed = ", ".join(names[:-1]) + f" or {names[-1]}"
        raise ValueError(
            f"cannot break down by {by!r}: use {listed}"
            + ("" if len(names) > len(BREAKDOWNS) else " (no custom field is kept yet)")
        ) from None


def compute_breakdown(
    engine: Engine,
    period: Period,
    scope: Scope | None = None,
    by: str = "segment",
    as_of: date | None = None,
    options: MetricOptions | None = None,
) -> list[tuple[str | None, MetricSet]]:
    """Every metric of ``period`` per segment, owner or plan, or per value of a
    custom field (``by``: its name), within ``scope``: groups sorted by name (a
    field's by value: 2 before 10), the accounts without one last (group None).
    Counts and money add up to the scope's. ValueError for an unknown ``by``."""
    from core.accounts.fields import custom_fields, field_groups, find_field

    by = breakdown_of(engine, by)
    groups = None
    if by not in BREAKDOWNS:
        groups = field_groups(engine, find_field(custom_fields(engine), by))
    as_of = as_of or date.today()
    book = load_book(engine, period, as_of, scope, options)
    return [
        (str(group) if group else None, metrics)
        for group, metrics in book.metrics(period, as_of, by, groups)
    ]


def metrics_period(text: str, as_of: date) -> Period:
    """The period ``text`` names (month, quarter, year, YYYY-MM, YYYY-Qn, YYYY or a
    range, see ``Period.parse``) as seen on ``as_of``; ValueError in words when it
    cannot be read or starts after ``as_of``."""
    chosen = Period.parse(text, as_of)
    if chosen.start > as_of:
        raise ValueError(f"{text} starts on {chosen.start}, after the as-of date {as_of}")
    return chosen


def metrics_results(
    db: Engine | SqliteFile, period: Period, scope: Scope, as_of: date, by: str | None = None
) -> list[tuple[str | None, MetricSet]]:
    """The metrics of ``period`` for ``scope``: one unnamed set, or one per group of
    ``by`` (segment, owner, plan or a custom field: through the engine only)."""
    from core.store.sqlite_file import SqliteFile

    if by is None:
        return [(None, compute_metrics(db, period, scope, as_of))]
    if isinstance(db, SqliteFile):
        raise TypeError("a breakdown is read through the engine")
    return list(compute_breakdown(db, period, scope, by, as_of))


def metrics_notes(
    period: Period,
    results: list[tuple[str | None, MetricSet]],
    records: BookRecords | None,
    see: str = "",
) -> list[str]:
    """What the figures of ``results`` assume or cannot show, in words, over every
    group of a breakdown: accounts of unknown start or churn date, a book recording
    no churn, the CLV's lifespan, rates for want of records, and (``records``: what
    the whole book records) a book without MRR or a period after its data (``see``
    ends that note: ``BookRecords.notes``)."""
    from core.accounts.customers import assumption_notes
    from core.metrics.model import clv_notes, undated_base_notes, unrecorded_notes

    if not results:
        return []
    counts = (
        sum(values.get(key) for _, values in results)
        for key in (
            "accounts_start_unknown",
            "accounts_churn_date_unknown",
            "accounts_churn_unrecorded",
        )
    )
    notes = assumption_notes(*counts)
    notes += undated_base_notes([values for _, values in results])
    notes += clv_notes(results[0][1])
    notes += unrecorded_notes([values for _, values in results])
    return notes + (records.notes(period, see) if records is not None else [])


def metrics_document(
    period: Period,
    scope: Scope,
    as_of: date,
    by: str | None,
    results: list[tuple[str | None, MetricSet]],
    notes: list[str],
) -> dict[str, Any]:
    """The JSON document of ``cxtui metrics --json`` (docs/json.md): as_of, period,
    scope, the metrics (a list of groups with ``by``) and the notes (``metrics_notes``:
    what the figures assume, in words)."""
    from core.metrics.model import json_ready

    header = {
        "as_of": as_of.isoformat(),
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "scope": scope.as_dict() | {"by": by},
    }
    if by is None:
        return header | {"metrics": json_ready(results[0][1]), "notes": notes}
    groups = [{"group": group, "metrics": json_ready(values)} for group, values in results]
    return header | {"metrics": groups, "notes": notes}


def monthly_series(
    db: Engine | SqliteFile,
    months: int = 12,
    as_of: date | None = None,
    scope: Scope | None = None,
    options: MetricOptions | None = None,
) -> pl.DataFrame:
    """One row per calendar month, oldest first, up to the month containing ``as_of``:
    ``month`` (its first day), ``start``, ``end`` and every metric (money as Decimal).
    Each month is seen as of its last day, the current one as of ``as_of``."""
    if months < 1:
        raise ValueError(f"a series needs at least one month, not {months}")
    as_of = as_of or date.today()
    periods = last_months(as_of, months)
    window = Period(periods[0].start, periods[-1].end)
    book = load_book(db, window, as_of, scope, options, per_account=False)
    return series_frame(book, periods)


def series_frame(
    book: Book, periods: list[Period], keys: Iterable[str] | None = None
) -> pl.DataFrame:
    """The metrics of each period in ``periods`` from one loaded book, as a frame:
    every metric, or only ``keys`` (from a book read for them, ``load_book(...,
    keys=...)``), in the order of ``METRIC_KEYS``."""
    chosen = set(METRIC_KEYS if keys is None else keys)
    tables_for(chosen)  # unknown keys are an error
    wanted = [key for key in METRIC_KEYS if key in chosen]
    # Each month is seen as of its end (or the book's as-of day), and starts where
    # the month before ended: those edges are computed once for all (``with_edges``).
    seen = [(period, min(period.end, book.as_of)) for period in periods]
    book = book.with_edges(
        [day for period, ref in seen for day in (period.start - timedelta(days=1), ref)]
    )
    months: list[dict[str, Any]] = []
    for first in range(0, len(seen), _MONTHS_AT_ONCE):
        months += side_by_side(
            [
                partial(book.values, period, wanted, ref)
                for period, ref in seen[first : first + _MONTHS_AT_ONCE]
            ]
        )
    rows = [
        {"month": period.start, "start": period.start, "end": period.end} | values
        for period, values in zip(periods, months, strict=True)
    ]
    schema: dict[str, pl.DataType] = {
        "month": pl.Date(),
        "start": pl.Date(),
        "end": pl.Date(),
    }
    for key in wanted:
        if key in MONEY_KEYS:
            schema[key] = pl.Decimal(18, 2)
        else:
            schema[key] = pl.Int64() if key in COUNT_KEYS else pl.Float64()
    return pl.DataFrame(rows, schema=schema)
