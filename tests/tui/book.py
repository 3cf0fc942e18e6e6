"""A small hand-made book of accounts, written through the ORM, for the app's tests."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from core.models import (
    Account,
    Contact,
    HealthOverride,
    HealthSnapshot,
    Interaction,
    MrrMovement,
    SurveyResponse,
    Ticket,
)

TODAY = date(2026, 6, 15)

# name, segment, owner, mrr dollars, score today, score 30 days ago, renewal in days,
# last interaction days ago (None: never), open tickets
ROWS = [
    ("Acme Corp", "Enterprise", "Test User", 12_000, 82.0, 70.0, 45, 3, 1),
    ("Globex", "Enterprise", "Dana Scully", 9_500, 35.0, 55.0, 20, 40, 3),
    ("Initech", "Mid-Market", "Test User", 3_200, 55.0, 56.0, 200, 12, 0),
    ("Umbrella Health", "Mid-Market", "Fox Mulder", 4_100, 91.0, 88.0, 10, 1, 0),
    ("Hooli", "Enterprise", "Dana Scully", 15_000, 64.0, 75.0, 300, 60, 2),
    ("Vandelay Industries", "SMB", "Test User", 450, 28.0, 30.0, 5, None, 1),
    ("Stark Solar", "SMB", "Fox Mulder", 800, 73.0, 60.0, 90, 8, 0),
    ("Wayne Logistics", "Mid-Market", "Fox Mulder", 2_700, 47.0, 47.0, 400, 25, 0),
    ("Cyberdyne", "Enterprise", "Test User", 20_000, 88.0, 90.0, 150, 2, 0),
    ("Soylent Foods", "SMB", "Dana Scully", 300, 15.0, 40.0, 33, 95, 4),
    ("Tyrell Robotics", "Mid-Market", "Dana Scully", 5_600, 69.0, 72.0, 60, 14, 1),
    ("Wonka Sweets", "SMB", "Test User", 650, 77.0, 65.0, 120, 5, 0),
]


def _band(score: float) -> str:
    return "green" if score >= 70 else "yellow" if score >= 40 else "red"


def _components(score: float) -> str:
    parts = {
        "usage": 30,
        "engagement": 25,
        "sentiment": 20,
        "support": 15,
        "commercial": 10,
    }
    return json.dumps(
        {
            name: {
                "raw": round(score / 10, 1),
                "score": score,
                "weight_pct": weight,
                "contribution": round(score * weight / 100, 1),
            }
            for name, weight in parts.items()
        }
    )


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def make_book(engine: Engine, today: date = TODAY) -> dict[str, int]:
    """Write the book; returns {account name: id}."""
    ids: dict[str, int] = {}
    with Session(engine) as session:
        for index, row in enumerate(ROWS):
            name, segment, owner, mrr, score, score_before, renew, touch, open_tickets = row
            account = Account(
                external_id=f"EXT-{1000 + index}",
                name=name,
                segment=segment,
                plan="Pro" if mrr > 1_000 else "Starter",
                owner=owner,
                mrr_cents=mrr * 100,
                seats=10 + index,
                start_date=today - timedelta(days=700),
                renewal_date=today + timedelta(days=renew),
                status="active",
            )
            session.add(account)
            session.flush()
            assert account.id is not None
            ids[name] = account.id
            for days_ago in range(0, 91, 10):
                value = score_before + (score - score_before) * (1 - days_ago / 30)
                if days_ago >= 30:
                    value = score_before
                session.add(
                    HealthSnapshot(
                        account_id=account.id,
                        day=today - timedelta(days=days_ago),
                        score=round(value, 1),
                        band=_band(value),
                        components=_components(value),
                        left_out="[]",
                    )
                )
            session.add(
                Contact(
                    account_id=account.id,
                    name=f"{name.split()[0]} Champion",
                    email=f"champion@{name.split()[0].lower()}.example",
                    role="Champion",
                    is_primary=True,
                )
            )
            session.add(
                MrrMovement(
                    account_id=account.id,
                    occurred_on=today - timedelta(days=700),
                    kind="new",
                    amount_cents=mrr * 100,
                )
            )
            if touch is not None:
                session.add(
                    Interaction(
                        account_id=account.id,
                        kind="call",
                        occurred_at=_at(today - timedelta(days=touch)),
                        logged_by=owner,
                        summary=f"Check-in call with {name}",
                        sentiment=1,
                    )
                )
                session.add(
                    Interaction(
                        account_id=account.id,
                        kind="email",
                        occurred_at=_at(today - timedelta(days=touch + 20)),
                        logged_by=owner,
                        summary="Sent the onboarding guide",
                        sentiment=0,
                    )
                )
            for ticket in range(open_tickets):
                session.add(
                    Ticket(
                        account_id=account.id,
                        subject=f"Export fails #{ticket + 1}",
                        priority="high",
                        opened_at=_at(today - timedelta(days=ticket + 2)),
                    )
                )
            session.add(
                Ticket(
                    account_id=account.id,
                    subject="Password reset",
                    priority="low",
                    opened_at=_at(today - timedelta(days=50)),
                    first_response_at=_at(today - timedelta(days=50), 11),
                    resolved_at=_at(today - timedelta(days=49)),
                )
            )
            session.add(
                SurveyResponse(
                    account_id=account.id,
                    kind="nps",
                    score=9 if score >= 70 else 4,
                    answered_at=_at(today - timedelta(days=15)),
                    comment="Great support" if score >= 70 else "Too slow",
                )
            )
        session.add(
            HealthOverride(
                account_id=ids["Hooli"],
                score=30.0,
                band="red",
                reason="Champion left the company",
                set_by="Dana Scully",
                starts_on=today - timedelta(days=5),
                expires_on=today + timedelta(days=25),
            )
        )
        session.commit()
    return ids
