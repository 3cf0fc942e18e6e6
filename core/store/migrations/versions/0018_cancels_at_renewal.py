"""accounts set to cancel at their renewal

``account.cancels_at_renewal``: the customer asked to cancel (Stripe's Cancel At
Period End, Chargebee's non_renewing status, an accounts file's column); it pays until
its renewal date and is expected to leave then (``core.churn.forecast``). Every
account stored before is not set to cancel (false), as an import that does not say
it leaves it.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ALTER TABLE ... ADD COLUMN on SQLite too: no copy of the table
    op.add_column(
        "account",
        sa.Column("cancels_at_renewal", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on SQLite too (3.35+): a copy of the table would
    # drop the old one, which cascades to every account's rows where foreign keys are on
    op.drop_column("account", "cancels_at_renewal")
