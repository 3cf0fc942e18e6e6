"""The metrics read from a SQLite file without SQLAlchemy (``core.metrics.book_sql``):
the very queries the engine runs, compiled ahead; the same figures as through the
engine for every period shape and scope it takes; and None (the engine's way) for
what it cannot read."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from core.metrics import compute_metrics, monthly_series
from core.metrics.book import BOOK_TABLES, file_can_scope
from core.metrics.book_queries import (
    compiled_book_queries,
    daily_usage_query,
    monthly_usage_query,
    table_queries,
)
from core.metrics.book_sql import BOOK_SQL, middle_of, substituted, usage_edges
from core.periods import Period
from core.scope import Scope
from core.store.sqlite_file import SqliteFile, open_sqlite_file
from tests.conftest import run_fresh
from tests.core.conftest import DEMO_AS_OF as AS_OF
from tests.core.conftest import sqlite_sql

pytestmark = pytest.mark.usefixtures("sqlite_only")

TILE_KEYS = (
    "mrr",
    "net_new_mrr",
    "nrr_pct",
    "churn_rate_pct",
    "nps",
    "csat_pct",
    "active_accounts",
)


def test_the_compiled_queries_are_the_engines() -> None:
    assert compiled_book_queries() == BOOK_SQL, "run `python -m core.metrics.book_queries`"
    days = date(2026, 1, 1), date(2026, 1, 31), date(2026, 2, 1), date(2026, 1, 16)
    assert tuple(table_queries(*days)) == BOOK_TABLES, "load_book reads every table query"


@pytest.mark.parametrize(
    ("start", "end", "as_of"),
    [
        (date(2026, 11, 1), date(2026, 11, 20), date(2026, 11, 20)),  # a month cut by as_of
        (date(2025, 12, 1), date(2026, 11, 30), date(2026, 11, 20)),  # a 12-month series
        (date(2026, 2, 14), date(2026, 3, 3), date(2026, 12, 31)),  # a range across months
        (date(2024, 2, 29), date(2024, 2, 29), date(2024, 2, 29)),  # one leap day
        (date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 1)),  # whole months only
    ],
)
def test_the_placeholder_days_are_replaced_as_the_engine_writes_them(
    start: date, end: date, as_of: date
) -> None:
    middle = middle_of(start, end)
    days = {"as_of": as_of, "window_start": start, "data_end": end, "middle": middle}
    for name, query in table_queries(start, end, as_of, middle).items():
        assert substituted(name, days) == sqlite_sql(query), name
    monthly, daily = usage_edges(start, end)
    if monthly is not None:
        edges = {"first_whole": monthly[0], "after_whole": monthly[1]}
        assert substituted("usage_months", edges) == sqlite_sql(monthly_usage_query(*monthly))
    for low, high in daily:
        expected = sqlite_sql(daily_usage_query("sqlite", low, high, True))
        assert substituted("usage_days", {"low": low, "high": high}) == expected
    covered = [*([] if monthly is None else [(monthly[0], monthly[1])]), *daily]
    assert covered, "some usage is read"


@pytest.mark.parametrize(
    "scope",
    [
        Scope(),
        Scope(segment="Enterprise"),
        Scope(owner="Chloé Martin"),
        Scope(plans=frozenset({"Growth"})),
    ],
    ids=["whole book", "segment", "owner", "plan"],
)
def test_the_figures_read_from_the_file_are_the_engines(
    demo: SqliteFile, engine: Engine, scope: Scope
) -> None:
    for period in (Period.month_of(AS_OF), Period(date(2026, 8, 15), date(2026, 10, 9))):
        through_engine = compute_metrics(engine, period, scope, AS_OF)
        assert compute_metrics(demo, period, scope, AS_OF) == through_engine
        assert through_engine.get("active_accounts")  # a scope with customers
    series = monthly_series(demo, 12, AS_OF, scope)
    assert series.equals(monthly_series(engine, 12, AS_OF, scope))


def test_what_a_file_cannot_read_is_left_to_the_engine(db_url: str, tmp_path: Path) -> None:
    """Not a file, no file, a file of another schema: None. Statuses and custom fields
    in a scope need the engine."""
    assert open_sqlite_file("postgresql://someone@localhost/cxtui") is None
    assert open_sqlite_file(f"sqlite:///{tmp_path / 'none.db'}") is None
    (tmp_path / "text.db").write_text("not a database", encoding="utf-8")
    assert open_sqlite_file(f"sqlite:///{tmp_path / 'text.db'}") is None
    assert not file_can_scope(Scope(statuses=frozenset({"active"})))
    assert file_can_scope(Scope(segment="SMB", owner="Bo"))


def test_reading_a_file_imports_neither_sqlalchemy_nor_the_models(demo: SqliteFile) -> None:
    script = (
        "from datetime import date\n"
        "from core.metrics import compute_metrics\n"
        "from core.periods import Period\n"
        "from core.store.sqlite_file import open_sqlite_file\n"
        f"file = open_sqlite_file({demo.url!r})\n"
        f"day = date.fromisoformat({AS_OF.isoformat()!r})\n"
        "print(compute_metrics(file, Period.month_of(day), as_of=day).get('active_accounts'))\n"
    )
    printed, loaded = run_fresh(script, ("sqlalchemy", "sqlmodel", "pydantic", "core.models"))
    assert int(printed) > 0
    assert loaded == []


@pytest.mark.parametrize(
    "scope", [Scope(), Scope(segment="SMB"), Scope(owner="Aiko Tanaka")], ids=str
)
def test_the_dashboards_figures_read_from_the_file_are_the_engines(
    demo: SqliteFile, engine: Engine, scope: Scope
) -> None:
    """The tiles' figures (a period and the one before, with the band counts at the
    end of each) and the 12-month series with their band counts, with an override
    in force (the band it sets counts, not the snapshot's)."""
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session, select

    from core.health.store import recompute_all
    from core.metrics.dashboard import band_history, period_figures, read_months
    from core.models import Account, HealthOverride

    days = [AS_OF, date(2026, 10, 31), date(2025, 6, 30)]  # the demo's scores: a year
    for day in days[:2]:
        recompute_all(engine, as_of=day)
    with Session(engine) as session:
        first = session.exec(select(Account).where(Account.segment == "SMB")).first()
        assert first is not None and first.id is not None
        session.add(
            HealthOverride(
                account_id=first.id,
                score=None,
                band="red",
                reason="test",
                set_by="T",
                starts_on=AS_OF - timedelta(days=40),
                expires_on=AS_OF + timedelta(days=5),
                created_at=datetime(2026, 10, 1, tzinfo=UTC),
            )
        )
        session.commit()
    bands = band_history(demo, days, scope)
    assert bands.equals(band_history(engine, days, scope))
    counted = bands.select(pl.sum_horizontal("green", "yellow", "red")).to_series().to_list()
    assert counted[0] > 0 and counted[1] > 0 and counted[2] == 0  # no snapshot then
    period = Period.month_of(AS_OF)
    from_file = period_figures(demo, period, scope, AS_OF, TILE_KEYS)
    through_engine = period_figures(engine, period, scope, AS_OF, TILE_KEYS)
    assert (from_file.now, from_file.before) == (through_engine.now, through_engine.before)
    assert (from_file.bands_now, from_file.bands_before) == (
        through_engine.bands_now,
        through_engine.bands_before,
    )
    months = read_months(demo, AS_OF, scope, TILE_KEYS)
    assert months.bands.equals(read_months(engine, AS_OF, scope, TILE_KEYS).bands)


def test_while_the_engine_has_the_file_open_it_is_read_through_sqlite3(
    demo: SqliteFile, engine: Engine
) -> None:
    """ADBC may not open the file while this process has a sqlite3 connection on it
    (``core.store.sqlite_gate``): the file is then read through sqlite3, to the same
    figures."""
    from core.store.sqlite_gate import SQLITE_GATE

    period = Period(date(2026, 8, 15), date(2026, 10, 9))
    through_adbc = compute_metrics(demo, period, Scope(segment="SMB"), AS_OF)
    with engine.connect():  # a sqlite3 connection open in this process
        with SQLITE_GATE.try_adbc() as allowed:
            assert not allowed
        through_sqlite3 = compute_metrics(demo, period, Scope(segment="SMB"), AS_OF)
    assert through_sqlite3 == through_adbc
    assert through_adbc == compute_metrics(engine, period, Scope(segment="SMB"), AS_OF)


def test_a_public_churn_sample_reads_from_the_file_as_through_the_engine(
    db_url: str, engine: Engine, telco_churn: Path, tmp_path: Path
) -> None:
    """The public Telco churn sample (7,043 customers) without its tenure column:
    status but no dates. The dashboard's figures from the file equal the engine's;
    its customers and MRR are the raw file's rows that did not churn; what that
    assumes (churn dates unknown) is counted the same way for the user's notes."""
    from core.importing import ImportOptions, import_file
    from core.metrics.dashboard import period_figures

    undated = tmp_path / "telco.csv"
    pl.read_csv(telco_churn, infer_schema=False).drop("tenure").write_csv(undated)
    options = ImportOptions(
        columns={"external_id": "customerID", "name": "customerID", "mrr": "MonthlyCharges"},
        values={"status": {"Yes": "churned", "No": "active"}},
    )
    import_file(engine, "accounts", undated, options)
    file = open_sqlite_file(db_url)
    assert file is not None
    keys = ("active_accounts", "mrr", "churn_rate_pct", "churned_accounts")
    today = date.today()
    period = Period.month_of(today)
    from_file = period_figures(file, period, Scope(), today, keys)
    through_engine = period_figures(engine, period, Scope(), today, keys)
    assert (from_file.now, from_file.before) == (through_engine.now, through_engine.before)
    raw = pl.read_csv(undated, infer_schema=False)
    live = raw.filter(pl.col("Churn") == "No")
    assert from_file.now["active_accounts"] == live.height
    charges = live["MonthlyCharges"].cast(pl.Decimal(12, 2)).sum()
    assert from_file.now["mrr"] == charges
    assumed = from_file.book.assumed_counts()
    assert assumed == through_engine.book.assumed_counts() and any(assumed)


def test_the_same_book_gives_the_same_stickiness_on_every_read(
    demo: SqliteFile, engine: Engine
) -> None:
    """Stickiness sums a float per month: in another order its last digit can differ,
    and the metrics' group-bys share their rows among threads. Over a period of
    three months (two cut), every read gives the same figure to the last digit, the
    one of the months' ratios summed in month order."""
    periods = (Period(date(2026, 8, 15), date(2026, 10, 9)), Period.month_of(AS_OF))
    for period in periods:
        for scope in (Scope(), Scope(owner="Chloé Martin")):
            seen = {
                compute_metrics(source, period, scope, AS_OF).stickiness_pct
                for _ in range(10)
                for source in (demo, engine)
            }
            assert len(seen) == 1, (period, scope, seen)
