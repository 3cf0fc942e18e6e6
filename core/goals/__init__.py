"""Retention goals: targets, progress, status and check-ins (``docs/metrics.md``).

A goal's target is a number, a currency amount, a percentage, done / not done, or a
list of tasks. Its current value comes from a metric of the metrics engine (for
the goal's scope, over the goal's own dates) or from the latest check-in by its due date.

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

from core.goals.form import (
    DEFINITION_FIELDS,
    DIRECTIONS,
    LINKABLE_METRICS,
    STATUSES,
    TARGET_TYPES,
    GoalConflict,
    GoalError,
    GoalForm,
    definition_of,
    form_of,
    format_value,
    parse_value,
    validate_goal,
)
from core.goals.progress import (
    GoalView,
    StatusThresholds,
    goal_record,
    metric_values,
    progress_pct,
    status_of,
)
from core.goals.store import (
    GoalEdit,
    GoalFilter,
    archive,
    can_step,
    check_in,
    checkin_history,
    create_goal,
    get_goal,
    goal_edits,
    goal_view,
    goals_in_scope,
    list_goals,
    not_counted,
    record_metric_values,
    step,
    toggle_done,
    toggle_task,
    update_goal,
)

__all__ = [
    "DEFINITION_FIELDS",
    "DIRECTIONS",
    "LINKABLE_METRICS",
    "STATUSES",
    "TARGET_TYPES",
    "GoalConflict",
    "GoalEdit",
    "GoalError",
    "GoalFilter",
    "GoalForm",
    "GoalView",
    "StatusThresholds",
    "archive",
    "can_step",
    "check_in",
    "checkin_history",
    "create_goal",
    "definition_of",
    "form_of",
    "format_value",
    "get_goal",
    "goal_edits",
    "goal_record",
    "goal_view",
    "goals_in_scope",
    "list_goals",
    "metric_values",
    "not_counted",
    "parse_value",
    "progress_pct",
    "record_metric_values",
    "status_of",
    "step",
    "toggle_done",
    "toggle_task",
    "update_goal",
    "validate_goal",
]
