"""The 360's money of an imported account: its opening MRR when its start is unknown
is dated "before the records", never by the placeholder day behind it (1900-01-01);
its purchases are on the timeline."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
from rich.console import Console
from sqlalchemy import Engine
from textual.widgets import DataTable, Static

from core.importing import ImportOptions, import_file
from tests.tui.conftest import on_account
from tui.screens.account import AccountScreen

INVOICES = Path(__file__).parents[1] / "fixtures" / "import" / "presets" / "stripe_invoices.csv"


def _timeline(screen: AccountScreen) -> list[tuple[str, ...]]:
    table = screen.query_one("#timeline", DataTable)
    return [tuple(map(str, table.get_row_at(row))) for row in range(table.row_count)]


async def test_an_opening_mrr_of_unknown_date_says_so(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text("external_id,name,mrr\nA-1,Alpha Freight,1250.00\n")
    import_file(engine, "accounts", path)
    async with on_account(db_url, engine, "A-1") as (_app, _pilot, screen):
        assert [row[0] for row in _timeline(screen)] == ["before the records"]
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(screen.query_one("#mrr", Static).content)
        mrr = console.export_text()
        assert "before the records" in mrr and "1900" not in mrr


async def test_purchases_are_on_the_timeline(db_url: str, engine: Engine) -> None:
    """An order log or an invoices export is the whole history of a purchases-only book
    (CDNOW, a shop): the 360's timeline showed none of it ("the timeline is empty")."""
    import_file(engine, "purchases", INVOICES, ImportOptions(create_missing_accounts=True))
    raw = pl.read_csv(INVOICES, infer_schema=False).filter(
        (pl.col("Customer") == "cus_QA002")
        & (pl.col("Status") == "paid")
        & (pl.col("Amount Paid").cast(pl.Decimal(20, 2)) > 0)
    )
    expected = [f"+${float(a):,.2f} {n}" for a, n in raw.select("Amount Paid", "Number").rows()]
    async with on_account(db_url, engine, "cus_QA002") as (_app, _pilot, screen):
        shown = [summary for _when, label, summary, _s in _timeline(screen) if label == "purchase"]
        assert shown == expected


async def test_the_timeline_rounds_an_mrr_movement_as_the_mrr_history_does(
    demo_url: str,
) -> None:
    """Granite Dental's first MRR (16,198 cents) read 'new +$161.98' on its timeline
    and '$162' in its MRR history, as the list and the header say MRR: whole dollars.
    Both say each movement in whole dollars, rounded from the book's cents here."""
    from decimal import ROUND_HALF_EVEN, Decimal

    from core.store.db import open_engine

    engine = open_engine(demo_url)
    with engine.connect() as connection:
        movements = connection.exec_driver_sql(
            "SELECT kind, amount_cents FROM mrr_movement JOIN account"
            " ON account.id = mrr_movement.account_id WHERE external_id = 'ACC-00003'"
        ).all()
    assert {cents % 100 for _kind, cents in movements} - {0, 50}, movements  # cents to round

    def dollars(cents: int) -> str:
        whole = (Decimal(abs(cents)) / 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        return f"{'-' if cents < 0 else '+'}${whole:,}"

    async with on_account(demo_url, engine, "ACC-00003") as (_app, _pilot, screen):
        shown = [(label, summary) for _when, label, summary, _s in _timeline(screen)]
        moves = [(label, summary) for label, summary in shown if label.startswith("mrr ")]
        assert sorted(moves) == sorted(
            (f"mrr {kind}", f"{kind} {dollars(cents)}") for kind, cents in movements
        )
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(screen.query_one("#mrr", Static).content)
        history = console.export_text()
        for _kind, cents in movements:
            assert dollars(cents).lstrip("+") in history, (cents, history)
    engine.dispose()


SUBSCRIPTIONS = INVOICES.with_name("stripe_subscriptions.csv")


async def test_the_mrr_history_reads_whole_at_120_columns(db_url: str, engine: Engine) -> None:
    """Stripe's subscriptions export: at 120x40 the NPS / CSAT and MRR history boxes
    sat side by side in 58 columns, and Acme Rockets' MRR history read 'Date  Mov…
    Amou…  MRR' over '202…  new  $147  $147'. Between 120 and 160 columns they sit one
    above the other; at 160 side by side, as before."""
    from tests.tui.conftest import settle, text_of

    import_file(engine, "accounts", SUBSCRIPTIONS)
    raw = pl.read_csv(SUBSCRIPTIONS, infer_schema=False).filter(pl.col("Customer ID") == "cus_A1")
    start = raw["Start (UTC)"][0][:10]
    mrr = f"${float(raw['Amount'][0]) * int(raw['Quantity'][0]):,.0f}"  # a monthly plan
    async with on_account(db_url, engine, "cus_A1") as (app, pilot, screen):
        for width, beside in ((120, False), (160, True)):
            await pilot.resize_terminal(width, 40)
            await settle(app, pilot)
            history = screen.query_one("#mrr", Static)
            lines = [" ".join(line.strip("│ ").split()) for line in text_of(history).splitlines()]
            assert "Date Movement Amount MRR" in lines, lines
            assert f"{start} new {mrr} {mrr}" in lines, lines
            surveys = screen.query_one("#surveys", Static)
            assert (surveys.region.y == history.region.y) is beside
            assert history.region.right <= width
