"""engagement kinds: referrals, trainings completed and community events are logged
as interactions, for the feedback, referral, community and education rates

The interaction table's kind check admits three more kinds, and a partial index on
the date of those few (ix_interaction_engagement) spares the metrics a scan of every
interaction. A downgrade deletes the interactions of those kinds (the old check
would refuse them) and the index.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = ("call", "email", "meeting", "qbr", "note")
_NEW = ("referral", "training", "community")


def _kinds_check(kinds: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.drop_constraint("ck_interaction_kind", type_="check")
        batch_op.create_check_constraint("ck_interaction_kind", f"kind IN ({listed})")


_ENGAGEMENT = "kind IN ('referral', 'training', 'community')"


def upgrade() -> None:
    _kinds_check(_BEFORE + _NEW)
    op.create_index(
        "ix_interaction_engagement",
        "interaction",
        ["occurred_at"],
        sqlite_where=sa.text(_ENGAGEMENT),
        postgresql_where=sa.text(_ENGAGEMENT),
    )


def downgrade() -> None:
    op.drop_index("ix_interaction_engagement", table_name="interaction")
    listed = ", ".join(f"'{kind}'" for kind in _NEW)
    op.execute(f"DELETE FROM interaction WHERE kind IN ({listed})")
    _kinds_check(_BEFORE)
