"""Exports: accounts, interactions, goals, metrics, health, tasks, and MRR movements,
contacts, usage, surveys, tickets and purchases to CSV, XLSX or Parquet, chosen by the
file's extension, with the same filters as the screens.

Accounts, interactions and the kinds of ``AS_IMPORTED`` are written in the shape
``cxtui import`` reads back (money in currency units as exact text, "1056.95"; the
account of a row as its external id; an account's custom fields as columns named as
the fields), so export -> import is a round trip: the accounts first, then the rest
(the first MRR movements are the accounts' opening ones).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, String, cast
from sqlmodel import col, select

from core.accounts.queries import ACCOUNT_IDENTITY
from core.models import Account, Goal, Interaction
from core.scope import Scope
from core.store.frames import read_frame

EXPORTS = (
    "accounts",
    "interactions",
    "goals",
    "metrics",
    "health",
    "tasks",
    "mrr",
    "contacts",
    "usage",
    "surveys",
    "tickets",
    "purchases",
)
AS_IMPORTED = ("mrr", "contacts", "usage", "surveys", "tickets", "purchases")
"""The exports written as ``cxtui import`` of the kind of that name reads them
(``export_as_imported``), after the accounts they name."""
WHOLE_BOOK = ("metrics", "goals")
"""The exports that take no list of accounts (``ExportFilters.account_ids``): the
book's figures and goals (or a segment's, an owner's), not some accounts'."""
WRITERS = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}


class ExportError(ValueError):
    """An export that cannot be made, in words."""


@dataclass(frozen=True)
class ExportFilters:
    # The accounts (goals: their owner and segment; tasks: their owner).
    scope: Scope = field(default_factory=Scope)
    band: str | None = None  # green, yellow or red (accounts, health)
    period: str = "month"  # metrics: month, quarter, year, 2025-03, 2025-Q1, A..B
    months: int | None = None  # metrics: a monthly series of this many months instead
    as_of: date | None = None
    source: str | None = None  # tasks: rule, follow_up or manual
    # The rows of exactly these accounts (a screen's list): all but metrics and goals.
    account_ids: frozenset[int] | None = None
    account_order: tuple[int, ...] = ()  # accounts: in this order (the screen's sort)
    listed: tuple[str, ...] = ()  # what narrowed the screen's list, in words
    sorted_by: str = ""  # accounts: the screen's sort, in words
    list_columns: tuple[str, ...] = ()  # accounts: the list's columns, first (LIST_EXPORTED)

    def describe(self) -> list[str]:
        """The filters in force, in words ("owner Ana", "segment SMB", "band red")."""
        return [
            f"{name} {value}"
            for name, value in (
                ("owner", self.scope.owner),
                ("segment", self.scope.segment),
                *(
                    (name, ", ".join(sorted(getattr(self.scope, key))))
                    for name, key in (
                        ("segments", "segments"),
                        ("owners", "owners"),
                        ("plans", "plans"),
                        ("statuses", "statuses"),
                    )
                ),
                ("band", self.band),
                ("source", self.source),
            )
            if value
        ] + [*self.listed, *([self.sorted_by] if self.sorted_by else [])]

    def in_band(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The rows of ``frame`` whose ``band`` is the one asked for (all rows when none is)."""
        return frame.filter(pl.col("band") == self.band) if self.band else frame


LIST_ONLY = ("health", "band", "last_touch")
"""The accounts export's columns that the accounts list shows and an import does not
read back (the health score and band in force, the last interaction's day)."""
LIST_EXPORTED: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "mrr": ("mrr",),
    "health": ("health", "band"),
    "renewal": ("renewal_date",),
    "last_touch": ("last_touch",),
    "owner": ("owner",),
    "segment": ("segment",),
}
"""The accounts export's columns that show each column of the accounts list
(``core.config.list_columns.LIST_COLUMNS``; the health trend and open tickets have
none): an export of the list puts them first, in the list's order."""
MONEY_COLUMNS = ("mrr", "amount")
"""The money columns of the exports (``money_text``): numbers in a currency format in XLSX."""
CURRENCY_FORMAT = "$#,##0.00"
NUMBER_COLUMNS = ("value",)
"""The text columns of the exports that hold numbers of several units (the metrics'
``value``, exact as text in CSV and Parquet): numbers in XLSX, where a spreadsheet
can sum and format them."""


def money_text(column: str) -> pl.Expr:
    """Integer cents as exact currency units: 105695 -> "1056.95", -550 -> "-5.50"."""
    cents = pl.col(column)
    units = (cents.abs() // 100).cast(pl.String)
    fraction = (cents.abs() % 100).cast(pl.String).str.pad_start(2, "0")
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str([sign, units, pl.lit("."), fraction]).alias(column.removesuffix("_cents"))


def _in_accounts(
    engine: Engine, frame: pl.DataFrame, scope: Scope, filters: ExportFilters
) -> pl.DataFrame:
    """The rows of ``frame`` whose ``account_id`` is in ``scope`` and among the
    accounts ``filters`` lists, if it does."""
    if not scope.is_whole_book:
        ids = read_frame(engine, scope.restrict(select(Account.id)))["id"]
        frame = frame.filter(pl.col("account_id").is_in(ids.implode()))
    return _listed(frame, filters)


def _listed(
    frame: pl.DataFrame, filters: ExportFilters, column: str = "account_id"
) -> pl.DataFrame:
    """The rows of ``frame`` of the accounts ``filters`` lists (``account_ids``), all
    when it lists none."""
    if filters.account_ids is None:
        return frame
    return frame.filter(pl.col(column).is_in(list(filters.account_ids)))


def accounts_named(engine: Engine, external_ids: list[str]) -> frozenset[int]:
    """The ids of the accounts with these external ids (as the book spells them);
    ``ExportError`` naming those the book has no account for."""
    from core.text import shortened

    found = dict(
        read_frame(
            engine,
            select(Account.external_id, Account.id).where(
                col(Account.external_id).in_(sorted(set(external_ids)))
            ),
        ).iter_rows()
    )
    if missing := [name for name in dict.fromkeys(external_ids) if name not in found]:
        words = ", ".join(f'"{shortened(name)}"' for name in missing)
        raise ExportError(f"the book has no account with external id {words}")
    return frozenset(int(found[name]) for name in external_ids)


def _bands(engine: Engine, filters: ExportFilters) -> pl.DataFrame:
    from core.health.store import current_health

    return current_health(engine, filters.as_of).select(
        pl.col("account_id").alias("id"), "score", "band"
    )


def export_accounts(engine: Engine, filters: ExportFilters) -> pl.DataFrame:
    query = filters.scope.restrict(
        select(
            *ACCOUNT_IDENTITY,
            Account.mrr_cents,
            Account.seats,
            Account.start_date,
            Account.renewal_date,
            Account.status,
            Account.churned_at,
            Account.onboarding_completed_at,
            Account.churn_recorded_on,  # an undated churn's day, so a re-import keeps it
            Account.cancels_at_renewal,
        ).order_by(Account.external_id)
    )
    frame = read_frame(engine, query).with_columns(money_text("mrr_cents")).drop("mrr_cents")
    frame = _listed(frame, filters, "id")
    # What the list shows beside the import's columns: health, band and last touch.
    frame = frame.join(_bands(engine, filters), on="id", how="left").join(
        _last_touch(engine), on="id", how="left"
    )
    frame = filters.in_band(frame)
    if filters.account_order:
        position = pl.DataFrame(
            {"id": list(filters.account_order), "position": range(len(filters.account_order))},
            schema={"id": pl.Int64, "position": pl.Int64},
        )
        frame = frame.join(position, on="id", how="left").sort("position").drop("position")
    frame = frame.rename({"score": "health"})  # the list's derived columns: LIST_ONLY
    listed = [name for column in filters.list_columns for name in LIST_EXPORTED.get(column, ())]
    columns = ["external_id", *listed]
    columns += [c for c in ("name", "segment", "plan", "owner", "mrr", "seats") if c not in listed]
    frame = frame.select(columns + [c for c in frame.columns if c not in columns])
    return _with_custom_fields(engine, frame).drop("id")


def _with_custom_fields(engine: Engine, frame: pl.DataFrame) -> pl.DataFrame:
    """The accounts (``id``) with a column per custom field after theirs, named as the
    field (as the file it came from named it, so an import reads it back into the
    same field), holding its canonical text ("1889.50", "yes", "2024-03-05"). A
    field named as one of the export's own columns gets " (field)" after its name."""
    from core.accounts.fields import fields_wide

    wide = fields_wide(engine, typed=False)
    taken = set(frame.columns)
    wide = wide.rename(
        {name: f"{name} (field)" for name in wide.columns[1:] if name in taken}
    ).rename({"account_id": "id"})
    return frame.join(wide, on="id", how="left", maintain_order="left")


def _last_touch(engine: Engine) -> pl.DataFrame:
    """Each account's last interaction day (``last_touch``), one grouped read."""
    from sqlalchemy import func

    frame = read_frame(
        engine,
        select(
            col(Interaction.account_id).label("id"),
            func.max(Interaction.occurred_at).label("last_at"),
        )
        .where(col(Interaction.deleted_at).is_(None))
        .group_by(Interaction.account_id),
    )
    return frame.select(
        "id", pl.col("last_at").cast(pl.Datetime("us")).dt.date().alias("last_touch")
    )


def export_interactions(engine: Engine, filters: ExportFilters) -> pl.DataFrame:
    query = filters.scope.restrict(
        select(
            Account.external_id.label("account"),
            Interaction.kind,
            Interaction.occurred_at,
            Interaction.summary,
            Interaction.logged_by,
            Interaction.notes,
            Interaction.sentiment,
            Interaction.follow_up_on,
            Interaction.account_id,
        )
        .join(Account, Account.id == Interaction.account_id)
        .where(col(Interaction.deleted_at).is_(None))
        .order_by(Interaction.occurred_at, Interaction.id)
    )
    return _listed(read_frame(engine, query), filters).drop("account_id")


def export_as_imported(engine: Engine, what: str, filters: ExportFilters) -> pl.DataFrame:
    """The rows of the accounts in scope as ``cxtui import WHAT`` reads them: a column
    per field of the kind (``core.importing.spec``), named as the field, the account
    as its external id, money in currency units; in the order they were written (the
    order a re-import matches identical events in). Deleted rows are left out."""
    from core.importing.spec import ACCOUNT, MONEY, kind_for
    from core.store.bulk import table_for

    kind = kind_for(what)
    table = table_for(kind.table)
    columns = [
        Account.external_id.label(f.name) if f.type == ACCOUNT else table.c[f.target].label(f.name)
        for f in kind.fields
    ]
    listed = "_account_id"  # the account's id, to keep the listed accounts' rows
    columns.append(table.c.account_id.label(listed))
    query = select(*columns).join(Account, Account.id == table.c.account_id)
    if "deleted_at" in table.c:
        query = query.where(table.c.deleted_at.is_(None))
    query = filters.scope.restrict(query.order_by(*table.primary_key.columns))
    money = [f.name for f in kind.fields if f.type == MONEY]
    frame = _listed(read_frame(engine, query), filters, listed).drop(listed)
    return frame.with_columns(money_text(name).alias(name) for name in money)


def export_goals(engine: Engine, filters: ExportFilters) -> pl.DataFrame:
    query = select(
        Goal.id,
        Goal.title,
        Goal.owner,
        Goal.scope_segment,
        Goal.scope_owner,
        Goal.start_date,
        Goal.due_date,
        Goal.target_type,
        # exact text on both databases (PostgreSQL's NUMERIC reads as an Arrow
        # extension type that polars cannot cast)
        cast(Goal.start_value, String).label("start_value"),
        cast(Goal.target_value, String).label("target_value"),
        Goal.direction,
        Goal.metric,
    ).where(col(Goal.archived_at).is_(None))
    if filters.scope.owner:
        query = query.where(Goal.owner == filters.scope.owner)
    if filters.scope.segment:
        query = query.where(Goal.scope_segment == filters.scope.segment)
    goals = read_frame(engine, query.order_by(Goal.due_date, Goal.id))
    return goals.join(_goal_progress(engine, filters), on="id", how="left")


def _goal_progress(engine: Engine, filters: ExportFilters) -> pl.DataFrame:
    """Each goal's current value, progress (%), status and why, as the Goals screen says."""
    from core.goals import list_goals

    views = list_goals(engine, filters.as_of or date.today())
    return pl.DataFrame(
        {
            "id": [view.goal.id for view in views],
            "current_value": [
                None if view.current is None else float(view.current) for view in views
            ],
            "progress_pct": [round(view.progress, 1) for view in views],
            "status": [view.status for view in views],
            "why": [view.why for view in views],
        },
        schema={
            "id": pl.Int64,
            "current_value": pl.Float64,
            "progress_pct": pl.Float64,
            "status": pl.String,
            "why": pl.String,
        },
    )


def export_metrics(engine: Engine, filters: ExportFilters) -> pl.DataFrame:
    from core.metrics import compute_metrics, json_ready, monthly_series
    from core.metrics.registry import unit
    from core.periods import Period

    as_of = filters.as_of or date.today()
    scope = filters.scope
    if filters.months:
        series = monthly_series(engine, filters.months, as_of, scope)
        decimals = [n for n, dtype in series.schema.items() if isinstance(dtype, pl.Decimal)]
        return series.with_columns(pl.col(decimals).cast(pl.Float64).round(2))
    try:
        period = Period.parse(filters.period, as_of)
    except ValueError as error:
        raise ExportError(str(error)) from None
    values = json_ready(compute_metrics(engine, period, scope, as_of))
    plain = {k: v for k, v in values.items() if not isinstance(v, dict | list)}
    return pl.DataFrame(
        {
            "period": [period.label] * len(plain),
            "metric": list(plain),
            "value": [None if v is None else str(v) for v in plain.values()],
            "unit": [unit(k) for k in plain],
        }
    )


def export_health(engine: Engine, filters: ExportFilters) -> pl.DataFrame:
    from core.health.store import current_health

    health = current_health(engine, filters.as_of)
    health = filters.in_band(_in_accounts(engine, health, filters.scope, filters))
    return health.select(
        "external_id",
        "name",
        "score",
        "band",
        "computed_score",
        "computed_band",
        "trend_30d",
        "override_score",
        "override_band",
        "override_reason",
        "override_expires_on",
        "components",
        "left_out",
    ).sort("external_id")


def export_tasks(engine: Engine, filters: ExportFilters) -> pl.DataFrame:
    """The open tasks in the queue's order (``core.playbook.tasks.task_queue``)."""
    from core.playbook.tasks import TaskError, task_queue

    try:
        queue = task_queue(
            engine, filters.as_of or date.today(), owner=filters.scope.owner, source=filters.source
        )
    except TaskError as error:
        raise ExportError(str(error)) from None
    # The owner is the task's; the rest of the scope is about the accounts.
    queue = filters.in_band(
        _in_accounts(engine, queue, replace(filters.scope, owner=None), filters)
    )
    return queue.select(
        "id",
        "when",
        "due_on",
        "title",
        "owner",
        "source",
        "rule",
        pl.col("external_id").alias("account"),
        "account_name",
        money_text("mrr_cents"),
        pl.col("score").alias("health"),
        "band",
    )


_EXPORTERS = {
    "accounts": export_accounts,
    "interactions": export_interactions,
    "goals": export_goals,
    "metrics": export_metrics,
    "health": export_health,
    "tasks": export_tasks,
}


def export_frame(engine: Engine, what: str, filters: ExportFilters | None = None) -> pl.DataFrame:
    if what in AS_IMPORTED:
        return export_as_imported(engine, what, filters or ExportFilters())
    exporter = _EXPORTERS.get(what)
    if exporter is None:
        raise ExportError(f"cannot export {what!r}; choose one of: {', '.join(EXPORTS)}")
    return exporter(engine, filters or ExportFilters())


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells a spreadsheet would run as a formula (starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return) get a leading ``'``, as OWASP
    recommends against CSV injection. Numbers stay numbers: -5 and "-12.50" as they are."""
    risky = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(
            pl.any_horizontal(pl.col(name).str.starts_with(p) for p in _FORMULA_START)
            & ~pl.col(name).str.contains(r"^[+-]?[0-9][0-9.,]*$")  # a number written as text
        )
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in risky
    )


def _all_numbers(frame: pl.DataFrame, name: str) -> bool:
    """Whether every value of the text column ``name`` reads as a number (a money column
    of ``money_text``); anything else is written as the text it is."""
    as_number = frame[name].cast(pl.Float64, strict=False)
    return as_number.null_count() == frame[name].null_count()


def _private(path: Path) -> None:
    """Create ``path`` readable by its owner only (0600), as the database is: an
    export holds the same customer data."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def write_frame(frame: pl.DataFrame, path: Path, field_types: dict[str, str] | None = None) -> None:
    """Write by extension: .csv, .xlsx or .parquet, readable by the owner only, with
    text that a spreadsheet would run as a formula neutralised. ``field_types``: the
    custom field columns' types (``_field_types``), for XLSX cells of their kind."""
    kind = WRITERS.get(path.suffix.lower())
    if kind is None:
        raise ExportError(
            f"{path.name}: write to a .csv, .xlsx or .parquet file (not {path.suffix or 'none'})"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    _private(path)
    if kind == "csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            neutralised(frame).write_csv(handle)
    elif kind == "xlsx":
        from xlsxwriter import Workbook

        # Text is written as text, never as a formula, and neutralised as in CSV; money
        # is a number in a currency format, dates are dates (polars writes them so).
        # Custom fields too: money and numbers are numbers, dates are dates.
        from core.accounts.field_names import DATE, MONEY, NUMBER

        frame = neutralised(frame)
        types = field_types or {}
        money = [
            name
            for name in (*MONEY_COLUMNS, *(c for c, kind in types.items() if kind == MONEY))
            if name in frame.columns and _all_numbers(frame, name)
        ]
        numbers = [
            name
            for name in (*NUMBER_COLUMNS, *(c for c, kind in types.items() if kind == NUMBER))
            if name in frame.columns and _all_numbers(frame, name)
        ]
        dates = [c for c, kind in types.items() if kind == DATE]
        frame = frame.with_columns(
            pl.col(money + numbers).cast(pl.Float64),
            pl.col(dates).str.to_date("%Y-%m-%d", strict=False),
        )
        with Workbook(str(path), {"strings_to_formulas": False}) as workbook:
            frame.write_excel(
                workbook,
                autofit=True,
                column_formats={name: CURRENCY_FORMAT for name in money},
                dtype_formats={pl.Date: "yyyy-mm-dd", pl.Datetime: "yyyy-mm-dd hh:mm"},
            )
    else:
        frame.write_parquet(path)


def export(engine: Engine, what: str, path: Path, filters: ExportFilters | None = None) -> int:
    """Export ``what`` into ``path`` and return the number of rows written."""
    frame = export_frame(engine, what, filters)
    write_frame(frame, path, _field_types(engine, frame.columns) if what == "accounts" else None)
    return frame.height


def rows_of(rows: int, what: str) -> str:
    """How many rows of ``what`` an export wrote, in words: "1,000 rows of accounts"."""
    return f"{rows:,} {'row' if rows == 1 else 'rows'} of {what}"


def _field_types(engine: Engine, columns: list[str]) -> dict[str, str]:
    """The custom field columns of an accounts export (``_with_custom_fields``: named
    as the field, or "NAME (field)"), with their field types."""
    from core.accounts.fields import custom_fields

    types = {}
    for name, kind in custom_fields(engine).select("name", "type").iter_rows():
        column = f"{name} (field)" if f"{name} (field)" in columns else name
        if column in columns:
            types[column] = kind
    return types
