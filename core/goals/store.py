"""Goals in the database: create, edit (keeping revisions), list with their
progress, check in (history, never overwritten), tasks, archive."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from core.goals.form import (
    DEFINITION_FIELDS,
    GoalConflict,
    GoalError,
    GoalForm,
    check_amount,
    check_start,
    definition_of,
    format_value,
    parse_value,
    validate_goal,
)
from core.goals.progress import (
    GoalView,
    StatusThresholds,
    baseline_days,
    baseline_value,
    is_over,
    metric_values,
    progress_pct,
    status_of,
    status_reason,
)
from core.models import Goal, GoalCheckin, GoalRevision, GoalTask, utcnow
from core.store.locks import begin_writing
from core.text import text_problem

COMMENT_MAX = 20_000  # a check-in's comment: as an interaction's notes


def _spell_scope(engine: Engine, goal: Goal, stored: Goal | None = None) -> None:
    """The goal's segment and account owner as the book spells them (case aside), or
    GoalError naming the field: a scope the book does not have ("smb", a typo) would
    leave a metric goal with no data and the goal out of every account's 360. An edit
    takes a scope it leaves unchanged as it is."""
    from core.scope import ScopeError, book_scope

    def typed(name: str) -> str | None:
        value = getattr(goal, name)
        return None if stored is not None and value == getattr(stored, name) else value

    try:
        scope = book_scope(engine, typed("scope_segment"), typed("scope_owner"))
    except ScopeError as error:
        raise GoalError(f"scope_{error.field}", error.problem) from None
    goal.scope_segment = scope.segment or goal.scope_segment
    goal.scope_owner = scope.owner or goal.scope_owner


def starts_from_metric(form: GoalForm) -> bool:
    """Whether the goal's start is its metric's value before it: a metric goal whose
    start was left blank."""
    return bool(form.metric.strip()) and not form.start.strip()


def metric_start(engine: Engine, goal: Goal) -> Decimal:
    """The start of a metric goal left blank: its metric over as many days as it runs,
    just before its first day (``baseline_days``), for its scope. GoalError naming the
    start when that has no value, or is already at or past the target (a start of 0
    made "NRR above 105 %" 95 % done at 100 %)."""
    from core.metrics.registry import BY_KEY

    kind, target = goal.target_type, goal.target_value
    value = baseline_value(engine, goal)
    first, last = baseline_days(goal)
    name = BY_KEY[goal.metric or ""].title.split(",")[0]
    before = f"over {first.isoformat()} to {last.isoformat()}, as long before the goal as it runs"
    if value is None:
        raise GoalError("start", f"{name} has no value {before}: type the start value")
    try:
        check_start(kind, goal.metric, goal.direction, value, target)
    except GoalError:
        side = "above" if value > target else "below" if value < target else "at"
        raise GoalError(
            "start",
            f"{name} was {format_value(kind, value)} {before}: already {side} the target "
            f"{format_value(kind, target)}; type the start value",
        ) from None
    return value


def start_words(goal: Goal) -> str:
    """What a metric goal's start, read by ``metric_start``, is: "its start, 100.0 %, is
    NRR over 2026-09-08 to 2026-12-06, as long before the goal as it runs"."""
    from core.metrics.registry import BY_KEY

    first, last = baseline_days(goal)
    name = BY_KEY[goal.metric or ""].title.split(",")[0]
    return (
        f"its start, {format_value(goal.target_type, goal.start_value)}, is {name} over "
        f"{first.isoformat()} to {last.isoformat()}, as long before the goal as it runs"
    )


def create_goal(engine: Engine, form: GoalForm) -> int:
    """Store a new goal; a metric goal whose start is blank starts from its metric's
    value before it (``metric_start``)."""
    goal = validate_goal(form)
    _spell_scope(engine, goal)
    if starts_from_metric(form):
        goal.start_value = metric_start(engine, goal)
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


def update_goal(
    engine: Engine, goal_id: int, form: GoalForm, expected_version: int, edited_by: str = ""
) -> None:
    """Save an edited goal as its next version. The definition it replaces is kept
    in a GoalRevision (by ``edited_by``, now), its check-ins are kept, and so is the
    done state of every task whose title is still in the list. Refused in words like
    ``create_goal``, and with GoalConflict if the goal changed since it was read."""
    with Session(engine) as session:
        stored = _locked_goal(session, goal_id)
        edited = validate_goal(form, stored)
        _spell_scope(engine, edited, stored)
        if starts_from_metric(form):
            edited.start_value = metric_start(engine, edited)
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
        no_data = bool(goal.metric) and current is None
        status = status_of(goal, progress, today, thresholds, no_data)
        views.append(
            GoalView(
                goal=goal,
                current=current,
                progress=progress,
                status=status,
                days_left=(goal.due_date - today).days,
                tasks=goal_tasks,
                why=status_reason(
                    goal,
                    status,
                    progress,
                    today,
                    no_data=no_data,
                    current=current,
                ),
            )
        )
    return views


def _latest_checkins(session: Session, goal_ids: list[int | None]) -> dict[int, Decimal]:
    """Each goal's value by its due date: its latest check-in dated from its start date
    to its due date (a goal is judged on its due date, as a metric goal's value is read
    over its dates; a check-in before a start date edited to after it no longer counts)."""
    rows = session.exec(
        select(GoalCheckin)
        .join(Goal, col(Goal.id) == col(GoalCheckin.goal_id))
        .where(
            col(GoalCheckin.goal_id).in_(goal_ids),
            col(GoalCheckin.checked_on) >= col(Goal.start_date),
            col(GoalCheckin.checked_on) <= col(Goal.due_date),
        )
        .order_by(col(GoalCheckin.checked_on), col(GoalCheckin.id))
    ).all()
    return {row.goal_id: row.value for row in rows}


def get_goal(engine: Engine, goal_id: int) -> Goal:
    with Session(engine) as session:
        goal = session.get(Goal, goal_id)
        if goal is None:
            raise GoalError("goal", f"no goal #{goal_id}")
        return goal


def _locked_goal(session: Session, goal_id: int) -> Goal:
    """The goal, its row locked until the change is committed: on PostgreSQL a check-in,
    a step or an edit of the goal at the same time as another waits for it, then reads
    what it wrote (both read the goal and its check-ins before either change: two +
    presses stepped from one value, and an edit of the units read no check-in while one
    was being written). Inserts of the goal's other rows are not held up. On SQLite
    the whole book is held (``begin_writing``)."""
    begin_writing(session.connection())
    goal = session.get(Goal, goal_id, with_for_update={"key_share": True})
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
    today: date | None = None,
) -> GoalCheckin:
    """Add a check-in (value, date, comment, who) on ``checked_on`` (default: today),
    never after ``today`` (default: the real today), before the goal's start date nor
    after its due date.
    Refused in words for a value or a day the goal cannot take. A check-in only adds
    a row of history: it never conflicts with another one (two people checking in at
    once are both recorded); only edits of the goal itself check that nobody changed
    it meanwhile."""
    with Session(engine) as session:
        goal = _locked_goal(session, goal_id)
        return _add_checkin(session, goal, value, checked_by, checked_on, comment, today)


def _add_checkin(
    session: Session,
    goal: Goal,
    value: str | Decimal,
    checked_by: str,
    checked_on: date | None,
    comment: str,
    today: date | None,
) -> GoalCheckin:
    """``check_in`` on the goal read (and locked) in ``session``; committed."""
    if goal.metric:
        raise GoalError("value", f"this goal follows the metric {goal.metric}; no check-ins")
    if goal.target_type == "tasks":
        raise GoalError("value", "a task-list goal progresses by ticking its tasks")
    if problem := text_problem(comment.strip(), COMMENT_MAX):
        raise GoalError("comment", problem)
    parsed = value if isinstance(value, Decimal) else parse_value(goal.target_type, value)
    check_amount(goal.target_type, goal.metric, parsed, "value")
    if goal.target_type == "done" and parsed not in (0, 1):
        raise GoalError("value", "a done / not-done goal takes 1 (done) or 0 (not done)")
    today = today or date.today()
    if checked_on is not None and checked_on > today:
        raise GoalError(
            "checked_on", f"{checked_on.isoformat()} is after today: a check-in is not a plan"
        )
    day = checked_on or today
    check_running(goal, day, "checked_on", "date the check-in {due} or before, or ")
    checkin = GoalCheckin(
        goal_id=goal.id or 0,
        value=parsed,
        checked_on=day,
        comment=comment.strip() or None,
        checked_by=checked_by,
    )
    session.add(checkin)
    session.commit()
    session.refresh(checkin)
    return checkin


def check_running(goal: Goal, day: date, field: str, instead: str = "") -> None:
    """GoalError unless the goal takes a value dated ``day`` (a check-in, a tick): it
    is not archived, and ``day`` is from its start date to its due date."""
    if goal.archived_at is not None:
        raise GoalError(
            "goal",
            f"it was archived on {goal.archived_at:%Y-%m-%d}: it takes no more check-ins "
            "(its history is kept)",
        )
    if day < goal.start_date:
        raise GoalError(
            field,
            f"{day.isoformat()} is before the goal's start on {goal.start_date.isoformat()}: "
            "it had not begun",
        )
    if is_over(goal, day):
        raise GoalError(field, ended_words(goal, instead))


def not_counted(goal: Goal, day: date) -> str | None:
    """Why a check-in dated ``day`` no longer counts toward the goal's value (its dates
    were edited around it: ``_latest_checkins``), in words; None when it counts."""
    if day < goal.start_date:
        return f"before the start ({goal.start_date.isoformat()}): not counted"
    if day > goal.due_date:
        return f"after the due date ({goal.due_date.isoformat()}): not counted"
    return None


def ended_words(goal: Goal, instead: str = "") -> str:
    """Why nothing after the goal's due date counts, and what to do instead."""
    due = goal.due_date.isoformat()
    return (
        f"the goal was due on {due}: a value after it does not count "
        f"({instead.format(due=due)}edit the due date)"
    )


def can_step(goal: Goal) -> bool:
    """Whether ``+`` / ``-`` step the goal: a hand-updated number or currency goal."""
    return goal.target_type in ("number", "currency") and not goal.metric


def step_size(goal: Goal) -> Decimal:
    """What one ``+`` / ``-`` adds: the goal's step, or, with none set, a twentieth of
    the way from its start to its target rounded down to 1, 2 or 5 times a power of
    ten, at least 1: $200 on a $5,000 goal, $1,000 on $20,000, 1 from 20 to 50 (a step
    of $1 moved a $20,000 goal by nothing anyone meant)."""
    if goal.step:
        return goal.step
    share = abs(goal.target_value - goal.start_value) / 20
    if share <= 1:
        return Decimal(1)
    power = Decimal(10) ** (len(str(int(share))) - 1)
    nice = max(m for m in (1, 2, 5) if m * power <= share)
    return nice * power


def step(
    engine: Engine, view: GoalView, steps: int, checked_by: str, today: date
) -> GoalCheckin | None:
    """``+`` / ``-`` pressed ``steps`` times (negative: down): one check-in that many
    steps (``step_size``) from the current value as stored when it is written (another
    user's step meanwhile counts too), returned; nothing for 0."""
    if not can_step(view.goal):
        raise GoalError("step", "only hand-updated number and currency goals step")
    if steps == 0:
        return None
    with Session(engine) as session:
        goal = _locked_goal(session, view.goal.id or 0)
        amount = step_size(goal) * steps
        current = _latest_checkins(session, [goal.id]).get(goal.id or 0, goal.start_value)
        comment = f"{'+' if steps > 0 else '-'}{format_value(goal.target_type, abs(amount))}"
        return _add_checkin(session, goal, current + amount, checked_by, today, comment, today)


def toggle_done(engine: Engine, view: GoalView, checked_by: str, today: date) -> None:
    if view.goal.target_type != "done":
        raise GoalError("goal", "only a done / not-done goal toggles")
    now_done = not (view.current is not None and view.current >= 1)
    check_in(engine, view.goal.id or 0, Decimal(int(now_done)), checked_by, today)


def toggle_task(engine: Engine, goal: Goal, task_id: int, today: date | None = None) -> None:
    """Tick or untick a task of a task-list goal; refused, as a check-in is, on an
    archived goal, before its start date and after its due date (``today``, default the
    real today): the goal was judged then."""
    check_running(goal, today or date.today(), "task")
    with Session(engine) as session:
        task = session.get(GoalTask, task_id)
        if task is None or task.goal_id != goal.id:
            raise GoalError("task", f"no task #{task_id} in this goal")
        _bump_version(session, goal.id or 0, goal.version)
        task.done_at = None if task.done_at else utcnow()
        session.add(task)
        session.commit()


def archive(engine: Engine, goal: Goal, archived: bool = True) -> None:
    """Archive the goal (its history kept), or with ``archived`` False bring it back:
    an archive undone."""
    with Session(engine) as session:
        _bump_version(session, goal.id or 0, goal.version)
        stored = session.get(Goal, goal.id)
        assert stored is not None
        stored.archived_at = utcnow() if archived else None
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
        and not is_over(view.goal, today)
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
