"""Bulk reads into polars come back typed the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from core import models as m
from core.store.frames import read_frame, read_frames
from tests.rows import new_account


def _account(session: Session, external_id: str) -> int:
    return new_account(session, external_id, owner="Sam", start_date=date(2024, 1, 1))


def test_types_follow_the_columns_even_when_nulls_come_first(engine: Engine) -> None:
    with Session(engine) as session:
        account_id = _account(session, "A")
        session.add_all(
            [
                m.Interaction(
                    account_id=account_id,
                    kind="call",
                    occurred_at=datetime(2025, 1, day, 9, 30, tzinfo=UTC),
                    logged_by="Sam",
                    summary=f"call {day}",
                    follow_up_on=date(2025, 2, 1) if day == 3 else None,
                    deleted_at=datetime(2025, 1, 4, tzinfo=UTC) if day == 3 else None,
                )
                for day in (1, 2, 3)
            ]
        )
        session.commit()
    frame = read_frame(
        engine,
        select(
            m.Interaction.id,
            m.Interaction.occurred_at,
            m.Interaction.follow_up_on,
            m.Interaction.deleted_at,
            m.Interaction.notes,
            m.Interaction.sentiment,
        ).order_by(m.Interaction.id),
    )
    assert frame.schema == pl.Schema(
        {
            "id": pl.Int64,
            "occurred_at": pl.Datetime("us"),
            "follow_up_on": pl.Date,
            "deleted_at": pl.Datetime("us"),
            "notes": pl.String,
            "sentiment": pl.Int64,
        }
    )
    assert frame["occurred_at"].to_list()[2] == datetime(2025, 1, 3, 9, 30)
    assert frame["follow_up_on"].to_list() == [None, None, date(2025, 2, 1)]
    assert frame["notes"].null_count() == 3


def test_filters_and_aggregates_bind_dates(engine: Engine) -> None:
    with Session(engine) as session:
        first = _account(session, "A")
        second = _account(session, "B")
        session.add_all(
            [
                m.DailyUsage(account_id=first, day=date(2025, 1, d), active_users=d, logins=1)
                for d in range(1, 11)
            ]
            + [m.DailyUsage(account_id=second, day=date(2025, 1, 5), active_users=7, logins=2)]
        )
        session.commit()
    frame = read_frame(
        engine,
        select(
            m.DailyUsage.account_id,
            func.sum(m.DailyUsage.active_users).label("users"),
            func.max(m.DailyUsage.day).label("last_day"),
        )
        .where(m.DailyUsage.day >= date(2025, 1, 5))
        .group_by(m.DailyUsage.account_id)
        .order_by(m.DailyUsage.account_id),
    )
    assert frame["users"].to_list() == [sum(range(5, 11)), 7]
    assert frame["last_day"].to_list() == [date(2025, 1, 10), date(2025, 1, 5)]


def test_an_empty_result_is_an_empty_typed_frame(engine: Engine) -> None:
    frame = read_frame(engine, select(m.Account.id, m.Account.start_date))
    assert frame.height == 0
    assert frame.schema["start_date"] == pl.Date


def test_reads_and_writes_interleave_without_corrupting_the_file(engine: Engine) -> None:
    """ADBC carries its own SQLite: the gate in core.store.db keeps both copies from having
    the file open at once (else the WAL is deleted under the other: disk I/O error)."""
    with Session(engine) as session:
        account_id = _account(session, "A")
        session.commit()
    for round_ in range(5):
        with Session(engine) as session:
            session.add(m.Contact(account_id=account_id, name=f"c{round_}"))
            session.commit()
        assert read_frame(engine, select(m.Contact.id)).height == round_ + 1
    with Session(engine) as session:
        # A connection held open in this thread: the read falls back, and does not wait.
        session.add(m.Contact(account_id=account_id, name="pending"))
        session.flush()
        assert read_frame(engine, select(m.Contact.name)).height == 5
        session.commit()
    assert read_frame(engine, select(m.Contact.name)).height == 6
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_queries_read_in_parallel_give_the_frames_read_one_by_one(engine: Engine) -> None:
    with Session(engine) as session:
        ids = [_account(session, f"A{n}") for n in range(6)]
        session.commit()
    low = select(m.Account.id, m.Account.external_id, m.Account.start_date)
    queries = {
        "low": low.where(m.Account.id <= ids[2]).order_by(m.Account.id),
        "high": low.where(m.Account.id > ids[2]).order_by(m.Account.id),
        "none": low.where(m.Account.id < 0),
    }
    parallel = read_frames(engine, queries, parallel=True)
    assert list(parallel) == ["low", "high", "none"]
    for name, frame in read_frames(engine, queries).items():
        assert parallel[name].equals(frame) and parallel[name].schema == frame.schema
    assert parallel["high"]["external_id"].to_list() == ["A3", "A4", "A5"]
    assert parallel["none"].schema["start_date"] == pl.Date


def test_moments_come_back_to_the_microsecond(engine: Engine, is_postgres: bool) -> None:
    """On SQLite a moment is handed over as microseconds computed from its text
    (``frames._sqlite_column``): every fraction, a moment before 1970 and a missing
    one come back as written, through ADBC and through ``sqlite3``; so does text
    written by another program, without a fraction, with a shorter one or a "T"."""
    from sqlalchemy import text

    from core.store.sqlite_gate import SQLITE_GATE

    moments = [
        datetime(2025, 3, 9, 23, 59, 59, 999_999),
        datetime(2025, 3, 10, 0, 0, 0, 1),
        datetime(2024, 2, 29, 12, 30, 15, 500_000),
        datetime(1969, 12, 31, 23, 59, 58, 250_000),
        None,
    ]
    with Session(engine) as session:
        account_id = _account(session, "A")
        session.add_all(
            m.Ticket(
                account_id=account_id,
                subject=f"t{index}",
                opened_at=datetime(2025, 1, 1, tzinfo=UTC),
                resolved_at=None if moment is None else moment.replace(tzinfo=UTC),
            )
            for index, moment in enumerate(moments)
        )
        session.commit()
    written = {
        "2025-05-06 07:08:09": datetime(2025, 5, 6, 7, 8, 9),
        "2025-05-06 07:08:09.5": datetime(2025, 5, 6, 7, 8, 9, 500_000),
        "2025-05-06T07:08:09.000123": datetime(2025, 5, 6, 7, 8, 9, 123),
    }
    if not is_postgres:
        with Session(engine) as session:
            ids = []
            for index in range(len(written)):
                ticket = m.Ticket(
                    account_id=account_id,
                    subject=f"w{index}",
                    opened_at=datetime(2025, 1, 1, tzinfo=UTC),
                )
                session.add(ticket)
                session.flush()
                ids.append(ticket.id)
            session.commit()
        with engine.begin() as connection:
            for ticket_id, value in zip(ids, written, strict=True):
                connection.execute(
                    text("UPDATE ticket SET resolved_at = :value WHERE id = :id"),
                    {"id": ticket_id, "value": value},
                )
        moments += list(written.values())
    query = select(m.Ticket.resolved_at).order_by(m.Ticket.id)
    assert read_frame(engine, query)["resolved_at"].to_list() == moments
    if not is_postgres:
        with engine.connect():  # a sqlite3 connection open: read through sqlite3
            with SQLITE_GATE.try_adbc() as allowed:
                assert not allowed
            assert read_frame(engine, query)["resolved_at"].to_list() == moments


def test_an_older_sqlite_gets_unixepoch_as_a_python_function() -> None:
    """Python's SQLite before 3.38 has no ``unixepoch``, which the compiled queries
    read moments with: ``unixepoch_of`` stands in, to SQLite's own seconds (this
    machine's SQLite has it, to compare with)."""
    import sqlite3

    from core.store.sqlite_file import unixepoch_of

    texts = [
        "2025-03-09 23:59:59",
        "2024-02-29T12:30:15",
        "1969-12-31 23:59:58",
        "2025-05-06 07:08:09+02:00",
        "2025-05-06",
        "not a moment",
        None,
    ]
    connection = sqlite3.connect(":memory:")
    connection.create_function("unixepoch_of", 1, unixepoch_of)
    for value in texts:
        ours, sqlites = connection.execute(
            "SELECT unixepoch_of(?), unixepoch(?)", (value, value)
        ).fetchone()
        assert ours == sqlites, value
    connection.close()
