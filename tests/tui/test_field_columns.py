"""Custom fields on the accounts list, with keys only: chosen as columns with ``c``
(kept in the config file by the field's name), shown as a person reads them, sorted
with ``s``; a condition on a field in the ``f`` form narrows the list. The book is
the Telco file imported as it comes, its columns kept as custom fields."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from core.config.list_columns import load_list_columns
from tests.tui.conftest import TELCO, bar, names, press, running, text_of, type_text
from tui.screens.accounts import AccountsScreen
from tui.screens.columns import ColumnChooser
from tui.screens.filters import FiltersScreen
from tui.widgets.accounts_table import AccountsTable


def _raw() -> pl.DataFrame:
    return pl.read_csv(TELCO, infer_schema=False).with_columns(pl.col("tenure").cast(pl.Int64))


def headers(app) -> list[str]:
    return [column.label.plain for column in app.screen.query_one(AccountsTable).ordered_columns]


async def test_a_field_chosen_as_a_column_shows_sorts_and_is_kept(
    db_url: str, telco: Engine, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[accounts_list]\ncolumns = ["name", "mrr", "field:TENURE", "field:Region"]\n',
        encoding="utf-8",
    )
    async with running(db_url, path=config) as (app, pilot):
        # the field as the database spells it; a field it does not have is named, not fatal
        assert headers(app) == ["Name", "MRR", "Tenure"]
        (told,) = [n for n in app._notifications if "Region" in str(n.message)]
        assert f"{config}, line 2" in str(told.message)
        assert "names no custom field" in str(told.message)

        await press(app, pilot, "c")
        chooser = app.screen
        assert isinstance(chooser, ColumnChooser)
        listed = [column.name for column in chooser.order]
        assert listed[:3] == ["name", "mrr", "field:tenure"]
        assert listed.index("field:PaymentMethod") > listed.index("tickets")  # after the list's own
        await press(app, pilot, *["down"] * listed.index("field:PaymentMethod"), "space", "enter")
        assert isinstance(app.screen, AccountsScreen)
        assert headers(app) == ["Name", "MRR", "Tenure", "Payment method"]
        table = app.screen.query_one(AccountsTable)
        first = text_of(table).splitlines()[1]
        raw = _raw().sort("customerID")
        assert raw["PaymentMethod"][0][:14] in first

        # s: name down, then MRR up and down, then tenure, by its number
        await pilot.press("s", "s", "s", "s")
        assert "sorted by Tenure ↑" in bar(app)
        expected = raw.sort(["tenure", "customerID"])["customerID"].to_list()
        assert names(app) == expected
    assert load_list_columns(config).columns == (
        "name",
        "mrr",
        "field:tenure",
        "field:PaymentMethod",
    )


async def test_a_condition_on_a_field_in_the_filter_form_narrows_the_list(
    db_url: str, telco: Engine
) -> None:
    async with running(db_url) as (app, pilot):
        assert len(names(app)) == 30
        await press(app, pilot, "f")
        assert isinstance(app.screen, FiltersScreen)
        # past the three lists with values (no segment, no owner), the two day counts
        # and "set to cancel at renewal"
        await pilot.press(*["tab"] * 6)
        assert app.screen.focused is app.screen.query_one("#field-name")
        await type_text(pilot, "tenure")
        await pilot.press("tab")
        await type_text(pilot, "at least")  # not a number: said, the form stays
        await press(app, pilot, "enter")
        assert isinstance(app.screen, FiltersScreen)
        assert 'Tenure: "at least" is not a number' in text_of(app.screen.query_one("#field-error"))
        await pilot.press(*["backspace"] * 8)
        await type_text(pilot, ">= 12")
        await press(app, pilot, "enter")
        assert isinstance(app.screen, AccountsScreen)
        expected = sorted(_raw().filter(pl.col("tenure") >= 12)["customerID"])
        assert 0 < len(expected) < 30
        assert sorted(names(app)) == expected
        assert "Tenure ≥ 12" in bar(app)
        assert f"{len(expected)} of 30 accounts" in bar(app)

        # the condition in force is listed in the form; space drops it
        await press(app, pilot, "f")
        await press(app, pilot, *["tab"] * 8, "space", "ctrl+s")
        assert len(names(app)) == 30
