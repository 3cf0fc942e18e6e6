"""The accounts list as a polars frame: its columns, how it is built from its parts,
and the search, filters and sorting that run over it.

Polars and the standard library only, never SQLAlchemy or the models: the app draws
the list before that stack is imported (``core.store.first_read``). Whoever reads the
parts (``core.accounts.queries.load_accounts_first`` through an engine, on any database;
``core.store.first_read`` straight from a current SQLite file), ``list_frame`` joins them,
so both give the same list.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl

from core.health.in_force import newest, override_set, with_bands
from core.health.trend import trend_expr
from core.scope import Scope
from core.text import visible_columns

if TYPE_CHECKING:
    from core.accounts.field_views import FieldCondition

BANDS = ("green", "yellow", "red")
NO_SCORE = "no score"
"""The health filter's choice of the live accounts without a score in force (no
signals to score them, nor an override), which the list's Health column says so."""
HEALTH_CHOICES = (*BANDS, NO_SCORE)
"""What the health filter keeps: the accounts of a band, or those of no score."""

LIST_COLUMNS = {
    "id": pl.Int64,
    "external_id": pl.String,
    "name": pl.String,
    "segment": pl.String,
    "plan": pl.String,
    "owner": pl.String,
    "status": pl.String,
    "mrr_cents": pl.Int64,
    "mrr_recorded": pl.Boolean,
    "renewal_date": pl.Date,
    "cancels_at_renewal": pl.Boolean,
    "days_to_renewal": pl.Int64,
    "health_score": pl.Float64,
    "health_band": pl.String,
    "computed_score": pl.Float64,
    "overridden": pl.Boolean,
    "override": pl.String,
    "trend_30d": pl.Float64,
    "trend": pl.String,
    "last_interaction_at": pl.Datetime("us"),
    "days_since_interaction": pl.Int64,
    "open_tickets": pl.Int64,
    "search_key": pl.String,
}

PARTS: dict[str, tuple[str, ...]] = {
    "current": ("id", "computed_score", "band"),
    "month_ago": ("id", "score_30d_ago"),
    "overrides": ("id", "override_score", "override_band"),
    "tickets": ("id", "open_tickets"),
}
"""What ``list_frame`` joins to the accounts (``accounts_part``), one frame per part,
with these columns: each account's latest health snapshot on or before the day
(``current``) and in the trend's window a month before (``month_ago``); the override
in force, its band filled; the count of its open tickets. Read by the queries of
``core.accounts.queries.list_part_queries`` and shaped by ``list_parts``."""


def list_parts(read: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The parts as ``list_frame`` takes them, from the frames of ``list_part_queries``
    (the accounts already through ``accounts_part``): the override in force picked
    and its band filled (``core.health.in_force``), columns as ``PARTS``."""
    parts = {name: frame.rename({"account_id": "id"}, strict=False) for name, frame in read.items()}
    parts["overrides"] = with_bands(newest(parts["overrides"], ("id",)))
    return {"accounts": parts["accounts"]} | {
        name: parts[name].select(columns) for name, columns in PARTS.items()
    }


def accounts_part(accounts: pl.DataFrame) -> pl.DataFrame:
    """The ``accounts`` part as ``list_frame`` takes it: with its search key, in the
    list's first order (``sort_accounts`` by name). Apart from ``list_frame`` so
    that a reader can do it while it reads the other parts, and off the app's UI
    thread: the list's own sort then finds the rows sorted."""
    accounts = visible_columns(accounts, ["name", "external_id", "segment", "plan", "owner"])
    search_key = pl.concat_str("name", "external_id", separator="\x1f").str.to_lowercase()
    return sort_accounts(accounts.with_columns(search_key.alias("search_key")), "name", False)


def list_frame(parts: dict[str, pl.DataFrame], today: date) -> pl.DataFrame:
    """The accounts list without the last interaction (null, filled in later by
    ``core.accounts.queries.with_last_interaction``), from ``parts`` shaped as ``PARTS``,
    the accounts through ``accounts_part``, in their order."""
    frame = parts["accounts"]
    for name in ("current", "month_ago", "overrides", "tickets"):
        frame = frame.join(parts[name], on="id", how="left", maintain_order="left")
    # A churned account is no longer scored: its latest snapshot, from before it left,
    # is not its health now (it shows as churned), nor is an override set then.
    alive = pl.col("status") != "churned"
    frame = frame.with_columns(
        pl.when(alive).then(pl.col(column)).alias(column)
        for column in ("computed_score", "band", "score_30d_ago", "override_score", "override_band")
    )
    override = override_set(pl.col("override_score"), pl.col("override_band"))
    return frame.select(
        "id",
        "external_id",
        "name",
        "segment",
        "plan",
        "owner",
        "status",
        "mrr_cents",
        # no MRR movement ever recorded and no MRR: its MRR is unknown (a CRM's company,
        # a buyer), which the list says "—", not "$0" (the 360 says no MRR of a buyer)
        (pl.col("mrr_recorded").cast(pl.Boolean) | (pl.col("mrr_cents") != 0)).alias(
            "mrr_recorded"
        ),
        "renewal_date",
        pl.col("cancels_at_renewal").cast(pl.Boolean),
        (pl.col("renewal_date") - pl.lit(today)).dt.total_days().alias("days_to_renewal"),
        pl.coalesce("override_score", "computed_score").alias("health_score"),
        pl.coalesce("override_band", "band").alias("health_band"),
        "computed_score",
        override.is_not_null().alias("overridden"),
        override.alias("override"),
        (pl.col("computed_score") - pl.col("score_30d_ago")).alias("trend_30d"),
        trend_expr(pl.col("computed_score"), pl.col("score_30d_ago")).alias("trend"),
        pl.lit(None, pl.Datetime("us")).alias("last_interaction_at"),
        pl.lit(None, pl.Int64).alias("days_since_interaction"),
        pl.col("open_tickets").fill_null(0),
        "search_key",
    ).cast(LIST_COLUMNS)


# ---------------------------------------------------------------- filters and sorting


@dataclass(frozen=True)
class Facets:
    """The choices and day limits that narrow the accounts list, as the filter form
    sets them and a saved filter keeps them (``CHOICE_LABELS``, ``DAY_FILTERS``).
    Empty sets and None mean "any"."""

    segments: frozenset[str] = frozenset()
    owners: frozenset[str] = frozenset()
    plans: frozenset[str] = frozenset()
    bands: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    renewal_within_days: int | None = None
    no_interaction_days: int | None = None
    set_to_cancel: bool = False
    """Only the customers set to cancel at their renewal (``cancels_at_renewal``)."""

    def facets(self) -> dict[str, Any]:
        """The facets alone, by name (to carry them to another filter)."""
        return {facet.name: getattr(self, facet.name) for facet in dataclass_fields(Facets)}


@dataclass(frozen=True)
class AccountFilter(Facets):
    """What narrows the accounts list: its facets, the search, "my book" and
    conditions on custom fields."""

    search: str = ""
    my_book: str | None = None
    """The owner whose book is shown, when "my book" is on."""
    fields: tuple[FieldCondition, ...] = ()
    """Conditions on custom fields, all to hold: the list's frame needs their columns
    (``with_fields``)."""

    def describe(self) -> list[str]:
        """Each active filter in words, for the filter bar."""
        parts: list[str] = []
        if self.my_book:
            parts.append(f"my book ({self.my_book})")
        if self.search:
            parts.append(f'search "{self.search}"')
        keys = ("segments", "owners", "plans", "bands", "statuses", *DAY_FILTERS, SET_TO_CANCEL)
        parts += [words for key in keys if (words := filter_words(key, getattr(self, key)))]
        parts.extend(condition.describe() for condition in self.fields)
        return parts

    @property
    def field_names(self) -> tuple[str, ...]:
        """The custom fields the conditions are about, each once."""
        return tuple(dict.fromkeys(condition.field for condition in self.fields))

    @property
    def is_empty(self) -> bool:
        return not self.describe()


CHOICE_LABELS = {
    "segments": "segment",
    "owners": "owner",
    "plans": "plan",
    "bands": "health",
    "statuses": "status",
}
"""The filters that keep the accounts whose value is one of those chosen, by their
name in ``AccountFilter`` (and a saved filter), with their word in the filter bar."""
DAY_FILTERS = ("renewal_within_days", "no_interaction_days")
SET_TO_CANCEL = "set_to_cancel"
"""The filter of the customers set to cancel at their renewal (yes or any)."""


def filter_words(key: str, value: Any) -> str | None:
    """The filter ``key`` (a choice or a day filter) set to ``value`` in the filter
    bar's words; None when it is not set (no choice, no number of days)."""
    if key in CHOICE_LABELS:
        return f"{CHOICE_LABELS[key]}: {', '.join(sorted(value))}" if value else None
    if key == SET_TO_CANCEL:
        return "set to cancel at renewal" if value else None
    if value is None:
        return None
    if key == "renewal_within_days":
        return f"renewal within {value} d"
    if key == "no_interaction_days":
        return f"no interaction for {value} d"
    raise KeyError(key)


def _needle(search: str) -> str:
    return search.strip().lower()


def narrows(where: AccountFilter, before: AccountFilter) -> bool:
    """True when ``where`` keeps only rows that ``before`` keeps: the same filters and
    a search containing the one before (as while a search is typed). Filtering the
    rows ``before`` kept then gives what filtering them all would."""
    same = replace(where, search="") == replace(before, search="")
    return same and _needle(before.search) in _needle(where.search)


def apply_filter(frame: pl.DataFrame, where: AccountFilter) -> pl.DataFrame:
    """The rows of ``frame`` (a ``load_accounts`` frame) that ``where`` keeps, in order."""
    conditions: list[pl.Expr] = []
    query = _needle(where.search)
    if query:
        conditions.append(pl.col("search_key").str.contains(query, literal=True))
    scope = Scope(
        owner=where.my_book,
        segments=where.segments,
        owners=where.owners,
        plans=where.plans,
        statuses=where.statuses,
        fields=where.fields,
    )
    conditions.extend(scope.conditions())
    if where.bands:
        conditions.append(_health_kept(where.bands))
    if where.renewal_within_days is not None:
        conditions.append(pl.col("days_to_renewal").is_between(0, where.renewal_within_days))
    if where.no_interaction_days is not None:
        conditions.append(
            pl.col("days_since_interaction").is_null()
            | (pl.col("days_since_interaction") >= where.no_interaction_days)
        )
    if where.set_to_cancel:  # a churned account has left already
        conditions.append(pl.col("cancels_at_renewal") & (pl.col("status") != "churned"))
    if not conditions:
        return frame
    return frame.filter(pl.all_horizontal(conditions))


def _health_kept(choices: frozenset[str]) -> pl.Expr:
    """The rows whose health in force is one of ``choices`` (``HEALTH_CHOICES``): a band,
    or no score (a live account that reads "no score": neither a score nor an override;
    a churned account reads "churned")."""
    kept = pl.col("health_band").is_in(sorted(choices - {NO_SCORE}))
    if NO_SCORE in choices:
        unscored = pl.col("health_score").is_null() & pl.col("override").is_null()
        kept = kept | (unscored & (pl.col("status") != "churned"))
    return kept


def sort_accounts(
    frame: pl.DataFrame, column: str, descending: bool, key: pl.Expr | None = None
) -> pl.DataFrame:
    """Sorted by ``column`` (missing values last), ties broken by name; by ``key``
    when given (a custom field's typed value: ``core.accounts.field_views.sort_key``).
    By MRR, the churned accounts come after the others, by the MRR they lost: it is
    not what they pay; and the accounts of no MRR recorded (``mrr_recorded``) last:
    their MRR is unknown, not $0."""
    by: list[str | pl.Expr] = [column] if column == "name" and key is None else [column, "name"]
    if key is not None:
        by[0] = key
    order = [descending, False][: len(by)]
    if column == "mrr_cents" and key is None:
        first = [~pl.col("mrr_recorded"), pl.col("status") == "churned"]
        by, order = [*first, *by], [False, False, *order]
    return frame.sort(by, descending=order, nulls_last=True)


def with_fields(frame: pl.DataFrame, values: pl.DataFrame | None) -> pl.DataFrame:
    """The list's ``frame`` with the custom fields' columns of ``values``
    (``core.accounts.field_views.field_columns``) joined, in the frame's order; null
    where an account has no value."""
    if values is None or values.width <= 1:
        return frame
    return frame.join(values, on="id", how="left", maintain_order="left")


def choices(frame: pl.DataFrame, column: str) -> list[str]:
    """The distinct values of a column, for the filter form."""
    return sorted(frame.get_column(column).drop_nulls().unique().to_list())
