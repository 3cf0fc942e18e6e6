"""task events: why a rule's task was done when its condition ended by other means

``task_event.reason``: a rule's task whose condition ended otherwise than by a
contact (its ticket resolved, ...) is marked done at the next rules run
(``core.playbook.ended``); its 'done' event says why, so the queue's done view can.
Every event stored before says nothing (null). The column is added without copying
the table.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "task_event",
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("task_event", "reason")
