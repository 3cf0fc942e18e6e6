"""The metrics book's queries (``core.metrics.book_queries``), and the dashboard's band
counts' (``core.metrics.dashboard.band_history``), compiled for SQLite on placeholder
days, for reading a SQLite file without SQLAlchemy. Generated below ``BOOK_SQL``:
``python -m core.metrics.book_queries`` rewrites it from the queries, and
``tests/core/test_book_sql.py`` fails when they differ."""

from __future__ import annotations

from datetime import date, timedelta

from core.store.compiled_sql import with_days

PLACEHOLDERS = {
    "as_of": date(1111, 1, 1),
    "window_start": date(1111, 2, 2),
    "data_end": date(1111, 3, 3),
    "first_whole": date(1111, 4, 4),
    "after_whole": date(1111, 5, 5),
    "low": date(1111, 6, 6),
    "high": date(1111, 7, 7),
    "band_day": date(1111, 8, 8),
    "middle": date(1111, 9, 9),
    "band_since": date(1111, 10, 10),
    "first_day": date(1111, 11, 11),
    "last_day": date(1111, 12, 12),
}
"""The days the queries are compiled on, one per parameter: none of them is a day of
any other parameter, nor one day before or after one."""

_ONE_DAY = timedelta(days=1)


def usage_edges(start: date, end: date) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """How usage from ``start`` to ``end`` is read: the whole months (their first day,
    and the first day after the last one) from the monthly rollup, None when there is
    none; and the days of the months cut by the window (first and last day, each pair
    within one month) from the daily table."""
    first_whole = (
        start if start.day == 1 else (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    )
    after_whole = (end + _ONE_DAY).replace(day=1)  # the first day after the last whole month
    if first_whole >= after_whole:
        return None, [(start, end)]
    edges = [(start, first_whole - _ONE_DAY), (after_whole, end)]
    return (first_whole, after_whole), [(low, high) for low, high in edges if low <= high]


def middle_of(start: date, end: date) -> date:
    """The day that cuts the window ``start`` to ``end`` in two: the survey answers
    and the tickets (the book's largest reads) are read in two halves, side by side
    (each half on its own connection and thread, 1.35 -> 0.93 s for 1.9M tickets
    on 2 cores)."""
    return start + (end - start) // 2


def substituted(name: str, days: dict[str, date]) -> str:
    """The SQL of ``BOOK_SQL[name]`` on ``days`` (by the names of ``PLACEHOLDERS``):
    each placeholder day and its first instant, and the first instant after
    ``data_end`` (where the window's moments end)."""
    sql = BOOK_SQL[name][0]
    if "data_end" in days:
        after = {"after": PLACEHOLDERS["data_end"] + _ONE_DAY}
        sql = with_days(sql, after, {"after": days["data_end"] + _ONE_DAY})
    return with_days(sql, PLACEHOLDERS, days)


BOOK_SQL: dict[str, tuple[str, dict[str, str]]] = {
    "accounts": (
        "SELECT account.id AS account_id, coalesce(account.segment, '') AS segment, "
        "coalesce(account.owner, '') AS owner, coalesce(account.\"plan\", '') AS "
        "\"plan\", account.mrr_cents, coalesce(account.start_date, '') AS start_date, "
        "coalesce(account.churned_at, '') AS churned_at, "
        "coalesce(account.churn_recorded_on, '') AS churn_recorded_on, "
        "coalesce(account.onboarding_completed_at, '') AS onboarding_completed_at, "
        "coalesce(account.renewal_date, '') AS renewal_date \n"
        "FROM account",
        {
            "account_id": "Int64",
            "segment": "String",
            "owner": "String",
            "plan": "String",
            "mrr_cents": "Int64",
            "start_date": "Date",
            "churned_at": "Date",
            "churn_recorded_on": "Date",
            "onboarding_completed_at": "Date",
            "renewal_date": "Date",
        },
    ),
    "movements": (
        "SELECT mrr_movement.account_id, coalesce(mrr_movement.occurred_on, '') AS "
        "occurred_on, coalesce(mrr_movement.kind, '') AS kind, "
        "mrr_movement.amount_cents \n"
        "FROM mrr_movement \n"
        "WHERE mrr_movement.occurred_on <= '1111-01-01'",
        {"account_id": "Int64", "occurred_on": "Date", "kind": "String", "amount_cents": "Int64"},
    ),
    "surveys": (
        "SELECT survey_response.account_id, coalesce(survey_response.kind, '') AS kind, "
        "survey_response.score, unixepoch(substr(survey_response.answered_at, 1, 19)) * "
        "1000000 + CAST(substr(survey_response.answered_at || '000000', 21, 6) AS "
        "INTEGER) AS answered_at \n"
        "FROM survey_response \n"
        "WHERE survey_response.answered_at >= '1111-02-02 00:00:00.000000' AND "
        "survey_response.answered_at < '1111-09-09 00:00:00.000000' AND "
        "survey_response.deleted_at IS NULL",
        {"account_id": "Int64", "kind": "String", "score": "Int64", "answered_at": "Datetime"},
    ),
    "surveys_late": (
        "SELECT survey_response.account_id, coalesce(survey_response.kind, '') AS "
        "kind, survey_response.score, unixepoch(substr(survey_response.answered_at, "
        "1, 19)) * 1000000 + CAST(substr(survey_response.answered_at || '000000', "
        "21, 6) AS INTEGER) AS answered_at \n"
        "FROM survey_response \n"
        "WHERE survey_response.answered_at >= '1111-09-09 00:00:00.000000' AND "
        "survey_response.answered_at < '1111-03-04 00:00:00.000000' AND "
        "survey_response.deleted_at IS NULL",
        {"account_id": "Int64", "kind": "String", "score": "Int64", "answered_at": "Datetime"},
    ),
    "tickets": (
        "SELECT ticket.account_id, unixepoch(substr(ticket.opened_at, 1, 19)) * 1000000 + "
        "CAST(substr(ticket.opened_at || '000000', 21, 6) AS INTEGER) AS opened_at, "
        "unixepoch(substr(ticket.first_response_at, 1, 19)) * 1000000 + "
        "CAST(substr(ticket.first_response_at || '000000', 21, 6) AS INTEGER) AS "
        "first_response_at, unixepoch(substr(ticket.resolved_at, 1, 19)) * 1000000 + "
        "CAST(substr(ticket.resolved_at || '000000', 21, 6) AS INTEGER) AS resolved_at \n"
        "FROM ticket \n"
        "WHERE ticket.opened_at >= '1111-02-02 00:00:00.000000' AND ticket.opened_at < "
        "'1111-09-09 00:00:00.000000'",
        {
            "account_id": "Int64",
            "opened_at": "Datetime",
            "first_response_at": "Datetime",
            "resolved_at": "Datetime",
        },
    ),
    "tickets_late": (
        "SELECT ticket.account_id, unixepoch(substr(ticket.opened_at, 1, 19)) * "
        "1000000 + CAST(substr(ticket.opened_at || '000000', 21, 6) AS INTEGER) AS "
        "opened_at, unixepoch(substr(ticket.first_response_at, 1, 19)) * 1000000 + "
        "CAST(substr(ticket.first_response_at || '000000', 21, 6) AS INTEGER) AS "
        "first_response_at, unixepoch(substr(ticket.resolved_at, 1, 19)) * 1000000 + "
        "CAST(substr(ticket.resolved_at || '000000', 21, 6) AS INTEGER) AS "
        "resolved_at \n"
        "FROM ticket \n"
        "WHERE ticket.opened_at >= '1111-09-09 00:00:00.000000' AND ticket.opened_at "
        "< '1111-03-04 00:00:00.000000'",
        {
            "account_id": "Int64",
            "opened_at": "Datetime",
            "first_response_at": "Datetime",
            "resolved_at": "Datetime",
        },
    ),
    "tickets_unresolved": (
        "SELECT ticket.account_id, unixepoch(substr(ticket.opened_at, 1, 19)) "
        "* 1000000 + CAST(substr(ticket.opened_at || '000000', 21, 6) AS "
        "INTEGER) AS opened_at, unixepoch(substr(ticket.first_response_at, 1, "
        "19)) * 1000000 + CAST(substr(ticket.first_response_at || '000000', "
        "21, 6) AS INTEGER) AS first_response_at, "
        "unixepoch(substr(ticket.resolved_at, 1, 19)) * 1000000 + "
        "CAST(substr(ticket.resolved_at || '000000', 21, 6) AS INTEGER) AS "
        "resolved_at \n"
        "FROM ticket \n"
        "WHERE ticket.opened_at < '1111-02-02 00:00:00.000000' AND "
        "ticket.resolved_at IS NULL",
        {
            "account_id": "Int64",
            "opened_at": "Datetime",
            "first_response_at": "Datetime",
            "resolved_at": "Datetime",
        },
    ),
    "tickets_resolved_in": (
        "SELECT ticket.account_id, unixepoch(substr(ticket.opened_at, 1, 19)) "
        "* 1000000 + CAST(substr(ticket.opened_at || '000000', 21, 6) AS "
        "INTEGER) AS opened_at, unixepoch(substr(ticket.first_response_at, 1, "
        "19)) * 1000000 + CAST(substr(ticket.first_response_at || '000000', "
        "21, 6) AS INTEGER) AS first_response_at, "
        "unixepoch(substr(ticket.resolved_at, 1, 19)) * 1000000 + "
        "CAST(substr(ticket.resolved_at || '000000', 21, 6) AS INTEGER) AS "
        "resolved_at \n"
        "FROM ticket \n"
        "WHERE ticket.opened_at < '1111-02-02 00:00:00.000000' AND "
        "ticket.resolved_at >= '1111-02-02 00:00:00.000000' AND "
        "ticket.resolved_at <= CASE WHEN (EXISTS (SELECT ticket_1.id \n"
        "FROM ticket AS ticket_1 \n"
        "WHERE ticket_1.opened_at < '1111-02-02 00:00:00.000000')) THEN "
        "(SELECT max(ticket_2.resolved_at) AS max_1 \n"
        "FROM ticket AS ticket_2) END",
        {
            "account_id": "Int64",
            "opened_at": "Datetime",
            "first_response_at": "Datetime",
            "resolved_at": "Datetime",
        },
    ),
    "engagement": (
        "SELECT interaction.account_id, coalesce(interaction.kind, '') AS kind, "
        "unixepoch(substr(interaction.occurred_at, 1, 19)) * 1000000 + "
        "CAST(substr(interaction.occurred_at || '000000', 21, 6) AS INTEGER) AS "
        "occurred_at \n"
        "FROM interaction \n"
        "WHERE kind IN ('referral', 'training', 'community') AND "
        "interaction.occurred_at >= '1111-02-02 00:00:00.000000' AND "
        "interaction.occurred_at < '1111-03-04 00:00:00.000000' AND "
        "interaction.deleted_at IS NULL",
        {"account_id": "Int64", "kind": "String", "occurred_at": "Datetime"},
    ),
    "purchases": (
        "SELECT purchase.account_id, unixepoch(substr(purchase.purchased_at, 1, 19)) * "
        "1000000 + CAST(substr(purchase.purchased_at || '000000', 21, 6) AS INTEGER) AS "
        "purchased_at, purchase.amount_cents \n"
        "FROM purchase \n"
        "WHERE purchase.purchased_at >= '1111-02-02 00:00:00.000000' AND "
        "purchase.purchased_at < '1111-03-04 00:00:00.000000'",
        {"account_id": "Int64", "purchased_at": "Datetime", "amount_cents": "Int64"},
    ),
    "purchase_history": (
        "SELECT purchase.account_id, "
        "unixepoch(substr(min(purchase.purchased_at), 1, 19)) * 1000000 + "
        "CAST(substr(min(purchase.purchased_at) || '000000', 21, 6) AS INTEGER) "
        "AS first_at, unixepoch(substr(max(purchase.purchased_at), 1, 19)) * "
        "1000000 + CAST(substr(max(purchase.purchased_at) || '000000', 21, 6) AS "
        "INTEGER) AS last_at \n"
        "FROM purchase \n"
        "WHERE purchase.purchased_at < '1111-02-02 00:00:00.000000' GROUP BY "
        "purchase.account_id",
        {"account_id": "Int64", "first_at": "Datetime", "last_at": "Datetime"},
    ),
    "costs": (
        "SELECT coalesce(retention_cost.incurred_on, '') AS incurred_on, "
        "retention_cost.amount_cents \n"
        "FROM retention_cost \n"
        "WHERE retention_cost.incurred_on >= '1111-02-02' AND retention_cost.incurred_on <= "
        "'1111-03-03'",
        {"incurred_on": "Date", "amount_cents": "Int64"},
    ),
    "recorded": (
        "SELECT EXISTS (SELECT survey_response.id \n"
        "FROM survey_response \n"
        "WHERE survey_response.deleted_at IS NULL) AS surveys, EXISTS (SELECT "
        "interaction.id \n"
        "FROM interaction \n"
        "WHERE kind IN ('referral', 'training', 'community') AND interaction.deleted_at "
        "IS NULL) AS engagement, EXISTS (SELECT account.id \n"
        "FROM account \n"
        "WHERE account.onboarding_completed_at IS NOT NULL) AS onboarding, (EXISTS "
        "(SELECT account.id \n"
        "FROM account \n"
        "WHERE account.churned_at IS NOT NULL OR account.churn_recorded_on IS NOT NULL)) "
        "OR (EXISTS (SELECT mrr_movement.id \n"
        "FROM mrr_movement \n"
        "WHERE mrr_movement.kind = 'churn')) AS churn, EXISTS (SELECT purchase.id \n"
        "FROM purchase) AS purchases, (EXISTS (SELECT mrr_movement.id \n"
        "FROM mrr_movement)) OR (EXISTS (SELECT account.id \n"
        "FROM account \n"
        "WHERE account.mrr_cents > 0)) AS subscriptions, coalesce((SELECT "
        "max(mrr_movement.occurred_on) AS max_1 \n"
        "FROM mrr_movement), '') AS latest_mrr_movement, unixepoch(substr((SELECT "
        "max(purchase.purchased_at) AS max_2 \n"
        "FROM purchase), 1, 19)) * 1000000 + CAST(substr((SELECT "
        "max(purchase.purchased_at) AS max_2 \n"
        "FROM purchase) || '000000', 21, 6) AS INTEGER) AS latest_purchase, "
        "unixepoch(substr((SELECT max(ticket.opened_at) AS max_3 \n"
        "FROM ticket), 1, 19)) * 1000000 + CAST(substr((SELECT max(ticket.opened_at) AS "
        "max_3 \n"
        "FROM ticket) || '000000', 21, 6) AS INTEGER) AS latest_ticket, "
        "unixepoch(substr((SELECT max(survey_response.answered_at) AS max_4 \n"
        "FROM survey_response), 1, 19)) * 1000000 + CAST(substr((SELECT "
        "max(survey_response.answered_at) AS max_4 \n"
        "FROM survey_response) || '000000', 21, 6) AS INTEGER) AS latest_survey_response",
        {
            "surveys": "Boolean",
            "engagement": "Boolean",
            "onboarding": "Boolean",
            "churn": "Boolean",
            "purchases": "Boolean",
            "subscriptions": "Boolean",
            "latest_mrr_movement": "Date",
            "latest_purchase": "Datetime",
            "latest_ticket": "Datetime",
            "latest_survey_response": "Datetime",
        },
    ),
    "usage_months": (
        "SELECT monthly_usage.account_id, coalesce(monthly_usage.month, '') AS "
        "month, monthly_usage.users_sum, monthly_usage.users_max, "
        "monthly_usage.day_bits \n"
        "FROM monthly_usage \n"
        "WHERE monthly_usage.month >= '1111-04-04' AND monthly_usage.month < "
        "'1111-05-05'",
        {
            "account_id": "Int64",
            "month": "Date",
            "users_sum": "Int64",
            "users_max": "Int64",
            "day_bits": "Int64",
        },
    ),
    "usage_days": (
        "SELECT daily_usage.account_id, coalesce(substr(daily_usage.day, 1, 7) || "
        "'-01', '') AS month, sum(daily_usage.active_users) AS users_sum, "
        "max(daily_usage.active_users) AS users_max, CAST(sum(CAST(1 AS bigint) << "
        "CAST(substr(daily_usage.day, 9, 2) AS INTEGER)) AS bigint) AS day_bits \n"
        "FROM daily_usage \n"
        "WHERE daily_usage.day >= '1111-06-06' AND daily_usage.day <= '1111-07-07' AND "
        "daily_usage.account_id IN (SELECT account.id \n"
        "FROM account) GROUP BY daily_usage.account_id, substr(daily_usage.day, 1, 7) "
        "|| '-01'",
        {
            "account_id": "Int64",
            "month": "Date",
            "users_sum": "Int64",
            "users_max": "Int64",
            "day_bits": "Int64",
        },
    ),
    "band_snapshots": (
        "SELECT health_snapshot.account_id, coalesce(health_snapshot.day, '') AS "
        "day, coalesce(health_snapshot.band, '') AS band \n"
        "FROM health_snapshot JOIN (SELECT health_snapshot.account_id AS "
        "account_id, max(health_snapshot.day) AS latest_day \n"
        "FROM health_snapshot \n"
        "WHERE health_snapshot.day <= '1111-08-08' AND health_snapshot.day >= "
        "'1111-10-10' GROUP BY health_snapshot.account_id) AS anon_1 ON "
        "health_snapshot.account_id = anon_1.account_id AND health_snapshot.day = "
        "anon_1.latest_day",
        {"account_id": "Int64", "day": "Date", "band": "String"},
    ),
    "band_overrides": (
        "SELECT health_override.id AS override_id, health_override.account_id, "
        "health_override.score AS override_score, coalesce(health_override.band, "
        "'') AS override_band, coalesce(health_override.reason, '') AS "
        "override_reason, coalesce(health_override.set_by, '') AS override_set_by, "
        "coalesce(health_override.starts_on, '') AS override_starts_on, "
        "coalesce(health_override.expires_on, '') AS override_expires_on \n"
        "FROM health_override \n"
        "WHERE health_override.ended_at IS NULL AND health_override.starts_on <= "
        "'1111-12-12' AND health_override.expires_on > '1111-11-11'",
        {
            "override_id": "Int64",
            "account_id": "Int64",
            "override_score": "Float64",
            "override_band": "String",
            "override_reason": "String",
            "override_set_by": "String",
            "override_starts_on": "Date",
            "override_expires_on": "Date",
        },
    ),
    "band_accounts": (
        "SELECT account.id AS account_id, coalesce(account.start_date, '') AS "
        "start_date, coalesce(account.churned_at, '') AS churned_at, "
        "coalesce(account.churn_recorded_on, '') AS churn_recorded_on, "
        "coalesce(account.status, '') AS status \n"
        "FROM account \n"
        "WHERE account.status = 'churned'",
        {
            "account_id": "Int64",
            "start_date": "Date",
            "churned_at": "Date",
            "churn_recorded_on": "Date",
            "status": "String",
        },
    ),
}
