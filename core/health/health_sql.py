"""Health's statements (``core.health.queries``) compiled for SQLite on placeholder
days, for recomputing and reading the health of a SQLite file without SQLAlchemy.
Generated below ``HEALTH_SQL``: ``python -m core.health.queries`` rewrites it from
the statements, and ``tests/core/test_health_sql.py`` fails when they differ."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.store.compiled_sql import with_days, with_ids

PLACEHOLDERS = {
    "as_of": date(1112, 1, 1),
    "end": date(1112, 2, 2),
    "usage_start": date(1112, 3, 3),
    "usage_split": date(1112, 4, 4),
    "recent_start": date(1112, 5, 5),
    "survey_start": date(1112, 6, 6),
    "movements_since": date(1112, 7, 7),
    "trend_from": date(1112, 8, 8),
    "trend_to": date(1112, 9, 9),
    "week_from": date(1112, 10, 10),
    "week_to": date(1112, 11, 11),
}
"""The days the reads are compiled on, one per parameter (``core.health.windows``):
none of them is a day of any other parameter, nor one day before or after one."""

SILENT = -987_654_321
"""The one account id the read of silent accounts' earlier contacts is compiled on."""


def read_sql(name: str, days: dict[str, date], ids: list[int] | None = None) -> tuple[str, Any]:
    """The read ``name`` on ``days`` (by the names of ``PLACEHOLDERS``), for ``ids``
    where it is compiled on ``SILENT``, with the polars type name of its columns."""
    sql, types = HEALTH_SQL["reads"][name]
    sql = with_days(
        sql, PLACEHOLDERS, {key: day for key, day in days.items() if key in PLACEHOLDERS}
    )
    return (sql if ids is None else with_ids(sql, SILENT, ids)), types


HEALTH_SQL: dict[str, Any] = {
    "reads": {
        "accounts": (
            "SELECT account.id AS account_id, coalesce(account.external_id, '') AS "
            "external_id, coalesce(account.name, '') AS name, account.seats, "
            "account.mrr_cents, coalesce(account.start_date, '') AS start_date, "
            "coalesce(account.renewal_date, '') AS renewal_date, "
            "coalesce(account.status, '') AS status, coalesce(account.churned_at, "
            "'') AS churned_at, coalesce(account.churn_recorded_on, '') AS "
            "churn_recorded_on \n"
            "FROM account \n"
            "WHERE (account.start_date IS NULL OR account.start_date <= "
            "'1112-01-01') AND account.id IN (SELECT account.id \n"
            "FROM account)",
            {
                "account_id": "Int64",
                "external_id": "String",
                "name": "String",
                "seats": "Int64",
                "mrr_cents": "Int64",
                "start_date": "Date",
                "renewal_date": "Date",
                "status": "String",
                "churned_at": "Date",
                "churn_recorded_on": "Date",
            },
        ),
        "usage": (
            "SELECT daily_usage.account_id, sum(CASE WHEN (daily_usage.day > "
            "'1112-04-04') THEN daily_usage.active_users ELSE 0 END) AS recent, "
            "sum(CASE WHEN (daily_usage.day <= '1112-04-04') THEN "
            "daily_usage.active_users ELSE 0 END) AS prior \n"
            "FROM daily_usage \n"
            "WHERE daily_usage.day >= '1112-03-03' AND daily_usage.day <= "
            "'1112-01-01' AND daily_usage.account_id IN (SELECT account.id \n"
            "FROM account) GROUP BY daily_usage.account_id",
            {"account_id": "Int64", "recent": "Int64", "prior": "Int64"},
        ),
        "interactions": (
            "SELECT interaction.account_id, "
            "unixepoch(substr(max(interaction.occurred_at), 1, 19)) * 1000000 "
            "+ CAST(substr(max(interaction.occurred_at) || '000000', 21, 6) AS "
            "INTEGER) AS last_at, sum(CASE WHEN (interaction.kind IN "
            "('meeting', 'qbr')) THEN 1 ELSE 0 END) AS meetings, "
            "avg(CAST(interaction.sentiment AS FLOAT)) AS sentiment \n"
            "FROM interaction \n"
            "WHERE interaction.deleted_at IS NULL AND interaction.occurred_at "
            "< '1112-02-02 00:00:00.000000' AND interaction.occurred_at >= "
            "'1112-05-05 00:00:00.000000' AND interaction.account_id IN "
            "(SELECT account.id \n"
            "FROM account) GROUP BY interaction.account_id",
            {
                "account_id": "Int64",
                "last_at": "Datetime",
                "meetings": "Int64",
                "sentiment": "Float64",
            },
        ),
        "surveys": (
            "SELECT account.id AS account_id, (SELECT survey_response.score \n"
            "FROM survey_response \n"
            "WHERE survey_response.account_id = account.id AND survey_response.kind "
            "= 'nps' AND survey_response.answered_at >= '1112-06-06 "
            "00:00:00.000000' AND survey_response.answered_at < '1112-02-02 "
            "00:00:00.000000' AND survey_response.deleted_at IS NULL ORDER BY "
            "survey_response.answered_at DESC, survey_response.id DESC\n"
            " LIMIT 1 OFFSET 0) AS latest_nps, (SELECT survey_response.score \n"
            "FROM survey_response \n"
            "WHERE survey_response.account_id = account.id AND survey_response.kind "
            "= 'csat' AND survey_response.answered_at >= '1112-06-06 "
            "00:00:00.000000' AND survey_response.answered_at < '1112-02-02 "
            "00:00:00.000000' AND survey_response.deleted_at IS NULL ORDER BY "
            "survey_response.answered_at DESC, survey_response.id DESC\n"
            " LIMIT 1 OFFSET 0) AS latest_csat \n"
            "FROM account",
            {"account_id": "Int64", "latest_nps": "Int64", "latest_csat": "Int64"},
        ),
        "tickets": (
            "SELECT ticket.account_id, unixepoch(substr(ticket.opened_at, 1, 19)) * "
            "1000000 + CAST(substr(ticket.opened_at || '000000', 21, 6) AS INTEGER) "
            "AS opened_at, unixepoch(substr(ticket.first_response_at, 1, 19)) * "
            "1000000 + CAST(substr(ticket.first_response_at || '000000', 21, 6) AS "
            "INTEGER) AS first_response_at, unixepoch(substr(ticket.resolved_at, 1, "
            "19)) * 1000000 + CAST(substr(ticket.resolved_at || '000000', 21, 6) AS "
            "INTEGER) AS resolved_at \n"
            "FROM ticket \n"
            "WHERE ticket.opened_at >= '1112-05-05 00:00:00.000000' AND "
            "ticket.opened_at < '1112-02-02 00:00:00.000000'",
            {
                "account_id": "Int64",
                "opened_at": "Datetime",
                "first_response_at": "Datetime",
                "resolved_at": "Datetime",
            },
        ),
        "tickets_unresolved": (
            "SELECT ticket.account_id, "
            "unixepoch(substr(ticket.opened_at, 1, 19)) * 1000000 + "
            "CAST(substr(ticket.opened_at || '000000', 21, 6) AS "
            "INTEGER) AS opened_at, "
            "unixepoch(substr(ticket.first_response_at, 1, 19)) * "
            "1000000 + CAST(substr(ticket.first_response_at || '000000', "
            "21, 6) AS INTEGER) AS first_response_at, "
            "unixepoch(substr(ticket.resolved_at, 1, 19)) * 1000000 + "
            "CAST(substr(ticket.resolved_at || '000000', 21, 6) AS "
            "INTEGER) AS resolved_at \n"
            "FROM ticket \n"
            "WHERE ticket.opened_at < '1112-05-05 00:00:00.000000' AND "
            "ticket.resolved_at IS NULL",
            {
                "account_id": "Int64",
                "opened_at": "Datetime",
                "first_response_at": "Datetime",
                "resolved_at": "Datetime",
            },
        ),
        "tickets_resolved_later": (
            "SELECT ticket.account_id, "
            "unixepoch(substr(ticket.opened_at, 1, 19)) * 1000000 + "
            "CAST(substr(ticket.opened_at || '000000', 21, 6) AS "
            "INTEGER) AS opened_at, "
            "unixepoch(substr(ticket.first_response_at, 1, 19)) * "
            "1000000 + CAST(substr(ticket.first_response_at || "
            "'000000', 21, 6) AS INTEGER) AS first_response_at, "
            "unixepoch(substr(ticket.resolved_at, 1, 19)) * 1000000 "
            "+ CAST(substr(ticket.resolved_at || '000000', 21, 6) AS "
            "INTEGER) AS resolved_at \n"
            "FROM ticket \n"
            "WHERE ticket.opened_at < '1112-05-05 00:00:00.000000' "
            "AND ticket.resolved_at >= '1112-02-02 00:00:00.000000'",
            {
                "account_id": "Int64",
                "opened_at": "Datetime",
                "first_response_at": "Datetime",
                "resolved_at": "Datetime",
            },
        ),
        "movements": (
            "SELECT mrr_movement.account_id, sum(mrr_movement.amount_cents) AS "
            "mrr_then, sum(CASE WHEN (mrr_movement.occurred_on <= '1112-07-07') "
            "THEN mrr_movement.amount_cents ELSE 0 END) AS mrr_90d_ago, sum(CASE "
            "WHEN (mrr_movement.kind = 'contraction' AND mrr_movement.occurred_on "
            "> '1112-07-07') THEN mrr_movement.amount_cents ELSE 0 END) AS "
            "contracted \n"
            "FROM mrr_movement \n"
            "WHERE mrr_movement.occurred_on <= '1112-01-01' AND "
            "mrr_movement.account_id IN (SELECT account.id \n"
            "FROM account) GROUP BY mrr_movement.account_id",
            {
                "account_id": "Int64",
                "mrr_then": "Int64",
                "mrr_90d_ago": "Int64",
                "contracted": "Int64",
            },
        ),
        "earlier_contacts": (
            "SELECT interaction.account_id, "
            "unixepoch(substr(max(interaction.occurred_at), 1, 19)) * "
            "1000000 + CAST(substr(max(interaction.occurred_at) || "
            "'000000', 21, 6) AS INTEGER) AS earlier_at \n"
            "FROM interaction \n"
            "WHERE interaction.deleted_at IS NULL AND "
            "interaction.occurred_at < '1112-02-02 00:00:00.000000' AND "
            "interaction.account_id IN (-987654321) GROUP BY "
            "interaction.account_id",
            {"account_id": "Int64", "earlier_at": "Datetime"},
        ),
        "latest": (
            "SELECT health_snapshot.account_id, coalesce(health_snapshot.day, '') AS "
            "day, health_snapshot.score AS computed_score, "
            "coalesce(health_snapshot.band, '') AS computed_band, "
            "coalesce(health_snapshot.components, '') AS components, "
            "coalesce(health_snapshot.left_out, '') AS left_out, "
            "health_snapshot.model_id \n"
            "FROM health_snapshot JOIN (SELECT health_snapshot.account_id AS "
            "account_id, max(health_snapshot.day) AS latest_day \n"
            "FROM health_snapshot \n"
            "WHERE health_snapshot.day <= '1112-01-01' GROUP BY "
            "health_snapshot.account_id) AS anon_1 ON health_snapshot.account_id = "
            "anon_1.account_id AND health_snapshot.day = anon_1.latest_day",
            {
                "account_id": "Int64",
                "day": "Date",
                "computed_score": "Float64",
                "computed_band": "String",
                "components": "String",
                "left_out": "String",
                "model_id": "Int64",
            },
        ),
        "month_ago": (
            "SELECT health_snapshot.account_id, coalesce(health_snapshot.day, '') "
            "AS day, health_snapshot.score AS score_30d_ago \n"
            "FROM health_snapshot JOIN (SELECT health_snapshot.account_id AS "
            "account_id, max(health_snapshot.day) AS latest_day \n"
            "FROM health_snapshot \n"
            "WHERE health_snapshot.day <= '1112-09-09' AND health_snapshot.day >= "
            "'1112-08-08' GROUP BY health_snapshot.account_id) AS anon_1 ON "
            "health_snapshot.account_id = anon_1.account_id AND "
            "health_snapshot.day = anon_1.latest_day",
            {"account_id": "Int64", "day": "Date", "score_30d_ago": "Float64"},
        ),
        "week_ago": (
            "SELECT health_snapshot.account_id, coalesce(health_snapshot.day, '') "
            "AS day, coalesce(health_snapshot.band, '') AS band_week_ago \n"
            "FROM health_snapshot JOIN (SELECT health_snapshot.account_id AS "
            "account_id, max(health_snapshot.day) AS latest_day \n"
            "FROM health_snapshot \n"
            "WHERE health_snapshot.day <= '1112-11-11' AND health_snapshot.day >= "
            "'1112-10-10' GROUP BY health_snapshot.account_id) AS anon_1 ON "
            "health_snapshot.account_id = anon_1.account_id AND "
            "health_snapshot.day = anon_1.latest_day",
            {"account_id": "Int64", "day": "Date", "band_week_ago": "String"},
        ),
        "overrides": (
            "SELECT health_override.id AS override_id, "
            "health_override.account_id, health_override.score AS override_score, "
            "coalesce(health_override.band, '') AS override_band, "
            "coalesce(health_override.reason, '') AS override_reason, "
            "coalesce(health_override.set_by, '') AS override_set_by, "
            "coalesce(health_override.starts_on, '') AS override_starts_on, "
            "coalesce(health_override.expires_on, '') AS override_expires_on \n"
            "FROM health_override \n"
            "WHERE health_override.ended_at IS NULL AND health_override.starts_on "
            "<= '1112-01-01' AND health_override.expires_on > '1112-01-01'",
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
        "any_snapshot": (
            "SELECT health_snapshot.account_id \nFROM health_snapshot\n LIMIT 1 OFFSET 0",
            {"account_id": "Int64"},
        ),
        "churn_model": (
            "SELECT churn_model.id \nFROM churn_model\n LIMIT 1 OFFSET 0",
            {"id": "Int64"},
        ),
    },
    "writes": {
        "model_id": "SELECT health_model.id \n"
        "FROM health_model \n"
        "WHERE health_model.fingerprint = ?",
        "model": "INSERT INTO health_model (fingerprint, definition, first_used_at) VALUES "
        "(?, ?, ?)",
        "delete_day": "DELETE FROM health_snapshot WHERE health_snapshot.day = ?",
        "snapshot": "INSERT INTO health_snapshot (account_id, day, score, band, "
        "components, left_out, model_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
    },
}
