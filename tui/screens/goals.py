"""Goals (key ``3``): the goals in the database, as a list, until the goals issue
gives them progress bars and check-ins."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.screens.listing import ListingScreen

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy import Engine


class GoalsScreen(ListingScreen):
    TITLE_TEXT = "Goals"
    EMPTY_TEXT = "No goals yet. Goals (e.g. 'churn below 3 % this quarter') will be set here."
    COLUMNS = (
        ("title", "Goal"),
        ("owner", "Owner"),
        ("target_type", "Target type"),
        ("target_value", "Target"),
        ("direction", "Direction"),
        ("start_date", "Starts"),
        ("due_date", "Due"),
        ("metric", "Metric"),
    )

    def read(self, engine: Engine) -> pl.DataFrame:
        from sqlmodel import select

        from core.frames import read_frame
        from core.models import Goal

        return read_frame(
            engine,
            select(
                Goal.title,
                Goal.owner,
                Goal.target_type,
                Goal.target_value,
                Goal.direction,
                Goal.start_date,
                Goal.due_date,
                Goal.metric,
            )
            .where(Goal.archived_at.is_(None))
            .order_by(Goal.due_date, Goal.id),
        )
