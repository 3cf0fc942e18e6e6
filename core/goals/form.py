"""A goal as typed in the form: its fields, their validation (``GoalError`` naming
the field), values parsed and shown by target type, and a goal's definition."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from core.metrics.registry import GOAL_METRICS
from core.models import Goal, GoalTask
from core.periods import Period
from core.text import shortened, text_problem

TARGET_TYPES = ("number", "currency", "percent", "done", "tasks")
STATUSES = ("on track", "at risk", "off track", "achieved", "missed")
DIRECTIONS = ("raise", "lower")
# Metrics a goal can follow, with the target type their values have.
LINKABLE_METRICS = GOAL_METRICS
# What a goal's definition is: the fields an edit replaces (and its task titles).
DEFINITION_FIELDS = (
    "title",
    "owner",
    "scope_segment",
    "scope_owner",
    "start_date",
    "due_date",
    "target_type",
    "start_value",
    "target_value",
    "direction",
    "metric",
    "step",
)


class GoalError(ValueError):
    """Input that was refused, in words, naming the field; nothing was written."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.problem = message
        super().__init__(f"{field}: {message}")


class GoalConflict(Exception):
    """Somebody else changed the goal since it was read; nothing was written."""

    def __init__(self, goal: Goal, current: Decimal | None) -> None:
        self.goal = goal
        self.current = current
        shown = "no value" if current is None else format_value(goal.target_type, current)
        super().__init__(
            f'"{goal.title}" was changed by someone else (now {shown}); '
            "look at the new value and save again"
        )


@dataclass
class GoalForm:
    """A goal as typed in a form or on the command line (text values)."""

    title: str
    owner: str
    start_date: str
    due_date: str
    target_type: str
    target: str = ""
    start: str = ""
    direction: str = "raise"
    metric: str = ""
    scope_segment: str = ""
    scope_owner: str = ""
    step: str = ""
    tasks: list[str] = field(default_factory=list)


# What both databases store exactly (PostgreSQL NUMERIC(20, 6)): 14 digits, 6 decimals.
_VALUE_LIMIT = Decimal(10) ** 14


def parse_value(target_type: str, text: str, what: str = "value") -> Decimal:
    """A value typed for a goal of ``target_type``: "$20,000", "3.5%", "42"; read as
    every typed number is (``core.numbers.typed_number``: "1,5" is 1.5, "1,500" is
    1500; "1e3", "1 500" and other digits than 0-9 are refused), within what the
    goal table stores. GoalError naming the field ``what`` otherwise."""
    from core.numbers import AMOUNT, NUMBER, PERCENT, NumberError, typed_number

    raw = text.strip()
    shown = shortened(raw, 40)  # as quoted back: a 10,000-character paste is not repeated
    signed = raw.lstrip("+-").lstrip()
    if target_type == "currency" and raw.endswith("%"):
        raise GoalError(what, f'"{shown}" is a percentage; a currency goal takes an amount')
    if target_type == "percent" and signed.startswith("$"):
        raise GoalError(what, f'"{shown}" is an amount; a percent goal takes a percentage')
    if target_type in ("number", "done", "tasks") and (raw.endswith("%") or signed.startswith("$")):
        raise GoalError(what, f'"{shown}": a {target_type} goal takes a plain number')
    unit = {"currency": AMOUNT, "percent": PERCENT}.get(target_type, NUMBER)
    try:
        value = typed_number(raw, unit)
    except NumberError as error:
        raise GoalError(what, str(error)) from None
    if abs(value) >= _VALUE_LIMIT or value.as_tuple().exponent < -6:  # type: ignore[operator]
        raise GoalError(what, f'"{shown}" is out of range: at most 14 digits, 6 after the point')
    return value


def format_value(target_type: str, value: Decimal | None) -> str:
    if value is None:
        return "—"
    if target_type == "currency":
        return f"{'-' if value < 0 else ''}${abs(value):,.2f}"
    if target_type == "percent":
        return f"{value:.1f} %"
    if target_type == "done":
        return "done" if value >= 1 else "not done"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


NET_CHANGE_METRICS = ("net_new_mrr",)
"""Currency metrics that are a net change: below zero when more is lost than won."""


def check_amount(kind: str, metric: str | None, value: Decimal, what: str) -> None:
    """GoalError for an amount below zero on a currency goal: no MRR, expansion or
    pipeline is worth less than nothing (an MRR target of -$500 was taken). A goal
    that follows a net change (``NET_CHANGE_METRICS``) may be below zero."""
    if kind == "currency" and value < 0 and metric not in NET_CHANGE_METRICS:
        raise GoalError(
            what, f"{format_value(kind, value)} is below zero: an amount of money is $0 or more"
        )


def goal_dates(start: str, due: str, today: date) -> tuple[date, date]:
    """A goal's first and due days as a person types them, in the one grammar of dates
    (``core.dates.parse_day``: ISO, today, next monday, +7d...): a due day of +90d or
    +12w is the goal's length, from its first day; today, next monday or a date is a
    day of the calendar. GoalError naming the field otherwise."""
    first = _parse_day(start, "start_date", today)
    since = first if due.strip().startswith(("+", "-")) else today
    return first, _parse_day(due, "due_date", since)


def _parse_day(text: str, what: str, today: date) -> date:
    """A day counted from ``today`` that the metrics' date arithmetic can reach
    (``in_range``): a goal from 0001-01-01 was taken and then failed every read of the
    goals."""
    from core.dates import parse_day

    try:
        return parse_day(text, today, what)
    except ValueError as error:  # a DateRangeError too
        raise GoalError(what, str(error).removeprefix(f"{what}: ")) from None


# What the goal table stores of each text field (the same on SQLite and PostgreSQL).
_TEXT_LIMITS = {"title": 200, "owner": 80, "scope_segment": 40, "scope_owner": 80}


def _check_texts(form: GoalForm) -> None:
    """GoalError for a text field too long for its column, or holding a NUL."""
    for name, limit in _TEXT_LIMITS.items():
        if problem := text_problem(getattr(form, name).strip(), limit):
            raise GoalError(name, problem)
    for task in form.tasks:
        if problem := text_problem(task.strip(), 200):
            raise GoalError("tasks", f'"{shortened(task, 40)}": {problem}')


GOAL_PERIODS = ("month", "quarter", "year")
_TITLED = re.compile(r"\bthis (month|quarter|year)\b", re.IGNORECASE)


def calendar_period(kind: str, day: date) -> Period:
    """The calendar month, quarter or year containing ``day``."""
    return {"month": Period.month_of, "quarter": Period.quarter_of, "year": Period.year_of}[kind](
        day
    )


def titled_period(title: str, start_date: date) -> Period | None:
    """The calendar period a title names ("churn below 3 % this quarter"), as it
    contains the goal's start date; None when the title names none."""
    found = _TITLED.search(title)
    return None if found is None else calendar_period(found.group(1).lower(), start_date)


def _check_titled_period(title: str, start_date: date, due_date: date) -> None:
    """A goal whose title says "this quarter" runs over that calendar quarter, so its
    figures (a metric over the goal's dates) are the quarter's."""
    period = titled_period(title, start_date)
    if period is not None and (period.start, period.end) != (start_date, due_date):
        words = _TITLED.search(title).group(0)  # type: ignore[union-attr]
        raise GoalError(
            "start_date",
            f'the title says "{words}": run it from {period.start} to {period.end}, '
            "or change the title",
        )


def _check_metric_direction(metric: str, direction: str) -> None:
    """GoalError for a goal that moves its metric the wrong way (churn raised, NPS
    lowered): its progress would count the metric getting worse, and its line read
    "kept" the wrong side of it."""
    from core.metrics.registry import BY_KEY

    known = BY_KEY[metric]
    better, side = ("raise", "below") if known.higher_is_better else ("lower", "above")
    if direction != better:
        raise GoalError(
            "direction",
            f"{known.title} is better {'higher' if known.higher_is_better else 'lower'}: "
            f"a goal to {direction} it counts it getting worse as progress; to {better} "
            f"it, start {side} the target",
        )


def _check_metric_range(metric: str, kind: str, values: dict[str, Decimal]) -> None:
    """GoalError for a start or target a metric never takes: an NPS beyond -100..100,
    a share beyond 0..100 %. Such a goal could never be reached, or never have begun."""
    from core.metrics.registry import BY_KEY

    bounds = BY_KEY[metric].bounds
    if bounds is None:
        return
    low, high = bounds
    span = "up" if high is None else f"to {format_value(kind, high)}"
    for name, value in values.items():
        if value < low or (high is not None and value > high):
            raise GoalError(
                name,
                f"{BY_KEY[metric].title} runs from {format_value(kind, low)} {span}: "
                f"{format_value(kind, value)} is out of its range",
            )


def check_start(
    kind: str, metric: str | None, direction: str, start: Decimal, target: Decimal
) -> None:
    """GoalError for a start value the goal cannot go from to its target."""
    check_amount(kind, metric, start, "start")
    if target == start:
        raise GoalError("target", "equals the start value: there would be nothing to do")
    if (direction == "raise") != (target > start):
        raise GoalError(
            "direction",
            f"a goal to {direction} from {format_value(kind, start)} cannot reach "
            f"{format_value(kind, target)}",
        )
    if metric is not None:
        _check_metric_range(metric, kind, {"start": start})


def validate_goal(form: GoalForm, before: Goal | None = None, today: date | None = None) -> Goal:
    """A Goal from a form, or GoalError naming the first wrong field. ``before``: the
    goal an edit replaces, whose title and dates, left as they were, are not judged
    again (a goal stored before a rule, or loaded with the demo's shifted dates).
    ``today`` (default: the real one): what the dates typed as today or +90d count from
    (``goal_dates``). A metric goal whose start is left blank is checked without one:
    ``create_goal`` and ``update_goal`` give it the metric's value before the goal
    (``core.goals.store.metric_start``) and check it then."""
    title = form.title.strip()
    if not title:
        raise GoalError("title", "a goal needs a title")
    owner = form.owner.strip()
    if not owner:
        raise GoalError("owner", "a goal needs an owner (a person, or the team)")
    _check_texts(form)
    kind = form.target_type.strip().lower()
    if kind not in TARGET_TYPES:
        raise GoalError("target_type", f"must be one of {', '.join(TARGET_TYPES)}")
    start_date, due_date = goal_dates(form.start_date, form.due_date, today or date.today())
    if due_date <= start_date:
        raise GoalError("due_date", f"{due_date} is not after the start date {start_date}")
    kept = before is not None and (before.title, before.start_date, before.due_date) == (
        title,
        start_date,
        due_date,
    )
    if not kept:
        _check_titled_period(title, start_date, due_date)
    direction = form.direction.strip().lower() or "raise"
    if direction not in DIRECTIONS:
        raise GoalError("direction", "must be raise or lower")
    metric = form.metric.strip() or None
    if metric is not None:
        if metric not in LINKABLE_METRICS:
            raise GoalError("metric", f"must be one of {', '.join(LINKABLE_METRICS)}")
        if LINKABLE_METRICS[metric] != kind:
            raise GoalError(
                "metric", f"{metric} is a {LINKABLE_METRICS[metric]} value, not a {kind}"
            )
    if kind == "done":
        start, target = Decimal(0), Decimal(1)
    elif kind == "tasks":
        titles = [task.strip() for task in form.tasks if task.strip()]
        if not titles:
            raise GoalError("tasks", "a task-list goal needs at least one task")
        twice = sorted({title for title in titles if titles.count(title) > 1})
        if twice:
            raise GoalError("tasks", f'"{twice[0]}" is listed twice')
        start, target = Decimal(0), Decimal(len(titles))
    else:
        if not form.target.strip():
            raise GoalError("target", "a target is required")
        target = parse_value(kind, form.target, "target")
        typed = form.start.strip()
        start = parse_value(kind, form.start, "start") if typed else Decimal(0)
        check_amount(kind, metric, start, "start")
        check_amount(kind, metric, target, "target")
        if typed or metric is None:  # else create_goal reads it (metric_start)
            check_start(kind, metric, direction, start, target)
    if metric is not None:
        _check_metric_direction(metric, direction)
        _check_metric_range(metric, kind, {"target": target})
    step = parse_value(kind, form.step, "step") if form.step.strip() else None
    if step is not None and (kind not in ("number", "currency") or step <= 0):
        raise GoalError("step", "only number and currency goals step, by a positive amount")
    return Goal(
        title=title,
        owner=owner,
        scope_segment=form.scope_segment.strip() or None,
        scope_owner=form.scope_owner.strip() or None,
        start_date=start_date,
        due_date=due_date,
        target_type=kind,
        start_value=start,
        target_value=target,
        direction=direction,
        metric=metric,
        step=step,
    )


def _plain(value: Decimal | None) -> str:
    """A stored value as a person would type it again: 20000, 3.5."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def form_of(goal: Goal, tasks: list[GoalTask]) -> GoalForm:
    """The form that would create ``goal`` (to edit it)."""
    return GoalForm(
        title=goal.title,
        owner=goal.owner,
        start_date=goal.start_date.isoformat(),
        due_date=goal.due_date.isoformat(),
        target_type=goal.target_type,
        target="" if goal.target_type in ("done", "tasks") else _plain(goal.target_value),
        start="" if goal.target_type in ("done", "tasks") else _plain(goal.start_value),
        direction=goal.direction,
        metric=goal.metric or "",
        scope_segment=goal.scope_segment or "",
        scope_owner=goal.scope_owner or "",
        step=_plain(goal.step),
        tasks=[task.title for task in tasks],
    )


def definition_of(goal: Goal, task_titles: list[str]) -> dict[str, Any]:
    """A goal's definition as JSON-able values, as typed (dates ISO, numbers plain)."""
    values: dict[str, Any] = {}
    for name in DEFINITION_FIELDS:
        value = getattr(goal, name)
        if isinstance(value, Decimal):
            value = _plain(value)
        elif isinstance(value, date):
            value = value.isoformat()
        values[name] = value
    if goal.target_type == "tasks":
        values["tasks"] = list(task_titles)
    return values
