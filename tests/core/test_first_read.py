"""The app's first read of the accounts list, straight from a SQLite file: the same
list as through the engine, or None whenever it cannot be read that way."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine, text
from sqlmodel import Session

from core.accounts.queries import load_accounts_first
from core.store.first_read import read_first_list
from tests.conftest import run_fresh
from tests.rows import new_account, new_override
from tests.tui.book import ROWS, TODAY, make_book

pytestmark = pytest.mark.usefixtures("sqlite_only")


@pytest.fixture
def book(engine: Engine) -> dict[str, int]:
    """The app's test book, plus what the list's parts must get right: an override
    with a score only (its band comes from the model), one ended, two in force on
    one account (the newest wins), and an account with no score, renewal or ticket."""
    ids = make_book(engine)
    with Session(engine) as session:
        new_account(
            session,
            "EXT-NEW",
            name="Brand New",
            owner="Test User",
            mrr_cents=0,
            seats=1,
            start_date=TODAY,
            renewal_date=None,
            status="onboarding",
        )
        noon = datetime.combine(TODAY, time(12), tzinfo=UTC)
        for account, values in (
            ("Acme Corp", {"score": 45.0}),
            ("Globex", {"band": "green", "ended_at": noon}),
            ("Initech", {"score": 90.0}),
            ("Initech", {"band": "red"}),
        ):
            new_override(
                session, ids[account], TODAY, starts=-1, expires=10, set_by="Test User", **values
            )
        session.commit()
    return ids


def test_the_first_read_is_the_engines_list(db_url: str, engine: Engine, book) -> None:
    for day in (TODAY, TODAY + timedelta(days=11), TODAY + timedelta(days=40)):
        first = read_first_list(db_url, day)
        assert first is not None
        assert_frame_equal(first, load_accounts_first(engine, day))
    row = first.filter(first["name"] == "Acme Corp").row(0, named=True)  # type: ignore[union-attr]
    assert row["overridden"] is False  # TODAY + 40: the override has expired
    today = read_first_list(db_url, TODAY)
    assert today is not None
    bands = dict(today.select("name", "health_band").iter_rows())
    assert (bands["Acme Corp"], bands["Globex"], bands["Initech"]) == ("yellow", "red", "red")


def test_an_empty_book_reads_as_an_empty_list(db_url: str, engine: Engine) -> None:
    first = read_first_list(db_url, TODAY)
    assert first is not None
    assert_frame_equal(first, load_accounts_first(engine, TODAY))


def test_what_cannot_be_read_this_way_is_left_to_the_engine(
    tmp_path: Path, db_url: str, engine: Engine, book
) -> None:
    missing = tmp_path / "missing.db"
    assert read_first_list(f"sqlite:///{missing}", TODAY) is None
    assert not missing.exists()
    broken = tmp_path / "broken.db"
    broken.write_text("this is not a database")
    assert read_first_list(f"sqlite:///{broken}", TODAY) is None
    assert read_first_list("postgresql+psycopg://nobody@localhost/cxtui", TODAY) is None
    with engine.connect():  # a sqlite3 connection is open: no second SQLite library now
        assert read_first_list(db_url, TODAY) is None
    with engine.begin() as connection:  # a schema to migrate first
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    assert read_first_list(db_url, TODAY) is None


def test_the_first_read_imports_neither_sqlalchemy_nor_pyarrow(db_url: str, book) -> None:
    script = (
        "from datetime import date; from core.store.first_read import read_first_list; "
        f"frame = read_first_list({db_url!r}, date.fromisoformat({TODAY.isoformat()!r})); "
        "print(frame.height)"
    )
    printed, loaded = run_fresh(script, ("sqlalchemy", "sqlmodel", "pyarrow", "alembic"))
    assert printed.split() == [str(len(ROWS) + 1)]  # with "Brand New"
    assert loaded == []


def test_the_first_read_runs_the_engines_queries_compiled() -> None:
    """``core/store/first_read_sql.json`` holds ``list_part_queries`` compiled: one copy
    of each query. After changing a query: ``python -m core.accounts.queries``."""
    from core.accounts.queries import first_read_field_queries, first_read_queries
    from core.store.first_read_sql import FIELD_QUERIES, QUERIES

    assert first_read_queries() == QUERIES, "run `python -m core.accounts.queries`"
    assert first_read_field_queries() == FIELD_QUERIES, "run `python -m core.accounts.queries`"


def test_the_first_read_of_custom_fields_is_the_engines(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """The chosen fields' values straight from the file, as the engine reads them,
    without SQLAlchemy; a name of no field is named. The book is the Telco sample."""
    import polars as pl

    from core.accounts.field_views import read_list_fields
    from core.importing import ImportOptions, import_file

    telco = Path(__file__).parents[1] / "fixtures" / "import" / "telco_churn.csv"
    options = ImportOptions(
        columns={"external_id": "customerID", "name": "customerID"},
        values={"status": {"Yes": "churned", "No": "active"}},
    )
    import_file(engine, "accounts", telco, options)
    names = ["tenure", "PaymentMethod", "TotalCharges", "Region"]
    through_engine = read_list_fields(engine, names)
    fields, values = tmp_path / "fields.ipc", tmp_path / "values.ipc"
    script = (
        "import sys; from core.store.first_read import read_first_fields; "
        f"read = read_first_fields({db_url!r}, {names!r}); "
        f"read.fields.write_ipc({str(fields)!r}); read.values.write_ipc({str(values)!r}); "
        "print(list(read.unknown))"
    )
    printed, loaded = run_fresh(script, ("sqlalchemy", "sqlmodel"))
    assert printed.strip() == "['Region']"
    assert loaded == []
    assert_frame_equal(pl.read_ipc(fields), through_engine.fields)
    assert_frame_equal(pl.read_ipc(values), through_engine.values)
    expected = ["id", "field:tenure", "field:PaymentMethod", "field:TotalCharges"]
    assert through_engine.values.columns == expected
    raw = pl.read_csv(telco, infer_schema=False)
    assert through_engine.values.height == raw.height
    first = through_engine.values.sort("id").row(0)
    assert first[1:3] == (raw["tenure"][0], raw["PaymentMethod"][0])


def test_a_churned_account_shows_no_score_from_before_it_left(
    db_url: str, engine: Engine, book
) -> None:
    """A churned account is no longer scored: its snapshots (the last from before it
    left) and an override set then are not its health now, in either read. The
    others keep theirs."""
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE account SET status = 'churned' WHERE id IN (:acme, :initech)"),
            {"acme": book["Acme Corp"], "initech": book["Initech"]},
        )
    columns = ["name", "health_score", "health_band", "computed_score", "trend", "overridden"]
    for read in (read_first_list(db_url, TODAY), load_accounts_first(engine, TODAY)):
        assert read is not None
        rows = {row["name"]: row for row in read.select(columns).iter_rows(named=True)}
        for name in ("Acme Corp", "Initech"):  # Initech: an override in force
            assert rows[name] == dict.fromkeys(columns[1:-1]) | {"name": name, "overridden": False}
        assert rows["Globex"]["health_band"] == "red" and rows["Globex"]["trend"] is not None
