"""Tasks (key ``4``): open tasks, soonest due first, until the tasks issue gives them
actions (complete, snooze)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.screens.listing import ListingScreen

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy import Engine

TASK_LIMIT = 2_000


class TasksScreen(ListingScreen):
    TITLE_TEXT = "Tasks"
    EMPTY_TEXT = "No open tasks. Follow-ups and playbook rules will put work here."
    COLUMNS = (
        ("due_on", "Due"),
        ("title", "Task"),
        ("account", "Account"),
        ("owner", "Owner"),
        ("source", "From"),
    )

    def read(self, engine: Engine) -> pl.DataFrame:
        from sqlmodel import select

        from core.frames import read_frame
        from core.models import Account, Task

        return read_frame(
            engine,
            select(
                Task.due_on,
                Task.title,
                Account.name.label("account"),
                Task.owner,
                Task.source,
            )
            .outerjoin(Account, Account.id == Task.account_id)
            .where(Task.completed_at.is_(None))
            .order_by(Task.due_on, Task.id)
            .limit(TASK_LIMIT),
        )
