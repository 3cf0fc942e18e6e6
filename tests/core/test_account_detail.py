"""The 360's read (``account_detail``): one set of queries compiled once a day for any
account, each account read with its own id. Checked against plain SQL for every
account of the book, on two days, the first account read again after the others."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, text

from core.accounts.queries import HEALTH_HISTORY_DAYS, account_detail
from tests.tui.book import TODAY, make_book

pytestmark = pytest.mark.postgres


def plain(engine: Engine, sql: str, **values: object) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql), values)]


def test_each_account_is_read_with_its_own_rows(engine: Engine) -> None:
    book = make_book(engine)
    ids = sorted(book.values())
    earlier = TODAY - timedelta(days=40)
    for day in (TODAY, earlier):
        for account_id in [*ids, ids[0]]:
            detail = account_detail(engine, account_id, day)
            assert detail.account["id"] == account_id
            check(engine, detail, account_id, day)


def check(engine: Engine, detail, account_id: int, day: date) -> None:  # type: ignore[no-untyped-def]
    first_day = day - timedelta(days=HEALTH_HISTORY_DAYS)
    one = {"account": account_id}
    history = plain(
        engine,
        "SELECT day, score FROM health_snapshot WHERE account_id = :account"
        " AND day <= :day AND day > :first ORDER BY day",
        day=day,
        first=first_day,
        **one,
    )
    assert detail.health_history.select("day", "score").rows() == [
        (date.fromisoformat(str(day_)), score) for day_, score in history
    ]
    latest = plain(
        engine,
        "SELECT score FROM health_snapshot WHERE account_id = :account AND day <= :day"
        " ORDER BY day DESC LIMIT 1",
        day=day,
        **one,
    )
    assert (detail.health or {}).get("score") == (latest[0][0] if latest else None)
    counts = {
        table: plain(engine, f"SELECT count(*) FROM {table} WHERE account_id = :account", **one)[0][
            0
        ]
        for table in ("interaction", "survey_response", "ticket", "purchase", "mrr_movement")
    }
    by_source = dict(detail.timeline.group_by("source").len().rows())
    assert by_source.get("interaction", 0) == counts["interaction"]
    assert by_source.get("survey", 0) == counts["survey_response"]
    assert by_source.get("ticket", 0) == counts["ticket"]
    assert by_source.get("mrr", 0) == counts["mrr_movement"] == detail.mrr_history.height
    contacts = plain(engine, "SELECT name FROM contact WHERE account_id = :account", **one)
    assert sorted(detail.contacts["name"]) == sorted(name for (name,) in contacts)
    open_tickets = plain(
        engine,
        "SELECT count(*) FROM ticket WHERE account_id = :account AND resolved_at IS NULL",
        **one,
    )
    assert detail.open_tickets.height == open_tickets[0][0]
