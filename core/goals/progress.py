"""A goal's progress and status: progress from start to target, the status from
progress against elapsed time, and the current values of metric-linked goals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine

from core.models import Goal, GoalTask


@dataclass(frozen=True)
class StatusThresholds:
    on_track_points: float = 10.0
    at_risk_points: float = 25.0


def progress_pct(goal: Goal, current: Decimal | None, tasks_done: int = 0) -> float:
    """0..100, for both directions; overshoot is 100, going the wrong way is 0."""
    if goal.target_type == "tasks":
        total = int(goal.target_value)
        return 0.0 if total == 0 else 100.0 * min(tasks_done, total) / total
    if current is None:
        return 0.0
    if goal.target_type == "done":
        return 100.0 if current >= 1 else 0.0
    span = goal.target_value - goal.start_value
    share = (current - goal.start_value) / span
    return float(min(Decimal(100), max(Decimal(0), share * 100)))


def status_of(
    goal: Goal, progress: float, today: date, thresholds: StatusThresholds | None = None
) -> str:
    """on track / at risk / off track against the time elapsed; achieved / missed
    once the due date has passed (achieved as soon as progress reaches 100 %)."""
    thresholds = thresholds or StatusThresholds()
    if progress >= 100:
        return "achieved"
    if today > goal.due_date:
        return "missed"
    total_days = (goal.due_date - goal.start_date).days
    elapsed_days = min(max((today - goal.start_date).days, 0), total_days)
    expected = 100.0 * elapsed_days / total_days
    behind = expected - progress
    if behind <= thresholds.on_track_points:
        return "on track"
    if behind <= thresholds.at_risk_points:
        return "at risk"
    return "off track"


@dataclass
class GoalView:
    goal: Goal
    current: Decimal | None
    progress: float
    status: str
    days_left: int
    tasks: list[GoalTask]

    @property
    def tasks_done(self) -> int:
        return sum(1 for task in self.tasks if task.done_at is not None)


def metric_values(engine: Engine, goals: list[Goal], today: date) -> dict[int, Decimal | None]:
    """Each metric-linked goal's metric over its own dates, for its scope, as of
    today. Goals that share dates and scope share one read of only the tables
    their metrics need."""
    from core.metrics import Period, Scope, load_book

    groups: dict[tuple[date, date, date, str | None, str | None], list[Goal]] = {}
    for goal in goals:
        if goal.metric:
            as_of = min(max(today, goal.start_date), goal.due_date)
            key = (goal.start_date, goal.due_date, as_of, goal.scope_segment, goal.scope_owner)
            groups.setdefault(key, []).append(goal)
    values: dict[int, Decimal | None] = {}
    for (start, due, as_of, segment, owner), members in groups.items():
        keys = sorted({goal.metric for goal in members if goal.metric})
        period = Period(start, due)
        book = load_book(engine, period, as_of, Scope(segment=segment, owner=owner), keys=keys)
        computed = book.values(period, keys, as_of)
        for goal in members:
            value = computed.get(goal.metric or "")
            values[goal.id or 0] = None if value is None else Decimal(str(value))
    return values
