"""A goal's progress and status: progress from start to target, the status from
progress against elapsed time, and the current values of metric-linked goals."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
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
    goal: Goal,
    progress: float,
    today: date,
    thresholds: StatusThresholds | None = None,
    no_data: bool = False,
) -> str:
    """The goal's status, which never claims more than is true:

    - a target that cannot be undone (a number or amount reached, done, every task
      done) is achieved as soon as progress reaches 100 %;
    - a line to keep (``is_kept_line``) is on track while it is kept, and achieved or
      missed only once the period is over; a line not kept so far is never on track:
      at risk, or off track when its progress from the start lags the time gone by
      more than ``at_risk_points`` (a metric with ``no_data`` yet: judged as below);
    - otherwise on track / at risk / off track against the time gone (within
      ``on_track_points`` / ``at_risk_points`` of it), missed after the due date."""
    thresholds = thresholds or StatusThresholds()
    over = is_over(goal, today)
    kept_line = is_kept_line(goal)
    if kept_line:
        if over:
            return "achieved" if progress >= 100 else "missed"
        if progress >= 100:
            return "on track"
    elif progress >= 100:
        return "achieved"
    if over:
        return "missed"
    behind = time_gone_pct(goal, today) - progress
    if kept_line and not no_data:
        return "at risk" if behind <= thresholds.at_risk_points else "off track"
    if behind <= thresholds.on_track_points:
        return "on track"
    if behind <= thresholds.at_risk_points:
        return "at risk"
    return "off track"


def status_reason(
    goal: Goal,
    status: str,
    progress: float,
    today: date,
    no_data: bool = False,
    current: Decimal | None = None,
) -> str:
    """Why the status, in words: "on track: 42 % done, 38 % of time gone". ``no_data``:
    the metric the goal follows has no value (no progress counted, and said so). A
    line to keep says its metric's value against the line: "at risk: NRR 103.9 % is
    below the 105.0 % line so far, 40 % of time gone; it counts on 2027-03-31"."""
    due = goal.due_date.isoformat()
    if no_data and status not in ("achieved", "missed"):
        gone = time_gone_pct(goal, today)
        return f"{status}: no data for its metric yet, {gone:.0f} % of time gone"
    if is_kept_line(goal):
        if not is_over(goal, today):
            gone = time_gone_pct(goal, today)
            return (
                f"{status}: {_against_line(goal, current, progress >= 100)} so far, "
                f"{gone:.0f} % of time gone; it counts on {due}"
            )
        return f"{status}: the line was {'kept' if status == 'achieved' else 'not kept'} to {due}"
    if status == "achieved":
        return "achieved: the target is reached"
    if status == "missed":
        return f"missed: {progress_text(progress)} % done by {due}"
    done = progress_text(progress)
    return f"{status}: {done} % done, {time_gone_pct(goal, today):.0f} % of time gone"


def _against_line(goal: Goal, current: Decimal | None, kept: bool) -> str:
    """The metric's value against the goal's line: "NRR 103.9 % is below the 105.0 %
    line", "Churn rate 1.6 % keeps the 3.0 % line"."""
    from core.goals.form import format_value
    from core.metrics.registry import BY_KEY

    line = format_value(goal.target_type, goal.target_value)
    if current is None:  # a caller that did not say the value
        return f"the {line} line is {'kept' if kept else 'not kept'}"
    name = BY_KEY[goal.metric or ""].title.split(",")[0]  # "NRR", not "NRR, of start MRR"
    value = f"{name} {format_value(goal.target_type, current)}"
    if kept:
        return f"{value} keeps the {line} line"
    return f"{value} is {'below' if goal.direction == 'raise' else 'above'} the {line} line"


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
        computed = _metrics_over(engine, keys, start, due, as_of, segment, owner)
        for goal in members:
            values[goal.id or 0] = computed.get(goal.metric or "")
    return values


def _metrics_over(
    engine: Engine,
    keys: list[str],
    start: date,
    end: date,
    as_of: date,
    segment: str | None,
    owner: str | None,
) -> dict[str, Decimal | None]:
    """The metrics ``keys`` over ``start``..``end`` as of ``as_of``, for a scope."""
    from core.metrics import Period, Scope, load_book

    period = Period(start, end)
    scope = Scope(segment=segment, owner=owner)
    book = load_book(engine, period, as_of, scope, keys=keys, per_account=False)
    computed = book.values(period, keys, as_of)
    return {key: None if computed.get(key) is None else Decimal(str(computed[key])) for key in keys}


def baseline_days(goal: Goal) -> tuple[date, date]:
    """The days a metric goal's start value is read over when none is typed: as many
    days as the goal runs, just before its first day (a quarter's goal starts from the
    90-odd days before it)."""
    length = goal.due_date - goal.start_date
    return goal.start_date - length - timedelta(days=1), goal.start_date - timedelta(days=1)


def baseline_value(engine: Engine, goal: Goal) -> Decimal | None:
    """The goal's metric over ``baseline_days``, for its scope, rounded as the goal
    shows it (0.1 for a percentage, 0.01 otherwise); None when it has no data."""
    first, last = baseline_days(goal)
    metric = goal.metric or ""
    value = _metrics_over(
        engine, [metric], first, last, last, goal.scope_segment, goal.scope_owner
    )[metric]
    if value is None:
        return None
    return value.quantize(Decimal("0.1") if goal.target_type == "percent" else Decimal("0.01"))
