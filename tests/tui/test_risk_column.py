"""The churn risk as a column of the accounts list: chosen in the config file (it is
not shown by default), read after the list is shown, each customer's risk from the
churn model in force as a percentage, sorted with ``s``; without a model, the column
is empty and the user is told how to fit one. The book is the demo book."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from core.churn import RISK
from core.config.settings import Settings
from tests.tui.conftest import (
    SNAPSHOT_DAY,
    bar,
    names,
    palette,
    press,
    settle,
    text_of,
)
from tui.app import make_app
from tui.screens.accounts import AccountsScreen
from tui.screens.columns import ColumnChooser
from tui.widgets.accounts_table import AccountsTable


def _fit_a_model(url: str) -> pl.DataFrame:
    """Fit and keep a churn model on the book; each customer's risk from it."""
    from core.churn.features import book_features
    from core.churn.fit import fit_model
    from core.churn.risk import churn_risk, keep_model
    from core.health.config import default_model
    from core.store.db import open_engine

    engine = open_engine(url)
    keep_model(engine, fit_model(book_features(engine, SNAPSHOT_DAY, default_model())), "Test")
    risk = churn_risk(engine, SNAPSHOT_DAY, default_model())
    engine.dispose()
    return risk


def _risk_in_force(url: str) -> pl.DataFrame:
    """Each customer's risk from the churn model in force, read apart from the app."""
    from core.churn.risk import churn_risk
    from core.health.config import default_model
    from core.store.db import open_engine

    engine = open_engine(url)
    risk = churn_risk(engine, SNAPSHOT_DAY, default_model())
    engine.dispose()
    return risk


def _app(url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    config = tmp_path / "config.toml"
    config.write_text(
        '[accounts_list]\ncolumns = ["name", "mrr", "churn_risk", "renewal"]\n', encoding="utf-8"
    )
    return make_app(
        url,
        today=SNAPSHOT_DAY,
        settings=Settings(path=config),
        recompute_health=False,
        start="accounts",
    )


def _headers(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [column.label.plain for column in app.screen.query_one(AccountsTable).ordered_columns]


async def test_the_churn_risk_column_shows_and_sorts_each_customers_risk(
    demo_url: str, tmp_path: Path
) -> None:
    risk = _fit_a_model(demo_url)
    app = _app(demo_url, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        assert _headers(app) == ["Name", "MRR", "Churn risk", "Renewal"]
        assert "computing churn risk" not in bar(app)
        (told,) = [n for n in app._notifications if n.title == "Churn risk"]
        assert "churn within the next 90 days (a model fitted on the book's history)" in str(
            told.message
        )
        shown = app.screen.query_one(AccountsTable).accounts.data.select("id", "name", RISK)
        # every customer has its risk, a former customer none
        expected = shown.select("id", "name").join(
            risk.rename({"account_id": "id"}), on="id", how="left"
        )
        assert shown.sort("id").equals(expected.sort("id"))
        assert shown[RISK].null_count() == shown.height - risk.height > 0

        # s: name down, MRR up and down, then the risk, lowest first (no risk last)
        await pilot.press("s", "s", "s", "s")
        assert "sorted by Churn risk ↑" in bar(app)
        order = expected.sort([RISK, "name"], nulls_last=True)["name"].to_list()
        assert names(app) == order
        await pilot.press("s")
        assert "sorted by Churn risk ↓" in bar(app)
        riskiest = expected.sort([RISK, "name"], descending=[True, False], nulls_last=True)
        assert names(app)[:10] == riskiest["name"].head(10).to_list()

        # as a person reads it: a whole percentage, right-aligned, "·" for no risk
        app.screen.query_one(AccountsTable).move_cursor(row=0)
        await pilot.pause()
        first = text_of(app.screen.query_one(AccountsTable)).splitlines()[1]
        assert f"{riskiest[RISK][0] * 100:.0f} %" in first


async def test_without_a_churn_model_the_column_is_empty_and_says_how_to_fit_one(
    demo_url: str, tmp_path: Path
) -> None:
    app = _app(demo_url, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        assert _headers(app) == ["Name", "MRR", "Churn risk", "Renewal"]
        (told,) = [n for n in app._notifications if "No churn model yet" in str(n.message)]
        assert 'ctrl+p "Fit the churn model"' in str(told.message)
        shown = app.screen.query_one(AccountsTable).accounts.data
        assert shown[RISK].null_count() == shown.height
        assert "·" in text_of(app.screen.query_one(AccountsTable)).splitlines()[1]

        # fitted from the palette, the column fills in with the model's risks
        await palette(app, pilot, "fit the churn model")
        assert any("Churn model fitted" in str(n.title) for n in app._notifications)
        risk = _risk_in_force(demo_url)
        shown = app.screen.query_one(AccountsTable).accounts.data.select("id", RISK)
        expected = shown.select("id").join(risk.rename({"account_id": "id"}), on="id", how="left")
        assert shown.sort("id").equals(expected.sort("id"))
        assert shown[RISK].null_count() < shown.height

        # c lists it among the list's own columns, chosen, with what it shows
        await press(app, pilot, "c")
        chooser = app.screen
        assert isinstance(chooser, ColumnChooser)
        (column,) = [column for column in chooser.order if column.name == "churn_risk"]
        assert column.title == "Churn risk (from the churn model)"


async def test_a_book_joined_again_with_new_risks_shows_them(demo_url: str, tmp_path: Path) -> None:
    """The list sorts its book once per order and keeps the result. Each read of the
    churn risk (after a fit) joins the book again into a new frame, which Python may
    place where the last one was freed, with the same id(): the list shows the new
    risks all the same, never the old ones (it kept the old order, keyed by id)."""
    from core.accounts.field_frames import ListFieldValues

    app = _app(demo_url, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AccountsScreen) and screen.field_data is not None
        assert app.book is not None
        ids = app.book.select("id")
        for percent in range(40):
            risks = ids.with_columns(pl.lit(percent / 100).alias(RISK))
            await screen._fields_read(
                ListFieldValues(screen.field_data.fields, risks, risk_model="a model")
            )
            shown = screen.query_one(AccountsTable).accounts.data[RISK]
            assert shown.unique().to_list() == [percent / 100], percent
