"""Exports: by extension, with filters, and a round trip through import."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from core.exporting import LIST_ONLY, ExportError, ExportFilters, export, export_frame
from core.importing import ImportOptions, import_file
from core.scope import Scope
from core.store.db import open_engine
from tests.rows import goal_form

FIXTURES = Path(__file__).parents[1] / "fixtures" / "import"
CHURN = {"status": {"Yes": "churned", "No": "active"}}


@pytest.fixture
def book(engine: Engine) -> Engine:
    import_file(engine, "accounts", FIXTURES / "accounts.csv", ImportOptions(values=CHURN))
    import_file(engine, "interactions", FIXTURES / "interactions.tsv")
    return engine


def _fresh(tmp_path: Path, name: str) -> Engine:
    return open_engine(f"sqlite:///{tmp_path / name}")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_round_trip_accounts_and_interactions(book: Engine, tmp_path: Path, suffix: str) -> None:
    other = _fresh(tmp_path, "other.db")
    try:
        for what in ("accounts", "interactions"):
            path = tmp_path / f"{what}{suffix}"
            assert export(book, what, path) == export_frame(book, what).height
            result = import_file(other, what, path)
            assert result.inserted == export_frame(book, what).height
            # what an import reads back; the list's health and last touch are derived
            shape = [c for c in export_frame(book, what).columns if c not in LIST_ONLY]
            assert (
                export_frame(other, what)
                .select(shape)
                .equals(export_frame(book, what).select(shape))
            )
        again = import_file(other, "accounts", tmp_path / f"accounts{suffix}")
        assert (again.inserted, again.updated) == (0, 0)
    finally:
        other.dispose()


def test_money_is_exact_text(book: Engine) -> None:
    frame = export_frame(book, "accounts")
    assert frame.filter(pl.col("external_id") == "5575-GNVDE")["mrr"].item() == "1056.95"


def test_filters(book: Engine) -> None:
    smb = export_frame(book, "accounts", ExportFilters(scope=Scope(segment="SMB")))
    assert sorted(smb["external_id"]) == ["3668-QPYBK", "7590-VHVEG"]
    calls = export_frame(book, "interactions", ExportFilters(scope=Scope(segment="Mid-Market")))
    assert calls["account"].to_list() == ["5575-GNVDE"]


def test_metrics_and_goals_and_health_export(book: Engine, tmp_path: Path) -> None:
    metrics = export_frame(book, "metrics", ExportFilters(period="2024-03"))
    assert "churn_rate_pct" in metrics["metric"].to_list()
    assert set(metrics["period"]) == {"2024-03"}
    assert export(book, "goals", tmp_path / "goals.csv") == 0
    health = export_frame(book, "health")
    assert {"external_id", "score", "band"} <= set(health.columns)


def test_xlsx_writes_the_metrics_values_as_numbers(book: Engine, tmp_path: Path) -> None:
    """Each metric's value is a number in XLSX (a spreadsheet sums it), the figure the
    CSV writes as exact text; a metric without a value is an empty cell."""
    filters = ExportFilters(period="2024-03")
    export(book, "metrics", tmp_path / "metrics.csv", filters)
    export(book, "metrics", tmp_path / "metrics.xlsx", filters)
    text = pl.read_csv(tmp_path / "metrics.csv", schema_overrides={"value": pl.String})
    cells = pl.read_excel(tmp_path / "metrics.xlsx")
    assert cells.schema["value"] == pl.Float64
    assert cells["metric"].to_list() == text["metric"].to_list()
    assert cells["value"].to_list() == text["value"].cast(pl.Float64).to_list()
    assert text["value"].null_count() > 0  # e.g. a rate with nothing to divide by


def test_unknown_extension_and_period(book: Engine, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"\.csv, \.xlsx or \.parquet"):
        export(book, "accounts", tmp_path / "accounts.json")
    with pytest.raises(ExportError, match="bad period"):
        export_frame(book, "metrics", ExportFilters(period="someday"))


def test_tasks_export_follows_the_queue_and_its_filters(book: Engine, tmp_path: Path) -> None:
    from datetime import date, timedelta

    from core.playbook.tasks import account_named, add_manual_task, task_queue

    today = date(2026, 11, 23)
    account = account_named(book, "5575-GNVDE")
    later = add_manual_task(book, "Later", today + timedelta(days=3), "Dana", account)
    now = add_manual_task(book, "Now", today, "Dana", account)
    other = add_manual_task(book, "Someone else's", today, "Sam")
    path = tmp_path / "tasks.csv"
    assert export(book, "tasks", path, ExportFilters(as_of=today)) == 3
    written = pl.read_csv(path)
    assert written["id"].to_list() == task_queue(book, today)["id"].to_list()
    assert written["id"].to_list() == [now, other, later]
    mine = export_frame(
        book, "tasks", ExportFilters(scope=Scope(owner="Dana"), source="manual", as_of=today)
    )
    assert mine["id"].to_list() == [now, later]
    assert mine["account"].to_list() == ["5575-GNVDE", "5575-GNVDE"]
    assert mine["mrr"].to_list() == ["1056.95", "1056.95"]
    assert export_frame(book, "tasks", ExportFilters(source="rule", as_of=today)).is_empty()
    with pytest.raises(ExportError, match="source must be one of"):
        export_frame(book, "tasks", ExportFilters(source="email"))


def test_export_tasks_command(book: Engine, db_url: str, tmp_path: Path, sqlite_only: None) -> None:
    from datetime import date

    from typer.testing import CliRunner

    from cli.main import app
    from core.playbook.tasks import add_manual_task

    add_manual_task(book, "Call them", date.today(), "Dana")
    out = tmp_path / "tasks.xlsx"
    db = db_url.removeprefix("sqlite:///")
    result = CliRunner().invoke(app, ["export", "tasks", "--out", str(out), "--db", db])
    assert result.exit_code == 0, result.output
    assert f"Exported 1 row of tasks to {out}" in result.output
    assert pl.read_excel(out)["title"].to_list() == ["Call them"]


def test_accounts_export_of_exactly_the_listed_ids(book: Engine) -> None:
    from sqlmodel import select

    from core.models import Account
    from core.store.frames import read_frame

    ids = read_frame(book, select(Account.id, Account.external_id).order_by(Account.id))
    chosen = frozenset(ids["id"].to_list()[:2])
    expected = sorted(ids.filter(pl.col("id").is_in(list(chosen)))["external_id"])
    shown = export_frame(book, "accounts", ExportFilters(account_ids=chosen))
    assert sorted(shown["external_id"]) == expected
    assert export_frame(book, "accounts", ExportFilters(account_ids=frozenset())).is_empty()


@pytest.mark.parametrize("what", ["interactions", "mrr", "health"])
def test_any_kind_of_account_rows_keeps_the_listed_accounts_rows(book: Engine, what: str) -> None:
    """The app's export of another kind than the list's, from a narrowed list, holds
    the listed accounts' rows alone (``account_ids``); the interactions as the raw
    file has them."""
    from sqlmodel import select

    from core.health.store import recompute_all
    from core.models import Account
    from core.store.frames import read_frame

    recompute_all(book)
    raw = pl.read_csv(FIXTURES / "interactions.tsv", separator="\t")
    first = raw["Account"][0]
    ids = read_frame(book, select(Account.id).where(Account.external_id == first))["id"]
    listed = export_frame(book, what, ExportFilters(account_ids=frozenset(ids)))
    everyone = export_frame(book, what)
    column = "external_id" if what == "health" else "account"
    assert set(listed[column]) == {first} and listed.height > 0
    assert listed.equals(everyone.filter(pl.col(column) == first))
    if what == "interactions":
        assert listed.height == raw.filter(pl.col("Account") == first).height


def test_accounts_export_is_the_list_in_its_order_with_health_and_last_touch(
    book: Engine, tmp_path: Path
) -> None:
    from datetime import date

    from sqlalchemy import text

    from core.health.store import recompute_all

    as_of = date(2024, 3, 31)
    recompute_all(book, as_of=as_of)
    with book.connect() as connection:  # plain SQL, beside the exporter's own reads
        rows = connection.execute(
            text(
                "SELECT a.id, a.external_id, h.score, h.band,"
                " (SELECT max(occurred_at) FROM interaction i"
                "  WHERE i.account_id = a.id AND i.deleted_at IS NULL) AS last_at"
                " FROM account a LEFT JOIN health_snapshot h ON h.account_id = a.id"
                " ORDER BY a.id DESC"
            )
        ).all()
    raw = pl.DataFrame(
        [tuple(row) for row in rows],
        schema=["id", "external_id", "score", "band", "last_at"],
        orient="row",
    )
    order = tuple(raw["id"].to_list())  # a screen sorted by id, descending
    filters = ExportFilters(account_ids=frozenset(order), account_order=order, as_of=as_of)
    shown = export_frame(book, "accounts", filters)
    assert shown["external_id"].to_list() == raw["external_id"].to_list()
    assert shown["health"].to_list() == raw["score"].to_list()
    assert shown["band"].to_list() == raw["band"].to_list()
    touched = [None if at is None else str(at)[:10] for at in raw["last_at"].to_list()]
    assert [None if day is None else day.isoformat() for day in shown["last_touch"]] == touched
    # XLSX: money a number, dates dates
    path = tmp_path / "accounts.xlsx"
    export(book, "accounts", path, filters)
    sheet = pl.read_excel(path)
    assert sheet.schema["mrr"] == pl.Float64
    assert sheet.schema["last_touch"] in (pl.Date, pl.Datetime("ms"), pl.Datetime("us"))
    assert sheet["mrr"].to_list() == [float(m) for m in shown["mrr"]]


def test_goals_export_has_progress_and_status(engine: Engine) -> None:
    from datetime import date

    from core.goals import create_goal, list_goals

    create_goal(engine, goal_form(title="Ten QBRs", start_date="2026-01-01", start="4"))
    today = date(2026, 7, 1)
    [view] = list_goals(engine, today)
    goals = export_frame(engine, "goals", ExportFilters(as_of=today))
    row = goals.row(0, named=True)
    assert (row["progress_pct"], row["status"], row["why"]) == (
        round(view.progress, 1),
        view.status,
        view.why,
    )


def test_accounts_export_puts_the_lists_chosen_columns_first(book: Engine) -> None:
    """The list's columns (``c`` on the list) come first, in its order, after the
    external id; every other column follows, so that the file still imports back."""
    every = export_frame(book, "accounts", ExportFilters()).columns
    chosen = export_frame(
        book,
        "accounts",
        ExportFilters(list_columns=("name", "owner", "trend", "health", "renewal")),
    )
    first = ["external_id", "name", "owner", "health", "band", "renewal_date"]
    assert chosen.columns[: len(first)] == first
    assert sorted(chosen.columns) == sorted(every)
    rest = [column for column in every if column not in first]
    assert chosen.columns[len(first) :] == rest


def test_xlsx_writes_custom_fields_as_their_kind_and_reads_them_back(
    engine: Engine, tmp_path: Path
) -> None:
    """The Telco-shaped sample's fields in XLSX: money and numbers are number cells,
    yes/no and choices text; imported into another book they are the same values."""
    source = FIXTURES / "telco_churn.csv"
    options = ImportOptions(
        columns={"external_id": "customerID", "name": "customerID"}, values=CHURN
    )
    import_file(engine, "accounts", source, options)
    path = tmp_path / "accounts.xlsx"
    export(engine, "accounts", path)
    cells = pl.read_excel(path)
    raw = pl.read_csv(source).with_columns(  # a blank " " charge stays empty
        pl.col("TotalCharges").cast(pl.Float64, strict=False)
    )
    assert cells["TotalCharges"].dtype == pl.Float64 and cells["tenure"].dtype.is_numeric()
    assert cells["MultipleLines"].dtype == pl.String
    by_id = cells.join(raw, left_on="external_id", right_on="customerID", suffix="_raw")
    assert by_id["TotalCharges"].null_count() == by_id["TotalCharges_raw"].null_count()
    assert (by_id["TotalCharges"] - by_id["TotalCharges_raw"]).abs().max() < 0.005
    assert (by_id["tenure"] == by_id["tenure_raw"]).all()
    other = _fresh(tmp_path, "other.db")
    try:
        import_file(other, "accounts", path)
        shape = [c for c in export_frame(engine, "accounts").columns if c not in LIST_ONLY]
        assert (
            export_frame(other, "accounts")
            .select(shape)
            .equals(export_frame(engine, "accounts").select(shape))
        )
    finally:
        other.dispose()


def test_xlsx_writes_amounts_as_numbers_that_an_import_reads_back(
    book: Engine, tmp_path: Path
) -> None:
    """A purchases export's amount is a number in XLSX (as the accounts' MRR), which
    the import of purchases reads back exactly. Before, XLSX held it as text."""
    source = FIXTURES / "purchases.xlsx"
    import_file(book, "purchases", source)
    out = tmp_path / "purchases.xlsx"
    export(book, "purchases", out)
    cells = pl.read_excel(out)
    assert cells.schema["amount"] == pl.Float64
    assert cells["amount"].to_list() == pl.read_excel(source)["amount"].to_list()
    other = _fresh(tmp_path, "other.db")
    try:
        export(book, "accounts", tmp_path / "accounts.csv")
        import_file(other, "accounts", tmp_path / "accounts.csv")
        import_file(other, "purchases", out)
        assert export_frame(other, "purchases").equals(export_frame(book, "purchases"))
    finally:
        other.dispose()


ONE_ACCOUNT_ROWS = (
    # (kind, table, the column compared, the export's name for it, the rows' SQL order)
    ("interactions", "interaction", "summary", "summary", "occurred_at, id"),
    ("mrr", "mrr_movement", "kind", "kind", "id"),
    ("contacts", "contact", "name", "name", "id"),
    ("usage", "daily_usage", "logins", "logins", "account_id, day"),
    ("surveys", "survey_response", "score", "score", "id"),
    ("tickets", "ticket", "subject", "subject", "id"),
    ("purchases", "purchase", "amount_cents", "amount", "id"),
)


def test_one_accounts_rows_of_every_kind_as_plain_sql_reads_them(
    sqlite_only: None, demo: object, db_url: str
) -> None:
    """The 360's export (``x``) and ``cxtui export --account``: of the demo book's
    account with the most purchases, every kind holds that account's rows alone,
    those plain SQL reads from the file (deleted ones left out). An external id the
    book lacks is named."""
    import sqlite3

    from core.exporting import accounts_named
    from core.store.db import sqlite_path

    path = sqlite_path(db_url)
    assert path is not None
    raw = sqlite3.connect(path)
    external_id, account_id = raw.execute(
        "SELECT a.external_id, a.id FROM account a JOIN purchase p ON p.account_id = a.id"
        " GROUP BY a.id ORDER BY count(*) DESC, a.id LIMIT 1"
    ).fetchone()
    engine = open_engine(db_url)
    try:
        filters = ExportFilters(account_ids=accounts_named(engine, [external_id]))
        assert filters.account_ids == {account_id}
        for kind, table, column, exported, order in ONE_ACCOUNT_ROWS:
            live = " AND deleted_at IS NULL" if kind in ("interactions", "surveys") else ""
            expected = [
                value
                for (value,) in raw.execute(
                    f"SELECT {column} FROM {table} WHERE account_id = ?{live} ORDER BY {order}",
                    (account_id,),
                )
            ]
            frame = export_frame(engine, kind, filters)
            assert frame.height == len(expected) > 0, kind
            assert set(frame["account"]) == {external_id}, kind
            values = frame[exported].to_list()
            if exported == "amount":  # "12.50": currency units, as text
                values = [round(float(value) * 100) for value in values]
            assert values == expected, kind
        for kind in ("accounts", "health"):
            assert export_frame(engine, kind, filters)["external_id"].to_list() == [external_id]
        assert set(export_frame(engine, "tasks", filters)["account"]) <= {external_id}
        with pytest.raises(ExportError, match='no account with external id "NOPE-1"'):
            accounts_named(engine, [external_id, "NOPE-1"])
    finally:
        engine.dispose()
        raw.close()
