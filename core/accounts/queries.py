"""Read-only queries behind the accounts list and the account 360.

The list is one bulk read per table (accounts, latest health, last interaction per
account, open tickets per account), joined in polars (``core.accounts.listing``).
Search, filters and sorting then run in polars over the loaded frame, never as a
new query per keystroke.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import polars as pl
from sqlalchemy import Dialect, Engine, Select, func
from sqlmodel import select

from core.accounts.field_frames import tidy_fields
from core.accounts.fields import FieldRow, custom_fields_query, field_rows, field_values_query

# The list's frame, filters and sorting live in core.accounts.listing (no SQLAlchemy);
# BANDS, HEALTH_CHOICES, AccountFilter, apply_filter, choices, sort_accounts are re-exported.
from core.accounts.listing import (  # noqa: F401
    BANDS,
    HEALTH_CHOICES,
    LIST_COLUMNS,
    AccountFilter,
    accounts_part,
    apply_filter,
    choices,
    list_frame,
    list_parts,
    sort_accounts,
)
from core.health.in_force import latest_snapshots_query, newest, overrides_query, with_bands
from core.health.trend import trend_window
from core.models import (
    Account,
    Contact,
    HealthSnapshot,
    Interaction,
    MrrMovement,
    Purchase,
    SurveyResponse,
    Ticket,
)
from core.store.frames import compile_query, read_compiled, read_frame, read_frames

HEALTH_HISTORY_DAYS = 90
ACCOUNT_IDENTITY = (
    Account.id,
    Account.external_id,
    Account.name,
    Account.segment,
    Account.plan,
    Account.owner,
)
"""Which account, and whose: the first columns of the accounts list and of an export."""
TIMELINE_LIMIT = 1_000


def distinct_values(engine: Engine, column: str) -> list[str]:
    """The distinct values of an account column (segment, owner, plan), sorted."""
    field = getattr(Account, column)
    frame = read_frame(engine, select(field).distinct())
    return sorted((value for value in frame[column].to_list() if value), key=str.casefold)


def count_accounts(engine: Engine) -> int:
    frame = read_frame(engine, select(func.count(Account.id).label("n")))
    return int(frame["n"][0])


def load_accounts(engine: Engine, today: date) -> pl.DataFrame:
    """The accounts list: one row per account with its health, trend, renewal,
    last interaction and open tickets, typed as ``LIST_COLUMNS``."""
    return with_last_interaction(engine, load_accounts_first(engine, today), today)


def last_interactions(engine: Engine) -> pl.DataFrame:
    """Each account's latest (not deleted) interaction: id, last_interaction_at. One
    index seek per account on (account_id, occurred_at), newest first, which beats
    a GROUP BY over every interaction on a large book."""
    latest = (
        select(Interaction.occurred_at)
        .where(Interaction.account_id == Account.id)
        .where(Interaction.deleted_at.is_(None))
        .order_by(Interaction.occurred_at.desc())
        .limit(1)
        .correlate(Account)
        .scalar_subquery()
    )
    return read_frame(engine, select(Account.id, latest.label("last_interaction_at")))


def with_last_interaction(engine: Engine, frame: pl.DataFrame, today: date) -> pl.DataFrame:
    """``frame`` (from ``load_accounts_first``) with the last interaction filled in,
    its rows in the same order."""
    touches = last_interactions(engine)
    return (
        frame.drop("last_interaction_at", "days_since_interaction")
        .join(touches, on="id", how="left", maintain_order="left")
        .with_columns(
            (pl.lit(today) - pl.col("last_interaction_at").dt.date())
            .dt.total_days()
            .alias("days_since_interaction")
        )
        .select(LIST_COLUMNS.keys())
        .cast(LIST_COLUMNS)
    )


def list_part_queries(today: date) -> dict[str, Select[Any]]:
    """The queries of the accounts list's parts on ``today`` (``listing.PARTS``): every
    account, its latest snapshot by today and in the trend window, the overrides in
    force, its open tickets. The app's first read runs these very queries, compiled
    ahead (``core.store.first_read_sql``)."""
    in_force = overrides_query(today)
    return {
        "accounts": select(
            *ACCOUNT_IDENTITY,
            Account.status,
            Account.mrr_cents,
            Account.renewal_date,
            Account.cancels_at_renewal,
            # an MRR ever recorded (the balance of its movements): else unknown, not $0
            select(MrrMovement.id)
            .where(MrrMovement.account_id == Account.id)
            .exists()
            .label("mrr_recorded"),
        ),
        "current": latest_snapshots_query(
            today,
            columns=(HealthSnapshot.score.label("computed_score"), HealthSnapshot.band),
        ),
        "month_ago": latest_snapshots_query(
            trend_window(today)[1],
            trend_window(today)[0],
            columns=(HealthSnapshot.score.label("score_30d_ago"),),
        ),
        "overrides": in_force.with_only_columns(
            *(
                in_force.selected_columns[key]
                for key in ("override_id", "account_id", "override_score", "override_band")
            )
        ),
        "tickets": select(Ticket.account_id, func.count(Ticket.id).label("open_tickets"))
        .where(Ticket.resolved_at.is_(None))
        .group_by(Ticket.account_id),
    }


def load_accounts_first(engine: Engine, today: date) -> pl.DataFrame:
    """The accounts list without the last interaction (null), which is the slow part
    on a large book: the app shows this first, then ``with_last_interaction``."""
    read = read_frames(engine, list_part_queries(today), parallel=True)
    read["accounts"] = accounts_part(read["accounts"])
    return list_frame(list_parts(read), today)


def first_read_queries() -> dict[str, tuple[str, dict[str, str]]]:
    """``list_part_queries`` on ``first_read_sql.PLACEHOLDER_DAY`` compiled for SQLite,
    with the polars type name of each column: what ``core/store/first_read_sql.json``
    holds (a test compares the two)."""
    from core.store.first_read_sql import PLACEHOLDER_DAY

    return _compiled(list_part_queries(date.fromisoformat(PLACEHOLDER_DAY)))


def first_read_field_queries() -> dict[str, tuple[str, dict[str, str]]]:
    """The custom fields' queries (``core.accounts.fields``) compiled as
    ``first_read_queries``, the values' for the placeholder field id: what
    ``first_read_sql.FIELD_QUERIES`` holds, for ``first_read.read_first_fields``."""
    from core.accounts.fields import custom_fields_query, field_values_query
    from core.store.first_read_sql import PLACEHOLDER_FIELD_ID

    return _compiled(
        {
            "custom_fields": custom_fields_query(),
            "field_values": field_values_query([PLACEHOLDER_FIELD_ID]),
        }
    )


def _compiled(queries: dict[str, Select[Any]]) -> dict[str, tuple[str, dict[str, str]]]:
    """Each query compiled for SQLite, with the polars type name of each column."""
    from sqlalchemy.dialects import sqlite

    compiled = {}
    for name, query in queries.items():
        sql, dtypes = compile_query(sqlite.dialect(), query)
        compiled[name] = (sql, {column: repr(dtype) for column, dtype in dtypes.items()})
    return compiled


@dataclass(frozen=True)
class BookSummary:
    accounts: int
    active: int
    mrr_cents: int
    bands: dict[str, int]
    renewing_30d: int
    renewing_30d_mrr_cents: int


def book_summary(frame: pl.DataFrame) -> BookSummary:
    """Counts and MRR of a ``load_accounts`` frame, for the dashboard."""
    live = frame.filter(pl.col("status") != "churned")
    renewing = live.filter(pl.col("days_to_renewal").is_between(0, 30))
    counts = dict(live.group_by("health_band").len().iter_rows())
    return BookSummary(
        accounts=frame.height,
        active=live.height,
        mrr_cents=int(live["mrr_cents"].sum() or 0),
        bands={band: int(counts.get(band, 0)) for band in (*BANDS, None)},
        renewing_30d=renewing.height,
        renewing_30d_mrr_cents=int(renewing["mrr_cents"].sum() or 0),
    )


# ---------------------------------------------------------------- the account 360


@dataclass
class AccountDetail:
    """Everything the account 360 shows about one account."""

    account: dict[str, Any]
    health: dict[str, Any] | None
    """The latest snapshot: score, band, day, components, left_out."""
    override: dict[str, Any] | None
    health_history: pl.DataFrame
    timeline: pl.DataFrame
    contacts: pl.DataFrame
    open_tickets: pl.DataFrame
    surveys: pl.DataFrame
    mrr_history: pl.DataFrame
    extra: dict[str, Any] = field(default_factory=dict)
    fields: list[FieldRow] = field(default_factory=list)
    """Every custom field, in order, with this account's value (``core.accounts.fields``)."""
    purchases: PurchaseSummary | None = None
    """Its purchases in sum (``purchase_summary``); None without any."""

    @property
    def sells_by_purchase(self) -> bool:
        """Whether the account buys by purchase and has no subscription (purchases, no
        MRR and no MRR movement): its purchases say what it brings, not its MRR $0."""
        return (
            self.purchases is not None
            and not self.account["mrr_cents"]
            and self.mrr_history.is_empty()
        )


@dataclass(frozen=True)
class PurchaseSummary:
    """An account's purchases, counted as the metrics count them: one purchase per
    customer and day (domain.md), days in UTC as ``core.metrics.Book.purchase_days``."""

    purchases: int
    """Days with a purchase, all time."""
    amount_cents: int
    first_day: date
    last_day: date
    year_purchases: int
    """Of those, the days in the year up to today (``core.metrics.book.year_to``)."""
    year_cents: int


def purchase_summary(purchases: pl.DataFrame, today: date) -> PurchaseSummary | None:
    """``PurchaseSummary`` of an account's purchases (purchased_at, amount_cents, up to
    ``today``); None without any."""
    from core.metrics.book import year_to

    days = (
        purchases.filter(pl.col("purchased_at").dt.date() <= today)
        .group_by(pl.col("purchased_at").dt.date().alias("day"))
        .agg(pl.col("amount_cents").sum())
    )
    if days.is_empty():
        return None
    year = days.filter(pl.col("day") >= year_to(today))
    return PurchaseSummary(
        purchases=days.height,
        amount_cents=int(days["amount_cents"].sum()),
        first_day=days["day"].min(),  # type: ignore[arg-type]
        last_day=days["day"].max(),  # type: ignore[arg-type]
        year_purchases=year.height,
        year_cents=int(year["amount_cents"].sum()),
    )


def account_detail(
    engine: Engine, account_id: int, today: date, include_deleted: bool = False
) -> AccountDetail:
    """The account 360 of ``account_id`` as of ``today``; ``include_deleted`` adds the
    soft-deleted interactions and survey answers to the timeline (its ``deleted`` column). Raises
    LookupError for an account that does not exist. One set of reads on one connection
    (``account_detail_queries``), compiled once a day (``_detail_sql``)."""
    sql = _detail_sql(engine.dialect, today, include_deleted)
    this_account = {
        name: (text.replace(str(_ANY_ACCOUNT), str(int(account_id))), dtypes)
        for name, (text, dtypes) in sql.items()
    }
    read = read_compiled(engine, this_account)
    if read["account"].is_empty():
        raise LookupError(f"account {account_id} does not exist")
    account = read["account"].row(0, named=True)

    health = None
    if not read["latest"].is_empty():
        row = read["latest"].row(0, named=True)
        health = {
            "day": row["day"],
            "score": row["score"],
            "band": row["band"],
            "components": _json(row["components"], {}),
            "left_out": _json(row["left_out"], []),
        }
    overrides = with_bands(newest(read["overrides"]))
    override = None
    if not overrides.is_empty():
        row = overrides.row(0, named=True)
        override = {key.removeprefix("override_"): value for key, value in row.items()}
    tickets, surveys = read["tickets"], read["surveys"]
    movements = read["movements"].with_columns(
        pl.col("amount_cents").cum_sum().alias("mrr_after_cents")
    )
    fields = tidy_fields(read["custom_fields"])
    return AccountDetail(
        account=account,
        health=health,
        override=override,
        health_history=read["history"],
        timeline=_timeline(read["interactions"], surveys, tickets, read["purchases"], movements),
        contacts=read["contacts"],
        open_tickets=tickets.filter(pl.col("resolved_at").is_null()),
        surveys=surveys.filter(pl.col("deleted_at").is_null()),
        mrr_history=movements.sort("occurred_on", descending=True),
        fields=field_rows(fields, read["field_values"]) if fields.height else [],
        purchases=purchase_summary(read["purchase_days"], today),
    )


_ANY_ACCOUNT = 9_087_654_321_123
"""The account id the 360's queries are compiled for, replaced by the one read: a
number no other literal of their SQL is."""


@lru_cache(maxsize=4)
def _detail_sql(
    dialect: Dialect, today: date, include_deleted: bool
) -> dict[str, tuple[str, dict[str, pl.DataType | None]]]:
    """``account_detail_queries`` of _ANY_ACCOUNT compiled: compiling them took half
    of the time to read an account."""
    queries = account_detail_queries(_ANY_ACCOUNT, today, include_deleted)
    return {name: compile_query(dialect, query) for name, query in queries.items()}


def account_detail_queries(
    account_id: int, today: date, include_deleted: bool = False
) -> dict[str, Select[Any]]:
    """What the 360 of ``account_id`` reads (``account_detail``): the account, its
    latest health snapshot and those of the last HEALTH_HISTORY_DAYS, the overrides in
    force, contacts, tickets, survey answers, purchases (the latest, and every one's
    moment and amount for their sum), MRR movements, interactions, the custom fields
    and its values of them."""
    return {
        "account": select(Account).where(Account.id == account_id),
        "latest": select(
            HealthSnapshot.day,
            HealthSnapshot.score,
            HealthSnapshot.band,
            HealthSnapshot.components,
            HealthSnapshot.left_out,
        )
        .where(HealthSnapshot.account_id == account_id)
        .where(HealthSnapshot.day <= today)
        .order_by(HealthSnapshot.day.desc())
        .limit(1),
        "history": select(HealthSnapshot.day, HealthSnapshot.score, HealthSnapshot.band)
        .where(HealthSnapshot.account_id == account_id)
        .where(HealthSnapshot.day <= today)
        .where(HealthSnapshot.day > today - timedelta(days=HEALTH_HISTORY_DAYS))
        .order_by(HealthSnapshot.day),
        "overrides": overrides_query(today, None, [account_id]),
        "contacts": select(Contact.name, Contact.role, Contact.email, Contact.is_primary)
        .where(Contact.account_id == account_id)
        .order_by(Contact.is_primary.desc(), Contact.name),
        "tickets": select(
            Ticket.id,
            Ticket.subject,
            Ticket.priority,
            Ticket.opened_at,
            Ticket.first_response_at,
            Ticket.resolved_at,
        )
        .where(Ticket.account_id == account_id)
        .order_by(Ticket.opened_at.desc())
        .limit(TIMELINE_LIMIT),
        "surveys": _recent(
            SurveyResponse,
            SurveyResponse.answered_at,
            account_id,
            include_deleted,
            (SurveyResponse.id, SurveyResponse.kind, SurveyResponse.score, SurveyResponse.comment),
        ),
        "purchases": select(
            Purchase.id, Purchase.purchased_at, Purchase.amount_cents, Purchase.description
        )
        .where(Purchase.account_id == account_id)
        .order_by(Purchase.purchased_at.desc())
        .limit(TIMELINE_LIMIT),
        # every purchase, for their sum (the timeline's are the latest TIMELINE_LIMIT)
        "purchase_days": select(Purchase.purchased_at, Purchase.amount_cents).where(
            Purchase.account_id == account_id
        ),
        "movements": select(MrrMovement.occurred_on, MrrMovement.kind, MrrMovement.amount_cents)
        .where(MrrMovement.account_id == account_id)
        .order_by(MrrMovement.occurred_on, MrrMovement.id),
        "interactions": _recent(
            Interaction,
            Interaction.occurred_at,
            account_id,
            include_deleted,
            (
                Interaction.id,
                Interaction.kind,
                Interaction.logged_by,
                Interaction.summary,
                Interaction.sentiment,
            ),
        ),
        "custom_fields": custom_fields_query(),
        "field_values": field_values_query(account_ids=[account_id]),
    }


TIMELINE_KINDS = ("interaction", "survey", "ticket", "purchase", "mrr")


def _timeline(
    interactions: pl.DataFrame,
    surveys: pl.DataFrame,
    tickets: pl.DataFrame,
    purchases: pl.DataFrame,
    movements: pl.DataFrame,
) -> pl.DataFrame:
    """Every event of the account, newest first: at, source, kind, summary, sentiment,
    id (of the interaction, survey answer, ticket or purchase; null for MRR), deleted,
    amount_cents (of an MRR movement or a purchase; null for the others: the app
    writes an MRR movement's in whole dollars, as its MRR history does)."""
    sentiment_words = {-1: "negative", 0: "neutral", 1: "positive"}
    parts = [
        interactions.select(
            pl.col("occurred_at").alias("at"),
            pl.lit("interaction").alias("source"),
            pl.col("kind"),
            pl.concat_str(pl.col("summary"), pl.lit(" — "), pl.col("logged_by")).alias("summary"),
            pl.col("sentiment").replace_strict(sentiment_words, default=None).alias("sentiment"),
            pl.col("id"),
            pl.col("deleted_at").is_not_null().alias("deleted"),
            pl.lit(None, pl.Int64).alias("amount_cents"),
        ),
        surveys.select(
            pl.col("answered_at").alias("at"),
            pl.lit("survey").alias("source"),
            pl.col("kind"),
            pl.concat_str(
                pl.col("kind").str.to_uppercase(),
                pl.lit(" "),
                pl.col("score").cast(pl.String),
                pl.lit(": "),
                pl.col("comment").fill_null("(no comment)"),
            ).alias("summary"),
            pl.lit(None, pl.String).alias("sentiment"),
            pl.col("id"),
            pl.col("deleted_at").is_not_null().alias("deleted"),
            pl.lit(None, pl.Int64).alias("amount_cents"),
        ),
        tickets.select(
            pl.col("opened_at").alias("at"),
            pl.lit("ticket").alias("source"),
            pl.col("priority").alias("kind"),
            pl.concat_str(
                pl.col("subject"),
                pl.when(pl.col("resolved_at").is_null())
                .then(pl.lit(" (open)"))
                .otherwise(pl.lit(" (resolved)")),
            ).alias("summary"),
            pl.lit(None, pl.String).alias("sentiment"),
            pl.col("id"),
            pl.lit(False).alias("deleted"),
            pl.lit(None, pl.Int64).alias("amount_cents"),
        ),
        purchases.select(
            pl.col("purchased_at").alias("at"),
            pl.lit("purchase").alias("source"),
            pl.lit("purchase").alias("kind"),
            pl.concat_str(
                pl.col("amount_cents").map_elements(_signed_money, return_dtype=pl.String),
                pl.lit(" "),
                pl.col("description").fill_null(""),
            )
            .str.strip_chars_end()
            .alias("summary"),
            pl.lit(None, pl.String).alias("sentiment"),
            pl.col("id"),
            pl.lit(False).alias("deleted"),
            pl.col("amount_cents").cast(pl.Int64),
        ),
        movements.select(
            pl.col("occurred_on").cast(pl.Datetime("us")).alias("at"),
            pl.lit("mrr").alias("source"),
            pl.col("kind"),
            pl.concat_str(
                pl.col("kind"),
                pl.lit(" "),
                pl.col("amount_cents").map_elements(_signed_money, return_dtype=pl.String),
            ).alias("summary"),
            pl.lit(None, pl.String).alias("sentiment"),
            pl.lit(None, pl.Int64).alias("id"),
            pl.lit(False).alias("deleted"),
            pl.col("amount_cents").cast(pl.Int64),
        ),
    ]
    return pl.concat(parts, how="vertical_relaxed").sort("at", descending=True)


def _signed_money(cents: int) -> str:
    sign = "-" if cents < 0 else "+"
    return f"{sign}${abs(cents) / 100:,.2f}"


def _json(text: str | None, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return default


def _recent(
    model: Any,
    when: Any,
    account_id: int,
    include_deleted: bool,
    columns: tuple[Any, ...],
) -> Select[Any]:
    """An account's latest ``TIMELINE_LIMIT`` rows of ``model`` (newest first, by
    ``when``): ``columns``, ``when`` and ``deleted_at``; deleted rows only when asked."""
    query = (
        select(*columns, when, model.deleted_at)
        .where(model.account_id == account_id)
        .order_by(when.desc())
        .limit(TIMELINE_LIMIT)
    )
    if not include_deleted:
        query = query.where(model.deleted_at.is_(None))
    return query


if __name__ == "__main__":  # rewrite core/store/first_read_sql.json from the queries
    import core.store.first_read_sql as generated
    from core.store.compiled_sql import rewrite

    rewrite(
        generated,
        {"queries": first_read_queries(), "field_queries": first_read_field_queries()},
    )
