"""custom fields: the columns of a book's own, kept from its imports, with history

- custom_field: one row per field (its key as matching sees it, unique; its name
  as the file spelled it; a label; a type among number, money, text, date, yes_no,
  choice; a choice field's values as JSON; its position).
- account_field_value: one row per account and field that has a value, the value
  as canonical text for the field's type. Long, not wide: 100 fields do not widen
  the account table the list reads, and one field's values for every account are
  one range of the primary key (field_id, account_id); WITHOUT ROWID on SQLite, as
  daily_usage. An index on account_id serves the 360 and the cascade of a delete.
- account_field_revision: each value that an import or an edit changed or
  cleared (old and new text, who, when, how).

No existing row changes. A downgrade drops the three tables and what they held.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-12
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TYPES = "type IN ('number', 'money', 'text', 'date', 'yes_no', 'choice')"


def upgrade() -> None:
    op.create_table(
        "custom_field",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("choices", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint(_TYPES, name="ck_custom_field_type"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "account_field_value",
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["field_id"], ["custom_field.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("field_id", "account_id"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_account_field_value_account", "account_field_value", ["account_id"], unique=False
    )
    op.create_table(
        "account_field_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("old_value", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("new_value", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("changed_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.CheckConstraint("source IN ('import', 'edit')", name="ck_account_field_revision_source"),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["field_id"], ["custom_field.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_account_field_revision_account",
        "account_field_revision",
        ["account_id", "field_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_account_field_revision_account", table_name="account_field_revision")
    op.drop_table("account_field_revision")
    op.drop_index("ix_account_field_value_account", table_name="account_field_value")
    op.drop_table("account_field_value")
    op.drop_table("custom_field")
