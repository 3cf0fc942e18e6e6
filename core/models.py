"""The schema: every table cxtui stores, as SQLModel classes.

Money is integer cents (``*_cents``), never a float. Dates are ``date``, moments
are timezone-aware UTC ``datetime``. ``docs/metrics.md`` says what each table is for.
Schema changes go through an Alembic migration in ``core/store/migrations/versions``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    Numeric,
    String,
    UniqueConstraint,
    event,
    false,
    inspect,
    text,
)
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from core.accounts.field_names import FIELD_TYPES
from core.kinds import (
    ENGAGEMENT_KINDS_SQL,
    AccountStatus,
    InteractionKind,
    MrrMovementKind,
    SurveyKind,
    TicketPriority,
)
from core.store.sqlite_moments import MICROS_ON_SQLITE


def utcnow() -> datetime:
    """The current moment, timezone-aware in UTC, the form every stored datetime takes."""
    return datetime.now(UTC)


class ExactDecimal(TypeDecorator):
    """A Decimal stored exactly: NUMERIC on PostgreSQL, text on SQLite (which has no decimal)."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect):  # type: ignore[no-untyped-def]
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(20, 6))
        return dialect.type_descriptor(String(40))

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        value = Decimal(value)
        return value if dialect.name == "postgresql" else str(value)

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        return None if value is None else Decimal(value)


class Account(SQLModel, table=True):
    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("mrr_cents >= 0", name="ck_account_mrr_non_negative"),
        CheckConstraint("status IN ('active', 'onboarding', 'churned')", name="ck_account_status"),
        Index("ix_account_owner", "owner"),
        Index("ix_account_segment", "segment"),
        Index("ix_account_status", "status"),
        Index("ix_account_renewal_date", "renewal_date"),
        Index("ix_account_name", "name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    name: str = Field(max_length=200)
    segment: str = Field(max_length=40)
    plan: str = Field(max_length=40)
    owner: str = Field(max_length=80)
    mrr_cents: int = 0
    seats: int = 0
    start_date: date | None = None  # None: a customer since before the records begin
    renewal_date: date | None = None
    status: str = Field(default=AccountStatus.ACTIVE, max_length=16)
    churned_at: date | None = None
    # The day cxtui learned of a churn whose date is unknown (churned_at None).
    churn_recorded_on: date | None = None
    onboarding_completed_at: date | None = None
    # The customer asked to cancel: it pays until its renewal date and leaves then
    # (Stripe's Cancel At Period End, Chargebee's non_renewing; migration 0018).
    cancels_at_renewal: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_at: datetime = Field(default_factory=utcnow)


class Contact(SQLModel, table=True):
    __tablename__ = "contact"
    __table_args__ = (Index("ix_contact_account", "account_id"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", ondelete="CASCADE")
    name: str = Field(max_length=120)
    email: str | None = Field(default=None, max_length=200)
    role: str | None = Field(default=None, max_length=80)
    is_primary: bool = False


class Interaction(SQLModel, table=True):
    __tablename__ = "interaction"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('call', 'email', 'meeting', 'qbr', 'note', 'referral', 'training',"
            " 'community')",
            name="ck_interaction_kind",
        ),
        CheckConstraint(
            "sentiment IS NULL OR sentiment IN (-1, 0, 1)", name="ck_interaction_sentiment"
        ),
        # Reads by date go per account through this index (migration 0005).
        Index("ix_interaction_account_occurred", "account_id", "occurred_at"),
        # The few referrals, trainings and community events, by date, for the
        # engagement rates, without a scan of every interaction (migration 0008).
        Index(
            "ix_interaction_engagement",
            "occurred_at",
            sqlite_where=text(ENGAGEMENT_KINDS_SQL),
            postgresql_where=text(ENGAGEMENT_KINDS_SQL),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", ondelete="CASCADE")
    contact_id: int | None = Field(default=None, foreign_key="contact.id", ondelete="SET NULL")
    kind: str = Field(max_length=16)
    occurred_at: datetime
    logged_by: str = Field(max_length=80)
    summary: str = Field(max_length=300)
    notes: str | None = None
    sentiment: int | None = None
    follow_up_on: date | None = None
    deleted_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime | None = None


class Revision(SQLModel):
    """The previous values of an edited entry: who changed what, and when.
    ``changes`` is JSON: field -> [old value, new value]. Each table adds the entry's id."""

    id: int | None = Field(default=None, primary_key=True)
    edited_at: datetime = Field(default_factory=utcnow)
    edited_by: str = Field(max_length=80)
    changes: str


class InteractionRevision(Revision, table=True):
    """The previous version of an edited interaction."""

    __tablename__ = "interaction_revision"
    __table_args__ = (Index("ix_interaction_revision_interaction", "interaction_id"),)

    interaction_id: int = Field(foreign_key="interaction.id", ondelete="CASCADE")


class DailyUsage(SQLModel, table=True):
    __tablename__ = "daily_usage"
    __table_args__ = (
        CheckConstraint("active_users >= 0 AND logins >= 0", name="ck_usage_non_negative"),
        # No index on day: reads by date seek each account's range of the primary
        # key (migration 0005). SQLite: rows stored in key order in one B-tree
        # (bulk inserts 1.3-1.5x faster).
        {"sqlite_with_rowid": False},
    )

    account_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE")
    day: date = Field(primary_key=True)
    active_users: int = 0
    logins: int = 0


class MonthlyUsage(SQLModel, table=True):
    """``daily_usage`` summed per account and month, for the metrics: kept exact by
    every write to ``daily_usage`` (``core.store.rollup``), never written on its own."""

    __tablename__ = "monthly_usage"
    __table_args__ = (
        # Covers the metrics' read of a window's months: without it each read went
        # through every month of the table (a month of 100k accounts: 0.13 -> 0.06 s);
        # by days of data next, the whole book's read sums it in its order (migration 0017).
        Index(
            "ix_monthly_usage_month", "month", "day_bits", "account_id", "users_sum", "users_max"
        ),
        {"sqlite_with_rowid": False},
    )

    account_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE")
    month: date = Field(primary_key=True)  # the first day of the month
    users_sum: int = Field(sa_column=Column(BigInteger, nullable=False))  # active users, summed
    users_max: int  # the most active users on one day of the month
    day_bits: int = Field(sa_column=Column(BigInteger, nullable=False))  # bit d: data on day d


@event.listens_for(DailyUsage, "after_insert")
@event.listens_for(DailyUsage, "after_update")
@event.listens_for(DailyUsage, "after_delete")
def _keep_monthly_usage(mapper, connection, target):  # type: ignore[no-untyped-def]
    """ORM writes of daily usage (one object at a time) recompute their months."""
    from core.store.rollup import refresh_usage_months

    state = inspect(target)
    accounts = {target.account_id, *state.attrs.account_id.history.deleted}
    days = {target.day, *state.attrs.day.history.deleted}
    refresh_usage_months(
        connection, connection.dialect.name, [(a, d) for a in accounts for d in days]
    )


class SurveyResponse(SQLModel, table=True):
    __tablename__ = "survey_response"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'nps' AND score BETWEEN 0 AND 10)"
            " OR (kind = 'csat' AND score BETWEEN 1 AND 5)",
            name="ck_survey_score_range",
        ),
        Index("ix_survey_account_answered", "account_id", "answered_at"),
        # Covers the metrics' read of a window of live answers: no table row is visited.
        Index(
            "ix_survey_answered",
            "answered_at",
            "account_id",
            "kind",
            "score",
            "deleted_at",
            info={MICROS_ON_SQLITE: ("answered_at",)},
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", ondelete="CASCADE")
    contact_id: int | None = Field(default=None, foreign_key="contact.id", ondelete="SET NULL")
    kind: str = Field(max_length=8)
    score: int
    answered_at: datetime
    comment: str | None = None
    logged_by: str | None = Field(default=None, max_length=80)  # None: imported, not typed
    deleted_at: datetime | None = None  # soft-deleted: every metric and health read skips it


class SurveyRevision(Revision, table=True):
    """The previous values of an edited survey answer."""

    __tablename__ = "survey_revision"
    __table_args__ = (Index("ix_survey_revision_survey", "survey_id"),)

    survey_id: int = Field(foreign_key="survey_response.id", ondelete="CASCADE")


_TICKET_MOMENTS = ("opened_at", "first_response_at", "resolved_at")
"""What the ticket reads select as moments: held by their indexes on SQLite."""


class Ticket(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_account_opened", "account_id", "opened_at"),
        # Covers the metrics' read of a window of tickets: no table row is visited.
        Index(
            "ix_ticket_opened",
            "opened_at",
            "resolved_at",
            "first_response_at",
            "account_id",
            info={MICROS_ON_SQLITE: _TICKET_MOMENTS},
        ),
        # Covers the tickets opened before a window and still open at its start.
        Index(
            "ix_ticket_resolved",
            "resolved_at",
            "opened_at",
            "first_response_at",
            "account_id",
            info={MICROS_ON_SQLITE: _TICKET_MOMENTS},
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", ondelete="CASCADE")
    subject: str = Field(default="", max_length=300)
    priority: str = Field(default=TicketPriority.NORMAL, max_length=16)
    opened_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None


class MrrMovement(SQLModel, table=True):
    """A dated change of an account's MRR. ``amount_cents`` is signed: contraction
    and churn are negative, new, expansion and reactivation positive."""

    __tablename__ = "mrr_movement"
    __table_args__ = (
        CheckConstraint(
            "(kind IN ('new', 'expansion', 'reactivation') AND amount_cents > 0)"
            " OR (kind IN ('contraction', 'churn') AND amount_cents < 0)",
            name="ck_mrr_movement_sign",
        ),
        Index("ix_mrr_movement_account_date", "account_id", "occurred_on"),
        Index("ix_mrr_movement_date", "occurred_on", "account_id", "kind", "amount_cents"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", ondelete="CASCADE")
    occurred_on: date
    kind: str = Field(max_length=16)
    amount_cents: int


class Purchase(SQLModel, table=True):
    __tablename__ = "purchase"
    __table_args__ = (
        CheckConstraint("amount_cents >= 0", name="ck_purchase_amount_non_negative"),
        Index("ix_purchase_account_at", "account_id", "purchased_at"),
        Index("ix_purchase_at", "purchased_at", "account_id", "amount_cents"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", ondelete="CASCADE")
    purchased_at: datetime
    amount_cents: int
    description: str | None = None


class RetentionCost(SQLModel, table=True):
    """What retention work cost (people, tools, programmes), for the customer retention cost."""

    __tablename__ = "retention_cost"
    __table_args__ = (Index("ix_retention_cost_incurred", "incurred_on"),)

    id: int | None = Field(default=None, primary_key=True)
    incurred_on: date
    amount_cents: int
    category: str = Field(default="", max_length=80)
    description: str | None = None


class Goal(SQLModel, table=True):
    __tablename__ = "goal"
    __table_args__ = (
        CheckConstraint(
            "target_type IN ('number', 'currency', 'percent', 'done', 'tasks')",
            name="ck_goal_target_type",
        ),
        CheckConstraint("direction IN ('raise', 'lower')", name="ck_goal_direction"),
        Index("ix_goal_owner", "owner"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    owner: str = Field(max_length=80)
    scope_segment: str | None = Field(default=None, max_length=40)
    scope_owner: str | None = Field(default=None, max_length=80)
    start_date: date
    due_date: date
    target_type: str = Field(max_length=16)
    start_value: Decimal = Field(default=Decimal(0), sa_type=ExactDecimal)
    target_value: Decimal = Field(default=Decimal(1), sa_type=ExactDecimal)
    direction: str = Field(default="raise", max_length=8)
    metric: str | None = Field(default=None, max_length=60)
    step: Decimal | None = Field(default=None, sa_type=ExactDecimal)
    archived_at: datetime | None = None
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)


class GoalRevision(SQLModel, table=True):
    """A goal's definition as it was before an edit replaced it: ``version`` is the
    version it had, ``definition`` its fields as JSON (title, target, dates...)."""

    __tablename__ = "goal_revision"
    __table_args__ = (UniqueConstraint("goal_id", "version", name="uq_goal_revision_goal_version"),)

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", ondelete="CASCADE")
    version: int
    edited_at: datetime = Field(default_factory=utcnow)
    edited_by: str = Field(default="", max_length=80)
    definition: str


class GoalTask(SQLModel, table=True):
    __tablename__ = "goal_task"
    __table_args__ = (Index("ix_goal_task_goal", "goal_id"),)

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", ondelete="CASCADE")
    title: str = Field(max_length=200)
    done_at: datetime | None = None


class GoalCheckin(SQLModel, table=True):
    """A goal's progress at a date. History: check-ins are added, never overwritten."""

    __tablename__ = "goal_checkin"
    __table_args__ = (
        Index("ix_goal_checkin_goal_on", "goal_id", "checked_on"),
        # One computed (metrics) value per goal and day; people's check-ins are free.
        Index(
            "ux_goal_checkin_computed_day",
            "goal_id",
            "checked_on",
            unique=True,
            sqlite_where=text("computed"),
            postgresql_where=text("computed"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", ondelete="CASCADE")
    value: Decimal = Field(sa_type=ExactDecimal)
    checked_on: date
    comment: str | None = None
    checked_by: str = Field(default="", max_length=80)
    computed: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Task(SQLModel, table=True):
    """Work for a CS manager. ``rule`` + ``occurrence_key`` is unique, so a playbook
    rule fires once per occurrence."""

    __tablename__ = "task"
    __table_args__ = (
        UniqueConstraint("rule", "occurrence_key", name="uq_task_rule_occurrence"),
        CheckConstraint("source IN ('rule', 'follow_up', 'manual')", name="ck_task_source"),
        Index("ix_task_owner_due", "owner", "due_on"),
        Index("ix_task_account", "account_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int | None = Field(default=None, foreign_key="account.id", ondelete="CASCADE")
    interaction_id: int | None = Field(
        default=None, foreign_key="interaction.id", ondelete="SET NULL"
    )
    owner: str = Field(max_length=80)
    title: str = Field(max_length=300)
    due_on: date
    source: str = Field(max_length=16)
    rule: str | None = Field(default=None, max_length=60)
    occurrence_key: str | None = Field(default=None, max_length=200)
    completed_at: datetime | None = None
    snoozed_until: date | None = None
    created_at: datetime = Field(default_factory=utcnow)


class TaskEvent(SQLModel, table=True):
    """Who did what to a task, and when: made by hand, done, reopened, snoozed (with
    the day it comes back), woken (back before that day). The task keeps its current
    state; this keeps the history. A rule's task done because a contact was logged
    (``core.playbook.followed_up``) names that interaction (migration 0019); one done
    because its condition ended otherwise (``core.playbook.ended``) says why in
    ``reason`` (migration 0020)."""

    __tablename__ = "task_event"
    __table_args__ = (
        CheckConstraint(
            "action IN ('created', 'done', 'reopened', 'snoozed', 'woken')",
            name="ck_task_event_action",
        ),
        Index("ix_task_event_task", "task_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", ondelete="CASCADE")
    action: str = Field(max_length=16)
    at: datetime = Field(default_factory=utcnow)
    by: str = Field(max_length=80)
    snoozed_until: date | None = None
    interaction_id: int | None = None  # no foreign key: interactions are deleted softly
    reason: str | None = Field(default=None, max_length=200)


class ChurnModel(SQLModel, table=True):
    """A churn model fitted on the book (``cxtui model fit``), every fit kept; the
    latest is the one in force. ``definition`` is JSON: the features and the
    logistic regression's numbers (``core.churn.risk``), never code."""

    __tablename__ = "churn_model"

    id: int | None = Field(default=None, primary_key=True)
    fitted_at: datetime = Field(default_factory=utcnow)
    fitted_by: str = Field(max_length=80)
    history: bool  # fitted on cut-offs over time (else on a snapshot)
    auc: float
    validation: str
    definition: str


class RuleRun(SQLModel, table=True):
    """One playbook rule's part in one run: when, by whom, and how many tasks it made."""

    __tablename__ = "rule_run"
    __table_args__ = (Index("ix_rule_run_rule", "rule", "ran_at"),)

    id: int | None = Field(default=None, primary_key=True)
    rule: str = Field(max_length=60)
    ran_at: datetime = Field(default_factory=utcnow)
    created: int = 0
    ran_by: str = Field(default="", max_length=80)


FIELD_TYPES_SQL = f"type IN ({', '.join(repr(kind) for kind in FIELD_TYPES)})"
"""The check of a custom field's type (``core.accounts.field_names.FIELD_TYPES``)."""


class CustomField(SQLModel, table=True):
    """A field of the book's own, beyond the account's columns: typically a column an
    accounts import did not map (``tenure``, ``PaymentMethod``). ``key`` is its name
    as matching sees it (``core.importing.spec.normalise``), unique; ``name`` is how
    the file spelled it (the export's header), ``label`` how screens show it.
    ``choices``: a choice field's values as a JSON list."""

    __tablename__ = "custom_field"
    __table_args__ = (CheckConstraint(FIELD_TYPES_SQL, name="ck_custom_field_type"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120, sa_column_kwargs={"unique": True}, nullable=False)
    name: str = Field(max_length=120)
    label: str = Field(max_length=120)
    type: str = Field(max_length=8)
    choices: str | None = None
    position: int = 0  # the order fields are shown in (the file's column order)
    created_at: datetime = Field(default_factory=utcnow)


class AccountFieldValue(SQLModel, table=True):
    """One account's value of one custom field, as canonical text for its type
    (``core.accounts.fields``): number "29.85", money "1889.50" (currency units),
    date "2024-03-05", yes_no "yes" / "no", choice and text as typed. No row: no
    value. Keyed by field first, so one field's values for every account (a list
    column, a breakdown) are one range of the key; the 360 reads by account."""

    __tablename__ = "account_field_value"
    __table_args__ = (
        Index("ix_account_field_value_account", "account_id"),
        {"sqlite_with_rowid": False},
    )

    field_id: int = Field(foreign_key="custom_field.id", primary_key=True, ondelete="CASCADE")
    account_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE")
    value: str


class AccountFieldRevision(SQLModel, table=True):
    """A custom field value that changed: the old and new text (None: no value), who
    changed it, when, and how (``import`` or ``edit``). A first value is no revision."""

    __tablename__ = "account_field_revision"
    __table_args__ = (
        CheckConstraint("source IN ('import', 'edit')", name="ck_account_field_revision_source"),
        Index("ix_account_field_revision_account", "account_id", "field_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", ondelete="CASCADE")
    field_id: int = Field(foreign_key="custom_field.id", ondelete="CASCADE")
    old_value: str | None = None
    new_value: str | None = None
    changed_at: datetime = Field(default_factory=utcnow)
    changed_by: str = Field(max_length=80)
    source: str = Field(max_length=8)


class HealthSnapshot(SQLModel, table=True):
    """One health score per account per day; a same-day recompute replaces it."""

    __tablename__ = "health_snapshot"
    __table_args__ = (Index("ix_health_snapshot_day", "day"),)

    account_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE")
    day: date = Field(primary_key=True)
    score: float | None = None  # None: not enough signals to score (band "no data")
    band: str = Field(max_length=8)
    components: str = Field(default="{}")  # JSON: component -> {raw, score, weight_pct, ...}
    left_out: str = Field(default="[]")  # JSON list of components without data
    model_id: int | None = Field(default=None, foreign_key="health_model.id")


class HealthOverride(SQLModel, table=True):
    """A CS manager's judgement over the computed score. Never deleted, only ended."""

    __tablename__ = "health_override"
    __table_args__ = (
        CheckConstraint("score IS NOT NULL OR band IS NOT NULL", name="ck_override_has_value"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="ck_override_score"),
        Index("ix_health_override_account", "account_id", "expires_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", ondelete="CASCADE")
    score: float | None = None
    band: str | None = Field(default=None, max_length=8)
    reason: str = Field(max_length=500)
    set_by: str = Field(default="", max_length=80)
    starts_on: date
    expires_on: date
    ended_at: datetime | None = None
    ended_by: str | None = Field(default=None, max_length=80)  # who ended it (None: expired)
    created_at: datetime = Field(default_factory=utcnow)


class HealthModel(SQLModel, table=True):
    """Each health model (weights, thresholds) that scores were computed with, so a
    trend line can show where the model changed."""

    __tablename__ = "health_model"

    id: int | None = Field(default=None, primary_key=True)
    fingerprint: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    definition: str  # the model as JSON
    first_used_at: datetime = Field(default_factory=utcnow)


__all__ = [
    "Account",
    "AccountFieldRevision",
    "AccountFieldValue",
    "AccountStatus",
    "Contact",
    "CustomField",
    "DailyUsage",
    "ExactDecimal",
    "Goal",
    "GoalCheckin",
    "GoalRevision",
    "GoalTask",
    "HealthModel",
    "HealthOverride",
    "HealthSnapshot",
    "Interaction",
    "InteractionKind",
    "InteractionRevision",
    "MonthlyUsage",
    "MrrMovement",
    "MrrMovementKind",
    "Purchase",
    "RetentionCost",
    "SurveyKind",
    "SurveyResponse",
    "SurveyRevision",
    "Task",
    "Ticket",
    "TicketPriority",
    "utcnow",
]
