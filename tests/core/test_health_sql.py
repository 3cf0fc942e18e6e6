"""Health recomputed and read on a SQLite file without SQLAlchemy
(``core.health.health_sql``): the very statements the engine runs, compiled ahead;
the same snapshots and the same health in force as through the engine."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import polars as pl
import pytest
from sqlalchemy import Engine, select

from core import models as m
from core.health import default_model, parse_model, store
from core.health.health_sql import HEALTH_SQL, PLACEHOLDERS, read_sql
from core.health.overrides import set_override
from core.health.queries import (
    compiled_health_sql,
    earlier_contacts_query,
    signal_queries,
    snapshot_queries,
)
from core.health.store import current_health, model_changes, recompute_all
from core.health.windows import signal_days, snapshot_days
from core.store.frames import read_frame
from core.store.sqlite_file import SqliteFile
from tests.conftest import run_fresh
from tests.core.conftest import DEMO_AS_OF as AS_OF
from tests.core.conftest import sqlite_sql

pytestmark = pytest.mark.usefixtures("sqlite_only")


def test_the_compiled_statements_are_the_engines() -> None:
    reads, writes = compiled_health_sql()
    assert {"reads": reads, "writes": writes} == HEALTH_SQL, "run `python -m core.health.queries`"


def test_no_placeholder_day_is_another_or_next_to_one() -> None:
    days = sorted(PLACEHOLDERS.values())
    assert len(set(days)) == len(days)
    assert all(later - earlier > timedelta(days=1) for earlier, later in pairwise(days))


@pytest.mark.parametrize(
    "as_of", [AS_OF, date(2024, 2, 29), date(2026, 1, 1), date(2025, 12, 31)], ids=str
)
def test_the_placeholder_days_are_replaced_as_the_engine_writes_them(as_of: date) -> None:
    signals, snapshots = signal_days(as_of), snapshot_days(as_of)
    for name, query in signal_queries(signals, None).items():
        assert read_sql(name, signals)[0] == sqlite_sql(query), name
    for name, query in snapshot_queries(snapshots, None).items():
        assert read_sql(name, snapshots)[0] == sqlite_sql(query), name
    silent = [3, 17, 250]
    expected = sqlite_sql(earlier_contacts_query(signals, silent))
    assert read_sql("earlier_contacts", signals, silent)[0] == expected


def _snapshots(engine: Engine, day: date) -> pl.DataFrame:
    query = select(m.HealthSnapshot).where(m.HealthSnapshot.day == day)
    return read_frame(engine, query).sort("account_id")


@pytest.mark.parametrize("at_once", [store.SNAPSHOTS_AT_ONCE, 7])
def test_a_recompute_on_the_file_writes_the_engines_snapshots(
    demo: SqliteFile, engine: Engine, at_once: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same day recomputed through the engine, then on the file (replacing the
    day's snapshots), each ``at_once`` accounts at a time: the same rows; with an override,
    a month of history (trend) and a week-old snapshot (drops), the same health in
    force read both ways."""
    monkeypatch.setattr(store, "SNAPSHOTS_AT_ONCE", at_once)
    built: list[int] = []

    def snapshot_rows(scores: pl.DataFrame, day: date, model_id: int) -> pl.DataFrame:
        built.append(scores.height)
        return real_snapshot_rows(scores, day, model_id)

    real_snapshot_rows = store.snapshot_rows
    monkeypatch.setattr(store, "snapshot_rows", snapshot_rows)
    for days_back in (35, 7):
        recompute_all(engine, AS_OF - timedelta(days=days_back))
    account = int(current_health(engine, AS_OF)["account_id"][0])
    set_override(engine, account, score=12.5, reason="Champion left", as_of=AS_OF)
    built.clear()
    written = recompute_all(engine, AS_OF)
    assert sum(built) == written and max(built) == min(at_once, written)
    through_engine = _snapshots(engine, AS_OF)
    health_engine = current_health(engine, AS_OF)

    built.clear()
    assert recompute_all(demo, AS_OF) == written == through_engine.height > 0
    assert sum(built) == written and max(built) == min(at_once, written)
    assert _snapshots(engine, AS_OF).equals(through_engine)
    health_file = current_health(demo, AS_OF)
    assert health_file.equals(health_engine)
    assert health_file.filter(pl.col("account_id") == account)["score"].item() == 12.5
    assert health_file["trend_30d"].drop_nulls().len() > 0
    assert set(health_file["band"]) <= {"green", "yellow", "red", "no data"}


def test_a_new_model_is_recorded_by_the_file_as_by_the_engine(
    demo: SqliteFile, engine: Engine
) -> None:
    model = parse_model("[weights]\nusage = 45\ncommercial = 5\n", "test", default_model())
    assert model.fingerprint() != default_model().fingerprint()
    recompute_all(engine, AS_OF - timedelta(days=1))  # the default model, recorded so
    before = model_changes(engine)
    recompute_all(demo, AS_OF, model)
    after = model_changes(engine)
    assert after.height == before.height + 1
    assert after["fingerprint"][-1] == model.fingerprint()
    assert after["first_used_at"][-1] > before["first_used_at"].max()
    recompute_all(demo, AS_OF, model)  # found again, not recorded twice
    assert model_changes(engine).height == after.height
    model_ids = _snapshots(engine, AS_OF)["model_id"].unique().to_list()
    assert model_ids == [after["id"][-1]]


def test_a_failed_write_on_the_file_writes_nothing(demo: SqliteFile, engine: Engine) -> None:
    """A snapshot of an account that is not there: the foreign key stops the
    transaction, and the day's earlier snapshots are still there."""
    recompute_all(engine, AS_OF)
    before = _snapshots(engine, AS_OF)

    def broken(connection: object) -> None:
        writes = HEALTH_SQL["writes"]
        connection.execute(writes["delete_day"], (AS_OF.isoformat(),))  # type: ignore[attr-defined]
        row = (999_999, AS_OF.isoformat(), 50.0, "yellow", "{}", "[]", None)
        connection.execute(writes["snapshot"], row)  # type: ignore[attr-defined]

    from core.store.sqlite_file import FileReadError

    with pytest.raises(FileReadError, match="FOREIGN KEY"):
        demo.write(broken)
    assert _snapshots(engine, AS_OF).equals(before)


def test_recomputing_a_file_imports_neither_sqlalchemy_nor_the_models(
    demo: SqliteFile,
) -> None:
    script = (
        "from datetime import date\n"
        "from core.health.store import current_health, recompute_all\n"
        "from core.store.sqlite_file import open_sqlite_file\n"
        f"file = open_sqlite_file({demo.url!r})\n"
        f"day = date.fromisoformat({AS_OF.isoformat()!r})\n"
        "print(recompute_all(file, day), current_health(file, day).height)\n"
    )
    printed, loaded = run_fresh(script, ("sqlalchemy", "sqlmodel", "pydantic", "core.models"))
    written, live = (int(number) for number in printed.split())
    assert written == live > 0
    assert loaded == []


def test_the_survey_kinds_scored_are_the_models() -> None:
    """Scoring names the survey kinds without importing the models: the same ones."""
    from core.health.scoring import SURVEY_KINDS

    assert tuple(kind.value for kind in m.SurveyKind) == SURVEY_KINDS
