"""real books: unknown start dates, churn without a date, health without data

- account.start_date may be NULL: the account has been a customer since before the
  records begin (never "new", never New MRR).
- account.churn_recorded_on: the day cxtui learned that an account had churned when
  its churn date is unknown (churned_at NULL). Such an account stops being a
  customer that day but counts in no period's churn.
- health_snapshot.score may be NULL, with the band "no data": an account without
  enough signals is recorded as such instead of keeping an older score.
- The MRR movements that an account's MRR implied (a "new" movement on its start
  date and, once churned, a "churn" movement on its churn date) are written for the
  accounts that had MRR and no movement, so that every account's MRR is the balance
  of its stored movements.

A downgrade removes the new column and gives missing start dates the day the
account was created, and scores without data are deleted.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.alter_column("start_date", existing_type=sa.Date(), nullable=True)
        batch_op.add_column(sa.Column("churn_recorded_on", sa.Date(), nullable=True))
    with op.batch_alter_table("health_snapshot", schema=None) as batch_op:
        batch_op.alter_column("score", existing_type=sa.Float(), nullable=True)
    silent = (
        "FROM account WHERE mrr_cents > 0"
        " AND NOT EXISTS (SELECT 1 FROM mrr_movement m WHERE m.account_id = account.id)"
    )
    op.execute(
        "INSERT INTO mrr_movement (account_id, occurred_on, kind, amount_cents)"
        f" SELECT id, churned_at, 'churn', -mrr_cents {silent} AND churned_at IS NOT NULL"
    )
    op.execute(
        "INSERT INTO mrr_movement (account_id, occurred_on, kind, amount_cents)"
        f" SELECT id, start_date, 'new', mrr_cents {silent}"
    )


def downgrade() -> None:
    op.execute("DELETE FROM health_snapshot WHERE score IS NULL")
    day = (
        "substr(created_at, 1, 10)"
        if op.get_bind().dialect.name == "sqlite"
        else "created_at::date"
    )
    op.execute(f"UPDATE account SET start_date = {day} WHERE start_date IS NULL")
    with op.batch_alter_table("health_snapshot", schema=None) as batch_op:
        batch_op.alter_column("score", existing_type=sa.Float(), nullable=False)
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("churn_recorded_on")
        batch_op.alter_column("start_date", existing_type=sa.Date(), nullable=False)
