"""Every main screen on a book whose optional fields are empty shows no internal
word (``tests.internal_words``): no None, no snake_case name, no class name."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session

from core import models as m
from core.config.settings import Settings
from core.health.store import recompute_all
from tests.internal_words import internal_words
from tests.tui.conftest import press, started, text_of

TODAY = date(2026, 12, 1)


async def test_screens_show_no_internal_words(db_url: str, engine: Engine, tmp_path) -> None:
    with Session(engine) as session:
        for key, name in (("A-1", "Acme"), ("A-2", "Beta")):
            session.add(m.Account(external_id=key, name=name, segment="", plan="", owner=""))
        session.commit()
    recompute_all(engine, as_of=TODAY)
    async with started(db_url, Settings(path=tmp_path / "c.toml")) as (app, pilot):
        seen = {}
        for key, name in (("1", "dashboard"), ("2", "accounts"), ("3", "goals"), ("4", "tasks")):
            await press(app, pilot, key)
            seen[name] = text_of(app.screen)
        await press(app, pilot, "p")  # the Playbook, from the tasks
        seen["playbook"] = text_of(app.screen)
        await press(app, pilot, "escape", "2", "enter")  # the 360 of the first account
        seen["360"] = text_of(app.screen)
    found = {screen: internal_words(text) for screen, text in seen.items()}
    assert found == {screen: [] for screen in seen}, seen
