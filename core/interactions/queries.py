"""The selects over logged entries that more than one domain reads, written once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from core.models import SurveyResponse


def answers_query(start: datetime, end: datetime) -> Select[Any]:
    """The survey answers given from ``start`` up to (not including) ``end``, not
    deleted: account, kind, score and when (the metrics' NPS and CSAT, health's
    latest answers)."""
    return select(
        SurveyResponse.account_id,
        SurveyResponse.kind,
        SurveyResponse.score,
        SurveyResponse.answered_at,
    ).where(
        SurveyResponse.answered_at >= start,
        SurveyResponse.answered_at < end,
        SurveyResponse.deleted_at.is_(None),
    )
