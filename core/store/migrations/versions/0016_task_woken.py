"""task events: a snoozed task woken before its day is recorded as 'woken'

The task queue can bring a snoozed task back today (``core.playbook.tasks.wake``);
the task_event table's action check admits that action. A downgrade deletes the
'woken' events (the old check would refuse them).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = ("created", "done", "reopened", "snoozed")


def _actions_check(actions: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{action}'" for action in actions)
    with op.batch_alter_table("task_event", schema=None) as batch_op:
        batch_op.drop_constraint("ck_task_event_action", type_="check")
        batch_op.create_check_constraint("ck_task_event_action", f"action IN ({listed})")


def upgrade() -> None:
    _actions_check((*_BEFORE, "woken"))


def downgrade() -> None:
    op.execute("DELETE FROM task_event WHERE action = 'woken'")
    _actions_check(_BEFORE)
