"""churn models: every churn model fitted on the book, the latest in force

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "churn_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("fitted_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("history", sa.Boolean(), nullable=False),
        sa.Column("auc", sa.Float(), nullable=False),
        sa.Column("validation", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("definition", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("churn_model")
