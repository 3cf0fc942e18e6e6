"""Writing checked rows: all or nothing, in one transaction on one raw connection.

``core.bulk.bulk_insert`` commits on its own connection, so an import that also
creates accounts and updates rows cannot use it as it is; this module writes with
the same formatting helpers of ``core.bulk`` (SQLite ``executemany`` of values
formatted as SQLAlchemy stores them, PostgreSQL ``COPY``) on a connection whose
transaction it holds until the end: the accounts it creates, the rows it updates
and the rows it inserts commit together or not at all. A process killed half-way
leaves the database as it was (SQLite rolls the open transaction back from its
write-ahead log; PostgreSQL aborts it with the connection).

Re-imports: rows whose natural key (``spec.py``) is stored already are compared on
the imported fields: different rows are updated, identical rows skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any

import polars as pl
from sqlalchemy import Engine, Table, and_, select
from sqlalchemy.schema import CreateIndex, DropIndex

from core.bulk import (
    INDEX_REBUILD_MIN_ROWS,
    _check_not_null,
    _complete,
    _existing_indexes,
    _postgres_csv,
    _run_ddl,
    _sqlite_text,
    table_for,
)
from core.frames import read_frame
from core.importing.check import ACCOUNT_REF, ROW, Checked, Plan, Progress, _resolve_default
from core.importing.spec import ACCOUNT, DATE, DATETIME
from core.models import utcnow

WRITE_BATCH_ROWS = 50_000
_EXISTS = "_exists"


@dataclass
class Changes:
    """What a checked file would do to the database."""

    new: pl.DataFrame
    changed: pl.DataFrame
    skipped: int
    missing_accounts: list[str]


@dataclass
class Written:
    inserted: int
    updated: int
    skipped: int
    created_accounts: int


def _key_targets(plan: Plan) -> list[str]:
    return [plan.kind.field(name).target for name in plan.kind.key]


def _compared(plan: Plan) -> list[str]:
    keys = set(_key_targets(plan))
    return [
        plan.kind.field(name).target
        for name in plan.mapping.columns
        if plan.kind.field(name).target not in keys and plan.kind.field(name).type != ACCOUNT
    ]


def _stored(engine: Engine, plan: Plan, frame: pl.DataFrame, table: Table) -> pl.DataFrame:
    """The stored rows that could share a key with the file: their identity (primary
    key), key and compared columns. Narrowed to the file's date range when the key
    has a date."""
    identity = [column.name for column in table.primary_key]
    names = list(dict.fromkeys(identity + _key_targets(plan) + _compared(plan)))
    query = select(*[table.c[name] for name in names])
    for name in plan.kind.key:
        spec = plan.kind.field(name)
        if spec.type in (DATE, DATETIME):
            column = table.c[spec.target]
            bounds = frame.select(low=pl.col(spec.target).min(), high=pl.col(spec.target).max())
            low, high = bounds.row(0)
            if spec.type == DATETIME:  # stored moments are UTC
                low, high = low.replace(tzinfo=UTC), high.replace(tzinfo=UTC)
            query = query.where(and_(column >= low, column <= high))
            break
    stored = read_frame(engine, query)
    return stored.unique(subset=_key_targets(plan), keep="first", maintain_order=True)


def _same(left: str, right: str, dtype: pl.DataType) -> pl.Expr:
    a, b = pl.col(left), pl.col(right)
    if dtype == pl.String:  # stored "" reads back as null
        a, b = a.fill_null(""), b.fill_null("")
    return a.eq_missing(b)


def plan_changes(engine: Engine, checked: Checked) -> Changes:
    """Split the checked rows into new, changed and unchanged, reading only."""
    plan = checked.plan
    table = table_for(plan.kind.table)
    frame = checked.frame
    missing = checked.unknown_accounts()
    stored = _stored(engine, plan, frame, table).with_columns(pl.lit(True).alias(_EXISTS))
    keys = _key_targets(plan)
    joined = frame.join(
        stored, on=keys, how="left", nulls_equal=True, suffix="_old", maintain_order="left"
    )
    exists = pl.col(_EXISTS).fill_null(False)
    compared = _compared(plan)
    same = pl.all_horizontal(
        [_same(name, f"{name}_old", frame.schema[name]) for name in compared] or [pl.lit(True)]
    )
    joined = joined.with_columns(exists.alias(_EXISTS), same.alias("_same"))
    new = joined.filter(~pl.col(_EXISTS)).select(frame.columns)
    changed = joined.filter(pl.col(_EXISTS) & ~pl.col("_same"))
    skipped = joined.filter(pl.col(_EXISTS) & pl.col("_same")).height
    identity = [column.name for column in table.primary_key]
    changed = changed.select(list(dict.fromkeys(compared + identity)))
    return Changes(new, changed, skipped, missing)


def write_checked(engine: Engine, checked: Checked, progress: Progress) -> Written:
    """Create missing accounts, update changed rows and insert new ones, in one
    transaction. Any error rolls everything back and is raised."""
    plan = checked.plan
    table = table_for(plan.kind.table)
    # What is stored is read in bulk before the write lock is taken (a bulk read
    # cannot run beside an open write connection); if another writer changed the
    # table in between, it is read again under the lock.
    changes = plan_changes(engine, checked)
    with engine.connect() as connection:
        seen = _fingerprint(connection.connection.dbapi_connection, table)
    raw = engine.raw_connection()
    sqlite = engine.dialect.name == "sqlite"
    try:
        cursor = raw.cursor()
        if sqlite:
            if raw.dbapi_connection.in_transaction:
                raw.commit()
            # Every row was checked in polars against the same rules as the schema's
            # CHECK constraints (kinds, sentiment, score ranges, signs) and every
            # account_id was looked up or created: SQLite's own per-row checks would
            # only slow the load down (an IN-list CHECK costs 10x per executemany row).
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.execute("PRAGMA ignore_check_constraints=ON")
            cursor.execute("BEGIN IMMEDIATE")  # the write lock
        else:
            cursor.execute(f'LOCK TABLE "{table.name}" IN SHARE ROW EXCLUSIVE MODE')
        if _fingerprint(raw, table) != seen:
            changes = plan_changes(engine, checked)
        created = 0
        if changes.missing_accounts:
            ids = _create_accounts(raw, engine, changes.missing_accounts, plan)
            created = len(changes.missing_accounts)
            new = changes.new.join(ids, on=ACCOUNT_REF, how="left", maintain_order="left")
            changes.new = new.with_columns(
                pl.coalesce("account_id", "_new_id").alias("account_id")
            ).drop("_new_id")
        total = changes.new.height + changes.changed.height
        _update(raw, engine, table, changes.changed)
        progress("written", changes.changed.height, total)
        insert = _insertable(plan, changes.new)
        _insert(raw, engine, table, insert, progress, changes.changed.height, total)
        cursor.close()
        raw.commit()
    except BaseException:
        raw.rollback()
        raise
    finally:
        if sqlite:
            raw.dbapi_connection.execute("PRAGMA ignore_check_constraints=OFF")
            raw.dbapi_connection.execute("PRAGMA foreign_keys=ON")
        raw.close()
    return Written(changes.new.height, changes.changed.height, changes.skipped, created)


def _fingerprint(raw: Any, table: Table) -> tuple[Any, ...]:
    """How many rows the table has and its largest key: changes when rows are added."""
    first = next(iter(table.primary_key)).name
    cursor = raw.cursor()
    cursor.execute(f'SELECT count(*), max("{first}") FROM "{table.name}"')
    row = tuple(cursor.fetchone())
    cursor.close()
    return row


def _insertable(plan: Plan, new: pl.DataFrame) -> pl.DataFrame:
    """New rows with the defaults of the fields the file does not have."""
    frame = new.drop([ROW, ACCOUNT_REF], strict=False)
    for spec in plan.kind.fields:
        if spec.name not in plan.mapping.columns and spec.default is not None:
            frame = frame.with_columns(
                pl.lit(_resolve_default(spec.default, plan.options)).alias(spec.target)
            )
    return frame


def _create_accounts(raw: Any, engine: Engine, external_ids: list[str], plan: Plan) -> pl.DataFrame:
    """Accounts for unknown external ids (named after the id, active, starting today),
    and their new ids, as ACCOUNT_REF -> _new_id."""
    from core.importing.spec import KINDS

    accounts = KINDS["accounts"]
    frame = pl.DataFrame({"external_id": external_ids, "name": external_ids})
    for spec in accounts.fields:
        if spec.target not in frame.columns and spec.default is not None:
            frame = frame.with_columns(
                pl.lit(_resolve_default(spec.default, plan.options)).alias(spec.target)
            )
    table = table_for("account")
    _insert(raw, engine, table, frame, lambda *_: None, 0, frame.height)
    cursor = raw.cursor()
    mark = "?" if engine.dialect.name == "sqlite" else "%s"
    found: list[tuple[str, int]] = []
    for start in range(0, len(external_ids), 500):
        chunk = external_ids[start : start + 500]
        cursor.execute(
            f"SELECT external_id, id FROM account WHERE external_id IN "
            f"({', '.join(mark for _ in chunk)})",
            chunk,
        )
        found.extend(cursor.fetchall())
    cursor.close()
    return pl.DataFrame(found, schema={ACCOUNT_REF: pl.String, "_new_id": pl.Int64}, orient="row")


def _rows(engine: Engine, frame: pl.DataFrame) -> Any:
    return (_sqlite_text(frame) if engine.dialect.name == "sqlite" else frame).iter_rows()


def _update(raw: Any, engine: Engine, table: Table, changed: pl.DataFrame) -> None:
    if changed.height == 0:
        return
    identity = [column.name for column in table.primary_key]
    settable = [name for name in changed.columns if name not in identity]
    if "updated_at" in table.c and "updated_at" not in settable:
        changed = changed.with_columns(pl.lit(utcnow().replace(tzinfo=None)).alias("updated_at"))
        settable.append("updated_at")
    changed = changed.select(settable + identity)
    mark = "?" if engine.dialect.name == "sqlite" else "%s"
    assignments = ", ".join(f'"{name}" = {mark}' for name in settable)
    match = " AND ".join(f'"{name}" = {mark}' for name in identity)
    sql = f'UPDATE "{table.name}" SET {assignments} WHERE {match}'
    cursor = raw.cursor()
    for batch in changed.iter_slices(WRITE_BATCH_ROWS):
        cursor.executemany(sql, list(_rows(engine, batch)))
    cursor.close()


def _insert(
    raw: Any,
    engine: Engine,
    table: Table,
    frame: pl.DataFrame,
    progress: Progress,
    done: int,
    total: int,
) -> None:
    """Insert ``frame`` on the open transaction of ``raw``; secondary indexes are
    dropped first and rebuilt after for large loads (in the same transaction)."""
    if frame.height == 0:
        return
    frame = _complete(table, frame)
    _check_not_null(table, frame)
    large = frame.height >= INDEX_REBUILD_MIN_ROWS
    rebuild = _existing_indexes(raw, engine, table) if large else []
    _run_ddl(raw, engine, rebuild, DropIndex)
    columns = ", ".join(f'"{name}"' for name in frame.columns)
    cursor = raw.cursor()
    if engine.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in frame.columns)
        sql = f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})'
        for batch in frame.iter_slices(WRITE_BATCH_ROWS):
            cursor.executemany(sql, _sqlite_text(batch).iter_rows())
            done += batch.height
            progress("written", done, total)
    else:
        sql = f'COPY "{table.name}" ({columns}) FROM STDIN WITH (FORMAT csv)'
        with cursor.copy(sql) as copy:
            for batch in frame.iter_slices(WRITE_BATCH_ROWS):
                copy.write(
                    _postgres_csv(batch).write_csv(include_header=False, date_format="%Y-%m-%d")
                )
                done += batch.height
                progress("written", done, total)
    cursor.close()
    _run_ddl(raw, engine, rebuild, CreateIndex)
