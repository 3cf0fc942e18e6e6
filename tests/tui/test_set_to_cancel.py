"""Accounts set to cancel at their renewal, as the app shows them: the 360 says it
near the top; the forecast tile counts them and their MRR, and its drill lists them
first, as leaving. Figures read here with plain SQL and the churn model's risks."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, text
from textual.pilot import Pilot
from textual.widgets import DataTable

from core.config.settings import Settings
from core.store.db import sqlite_path
from tests.tui.conftest import SMALL, account_header, running, settle, text_of
from tests.tui.test_dashboard import _focus_by_tab, open_dashboard, press
from tui.app import CxtuiApp, make_app
from tui.screens.drill import DrillScreen
from tui.widgets.kpi_tile import KpiTile


def _set_to_cancel(engine: Engine, account_id: int, status: str | None = None) -> date | None:
    """The account set to cancel (and given ``status``): its renewal date."""
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE account SET cancels_at_renewal = true WHERE id = :id"), {"id": account_id}
        )
        if status:
            connection.execute(
                text("UPDATE account SET status = :status WHERE id = :id"),
                {"id": account_id, "status": status},
            )
        renewal = connection.execute(
            text("SELECT renewal_date FROM account WHERE id = :id"), {"id": account_id}
        ).scalar_one()
    return date.fromisoformat(str(renewal)) if renewal else None


@asynccontextmanager
async def _forecast_tile(
    url: str, today: date, tmp_path: Path
) -> AsyncIterator[tuple[CxtuiApp, Pilot, KpiTile]]:
    """The app on ``url`` as of ``today``, on its dashboard: its forecast tile."""
    app = make_app(
        url, today=today, settings=Settings(path=tmp_path / "config.toml"), recompute_health=False
    )
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        screen = await open_dashboard(app, pilot)
        yield app, pilot, screen.query_one("#tile-renewals-kept", KpiTile)


async def test_the_360_says_an_account_is_set_to_cancel(
    db_url: str, engine: Engine, book: dict[str, int]
) -> None:
    acme, other = book["Acme Corp"], next(i for n, i in book.items() if n != "Acme Corp")
    renewal = _set_to_cancel(engine, acme)
    assert renewal is not None
    async with running(db_url) as (app, pilot):
        app.open_account(acme)
        await settle(app, pilot)
        lines = account_header(app).splitlines()
        said = f"Set to cancel at renewal on {renewal.isoformat()}"
        assert said in lines[2], lines
        # on 80 columns the facts take two lines: the header grows a fourth for it
        await pilot.resize_terminal(*SMALL)
        await settle(app, pilot)
        lines = account_header(app).splitlines()
        assert len(lines) == 4 and said in lines[3], lines
        app.open_account(other)
        await settle(app, pilot)
        assert "Set to cancel" not in account_header(app)
    # a churned account has left already: nothing to say
    _set_to_cancel(engine, other, status="churned")
    async with running(db_url) as (app, pilot):
        app.open_account(other)
        await settle(app, pilot)
        assert "Set to cancel" not in account_header(app)


async def test_the_forecast_tile_and_drill_say_which_renewals_are_set_to_cancel(
    demo_url: str, tmp_path: Path
) -> None:
    from core.churn.features import book_features
    from core.churn.fit import fit_model
    from core.churn.risk import churn_risk, keep_model
    from core.health.config import default_model
    from core.store.db import open_engine
    from tests.tui.conftest import SNAPSHOT_DAY
    from tui.format import money

    engine = open_engine(demo_url)
    keep_model(engine, fit_model(book_features(engine, SNAPSHOT_DAY, default_model())), "Test")
    path = sqlite_path(demo_url)
    assert path is not None
    window = (SNAPSHOT_DAY.isoformat(), date.fromordinal(SNAPSHOT_DAY.toordinal() + 90).isoformat())
    with closing(sqlite3.connect(path)) as connection:
        every = connection.execute(
            "SELECT id, name, mrr_cents FROM account WHERE status <> 'churned'"
            " AND renewal_date BETWEEN ? AND ? ORDER BY mrr_cents",
            window,
        ).fetchall()
    due = every[:2]  # the two smallest renewals are set to cancel
    for account_id, _, _ in due:
        _set_to_cancel(engine, account_id)
    leaving = {account_id for account_id, _, _ in due}
    renewals = [(account_id, cents) for account_id, _, cents in every]
    risk = dict(churn_risk(engine, SNAPSHOT_DAY, default_model()).iter_rows())
    engine.dispose()
    kept = sum(cents * (1 - risk[i]) for i, cents in renewals if i not in leaving)
    lost = sum(cents for _, _, cents in due)
    async with _forecast_tile(demo_url, SNAPSHOT_DAY, tmp_path) as (app, pilot, tile):
        assert tile.value_text == money(round(kept))
        assert f"2 set to cancel: {money(lost)}" in text_of(tile), text_of(tile)

        await _focus_by_tab(app, pilot, "tile-renewals-kept")
        await press(app, pilot, "enter")
        drill = app.screen
        assert isinstance(drill, DrillScreen), drill
        exact = f"${lost // 100:,}.{lost % 100:02d}"
        assert f"2 set to cancel: {exact} MRR, expected to leave." in text_of(
            drill.query_one("#drill-formula")
        )
        table = drill.query_one(DataTable)
        headings = [str(c.label) for c in table.columns.values()]
        flag, loss = headings.index("Set to cancel"), headings.index("Expected loss")
        first = [table.get_row_at(i) for i in range(2)]
        assert {str(row[0]) for row in first} == {name for _, name, _ in due}
        assert all(str(row[flag]) == "yes" for row in first)
        assert str(table.get_row_at(2)[flag]) == ""
        assert sorted(str(row[loss]) for row in first) == sorted(
            f"${cents // 100:,}.{cents % 100:02d}" for _, _, cents in due
        )


async def test_without_a_churn_model_the_tile_still_says_who_is_set_to_cancel(
    tmp_path: Path,
) -> None:
    """A book of a Stripe export alone has no churn model (no churn to learn from): the
    forecast tile said "no churn model" and nothing of the customers who asked to
    cancel. It says how many of the renewals of the next 90 days are set to cancel and
    their MRR, from the raw file."""
    from tests.cli.conftest import run_ok
    from tests.cli.test_set_to_cancel import FLAGS, LIVE, _flagged
    from tui.format import money

    today = date(2026, 12, 7)
    db, path = tmp_path / "book.db", tmp_path / "subscriptions.csv"
    export = _flagged(FLAGS)
    export.write_csv(path)
    run_ok("import", "accounts", str(path), "--db", str(db), "--as-of", today.isoformat())
    flag = pl.col("Cancel At Period End").str.strip_chars().str.to_lowercase() == "true"
    live = export.filter(pl.col("Status").str.to_lowercase().is_in(LIVE))
    customers = live.group_by("Customer ID").agg(
        flag.all().alias("leaving"),
        pl.col("Current Period End (UTC)").first().str.slice(0, 10).str.to_date().alias("renews"),
        (pl.col("Amount").cast(pl.Float64) * pl.col("Quantity").cast(pl.Int64)).sum().alias("mrr"),
    )
    leaving = customers.filter(
        "leaving", pl.col("renews").is_between(today, today + timedelta(days=90))
    )
    assert leaving.height == 2
    cents = round(leaving["mrr"].sum() * 100)
    async with _forecast_tile(f"sqlite:///{db}", today, tmp_path) as (_app, _pilot, tile):
        shown = text_of(tile)
        assert "no churn model" in shown
        assert f"2 set to cancel: {money(cents)}" in shown, shown


async def test_the_lists_filters_keep_the_accounts_set_to_cancel(
    db_url: str, engine: Engine, book: dict[str, int]
) -> None:
    """The filter form's "Set to cancel at renewal" keeps the customers set to cancel
    (not one that churned), says so in the filter bar, and saves as a filter that
    applies again."""
    from textual.widgets import Checkbox, Input

    from core.config.saved_filters import SavedFilter, load_saved_filters
    from tests.tui.conftest import bar, names, press
    from tui.screens.filters import FiltersScreen

    ids = list(book.values())
    _set_to_cancel(engine, ids[0])
    _set_to_cancel(engine, ids[1])
    _set_to_cancel(engine, ids[2], status="churned")
    with engine.connect() as connection:
        expected = (
            connection.execute(
                text(
                    "SELECT name FROM account WHERE cancels_at_renewal AND status <> 'churned'"
                    " ORDER BY name"
                )
            )
            .scalars()
            .all()
        )
    assert len(expected) == 2
    async with running(db_url) as (app, pilot):
        await press(app, pilot, "f")
        form = app.screen
        assert isinstance(form, FiltersScreen)
        form.query_one("#cancelling", Checkbox).value = True
        form.query_one("#save-name", Input).value = "leaving"
        await press(app, pilot, "ctrl+n", "ctrl+s")
        assert sorted(names(app)) == expected
        assert "set to cancel at renewal" in bar(app)
    saved = load_saved_filters().filters
    assert saved == {"leaving": SavedFilter(name="leaving", set_to_cancel=True)}
