"""The Playbook lists the save call for customers set to cancel (``set_to_cancel``):
its row and settings at 160x50 and 80x24, its dry run and run, on and off."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from textual.pilot import Pilot

from core.config.settings import Settings
from core.models import Task
from tests.rows import new_account
from tests.tui.book import TODAY
from tests.tui.conftest import SIZE, SMALL, press, settle, text_of
from tui.app import CxtuiApp, make_app
from tui.screens.playbook import PlaybookScreen

TITLE = "Customer set to cancel: save call"
RENEWAL = TODAY + timedelta(days=20)


@pytest.fixture
def leaving(engine: Engine) -> int:
    """Acme, set to cancel at its renewal in 20 days ($250.00 MRR), and Beta renewing
    then too: Acme's id."""
    with Session(engine) as session:
        acme = new_account(
            session,
            "A-1",
            name="Acme",
            owner="Dana",
            mrr_cents=25000,
            renewal_date=RENEWAL,
            status="active",
            cancels_at_renewal=True,
        )
        new_account(session, "B-1", name="Beta", owner="Lee", renewal_date=RENEWAL, status="active")
        session.commit()
    return acme


@asynccontextmanager
async def playbook(
    db_url: str, config: Path, size: tuple[int, int]
) -> AsyncIterator[tuple[CxtuiApp, Pilot, PlaybookScreen]]:
    """The app at ``size`` on the Playbook (the task queue's p), its rules not run."""
    settings = Settings(path=config, user="Tester")
    app = make_app(db_url, today=TODAY, settings=settings, recompute_health=False)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "4", "p")
        screen = app.screen
        assert isinstance(screen, PlaybookScreen)
        yield app, pilot, screen


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["160x50", "80x24"])
async def test_the_playbook_lists_the_save_call(
    db_url: str, engine: Engine, leaving: int, tmp_path: Path, size: tuple[int, int]
) -> None:
    config = tmp_path / "config.toml"
    async with playbook(db_url, config, size) as (app, pilot, screen):
        lines = text_of(screen).splitlines()
        [at] = [index for index, line in enumerate(lines) if TITLE in line]  # on screen, whole
        row = lines[at]
        assert row.split(TITLE)[0].split()[-1] == "on"
        # its settings, wrapped on the next line at 80 columns
        start = next(line for line in lines if " Settings" in line).index("Settings")
        cells = [line[start : start + screen.settings_width] for line in lines[at : at + 2]]
        settings = " ".join(" ".join(cells).split())
        assert settings.startswith("renewal within 60 days · due in 3 days"), settings
        await press(app, pilot, "end")
        assert screen.current is not None and screen.current.name == "set_to_cancel"

        # d: the save call for Acme; Beta's renewal prepared, Acme's not
        await press(app, pilot, "d")
        dry_run = text_of(screen.query_one("#dry-run"))
        said = " ".join(dry_run.split())
        assert f"{TITLE}: 1" in said, dry_run
        assert (
            f"due {TODAY + timedelta(days=3)} Dana: Save call with Acme: set to cancel at "
            f"their renewal on {RENEWAL}, $250.00 MRR at stake"
        ) in said, dry_run
        assert "Prepare the renewal of Beta" in said and "renewal of Acme" not in said

        # space: off, written to the config file; Acme's renewal is then prepared as any
        await press(app, pilot, "space")
        assert tomllib.loads(config.read_text())["rules"]["set_to_cancel"] == {"enabled": False}
        [row] = [line for line in text_of(screen.table).splitlines() if TITLE in line]
        assert row.split(TITLE)[0].split()[-1] == "off"
        await press(app, pilot, "d")
        said = " ".join(text_of(screen.query_one("#dry-run")).split())
        assert "Prepare the renewal of Acme" in said and "Save call" not in said

        # on again, r: the save call made, for Acme's owner
        await press(app, pilot, "space", "r")
        with Session(engine) as session:
            made = session.exec(select(Task).where(Task.rule == "set_to_cancel")).all()
        assert [(task.account_id, task.owner) for task in made] == [(leaving, "Dana")]


def _under_titles(screen: PlaybookScreen) -> dict[str, str]:
    """Each rule's title in the Rule column as on screen, and what the line under it
    says in that column (all of them: every row on screen)."""
    from core.playbook.rules import RULE_TITLES

    lines = text_of(screen).splitlines()
    header = next(line for line in lines if " Settings" in line)
    start, end = header.index("Rule"), header.index("Settings")
    cells = [line[start:end].strip() for line in lines]
    found = {cells[at]: cells[at + 1] for at in range(len(cells) - 1) if cells[at]}
    titles = set(RULE_TITLES.values())
    assert titles <= set(found), (titles - set(found), lines)
    return {title: words for title, words in found.items() if title in titles}


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["160x50", "80x24"])
async def test_the_renewal_rules_say_they_leave_out_those_set_to_cancel(
    db_url: str, engine: Engine, leaving: int, tmp_path: Path, size: tuple[int, int]
) -> None:
    """The Playbook did not say that "Renewal coming up" and its QBR rule skip the
    customers set to cancel while the save call is on (docs/metrics.md says it): Acme,
    set to cancel, had no renewal task and nothing on screen said why. Under those two
    titles: "not for customers set to cancel", while the save call is on only; every
    rule's row still on screen at 80x24."""
    from core.playbook.rules import RULE_TITLES

    note = "not for customers set to cancel"
    renewals = {RULE_TITLES["renewal_due"], RULE_TITLES["renewal_no_qbr"]}
    async with playbook(db_url, tmp_path / "config.toml", size) as (app, pilot, screen):
        under = _under_titles(screen)
        assert {title for title, words in under.items() if words == note} == renewals, under
        # the save call off: the renewal rules fire for Acme too, and say nothing of it
        await press(app, pilot, "end", "space")
        under = _under_titles(screen)
        assert not any(note in words for words in under.values()), under
        await press(app, pilot, "space")
        under = _under_titles(screen)
        assert {title for title, words in under.items() if words == note} == renewals, under


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["160x50", "80x24"])
async def test_a_shorter_save_call_window_is_said_under_the_renewal_rules(
    db_url: str, engine: Engine, leaving: int, tmp_path: Path, size: tuple[int, int]
) -> None:
    """With the save call's window at 30 days and the renewal rules' at 60, those rules
    leave out only the customers set to cancel renewing within 30 days (the others get
    the renewal's tasks): under their titles "not if set to cancel within 30 days", on
    one line (every rule's row still on screen at 80x24)."""
    from core.playbook.rules import RULE_TITLES, change_rule

    config = tmp_path / "config.toml"
    change_rule("set_to_cancel", {"days": 30}, config)
    renewals = {RULE_TITLES["renewal_due"], RULE_TITLES["renewal_no_qbr"]}
    async with playbook(db_url, config, size) as (_app, _pilot, screen):
        under = _under_titles(screen)
        said = {title: words for title, words in under.items() if "set to cancel" in words}
        assert said == dict.fromkeys(renewals, "not if set to cancel within 30 days"), under
    # the window made as long as theirs: all of them, as by default
    change_rule("set_to_cancel", {"days": 60}, config)
    async with playbook(db_url, config, size) as (_app, _pilot, screen):
        under = _under_titles(screen)
        said = {title: words for title, words in under.items() if "set to cancel" in words}
        assert said == dict.fromkeys(renewals, "not for customers set to cancel"), under
