"""A book of accounts read once in bulk, and every metric computed from it in polars.

``load_book`` runs one query per table (only the columns and the date window it
needs); ``Book.metrics`` then computes a period, a breakdown or, month by month, a
series from those frames without going back to the database.

A book can be read for a few metrics only (``load_book(..., keys=...)``): the
accounts and the MRR movements are always read (who is a customer, and their MRR),
the surveys, tickets, purchases, usage and costs only when one of the metrics needs
them (``TABLE_KEYS``). ``Book.values`` computes those metrics from such a book; the
others cannot be asked of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeVar

import polars as pl

from core.accounts.customers import customer_events, mark_undated, started_on
from core.kinds import InteractionKind, MrrMovementKind, SurveyKind
from core.metrics.book_sql import BOOK_SQL, middle_of, substituted, usage_edges
from core.metrics.model import (
    BREAKDOWNS,
    METRIC_KEYS,
    MetricOptions,
    MetricSet,
    money,
    pct,
)
from core.periods import Period, add_months
from core.scope import Scope
from core.store.sqlite_file import FileReadError, SqliteFile, engine_file

if TYPE_CHECKING:
    from sqlalchemy import Engine

_ONE_DAY = timedelta(days=1)
_MOVEMENT_KINDS = [kind.value for kind in MrrMovementKind]
_RENEWAL_WINDOWS = (30, 60, 90)
# The metrics each optional table feeds; every other metric needs only the accounts
# and the MRR movements, which every book reads.
TABLE_KEYS: dict[str, frozenset[str]] = {
    "surveys": frozenset(
        ("nps", "nps_promoters", "nps_passives", "nps_detractors", "csat_pct", "feedback_rate_pct")
    ),
    "engagement": frozenset(
        ("referral_rate_pct", "community_participation_pct", "education_completion_pct")
    ),
    "purchases": frozenset(
        (
            "customers_with_purchases",
            "repeat_purchase_rate_pct",
            "avg_purchase_value",
            "purchases_per_customer",
            "clv",
            "purchase_revenue",
        )
    ),
    "usage": frozenset(("stickiness_pct",)),
    "tickets": frozenset(
        (
            "first_response_hours_median",
            "first_response_hours_p90",
            "ticket_resolution_rate_pct",
            "tickets_open_over_48h",
        )
    ),
    "costs": frozenset(("retention_cost_per_customer",)),
}
_NO_USAGE = pl.DataFrame(
    schema={
        "account_id": pl.Int64,
        "month": pl.Date,
        "users_sum": pl.Int64,
        "users_max": pl.Int64,
        "day_bits": pl.Int64,
    }
)
# The interaction kinds behind the engagement rates, and the count of customers each.
ENGAGED_COLUMNS = {
    InteractionKind.REFERRAL.value: "referred",
    InteractionKind.COMMUNITY.value: "in_community",
    InteractionKind.TRAINING.value: "trained",
}
_NO_SPANS = pl.DataFrame(schema={"account_id": pl.Int64, "first_day": pl.Date, "last_day": pl.Date})
_RECORDED_SOURCES = frozenset(
    ("surveys", "engagement", "onboarding", "churn", "purchases", "subscriptions")
)
"""A book's ``recorded`` when not read: every source taken as recorded."""
_NO_ENGAGEMENT = pl.DataFrame(
    schema={"account_id": pl.Int64, "kind": pl.String, "occurred_at": pl.Datetime("us")}
)
_COUNT_COLUMNS = (
    "customers_at_start",
    "active_accounts",
    "churned_accounts",
    "churned_undated",
    "new_accounts",
    "reactivated",
    "joined_and_left",
    "churned_and_returned",
    "nps_promoters",
    "nps_passives",
    "nps_detractors",
    "csat_answers",
    "csat_satisfied",
    "buyers",
    "repeat_buyers",
    "purchases",
    "purchase_cents",
    "mrr_cents",
    "start_mrr_cents",
    *(f"moved_{kind}" for kind in _MOVEMENT_KINDS),
    "moved_undated_churn",
    "kept_expansion",
    "kept_contraction",
    "kept_churn",
    "kept_undated_churn",
    "tickets_opened",
    "tickets_resolved",
    "tickets_open_long",
    "onboarding_due",
    "onboarding_on_time",
    *(f"renewals_{days}d_count" for days in _RENEWAL_WINDOWS),
    *(f"renewals_{days}d_cents" for days in _RENEWAL_WINDOWS),
    "start_unknown",
    "churn_date_unknown",
    "accounts",
    "trailing_start",
    "trailing_lost",
    "gave_feedback",
    *ENGAGED_COLUMNS.values(),
    "lifespan_days",
    "lifespan_buyers",
    "year_buyers",
    "year_purchase_cents",
)


Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def year_to(day: date) -> date:
    """The first day of the year that ends on ``day`` (the day after it, a year
    before): the purchase CLV's purchases a year are counted from there to ``day``."""
    after = day + _ONE_DAY
    if (after.month, after.day) == (2, 29):
        return date(after.year - 1, 3, 1)
    return after.replace(year=after.year - 1)


def _naive(day: date) -> datetime:
    """The first instant of ``day`` as a naive UTC datetime, the form frames hold."""
    return datetime(day.year, day.month, day.day)


def _group_names(frame: pl.DataFrame, groups: pl.DataFrame) -> list[str | None]:
    """The groups the accounts of ``frame`` fall in, in ``groups``' rank (else by
    name), the accounts without one (None) last."""
    present = set(frame["group"].to_list())
    if "rank" in groups.columns:
        ordered = groups.select("group", "rank").unique("group").sort("rank", "group")["group"]
    else:
        ordered = groups["group"].unique().sort()
    names: list[str | None] = [name for name in ordered.to_list() if name in present]
    return names + ([None] if None in present else [])


def tables_for(keys: Iterable[str] | None) -> frozenset[str]:
    """The optional tables (``TABLE_KEYS``) the metrics ``keys`` need (None: all)."""
    if keys is None:
        return frozenset(TABLE_KEYS)
    keys = set(keys)
    unknown = sorted(keys - set(METRIC_KEYS))
    if unknown:
        raise KeyError(f"no metric called {', '.join(map(repr, unknown))}")
    return frozenset(table for table, fed in TABLE_KEYS.items() if keys & fed)


def load_book(
    db: Engine | SqliteFile,
    window: Period,
    as_of: date,
    scope: Scope | None = None,
    options: MetricOptions | None = None,
    keys: Iterable[str] | None = None,
    per_account: bool = True,
) -> Book:
    """Read, once, everything the metrics of ``window`` (seen as of ``as_of``) need
    for the accounts in ``scope``; with ``keys``, only what those metrics need (see
    ``Book.values``). Nothing after ``as_of`` is read. ``db``: the engine, or a SQLite
    file read without it (``core.store.sqlite_file``) for a scope ``file_can_scope``.
    Without ``per_account``, for the figures of the whole book only (no breakdown,
    ``Book.metrics(by=...)``), its tickets and usage are read with fewer cells
    (``book_queries.whole_book``); a narrower scope is read per account."""
    scope = scope or Scope()
    per_account = per_account or not scope.is_whole_book
    tables = tables_for(keys)
    if window.start > as_of:
        raise ValueError(f"the period {window.label} starts after the as-of date {as_of}")
    data_end = min(window.end, as_of)
    wanted = [
        name
        for name in BOOK_TABLES
        if OPTIONAL_TABLES.get(name, "") in tables | {""}
        and (name != "costs" or scope.is_whole_book)
    ]
    file, frames = _compiled_file(db, scope), None
    if file is not None:
        try:
            frames = _read_file(
                file, wanted, window.start, data_end, as_of, scope, tables, per_account
            )
        except FileReadError:
            if file is db:
                raise
            # read through the engine, whose error says what is wrong
    if frames is None:
        assert not isinstance(db, SqliteFile)
        from core.metrics.book_queries import book_queries
        from core.store.frames import read_frames

        queries = book_queries(
            db.dialect.name, window.start, data_end, as_of, scope, tables, per_account
        )
        frames = read_frames(
            db,
            {
                name: query
                for name, query in queries.items()
                if name in wanted or name.startswith("usage")
            },
            parallel=True,
        )
    frames |= {
        name: _empty(name)
        for name in BOOK_TABLES
        if name not in frames and name in OPTIONAL_TABLES and name != "costs"
    }
    for part, table in TABLE_PARTS.items():
        frames[table] = pl.concat([frames[table], frames.pop(part)])
    usage = [
        frames.pop(name) for name in sorted(name for name in frames if name.startswith("usage"))
    ]
    return Book.from_frames(
        scope=scope,
        window=window,
        as_of=as_of,
        options=options or _configured_options(),
        tables=tables,
        costs=frames.pop("costs", None),
        recorded=frames.pop("recorded"),
        usage=pl.concat(usage) if usage else _NO_USAGE,
        per_account=per_account,
        **frames,
    )


@dataclass(frozen=True)
class BookRecords:
    """What the whole book records: the day of its latest MRR movement, purchase,
    ticket or survey answer (None: none), and its sources (``recorded_query``)."""

    latest_on: date | None
    sources: frozenset[str]

    def notes(self, period: Period, see: str = "") -> list[str]:
        """What ``period``'s figures cannot show for want of records, in words; ``see``
        ends the note of a period after the records (``{month}``: their last month)."""
        notes = []
        if "subscriptions" not in self.sources and "purchases" not in self.sources:
            notes.append(
                "No MRR is recorded in this book (no account has an MRR, no MRR movement,"
                " no purchase): MRR, NRR and GRR are 0 or no data for want of it. Import"
                " subscriptions (a Stripe export) or accounts with an mrr column to measure them."
            )
        latest = self.latest_on
        if latest is not None and period.start > latest:
            notes.append(
                f"Nothing in this book is dated after {latest.isoformat()} (no MRR movement,"
                f" purchase, ticket or survey answer): {period.label} shows no activity; the"
                f" last month with data is {latest:%Y-%m}.{see.format(month=f'{latest:%Y-%m}')}"
            )
        return notes


def book_records(db: Engine | SqliteFile) -> BookRecords:
    """``Book.records`` read alone (one row of indexed lookups)."""
    if isinstance(db, SqliteFile):
        frame = db.read({"recorded": BOOK_SQL["recorded"]})["recorded"]
    else:
        from core.metrics.book_queries import recorded_query
        from core.store.frames import read_frames

        frame = read_frames(db, {"recorded": recorded_query()})["recorded"]
    return BookRecords(_latest(frame), _recorded(frame))


BOOK_TABLES = (
    "accounts",
    "movements",
    "surveys",
    "surveys_late",
    "tickets",
    "tickets_late",
    "tickets_unresolved",
    "tickets_resolved_in",
    "engagement",
    "purchases",
    "purchase_history",
    "costs",
    "recorded",
)
"""The book's queries (``book_queries.table_queries``), one frame each; usage apart."""
TABLE_PARTS = {
    "surveys_late": "surveys",
    "tickets_late": "tickets",
    "tickets_unresolved": "tickets",
    "tickets_resolved_in": "tickets",
}
"""The queries that read a part of a table other than its window's first half
(``book_queries.table_queries``), and the frame each is added to."""
OPTIONAL_TABLES = {
    "surveys": "surveys",
    "surveys_late": "surveys",
    "tickets": "tickets",
    "tickets_late": "tickets",
    "tickets_unresolved": "tickets",
    "tickets_resolved_in": "tickets",
    "purchases": "purchases",
    "purchase_history": "purchases",
    "engagement": "engagement",
    "costs": "costs",
}
"""The queries read only when a metric asked for needs their table (``TABLE_KEYS``)."""


def file_can_scope(scope: Scope) -> bool:
    """True when a book read from a file can be narrowed to ``scope`` (by segment,
    owner or plan; statuses and conditions on custom fields need the engine)."""
    return not (scope.statuses or scope.fields)


def _compiled_file(db: Engine | SqliteFile, scope: Scope) -> SqliteFile | None:
    """Where the book's queries compiled ahead read from (``_read_file``): a SQLite
    file, or the file behind a SQLite engine for the whole book (a scope is narrower
    in SQL, through the engine); None: through the engine."""
    if isinstance(db, SqliteFile):
        return db
    return engine_file(db) if scope.is_whole_book else None


def _read_file(
    file: SqliteFile,
    names: list[str],
    window_start: date,
    data_end: date,
    as_of: date,
    scope: Scope,
    tables: frozenset[str],
    per_account: bool,
) -> dict[str, pl.DataFrame]:
    """``names``' queries (and the usage parts) compiled ahead (``book_sql``) on these
    days, read from ``file`` for the whole book, then narrowed to ``scope`` in polars
    by ``Scope.filter``'s rule, the one ``Scope.restrict`` applies in SQL. Without
    ``per_account``, the whole book's reads of ``book_queries.whole_book``."""

    def compiled(name: str, days: dict[str, date]) -> tuple[str, dict[str, str]]:
        if not per_account and f"{name}_whole_book" in BOOK_SQL:
            name = f"{name}_whole_book"
        return substituted(name, days), BOOK_SQL[name][1]

    if not file_can_scope(scope):
        raise ValueError(f"a book read from a file cannot be narrowed to {scope}")
    days = {
        "as_of": as_of,
        "window_start": window_start,
        "data_end": data_end,
        "middle": middle_of(window_start, data_end),
    }
    queries = {name: compiled(name, days) for name in names}
    if "usage" in tables:
        monthly, daily = usage_edges(window_start, data_end)
        parts = (
            []
            if monthly is None
            else [("usage_months", dict(zip(("first_whole", "after_whole"), monthly, strict=True)))]
        )
        parts += [("usage_days", {"low": low, "high": high}) for low, high in daily]
        for index, (name, edges) in enumerate(parts):
            queries[f"usage{index}"] = compiled(name, edges)
    frames = file.read(queries)
    if scope.is_whole_book:
        return frames
    frames["accounts"] = scope.filter(frames["accounts"])
    ids = frames["accounts"]["account_id"]
    return {
        name: frame
        if name in ("accounts", "recorded")  # "recorded": of the whole book
        else frame.filter(pl.col("account_id").is_in(ids.implode()))
        for name, frame in frames.items()
    }


def _configured_options() -> MetricOptions:
    """The options of the config file's ``[metrics]`` table (its problems are said by
    ``cxtui metrics`` and ``cxtui config show``; here the defaults stand in)."""
    from core.config.metric_options import load_metric_options

    return load_metric_options().options


def _empty(name: str) -> pl.DataFrame:
    """No rows, with the columns (and types) the query ``name`` would have read."""
    return pl.DataFrame(
        schema={column: getattr(pl, dtype)() for column, dtype in BOOK_SQL[name][1].items()}
    )


@dataclass(frozen=True)
class Book:
    """The frames of one scope over one window, ready for any period inside it."""

    scope: Scope
    window: Period
    as_of: date
    options: MetricOptions
    accounts: pl.DataFrame  # account_id, segment, owner, plan, mrr_cents, dates
    events: pl.DataFrame  # account_id, day, inflow, dated: see core.accounts.customers
    movements: pl.DataFrame  # account_id, occurred_on, kind, amount_cents (signed), undated
    surveys: pl.DataFrame  # account_id, kind, score, answered_at
    tickets: pl.DataFrame  # (account_id,) opened_at, first_response_at, resolved_at
    # account_id, day, amount_cents: one row per customer-day, from a year before the
    # window (``book_sql.purchases_from``) to its end
    purchase_days: pl.DataFrame
    purchase_spans: pl.DataFrame  # account_id, first_day, last_day: purchases before those
    engagement: pl.DataFrame  # account_id, kind, occurred_at: referrals, trainings, events
    usage: pl.DataFrame  # (account_id,) month (its 1st), users_sum, users_max, day_bits
    costs: pl.DataFrame | None  # incurred_on, amount_cents; None when scoped or not read
    tables: frozenset[str]  # the optional tables read (TABLE_KEYS); the others are empty
    recorded: frozenset[str]
    """What the whole book records at all, in any period, whatever the scope
    (``book_queries.recorded_query``): "surveys", "engagement", "onboarding", "churn",
    "purchases", "subscriptions"."""
    per_account: bool = True
    """False: the tickets and the usage were read for the whole book's figures,
    without their accounts (``load_book``); no breakdown can be computed."""
    latest_on: date | None = None
    """The day of the whole book's latest MRR movement, purchase, ticket or survey
    answer (None: none, or not read): a period after it has nothing to show."""
    first_purchase_on: date | None = None
    """The day of the whole book's first purchase (None: none, or not read): the
    purchase CLV's year up to a day before a year of purchases rests on fewer months."""
    edges: dict[date, tuple[pl.DataFrame, pl.DataFrame]] = field(
        default_factory=dict, compare=False, repr=False
    )
    """The customers at the end of some days, and their MRR, computed ahead for many
    periods at once (``with_edges``)."""

    @classmethod
    def from_frames(
        cls,
        *,
        scope: Scope,
        window: Period,
        as_of: date,
        options: MetricOptions,
        accounts: pl.DataFrame,
        movements: pl.DataFrame,
        surveys: pl.DataFrame,
        tickets: pl.DataFrame,
        purchases: pl.DataFrame,
        usage: pl.DataFrame,
        costs: pl.DataFrame | None,
        purchase_history: pl.DataFrame | None = None,
        engagement: pl.DataFrame | None = None,
        tables: frozenset[str] = frozenset(TABLE_KEYS),
        recorded: pl.DataFrame | None = None,
        per_account: bool = True,
    ) -> Book:
        movements = pl.concat([movements, _implied_movements(accounts, movements, as_of)])
        movements = mark_undated(movements, accounts)
        return cls(
            scope=scope,
            window=window,
            as_of=as_of,
            options=options,
            accounts=accounts,
            events=customer_events(accounts, movements, as_of),
            movements=movements,
            surveys=surveys,
            tickets=tickets,
            purchase_days=purchases.group_by(
                "account_id", pl.col("purchased_at").dt.date().alias("day")
            ).agg(pl.col("amount_cents").sum()),
            purchase_spans=_NO_SPANS
            if purchase_history is None
            else purchase_history.select(
                "account_id",
                pl.col("first_at").cast(pl.Datetime("us")).dt.date().alias("first_day"),
                pl.col("last_at").cast(pl.Datetime("us")).dt.date().alias("last_day"),
            ),
            usage=usage,
            costs=costs,
            engagement=_NO_ENGAGEMENT if engagement is None else engagement,
            tables=tables,
            per_account=per_account,
            recorded=_RECORDED_SOURCES if recorded is None else _recorded(recorded),
            latest_on=None if recorded is None else _latest(recorded),
            first_purchase_on=None if recorded is None else _first_purchase(recorded),
        )

    # -- who is a customer, and their MRR ------------------------------------------

    def with_edges(self, days: Iterable[date]) -> Book:
        """This book with the customers at the end of each of ``days``, and their MRR,
        computed ahead in one parallel collect. A series' months share their edges
        (each month starts where the one before ended, and sees its renewals as of
        its end): 12 months at 100k accounts took 0.71 s, 0.56 s with their edges."""
        days = sorted(set(days))
        plans = [plan for day in days for plan in (self._customers_at(day), self._mrr_at(day))]
        frames = pl.collect_all(plans, engine="in-memory")
        return replace(
            self, edges={day: (frames[2 * i], frames[2 * i + 1]) for i, day in enumerate(days)}
        )

    def customers_at(self, day: date) -> pl.DataFrame:
        """The ids of the accounts that are customers at the end of ``day``."""
        return self._customers_at(day).collect()

    def mrr_at(self, day: date) -> pl.DataFrame:
        """Each customer's MRR in cents at the end of ``day``: its movements summed."""
        return self._mrr_at(day).collect()

    def _customers_at(self, day: date) -> pl.LazyFrame:
        if day in self.edges:
            return self.edges[day][0].lazy()
        return (
            self.events.lazy()
            .filter(pl.col("day") <= day)
            .group_by("account_id")
            .agg(pl.col("inflow").last())
            .filter("inflow")
            .select("account_id")
        )

    def _mrr_at(self, day: date) -> pl.LazyFrame:
        if day in self.edges:
            return self.edges[day][1].lazy()
        return (
            self.movements.lazy()
            .filter(pl.col("occurred_on") <= day)
            .group_by("account_id")
            .agg(pl.col("amount_cents").sum().clip(lower_bound=0).alias("mrr_cents"))
            .join(self._customers_at(day), on="account_id", how="semi")
        )

    # -- the metrics ---------------------------------------------------------------

    def metrics(
        self,
        period: Period,
        as_of: date | None = None,
        by: str | None = None,
        groups: pl.DataFrame | None = None,
    ) -> list[tuple[str | None, MetricSet]]:
        """Every metric of ``period`` seen as of ``as_of`` (default: the book's), for
        the whole scope (one ``(None, metrics)`` pair) or per segment, owner or plan
        (``by``), or per group of ``groups`` (account_id, group, and optionally rank,
        the groups' order: a custom field's values); accounts without a group form
        the group None, last."""
        self.require(METRIC_KEYS)
        return self._metrics(period, as_of, by, groups)

    def values(
        self, period: Period, keys: Iterable[str], as_of: date | None = None
    ) -> dict[str, Any]:
        """The metrics ``keys`` of ``period`` for the whole scope, as ``metrics``
        computes them, from a book read for them (``load_book(..., keys=...)``)."""
        keys = list(keys)
        self.require(keys)
        [(_, metrics)] = self._metrics(period, as_of, None, None)
        return {key: metrics.get(key) for key in keys}

    def require(self, keys: Iterable[str]) -> None:
        """Raise ValueError unless the book read every table the metrics ``keys`` need."""
        missing = tables_for(keys) - self.tables
        if missing:
            raise ValueError(
                f"this book was read without the {', '.join(sorted(missing))} table(s):"
                " read it with those metrics' keys (load_book(..., keys=...))"
            )

    def _metrics(
        self, period: Period, as_of: date | None, by: str | None, groups: pl.DataFrame | None
    ) -> list[tuple[str | None, MetricSet]]:
        as_of = as_of or self.as_of
        if (by is not None or groups is not None) and not self.per_account:
            raise ValueError("this book was read for the whole book: read it per account")
        if by is not None and groups is None and by not in BREAKDOWNS:
            raise ValueError(f"cannot break down by {by!r}: use {' or '.join(BREAKDOWNS)}")
        if as_of > self.as_of:
            raise ValueError(f"the book was read as of {self.as_of}, not {as_of}")
        if period.start > as_of:
            raise ValueError(f"the period {period.label} starts after the as-of date {as_of}")
        ref = min(period.end, as_of)
        self._check_covers(period, ref)
        # One lazy plan, collected once: each eager step would hand the GIL back and
        # wait for it again, which a busy UI thread makes ~15x slower (measured). By
        # polars' in-memory engine: its many small joins and group-bys are a quarter
        # faster there than by the streaming one (12 months at 100k accounts: 0.62
        # instead of 0.87 s), to the same figures.
        grouped = None
        names: list[str | None] = [None]
        if groups is not None:
            frame = self.accounts.select("account_id").join(
                groups.select("account_id", pl.col("group").cast(pl.String)),
                on="account_id",
                how="left",
            )
            names = _group_names(frame, groups)
            grouped = frame.lazy()
        elif by is not None:
            frame = self.accounts.select("account_id", pl.col(by).alias("group"))
            names = sorted(frame["group"].unique().to_list(), key=lambda name: (name is None, name))
            grouped = frame.lazy()
        table = pl.LazyFrame({"group": names}, schema={"group": pl.String})
        for part in self._parts(period, ref, as_of, grouped):
            table = table.join(
                part, on="group", how="left", nulls_equal=True, maintain_order="left"
            )
        # A table the book did not read leaves its counts at 0; ``require`` keeps the
        # metrics made of them from being asked for.
        present = set(table.collect_schema().names())
        table = table.with_columns(
            pl.col(column).fill_null(0) if column in present else pl.lit(0).alias(column)
            for column in _COUNT_COLUMNS
        )
        effective = Period(period.start, ref)
        cost = self._retention_cost(period, ref) if by is None else None
        return [
            (
                row["group"],
                _assemble(
                    row, effective, self.options, cost, self.recorded, self.first_purchase_on
                ),
            )
            for row in table.collect(engine="in-memory").iter_rows(named=True)
        ]

    def _check_covers(self, period: Period, ref: date) -> None:
        data_end = min(self.window.end, self.as_of)
        if period.start < self.window.start or ref > data_end:
            raise ValueError(f"the book holds {self.window.label}, not {period.label}")
        # Usage is read summed by month: a period must cut the window at month edges.
        if not (period.start == self.window.start or period.start.day == 1) or not (
            ref == data_end or (ref + _ONE_DAY).day == 1
        ):
            raise ValueError(f"{period.label} does not cut {self.window.label} at month edges")

    def _parts(
        self, period: Period, ref: date, as_of: date, groups: pl.LazyFrame | None
    ) -> list[pl.LazyFrame]:
        before = period.start - _ONE_DAY
        at_start, at_end = self._customers_at(before), self._customers_at(ref)
        return [
            *self._customers(period, ref, at_start, at_end, groups),
            *self._revenue(period, ref, before, at_start, at_end, groups),
            *([self._surveys(period, ref, groups)] if "surveys" in self.tables else []),
            *self._engaged(period, ref, at_end, groups),
            *([self._purchases(period, ref, groups)] if "purchases" in self.tables else []),
            *([self._usage(period, ref, groups)] if "usage" in self.tables else []),
            *(self._support(period, ref, groups) if "tickets" in self.tables else []),
            self._onboarding(period, ref, groups),
            self._renewals(as_of, groups),
            self._assumed(groups),
            self._trailing_churn(ref, groups),
        ]

    def _trailing_churn(self, ref: date, groups: pl.LazyFrame | None) -> pl.LazyFrame:
        """Customers ``churn_window_months`` before ``ref`` and how many of them left
        (on a known date) by ``ref``: the annual churn rate behind the CLV lifespan."""
        opened = add_months(ref + _ONE_DAY, -self.options.churn_window_months)
        at_open = self._customers_at(opened - _ONE_DAY)
        lost, _ = self.lost_and_new(at_open, opened, ref)
        return _count(at_open, groups, "trailing_start").join(
            _count(lost, groups, "trailing_lost"),
            on="group",
            how="full",
            coalesce=True,
            nulls_equal=True,
        )

    def _events_like(self, frame: Frame) -> Frame:
        """The customer events, lazy when ``frame`` is (to be joined with it)."""
        return self.events.lazy() if isinstance(frame, pl.LazyFrame) else self.events

    def lost_and_new(self, at_start: Frame, start: date, ref: date) -> tuple[Frame, Frame]:
        """Of the customers ``at_start``, those who left between ``start`` and ``ref``
        on a known date; and the accounts that became customers then without being
        ones at the start. The metrics count them; the drill-through lists them."""
        events = self._events_like(at_start)
        during = events.filter(pl.col("day").is_between(start, ref))
        left = during.filter(~pl.col("inflow") & pl.col("dated"))
        lost = at_start.join(left, on="account_id", how="semi")
        new = (
            during.filter("inflow")
            .select("account_id")
            .unique()
            .join(at_start, on="account_id", how="anti")
        )
        return lost, new  # type: ignore[return-value]

    def _customers(
        self,
        period: Period,
        ref: date,
        at_start: pl.LazyFrame,
        at_end: pl.LazyFrame,
        groups: pl.LazyFrame | None,
    ) -> list[pl.LazyFrame]:
        lost, gained = self.lost_and_new(at_start, period.start, ref)
        return [
            _count(ids, groups, name)
            for ids, name in (
                (at_start, "customers_at_start"),
                (at_end, "active_accounts"),
                (lost, "churned_accounts"),
                (self.left_undated(at_start, at_end, lost), "churned_undated"),
                (gained, "new_accounts"),
                (self.reactivated(gained, period.start), "reactivated"),
                (gained.join(at_end, on="account_id", how="anti"), "joined_and_left"),
                (lost.join(at_end, on="account_id", how="semi"), "churned_and_returned"),
            )
        ]

    def reactivated(self, gained: Frame, start: date) -> Frame:
        """Of the accounts that became customers in a period starting on ``start``
        (``lost_and_new``'s second frame), those that had been customers before."""
        events = self._events_like(gained)
        before = events.filter(pl.col("inflow"), pl.col("day") < start).select("account_id")
        return gained.join(before, on="account_id", how="semi")  # type: ignore[arg-type]

    def left_undated(self, at_start: Frame, at_end: Frame, lost: Frame) -> Frame:
        """Of the customers ``at_start``, those gone by the end whose churn date is
        unknown (an undated churn recorded in the period): in no churn figure."""
        events = self._events_like(at_start)
        undated = events.filter(~pl.col("inflow") & ~pl.col("dated")).select("account_id")
        return (
            at_start.join(undated, on="account_id", how="semi")
            .join(at_end, on="account_id", how="anti")
            .join(lost, on="account_id", how="anti")  # type: ignore[arg-type]
        )

    def _revenue(
        self,
        period: Period,
        ref: date,
        before: date,
        at_start: pl.LazyFrame,
        at_end: pl.LazyFrame,
        groups: pl.LazyFrame | None,
    ) -> list[pl.LazyFrame]:
        moved = (
            self.movements.lazy()
            .filter(pl.col("occurred_on").is_between(period.start, ref))
            .pipe(_grouped, groups)
        )
        undated = pl.col("undated")
        kept = moved.filter(~undated).join(at_start, on="account_id", how="semi")
        return [
            _sum(self._mrr_at(ref), groups, "mrr_cents", "mrr_cents"),
            _sum(self._mrr_at(before), groups, "mrr_cents", "start_mrr_cents"),
            _by_kind(moved.filter(~undated), "moved", _MOVEMENT_KINDS),
            moved.group_by("group").agg(
                pl.col("amount_cents").filter(undated).sum().alias("moved_undated_churn")
            ),
            moved.filter(undated)
            .join(at_start, on="account_id", how="semi")
            .group_by("group")
            .agg(pl.col("amount_cents").sum().alias("kept_undated_churn")),
            _by_kind(kept, "kept", ["expansion", "contraction", "churn"]),
        ]

    def _surveys(self, period: Period, ref: date, groups: pl.LazyFrame | None) -> pl.LazyFrame:
        nps = pl.col("kind") == SurveyKind.NPS.value
        csat = pl.col("kind") == SurveyKind.CSAT.value
        score = pl.col("score")
        return (
            self.surveys.lazy()
            .filter(
                pl.col("answered_at") >= _naive(period.start),
                pl.col("answered_at") < _naive(ref + _ONE_DAY),
            )
            .pipe(_grouped, groups)
            .group_by("group")
            .agg(
                (nps & (score >= 9)).sum().alias("nps_promoters"),
                (nps & score.is_between(7, 8)).sum().alias("nps_passives"),
                (nps & (score <= 6)).sum().alias("nps_detractors"),
                csat.sum().alias("csat_answers"),
                (csat & (score >= self.options.csat_satisfied_min)).sum().alias("csat_satisfied"),
            )
        )

    def _engaged(
        self, period: Period, ref: date, at_end: pl.LazyFrame, groups: pl.LazyFrame | None
    ) -> list[pl.LazyFrame]:
        """Of the customers at the end, how many answered a survey in the period (the
        feedback rate) and how many had each engagement kind (``ENGAGED_COLUMNS``)."""
        first, after = _naive(period.start), _naive(ref + _ONE_DAY)
        parts = []
        if "surveys" in self.tables:
            answered = self.surveys.lazy().filter(
                pl.col("answered_at").is_between(first, after, "left")
            )
            parts.append(
                _count(at_end.join(answered, on="account_id", how="semi"), groups, "gave_feedback")
            )
        if "engagement" in self.tables:
            during = self.engagement.lazy().filter(
                pl.col("occurred_at").is_between(first, after, "left")
            )
            for kind, column in ENGAGED_COLUMNS.items():
                engaged = during.filter(pl.col("kind") == kind)
                parts.append(
                    _count(at_end.join(engaged, on="account_id", how="semi"), groups, column)
                )
        return parts

    def _purchases(self, period: Period, ref: date, groups: pl.LazyFrame | None) -> pl.LazyFrame:
        per_buyer = (
            self.purchase_days.lazy()
            .filter(pl.col("day").is_between(period.start, ref))
            .group_by("account_id")
            .agg(pl.len().alias("days"), pl.col("amount_cents").sum())
            .pipe(_grouped, groups)
        )
        totals = per_buyer.group_by("group").agg(
            pl.len().alias("buyers"),
            (pl.col("days") > 1).sum().alias("repeat_buyers"),
            pl.col("days").sum().alias("purchases"),
            pl.col("amount_cents").sum().alias("purchase_cents"),
        )
        # The year up to ``ref``, behind the purchase CLV, whatever the period's length.
        year = (
            self.purchase_days.lazy()
            .filter(pl.col("day").is_between(year_to(ref), ref))
            .pipe(_grouped, groups)
            .group_by("group")
            .agg(
                pl.col("account_id").n_unique().alias("year_buyers"),
                pl.col("amount_cents").sum().alias("year_purchase_cents"),
            )
        )
        for part in (year, self._purchase_lifespans(ref, groups)):
            totals = totals.join(part, on="group", how="full", coalesce=True, nulls_equal=True)
        return totals

    def _purchase_lifespans(self, ref: date, groups: pl.LazyFrame | None) -> pl.LazyFrame:
        """Of every buyer up to ``ref``, the days from its first purchase to its last,
        summed: the lifespan observed in the purchase history (``lifespan_days`` over
        ``lifespan_buyers``), behind the CLV of a book without subscription churn."""
        days = self.purchase_days.lazy().filter(pl.col("day") <= ref)
        spans = (
            pl.concat(
                [
                    self.purchase_spans.lazy(),
                    days.select("account_id", first_day="day", last_day="day"),
                ]
            )
            .group_by("account_id")
            .agg(pl.col("first_day").min(), pl.col("last_day").max())
        )
        return (
            spans.pipe(_grouped, groups)
            .group_by("group")
            .agg(
                (pl.col("last_day") - pl.col("first_day"))
                .dt.total_days()
                .sum()
                .alias("lifespan_days"),
                pl.len().alias("lifespan_buyers"),
            )
        )

    def _usage(self, period: Period, ref: date, groups: pl.LazyFrame | None) -> pl.LazyFrame:
        months = (
            self.usage.lazy()
            .filter(pl.col("month").is_between(period.start.replace(day=1), ref.replace(day=1)))
            .pipe(_grouped, groups)
            .group_by("group", "month")
            .agg(
                pl.col("users_sum").sum(),
                pl.col("users_max").sum().alias("monthly_users"),
                # The days of the month on which any of the group's accounts has data.
                pl.col("day_bits").bitwise_or().bitwise_count_ones().cast(pl.Int64).alias("days"),
            )
            .filter(pl.col("monthly_users") > 0)
        )
        # On an average day of a month, daily users / monthly users; averaged over days.
        # Summed in month order within each group: a float sum in another order can
        # differ in its last digit, and the same book must give the same figure on
        # every read. A running sum, because polars drops a sort before a plain sum.
        ratio = pl.col("users_sum") / pl.col("monthly_users")
        return months.group_by("group").agg(
            ratio.sort_by("month").cum_sum().last().alias("sticky_days"),
            pl.col("days").sum().alias("usage_days"),
        )

    def _support(
        self, period: Period, ref: date, groups: pl.LazyFrame | None
    ) -> list[pl.LazyFrame]:
        end = _naive(ref + _ONE_DAY)
        tickets = self.tickets.lazy().pipe(_grouped, groups)
        opened = tickets.filter(
            pl.col("opened_at") >= _naive(period.start), pl.col("opened_at") < end
        )
        hours = (pl.col("first_response_at") - pl.col("opened_at")).dt.total_microseconds() / 3.6e9
        answered = opened.filter(pl.col("first_response_at") < end).with_columns(
            hours.alias("hours")
        )
        resolved = pl.col("resolved_at") < end
        long_open = pl.col("opened_at") < end - timedelta(hours=self.options.open_ticket_hours)
        return [
            answered.group_by("group").agg(
                pl.col("hours").median().alias("first_response_hours_median"),
                pl.col("hours").quantile(0.9, "linear").alias("first_response_hours_p90"),
            ),
            opened.group_by("group").agg(
                pl.len().alias("tickets_opened"),
                resolved.fill_null(False).sum().alias("tickets_resolved"),
            ),
            tickets.filter(long_open & resolved.fill_null(False).not_())
            .group_by("group")
            .agg(pl.len().alias("tickets_open_long")),
        ]

    def _onboarding(self, period: Period, ref: date, groups: pl.LazyFrame | None) -> pl.LazyFrame:
        deadline = pl.col("start_date") + pl.duration(days=self.options.onboarding_target_days)
        on_time = pl.col("onboarding_completed_at") <= deadline
        return (
            self.accounts.lazy()
            .filter(deadline.is_between(period.start, ref))
            .pipe(_grouped, groups)
            .group_by("group")
            .agg(
                pl.len().alias("onboarding_due"),
                on_time.fill_null(False).sum().alias("onboarding_on_time"),
            )
        )

    def _renewals(self, as_of: date, groups: pl.LazyFrame | None) -> pl.LazyFrame:
        # The few accounts renewing in the widest window first, then the customers.
        due = (
            self.accounts.lazy()
            .filter(
                pl.col("renewal_date").is_between(
                    as_of, as_of + timedelta(days=max(_RENEWAL_WINDOWS))
                )
            )
            .select("account_id", "renewal_date")
            .join(self._customers_at(as_of), on="account_id", how="semi")
            .join(self._mrr_at(as_of), on="account_id", how="left")
            .pipe(_grouped, groups)
        )
        columns = []
        for days in _RENEWAL_WINDOWS:
            soon = pl.col("renewal_date").is_between(as_of, as_of + timedelta(days=days))
            columns += [
                soon.fill_null(False).sum().alias(f"renewals_{days}d_count"),
                pl.col("mrr_cents").filter(soon).sum().alias(f"renewals_{days}d_cents"),
            ]
        return due.group_by("group").agg(columns)

    @property
    def sells_by_purchase(self) -> bool:
        """Whether the whole book records purchases and no subscription (no MRR
        movement, no account with an MRR): an order log, whose figures are its
        purchases'."""
        return "purchases" in self.recorded and "subscriptions" not in self.recorded

    def assumed_counts(self) -> tuple[int, int, int]:
        """The accounts of the scope without a start date, churned on an unknown date,
        and (all of them, when nothing in the book records a churn) counted as staying
        (``core.accounts.customers.assumption_notes`` says what each means)."""
        accounts = self.accounts
        undated = accounts["churned_at"].is_null() & accounts["churn_recorded_on"].is_not_null()
        staying = 0 if self.records_churn() else accounts.height
        return accounts["start_date"].null_count(), int(undated.sum()), staying

    @property
    def records(self) -> BookRecords:
        """What the whole book records (``BookRecords``)."""
        return BookRecords(self.latest_on, self.recorded)

    def records_churn(self) -> bool:
        """Whether anything in the whole book records a churn: a churn date, a churned
        status or a churn MRR movement (``recorded``). Without any, every account
        counts as staying, and churn is 0 % for want of data."""
        return "churn" in self.recorded

    def _assumed(self, groups: pl.LazyFrame | None) -> pl.LazyFrame:
        """How many accounts rest on an assumption: an unknown start date, or a churn
        of unknown date (``core.accounts.customers``)."""
        undated = pl.col("churned_at").is_null() & pl.col("churn_recorded_on").is_not_null()
        return (
            self.accounts.lazy()
            .pipe(_grouped, groups)
            .group_by("group")
            .agg(
                pl.col("start_date").is_null().sum().alias("start_unknown"),
                undated.sum().alias("churn_date_unknown"),
                pl.len().alias("accounts"),
            )
        )

    def _retention_cost(self, period: Period, ref: date) -> int | None:
        """Retention cost of the period in cents, or None when none is recorded (or
        the book is scoped: costs belong to no account)."""
        if self.costs is None:
            return None
        spent = self.costs.filter(pl.col("incurred_on").is_between(period.start, ref))
        return int(spent["amount_cents"].sum()) if spent.height else None


def _recorded(recorded: pl.DataFrame) -> frozenset[str]:
    """The sources the book records (``recorded_query``'s yes/no columns)."""
    return frozenset(
        name
        for name, some in recorded.row(0, named=True).items()
        if not name.startswith(("latest_", "first_")) and some
    )


def _first_purchase(recorded: pl.DataFrame) -> date | None:
    """The day of the whole book's first purchase (``recorded_query``), None if none."""
    value = recorded["first_purchase"][0]
    return value if value is None or type(value) is date else value.date()


def _latest(recorded: pl.DataFrame) -> date | None:
    """The latest day of ``recorded_query``'s ``latest_*`` columns, None if all null."""
    days = [
        value if type(value) is date else value.date()
        for name, value in recorded.row(0, named=True).items()
        if name.startswith("latest_") and value is not None
    ]
    return max(days, default=None)


def _grouped(frame: pl.LazyFrame, groups: pl.LazyFrame | None) -> pl.LazyFrame:
    """The frame's rows with their account's group (rows of accounts outside the
    groups dropped). Without a breakdown (``groups`` None) there is one null group,
    and the book's frames hold only the scope's accounts: every row belongs to it."""
    if groups is None:
        return frame.with_columns(pl.lit(None, pl.String).alias("group"))
    return frame.join(groups, on="account_id")


def _count(ids: pl.LazyFrame, groups: pl.LazyFrame | None, name: str) -> pl.LazyFrame:
    return ids.pipe(_grouped, groups).group_by("group").agg(pl.len().alias(name))


def _sum(frame: pl.LazyFrame, groups: pl.LazyFrame | None, column: str, name: str) -> pl.LazyFrame:
    return frame.pipe(_grouped, groups).group_by("group").agg(pl.col(column).sum().alias(name))


def _by_kind(moved: pl.LazyFrame, prefix: str, kinds: list[str]) -> pl.LazyFrame:
    return moved.group_by("group").agg(
        pl.col("amount_cents").filter(pl.col("kind") == kind).sum().alias(f"{prefix}_{kind}")
        for kind in kinds
    )


def _implied_movements(
    accounts: pl.DataFrame, movements: pl.DataFrame, as_of: date
) -> pl.DataFrame:
    """For accounts without any recorded movement: a "new" movement of their MRR on
    their start date and, once churned, a "churn" movement of it on their churn date."""
    silent = accounts.join(movements, on="account_id", how="anti").filter(pl.col("mrr_cents") > 0)
    schema = movements.schema
    new = silent.select(
        "account_id",
        started_on().alias("occurred_on"),
        pl.lit("new").alias("kind"),
        pl.col("mrr_cents").alias("amount_cents"),
    )
    left = pl.coalesce("churned_at", "churn_recorded_on")
    churn = silent.filter(left.is_not_null()).select(
        "account_id",
        left.alias("occurred_on"),
        pl.lit("churn").alias("kind"),
        (-pl.col("mrr_cents")).alias("amount_cents"),
    )
    return (
        pl.concat([new, churn])
        .cast(dict(schema))  # type: ignore[arg-type]
        .filter(pl.col("occurred_on") <= as_of)
    )


def clv_window_months(first_purchase: date | None, ref: date) -> float:
    """The months of purchase history behind the purchase CLV's purchases a year up
    to ``ref``: 12, or fewer when the book's first purchase is later than
    ``year_to(ref)`` (its days, in months of 365.25 / 12 days)."""
    if first_purchase is None or first_purchase <= year_to(ref):
        return 12.0
    return ((ref - first_purchase).days + 1) * 12 / 365.25


def _assemble(
    row: dict[str, Any],
    period: Period,
    options: MetricOptions,
    cost_cents: int | None,
    recorded: frozenset[str],
    first_purchase: date | None = None,
) -> MetricSet:
    """One group's aggregates turned into metrics; ``period`` is the part of the
    period that has elapsed (it sets the annual churn rate); ``recorded``: what the
    whole book records at all (``Book.recorded``): the rates made of what it does not
    are no data, whether anyone answered, took part or finished onboarding not being
    known; without churn, the accounts are counted as staying
    (``accounts_churn_unrecorded`` says how many)."""
    # Customers at the start whose churn date is unknown leave the bases: whether they
    # churned in this period cannot be said (core.accounts.customers).
    start = row["customers_at_start"] - row["churned_undated"]
    end = row["active_accounts"]
    lost, new = row["churned_accounts"], row["new_accounts"]
    start_mrr = row["start_mrr_cents"] + row["kept_undated_churn"]
    kept_loss = row["kept_contraction"] + row["kept_churn"]  # both negative
    moved = {kind: row[f"moved_{kind}"] for kind in _MOVEMENT_KINDS}
    promoters, passives, detractors = (
        row["nps_promoters"],
        row["nps_passives"],
        row["nps_detractors"],
    )
    answers = promoters + passives + detractors
    engaged = "engagement" in recorded
    buyers, purchases, purchase_cents = row["buyers"], row["purchases"], row["purchase_cents"]
    # Lifespan in years: configured, or 1 / annual churn rate, the annual rate
    # measured over the trailing window (12 months by default) up to the period's end.
    lifespan: Fraction | None = None
    trailing_start, trailing_lost = row["trailing_start"], row["trailing_lost"]
    if options.lifespan_years is not None:
        lifespan = Fraction(options.lifespan_years)
    elif trailing_start and trailing_lost:
        lifespan = Fraction(options.churn_window_months, 12) * trailing_start / trailing_lost
    # The purchase CLV of a book without churn to measure (a purchase-only book) uses
    # the lifespan its buyers showed, first purchase to last, on average.
    buying_lifespan, from_purchases = lifespan, False
    if lifespan is None and not trailing_lost and row["lifespan_days"] and row["lifespan_buyers"]:
        days_each = Fraction(row["lifespan_days"], row["lifespan_buyers"])
        buying_lifespan, from_purchases = days_each / Fraction(36525, 100), True
    # Average purchase value x purchases a year = the revenue per buyer of the year up
    # to the period's end (year_to), the same for a month, a quarter and a year ending
    # on one day; over the months there are when the purchase history is shorter.
    clv = clv_subscription = window_months = None
    if buying_lifespan is not None and row["year_buyers"]:
        clv = money(Fraction(row["year_purchase_cents"], row["year_buyers"]) * buying_lifespan)
        window_months = clv_window_months(first_purchase, period.end)
    if lifespan is not None and end:
        clv_subscription = money(Fraction(row["mrr_cents"], end) * 12 * lifespan)
    renewals = {}
    for days in _RENEWAL_WINDOWS:
        renewals[f"renewals_{days}d_count"] = row[f"renewals_{days}d_count"]
        renewals[f"renewals_{days}d_mrr"] = money(row[f"renewals_{days}d_cents"])
    return MetricSet(
        active_accounts=end,
        churned_accounts=lost,
        new_accounts=new,
        churn_rate_pct=pct(lost, start),
        retention_rate_pct=pct(end - new, start),
        mrr=money(row["mrr_cents"]),
        mrr_new=money(moved["new"]),
        mrr_expansion=money(moved["expansion"]),
        mrr_contraction=money(moved["contraction"]),
        mrr_churned=money(moved["churn"]),
        churned_undated_accounts=row["churned_undated"],
        reactivated_accounts=row["reactivated"],
        joined_and_left_accounts=row["joined_and_left"],
        churned_and_returned_accounts=row["churned_and_returned"],
        accounts_start_unknown=row["start_unknown"],
        accounts_churn_date_unknown=row["churn_date_unknown"],
        accounts_churn_unrecorded=0 if "churn" in recorded else row["accounts"],
        mrr_churned_undated=money(row["moved_undated_churn"]),
        mrr_reactivation=money(moved["reactivation"]),
        net_new_mrr=money(sum(moved.values())),
        grr_pct=pct(start_mrr + kept_loss, start_mrr),
        nrr_pct=pct(start_mrr + row["kept_expansion"] + kept_loss, start_mrr),
        nps=pct(promoters - detractors, answers),
        nps_promoters=promoters,
        nps_passives=passives,
        nps_detractors=detractors,
        csat_pct=pct(row["csat_satisfied"], row["csat_answers"]),
        customers_with_purchases=buyers,
        repeat_purchase_rate_pct=pct(row["repeat_buyers"], buyers),
        avg_purchase_value=money(Fraction(purchase_cents, purchases)) if purchases else None,
        purchases_per_customer=purchases / buyers if buyers else None,
        purchase_revenue=money(purchase_cents),
        clv=clv,
        clv_purchases=clv,
        clv_lifespan_years=None if buying_lifespan is None else float(buying_lifespan),
        clv_lifespan_buyers=row["lifespan_buyers"] if from_purchases else 0,
        clv_window_months=window_months,
        stickiness_pct=pct(row.get("sticky_days") or 0, row.get("usage_days") or 0),
        first_response_hours_median=row.get("first_response_hours_median"),
        first_response_hours_p90=row.get("first_response_hours_p90"),
        ticket_resolution_rate_pct=pct(row["tickets_resolved"], row["tickets_opened"]),
        tickets_open_over_48h=row["tickets_open_long"],
        onboarding_success_rate_pct=(
            pct(row["onboarding_on_time"], row["onboarding_due"])
            if "onboarding" in recorded
            else None
        ),
        onboarding_due_unrecorded=0 if "onboarding" in recorded else row["onboarding_due"],
        customers_at_start=row["customers_at_start"],
        mrr_at_start=money(row["start_mrr_cents"]),
        clv_subscription=clv_subscription,
        retention_cost_per_customer=(
            money(Fraction(cost_cents, start)) if cost_cents is not None and start else None
        ),
        feedback_rate_pct=pct(row["gave_feedback"], end) if "surveys" in recorded else None,
        referral_rate_pct=pct(row["referred"], end) if engaged else None,
        community_participation_pct=pct(row["in_community"], end) if engaged else None,
        education_completion_pct=pct(row["trained"], end) if engaged else None,
        **renewals,
    )
