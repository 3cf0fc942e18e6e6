"""The accounts list says "—" for the MRR of an account that never had any recorded
(a CRM's company, a buyer), not "$0", and sorts it after the MRR it knows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from core.exporting import ExportFilters, export_frame
from core.importing import ImportOptions, import_file
from tests.tui.book import TODAY
from tests.tui.conftest import bar, names, press, running, text_of
from tui.format import money

PRESETS = Path(__file__).parents[1] / "fixtures" / "import" / "presets"


async def test_an_mrr_never_recorded_reads_unknown_and_sorts_last(
    db_url: str, engine: Engine
) -> None:
    """Stripe's subscriptions and HubSpot's companies imported into one book: the
    companies (no MRR in a CRM export, no MRR movement) read "MRR $0" on the list,
    as if they paid nothing, and sorted first by MRR ascending."""
    for name in ("stripe_subscriptions.csv", "hubspot_companies.csv"):
        import_file(engine, "accounts", PRESETS / name, ImportOptions(as_of=TODAY))
    companies = pl.read_csv(PRESETS / "hubspot_companies.csv")["Company name"].sort().to_list()
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as book:
        paying = dict(
            book.execute(
                "SELECT a.name, SUM(m.amount_cents) FROM account a JOIN mrr_movement m"
                " ON m.account_id = a.id WHERE a.status != 'churned' GROUP BY a.name"
            ).fetchall()
        )
        churned = [
            name for (name,) in book.execute("SELECT name FROM account WHERE status = 'churned'")
        ]
    assert paying and churned and not set(companies) & set(paying)

    async with running(db_url) as (app, pilot):
        for direction, ascending in (("↑", True), ("↓", False)):
            for _ in range(12):
                if f"sorted by MRR {direction}" in bar(app):
                    break
                await press(app, pilot, "s")
            by_mrr = sorted(paying, key=paying.__getitem__, reverse=not ascending)
            assert names(app) == [*by_mrr, *churned, *companies], (bar(app), names(app))
            lines = text_of(app.screen.query_one("DataTable")).splitlines()
            for name in companies:
                cells = next(line for line in lines if name in line).split()
                assert "—" in cells and "$0" not in cells, cells
            for name, cents in paying.items():
                assert money(cents) in next(line for line in lines if name in line)

    exported = export_frame(engine, "accounts", ExportFilters(as_of=TODAY))
    unknown = exported.filter(pl.col("name").is_in(companies))["mrr"].to_list()
    assert unknown == ["0.00"] * len(companies)  # the export's contract: as before


async def test_the_360_says_no_mrr_recorded_as_the_list_says_unknown(
    db_url: str, engine: Engine
) -> None:
    """HubSpot's Harbor Freight Labs: the 360's header read "MRR $0" where the list
    says "—"; Stripe's Acme Rockets keeps its MRR (Amount x Quantity, from the file)."""
    from core.interactions import account_id_of
    from tests.tui.conftest import account_header, settle

    for name in ("stripe_subscriptions.csv", "hubspot_companies.csv"):
        import_file(engine, "accounts", PRESETS / name, ImportOptions(as_of=TODAY))
    stripe = pl.read_csv(PRESETS / "stripe_subscriptions.csv").filter(
        pl.col("Customer ID") == "cus_A1"
    )
    cents = int(stripe["Amount"][0] * 100) * int(stripe["Quantity"][0])
    assert stripe["Interval"][0] == "month"
    async with running(db_url) as (app, pilot):
        for external_id, words in (
            ("5012345001", " · no MRR recorded · active · "),
            ("cus_A1", f" · MRR {money(cents)} · active · "),
        ):
            app.open_account(account_id_of(engine, external_id) or 0)
            await settle(app, pilot)
            header = account_header(app)
            assert words in header and "$0" not in header, header
            await press(app, pilot, "escape")
