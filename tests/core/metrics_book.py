"""A hand-made book for the metrics tests, written in bulk into a real database
(``BookWriter``), the months it is seen in, and the three-month book that several
tests share (``write_three_months``; the ``three_months`` fixture of conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine, text

from core.periods import Period
from core.store.bulk import bulk_insert

JAN = Period.month_of(date(2024, 1, 1))
FEB = Period.month_of(date(2024, 2, 1))
MAR = Period.month_of(date(2024, 3, 1))
Q1 = Period.quarter_of(date(2024, 1, 1))
LATER = date(2024, 6, 30)


@dataclass
class BookWriter:
    """Hand-made rows for a test book, written in bulk into a real database."""

    engine: Engine
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def _add(self, table: str, **values: Any) -> int:
        rows = self.rows.setdefault(table, [])
        rows.append(values)
        return len(rows)

    def account(
        self,
        start: date,
        mrr: int = 0,
        churned: date | None = None,
        segment: str = "smb",
        owner: str = "Ana",
        renewal: date | None = None,
        onboarded: date | None = None,
    ) -> int:
        number = len(self.rows.get("account", [])) + 1
        return self._add(
            "account",
            id=number,
            external_id=f"acc-{number}",
            name=f"Account {number}",
            segment=segment,
            plan="pro",
            owner=owner,
            mrr_cents=mrr,
            start_date=start,
            churned_at=churned,
            status="churned" if churned else "active",
            renewal_date=renewal,
            onboarding_completed_at=onboarded,
        )

    def accounts(self, count: int, start: date, **values: Any) -> list[int]:
        return [self.account(start, **values) for _ in range(count)]

    def movement(self, account_id: int, on: date, kind: str, cents: int) -> None:
        self._add(
            "mrr_movement", account_id=account_id, occurred_on=on, kind=kind, amount_cents=cents
        )

    def survey(self, account_id: int, kind: str, score: int, at: datetime) -> None:
        self._add("survey_response", account_id=account_id, kind=kind, score=score, answered_at=at)

    def ticket(
        self,
        account_id: int,
        opened: datetime,
        responded: datetime | None = None,
        resolved: datetime | None = None,
    ) -> None:
        self._add(
            "ticket",
            account_id=account_id,
            opened_at=opened,
            first_response_at=responded,
            resolved_at=resolved,
        )

    def purchase(self, account_id: int, at: datetime, cents: int) -> None:
        self._add("purchase", account_id=account_id, purchased_at=at, amount_cents=cents)

    def usage(self, account_id: int, day: date, users: int) -> None:
        self._add("daily_usage", account_id=account_id, day=day, active_users=users, logins=users)

    def cost(self, on: date, cents: int) -> None:
        self._add("retention_cost", incurred_on=on, amount_cents=cents, category="programme")

    def save(self) -> None:
        for table in ("account", *sorted(set(self.rows) - {"account"})):
            rows = self.rows.pop(table, [])
            if rows:
                bulk_insert(self.engine, table, pl.DataFrame(rows, infer_schema_length=None))

    def change_account(self, account_id: int, **values: Any) -> None:
        """Change columns of a saved account, as a later import would."""
        columns = ", ".join(f"{name} = :{name}" for name in values)
        with self.engine.begin() as connection:
            connection.execute(
                text(f"UPDATE account SET {columns} WHERE id = :id"), {**values, "id": account_id}
            )


def at(day: date, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second)


def write_three_months(book: BookWriter) -> BookWriter:
    """A: expands in January, churns in March. B: contracts in February. C: new in
    February. D: churns in January and comes back in March. E: no movement recorded."""
    a = book.account(date(2023, 12, 1), mrr=0, churned=date(2024, 3, 10))
    book.movement(a, date(2023, 12, 1), "new", 10000)
    book.movement(a, date(2024, 1, 15), "expansion", 5000)
    book.movement(a, date(2024, 3, 10), "churn", -15000)
    b = book.account(date(2023, 11, 1), mrr=15000, segment="ent", owner="Bo")
    book.movement(b, date(2023, 11, 1), "new", 20000)
    book.movement(b, date(2024, 2, 10), "contraction", -5000)
    c = book.account(date(2024, 2, 5), mrr=8000, owner="Bo")
    book.movement(c, date(2024, 2, 5), "new", 8000)
    d = book.account(date(2023, 10, 1), mrr=12000, churned=date(2024, 1, 20), segment="ent")
    book.movement(d, date(2023, 10, 1), "new", 12000)
    book.movement(d, date(2024, 1, 20), "churn", -12000)
    book.movement(d, date(2024, 3, 3), "reactivation", 12000)
    book.account(date(2023, 6, 1), mrr=30000)
    book.save()
    return book
