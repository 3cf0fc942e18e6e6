"""rule runs: when each playbook rule last ran, by whom, and how many tasks it made

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rule_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("ran_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("ran_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rule_run_rule", "rule_run", ["rule", "ran_at"])


def downgrade() -> None:
    op.drop_index("ix_rule_run_rule", table_name="rule_run")
    op.drop_table("rule_run")
