"""The signals behind a health score, in words: what a manager reads under each
component of the 360 ("usage -53 % vs the previous 30 days", "detractor (NPS 4)"),
and the one that costs an account the most points, the "why" of the at-risk list.

Everything here reads a snapshot's ``components`` (component -> raw signals, score,
weight_pct, contribution), so the words always match the score they explain.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine


def _plural(count: float, one: str, many: str) -> str:
    return f"{count:.0f} {one if round(count) == 1 else many}"


def _nps(score: float) -> str:
    kind = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    return f"{kind} (NPS {score:.0f})"


def _sentiment(value: float) -> str:
    mood = "positive" if value > 0.33 else "negative" if value < -0.33 else "neutral"
    return f"recent interactions {mood} ({value:+.1f})"


# Each signal in words, or None to leave a signal that says nothing out.
_WORDS: dict[str, Callable[[float], str | None]] = {
    "active_user_ratio": lambda v: f"{v * 100:.0f} % of seats active",
    "trend_pct": lambda v: f"usage {v:+.0f} % vs the previous 30 days",
    "days_since_last_interaction": lambda v: (
        "interaction today" if v < 1 else f"last interaction {_plural(v, 'day', 'days')} ago"
    ),
    "meetings_90d": lambda v: (
        "no meeting or QBR in 90 days"
        if v == 0
        else f"{_plural(v, 'meeting or QBR', 'meetings or QBRs')} in 90 days"
    ),
    "latest_nps": _nps,
    "latest_csat": lambda v: f"last CSAT {v:.0f} of 5",
    "interaction_sentiment": _sentiment,
    "open_tickets": lambda v: (
        "no open ticket" if v == 0 else _plural(v, "ticket open", "tickets open")
    ),
    "tickets_over_48h": lambda v: (
        None if v == 0 else f"{_plural(v, 'ticket', 'tickets')} open over 48 h"
    ),
    "slow_first_response_pct": lambda v: None if v == 0 else f"{v:.0f} % of first responses slow",
    "contraction_pct": lambda v: (
        "no contraction in 90 days" if v == 0 else f"MRR -{v:.0f} % in 90 days"
    ),
    "renewal_unattended": lambda v: "renewal close and nobody in touch" if v >= 1 else None,
}


def _assumed_renewal(value: float) -> str | None:
    """``renewal_unattended`` of an account without a renewal date: the renewal
    looked at is its start date's anniversary (``core.health.scoring``)."""
    if value < 1:
        return None
    return (
        "renewal close, taken as the start date's anniversary (no renewal date),"
        " and nobody in touch"
    )


NO_SUBSCRIPTION = "no subscription (no MRR, MRR movement or renewal date)"
"""Why an account's commercial component is left out: its signals (contraction,
an unattended renewal) need a subscription (``core.health.scoring``)."""
_NO_BEHAVIOUR = "no recent usage, interactions, surveys or tickets"


def left_out_words(component: str) -> str:
    """A component left out of a score (no data), in words: the commercial one says
    why, an account without a subscription having none of its signals."""
    return f"left out: {left_out_why(component)}"


def left_out_why(component: str) -> str:
    """Why a component was left out: "no subscription" for the commercial one (none of
    its signals without an MRR, a movement or a renewal date), else "no data"."""
    return "no subscription" if component == "commercial" else "no data"


def no_score_why(accounts: int, unsubscribed: int) -> str:
    """Why ``accounts`` accounts have no score, ``unsubscribed`` of them without a
    subscription (their commercial component left out): no behaviour signal, and,
    for those, no commercial one either (a buyer of an order log)."""
    if not unsubscribed:
        return f"{_NO_BEHAVIOUR} (commercial facts alone are not enough)"
    if unsubscribed == accounts:
        return f"{_NO_BEHAVIOUR}, and {NO_SUBSCRIPTION}"
    return (
        f"{_NO_BEHAVIOUR} (commercial facts alone are not enough; {unsubscribed:,} of them"
        f" {'has' if unsubscribed == 1 else 'have'} {NO_SUBSCRIPTION} either)"
    )


def signal_words(raw: Any) -> list[str]:
    """A component's raw signals in words, in their order; signals without data and
    those that say nothing (no tickets over 48 h) are left out, and so is anything
    that is not a mapping of signals to numbers."""
    if not isinstance(raw, dict):
        return []
    words = []
    for name, value in raw.items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        describe = _WORDS.get(name)
        if name == "renewal_unattended" and raw.get("renewal_assumed") is True:
            describe = _assumed_renewal
        text = describe(float(value)) if describe else f"{name.replace('_', ' ')} {value:g}"
        if text:
            words.append(text)
    return words


def points_lost(part: dict[str, Any]) -> float:
    """What a component takes away from a perfect 100: its weight x the share of its
    score it misses."""
    weight = float(part.get("weight_pct") or 0)
    score = part.get("score")
    return 0.0 if score is None else weight * (100 - float(score)) / 100


def largest_drag(components: dict[str, Any]) -> str | None:
    """The component that costs the most points, with its signals in words:
    ``usage -26 pts: 34 % of seats active, usage -53 % vs the previous 30 days``;
    None when nothing costs a point."""
    scored = {
        name: part for name, part in components.items() if part and part.get("score") is not None
    }
    if not scored:
        return None
    name, part = max(scored.items(), key=lambda item: points_lost(item[1]))
    lost = points_lost(part)
    if lost < 0.5:
        return None
    words = signal_words(part.get("raw"))
    return f"{name} -{lost:.0f} pts" + (f": {', '.join(words)}" if words else "")


def largest_drags(engine: Engine, account_ids: list[int], today: date) -> dict[int, str]:
    """``largest_drag`` of each account's latest snapshot up to ``today`` (accounts
    without a snapshot, or with nothing costing a point, are left out); for an
    account whose score is overridden on ``today``, who overrode it and why: the
    computed score's components did not make its band."""
    import json

    from core.health.in_force import latest_snapshots_query
    from core.health.store import active_overrides
    from core.models import HealthSnapshot
    from core.store.frames import read_frame
    from core.text import shortened

    if not account_ids:
        return {}
    latest = read_frame(
        engine,
        latest_snapshots_query(
            today, account_ids=account_ids, columns=(HealthSnapshot.components,)
        ),
    )
    drags = {}
    for row in latest.iter_rows(named=True):
        drag = largest_drag(json.loads(row["components"] or "{}"))
        if drag is not None:
            drags[row["account_id"]] = drag
    for row in active_overrides(engine, today, account_ids).iter_rows(named=True):
        by = f" by {shortened(row['override_set_by'], 40)}" if row["override_set_by"] else ""
        drags[row["account_id"]] = f"overridden{by}: {shortened(row['override_reason'])}"
    return drags
