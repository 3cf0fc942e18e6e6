"""The metrics book's queries (``core.metrics.book.load_book``), written once as
SQLAlchemy selects.

The engine runs them as they are for PostgreSQL and for a scope (``book_queries``:
the scope applied in SQL). For a SQLite file at the current schema they are also
compiled ahead for the whole book on placeholder days (``compiled_book_queries``,
kept in ``book_sql``), so that ``cxtui metrics`` reads a file without importing
SQLAlchemy or the models (~1 s), and a whole-book read through a SQLite engine
compiles nothing (~20 ms a read): ``book_sql.substituted`` puts the real days in,
and a file's scope is applied to the frames read (``Scope.filter``, the same rule).
``python -m core.metrics.book_queries`` rewrites ``book_sql.json``;
``tests/core/test_book_sql.py`` fails when they differ.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Select,
    case,
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import aliased

from core.dates import moment
from core.interactions.queries import answers_query
from core.kinds import AccountStatus
from core.metrics.book_sql import PLACEHOLDERS, middle_of, purchases_from, usage_edges
from core.models import (
    ENGAGEMENT_KINDS_SQL,
    Account,
    DailyUsage,
    Interaction,
    MonthlyUsage,
    MrrMovement,
    Purchase,
    RetentionCost,
    SurveyResponse,
    Ticket,
)
from core.scope import Scope
from core.store.compiled_sql import SqlAndTypes, compiled, rewrite
from core.store.rollup import month_sql, totals_sql

_ONE_DAY = timedelta(days=1)


def table_queries(
    window_start: date, data_end: date, as_of: date, middle: date
) -> dict[str, Select[Any]]:
    """One query per table for the whole book: the accounts, the MRR movements up to
    ``as_of``, and the rows of ``window_start`` to ``data_end`` (both included) of the
    other tables; the purchases from a year before (``book_sql.purchases_from``: the
    purchase CLV counts the year up to a period's end); ``purchase_history``: each
    buyer's first and last purchase before those (with the purchases read, the span of
    purchase history behind a purchase-only CLV lifespan); ``costs`` belong to no
    account. The survey answers and the tickets are read in two halves, cut at
    ``middle`` (``book_sql.middle_of``): ``surveys`` and ``surveys_late``, ``tickets``
    and ``tickets_late``; the tickets opened before the window and still open at its
    start apart, ``tickets_unresolved`` and ``tickets_resolved_in``."""
    start, end = moment(window_start), moment(data_end + _ONE_DAY)
    cut, bought_from = moment(middle), moment(purchases_from(window_start))
    tickets = select(
        Ticket.account_id, Ticket.opened_at, Ticket.first_response_at, Ticket.resolved_at
    )
    return {
        "accounts": select(
            Account.id.label("account_id"),
            Account.segment,
            Account.owner,
            Account.plan,
            Account.mrr_cents,
            Account.start_date,
            Account.churned_at,
            Account.churn_recorded_on,
            Account.onboarding_completed_at,
            Account.renewal_date,
        ),
        "movements": select(
            MrrMovement.account_id,
            MrrMovement.occurred_on,
            MrrMovement.kind,
            MrrMovement.amount_cents,
        ).where(MrrMovement.occurred_on <= as_of),
        "surveys": answers_query(start, cut),
        "surveys_late": answers_query(cut, end),
        "tickets": tickets.where(Ticket.opened_at >= start, Ticket.opened_at < cut),
        "tickets_late": tickets.where(Ticket.opened_at >= cut, Ticket.opened_at < end),
        # opened before the window and open at its start, as two reads of the resolved
        # index (one with an OR scanned every earlier ticket: 0.23 -> 0.11 s at L)
        "tickets_unresolved": tickets.where(Ticket.opened_at < start, Ticket.resolved_at.is_(None)),
        "tickets_resolved_in": tickets.where(
            Ticket.opened_at < start,
            Ticket.resolved_at >= start,
            Ticket.resolved_at <= _latest_resolution_if_opened_before(start),
        ),
        "engagement": select(
            Interaction.account_id, Interaction.kind, Interaction.occurred_at
        ).where(
            text(ENGAGEMENT_KINDS_SQL),  # as the partial index says it (models)
            Interaction.occurred_at >= start,
            Interaction.occurred_at < end,
            Interaction.deleted_at.is_(None),
        ),
        "purchases": select(
            Purchase.account_id, Purchase.purchased_at, Purchase.amount_cents
        ).where(Purchase.purchased_at >= bought_from, Purchase.purchased_at < end),
        "purchase_history": select(
            Purchase.account_id,
            func.min(Purchase.purchased_at).label("first_at"),
            func.max(Purchase.purchased_at).label("last_at"),
        )
        .where(Purchase.purchased_at < bought_from)
        .group_by(Purchase.account_id),
        "costs": select(RetentionCost.incurred_on, RetentionCost.amount_cents).where(
            RetentionCost.incurred_on >= window_start, RetentionCost.incurred_on <= data_end
        ),
        "recorded": recorded_query(),
    }


def _latest_resolution_if_opened_before(start: datetime) -> ColumnElement[Any]:
    """The latest resolution of any ticket when some ticket was opened before
    ``start``, else NULL: as the upper end of a range of the resolved index, it is
    always true, or it empties the range at once. A book whose tickets all open
    inside the window (a 12-month export, the demo book) has none opened before it,
    and the read of every ticket resolved since the window's start, for no row, is
    not made (0.13 s of CPU at L). Both are seeks of an index; neither is correlated
    with the outer read."""
    earlier, resolved = aliased(Ticket), aliased(Ticket)
    return case(
        (
            exists(select(earlier.id).where(earlier.opened_at < start)),
            select(func.max(resolved.resolved_at)).scalar_subquery(),
        )
    )


def recorded_query() -> Select[Any]:
    """What the whole book records at all, in any period, whatever the scope: survey
    answers, engagement interactions (referrals, trainings, community events),
    onboarding completions, churn (a churn date, a churned status or a churn MRR
    movement), purchases, subscriptions (an MRR movement or an account's MRR). A
    rate made of what a book records none of is no data, not 0 %; a book that
    records no churn counts every account as staying, and says so; a book of
    purchases without subscriptions shows its purchases first. Then
    the latest day of each dated record that has an index to find it at once (MRR
    movements, purchases, tickets opened, survey answers): a book whose records all
    end before a period has nothing to show in it (``Book.latest_on``); and the day of
    its first purchase (``Book.first_purchase_on``: where its purchase history, behind
    the purchase CLV, begins)."""
    surveys = select(SurveyResponse.id).where(SurveyResponse.deleted_at.is_(None))
    engagement = select(Interaction.id).where(
        text(ENGAGEMENT_KINDS_SQL),  # as the partial index says it: one index row read
        Interaction.deleted_at.is_(None),
    )
    onboarded = select(Account.id).where(Account.onboarding_completed_at.is_not(None))
    churned = select(Account.id).where(
        or_(Account.churned_at.is_not(None), Account.churn_recorded_on.is_not(None))
    )
    churn_moved = select(MrrMovement.id).where(MrrMovement.kind == "churn")
    paying = select(Account.id).where(Account.mrr_cents > 0)
    return select(
        exists(surveys).label("surveys"),
        exists(engagement).label("engagement"),
        exists(onboarded).label("onboarding"),
        or_(exists(churned), exists(churn_moved)).label("churn"),
        exists(select(Purchase.id)).label("purchases"),
        or_(exists(select(MrrMovement.id)), exists(paying)).label("subscriptions"),
        *(
            select(func.max(column)).scalar_subquery().label(f"latest_{column.table.name}")
            for column in (
                MrrMovement.occurred_on,
                Purchase.purchased_at,
                Ticket.opened_at,
                SurveyResponse.answered_at,
            )
        ),
        select(func.min(Purchase.purchased_at)).scalar_subquery().label("first_purchase"),
    )


def monthly_usage_query(first_whole: date, after_whole: date) -> Select[Any]:
    """Usage per account of the whole months from ``first_whole`` up to (not
    including) ``after_whole``, from the ``monthly_usage`` rollup."""
    return select(
        MonthlyUsage.account_id,
        MonthlyUsage.month,
        MonthlyUsage.users_sum,
        MonthlyUsage.users_max,
        MonthlyUsage.day_bits,
    ).where(MonthlyUsage.month >= first_whole, MonthlyUsage.month < after_whole)


def daily_usage_query(dialect: str, low: date, high: date, whole_book: bool) -> Select[Any]:
    """Usage per account and month of the days ``low`` to ``high`` (a month cut by
    the window), summed from ``daily_usage`` as the rollup sums it
    (``core.store.rollup``)."""
    month = literal_column(month_sql(dialect, "daily_usage.day"), Date).label("month")
    totals = [
        literal_column(sql, BigInteger).label(name)
        for sql, name in zip(
            totals_sql(dialect, "daily_usage.day", "daily_usage.active_users"),
            ("users_sum", "users_max", "day_bits"),
            strict=True,
        )
    ]
    # Each account's days are a range of the (account_id, day) primary key: naming
    # the accounts lets SQLite seek it per account, 2x faster on 10k accounts than
    # the day index, whose every row costs a primary-key lookup (the scope's own
    # restriction does the same).
    every_account = DailyUsage.account_id.in_(select(Account.id))
    return (
        select(DailyUsage.account_id, month, *totals)
        .where(DailyUsage.day >= low, DailyUsage.day <= high)
        .where(every_account if whole_book else true())
        .group_by(DailyUsage.account_id, month)
    )


def book_queries(
    dialect: str,
    window_start: date,
    data_end: date,
    as_of: date,
    scope: Scope,
    tables: frozenset[str],
    per_account: bool = True,
) -> dict[str, Select[Any]]:
    """What ``load_book`` reads through the engine: ``table_queries`` restricted to
    ``scope`` in SQL, the usage parts (``usage0``, ``usage1``...) when ``tables``
    holds "usage", the costs for the whole book only. Without ``per_account`` (the
    whole book only), the tickets and the usage as ``whole_book`` reads them."""
    queries = table_queries(window_start, data_end, as_of, middle_of(window_start, data_end))
    if not scope.is_whole_book:
        del queries["costs"]  # costs belong to no account
        accounts = scope.restrict(select(Account.id))
        queries = {
            name: scope.restrict(query)
            if name == "accounts"
            else query
            if name == "recorded"  # of the whole book
            else query.where(query.selected_columns[0].in_(accounts))
            for name, query in queries.items()
        }
    if "usage" in tables:
        monthly, daily = usage_edges(window_start, data_end)
        usage = [] if monthly is None else [monthly_usage_query(*monthly)]
        usage += [daily_usage_query(dialect, low, high, scope.is_whole_book) for low, high in daily]
        if not scope.is_whole_book:
            accounts = scope.restrict(select(Account.id))
            usage = [query.where(query.selected_columns[0].in_(accounts)) for query in usage]
        queries.update({f"usage{index}": query for index, query in enumerate(usage)})
    if not per_account:
        if not scope.is_whole_book:
            raise ValueError("only the whole book is read without its accounts")
        queries = {name: whole_book(name, query) for name, query in queries.items()}
    return queries


WHOLE_BOOK_READS = (
    "tickets",
    "tickets_late",
    "tickets_unresolved",
    "tickets_resolved_in",
    "usage_months",
    "usage_days",
)
"""The queries ``whole_book`` reads otherwise (the usage parts by their compiled
names): a whole book's metrics need neither the ticket's account nor each account's
usage, the largest reads after the survey answers."""


def whole_book(name: str, query: Select[Any]) -> Select[Any]:
    """The query ``name`` as the metrics of the whole book, with no breakdown, need
    it: a ticket without its account (a quarter fewer cells: 0.23 -> 0.17 s for 1M
    tickets), the usage summed by month and days of data, in the order of the
    rollup's index (12 months at 100k accounts: 1M rows to 669, 0.31 -> 0.10 s);
    any other query as it is. The figures are the same: nothing else of them is
    per account (``Book._support``, ``Book._usage``)."""
    if name.startswith("usage"):
        rows = query.subquery()
        return select(
            rows.c.month,
            rows.c.day_bits,
            *(
                cast(func.sum(rows.c[column]), BigInteger).label(column)
                for column in ("users_sum", "users_max")
            ),
        ).group_by(rows.c.month, rows.c.day_bits)
    if name.startswith("tickets"):
        return query.with_only_columns(
            *(column for column in query.selected_columns if column.key != "account_id")
        )
    return query


def band_queries(
    band_day: date, band_since: date, first_day: date, last_day: date
) -> dict[str, Select[Any]]:
    """What the band counts read (``core.metrics.dashboard``): each account's latest
    snapshot from ``band_since`` to ``band_day`` with its band, the overrides in
    force on some day from ``first_day`` to ``last_day``, and when each account was
    a customer (``band_accounts_query``)."""
    from core.health.in_force import latest_snapshots_query, overrides_query
    from core.models import HealthSnapshot

    return {
        "band_snapshots": latest_snapshots_query(
            band_day, band_since, columns=(HealthSnapshot.band,)
        ),
        "band_overrides": overrides_query(first_day, last_day),
        "band_accounts": band_accounts_query(),
    }


def band_accounts_query() -> Select[Any]:
    """The churned accounts, with the columns that say when they were customers
    (``core.accounts.customers.is_customer_on``): their bands count only on those
    days. Any other account is scored while it is a customer (one back after a
    churn included); reading only these keeps the read small (~7k of 100k)."""
    return select(
        Account.id.label("account_id"),
        Account.start_date,
        Account.churned_at,
        Account.churn_recorded_on,
        Account.status,
    ).where(Account.status == AccountStatus.CHURNED.value)


def compiled_book_queries() -> dict[str, SqlAndTypes]:
    """``table_queries`` and the usage queries on ``book_sql.PLACEHOLDERS``, compiled
    for SQLite with the polars type name of each column: what ``book_sql.BOOK_SQL``
    holds."""
    days = PLACEHOLDERS
    queries = table_queries(days["window_start"], days["data_end"], days["as_of"], days["middle"])
    queries["usage_months"] = monthly_usage_query(days["first_whole"], days["after_whole"])
    queries["usage_days"] = daily_usage_query("sqlite", days["low"], days["high"], True)
    queries |= {f"{name}_whole_book": whole_book(name, queries[name]) for name in WHOLE_BOOK_READS}
    queries.update(
        band_queries(days["band_day"], days["band_since"], days["first_day"], days["last_day"])
    )
    return compiled(queries)


if __name__ == "__main__":  # rewrite core/metrics/book_sql.json from the queries
    import core.metrics.book_sql as generated

    rewrite(generated, compiled_book_queries())
