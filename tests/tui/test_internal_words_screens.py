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


async def test_the_help_says_where_a_key_works_in_words(
    db_url: str, engine: Engine, tmp_path
) -> None:
    """? said where each key works by its class: 'AccountsScreen', 'PlaybookScreen',
    'AccountsTable', 'DataTable', 'KpiTile', 'VerticalScroll'. Now 'this screen',
    'the list', 'the table', 'a tile', 'everywhere'."""
    import re

    with Session(engine) as session:
        session.add(m.Account(external_id="A-1", name="Acme", segment="", plan="", owner=""))
        session.commit()
    camel = re.compile(r"\b[A-Z][a-z]+[A-Z]\w*")
    async with started(db_url, Settings(path=tmp_path / "c.toml")) as (app, pilot):
        seen = {}
        for keys in (("1",), ("2",), ("2", "enter"), ("3",), ("4",), ("4", "p")):
            await press(app, pilot, *keys)
            await press(app, pilot, "question_mark")
            help_keys = text_of(app.screen.query_one("#help-keys"))
            seen[" ".join(keys)] = camel.findall(help_keys)  # the Id column's are ids
            await press(app, pilot, "escape")
            if "this screen" not in help_keys or "everywhere" not in help_keys:
                seen[" ".join(keys) + " words"] = [help_keys]
    assert seen == {screen: [] for screen in seen}
