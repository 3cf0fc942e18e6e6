"""Retention goals: targets, progress, status and check-ins (``docs/metrics.md``).

A goal's target is a number, a currency amount, a percentage, done / not done, or a
list of tasks. Its current value comes from a metric of the metrics engine (for
the goal's scope, over the goal's own dates) or from the latest check-in.

- Progress = (current - start) / (target - start), clamped to 0..100 %, which is
  right whether the goal raises or lowers a value; a task list's progress is the
  share of tasks done; done / not done is 0 or 100 %.
- Status compares progress with the share of the goal's time that has elapsed:
  on track within ``on_track_points`` (10) of it, at risk within
  ``at_risk_points`` (25), off track beyond; after the due date, achieved or
  missed.
- Check-ins are history: added, never overwritten. Every change to a goal bumps
  its ``version``; a save that was prepared on an older version is refused with
  the goal's new state (optimistic concurrency), so nobody's check-in is lost.
- Definitions are history too: an edit keeps the definition it replaces in
  ``goal_revision`` (who, when, the old values), and ``goal_edits`` says what each
  edit changed. A metric-linked goal's computed value is recorded once a day.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Engine, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from core.metrics.registry import GOAL_METRICS
from core.models import Goal, GoalCheckin, GoalRevision, GoalTask, utcnow

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


@dataclass(frozen=True)
class StatusThresholds:
    on_track_points: float = 10.0
    at_risk_points: float = 25.0


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
    """A value typed for a goal of ``target_type``: "$20,000", "3.5%", "42"."""
    raw = text.strip()
    if target_type == "currency" and raw.endswith("%"):
        raise GoalError(what, f'"{raw}" is a percentage; a currency goal takes an amount')
    if target_type == "percent" and raw.startswith("$"):
        raise GoalError(what, f'"{raw}" is an amount; a percent goal takes a percentage')
    if target_type in ("number", "done", "tasks") and (raw.endswith("%") or raw.startswith("$")):
        raise GoalError(what, f'"{raw}": a {target_type} goal takes a plain number')
    cleaned = re.sub(r"[\s,$%]", "", raw)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise GoalError(what, f'"{raw}" is not a number') from None
    if not value.is_finite():
        raise GoalError(what, f'"{raw}" is not a number')
    if abs(value) >= _VALUE_LIMIT or value.as_tuple().exponent < -6:  # type: ignore[operator]
        raise GoalError(what, f'"{raw[:40]}" is out of range: at most 14 digits, 6 after the point')
    if target_type == "currency" and value != value.quantize(Decimal("0.01")):
        raise GoalError(what, f'"{raw}" has fractions of a cent')
    return value


def format_value(target_type: str, value: Decimal | None) -> str:
    if value is None:
        return "—"
    if target_type == "currency":
        return f"${value:,.2f}"
    if target_type == "percent":
        return f"{value:.1f} %"
    if target_type == "done":
        return "done" if value >= 1 else "not done"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise GoalError(what, f'"{text.strip()}" is not a date (YYYY-MM-DD)') from None


def validate_goal(form: GoalForm) -> Goal:
    """A Goal from a form, or GoalError naming the first wrong field."""
    title = form.title.strip()
    if not title:
        raise GoalError("title", "a goal needs a title")
    owner = form.owner.strip()
    if not owner:
        raise GoalError("owner", "a goal needs an owner (a person, or the team)")
    kind = form.target_type.strip().lower()
    if kind not in TARGET_TYPES:
        raise GoalError("target_type", f"must be one of {', '.join(TARGET_TYPES)}")
    start_date = _parse_day(form.start_date, "start_date")
    due_date = _parse_day(form.due_date, "due_date")
    if due_date <= start_date:
        raise GoalError("due_date", f"{due_date} is not after the start date {start_date}")
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
        start = parse_value(kind, form.start, "start") if form.start.strip() else Decimal(0)
        if target == start:
            raise GoalError("target", "equals the start value: there would be nothing to do")
        if (direction == "raise") != (target > start):
            raise GoalError(
                "direction",
                f"a goal to {direction} from {format_value(kind, start)} cannot reach "
                f"{format_value(kind, target)}",
            )
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


def create_goal(engine: Engine, form: GoalForm) -> int:
    goal = validate_goal(form)
    with Session(engine) as session:
        session.add(goal)
        session.flush()
        assert goal.id is not None
        if goal.target_type == "tasks":
            for title in form.tasks:
                if title.strip():
                    session.add(GoalTask(goal_id=goal.id, title=title.strip()))
        session.commit()
        return goal.id


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


def update_goal(
    engine: Engine, goal_id: int, form: GoalForm, expected_version: int, edited_by: str = ""
) -> None:
    """Save an edited goal as its next version. The definition it replaces is kept
    in a GoalRevision (by ``edited_by``, now), its check-ins are kept, and so is the
    done state of every task whose title is still in the list. Refused in words like
    ``create_goal``, and with GoalConflict if the goal changed since it was read."""
    edited = validate_goal(form)
    with Session(engine) as session:
        stored = session.get(Goal, goal_id)
        if stored is None:
            raise GoalError("goal", f"no goal #{goal_id}")
        if edited.target_type != stored.target_type:
            checkins = session.exec(
                select(GoalCheckin.id).where(
                    GoalCheckin.goal_id == goal_id, col(GoalCheckin.computed).is_(False)
                )
            ).all()
            if checkins:
                raise GoalError(
                    "target_type",
                    f"stays {stored.target_type}: the goal has {len(checkins)} check-ins in "
                    "those units (archive it and create a new goal instead)",
                )
        _bump_version(session, goal_id, expected_version)
        session.refresh(stored)
        existing = session.exec(
            select(GoalTask).where(GoalTask.goal_id == goal_id).order_by(col(GoalTask.id))
        ).all()
        titles = [title.strip() for title in form.tasks if title.strip()]
        if edited.target_type != "tasks":
            titles = []
        before = definition_of(stored, [task.title for task in existing])
        if before != definition_of(edited, titles):
            session.add(
                GoalRevision(
                    goal_id=goal_id,
                    version=expected_version,
                    edited_by=edited_by,
                    definition=json.dumps(before, sort_keys=True),
                )
            )
        for name in DEFINITION_FIELDS:
            setattr(stored, name, getattr(edited, name))
        session.add(stored)
        kept = {task.title for task in existing if task.title in titles}
        for task in existing:
            if task.title not in titles:
                session.delete(task)
        for title in titles:
            if title not in kept:
                session.add(GoalTask(goal_id=goal_id, title=title))
        session.commit()


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


@dataclass(frozen=True)
class GoalEdit:
    """One edit of a goal's definition: the version it replaced, who, when, and what
    changed (field -> (before, after), values as typed)."""

    version: int
    edited_at: datetime
    edited_by: str
    changes: dict[str, tuple[Any, Any]]


def goal_edits(engine: Engine, goal_id: int) -> list[GoalEdit]:
    """Every edit of the goal's definition, oldest first."""
    with Session(engine) as session:
        goal = session.get(Goal, goal_id)
        if goal is None:
            raise GoalError("goal", f"no goal #{goal_id}")
        revisions = session.exec(
            select(GoalRevision)
            .where(GoalRevision.goal_id == goal_id)
            .order_by(col(GoalRevision.version))
        ).all()
        tasks = session.exec(
            select(GoalTask.title).where(GoalTask.goal_id == goal_id).order_by(col(GoalTask.id))
        ).all()
        definitions = [json.loads(revision.definition) for revision in revisions]
        definitions.append(definition_of(goal, list(tasks)))
    edits = []
    for revision, before, after in zip(revisions, definitions, definitions[1:], strict=False):
        changes = {
            name: (before.get(name), after.get(name))
            for name in (*DEFINITION_FIELDS, "tasks")
            if before.get(name) != after.get(name)
        }
        edits.append(GoalEdit(revision.version, revision.edited_at, revision.edited_by, changes))
    return edits


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


def list_goals(
    engine: Engine,
    today: date,
    include_archived: bool = False,
    thresholds: StatusThresholds | None = None,
) -> list[GoalView]:
    query = select(Goal)
    if not include_archived:
        query = query.where(col(Goal.archived_at).is_(None))
    return _views(engine, query, today, thresholds)


def goal_view(engine: Engine, goal_id: int, today: date) -> GoalView:
    """One goal as it is now (to step or toggle it from its latest state)."""
    views = _views(engine, select(Goal).where(Goal.id == goal_id), today, None)
    if not views:
        raise GoalError("goal", f"no goal #{goal_id}")
    return views[0]


@dataclass(frozen=True)
class GoalFilter:
    """What the goals screen shows: whose goals, which status, active or archived."""

    who: str = "all"  # all, mine (owned by or scoped to the user), team (not one person's)
    status: str | None = None
    archived: bool = False

    def matches(self, view: GoalView, user: str | None) -> bool:
        goal = view.goal
        if (goal.archived_at is not None) != self.archived:
            return False
        if self.who == "mine" and (not user or user not in (goal.owner, goal.scope_owner)):
            return False
        if self.who == "team" and goal.scope_owner is not None:
            return False
        return self.status is None or view.status == self.status


def goals_in_scope(
    engine: Engine,
    today: date,
    segment: str | None,
    owner: str | None,
    thresholds: StatusThresholds | None = None,
) -> list[GoalView]:
    """The live goals scoped to an account's segment or owner (for the account 360):
    a goal whose scope names a segment and / or an owner, each of which matches.
    Whole-book goals (no scope) are left out: they are the dashboard's."""
    query = select(Goal).where(
        col(Goal.archived_at).is_(None),
        (col(Goal.scope_segment).is_not(None)) | (col(Goal.scope_owner).is_not(None)),
        (col(Goal.scope_segment).is_(None)) | (col(Goal.scope_segment) == segment),
        (col(Goal.scope_owner).is_(None)) | (col(Goal.scope_owner) == owner),
    )
    return _views(engine, query, today, thresholds)


def _views(
    engine: Engine, query: Any, today: date, thresholds: StatusThresholds | None
) -> list[GoalView]:
    """The goals ``query`` selects, by owner then due date, with their current value,
    progress, status and tasks."""
    with Session(engine) as session:
        query = query.order_by(col(Goal.owner), col(Goal.due_date), col(Goal.id))
        goals = list(session.exec(query).all())
        ids = [goal.id for goal in goals]
        tasks = session.exec(
            select(GoalTask).where(col(GoalTask.goal_id).in_(ids)).order_by(col(GoalTask.id))
        ).all()
        latest = _latest_checkins(session, ids)
    linked = metric_values(engine, goals, today)
    views = []
    for goal in goals:
        goal_tasks = [task for task in tasks if task.goal_id == goal.id]
        if goal.metric:
            current = linked[goal.id or 0]
        elif goal.target_type == "tasks":
            current = Decimal(sum(1 for task in goal_tasks if task.done_at is not None))
        else:
            current = latest.get(goal.id or 0, goal.start_value)
        done = sum(1 for task in goal_tasks if task.done_at is not None)
        progress = progress_pct(goal, current, done)
        views.append(
            GoalView(
                goal=goal,
                current=current,
                progress=progress,
                status=status_of(goal, progress, today, thresholds),
                days_left=(goal.due_date - today).days,
                tasks=goal_tasks,
            )
        )
    return views


def _latest_checkins(session: Session, goal_ids: list[int | None]) -> dict[int, Decimal]:
    rows = session.exec(
        select(GoalCheckin)
        .where(col(GoalCheckin.goal_id).in_(goal_ids))
        .order_by(col(GoalCheckin.checked_on), col(GoalCheckin.id))
    ).all()
    return {row.goal_id: row.value for row in rows}


def get_goal(engine: Engine, goal_id: int) -> Goal:
    with Session(engine) as session:
        goal = session.get(Goal, goal_id)
        if goal is None:
            raise GoalError("goal", f"no goal #{goal_id}")
        return goal


def _bump_version(session: Session, goal_id: int, expected_version: int) -> None:
    """Claim the goal for this change, or raise GoalConflict with its new state."""
    result = session.execute(
        update(Goal)
        .where(col(Goal.id) == goal_id, col(Goal.version) == expected_version)
        .values(version=Goal.version + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        goal = session.get(Goal, goal_id)
        if goal is None:
            raise GoalError("goal", f"no goal #{goal_id}")
        latest = _latest_checkins(session, [goal_id]).get(goal_id)
        raise GoalConflict(goal, latest)


def check_in(
    engine: Engine,
    goal_id: int,
    value: str | Decimal,
    checked_by: str,
    checked_on: date | None = None,
    comment: str = "",
) -> GoalCheckin:
    """Add a check-in (value, date, comment, who). Refused in words for a value the
    goal cannot take. A check-in only adds a row of history: it never conflicts with
    another one (two people checking in at once are both recorded); only edits of
    the goal itself check that nobody changed it meanwhile."""
    with Session(engine) as session:
        goal = session.get(Goal, goal_id)
        if goal is None:
            raise GoalError("goal", f"no goal #{goal_id}")
        if goal.metric:
            raise GoalError("value", f"this goal follows the metric {goal.metric}; no check-ins")
        if goal.target_type == "tasks":
            raise GoalError("value", "a task-list goal progresses by ticking its tasks")
        parsed = value if isinstance(value, Decimal) else parse_value(goal.target_type, value)
        if goal.target_type == "done" and parsed not in (0, 1):
            raise GoalError("value", "a done / not-done goal takes 1 (done) or 0 (not done)")
        checkin = GoalCheckin(
            goal_id=goal_id,
            value=parsed,
            checked_on=checked_on or date.today(),
            comment=comment.strip() or None,
            checked_by=checked_by,
        )
        session.add(checkin)
        session.commit()
        session.refresh(checkin)
        return checkin


def step(engine: Engine, view: GoalView, direction: int, checked_by: str, today: date) -> None:
    """``+`` / ``-``: a check-in one step up or down from the current value."""
    goal = view.goal
    if goal.target_type not in ("number", "currency") or goal.metric:
        raise GoalError("step", "only hand-updated number and currency goals step")
    amount = goal.step or Decimal(1)
    current = view.current if view.current is not None else goal.start_value
    check_in(
        engine,
        goal.id or 0,
        current + amount * direction,
        checked_by,
        today,
        comment=f"{'+' if direction > 0 else '-'}{format_value(goal.target_type, amount)}",
    )


def toggle_done(engine: Engine, view: GoalView, checked_by: str, today: date) -> None:
    if view.goal.target_type != "done":
        raise GoalError("goal", "only a done / not-done goal toggles")
    now_done = not (view.current is not None and view.current >= 1)
    check_in(engine, view.goal.id or 0, Decimal(int(now_done)), checked_by, today)


def toggle_task(engine: Engine, goal: Goal, task_id: int) -> None:
    with Session(engine) as session:
        task = session.get(GoalTask, task_id)
        if task is None or task.goal_id != goal.id:
            raise GoalError("task", f"no task #{task_id} in this goal")
        _bump_version(session, goal.id or 0, goal.version)
        task.done_at = None if task.done_at else utcnow()
        session.add(task)
        session.commit()


def archive(engine: Engine, goal: Goal) -> None:
    with Session(engine) as session:
        _bump_version(session, goal.id or 0, goal.version)
        stored = session.get(Goal, goal.id)
        assert stored is not None
        stored.archived_at = utcnow()
        session.commit()


def checkin_history(engine: Engine, goal_id: int) -> list[GoalCheckin]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(GoalCheckin)
                .where(GoalCheckin.goal_id == goal_id)
                .order_by(col(GoalCheckin.checked_on), col(GoalCheckin.id))
            ).all()
        )


def record_metric_values(engine: Engine, today: date, views: list[GoalView] | None = None) -> int:
    """Record each live metric-linked goal's computed value for today: one computed
    check-in per goal and day, the first of the day, kept (the schema holds it unique,
    so two runs at once cannot add two). ``views`` are the goals already computed for
    today (read again when not given). Returns how many were recorded by this call."""
    views = [
        view
        for view in (list_goals(engine, today) if views is None else views)
        if view.goal.metric
        and view.current is not None
        and view.goal.archived_at is None
        and today <= view.goal.due_date
    ]
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    recorded = 0
    with engine.begin() as connection:
        for view in views:
            insert = (
                dialect.insert(GoalCheckin)
                .values(
                    goal_id=view.goal.id,
                    value=view.current,
                    checked_on=today,
                    comment=None,
                    checked_by="cxtui",
                    computed=True,
                    created_at=utcnow(),
                )
                .on_conflict_do_nothing(
                    index_elements=["goal_id", "checked_on"], index_where=text("computed")
                )
                .returning(GoalCheckin.id)  # a row back when it was inserted
            )
            recorded += len(connection.execute(insert).all())
    return recorded
