"""drop three indexes no query uses, which every bulk write paid to rebuild

No query reads interaction.follow_up_on (follow-ups become tasks), and the reads of
interactions and daily usage by date go per account through the
(account_id, occurred_at) index and the (account_id, day) primary key: measured at
M, health scores, the rules and the metrics take the same time without
ix_interaction_occurred and ix_daily_usage_day, while a load or an import of 1M
interactions spent ~2 s rebuilding them (and 3M usage rows ~2 s more). A downgrade
creates them again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# index name -> (table, columns)
_DROPPED = {
    "ix_interaction_follow_up": ("interaction", ["follow_up_on"]),
    "ix_interaction_occurred": ("interaction", ["occurred_at"]),
    "ix_daily_usage_day": ("daily_usage", ["day"]),
}


def upgrade() -> None:
    for name, (table, _columns) in _DROPPED.items():
        op.drop_index(name, table_name=table, if_exists=True)


def downgrade() -> None:
    for name, (table, columns) in _DROPPED.items():
        op.create_index(name, table, columns, if_not_exists=True)
