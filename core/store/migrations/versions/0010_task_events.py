"""task events: who made, completed, reopened or snoozed each task, and when

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "action IN ('created', 'done', 'reopened', 'snoozed')", name="ck_task_event_action"
        ),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_task_event_task", "task_event", ["task_id"])


def downgrade() -> None:
    op.drop_index("ix_task_event_task", table_name="task_event")
    op.drop_table("task_event")
