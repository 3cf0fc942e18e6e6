"""interaction revisions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "interaction_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=False),
        sa.Column("edited_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("edited_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("changes", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["interaction_id"], ["interaction.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("interaction_revision", schema=None) as batch_op:
        batch_op.create_index(
            "ix_interaction_revision_interaction", ["interaction_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("interaction_revision", schema=None) as batch_op:
        batch_op.drop_index("ix_interaction_revision_interaction")

    op.drop_table("interaction_revision")
