"""Writing checked rows: all or nothing, in one transaction on one raw connection.

The accounts an import creates, the rows it updates and the rows it inserts are
written batch by batch (the checked batches kept on disk, see ``check.py``) in one
``core.store.bulk.write_transaction`` (inserts through ``core.store.bulk.insert_frame``, updates
with ``executemany``) and commit together or not at all. A process killed half-way
leaves the database as it was (SQLite rolls the open transaction back from its
write-ahead log; PostgreSQL aborts it with the connection).

Re-imports: rows whose natural key (``spec.py``) is stored already are compared on
the imported fields: different rows are updated, identical rows skipped.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any

import polars as pl
import polars.selectors as cs
from sqlalchemy import Engine, Select, Table, and_, func, select

from core.accounts.mrr import Recorded, record_movements, sync_accounts_to_movements
from core.importing.check import (
    ACCOUNT_REF,
    EMPTY,
    RANK,
    ROW,
    Checked,
    Plan,
    Progress,
    _dated_key,
    _resolve_default,
    key_hash,
)
from core.importing.fields import FieldCounts, stored_values, write_extras
from core.importing.formats import collect
from core.importing.spec import ACCOUNT, DATE, DATETIME
from core.models import utcnow
from core.store.bulk import (
    INDEX_REBUILD_MIN_ROWS,
    frame_writer,
    indexes_dropped,
    insert_frame,
    table_for,
    write_transaction,
)
from core.store.bulk_prepare import driver_rows
from core.store.frames import read_frames
from core.store.rollup import DAILY, refresh_usage_months

WRITE_BATCH_ROWS = 50_000
_EXISTS = "_exists"
_KEY_HASH = "_key_hash"
_HALVES_MIN_IDS = 100_000  # a smaller table is read in one query
# what ``_statuses`` reads of an account
_OUTCOME = ("status", "mrr_cents", "start_date", "churned_at", "churn_recorded_on")


@dataclass
class Statuses:
    """Accounts: the file's accounts by the status they have once written (the file's,
    the stored one an empty cell kept, or the default of a new account), with their
    MRR in cents; how many new accounts took the default status; and those resting
    on an assumption once written: without a start date, churned without a churn
    date (recorded by this import, on an earlier day by an earlier one, or on the
    day the file's churn_recorded_on gives: an export of another book)."""

    by_status: dict[str, tuple[int, int]] = field(default_factory=dict)
    defaulted: int = 0
    start_unknown: int = 0
    undated: int = 0
    recorded_before: dict[date, int] = field(default_factory=dict)
    recorded_given: dict[date, int] = field(default_factory=dict)
    cancelling: int = 0  # set to cancel at their renewal (cancels_at_renewal)

    def add(self, more: Statuses) -> None:
        for status, (count, cents) in more.by_status.items():
            was = self.by_status.get(status, (0, 0))
            self.by_status[status] = (was[0] + count, was[1] + cents)
        self.defaulted += more.defaulted
        self.start_unknown += more.start_unknown
        self.undated += more.undated
        self.cancelling += more.cancelling
        for mine, theirs in (
            (self.recorded_before, more.recorded_before),
            (self.recorded_given, more.recorded_given),
        ):
            for day, count in theirs.items():
                mine[day] = mine.get(day, 0) + count


@dataclass
class Changes:
    """What a checked file would do to the database: rows to insert, to update, left
    as they are, and the accounts to create."""

    new: int
    changed: int
    skipped: int
    missing_accounts: list[str]
    kept: dict[str, int] = field(default_factory=dict)  # ``Written.kept``
    statuses: Statuses = field(default_factory=Statuses)


@dataclass
class Written:
    inserted: int
    updated: int
    skipped: int
    created_accounts: int
    mrr: Recorded | None = None  # the MRR movements written to explain accounts' MRR
    fields: FieldCounts | None = None  # custom field values written (accounts)
    kept: dict[str, int] = field(default_factory=dict)
    """By field: the stored rows whose value an empty cell left as it was, where the
    field's default would have changed it (``_kept_stored``)."""
    statuses: Statuses = field(default_factory=Statuses)

    @property
    def done(self) -> int:
        """Rows through the write: inserted, updated or left as they were."""
        return self.inserted + self.updated + self.skipped


def _key_targets(plan: Plan) -> list[str]:
    return [plan.kind.field(name).target for name in plan.kind.key]


def _match_keys(plan: Plan) -> list[str]:
    """What a file row and a stored row are matched on: the natural key, and for
    events the rank among the rows of that key (the n-th matches the n-th)."""
    return _key_targets(plan) + ([RANK] if plan.kind.repeats else [])


def _compared(plan: Plan) -> list[str]:
    keys = set(_key_targets(plan))
    return [
        plan.kind.field(name).target
        for name in plan.mapping.columns
        if plan.kind.field(name).target not in keys and plan.kind.field(name).type != ACCOUNT
    ]


def _stored(engine: Engine, checked: Checked, table: Table) -> pl.DataFrame:
    """The stored rows that could share a key with the file: their identity (primary
    key), key and compared columns. Narrowed to the file's date range when the key
    has a date."""
    plan = checked.plan
    identity = [column.name for column in table.primary_key]
    outcome = list(_OUTCOME) if table.name == "account" else []
    names = list(dict.fromkeys(identity + _key_targets(plan) + _compared(plan) + outcome))
    query = select(*[table.c[name] for name in names])
    for name in plan.kind.key:
        spec = plan.kind.field(name)
        if spec.type in (DATE, DATETIME) and checked.low is not None:
            low, high = checked.low, checked.high
            if spec.type == DATETIME:  # stored moments are UTC
                low, high = low.replace(tzinfo=UTC), high.replace(tzinfo=UTC)
            column = table.c[spec.target]
            query = query.where(and_(column >= low, column <= high))
            break
    stored = pl.concat(
        read_frames(engine, _id_halves(engine, table, query), parallel=True).values()
    )
    if plan.kind.repeats:  # the n-th stored row of a key, in the order they were stored
        stored = stored.sort(identity).with_columns(
            pl.int_range(pl.len()).over(_key_targets(plan)).cast(pl.Int64).alias(RANK)
        )
    keys = _match_keys(plan)
    stored = stored.with_columns(key_hash(keys).alias(_KEY_HASH))
    if stored[_KEY_HASH].n_unique() < stored.height:  # a key stored twice, or a collision
        repeated = pl.col(_KEY_HASH).is_duplicated()
        first = stored.filter(repeated).unique(subset=keys, keep="first", maintain_order=True)
        stored = pl.concat([stored.filter(~repeated), first])
        if first[_KEY_HASH].n_unique() < first.height:  # two keys share a hash
            # _joined would find the clash in every batch: join on the key itself.
            stored = stored.drop(_KEY_HASH)
    return stored.with_columns(pl.lit(True).alias(_EXISTS))


def _id_halves(engine: Engine, table: Table, query: Select[Any]) -> dict[str, Select[Any]]:
    """The query over two halves of the table's ids, which SQLite reads at once in two
    threads (2x faster at 1M rows), when its primary key is one integer column."""
    identity = list(table.primary_key)
    if engine.dialect.name != "sqlite" or len(identity) != 1:
        return {"all": query}
    column = identity[0]
    with engine.connect() as connection:
        low, high = connection.execute(select(func.min(column), func.max(column))).one()
    if not isinstance(low, int) or high - low < _HALVES_MIN_IDS:
        return {"all": query}
    middle = (low + high) // 2
    return {"low": query.where(column <= middle), "high": query.where(column > middle)}


def _joined(batch: pl.DataFrame, stored: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """The batch left-joined to the stored rows with the same key. Joined on the key's
    hash (one integer column: 2x faster than a key with text) when the stored hashes
    are distinct; a pair that shares a hash but not its key (possible, unlikely)
    sends the batch the exact way, on the key columns themselves."""
    if _KEY_HASH in stored.columns and stored.select(keys).schema == batch.select(keys).schema:
        joined = batch.with_columns(key_hash(keys).alias(_KEY_HASH)).join(
            stored, on=_KEY_HASH, how="left", suffix="_old", maintain_order="left"
        )
        same_key = pl.all_horizontal([pl.col(key).eq_missing(pl.col(f"{key}_old")) for key in keys])
        if not joined.select((pl.col(_EXISTS).fill_null(False) & ~same_key).any()).item():
            return joined.drop(_KEY_HASH, *[f"{key}_old" for key in keys])
    return batch.join(
        stored, on=keys, how="left", nulls_equal=True, suffix="_old", maintain_order="left"
    )


def _same(left: str, right: str, dtype: pl.DataType) -> pl.Expr:
    a, b = pl.col(left), pl.col(right)
    if dtype == pl.String:  # stored "" reads back as null
        a, b = a.fill_null(""), b.fill_null("")
    return a.eq_missing(b)


def _split(
    plan: Plan, table: Table, batch: pl.DataFrame, stored: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, int, dict[str, int], Statuses]:
    """A batch of checked rows as new rows, changed rows (compared columns and the
    stored identity), the number of unchanged ones, by field the stored values an
    empty cell kept (``_kept_stored``) and, of accounts, their statuses once written."""
    compared = _compared(plan)
    identity = [column.name for column in table.primary_key]
    if stored.height == 0:  # nothing stored can share a key: every row is new
        changed = stored.clear().select(list(dict.fromkeys(compared + identity)))
        return batch, changed, 0, {}, _statuses(plan, table, batch)
    joined, kept = _kept_stored(_joined(batch, stored, _match_keys(plan)), compared)
    statuses = _statuses(plan, table, joined)
    same = pl.all_horizontal(
        [_same(name, f"{name}_old", batch.schema[name]) for name in compared] or [pl.lit(True)]
    )
    joined = joined.with_columns(pl.col(_EXISTS).fill_null(False), same.alias("_same"))
    new = joined.filter(~pl.col(_EXISTS)).select(batch.columns)
    changed = joined.filter(pl.col(_EXISTS) & ~pl.col("_same"))
    skipped = joined.filter(pl.col(_EXISTS) & pl.col("_same")).height
    return new, changed.select(list(dict.fromkeys(compared + identity))), skipped, kept, statuses


_STARTS = pl.DataFrame(schema={"account_id": pl.Int64, "was": pl.Date, "start_date": pl.Date})


def _changed_starts(changed: pl.DataFrame, stored: pl.DataFrame) -> pl.DataFrame:
    """Of the changed accounts, those whose start date changes: account_id, the
    stored start (``was``) and the new one (``core.accounts.mrr._move_openings``)."""
    was = stored.select("id", pl.col("start_date").alias("was"))
    return (
        changed.select("id", "start_date")
        .join(was, on="id")
        .filter(pl.col("start_date").ne_missing(pl.col("was")))
        .select(pl.col("id").alias("account_id"), "was", "start_date")
        .cast(_STARTS.schema)  # type: ignore[arg-type]
    )


def _statuses(plan: Plan, table: Table, rows: pl.DataFrame) -> Statuses:
    """The accounts of ``rows`` (a batch, joined to the stored accounts with the kept
    values in place) as they are once written: by status with their MRR (a stored
    account's where the file has no such column, a new account's default where its
    cell is empty, as the check fills it, or there is no column), without a start
    date, churned without a churn date (recorded now, by an earlier import, or on
    the day the file's churn_recorded_on cell gives), and set to cancel at renewal."""
    if table.name != "account":
        return Statuses()

    def stored(name: str) -> pl.Expr:
        return pl.col(name) if name in rows.columns else pl.lit(None)

    exists = pl.col(_EXISTS).fill_null(False) if _EXISTS in rows.columns else pl.lit(False)
    empty = f"{EMPTY}status"  # beside a mapped status (check.KEEPS_STORED)
    cell_empty = pl.col(empty) if empty in rows.columns else pl.lit(True)
    recorded_empty = f"{EMPTY}churn_recorded_on"
    given = ~pl.col(recorded_empty) if recorded_empty in rows.columns else pl.lit(False)
    default = plan.kind.field("status").default
    # (with_columns, not select: where the file has none of these columns, every
    # expression is a literal, and a select of literals alone is one row, not a batch)
    counted = [
        stored("status").cast(pl.String).fill_null(default).alias("status"),
        stored("mrr_cents").cast(pl.Int64).fill_null(0).alias("mrr_cents"),
        (~exists & cell_empty).alias("defaulted"),
        stored("start_date").is_null().alias("no_start"),
        stored("churned_at").is_null().alias("no_churn_date"),
        stored("churn_recorded_on").cast(pl.Date).alias("recorded"),
        given.alias("given"),
        stored("cancels_at_renewal").cast(pl.Boolean).fill_null(False).alias("cancelling"),
    ]
    frame = (
        rows.with_columns(counted)
        .select(expression.meta.output_name() for expression in counted)
        .with_columns(undated=(pl.col("status") == "churned") & pl.col("no_churn_date"))
    )
    summed = frame.group_by("status").agg(pl.len(), pl.col("mrr_cents").sum())
    before = frame.filter(pl.col("undated"), pl.col("recorded").is_not_null())
    by_day = {  # recorded by an import (stored), or on the day the file gives
        from_file: dict(
            before.filter(pl.col("given") == from_file).group_by("recorded").len().rows()
        )
        for from_file in (False, True)
    }
    return Statuses(
        {status: (int(n), int(cents)) for status, n, cents in summed.iter_rows()},
        int(frame["defaulted"].sum()),
        int(frame["no_start"].sum()),
        int((frame["undated"] & frame["recorded"].is_null()).sum()),
        by_day[False],
        by_day[True],
        int(frame["cancelling"].sum()),
    )


def _kept_stored(joined: pl.DataFrame, compared: list[str]) -> tuple[pl.DataFrame, dict[str, int]]:
    """Of a stored row, each compared column whose cell the file left empty keeps the
    stored value (``check.KEEPS_STORED``): an empty cell says nothing, not the field's
    default. A churn date left empty on a row whose status the file gives, other than
    churned, is cleared: the file says the account is not churned. Also, by field,
    how many stored values were kept that the default would have changed."""
    masks = {name: f"{EMPTY}{name}" for name in compared if f"{EMPTY}{name}" in joined.columns}
    if not masks:
        return joined, {}
    exists = pl.col(_EXISTS).fill_null(False)
    keep = {name: pl.col(mask) & exists for name, mask in masks.items()}
    if "churned_at" in keep and "status" in masks:
        said = ~pl.col(masks["status"]) & (pl.col("status").cast(pl.String) != "churned")
        keep["churned_at"] = keep["churned_at"] & ~said
    counted = joined.select(
        (kept & ~_same(name, f"{name}_old", joined.schema[name])).sum().alias(name)
        for name, kept in keep.items()
    ).row(0, named=True)
    kept_frame = joined.with_columns(
        pl.when(kept)
        .then(pl.col(f"{name}_old").cast(joined.schema[name]))
        .otherwise(pl.col(name))
        .alias(name)
        for name, kept in keep.items()
    )
    return kept_frame, {name: int(count) for name, count in counted.items() if count}


def kept_note(kept: dict[str, int]) -> list[str]:
    """The stored values empty cells kept (``Written.kept``), in words: none, or one line."""
    if not kept:
        return []
    listed = ", ".join(f"{name}: {count:,}" for name, count in kept.items())
    return [
        f"empty cells left the stored values of accounts already in the book as they were"
        f" ({listed}): an empty cell changes nothing stored"
    ]


def plan_changes(engine: Engine, checked: Checked) -> Changes:
    """Count the checked rows that are new, changed and unchanged, reading only."""
    table = table_for(checked.plan.kind.table)
    stored = _stored(engine, checked, table)
    changes = Changes(0, 0, 0, checked.unknown_accounts())
    for batch in checked.batches():
        new, changed, skipped, kept, statuses = _split(checked.plan, table, batch, stored)
        changes.new += new.height
        changes.changed += changed.height
        changes.skipped += skipped
        _add(changes.kept, kept)
        changes.statuses.add(statuses)
    return changes


def _add(total: dict[str, int], more: dict[str, int]) -> None:
    for name, count in more.items():
        total[name] = total.get(name, 0) + count


def write_checked(engine: Engine, checked: Checked, progress: Progress) -> Written:
    """Create missing accounts, update changed rows and insert new ones, batch by
    batch, in one transaction. Any error rolls everything back and is raised."""
    plan = checked.plan
    table = table_for(plan.kind.table)
    # What is stored is read in bulk before the write lock is taken (a bulk read
    # cannot run beside an open write connection); if another writer changed the
    # table in between, it is read again under the lock.
    with engine.connect() as connection:  # before the reads: a change after them shows
        before = connection.connection.dbapi_connection
        seen = _fingerprint(before, table)
        seen_fields = _fields_fingerprint(before) if plan.extras else None
    stored = _stored(engine, checked, table)
    stored_fields = stored_values(engine, plan) if plan.extras else None
    told = plan.source.mrr_history
    history = None if told is None else collect(told, plan.source.path)
    written = Written(0, 0, 0, 0)
    # On SQLite, the database's own foreign key and CHECK checks are off: every row
    # was checked in polars (kinds, ranges, signs) and every account_id looked up or
    # created, and insert_frame checks the CHECK constraints and parents again.
    with write_transaction(engine) as raw:
        if engine.dialect.name != "sqlite":
            cursor = raw.cursor()
            cursor.execute(f'LOCK TABLE "{table.name}" IN SHARE ROW EXCLUSIVE MODE')
            cursor.close()
        if _fingerprint(raw, table) != seen:
            stored = _stored(engine, checked, table)
        missing = checked.unknown_accounts()
        created = _create_accounts(raw, engine, missing, checked) if missing else None
        written.created_accounts = len(missing)
        effective = plan.options.effective or date.today()
        if table.name == "mrr_movement":
            # The accounts' MRR becomes movements before the file's are added to them.
            record_movements(
                raw, engine.dialect.name, effective, _file_account_ids(checked, created)
            )

        def on_batch(rows: int) -> None:
            written.inserted += rows
            progress("written", written.done, checked.kept)

        progress("written", 0, checked.kept)
        with (
            ExitStack() as indexes,
            frame_writer(raw, engine, table, checked.kept, on_batch) as write,
        ):
            dropped = False
            starts = [_STARTS.clear()]  # accounts whose start date the file changes
            for batch in checked.batches():
                new, changed, skipped, kept, statuses = _split(plan, table, batch, stored)
                if table.name == "account" and "start_date" in changed.columns:
                    starts.append(_changed_starts(changed, stored))
                written.skipped += skipped
                _add(written.kept, kept)
                written.statuses.add(statuses)
                if created is not None:
                    new = new.join(created, on=ACCOUNT_REF, how="left", maintain_order="left")
                    new = new.with_columns(
                        pl.coalesce("account_id", "_new_id").alias("account_id")
                    ).drop("_new_id")
                if not dropped and new.height >= INDEX_REBUILD_MIN_ROWS:
                    # Many rows to insert: the indexes are rebuilt once, at the end
                    # (after the writer, entered after them, has written every row).
                    indexes.enter_context(indexes_dropped(raw, engine, table))
                    dropped = True
                _update(raw, engine, table, changed)
                written.updated += changed.height
                write(_insertable(plan, new))
                progress("written", written.done, checked.kept)
        if table.name == "account":
            written.mrr = record_movements(
                raw, engine.dialect.name, effective, history=history, starts=pl.concat(starts)
            )
            if stored_fields is not None:
                changed = _fields_fingerprint(raw) != seen_fields
                written.fields = write_extras(
                    raw, engine, checked, stored_fields, plan.options.user, changed
                )
        elif table.name == "mrr_movement":
            sync_accounts_to_movements(
                raw, engine.dialect.name, _file_account_ids(checked, created)
            )
    return written


def _file_account_ids(checked: Checked, created: pl.DataFrame | None) -> list[int]:
    """The ids of the accounts the checked rows name (``created``: those just made)."""
    ids = pl.concat(batch.select("account_id") for batch in checked.batches())["account_id"]
    known = ids.drop_nulls().unique().to_list()
    return known + ([] if created is None else created["_new_id"].to_list())


def _fingerprint(raw: Any, table: Table) -> tuple[Any, ...]:
    """How many rows the table has and its largest key: changes when rows are added."""
    first = next(iter(table.primary_key)).name
    cursor = raw.cursor()
    cursor.execute(f'SELECT count(*), max("{first}") FROM "{table.name}"')
    row = tuple(cursor.fetchone())
    cursor.close()
    return row


def _fields_fingerprint(raw: Any) -> tuple[Any, ...]:
    """The custom fields, their values and their history, counted: changes when a
    field or a value is added, and when a value changes or is cleared (each such
    change adds a revision)."""
    cursor = raw.cursor()
    cursor.execute(
        "SELECT (SELECT count(*) FROM custom_field), (SELECT count(*) FROM"
        " account_field_value), (SELECT count(*) FROM account_field_revision)"
    )
    row = tuple(cursor.fetchone())
    cursor.close()
    return row


def _insertable(plan: Plan, new: pl.DataFrame) -> pl.DataFrame:
    """New rows with the defaults of the fields the file does not have."""
    frame = new.drop([ROW, ACCOUNT_REF, RANK, *plan.extra_columns], strict=False)
    frame = frame.drop(cs.starts_with(EMPTY))
    for spec in plan.kind.fields:
        if spec.name not in plan.mapping.columns and spec.default is not None:
            frame = frame.with_columns(
                pl.lit(_resolve_default(spec.default, plan.options)).alias(spec.target)
            )
    return frame


def _first_events(checked: Checked, external_ids: list[str]) -> pl.DataFrame:
    """Per unknown external id, the day of its first event in the file (its start)."""
    column = _dated_key(checked.plan)
    frame = pl.DataFrame({"external_id": external_ids})
    if column is None:
        return frame.with_columns(pl.lit(None, pl.Date).alias("start_date"))
    firsts = pl.concat(
        batch.group_by(ACCOUNT_REF).agg(pl.col(column).min().alias("start_date"))
        for batch in checked.batches()
    )
    firsts = (
        firsts.group_by(ACCOUNT_REF)
        .agg(pl.col("start_date").min())
        .with_columns(pl.col("start_date").cast(pl.Date))
    )
    return frame.join(firsts, left_on="external_id", right_on=ACCOUNT_REF, how="left")


def _create_accounts(
    raw: Any, engine: Engine, external_ids: list[str], checked: Checked
) -> pl.DataFrame:
    """Accounts for unknown external ids (named after the id, active, starting on
    their first event in the file), and their new ids, as ACCOUNT_REF -> _new_id."""
    from core.importing.spec import KINDS

    plan = checked.plan
    accounts = KINDS["accounts"]
    frame = _first_events(checked, external_ids).with_columns(pl.col("external_id").alias("name"))
    for spec in accounts.fields:
        if spec.target not in frame.columns and spec.default is not None:
            frame = frame.with_columns(
                pl.lit(_resolve_default(spec.default, plan.options)).alias(spec.target)
            )
    insert_frame(raw, engine, table_for("account"), frame)
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
        cursor.executemany(sql, list(driver_rows(engine, batch)))
    cursor.close()
    if table.name == DAILY:
        keys = changed.select("account_id", "day").iter_rows()
        refresh_usage_months(raw, engine.dialect.name, keys)  # type: ignore[arg-type]
