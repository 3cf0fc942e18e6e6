"""A hand-made book for the health tests (ORM inserts, dates relative to AS_OF)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from core import models as m

AS_OF = date(2026, 6, 30)


def at(days_ago: float, as_of: date = AS_OF) -> datetime:
    """Noon UTC ``days_ago`` days before as_of (fractions move the hour)."""
    return datetime.combine(as_of, time(12), tzinfo=UTC) - timedelta(days=days_ago)


@dataclass
class Book:
    engine: Engine
    as_of: date = AS_OF
    rows: list[Any] = field(default_factory=list)
    _next: int = 0

    def account(self, seats: int = 10, mrr: int = 100_000, **extra: Any) -> int:
        self._next += 1
        values = {
            "id": self._next,
            "external_id": f"ACC-{self._next:03d}",
            "name": f"Account {self._next}",
            "segment": "mid",
            "plan": "pro",
            "owner": "Ann",
            "mrr_cents": mrr,
            "seats": seats,
            "start_date": self.as_of - timedelta(days=400),
        } | extra
        self.rows.append(m.Account(**values))
        return self._next

    def usage(self, account_id: int, active_users: int, days: range) -> None:
        for days_ago in days:
            day = self.as_of - timedelta(days=days_ago)
            self.rows.append(
                m.DailyUsage(account_id=account_id, day=day, active_users=active_users)
            )

    def interaction(
        self, account_id: int, days_ago: float, kind: str = "call", sentiment: int | None = None
    ) -> None:
        self.rows.append(
            m.Interaction(
                account_id=account_id,
                kind=kind,
                occurred_at=at(days_ago, self.as_of),
                logged_by="Ann",
                summary=kind,
                sentiment=sentiment,
            )
        )

    def survey(self, account_id: int, kind: str, score: int, days_ago: float) -> None:
        self.rows.append(
            m.SurveyResponse(
                account_id=account_id,
                kind=kind,
                score=score,
                answered_at=at(days_ago, self.as_of),
            )
        )

    def ticket(
        self,
        account_id: int,
        days_ago: float,
        response_hours: float | None = 1,
        resolved_hours: float | None = None,
    ) -> None:
        opened = at(days_ago, self.as_of)
        self.rows.append(
            m.Ticket(
                account_id=account_id,
                opened_at=opened,
                first_response_at=None
                if response_hours is None
                else opened + timedelta(hours=response_hours),
                resolved_at=None
                if resolved_hours is None
                else opened + timedelta(hours=resolved_hours),
            )
        )

    def movement(self, account_id: int, days_ago: int, kind: str, amount: int) -> None:
        self.rows.append(
            m.MrrMovement(
                account_id=account_id,
                occurred_on=self.as_of - timedelta(days=days_ago),
                kind=kind,
                amount_cents=amount,
            )
        )

    def save(self) -> None:
        accounts = [row for row in self.rows if isinstance(row, m.Account)]
        with Session(self.engine) as session:
            session.add_all(accounts)
            session.flush()
            session.add_all([row for row in self.rows if not isinstance(row, m.Account)])
            session.commit()
        self.rows.clear()


def row_of(frame: Any, account_id: int) -> dict[str, Any]:
    return frame.filter(account_id=account_id).to_dicts()[0]


def healthy(book: Book) -> int:
    """An account that is well in every component."""
    account = book.account(seats=10)
    book.usage(account, 6, range(60))
    book.interaction(account, 3, "meeting", sentiment=1)
    book.interaction(account, 40, "qbr", sentiment=1)
    book.survey(account, "nps", 10, 20)
    book.survey(account, "csat", 5, 10)
    book.ticket(account, 20, response_hours=1, resolved_hours=5)
    return account


def without_sentiment_or_support(book: Book, active_users: int) -> int:
    """An account (10 seats) with only usage, ``active_users`` on each of the last 60
    days, and a meeting 3 days ago without a sentiment; saved."""
    account = book.account(seats=10)
    book.usage(account, active_users, range(60))
    book.interaction(account, 3, "meeting")
    book.save()
    return account
