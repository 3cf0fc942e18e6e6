"""The 360's timeline fits its columns to what they hold: beside the panels (120-159
columns) and stacked (80), the sentiment was off screen, the When and Kind columns
16 and 18 wide whatever they held and the Summary 44."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sqlalchemy import Engine
from textual.widgets import DataTable

from core.importing import ImportOptions, import_file
from tests.tui.conftest import on_account, settle, text_of

CALLS = Path(__file__).parents[1] / "fixtures" / "import" / "interactions.tsv"


async def test_the_timeline_shows_its_sentiment_from_80_columns(db_url: str, telco: Engine) -> None:
    """IBM's telco account 7590-VHVEG with its call of a vendor's log: the call's row
    reads whole (its subject and its sentiment, from the file) at 80, 120, 140 and
    160 columns."""
    import_file(telco, "interactions", CALLS, ImportOptions())
    call = pl.read_csv(CALLS, separator="\t").filter(pl.col("Account") == "7590-VHVEG")
    subject, sentiment = call["Subject"][0], call["Sentiment"][0]
    assert (subject, sentiment) == ("Kick-off call", "positive")
    async with on_account(db_url, telco, "7590-VHVEG") as (app, pilot, screen):
        for width, height in ((80, 24), (120, 40), (140, 40), (160, 50)):
            await pilot.resize_terminal(width, height)
            await settle(app, pilot)
            table = screen.query_one("#timeline", DataTable)
            table.scroll_visible(animate=False)
            await settle(app, pilot)
            assert table.region.right <= width
            lines = text_of(table).splitlines()
            assert lines[0].split() == ["When", "Kind", "Summary", "Sentiment"], (width, lines)
            row = next(line for line in lines if subject in line)
            assert row.split()[-1] == sentiment and "  call  " in row, (width, row)
