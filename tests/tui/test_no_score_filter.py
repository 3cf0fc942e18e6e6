"""The accounts list's health filter has a "no score" choice: the live accounts whose
Health reads "no score" (IBM's telco book had 5,172 of them and no way to list them)."""

from __future__ import annotations

import sqlite3
import tomllib
from pathlib import Path

import polars as pl
from sqlalchemy import Engine
from textual.widgets import Input, SelectionList

from core.config.saved_filters import load_saved_filters
from core.config.settings import config_path
from core.health.overrides import set_override
from core.health.store import recompute_all
from core.importing import ImportOptions, import_file
from core.interactions import account_id_of
from tests.tui.book import TODAY
from tests.tui.conftest import TELCO, bar, names, press, running, text_of
from tui.screens.filters import FiltersScreen

CALLS = Path(__file__).parents[1] / "fixtures" / "import" / "interactions.tsv"


async def test_no_score_lists_the_live_accounts_without_one(
    db_url: str, telco: Engine, tmp_path: Path
) -> None:
    """The telco file (30 rows) with a vendor's call log: the accounts called are scored,
    the other live ones are not. One unscored account is given a band by an override
    ("— red*": not "no score"); churned accounts read "churned". The form's "no score"
    keeps the others, and a saved filter keeps the choice in the config file."""
    import_file(telco, "interactions", CALLS, ImportOptions())
    recompute_all(telco, as_of=TODAY)
    accounts = pl.read_csv(TELCO)
    live = set(accounts.filter(pl.col("Churn") == "No")["customerID"])
    called = set(pl.read_csv(CALLS, separator="\t")["Account"])
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as book:
        scored = {
            external_id
            for (external_id,) in book.execute(
                "SELECT a.external_id FROM account a JOIN health_snapshot h"
                " ON h.account_id = a.id WHERE h.score IS NOT NULL"
            )
        }
    assert scored and scored <= called  # only a contact scores an account here
    overridden = sorted(live - scored)[0]
    set_override(
        telco,
        account_id_of(telco, overridden) or 0,
        reason="Champion left",
        band="red",
        as_of=TODAY,
    )
    unscored = live - scored - {overridden}
    assert len(unscored) == len(live) - len(live & scored) - 1 > 10

    async with running(db_url) as (app, pilot):
        await press(app, pilot, "f")
        form = app.screen
        assert isinstance(form, FiltersScreen)
        health = form.query_one("#bands", SelectionList)
        assert [str(health.get_option_at_index(i).prompt) for i in range(4)] == [
            "green",
            "yellow",
            "red",
            "no score",
        ]
        health.focus()
        await press(app, pilot, "end", "space")
        assert health.selected == ["no score"]
        form.query_one("#save-name", Input).value = "unscored"
        await press(app, pilot, "ctrl+n")
        await press(app, pilot, "ctrl+s")
        assert set(names(app)) == unscored
        assert f"{len(unscored):,} of 30 accounts  ·  health: no score" in bar(app), bar(app)
        listed = text_of(app.screen.query_one("DataTable"))
        assert overridden not in listed and "churned" not in listed

    saved = tomllib.loads(config_path().read_text(encoding="utf-8"))
    assert saved["filters"]["unscored"] == {"bands": ["no score"]}
    assert load_saved_filters().filters["unscored"].bands == {"no score"}
