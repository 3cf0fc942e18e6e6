"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.models

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("segment", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("plan", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("mrr_cents", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("renewal_date", sa.Date(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("churned_at", sa.Date(), nullable=True),
        sa.Column("onboarding_completed_at", sa.Date(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'onboarding', 'churned')", name="ck_account_status"
        ),
        sa.CheckConstraint("mrr_cents >= 0", name="ck_account_mrr_non_negative"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.create_index("ix_account_name", ["name"], unique=False)
        batch_op.create_index("ix_account_owner", ["owner"], unique=False)
        batch_op.create_index("ix_account_renewal_date", ["renewal_date"], unique=False)
        batch_op.create_index("ix_account_segment", ["segment"], unique=False)
        batch_op.create_index("ix_account_status", ["status"], unique=False)

    op.create_table(
        "goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("scope_segment", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("scope_owner", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("target_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("start_value", core.models.ExactDecimal(), nullable=False),
        sa.Column("target_value", core.models.ExactDecimal(), nullable=False),
        sa.Column("direction", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("metric", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("step", core.models.ExactDecimal(), nullable=True),
        sa.Column("archived_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("direction IN ('raise', 'lower')", name="ck_goal_direction"),
        sa.CheckConstraint(
            "target_type IN ('number', 'currency', 'percent', 'done', 'tasks')",
            name="ck_goal_target_type",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.create_index("ix_goal_owner", ["owner"], unique=False)

    op.create_table(
        "health_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("definition", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("first_used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fingerprint"),
    )
    op.create_table(
        "retention_cost",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incurred_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("retention_cost", schema=None) as batch_op:
        batch_op.create_index("ix_retention_cost_incurred", ["incurred_on"], unique=False)

    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index("ix_contact_account", ["account_id"], unique=False)

    op.create_table(
        "daily_usage",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("active_users", sa.Integer(), nullable=False),
        sa.Column("logins", sa.Integer(), nullable=False),
        sa.CheckConstraint("active_users >= 0 AND logins >= 0", name="ck_usage_non_negative"),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "day"),
    )
    with op.batch_alter_table("daily_usage", schema=None) as batch_op:
        batch_op.create_index("ix_daily_usage_day", ["day"], unique=False)

    op.create_table(
        "goal_checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("value", core.models.ExactDecimal(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("checked_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("computed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["goal_id"], ["goal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("goal_checkin", schema=None) as batch_op:
        batch_op.create_index("ix_goal_checkin_goal_on", ["goal_id", "checked_on"], unique=False)

    op.create_table(
        "goal_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("done_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["goal_id"], ["goal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("goal_task", schema=None) as batch_op:
        batch_op.create_index("ix_goal_task_goal", ["goal_id"], unique=False)

    op.create_table(
        "health_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("band", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("set_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("score IS NOT NULL OR band IS NOT NULL", name="ck_override_has_value"),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND score <= 100)", name="ck_override_score"
        ),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("health_override", schema=None) as batch_op:
        batch_op.create_index(
            "ix_health_override_account", ["account_id", "expires_on"], unique=False
        )

    op.create_table(
        "health_snapshot",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("band", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("components", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("left_out", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["health_model.id"],
        ),
        sa.PrimaryKeyConstraint("account_id", "day"),
    )
    with op.batch_alter_table("health_snapshot", schema=None) as batch_op:
        batch_op.create_index("ix_health_snapshot_day", ["day"], unique=False)

    op.create_table(
        "mrr_movement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(kind IN ('new', 'expansion', 'reactivation') AND amount_cents > 0) OR (kind IN ('contraction', 'churn') AND amount_cents < 0)",
            name="ck_mrr_movement_sign",
        ),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mrr_movement", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mrr_movement_account_date", ["account_id", "occurred_on"], unique=False
        )
        batch_op.create_index("ix_mrr_movement_date", ["occurred_on"], unique=False)

    op.create_table(
        "purchase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("purchased_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.CheckConstraint("amount_cents >= 0", name="ck_purchase_amount_non_negative"),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("purchase", schema=None) as batch_op:
        batch_op.create_index(
            "ix_purchase_account_at", ["account_id", "purchased_at"], unique=False
        )
        batch_op.create_index("ix_purchase_at", ["purchased_at"], unique=False)

    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("priority", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("opened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("first_response_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("resolved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_account_opened", ["account_id", "opened_at"], unique=False)
        batch_op.create_index("ix_ticket_opened", ["opened_at"], unique=False)
        batch_op.create_index("ix_ticket_resolved", ["resolved_at"], unique=False)

    op.create_table(
        "interaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("occurred_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("logged_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("sentiment", sa.Integer(), nullable=True),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('call', 'email', 'meeting', 'qbr', 'note')", name="ck_interaction_kind"
        ),
        sa.CheckConstraint(
            "sentiment IS NULL OR sentiment IN (-1, 0, 1)", name="ck_interaction_sentiment"
        ),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.create_index(
            "ix_interaction_account_occurred", ["account_id", "occurred_at"], unique=False
        )
        batch_op.create_index("ix_interaction_follow_up", ["follow_up_on"], unique=False)
        batch_op.create_index("ix_interaction_occurred", ["occurred_at"], unique=False)

    op.create_table(
        "survey_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.CheckConstraint(
            "(kind = 'nps' AND score BETWEEN 0 AND 10) OR (kind = 'csat' AND score BETWEEN 1 AND 5)",
            name="ck_survey_score_range",
        ),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.create_index(
            "ix_survey_account_answered", ["account_id", "answered_at"], unique=False
        )
        batch_op.create_index("ix_survey_answered", ["answered_at"], unique=False)

    op.create_table(
        "task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("interaction_id", sa.Integer(), nullable=True),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("rule", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("occurrence_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("completed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("source IN ('rule', 'follow_up', 'manual')", name="ck_task_source"),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["interaction_id"], ["interaction.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rule", "occurrence_key", name="uq_task_rule_occurrence"),
    )
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index("ix_task_account", ["account_id"], unique=False)
        batch_op.create_index("ix_task_owner_due", ["owner", "due_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_owner_due")
        batch_op.drop_index("ix_task_account")

    op.drop_table("task")
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_answered")
        batch_op.drop_index("ix_survey_account_answered")

    op.drop_table("survey_response")
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.drop_index("ix_interaction_occurred")
        batch_op.drop_index("ix_interaction_follow_up")
        batch_op.drop_index("ix_interaction_account_occurred")

    op.drop_table("interaction")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_resolved")
        batch_op.drop_index("ix_ticket_opened")
        batch_op.drop_index("ix_ticket_account_opened")

    op.drop_table("ticket")
    with op.batch_alter_table("purchase", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_at")
        batch_op.drop_index("ix_purchase_account_at")

    op.drop_table("purchase")
    with op.batch_alter_table("mrr_movement", schema=None) as batch_op:
        batch_op.drop_index("ix_mrr_movement_date")
        batch_op.drop_index("ix_mrr_movement_account_date")

    op.drop_table("mrr_movement")
    with op.batch_alter_table("health_snapshot", schema=None) as batch_op:
        batch_op.drop_index("ix_health_snapshot_day")

    op.drop_table("health_snapshot")
    with op.batch_alter_table("health_override", schema=None) as batch_op:
        batch_op.drop_index("ix_health_override_account")

    op.drop_table("health_override")
    with op.batch_alter_table("goal_task", schema=None) as batch_op:
        batch_op.drop_index("ix_goal_task_goal")

    op.drop_table("goal_task")
    with op.batch_alter_table("goal_checkin", schema=None) as batch_op:
        batch_op.drop_index("ix_goal_checkin_goal_on")

    op.drop_table("goal_checkin")
    with op.batch_alter_table("daily_usage", schema=None) as batch_op:
        batch_op.drop_index("ix_daily_usage_day")

    op.drop_table("daily_usage")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_account")

    op.drop_table("contact")
    with op.batch_alter_table("retention_cost", schema=None) as batch_op:
        batch_op.drop_index("ix_retention_cost_incurred")

    op.drop_table("retention_cost")
    op.drop_table("health_model")
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.drop_index("ix_goal_owner")

    op.drop_table("goal")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_index("ix_account_status")
        batch_op.drop_index("ix_account_segment")
        batch_op.drop_index("ix_account_renewal_date")
        batch_op.drop_index("ix_account_owner")
        batch_op.drop_index("ix_account_name")

    op.drop_table("account")
