"""IBM's telco sample (status Yes/No, no dates) on the dashboard: its customers fall
by 1,858 in November beside a churn rate of 0.0 % (domain.md: a churn without a date
counts in no period's churn). The tiles say so beside their change, and the drills
say it whole, with the counts of the raw file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from core.config.settings import Settings
from core.importing import ImportOptions, import_file
from tests.tui.conftest import SIZE, SMALL, press, settle, text_of
from tui.app import make_app
from tui.screens.dashboard import DashboardScreen
from tui.screens.drill import DrillScreen
from tui.widgets.kpi_tile import KpiTile

NOV_30 = date(2026, 11, 30)


@pytest.fixture
def telco_book(engine: Engine, telco_churn: Path) -> pl.DataFrame:
    """The public sample imported as the brief's user imports it; the raw rows."""
    options = ImportOptions(
        columns={"external_id": "customerID", "name": "customerID"},
        values={"status": {"Yes": "churned", "No": "active"}},
        as_of=NOV_30,
    )
    import_file(engine, "accounts", telco_churn, options)
    return pl.read_csv(telco_churn, infer_schema_length=0)


def _tile(screen: DashboardScreen, key: str) -> str:
    tile = next(tile for tile in screen.query(KpiTile) if tile.spec.key == key)
    return " ".join(text_of(tile).split())


@pytest.mark.parametrize("size", [SIZE, SMALL])
async def test_the_customers_tile_says_why_it_fell_without_churn(
    db_url: str, engine: Engine, telco_book: pl.DataFrame, size: tuple[int, int]
) -> None:
    undated = telco_book.filter(pl.col("Churn") == "Yes").height
    new = telco_book.filter(pl.col("tenure") == "0").height
    at_start = telco_book.height - new
    fell = undated - new
    assert (undated, fell) == (1_869, 1_858)
    app = make_app(db_url, today=NOV_30, settings=Settings(), recompute_health=False)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen), screen
        customers = _tile(screen, "active_accounts")
        assert f"{telco_book.height - undated:,}" in customers, customers
        assert f"-{fell:,}" in customers, customers
        if size == SIZE:  # at 80 columns a tile has 7 cells: the note above and the drill say it
            assert f"-{fell:,} · ⏎ why" in customers, customers
            assert "· ⏎ why" in _tile(screen, "churn_rate_pct")
            assert "· ⏎ why" in _tile(screen, "mrr")
        assert "why" not in _tile(screen, "retention_rate_pct")  # its drill's base says it
        # no renewal is dated: it said "no churn model · ctrl+p: fit the churn model"
        assert "no renewal dates" in _tile(screen, "renewals_kept")

        customers_tile = next(t for t in screen.query(KpiTile) if t.spec.key == "active_accounts")
        customers_tile.focus()
        await press(app, pilot, "enter")
        drill = app.screen
        assert isinstance(drill, DrillScreen), drill
        formula = " ".join(text_of(drill.query_one("#drill-formula")).split())
        assert (
            f"customers = {telco_book.height - undated:,} at 2026-11-30 = {at_start:,} at start"
            f" + {new} new - 0 lost - {undated:,} churned without a date: counted in no"
            " period's churn"
        ) in formula, formula


async def test_a_churned_accounts_360_says_its_churn_date_is_unknown(
    db_url: str, engine: Engine, telco_book: pl.DataFrame
) -> None:
    """A customer with Churn "Yes" read "MRR lost $54 · churned" and, on its timeline,
    "2026-11-30 churn -$54", as if it had left that day: the day is the export's, when the
    churn was recorded. The header and the timeline say the date is unknown, and its MRR
    history (which read "2026-11-30 churn -$54") has "date unknown" for the churn's day;
    a customer who stays reads "active", as before."""
    from decimal import ROUND_HALF_EVEN, Decimal

    from core.interactions import account_id_of
    from tests.tui.conftest import account_header

    first = telco_book.filter(pl.col("Churn") == "Yes").row(0, named=True)
    churned = first["customerID"]
    lost = Decimal(first["MonthlyCharges"]).quantize(Decimal(1), ROUND_HALF_EVEN)
    stays = telco_book.filter(pl.col("Churn") == "No")["customerID"][0]
    app = make_app(
        db_url, today=NOV_30, settings=Settings(), recompute_health=False, start="accounts"
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for customer in (churned, stays):
            account = account_id_of(engine, customer)
            assert account is not None
            app.open_account(account)
            await settle(app, pilot)
            header = " ".join(account_header(app).split())
            timeline = " ".join(text_of(app.screen.query_one("#timeline")).split())
            panel = text_of(app.screen.query_one("#mrr")).replace("│", " ")  # its border
            history = " ".join(panel.split())
            if customer == churned:
                assert "· churned, date unknown (recorded 2026-11-30) ·" in header, header
                assert f"2026-11-30 mrr churn churn -${lost} · date unknown" in timeline, timeline
                # its MRR history read "2026-11-30 churn -$54 $0"
                assert f"Date Movement Amount MRR date unknown churn -${lost} $0" in history
                assert "2026-11-30" not in history, history
            else:
                assert "· active ·" in header and "unknown" not in timeline, (header, timeline)
                assert "unknown" not in history and "churn" not in history, history
