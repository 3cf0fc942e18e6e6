"""A whole book copied into another database (``core.store.book_copy``): the demo
book, with a row in every table it leaves empty, from a SQLite file into the test's
database (a new SQLite file, or a PostgreSQL schema when CXTUI_DATABASE_URL is set).
Every table is compared with plain SQL on both sides, not through cxtui."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel, select

from core.models import (
    Account,
    AccountFieldRevision,
    AccountFieldValue,
    ChurnModel,
    CustomField,
    Goal,
    GoalRevision,
    HealthOverride,
    Interaction,
    InteractionRevision,
    RetentionCost,
    RuleRun,
    SurveyResponse,
    SurveyRevision,
    Task,
    TaskEvent,
)
from core.store.book_copy import CopyFailed, CopyRefused, copy_book
from core.store.db import open_engine, sqlite_path, sqlite_url
from tests.conftest import copy_migrated_sqlite
from tests.rows import book_tables

pytestmark = pytest.mark.postgres

ODD_TEXT = 'Zoë\'s "QBR"\nsecond line, 100 % ✓'


@pytest.fixture
def source(tmp_path: Path, _demo_template: Path) -> Path:
    """The demo book in a SQLite file of its own, with a row (written by the ORM, as
    the app writes them) in each table the demo leaves empty: edit histories, an
    override, task events, a rule run, a churn model, a custom field with its value
    and history; an account set to cancel at its renewal. Odd text, microseconds and
    an aware moment among them."""
    path = tmp_path / "source.db"
    copy_migrated_sqlite(_demo_template, path)
    engine = open_engine(sqlite_url(path))
    moment = datetime(2026, 11, 19, 8, 30, 15, 123456, tzinfo=UTC)
    with Session(engine) as session:
        account = session.exec(select(Account).order_by(Account.id)).first()
        interaction = session.exec(select(Interaction).order_by(Interaction.id)).first()
        survey = session.exec(select(SurveyResponse).order_by(SurveyResponse.id)).first()
        task = session.exec(select(Task).order_by(Task.id)).first()
        goal = session.exec(select(Goal).order_by(Goal.id)).first()
        assert account and interaction and survey and task and goal
        assert account.id and interaction.id and survey.id and task.id and goal.id
        interaction.notes = ODD_TEXT
        account.cancels_at_renewal = True  # the demo sets none to cancel
        field = CustomField(
            key="tier",
            name="Tier",
            label="Tier",
            type="choice",
            choices='["Gold", "Silver"]',
            created_at=moment,
        )
        session.add_all(
            [
                account,
                interaction,
                InteractionRevision(
                    interaction_id=interaction.id,
                    edited_by="Zoë",
                    changes='{"notes": [null, "x"]}',
                    edited_at=moment,
                ),
                SurveyRevision(survey_id=survey.id, edited_by="Dana", changes='{"score": [7, 9]}'),
                GoalRevision(goal_id=goal.id, version=1, edited_by="Dana", definition="{}"),
                HealthOverride(
                    account_id=account.id,
                    score=12.5,
                    reason=ODD_TEXT,
                    set_by="Dana",
                    starts_on=date(2026, 11, 1),
                    expires_on=date(2026, 12, 1),
                ),
                HealthOverride(
                    account_id=account.id,
                    band="red",
                    reason="r",
                    starts_on=date(2026, 10, 1),
                    expires_on=date(2026, 10, 30),
                    ended_at=moment,
                    ended_by="Lee",
                ),
                TaskEvent(task_id=task.id, action="done", by="Dana", at=moment),
                TaskEvent(
                    task_id=task.id, action="snoozed", by="Dana", snoozed_until=date(2026, 12, 24)
                ),
                RuleRun(rule="renewal_soon", created=3, ran_by="Dana"),
                ChurnModel(
                    fitted_by="Dana",
                    history=True,
                    auc=0.8123456789,
                    validation="{}",
                    definition='{"features": []}',
                ),
                RetentionCost(incurred_on=date(2026, 11, 2), amount_cents=-1, category="refund"),
                field,
            ]
        )
        session.flush()
        assert field.id is not None
        session.add_all(
            [
                AccountFieldValue(field_id=field.id, account_id=account.id, value="Gold"),
                AccountFieldRevision(
                    account_id=account.id,
                    field_id=field.id,
                    old_value="Silver",
                    new_value="Gold",
                    changed_by="Dana",
                    source="edit",
                ),
            ]
        )
        session.commit()
    engine.dispose()
    return path


def _plain(value: Any) -> Any:
    """A value read from PostgreSQL as SQLite holds it (SQLAlchemy's text forms)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def _rows(url: str, table: str) -> list[tuple[Any, ...]]:
    """Every row of ``table``, in SQLite's text forms, sorted, by plain SQL."""
    path = sqlite_path(url)
    if path is not None:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            rows = connection.execute(f'SELECT * FROM "{table}"').fetchall()
        connection.close()
    else:
        engine = create_engine(url)
        with engine.connect() as connection:
            rows = [
                tuple(map(_plain, row))
                for row in connection.execute(text(f'SELECT * FROM "{table}"'))
            ]
        engine.dispose()
    return sorted(rows, key=repr)


def test_every_table_is_copied_as_it_is(source: Path, db_url: str) -> None:
    engine = open_engine(sqlite_url(source))
    try:
        copied = copy_book(engine, db_url)
    finally:
        engine.dispose()
    tables = book_tables(source)
    assert sorted(done.table for done in copied) == tables
    for table in tables:
        expected = _rows(sqlite_url(source), table)
        assert _rows(db_url, table) == expected, table
        assert {done.table: done.rows for done in copied}[table] == len(expected), table
    # every table the demo leaves empty holds a row in this book
    assert all(_rows(sqlite_url(source), table) for table in tables)
    if sqlite_path(db_url) is None:  # the foreign keys dropped for the copy are back
        assert _foreign_keys(db_url) == _declared_foreign_keys()


def _foreign_keys(url: str) -> set[tuple[str, str]]:
    """PostgreSQL's foreign keys in the schema: (table, definition)."""
    engine = create_engine(url)
    with engine.connect() as connection:
        keys = connection.execute(
            text(
                "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE contype = 'f' AND connamespace ="
                " (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
            )
        ).all()
    engine.dispose()
    return {(table, definition) for table, definition in keys}


def _declared_foreign_keys() -> set[tuple[str, str]]:
    """The foreign keys core.models declares, as PostgreSQL writes them."""
    return {
        (
            table.name,
            f"FOREIGN KEY ({key.parent.name}) REFERENCES {key.column.table.name}({key.column.name})"
            + (f" ON DELETE {key.ondelete}" if key.ondelete else ""),
        )
        for table in SQLModel.metadata.sorted_tables
        for key in table.foreign_keys
    }


def test_new_rows_take_ids_after_the_copied_ones(source: Path, db_url: str) -> None:
    """Ids are kept, and the next row of a table gets the id after the largest copied
    (on PostgreSQL the copy moves each id sequence past them)."""
    engine = open_engine(sqlite_url(source))
    copy_book(engine, db_url)
    engine.dispose()
    with sqlite3.connect(source) as connection:
        largest = connection.execute("SELECT max(id) FROM retention_cost").fetchone()[0]
        largest_rule_run = connection.execute("SELECT max(id) FROM rule_run").fetchone()[0]
    connection.close()
    dest = open_engine(db_url)
    try:
        with Session(dest) as session:
            cost = RetentionCost(incurred_on=date(2026, 11, 30), amount_cents=100)
            run = RuleRun(rule="x")
            session.add_all([cost, run])
            session.commit()
            assert (cost.id, run.id) == (largest + 1, largest_rule_run + 1)
    finally:
        dest.dispose()


def test_a_destination_holding_a_book_is_refused_and_left_alone(source: Path, db_url: str) -> None:
    engine = open_engine(sqlite_url(source))
    try:
        copy_book(engine, db_url)
        before = {table: _rows(db_url, table) for table in ("account", "task", "rule_run")}
        with pytest.raises(CopyRefused, match="holds a book already"):
            copy_book(engine, db_url)
        assert {table: _rows(db_url, table) for table in before} == before
        with pytest.raises(CopyRefused, match="is the book being copied"):
            copy_book(engine, sqlite_url(source.parent / "." / source.name))
    finally:
        engine.dispose()


def test_a_failure_midway_leaves_the_destination_without_the_book(
    source: Path, db_url: str
) -> None:
    """A damaged book (a task event of a task that is not there, written with SQLite's
    foreign keys off) fails on that table, after the tables before it were written:
    the error names it and the destination holds none of the book."""
    with sqlite3.connect(source) as connection:
        connection.execute(
            "INSERT INTO task_event (task_id, action, at, by) VALUES"
            " (999999, 'done', '2026-11-19 08:00:00.000000', 'Dana')"
        )
    connection.close()
    engine = open_engine(sqlite_url(source))
    try:
        with pytest.raises(CopyFailed, match="table task_event"):
            copy_book(engine, db_url)
    finally:
        engine.dispose()
    path = sqlite_path(db_url)
    if path is not None:
        assert not path.exists()
        assert list(path.parent.glob(f".{path.name}*")) == []
    else:
        assert all(_rows(db_url, table) == [] for table in book_tables(source))


def test_a_book_copied_there_and_back_is_the_same(
    source: Path, db_url: str, tmp_path: Path
) -> None:
    """Copied into the test's database and from it into a new SQLite file: every table
    as in the first file (on PostgreSQL: its moments, days, decimals, booleans and
    empty text read back as SQLite keeps them)."""
    engine = open_engine(sqlite_url(source))
    copy_book(engine, db_url)
    engine.dispose()
    there = open_engine(db_url)
    back = sqlite_url(tmp_path / "back.db")
    try:
        copy_book(there, back)
    finally:
        there.dispose()
    for table in book_tables(source):
        assert _rows(back, table) == _rows(sqlite_url(source), table), table


def _schema(path: Path) -> dict[str, Any]:
    """The schema of a SQLite file as SQLite describes it, each table's constraints in
    any order (two files migrated alike list them in orders of their own): per table
    its columns, foreign keys, indexes and CHECK constraints; the page size."""
    import re

    with sqlite3.connect(path) as connection:
        tables = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        shape: dict[str, Any] = {
            "page_size": connection.execute("PRAGMA page_size").fetchone(),
            "triggers": connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
            ).fetchone(),
        }
        for name, sql in tables:
            indexes = connection.execute(f'PRAGMA index_list("{name}")').fetchall()
            shape[name] = (
                connection.execute(f'PRAGMA table_xinfo("{name}")').fetchall(),
                sorted(row[2:] for row in connection.execute(f'PRAGMA foreign_key_list("{name}")')),
                sorted(
                    (index[1:], connection.execute(f'PRAGMA index_xinfo("{index[1]}")').fetchall())
                    for index in indexes
                ),
                sorted(re.findall(r"CONSTRAINT \w+ CHECK \(.*\)", sql)),
            )
    connection.close()
    return shape


@pytest.mark.parametrize("apart", [False, True], ids=["as migrated", "an index more"])
def test_a_sqlite_file_is_copied_by_sqlite_itself(
    source: Path, tmp_path: Path, book_file: Path, monkeypatch: pytest.MonkeyPatch, apart: bool
) -> None:
    """SQLite to SQLite, the rows are not read into Python table by table (which took
    2.1x the time of SQLite's own INSERT ... SELECT on the S book): a page copy of the
    file when its schema is the one a new book is migrated to, else INSERT ... SELECT.
    Either way every row is as in the source, and the copy is a book of this cxtui's
    schema (not the source's index more), in WAL mode, readable by its owner only."""
    from core.store import book_copy

    def by_rows(*_args: object) -> int:
        raise AssertionError("copied through frame_writer")

    monkeypatch.setattr(book_copy, "_copy_table", by_rows)
    if apart:
        with sqlite3.connect(source) as connection:
            connection.execute("CREATE INDEX not_ours ON account (name)")
        connection.close()
    open_engine(sqlite_url(book_file)).dispose()  # a new book, migrated
    dest = tmp_path / "copy.db"
    engine = open_engine(sqlite_url(source))
    try:
        copied = copy_book(engine, sqlite_url(dest))
    finally:
        engine.dispose()
    assert (_schema(source) != _schema(book_file)) is apart  # its index more
    assert _schema(dest) == _schema(book_file)
    for table in book_tables(source):
        rows = _rows(sqlite_url(source), table)
        assert _rows(sqlite_url(dest), table) == rows, table
        assert {done.table: done.rows for done in copied}[table] == len(rows), table
    with sqlite3.connect(dest) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    connection.close()
    assert dest.stat().st_mode & 0o777 == 0o600
    assert sorted(path.name for path in tmp_path.iterdir() if "copy" in path.name) == ["copy.db"]


@pytest.mark.parametrize("apart", [False, True], ids=["as migrated", "an index more"])
def test_a_damaged_sqlite_file_fails_naming_the_row(
    source: Path, tmp_path: Path, apart: bool
) -> None:
    """A survey answer scored 42 (written past SQLite's checks): SQLite's own copy
    (page copy or INSERT ... SELECT) would keep or refuse it without naming it; the
    copy fails naming its table and row, and leaves no file."""
    with sqlite3.connect(source) as connection:
        connection.execute("PRAGMA ignore_check_constraints=ON")
        connection.execute("UPDATE survey_response SET score = 42 WHERE id = 7")
        if apart:
            connection.execute("CREATE INDEX not_ours ON account (name)")
    connection.close()
    dest = tmp_path / "copy.db"
    engine = open_engine(sqlite_url(source))
    try:
        with pytest.raises(CopyFailed, match="table survey_response failed: survey_response row 7"):
            copy_book(engine, sqlite_url(dest))
    finally:
        engine.dispose()
    assert sorted(path.name for path in tmp_path.iterdir() if "copy" in path.name) == []
