"""Rows that many tests write or count by hand: an account or a health override with
only the columns a test cares about, the rows of a table counted, an engine on a
database file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, column, func, table
from sqlmodel import Session, select

from core import models as m
from core.goals import GoalForm
from core.store.db import open_engine, sqlite_url


def new_account(session: Session, external_id: str, **values: Any) -> int:
    """An account added and flushed in ``session``: its id. Named ``external_id`` and
    started on 2025-01-01 on the SMB segment's Starter plan, owned by Dana, unless
    ``values`` (any of ``Account``'s columns) say otherwise."""
    columns: dict[str, Any] = {
        "name": external_id,
        "segment": "SMB",
        "plan": "Starter",
        "owner": "Dana",
        "start_date": date(2025, 1, 1),
    }
    account = m.Account(external_id=external_id, **(columns | values))
    session.add(account)
    session.flush()
    assert account.id is not None
    return account.id


LATER_ACCOUNT_COLUMNS = ("churn_recorded_on", "cancels_at_renewal")
"""The account's columns that migrations after 0001 added (0006, 0018)."""


def older_account(session: Session, account: m.Account) -> int:
    """``account`` inserted into the account table of an older revision (0001's
    columns only: the model's own insert would add the later ones, with their
    defaults): its id."""
    values = account.model_dump(exclude={"id", *LATER_ACCOUNT_COLUMNS})
    columns = m.Account.__table__.columns  # type: ignore[attr-defined]
    older = table("account", *(column(name, columns[name].type) for name in ["id", *values]))
    return session.execute(older.insert().values(values).returning(older.c.id)).scalar_one()


def new_override(
    session: Session, account_id: int, day: date, *, starts: int, expires: int, **values: Any
) -> None:
    """A health override of ``account_id`` added to ``session``, in force from
    ``starts`` to ``expires`` days from ``day`` (negative: before it), for the reason
    "test", with the score or band (and any other of ``HealthOverride``'s columns)
    that ``values`` give."""
    starts_on, expires_on = (day + timedelta(days=offset) for offset in (starts, expires))
    columns = {"reason": "test"} | values
    session.add(
        m.HealthOverride(
            account_id=account_id, starts_on=starts_on, expires_on=expires_on, **columns
        )
    )


def count(engine: Engine, model: type) -> int:
    """How many rows ``model``'s table holds."""
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


@contextmanager
def engine_on(path: Path) -> Iterator[Engine]:
    """An engine on the SQLite file at ``path`` (created and migrated if new),
    disposed at the end."""
    engine = open_engine(sqlite_url(path))
    try:
        yield engine
    finally:
        engine.dispose()


def count_in(path: Path, model: type) -> int:
    """How many rows ``model``'s table holds in the SQLite file at ``path``."""
    with engine_on(path) as engine:
        return count(engine, model)


def goal_form(**fields: object) -> GoalForm:
    """A goal's form as a user fills it in: "Goal", the team's, a number from 0 to 10
    over the fourth quarter of 2026, unless ``fields`` say otherwise."""
    values: dict[str, object] = {
        "title": "Goal",
        "owner": "team",
        "start_date": "2026-10-01",
        "due_date": "2026-12-31",
        "target_type": "number",
        "target": "10",
        "start": "0",
    }
    return GoalForm(**(values | fields))  # type: ignore[arg-type]


def book_tables(path: Path) -> list[str]:
    """The names of the book's tables in the SQLite file ``path`` (not SQLite's own
    nor Alembic's), by name, read with plain sqlite3."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(path)) as connection:
        names = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version' ORDER BY name"
        ).fetchall()
    return [name for (name,) in names]


def nrr_book(session: Session, first_day: date) -> None:
    """A book whose NRR is 98.0 % over the 91 days before ``first_day`` and 103.9 % from
    it (for a goal of up to 90 days after it, as of 30 days in): 10 accounts of $1,000
    since a year before, one contracted by $200 60 days before ``first_day`` (9,800 /
    10,000), another expanded by $382.20 14 days after it (10,182.20 / 9,800)."""
    for number in range(10):
        mrr = {0: 80_000, 1: 138_220}.get(number, 100_000)  # the movements' balance
        account_id = new_account(
            session, f"N-{number}", start_date=first_day - timedelta(365), mrr_cents=mrr
        )
        session.add(
            m.MrrMovement(
                account_id=account_id,
                occurred_on=first_day - timedelta(365),
                kind="new",
                amount_cents=100_000,
            )
        )
        if number == 0:
            session.add(
                m.MrrMovement(
                    account_id=account_id,
                    occurred_on=first_day - timedelta(60),
                    kind="contraction",
                    amount_cents=-20_000,
                )
            )
        if number == 1:
            session.add(
                m.MrrMovement(
                    account_id=account_id,
                    occurred_on=first_day + timedelta(14),
                    kind="expansion",
                    amount_cents=38_220,
                )
            )
    session.flush()


def one_account_book(folder: Path) -> Path:
    """A SQLite book in ``folder`` holding the account A-1 (Acme, started 2025-01-01),
    imported as a user would, and nothing else."""
    from core.importing import import_file

    path = folder / "book.db"
    engine = open_engine(sqlite_url(path))
    accounts = folder / "accounts.csv"
    accounts.write_text("external_id,name,start_date\nA-1,Acme,2025-01-01\n")
    import_file(engine, "accounts", accounts)
    engine.dispose()
    return path
