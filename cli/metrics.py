"""``cxtui metrics``: the book's figures for a period, as a table or as JSON."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.common import (
    DbOption,
    FilterOption,
    book_scope,
    fail,
    need_book,
    open_db,
    parse_day,
    sqlite_file,
)
from cli.options import as_of_option, json_option, owner_option, period_option, segment_option
from core.text import visible

if TYPE_CHECKING:
    from core.metrics import MetricSet, Scope
    from core.metrics.book import BookRecords
    from core.periods import Period
    from core.store.sqlite_file import SqliteFile

NO_DATA = "—"


def metrics_commands(app: typer.Typer) -> None:
    app.command("metrics")(metrics)


AsOf = as_of_option(
    "See the book as it was on this date: nothing later counts (default: today).", "YYYY-MM-DD"
)
PeriodOption = period_option(
    "month, quarter or year (the one containing --as-of), YYYY-MM, YYYY-Qn, "
    "YYYY, or a range YYYY-MM-DD..YYYY-MM-DD (both days included).",
    "PERIOD",
)
Segment = segment_option("Only the accounts of this segment.")
Owner = owner_option('Only this owner\'s accounts ("my book").')
Json = json_option("Print one JSON object (null for no data, rates in percent).")


def metrics(
    db: DbOption = None,
    as_of: AsOf = None,
    period: PeriodOption = "month",
    segment: Segment = None,
    owner: Owner = None,
    saved_filter: FilterOption = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            metavar="segment|owner|plan|FIELD",
            help="Break the figures down by segment, owner, plan or a custom field's value.",
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Print every customer-success metric of a period: churn, retention, MRR and its
    movements, GRR/NRR, NPS, CSAT, purchases, CLV, stickiness, support, onboarding
    and renewals."""
    from core.config.metric_options import load_metric_options
    from core.metrics import breakdown_of, metrics_period, metrics_results
    from core.metrics.book import book_records

    for problem in load_metric_options().problems:
        typer.echo(f"cxtui: {problem}", err=True)
    day = parse_day(as_of)
    try:
        chosen = metrics_period(period, day)
    except ValueError as error:
        fail(f"--period: {error}")
    need_book(db)
    if by is None and saved_filter is None:
        file = sqlite_file(db)
        if file is not None:  # read without SQLAlchemy or the models (~1 s of imports)
            results = _file_results(file, chosen, day, segment, owner)
            if results is not None:
                records = book_records(file)
                _print_results(chosen, results[0], day, by, results[1], as_json, records)
                return
    engine = open_db(db)
    if by is not None:
        try:
            by = breakdown_of(engine, by)
        except ValueError as error:
            engine.dispose()
            fail(f"--by: {error}")
    scope = book_scope(engine, segment, owner, saved_filter, "the metrics")
    try:
        results = metrics_results(engine, chosen, scope, day, by)
        records = book_records(engine)
    finally:
        engine.dispose()
    _print_results(chosen, scope, day, by, results, as_json, records)


def _print_results(
    period: Period,
    scope: Scope,
    as_of: date,
    by: str | None,
    results: list[tuple[str | None, MetricSet]],
    as_json: bool,
    records: BookRecords | None,
) -> None:
    """``records``: what the whole book records (``Book.records``), for the notes."""
    from core.metrics import metrics_document, metrics_notes

    notes = metrics_notes(period, results, records, " See it with --period {month}.")
    if as_json:
        document = metrics_document(period, scope, as_of, by, results, notes)
        typer.echo(json.dumps(document, ensure_ascii=False))
    else:
        _print_table(period, as_of, scope, by, results, notes)


def _file_results(
    file: SqliteFile, period: Period, as_of: date, segment: str | None, owner: str | None
) -> tuple[Scope, list[tuple[str | None, MetricSet]]] | None:
    """The scope and the metrics read from ``file``; None when it could not be read
    this way (locked, changed meanwhile): the engine's way follows."""
    from core.metrics import file_scope, metrics_results
    from core.scope import ScopeError
    from core.store.sqlite_file import FileReadError

    try:
        scope = file_scope(file, segment, owner)
        return scope, metrics_results(file, period, scope, as_of)
    except ScopeError as error:
        fail(f"--{error}")
    except FileReadError:
        return None


def describe_scope(scope: Scope) -> str:
    """The scope in words: "whole book", "segment SMB", 'filter "x" (plan: a, b)'."""
    parts = [
        f"{label} {value}"
        for label, value in (("segment", scope.segment), ("owner", scope.owner))
        if value
    ]
    if scope.name is not None:
        from core.accounts.listing import filter_words

        chosen = {key: getattr(scope, key) for key in ("segments", "owners", "plans", "statuses")}
        inside = [words for key, value in chosen.items() if (words := filter_words(key, value))]
        parts.append(f'filter "{scope.name}"' + (f" ({'; '.join(inside)})" if inside else ""))
    return ", ".join(parts) or "whole book"


def format_value(key: str, value: Any) -> str:
    """A metric as a person reads it: thousands separators, money with its $ sign
    (as the app and the import's summary write it), one decimal for rates."""
    from core.metrics.model import dollars
    from core.metrics.registry import unit

    if value is None:
        return NO_DATA
    kind = unit(key)
    if kind == "money":
        return dollars(round(value * 100))
    if kind == "count":
        return f"{value:,}"
    if kind == "pct":
        return f"{value:,.1f} %"
    if kind == "hours":
        return f"{value:,.1f} h"
    return f"{value:,.1f}" if kind == "score" else f"{value:,.2f}"


def _print_table(
    period: Period,
    as_of: date,
    scope: Scope,
    by: str | None,
    results: list[tuple[str | None, MetricSet]],
    notes: list[str],
) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from core.metrics.registry import LABELS, SECTIONS

    who = visible(describe_scope(scope))
    title = f"{period.label} ({period.start} to {period.end}), as of {as_of}, {who}" + (
        f", by {by}" if by else ""
    )
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("Metric")
    for group, _ in results:
        label = visible(group) if group else (f"(no {by})" if by else "Value")
        table.add_column(Text(label), justify="right")  # Text: a group is the book's word
    if by is not None and not results:
        table.add_column(Text(f"(no {by})"), justify="right")
    for index, (section, keys) in enumerate(SECTIONS):
        table.add_row(Text(section, style="bold"), end_section=False)
        for key in keys:
            table.add_row(
                f"  {LABELS[key]}",
                *(format_value(key, values.get(key)) for _, values in results),
                end_section=key == keys[-1] and index < len(SECTIONS) - 1,
            )
    console = Console(soft_wrap=False, highlight=False)
    console.print(title, markup=False)
    console.print(table)
    for line in notes:
        console.print(line, markup=False)
