"""a covering index for the tickets still open at the start of a window

The metrics read, beside a window's tickets, those opened before it and still open at
its start. Written as one read with an OR, it scanned every earlier ticket through
the index on opened_at: the longer a book's history, the slower each month's read
(0.23 s at 100k accounts with a year of tickets, and it grows with the years). Read
as the unresolved ones and those resolved after the start, it seeks them through the
index on resolved_at, which now also holds the columns those reads take.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = ["resolved_at"]
_NEW = ["resolved_at", "opened_at", "first_response_at", "account_id"]


def upgrade() -> None:
    _replace_index(_NEW)


def downgrade() -> None:
    _replace_index(_OLD)


def _replace_index(columns: list[str]) -> None:
    op.drop_index("ix_ticket_resolved", table_name="ticket")
    op.create_index("ix_ticket_resolved", "ticket", columns, unique=False)
