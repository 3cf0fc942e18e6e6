"""bulk_insert: what goes in through the fast path reads back through the ORM unchanged."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, inspect
from sqlmodel import Session, select

from core.models import Account, Contact, DailyUsage, Goal, GoalCheckin, Interaction
from core.store import bulk, bulk_sqlite
from core.store.bulk import BulkInsertError, bulk_insert, deferred_indexes
from core.store.db import open_engine, sqlite_url
from core.store.frames import read_frame
from tests.rows import new_account


def _accounts(count: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": list(range(1, count + 1)),
            "external_id": [f"ACC-{i:05d}" for i in range(1, count + 1)],
            "name": [f"Company {i}" for i in range(1, count + 1)],
            "segment": ["SMB"] * count,
            "plan": ["Starter"] * count,
            "owner": ["Ada Moreau"] * count,
            "mrr_cents": [1000 * i for i in range(1, count + 1)],
            "seats": [5] * count,
            "start_date": [date(2025, 1, 1 + i % 28) for i in range(count)],
            "renewal_date": [None if i % 2 else date(2026, 12, 31) for i in range(count)],
            "status": ["active"] * count,
            "created_at": [datetime(2025, 1, 1, 9, 30, 15, 123456)] * count,
        }
    )


MOMENT = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)


def _book() -> list[tuple[str, pl.DataFrame]]:
    """A little of every kind of value: dates, datetimes, NULLs, booleans, decimals."""
    return [
        ("account", _accounts(3)),
        (
            "contact",
            pl.DataFrame(
                {
                    "account_id": [1, 1, 2],
                    "name": ["Ann", "Bob", "Cy"],
                    "email": ["ann@x.test", None, ""],
                    "is_primary": [True, False, False],
                }
            ),
        ),
        (
            "interaction",
            pl.DataFrame(
                {
                    "account_id": [2],
                    "contact_id": [3],
                    "kind": ["qbr"],
                    "occurred_at": [MOMENT],
                    "logged_by": ["Ada Moreau"],
                    "summary": ["Quarterly review"],
                    "sentiment": [-1],
                    "follow_up_on": [date(2026, 3, 11)],
                    "created_at": [MOMENT],
                }
            ),
        ),
        (
            "goal",
            pl.DataFrame(
                {
                    "id": [7],
                    "title": ["NPS above 50"],
                    "owner": ["Team"],
                    "start_date": [date(2026, 10, 1)],
                    "due_date": [date(2026, 12, 31)],
                    "target_type": ["number"],
                    "start_value": ["38.5"],
                    "target_value": ["50"],
                    "direction": ["raise"],
                    "created_at": [MOMENT],
                }
            ),
        ),
        (
            "goal_checkin",
            pl.DataFrame(
                {
                    "goal_id": [7],
                    "value": ["41.25"],
                    "checked_on": [date(2026, 11, 1)],
                    "created_at": [MOMENT],
                }
            ),
        ),
    ]


def test_round_trip_through_the_orm(engine: Engine) -> None:
    written = [bulk_insert(engine, table, frame) for table, frame in _book()]
    moment = MOMENT
    assert written == [3, 3, 1, 1, 1]
    with Session(engine) as session:
        accounts = session.exec(select(Account).order_by(Account.id)).all()
        assert [a.external_id for a in accounts] == ["ACC-00001", "ACC-00002", "ACC-00003"]
        assert accounts[1].start_date == date(2025, 1, 2)
        assert accounts[0].renewal_date == date(2026, 12, 31)
        assert accounts[1].renewal_date is None
        assert accounts[2].churned_at is None
        assert accounts[0].created_at == datetime(2025, 1, 1, 9, 30, 15, 123456, tzinfo=UTC)
        people = session.exec(select(Contact).order_by(Contact.id)).all()
        assert [(c.email, c.is_primary) for c in people] == [
            ("ann@x.test", True),
            (None, False),
            ("", False),
        ]
        interaction = session.exec(select(Interaction)).one()
        assert interaction.occurred_at == moment
        assert interaction.created_at == moment
        assert interaction.follow_up_on == date(2026, 3, 11)
        assert interaction.sentiment == -1
        assert (interaction.notes, interaction.deleted_at) == (None, None)
        goal = session.exec(select(Goal)).one()
        assert (goal.start_value, goal.target_value, goal.step) == (
            Decimal("38.5"),
            Decimal(50),
            None,
        )
        assert goal.version == 1  # the model default fills a left-out column
        checkin = session.exec(select(GoalCheckin)).one()
        assert checkin.value == Decimal("41.25")
        assert (checkin.computed, checkin.checked_by) == (False, "")
        # Rows written later through the ORM get fresh ids after the explicit ones.
        session.add(
            Goal(
                title="Next",
                owner="Team",
                start_date=date(2026, 1, 1),
                due_date=date(2026, 2, 1),
                target_type="done",
            )
        )
        session.commit()
        assert max(g.id for g in session.exec(select(Goal)).all()) == 8


def test_sqlite_text_matches_what_the_orm_writes(engine: Engine, sqlite_only: None) -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with Session(engine) as session:
        new_account(
            session,
            "ORM",
            name="n",
            plan="p",
            owner="o",
            start_date=date(2026, 1, 2),
            created_at=moment,
        )
        session.commit()
    frame = _accounts(1).with_columns(
        id=pl.lit(2),
        external_id=pl.lit("BULK"),
        start_date=pl.lit(date(2026, 1, 2)),
        created_at=pl.lit(datetime(2026, 1, 2, 3, 4, 5)),
    )
    bulk_insert(engine, "account", frame)
    raw = engine.raw_connection()
    rows = raw.cursor().execute("SELECT start_date, created_at FROM account ORDER BY id").fetchall()
    raw.close()
    assert rows[0] == rows[1]


def _stored(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every stored value of every table with its SQLite storage class."""
    raw = engine.raw_connection()
    cursor = raw.cursor()
    stored = {}
    for table in ("account", "contact", "interaction", "goal", "goal_checkin"):
        names = [row[1] for row in cursor.execute(f"PRAGMA table_info({table})").fetchall()]
        values = ", ".join(f'"{name}", typeof("{name}")' for name in names)
        stored[table] = cursor.execute(f"SELECT {values} FROM {table} ORDER BY 1").fetchall()
    raw.close()
    return stored


def test_staged_rows_are_stored_as_executemany_stores_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one_by_one = open_engine(sqlite_url(tmp_path / "executemany.db"))
    for table, frame in _book():
        bulk_insert(one_by_one, table, frame)
    monkeypatch.setattr(bulk_sqlite, "STAGE_MIN_ROWS", 1)
    staged = open_engine(sqlite_url(tmp_path / "staged.db"))
    for table, frame in _book():
        bulk_insert(staged, table, frame)
    assert _stored(staged) == _stored(one_by_one)
    assert _stored(staged)["interaction"]  # not vacuously equal


@pytest.fixture
def scratch_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A SQLite book whose staging files go to ``tmp_path``, to see them come and go."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    engine = open_engine(sqlite_url(tmp_path / "book.db"))
    yield engine
    engine.dispose()


def test_staged_rows_roll_back_with_the_transaction_and_leave_no_file(
    tmp_path: Path, scratch_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_sqlite, "STAGE_MIN_ROWS", 1)
    engine = scratch_engine
    with pytest.raises(RuntimeError), bulk.write_transaction(engine) as raw:
        bulk.insert_frame(raw, engine, bulk.table_for("account"), _accounts(5))
        assert list(tmp_path.glob("cxtui-stage-*/stage*.db"))
        raise RuntimeError("a later step fails")
    with Session(engine) as session:
        assert session.exec(select(Account)).all() == []
    assert not list(tmp_path.glob("cxtui-stage-*"))
    raw = engine.raw_connection()
    assert [row[1] for row in raw.cursor().execute("PRAGMA database_list")] == ["main"]
    raw.close()


def test_more_frames_than_staging_files_in_one_transaction(
    engine: Engine, sqlite_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_sqlite, "STAGE_MIN_ROWS", 1)
    frames = bulk_sqlite._STAGES_PER_TRANSACTION + 3
    with bulk.write_transaction(engine) as raw:
        for number in range(frames):
            accounts = _accounts(2).with_columns(
                id=pl.Series([2 * number + 1, 2 * number + 2]),
                external_id=pl.Series([f"A{number}", f"B{number}"]),
            )
            bulk.insert_frame(raw, engine, bulk.table_for("account"), accounts)
    with Session(engine) as session:
        assert len(session.exec(select(Account)).all()) == 2 * frames


def _numbered_accounts(first: int, count: int) -> pl.DataFrame:
    numbers = range(first, first + count)
    return _accounts(count).with_columns(
        id=pl.Series(list(numbers)), external_id=pl.Series([f"N{n:04d}" for n in numbers])
    )


@pytest.mark.parametrize("expected", [153, 40])
def test_frames_staged_while_others_are_copied_keep_their_order(
    engine: Engine, sqlite_only: None, monkeypatch: pytest.MonkeyPatch, expected: int
) -> None:
    """Seven frames given to one writer: grouped into staging files sized from the
    expected rows (at most the 8 a transaction may attach), staged by workers while
    earlier files are copied. A small frame of other columns, and every row once
    the files run out (40 expected, fewer than given), go through executemany. Every
    row lands, in the order given (ids are left to SQLite)."""
    monkeypatch.setattr(bulk_sqlite, "STAGE_MIN_ROWS", 10)
    frames = [_numbered_accounts(1 + 25 * n, 25).drop("id") for n in range(6)]
    frames.append(_numbered_accounts(151, 3).drop("id", "renewal_date"))
    table = bulk.table_for("account")
    heard: list[int] = []
    with bulk.write_transaction(engine) as raw:
        with bulk.frame_writer(raw, engine, table, expected, heard.append) as write:
            for frame in frames:
                write(frame)
        attached = len(bulk_sqlite._stages(raw.dbapi_connection))
    assert 2 <= attached <= bulk_sqlite._STAGES_PER_TRANSACTION
    assert sum(heard) == 153 and len(heard) >= 3
    with Session(engine) as session:
        stored = session.exec(select(Account.external_id).order_by(Account.id)).all()
    assert stored == [f"N{n:04d}" for n in range(1, 154)]


def test_a_bad_frame_after_staged_ones_writes_nothing_and_leaves_no_file(
    tmp_path: Path, scratch_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_sqlite, "STAGE_MIN_ROWS", 5)
    engine = scratch_engine
    table = bulk.table_for("account")
    bad = _numbered_accounts(100, 10).with_columns(status=pl.lit("sleeping"))
    with (
        pytest.raises(BulkInsertError, match="account row 1: status 'sleeping'"),
        bulk.write_transaction(engine) as raw,
        bulk.frame_writer(raw, engine, table, 20) as write,
    ):
        write(_numbered_accounts(1, 10))  # two files of 5 rows, staged, not yet copied
        write(bad)
    with Session(engine) as session:
        assert session.exec(select(Account)).all() == []
    assert not list(tmp_path.glob("cxtui-stage-*"))


def test_the_log_is_synced_while_a_write_transaction_runs(
    engine: Engine, sqlite_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not Path("/proc/self/fd").exists():
        pytest.skip("needs /proc to name the synced file")
    monkeypatch.setattr(bulk_sqlite, "_WAL_FLUSH_SECONDS", 0.01)
    monkeypatch.setattr(bulk_sqlite, "_WAL_FLUSH_MIN_BYTES", 1)
    synced: list[str] = []
    real_sync = bulk_sqlite._sync_data

    def sync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_sync(fd)

    monkeypatch.setattr(bulk_sqlite, "_sync_data", sync)
    with bulk.write_transaction(engine) as raw:
        # A small page cache spills the transaction's pages to the log as they come.
        raw.cursor().execute("PRAGMA cache_size=-64")
        bulk.insert_frame(raw, engine, bulk.table_for("account"), _accounts(2_000))
        deadline = time.monotonic() + 5
        while not synced and time.monotonic() < deadline:
            time.sleep(0.01)
    assert synced and all(path.endswith("-wal") for path in synced)
    assert not [t for t in threading.enumerate() if t.name == "cxtui-wal-flush"]
    with Session(engine) as session:
        assert len(session.exec(select(Account.id)).all()) == 2_000


def test_large_load_keeps_the_declared_indexes(engine: Engine) -> None:
    count = bulk.INDEX_REBUILD_MIN_ROWS + 5
    bulk_insert(engine, "account", _accounts(count))
    names = {index["name"] for index in inspect(engine).get_indexes("account")}
    assert {"ix_account_owner", "ix_account_renewal_date", "ix_account_name"} <= names
    with Session(engine) as session:
        assert len(session.exec(select(Account.id)).all()) == count


def test_large_load_rebuilds_the_indexes_that_hold_moments(engine: Engine) -> None:
    """A load that drops and rebuilds the ticket indexes builds them as declared: on
    SQLite ending with their moments as microseconds (``core.store.sqlite_moments``),
    which the reads then take from them; on PostgreSQL of the columns alone."""
    from sqlalchemy import text

    from core.models import Ticket
    from core.store.frames import compile_query

    bulk_insert(engine, "account", _accounts(1))
    count = bulk.INDEX_REBUILD_MIN_ROWS + 5
    opened = [datetime(2024, 1, 1, 9, 30, 15, 250_000) for _ in range(count)]
    bulk_insert(
        engine,
        "ticket",
        pl.DataFrame(
            {"account_id": [1] * count, "opened_at": opened},
            schema={"account_id": pl.Int64, "opened_at": pl.Datetime("us")},
        ),
    )
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            sql = "SELECT sql FROM sqlite_master WHERE name = 'ix_ticket_opened'"
            held = connection.execute(text(sql)).scalar_one()
            assert "unixepoch(substr(first_response_at, 1, 19))" in held
            query = select(Ticket.opened_at).where(
                Ticket.opened_at >= datetime(2024, 1, 1, tzinfo=UTC)
            )
            read, _ = compile_query(engine.dialect, query)
            program = connection.exec_driver_sql(f"EXPLAIN {read}").all()
            assert not [row for row in program if str(row[5]).startswith("unixepoch")]
            micros = connection.exec_driver_sql(read).scalars().all()
            assert set(micros) == {
                int(opened[0].replace(tzinfo=UTC).timestamp()) * 1_000_000 + 250_000
            }
        else:
            sql = (
                "SELECT indexdef FROM pg_indexes"
                " WHERE indexname = 'ix_ticket_opened' AND schemaname = current_schema()"
            )
            held = connection.execute(text(sql)).scalar_one()
            assert "unixepoch" not in held and "first_response_at" in held
        assert connection.execute(text("SELECT count(*) FROM ticket")).scalar_one() == count


def test_deferred_indexes_are_rebuilt(engine: Engine) -> None:
    with deferred_indexes(engine, ["account"]):
        assert not {i["name"] for i in inspect(engine).get_indexes("account")} & {
            "ix_account_owner"
        }
        bulk_insert(engine, "account", _accounts(10))
    assert "ix_account_owner" in {i["name"] for i in inspect(engine).get_indexes("account")}


def test_a_usage_load_rebuilds_its_rollups_index_with_its_own(engine: Engine) -> None:
    """Rows of daily usage also write the monthly rollup: while a load keeps the
    indexes of daily usage dropped, the rollup's index by month is dropped too, and a
    load large enough to rebuild them rebuilds it; the month's read then finds every
    account's row through it."""
    from core.metrics.book_queries import monthly_usage_query

    accounts = bulk.INDEX_REBUILD_MIN_ROWS // 28 + 1
    bulk_insert(engine, "account", _accounts(accounts))
    days = [date(2026, 2, day) for day in range(1, 29)]
    usage = pl.DataFrame(
        {
            "account_id": [account for account in range(1, accounts + 1) for _ in days],
            "day": days * accounts,
            "active_users": [1] * (28 * accounts),
            "logins": [0] * (28 * accounts),
        }
    )

    def rollup_indexes() -> set[str | None]:
        return {index["name"] for index in inspect(engine).get_indexes("monthly_usage")}

    with deferred_indexes(engine, ["daily_usage"]):
        assert "ix_monthly_usage_month" not in rollup_indexes()
        bulk_insert(engine, "daily_usage", usage.head(28))
    assert "ix_monthly_usage_month" in rollup_indexes()
    bulk_insert(engine, "daily_usage", usage.slice(28))
    assert "ix_monthly_usage_month" in rollup_indexes()
    february = read_frame(engine, monthly_usage_query(date(2026, 2, 1), date(2026, 3, 1)))
    assert february.height == accounts
    assert set(february["users_sum"]) == {28}


def test_wrong_column_name_is_a_clear_error(engine: Engine) -> None:
    frame = _accounts(2).rename({"mrr_cents": "mrr"})
    with pytest.raises(BulkInsertError, match=r"account.*no column 'mrr'"):
        bulk_insert(engine, "account", frame)


def test_missing_required_value_names_row_and_field(engine: Engine) -> None:
    frame = _accounts(3).with_columns(
        name=pl.Series(["a", None, "c"], dtype=pl.String),
    )
    with pytest.raises(BulkInsertError, match=r"account row 2: name is empty"):
        bulk_insert(engine, "account", frame)
    with pytest.raises(BulkInsertError, match=r"needs column 'owner'"):
        bulk_insert(engine, "account", _accounts(1).drop("owner"))
    with pytest.raises(BulkInsertError, match=r"account.start_date"):
        bulk_insert(engine, "account", _accounts(1).with_columns(start_date=pl.lit(3.5)))


def test_failed_load_writes_nothing(engine: Engine) -> None:
    frame = pl.concat([_accounts(2), _accounts(2)])  # duplicate ids
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        bulk_insert(engine, "account", frame)
    with Session(engine) as session:
        assert session.exec(select(Account)).all() == []


def test_unknown_parent_names_the_row(engine: Engine) -> None:
    bulk_insert(engine, "account", _accounts(2))
    usage = pl.DataFrame(
        {"account_id": [1, 2, 9], "day": [date(2026, 1, 1)] * 3, "active_users": [1, 2, 3]}
    )
    with pytest.raises(Exception, match=r"(?i)daily_usage row 3: account_id 9|foreign key"):
        bulk_insert(engine, "daily_usage", usage)
    with Session(engine) as session:
        assert session.exec(select(DailyUsage)).all() == []


@pytest.mark.parametrize(
    ("table", "row", "message"),
    [
        ("interaction", {"kind": "fax"}, r"interaction row 2: kind 'fax' breaks the rule kind IN"),
        ("interaction", {"sentiment": 2}, r"interaction row 2: sentiment 2 breaks the rule"),
        ("daily_usage", {"logins": -1}, r"daily_usage row 2: active_users 1, logins -1 breaks"),
        ("survey_response", {"score": 11}, r"survey_response row 2: kind 'nps', score 11"),
        ("mrr_movement", {"amount_cents": -5}, r"mrr_movement row 2: kind 'new', amount_cents -5"),
        ("account", {"status": "gone"}, r"account row 2: status 'gone' breaks"),
    ],
)
def test_check_constraints_are_enforced_and_name_the_row(
    engine: Engine, table: str, row: dict[str, object], message: str
) -> None:
    """SQLite's own CHECKs are off during bulk writes: the same rules, checked in
    polars, still reject the row (on PostgreSQL before the database would)."""
    good = {
        "interaction": {
            "account_id": 1,
            "kind": "call",
            "occurred_at": datetime(2026, 1, 1, 9),
            "logged_by": "Ada",
            "summary": "hello",
            "sentiment": None,
        },
        "daily_usage": {"account_id": 1, "day": date(2026, 1, 1), "active_users": 1, "logins": 0},
        "survey_response": {
            "account_id": 1,
            "kind": "nps",
            "score": 10,
            "answered_at": datetime(2026, 1, 1),
        },
        "mrr_movement": {
            "account_id": 1,
            "occurred_on": date(2026, 1, 1),
            "kind": "new",
            "amount_cents": 100,
        },
    }
    if table != "account":
        bulk_insert(engine, "account", _accounts(1))
        frame = pl.DataFrame([good[table], {**good[table], **row}])
    else:
        frame = _accounts(2).with_columns(status=pl.Series(["active", row["status"]]))
    with pytest.raises(BulkInsertError, match=message):
        bulk_insert(engine, table, frame)
    with engine.connect() as connection:
        assert connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one() == 0
