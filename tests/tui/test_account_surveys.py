"""The 360's NPS / CSAT box names a survey's kind as its timeline does."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from core.importing import import_file
from tests.tui.conftest import on_account, text_of

SURVEYS = Path(__file__).parents[1] / "fixtures" / "import" / "surveys.jsonl"


async def test_the_survey_box_and_the_timeline_say_nps_alike(db_url: str, telco: Engine) -> None:
    """IBM's telco account 7590-VHVEG with its NPS answer of the surveys file: the
    timeline said "NPS" and the NPS / CSAT box "nps" beside it."""
    import_file(telco, "surveys", SURVEYS)
    answer = pl.read_ndjson(SURVEYS).filter(pl.col("account") == "7590-VHVEG").row(0, named=True)
    assert (answer["type"], answer["score"]) == ("NPS", 9)
    async with on_account(db_url, telco, "7590-VHVEG") as (_app, _pilot, screen):
        box = [line.split() for line in text_of(screen.query_one("#surveys")).splitlines()]
        rows = [words for words in box if answer["date"] in words]
        assert [words[1:4] for words in rows] == [[answer["date"], "NPS", "9"]], box
        timeline = text_of(screen.query_one("#timeline"))
        assert [line for line in timeline.splitlines() if " NPS " in line], timeline
        assert "nps" not in text_of(screen).replace("NPS", ""), text_of(screen)
