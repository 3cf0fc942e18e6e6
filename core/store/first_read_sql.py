"""The accounts list's queries (``core.accounts.queries.list_part_queries``) compiled
for SQLite on a placeholder day, for the app's first read, which runs before
SQLAlchemy is imported. Generated: ``python -m core.accounts.queries`` rewrites it
from the queries, and ``tests/core/test_first_read.py`` fails when they differ."""

PLACEHOLDER_DAY = "1111-11-11"

QUERIES: dict[str, tuple[str, dict[str, str]]] = {
    "accounts": (
        "SELECT account.id, coalesce(account.external_id, '') AS external_id, "
        "coalesce(account.name, '') AS name, coalesce(account.segment, '') AS segment, "
        "coalesce(account.\"plan\", '') AS \"plan\", coalesce(account.owner, '') AS "
        "owner, coalesce(account.status, '') AS status, account.mrr_cents, "
        "coalesce(account.renewal_date, '') AS renewal_date \n"
        "FROM account",
        {
            "id": "Int64",
            "external_id": "String",
            "name": "String",
            "segment": "String",
            "plan": "String",
            "owner": "String",
            "status": "String",
            "mrr_cents": "Int64",
            "renewal_date": "Date",
        },
    ),
    "current": (
        "SELECT health_snapshot.account_id, coalesce(health_snapshot.day, '') AS day, "
        "health_snapshot.score AS computed_score, coalesce(health_snapshot.band, '') AS "
        "band \n"
        "FROM health_snapshot JOIN (SELECT health_snapshot.account_id AS account_id, "
        "max(health_snapshot.day) AS latest_day \n"
        "FROM health_snapshot \n"
        "WHERE health_snapshot.day <= '1111-11-11' GROUP BY health_snapshot.account_id) "
        "AS anon_1 ON health_snapshot.account_id = anon_1.account_id AND "
        "health_snapshot.day = anon_1.latest_day",
        {"account_id": "Int64", "day": "Date", "computed_score": "Float64", "band": "String"},
    ),
    "month_ago": (
        "SELECT health_snapshot.account_id, coalesce(health_snapshot.day, '') AS day, "
        "health_snapshot.score AS score_30d_ago \n"
        "FROM health_snapshot JOIN (SELECT health_snapshot.account_id AS account_id, "
        "max(health_snapshot.day) AS latest_day \n"
        "FROM health_snapshot \n"
        "WHERE health_snapshot.day <= '1111-10-12' AND health_snapshot.day >= "
        "'1111-09-12' GROUP BY health_snapshot.account_id) AS anon_1 ON "
        "health_snapshot.account_id = anon_1.account_id AND health_snapshot.day = "
        "anon_1.latest_day",
        {"account_id": "Int64", "day": "Date", "score_30d_ago": "Float64"},
    ),
    "overrides": (
        "SELECT health_override.id AS override_id, health_override.account_id, "
        "health_override.score AS override_score, coalesce(health_override.band, '') AS "
        "override_band \n"
        "FROM health_override \n"
        "WHERE health_override.ended_at IS NULL AND health_override.starts_on <= "
        "'1111-11-11' AND health_override.expires_on > '1111-11-11'",
        {
            "override_id": "Int64",
            "account_id": "Int64",
            "override_score": "Float64",
            "override_band": "String",
        },
    ),
    "tickets": (
        "SELECT ticket.account_id, count(ticket.id) AS open_tickets \n"
        "FROM ticket \n"
        "WHERE ticket.resolved_at IS NULL GROUP BY ticket.account_id",
        {"account_id": "Int64", "open_tickets": "Int64"},
    ),
}
