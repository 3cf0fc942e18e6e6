"""task events: the logged contact that followed up a rule's task

``task_event.interaction_id``: a task of a rule whose condition a logged contact
ends (an NPS detractor not followed up, no interaction for a while, no QBR before a
renewal) is marked done when that contact is logged (``core.playbook.followed_up``);
its 'done' event names the interaction, so the queue can say why it was done and a
delete of that interaction can reopen it. Every event stored before names none
(null). No foreign key: interactions are deleted softly, and the column is added
without copying the table.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("task_event", sa.Column("interaction_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("task_event", "interaction_id")
