"""The 360's MRR of an imported account whose start is unknown: its opening MRR is
dated "before the records", never by the placeholder day behind it (1900-01-01)."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from sqlalchemy import Engine
from textual.widgets import DataTable, Static

from core.importing import import_file
from core.interactions import account_id_of
from tests.tui.conftest import running, settle
from tui.screens.account import AccountScreen


async def test_an_opening_mrr_of_unknown_date_says_so(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text("external_id,name,mrr\nA-1,Alpha Freight,1250.00\n")
    import_file(engine, "accounts", path)
    account = account_id_of(engine, "A-1")
    assert account is not None
    async with running(db_url) as (app, pilot):
        app.open_account(account)
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        timeline = screen.query_one("#timeline", DataTable)
        days = [str(timeline.get_row_at(row)[0]) for row in range(timeline.row_count)]
        assert days == ["before the records"]
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(screen.query_one("#mrr", Static).content)
        mrr = console.export_text()
        assert "before the records" in mrr and "1900" not in mrr


async def test_purchases_are_on_the_timeline(db_url: str, engine: Engine) -> None:
    """An order log or an invoices export is the whole history of a purchases-only book
    (CDNOW, a shop): the 360's timeline showed none of it ("the timeline is empty")."""
    import polars as pl

    from core.importing import ImportOptions

    invoices = Path(__file__).parents[1] / "fixtures" / "import" / "presets" / "stripe_invoices.csv"
    import_file(engine, "purchases", invoices, ImportOptions(create_missing_accounts=True))
    account = account_id_of(engine, "cus_QA002")
    assert account is not None
    raw = pl.read_csv(invoices, infer_schema=False).filter(
        (pl.col("Customer") == "cus_QA002")
        & (pl.col("Status") == "paid")
        & (pl.col("Amount Paid").cast(pl.Decimal(20, 2)) > 0)
    )
    expected = [f"+${float(a):,.2f} {n}" for a, n in raw.select("Amount Paid", "Number").rows()]
    async with running(db_url) as (app, pilot):
        app.open_account(account)
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        timeline = screen.query_one("#timeline", DataTable)
        rows = [timeline.get_row_at(row) for row in range(timeline.row_count)]
        shown = [str(summary) for _when, label, summary, _s in rows if str(label) == "purchase"]
        assert shown == expected
