"""The words the schema stores in its kind and status columns (``core.models`` uses
them), apart from the models so that what only reads them (the metrics read from a
file, ``core.metrics.book``) needs neither SQLModel nor SQLAlchemy."""

from __future__ import annotations

from enum import StrEnum


class AccountStatus(StrEnum):
    ACTIVE = "active"
    ONBOARDING = "onboarding"
    CHURNED = "churned"


ENGAGEMENT_KINDS_SQL = "kind IN ('referral', 'training', 'community')"
"""The interactions behind the engagement rates, as SQL: the same text in the partial
index and in the query, so that SQLite can use the index (no bound parameters)."""


class InteractionKind(StrEnum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    QBR = "qbr"
    NOTE = "note"
    # Engagement beyond conversations, for the referral, education and community rates.
    REFERRAL = "referral"  # the customer referred someone
    TRAINING = "training"  # the customer completed a training
    COMMUNITY = "community"  # the customer took part in a community event or forum


class SurveyKind(StrEnum):
    NPS = "nps"
    CSAT = "csat"


class MrrMovementKind(StrEnum):
    NEW = "new"
    EXPANSION = "expansion"
    CONTRACTION = "contraction"
    CHURN = "churn"
    REACTIVATION = "reactivation"


class TicketPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"
