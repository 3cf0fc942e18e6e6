"""Overrides: a CS manager's judgement over the computed score, active while
``starts_on <= day < expires_on`` and not ended (so on ``expires_on`` itself the
computed value is back). Overrides are history: setting a new one ends the active
one, nothing is ever deleted. What is in force on a day: ``core.health.in_force``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update

from core.health.config import BANDS
from core.models import Account, HealthOverride, utcnow
from core.store.locks import begin_writing
from core.text import text_problem

OVERRIDE_DAYS = 30


class HealthOverrideError(ValueError):
    """An override that cannot be set, with the reason in words. ``field`` names the
    argument at fault (reason, set_by, score, band, expires_on), when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def set_override(
    engine: Engine,
    account_id: int,
    *,
    reason: str,
    score: float | None = None,
    band: str | None = None,
    expires_on: date | None = None,
    set_by: str = "",
    as_of: date | None = None,
) -> int:
    """Set a CS manager's score and/or band for an account from ``as_of`` (today)
    until ``expires_on`` (default 30 days on; the computed value is back on that
    day). Ends the active override first (ended by ``set_by``). Returns the new
    override's id."""
    today = as_of or date.today()
    expires_on = expires_on or today + timedelta(days=OVERRIDE_DAYS)
    if not reason or not reason.strip():
        raise HealthOverrideError(
            "An override needs a reason: say why the score is wrong.", field="reason"
        )
    for text, what, field, limit in (
        (reason, "reason", "reason", 500),
        (set_by, "user name", "set_by", 80),
    ):
        if problem := text_problem(text.strip(), limit):
            raise HealthOverrideError(
                f"The override's {what} cannot be stored: {problem}.", field=field
            )
    if score is None and band is None:
        raise HealthOverrideError("An override needs a score (0-100) or a band.", field="score")
    if score is not None and not 0 <= score <= 100:
        raise HealthOverrideError(
            f"The override score must be between 0 and 100, not {score:g}.", field="score"
        )
    if band is not None and band not in BANDS:
        raise HealthOverrideError(
            f"The override band must be one of {', '.join(BANDS)}, not {band!r}.", field="band"
        )
    if expires_on <= today:
        raise HealthOverrideError(
            f"The override must expire after today ({today.isoformat()}), "
            f"not on {expires_on.isoformat()}.",
            field="expires_on",
        )
    with engine.begin() as connection:
        begin_writing(connection)
        if connection.execute(_account_locked(account_id)).first() is None:
            raise HealthOverrideError(f"There is no account with id {account_id}.")
        connection.execute(_end_active(account_id, today, set_by))
        result = connection.execute(
            insert(HealthOverride).values(
                account_id=account_id,
                score=score,
                band=band,
                reason=reason.strip(),
                set_by=set_by,
                starts_on=today,
                expires_on=expires_on,
                created_at=utcnow(),
            )
        )
        return int(result.inserted_primary_key[0])


def _account_locked(account_id: int) -> Any:
    """The account's id, its row locked until the change is committed: on PostgreSQL
    a second user setting or ending its override at the same time waits, then ends
    the first one's (both read no override to end, and the first stayed in force
    under the second). Inserts of the account's other rows are not held up. On
    SQLite the whole book is held (``begin_writing``, called first)."""
    return select(Account.id).where(Account.id == account_id).with_for_update(key_share=True)


def _end_active(account_id: int, today: date, ended_by: str) -> Any:
    return (
        update(HealthOverride)
        .where(
            HealthOverride.account_id == account_id,
            HealthOverride.ended_at.is_(None),
            HealthOverride.expires_on > today,
        )
        .values(ended_at=utcnow(), ended_by=ended_by)
    )


def end_override(
    engine: Engine, account_id: int, ended_by: str = "", as_of: date | None = None
) -> int:
    """End the account's active override now, recording who ended it; the computed
    value is back. Returns how many were ended (0 or 1)."""
    with engine.begin() as connection:
        begin_writing(connection)
        connection.execute(_account_locked(account_id))
        ended = connection.execute(_end_active(account_id, as_of or date.today(), ended_by))
        return ended.rowcount
