"""The accounts list's queries (``core.accounts.queries.list_part_queries``) and the
custom fields' (``FIELD_QUERIES``) compiled for SQLite on a placeholder day, for the
app's first read, which runs before SQLAlchemy is imported. Generated: ``python -m
core.accounts.queries`` rewrites it from the queries, and
``tests/core/test_first_read.py`` fails when they differ."""

PLACEHOLDER_DAY = "1111-11-11"
PLACEHOLDER_FIELD_ID = -1111
"""The field id the custom field values' query is compiled for: replaced by the ids
of the fields read."""


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

FIELD_QUERIES: dict[str, tuple[str, dict[str, str]]] = {
    "custom_fields": (
        'SELECT custom_field.id, coalesce(custom_field."key", \'\') AS "key", '
        "coalesce(custom_field.name, '') AS name, coalesce(custom_field.label, '') "
        "AS label, coalesce(custom_field.type, '') AS type, "
        "coalesce(custom_field.choices, '') AS choices, custom_field.position \n"
        "FROM custom_field ORDER BY custom_field.position, custom_field.id",
        {
            "id": "Int64",
            "key": "String",
            "name": "String",
            "label": "String",
            "type": "String",
            "choices": "String",
            "position": "Int64",
        },
    ),
    "field_values": (
        "SELECT account_field_value.field_id, account_field_value.account_id, "
        "coalesce(account_field_value.value, '') AS value \n"
        "FROM account_field_value \n"
        "WHERE account_field_value.field_id IN (-1111)",
        {"field_id": "Int64", "account_id": "Int64", "value": "String"},
    ),
}
