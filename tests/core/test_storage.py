"""Storage: schema, migrations, pragmas, file safety, on a real database."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import warnings
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, Index, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateIndex
from sqlmodel import Session, SQLModel, select

from core import models as m
from core.store.db import (
    DATABASE_URL_ENV,
    SchemaTooNewError,
    database_url,
    default_db_path,
    make_engine,
    open_engine,
    sqlite_url,
)
from core.store.migrate import current_revision, head_revision, migrate
from core.store.sqlite_moments import MICROS_ON_SQLITE
from tests.rows import older_account


def _one_of_everything(session: Session, current: bool = True) -> m.Account:
    """One row in every table. For an older schema (``current`` false), none in the
    tables it does not have yet or whose columns it lacks: daily usage (an ORM write
    of usage also writes the monthly_usage rollup), survey answers and overrides."""
    account = m.Account(
        external_id="ACC-1",
        name="Acme Rockets",
        segment="Enterprise",
        plan="Scale",
        owner="Dana Reyes",
        mrr_cents=1_234_567,
        seats=40,
        start_date=date(2024, 1, 15),
        renewal_date=date(2027, 1, 15),
        status=m.AccountStatus.ACTIVE,
        onboarding_completed_at=date(2024, 2, 1),
    )
    if current:
        session.add(account)
        session.flush()
    else:  # the columns of 0001's account table only
        account.id = older_account(session, account)
    assert account.id is not None
    contact = m.Contact(account_id=account.id, name="Ada", email="ada@acme.test", is_primary=True)
    session.add(contact)
    session.flush()
    moment = datetime(2025, 3, 31, 23, 59, 59, 999_999, tzinfo=UTC)
    interaction = m.Interaction(
        account_id=account.id,
        contact_id=contact.id,
        kind=m.InteractionKind.QBR,
        occurred_at=moment,
        logged_by="Dana Reyes",
        summary="Q1 business review",
        notes="Line one\nLine two",
        sentiment=1,
        follow_up_on=date(2025, 4, 7),
    )
    session.add(interaction)
    session.flush()
    goal = m.Goal(
        title="Churn below 3 %",
        owner="team",
        start_date=date(2025, 1, 1),
        due_date=date(2025, 3, 31),
        target_type="percent",
        start_value=Decimal("4.25"),
        target_value=Decimal("3"),
        direction="lower",
        metric="churn_rate_pct",
    )
    session.add(goal)
    session.flush()
    assert goal.id is not None
    health_model = m.HealthModel(fingerprint="abc", definition="{}")
    session.add(health_model)
    session.flush()
    session.add_all(
        [
            *(
                [
                    m.DailyUsage(
                        account_id=account.id, day=date(2025, 3, 1), active_users=12, logins=30
                    )
                ]
                if current
                else []
            ),
            *(
                [m.SurveyResponse(account_id=account.id, kind="nps", score=9, answered_at=moment)]
                if current
                else []
            ),
            m.Ticket(
                account_id=account.id,
                subject="SSO broken",
                priority="high",
                opened_at=moment,
                first_response_at=moment,
            ),
            m.MrrMovement(
                account_id=account.id, occurred_on=date(2024, 1, 15), kind="new", amount_cents=99
            ),
            m.Purchase(account_id=account.id, purchased_at=moment, amount_cents=5_000),
            m.RetentionCost(incurred_on=date(2025, 3, 1), amount_cents=100_000, category="CSM"),
            m.GoalTask(goal_id=goal.id, title="QBR with Acme"),
            m.GoalCheckin(goal_id=goal.id, value=Decimal("3.75"), checked_on=date(2025, 2, 1)),
            m.Task(
                account_id=account.id,
                interaction_id=interaction.id,
                owner="Dana Reyes",
                title="Send QBR notes",
                due_on=date(2025, 4, 7),
                source="follow_up",
            ),
            m.HealthSnapshot(
                account_id=account.id,
                day=date(2025, 3, 31),
                score=72.5,
                band="green",
                model_id=health_model.id,
            ),
            *(
                [
                    m.HealthOverride(
                        account_id=account.id,
                        band="red",
                        reason="Champion left",
                        starts_on=date(2025, 3, 31),
                        expires_on=date(2025, 4, 30),
                    )
                ]
                if current
                else []
            ),
        ]
    )
    session.commit()
    return account


def test_every_table_round_trips(engine: Engine) -> None:
    with Session(engine) as session:
        _one_of_everything(session)
    with Session(engine) as session:
        account = session.exec(select(m.Account)).one()
        assert (account.name, account.mrr_cents, account.renewal_date) == (
            "Acme Rockets",
            1_234_567,
            date(2027, 1, 15),
        )
        interaction = session.exec(select(m.Interaction)).one()
        assert interaction.occurred_at == datetime(2025, 3, 31, 23, 59, 59, 999_999, tzinfo=UTC)
        assert interaction.notes == "Line one\nLine two"
        goal = session.exec(select(m.Goal)).one()
        assert goal.start_value == Decimal("4.25")
        assert isinstance(goal.start_value, Decimal)
        checkin = session.exec(select(m.GoalCheckin)).one()
        assert checkin.value == Decimal("3.75")
        for model in (
            m.Contact,
            m.DailyUsage,
            m.SurveyResponse,
            m.Ticket,
            m.MrrMovement,
            m.Purchase,
            m.RetentionCost,
            m.GoalTask,
            m.Task,
            m.HealthSnapshot,
            m.HealthOverride,
            m.HealthModel,
        ):
            assert len(session.exec(select(model)).all()) == 1, model.__name__


def _moment_indexes() -> list[Index]:
    """The indexes that hold moments as microseconds on SQLite (``core.store.sqlite_moments``)."""
    return [
        index
        for table in SQLModel.metadata.tables.values()
        for index in table.indexes
        if index.info.get(MICROS_ON_SQLITE)
    ]


def test_migrations_build_exactly_the_models_schema(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    on_sqlite = engine.dialect.name == "sqlite"
    # SQLAlchemy does not reflect an index of expressions on SQLite (it warns and
    # leaves it out): those are compared by their SQL below.
    skipped = {index.name for index in _moment_indexes()} if on_sqlite else set()

    def compared(obj: object, name: str | None, kind: str, *_: object) -> bool:
        return not (kind == "index" and name in skipped)

    with engine.connect() as connection, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": compared}
        )
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    if on_sqlite:
        with engine.connect() as connection:
            stored = dict(
                connection.execute(
                    text("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
                ).all()
            )
        assert skipped == {"ix_ticket_opened", "ix_ticket_resolved", "ix_survey_answered"}
        for index in _moment_indexes():
            declared = str(CreateIndex(index).compile(dialect=engine.dialect))
            assert " ".join(stored[index.name].split()) == " ".join(declared.split())


def test_opening_again_is_a_no_op(db_url: str) -> None:
    first = open_engine(db_url)
    first.dispose()
    second = make_engine(db_url)
    assert migrate(second) is None
    second.dispose()


@pytest.mark.parametrize(
    "bad_row",
    [
        {"kind": "nps", "score": 11},
        {"kind": "csat", "score": 0},
    ],
)
def test_constraints_reject_out_of_range_scores(engine: Engine, bad_row: dict) -> None:
    with Session(engine) as session:
        account = _one_of_everything(session)
        session.add(
            m.SurveyResponse(
                account_id=account.id, answered_at=datetime(2025, 1, 1, tzinfo=UTC), **bad_row
            )
        )
        with pytest.raises(IntegrityError):
            session.commit()


def test_mrr_movement_sign_must_match_its_kind(engine: Engine) -> None:
    with Session(engine) as session:
        account = _one_of_everything(session)
        session.add(
            m.MrrMovement(
                account_id=account.id, occurred_on=date(2025, 1, 1), kind="churn", amount_cents=500
            )
        )
        with pytest.raises(IntegrityError):
            session.commit()


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(m.Contact(account_id=999, name="Nobody"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_a_newer_schema_is_refused_and_left_untouched(db_url: str, is_postgres: bool) -> None:
    engine = open_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_future'"))
    engine.dispose()
    path = None if is_postgres else Path(db_url.removeprefix("sqlite:///"))
    before = hashlib.sha256(path.read_bytes()).hexdigest() if path else None
    with pytest.raises(SchemaTooNewError, match="newer cxtui"):
        open_engine(db_url)
    if path:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before
        assert not list(path.parent.glob("*.bak"))
    check = make_engine(db_url)
    assert current_revision(check) == "ffff_from_future"
    check.dispose()


def test_existing_sqlite_file_is_backed_up_before_migrating(tmp_path: Path, sqlite_only) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
        connection.execute("INSERT INTO notes VALUES ('keep me')")
    connection.close()
    engine = make_engine(sqlite_url(path))
    backup = migrate(engine)
    engine.dispose()
    assert backup is not None and backup.parent == tmp_path
    assert backup.name.startswith("old.db.") and backup.suffix == ".bak"
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT body FROM notes").fetchall() == [("keep me",)]
        assert "alembic_version" not in {
            row[0] for row in copy.execute("SELECT name FROM sqlite_master")
        }
    copy.close()
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600


def test_upgrading_an_older_schema_backs_up_first_and_keeps_the_data(
    tmp_path: Path, sqlite_only
) -> None:
    from alembic import command

    from core.store.migrate import alembic_config

    path = tmp_path / "cxtui.db"
    engine = make_engine(sqlite_url(path))
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    with Session(engine) as session:
        account_id = _one_of_everything(session, current=False).id
    usage = [("2025-03-01", 12), ("2025-03-31", 20), ("2025-04-02", 3)]
    with engine.begin() as connection:
        for day, users in usage:
            connection.execute(
                text("INSERT INTO daily_usage VALUES (:a, :day, :users, 0)"),
                {"a": account_id, "day": day, "users": users},
            )
    assert current_revision(engine) == "0001"
    backup = migrate(engine)
    assert current_revision(engine) == head_revision() != "0001"
    with Session(engine) as session:
        assert session.exec(select(m.Account.name)).one() == "Acme Rockets"
        rollup = session.exec(select(m.MonthlyUsage).order_by(m.MonthlyUsage.month)).all()
    # The migration to 0003 summed the usage already stored per account and month.
    assert [(r.month, r.users_sum, r.users_max, r.day_bits) for r in rollup] == [
        (date(2025, 3, 1), 32, 20, 2**1 + 2**31),
        (date(2025, 4, 1), 3, 3, 2**2),
    ]
    engine.dispose()
    assert backup is not None
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        assert copy.execute("SELECT name FROM account").fetchall() == [("Acme Rockets",)]
    copy.close()


def _at_0014(engine: Engine) -> None:
    """A book at the newest revision taken back to 0014 by the migrations' downgrades
    (0015 added ix_monthly_usage_month, 0018 a column of account): the schema of 0014
    as it was, whatever migrations come later."""
    from alembic import command

    from core.store.migrate import alembic_config

    migrate(engine)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0014")


def test_an_index_only_migration_backs_up_first_too(tmp_path: Path, sqlite_only) -> None:
    """Migration 0015 only adds an index; the file is still copied before it runs, as
    before any migration of an existing file (``core.store.migrate``)."""
    engine = make_engine(sqlite_url(tmp_path / "cxtui.db"))
    _at_0014(engine)
    backup = migrate(engine)
    indexes = {index["name"] for index in inspect(engine).get_indexes("monthly_usage")}
    engine.dispose()
    assert "ix_monthly_usage_month" in indexes
    assert backup is not None
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [("0014",)]
    copy.close()


def test_a_migration_that_fails_leaves_the_file_as_it_was(tmp_path: Path, sqlite_only) -> None:
    """On SQLite the migrations ran outside a transaction until their first write of
    a row: an index created, then a failure (here the version stamp refused, as a
    full disk would) kept the index and the old version, and every later open failed
    on "index ix_monthly_usage_month already exists". Now nothing of a failed
    migration stays, and the file opens once the cause is gone."""
    engine = make_engine(sqlite_url(tmp_path / "cxtui.db"))
    _at_0014(engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TRIGGER full_disk BEFORE UPDATE ON alembic_version "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )
        )
    with pytest.raises(IntegrityError, match="disk is full"):
        migrate(engine)
    assert "ix_monthly_usage_month" not in {
        index["name"] for index in inspect(engine).get_indexes("monthly_usage")
    }
    assert current_revision(engine) == "0014"
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER full_disk"))
    migrate(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_a_new_empty_database_needs_no_backup(tmp_path: Path, sqlite_only) -> None:
    engine = make_engine(sqlite_url(tmp_path / "new.db"))
    assert migrate(engine) is None
    engine.dispose()
    assert not list(tmp_path.glob("*.bak"))


def test_sqlite_pragmas_are_in_force(engine: Engine, sqlite_only) -> None:
    with engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA busy_timeout").scalar() >= 5000


def test_new_database_file_is_private(tmp_path: Path, sqlite_only) -> None:
    os.umask(0o022)
    path = tmp_path / "sub" / "private.db"
    engine = open_engine(sqlite_url(path))
    engine.dispose()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_database_url_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    assert database_url() == sqlite_url(default_db_path())
    assert str(tmp_path) in str(default_db_path()) or "cxtui" in str(default_db_path())
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql://u:p@localhost/cx")
    assert database_url() == "postgresql+psycopg://u:p@localhost/cx"
    assert database_url(tmp_path / "x.db") == sqlite_url(tmp_path / "x.db")
