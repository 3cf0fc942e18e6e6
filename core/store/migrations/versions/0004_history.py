"""history kept: survey answers edited and deleted softly, goal definitions, who ended an override

- survey_response gains logged_by (NULL for answers imported or logged before) and
  deleted_at; its covering index for the metrics also holds deleted_at, so a read
  of the live answers still visits no table row. survey_revision keeps each edit.
- goal_revision keeps every goal definition an edit replaced.
- goal_checkin: at most one computed (metrics) value per goal and day, a partial
  unique index. Duplicates an older cxtui may have left (two runs at once on one
  day) are removed first, keeping the newest, which is the value it showed.
- health_override gains ended_by (NULL for overrides ended before).

Every existing row is kept (but those duplicate computed values). A downgrade drops
the new tables and columns, and the history they held.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SURVEY_INDEX = "ix_survey_answered"
_SURVEY_INDEX_BEFORE = ["answered_at", "account_id", "kind", "score"]
_COMPUTED_DAY = "ux_goal_checkin_computed_day"


def upgrade() -> None:
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("logged_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
        batch_op.add_column(
            sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.drop_index(_SURVEY_INDEX)
        batch_op.create_index(_SURVEY_INDEX, [*_SURVEY_INDEX_BEFORE, "deleted_at"], unique=False)
    op.create_table(
        "survey_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("edited_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("edited_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("changes", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["survey_id"], ["survey_response.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("survey_revision", schema=None) as batch_op:
        batch_op.create_index("ix_survey_revision_survey", ["survey_id"], unique=False)

    op.create_table(
        "goal_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("edited_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("edited_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("definition", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["goal_id"], ["goal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("goal_id", "version", name="uq_goal_revision_goal_version"),
    )
    op.execute(
        "DELETE FROM goal_checkin WHERE computed AND id NOT IN"
        " (SELECT max(id) FROM goal_checkin WHERE computed GROUP BY goal_id, checked_on)"
    )
    op.create_index(
        _COMPUTED_DAY,
        "goal_checkin",
        ["goal_id", "checked_on"],
        unique=True,
        sqlite_where=sa.text("computed"),
        postgresql_where=sa.text("computed"),
    )

    with op.batch_alter_table("health_override", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ended_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("health_override", schema=None) as batch_op:
        batch_op.drop_column("ended_by")
    op.drop_index(_COMPUTED_DAY, table_name="goal_checkin")
    op.drop_table("goal_revision")
    with op.batch_alter_table("survey_revision", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_revision_survey")
    op.drop_table("survey_revision")
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.drop_index(_SURVEY_INDEX)
        batch_op.create_index(_SURVEY_INDEX, _SURVEY_INDEX_BEFORE, unique=False)
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("logged_by")
