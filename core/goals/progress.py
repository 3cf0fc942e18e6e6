"""A goal's progress and status: progress from start to target, the status from
progress against elapsed time, and the current values of metric-linked goals."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

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


def progress_text(progress: float, decimals: int = 0) -> str:
    """A progress as shown, rounded down: only a target reached reads 100 (99.6 % is
    "99", never "100" beside "on track" or "missed")."""
    scale = 10**decimals
    return f"{math.floor(round(progress * scale, 6)) / scale:.{decimals}f}"


def is_kept_line(goal: Goal) -> bool:
    """A goal to keep a rate or score on the right side of a line over its period
    ("churn below 3 % this quarter"): a metric-linked goal whose metric is a rate or a
    score. Meeting it today proves nothing until the period ends."""
    from core.metrics.registry import BY_KEY

    metric = BY_KEY.get(goal.metric or "")
    return metric is not None and metric.unit in ("pct", "score")


def time_gone_pct(goal: Goal, today: date) -> float:
    """The share of the goal's time that has passed, 0..100."""
    total_days = (goal.due_date - goal.start_date).days
    elapsed_days = min(max((today - goal.start_date).days, 0), total_days)
    return 100.0 * elapsed_days / total_days


def is_over(goal: Goal, today: date) -> bool:
    """Whether the goal's due date has passed: it is judged on its value by that day,
    and nothing dated after it (a check-in, a ticked task) counts."""
    return today > goal.due_date


def due_words(due: date, today: date) -> str:
    """The time to the due date in words: "31 days left", "due today", "ended 2 days ago"."""
    days = (due - today).days
    if days == 0:
        return "due today"
    if days > 0:
        return f"{days} day{'s' if days != 1 else ''} left"
    return f"ended {-days} day{'s' if days != -1 else ''} ago"


def status_of(
    goal: Goal, progress: float, today: date, thresholds: StatusThresholds | None = None
) -> str:
    """The goal's status, which never claims more than is true:

    - a target that cannot be undone (a number or amount reached, done, every task
      done) is achieved as soon as progress reaches 100 %;
    - a line to keep (``is_kept_line``) is on track while it is kept, and achieved or
      missed only once the period is over;
    - otherwise on track / at risk / off track against the time gone (within
      ``on_track_points`` / ``at_risk_points`` of it), missed after the due date."""
    thresholds = thresholds or StatusThresholds()
    over = is_over(goal, today)
    if is_kept_line(goal):
        if over:
            return "achieved" if progress >= 100 else "missed"
        if progress >= 100:
            return "on track"
    elif progress >= 100:
        return "achieved"
    if over:
        return "missed"
    behind = time_gone_pct(goal, today) - progress
    if behind <= thresholds.on_track_points:
        return "on track"
    if behind <= thresholds.at_risk_points:
        return "at risk"
    return "off track"


def status_reason(
    goal: Goal, status: str, progress: float, today: date, no_data: bool = False
) -> str:
    """Why the status, in words: "on track: 42 % done, 38 % of time gone". ``no_data``:
    the metric the goal follows has no value (no progress counted, and said so)."""
    due = goal.due_date.isoformat()
    if no_data and status not in ("achieved", "missed"):
        gone = time_gone_pct(goal, today)
        return f"{status}: no data for its metric yet, {gone:.0f} % of time gone"
    if is_kept_line(goal):
        if not is_over(goal, today):
            side = "kept" if progress >= 100 else "not kept"
            gone = time_gone_pct(goal, today)
            return (
                f"{status}: the line is {side} so far, {gone:.0f} % of time gone; "
                f"it counts on {due}"
            )
        return f"{status}: the line was {'kept' if status == 'achieved' else 'not kept'} to {due}"
    if status == "achieved":
        return "achieved: the target is reached"
    if status == "missed":
        return f"missed: {progress_text(progress)} % done by {due}"
    done = progress_text(progress)
    return f"{status}: {done} % done, {time_gone_pct(goal, today):.0f} % of time gone"


@dataclass
class GoalView:
    goal: Goal
    current: Decimal | None
    progress: float
    status: str
    days_left: int
    tasks: list[GoalTask]
    why: str = ""
    """The status in words, with what it rests on (``status_reason``)."""

    @property
    def tasks_done(self) -> int:
        return sum(1 for task in self.tasks if task.done_at is not None)


def goal_record(view: GoalView) -> dict[str, Any]:
    """A goal as the JSON of ``cxtui goals --json`` (docs/json.md): values as exact
    decimal text in the goal's unit, progress 0-100, status and why."""
    return {
        "id": view.goal.id,
        "title": view.goal.title,
        "owner": view.goal.owner,
        "target_type": view.goal.target_type,
        "metric": view.goal.metric,
        "start": str(view.goal.start_value),
        "target": str(view.goal.target_value),
        "current": None if view.current is None else str(view.current),
        "progress_pct": view.progress,
        "status": view.status,
        "why": view.why,
        "due_date": view.goal.due_date.isoformat(),
        "days_left": view.days_left,
        "archived": view.goal.archived_at is not None,
    }


def metric_values(engine: Engine, goals: list[Goal], today: date) -> dict[int, Decimal | None]:
    """Each metric-linked goal's metric over its own dates, for its scope, as of
    today; none for a goal that has not begun (its period has no data yet). Goals
    that share dates and scope share one read of only the tables their metrics need."""
    from core.metrics import Period, Scope, load_book

    values: dict[int, Decimal | None] = {}
    groups: dict[tuple[date, date, date, str | None, str | None], list[Goal]] = {}
    for goal in goals:
        if goal.metric and today < goal.start_date:
            values[goal.id or 0] = None
        elif goal.metric:
            as_of = min(today, goal.due_date)
            key = (goal.start_date, goal.due_date, as_of, goal.scope_segment, goal.scope_owner)
            groups.setdefault(key, []).append(goal)
    for (start, due, as_of, segment, owner), members in groups.items():
        keys = sorted({goal.metric for goal in members if goal.metric})
        period = Period(start, due)
        scope = Scope(segment=segment, owner=owner)
        book = load_book(engine, period, as_of, scope, keys=keys, per_account=False)
        computed = book.values(period, keys, as_of)
        for goal in members:
            value = computed.get(goal.metric or "")
            values[goal.id or 0] = None if value is None else Decimal(str(value))
    return values
