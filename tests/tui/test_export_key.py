"""``x``: export what the screen shows into a real file, or say there is nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
from sqlalchemy import Engine
from textual.screen import Screen
from textual.widgets import Input

from core.config.settings import Settings
from core.exporting import ExportFilters, export_frame
from core.playbook.tasks import add_manual_task
from core.scope import Scope
from tests.tui.book import TODAY, make_book
from tests.tui.conftest import press, settle, started
from tui.screens.export_dialog import ExportDialog, default_export_path

SIZE = (160, 50)


async def test_x_on_the_tasks_screen_writes_what_it_shows(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    ids = make_book(engine)
    add_manual_task(engine, "Call Globex", TODAY, "Dana Scully", ids["Globex"])
    add_manual_task(engine, "QBR deck", TODAY + timedelta(days=2), "Test User", ids["Cyberdyne"])
    add_manual_task(engine, "Paperwork", TODAY, "Test User")
    out = tmp_path / "out" / "my-tasks.csv"
    async with started(db_url, Settings(path=tmp_path / "c.toml")) as (app, pilot):
        await press(app, pilot, "4")
        await press(app, pilot, "m")  # mine: Test User's two tasks
        await press(app, pilot, "x")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        path = dialog.query_one("#path", Input)
        assert path.value == str(default_export_path("tasks", TODAY))
        path.value = str(out)
        await press(app, pilot, "enter")
        assert not isinstance(app.screen, ExportDialog)
        assert any(
            f"2 rows of tasks written to {out}" in str(n.message) for n in app._notifications
        )
    written = pl.read_csv(out)
    assert written["title"].to_list() == ["Paperwork", "QBR deck"]
    expected = export_frame(
        engine, "tasks", ExportFilters(scope=Scope(owner="Test User"), as_of=TODAY)
    )
    assert written["id"].to_list() == expected["id"].to_list()
    assert set(written["owner"]) == {"Test User"}


async def test_the_export_button_names_the_forms_save_key(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """The export dialog's button read 'Export (enter)' where every form's reads
    '(ctrl+s)': it reads 'Export (ctrl+s)', and ctrl+s exports from any field (here the
    kind's list, where enter opens the list)."""
    from textual.widgets import Button, Select

    ids = make_book(engine)
    add_manual_task(engine, "Call Globex", TODAY, "Dana Scully", ids["Globex"])
    out = tmp_path / "tasks.csv"
    async with started(db_url, Settings(path=tmp_path / "c.toml")) as (app, pilot):
        await press(app, pilot, "4", "x")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        assert str(dialog.query_one("#save", Button).label) == "Export (ctrl+s)"
        assert str(dialog.query_one("#cancel", Button).label) == "Cancel (esc)"
        dialog.query_one("#path", Input).value = str(out)
        await press(app, pilot, "shift+tab")
        assert isinstance(app.focused, Select)
        await press(app, pilot, "ctrl+s")
        assert not isinstance(app.screen, ExportDialog)
    assert pl.read_csv(out)["title"].to_list() == ["Call Globex"]


async def test_x_refuses_a_bad_extension_in_words(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    make_book(engine)
    async with started(db_url, Settings(path=tmp_path / "c.toml")) as (app, pilot):
        await press(app, pilot, "4", "x")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        # a name that looks like markup is said as typed, brackets and all
        dialog.query_one("#path", Input).value = str(tmp_path / "[b]tasks.json")
        await press(app, pilot, "enter")
        assert app.screen is dialog
        error = str(dialog.query_one("#export-error").render())
        assert "[b]tasks.json: write to a .csv, .xlsx or .parquet" in error
        assert not (tmp_path / "[b]tasks.json").exists()


async def test_a_screen_without_export_says_so(db_url: str, engine: Engine, tmp_path: Path) -> None:
    make_book(engine)
    async with started(db_url, Settings(path=tmp_path / "c.toml")) as (app, pilot):
        await app.push_screen(Screen())  # a screen with no export_view
        await settle(app, pilot)
        await press(app, pilot, "x")
        assert not isinstance(app.screen, ExportDialog)
        assert any("Nothing to export" in str(n.message) for n in app._notifications)


async def test_x_on_the_accounts_list_exports_it_as_shown(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """The search and the sort of the list: the dialog names them, the file follows
    them and carries the list's health and band."""
    from tests.tui.conftest import running, text_of, type_text

    make_book(engine)
    out = tmp_path / "listed.csv"
    async with running(db_url, path=tmp_path / "c.toml") as (app, pilot):
        await pilot.press("slash")
        await type_text(pilot, "in")  # Initech, Vandelay Industries
        await press(app, pilot, "enter")  # (opens the first match: back to the list)
        await press(app, pilot, "escape")
        screen = app.screen
        await press(app, pilot, "s")  # name, descending
        shown = [str(name) for name in screen.table.accounts.data["name"]]  # type: ignore[attr-defined]
        await press(app, pilot, "x")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        said = text_of(dialog)
        assert 'search "in"' in said and "sorted by Name ↓" in said
        dialog.query_one("#path", Input).value = str(out)
        await press(app, pilot, "enter")
    written = pl.read_csv(out)
    assert written["name"].to_list() == shown == ["Vandelay Industries", "Initech"]
    assert {"health", "band", "last_touch"} <= set(written.columns)


async def test_x_on_the_dashboard_says_the_period_it_exports(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """The dialog said 'With the screen's filters: none' while it exports the figures
    of the period shown, which p and [ ] change; the file held that period's alone."""
    from core.periods import Period

    make_book(engine)
    out = tmp_path / "metrics.csv"
    async with started(db_url, Settings(path=tmp_path / "c.toml")) as (app, pilot):
        await press(app, pilot, "1", "left_square_bracket", "x")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        period = Period.month_of(TODAY).previous().label
        said = " ".join(str(widget.render()) for widget in dialog.query(".dialog-text"))
        assert f"period {period}" in said, said
        dialog.query_one("#path", Input).value = str(out)
        await press(app, pilot, "enter")
    assert set(pl.read_csv(out)["period"]) == {period}


async def test_x_exports_any_kind_the_cli_does_with_the_lists_accounts(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """The dialog offered the screen's own kind alone: no support tickets, survey
    answers, MRR movements... which `cxtui export` writes. Chosen by keys from "my
    book", the tickets of the accounts listed are written, as plain SQL reads them."""
    from sqlalchemy import text

    from core.exporting import EXPORTS
    from tests.tui.conftest import running

    make_book(engine)
    out = tmp_path / "my-tickets.csv"
    async with running(db_url, path=tmp_path / "c.toml") as (app, pilot):
        await press(app, pilot, "m", "x")  # my book: Test User's accounts
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        await press(app, pilot, "shift+tab", "enter")  # the kind's list, open
        await press(app, pilot, *["down"] * EXPORTS.index("tickets"), "enter")
        path = dialog.query_one("#path", Input)
        assert path.value == str(default_export_path("tickets", TODAY))
        said = " ".join(str(w.render()) for w in dialog.query(".dialog-title, .dialog-text"))
        assert "Export tickets" in said and "my book (Test User)" in said, said
        await press(app, pilot, "tab")
        assert app.focused is path
        path.value = str(out)
        await press(app, pilot, "enter")
        assert not isinstance(app.screen, ExportDialog)
    with engine.connect() as connection:
        expected = connection.execute(
            text(
                "SELECT a.external_id, t.subject FROM ticket t JOIN account a"
                " ON a.id = t.account_id WHERE a.owner = 'Test User' ORDER BY t.id"
            )
        ).all()
    written = pl.read_csv(out)
    assert 0 < len(expected) < pl.read_database("SELECT id FROM ticket", engine).height
    assert list(written.select("account", "subject").iter_rows()) == [tuple(r) for r in expected]


async def test_the_lists_filters_not_carried_to_another_kind_are_said(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """The metrics take no list of accounts: from a list narrowed to my book, the
    dialog says they are of the whole book, and the file holds the whole book's."""
    from core.exporting import EXPORTS
    from tests.tui.conftest import running

    make_book(engine)
    out = tmp_path / "metrics.csv"
    async with running(db_url, path=tmp_path / "c.toml") as (app, pilot):
        await press(app, pilot, "m", "x", "shift+tab", "enter")
        await press(app, pilot, *["down"] * EXPORTS.index("metrics"), "enter")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        said = " ".join(str(w.render()) for w in dialog.query(".dialog-title, .dialog-text"))
        assert "The whole book: the screen's filters (my book (Test User))" in said, said
        assert said.endswith(f"period {TODAY:%Y-%m}"), said
        dialog.query_one("#path", Input).value = str(out)
        await press(app, pilot, "tab", "enter")
    written = pl.read_csv(out, schema_overrides={"value": pl.String})
    customers = written.filter(pl.col("metric") == "customers_at_start")["value"]
    every = pl.read_database("SELECT id FROM account WHERE status = 'active'", engine).height
    assert customers.to_list() == [str(every)]  # not the 5 of my book


def test_the_filters_carried_to_another_kind_mean_the_same_there() -> None:
    """The dashboard's scope is about accounts: another kind takes it, as `cxtui export
    --owner` does. The tasks' and goals' owner is a task's or a goal's, not the
    accounts': another kind is of the whole book. The list's order and columns stay
    with the accounts export."""
    from tui.screens.export_dialog import carried

    scope = Scope(owner="Dana Scully", segment="SMB")
    dashboard = ExportFilters(scope=scope, period="2026-05", as_of=TODAY)
    assert carried("contacts", "metrics", dashboard) == _scoped(dashboard)
    tasks = ExportFilters(scope=Scope(owner="Dana Scully"), source="rule", as_of=TODAY)
    assert carried("tickets", "tasks", tasks) == ExportFilters(as_of=TODAY)
    assert carried("tasks", "tasks", tasks) is tasks
    listed = ExportFilters(
        account_ids=frozenset({3, 1}),
        account_order=(3, 1),
        listed=("my book (Test User)",),
        sorted_by="sorted by MRR ↓",
        list_columns=("name", "mrr"),
        as_of=TODAY,
    )
    surveys = carried("surveys", "accounts", listed)
    assert (surveys.account_ids, surveys.account_order, surveys.list_columns) == (
        frozenset({3, 1}),
        (),
        (),
    )
    assert surveys.describe() == ["my book (Test User)"]
    assert carried("goals", "accounts", listed) == ExportFilters(as_of=TODAY)


def _scoped(filters: ExportFilters) -> ExportFilters:
    """``filters`` with the scope, period and day alone."""
    return ExportFilters(scope=filters.scope, period=filters.period, as_of=filters.as_of)


async def test_x_on_the_360_exports_that_accounts_rows(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """``x`` on an account's 360 said "Nothing to export on this screen". It offers the
    account's interactions (its log), named in the dialog, and any other kind of that
    account: the files hold its rows alone, as plain SQL reads them. Until the account
    is read (``]`` pressed), it says so and opens nothing."""
    from sqlalchemy import text

    from core.exporting import EXPORTS
    from tests.tui.conftest import on_account, text_of

    make_book(engine)
    log, tickets = tmp_path / "log.csv", tmp_path / "out" / "tickets.parquet"
    async with on_account(db_url, engine, "EXT-1001") as (app, pilot, screen):
        await press(app, pilot, "x")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        said = text_of(dialog)
        assert "Export interactions" in said, said
        assert "With the screen's filters: the account Globex (EXT-1001)" in said, said
        path = dialog.query_one("#path", Input)  # a file per account
        assert path.value == str(default_export_path("interactions", TODAY, "EXT-1001"))
        assert path.value.endswith(f"cxtui-EXT-1001-interactions-{TODAY}.csv")
        path.value = str(log)
        await press(app, pilot, "enter")
        assert app.screen is screen
        await press(app, pilot, "x", "shift+tab", "enter")
        steps = EXPORTS.index("tickets") - EXPORTS.index("interactions")
        await press(app, pilot, *["down"] * steps, "enter")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        assert "Export tickets" in text_of(dialog)
        path = dialog.query_one("#path", Input)
        assert path.value == str(default_export_path("tickets", TODAY, "EXT-1001"))
        path.value = str(tickets)
        await press(app, pilot, "tab", "enter")
        assert app.screen is screen
        screen.action_step(1)  # the next account, not read yet
        app.action_export()
        assert app.screen is screen
        await pilot.pause()
        assert any("Still reading the account" in str(n.message) for n in app._notifications)
    with engine.connect() as connection:
        calls, opened = (
            connection.execute(
                text(
                    f"SELECT a.external_id, x.{column} FROM {table} x JOIN account a"
                    f" ON a.id = x.account_id WHERE a.external_id = 'EXT-1001' ORDER BY {order}"
                )
            ).all()
            for table, column, order in (
                ("interaction", "summary", "x.occurred_at, x.id"),
                ("ticket", "subject", "x.id"),
            )
        )
    assert 0 < len(calls) < pl.read_database("SELECT id FROM interaction", engine).height
    assert list(pl.read_csv(log).select("account", "summary").iter_rows()) == [
        tuple(row) for row in calls
    ]
    assert 0 < len(opened) < pl.read_database("SELECT id FROM ticket", engine).height
    assert list(pl.read_parquet(tickets).select("account", "subject").iter_rows()) == [
        tuple(row) for row in opened
    ]


def test_a_file_named_after_what_is_exported_takes_only_plain_characters() -> None:
    """An account's id in the file offered, what a file name cannot hold (or a shell
    would read) replaced: 'a/b c' gives 'a-b-c'; nothing to name it after, none."""
    assert default_export_path("tickets", TODAY, "a/b c").name == f"cxtui-a-b-c-tickets-{TODAY}.csv"
    assert default_export_path("tickets", TODAY, "../").name == f"cxtui-tickets-{TODAY}.csv"
    assert default_export_path("tickets", TODAY).name == f"cxtui-tickets-{TODAY}.csv"


async def test_x_on_the_360_names_an_account_named_by_its_id_once(
    db_url: str, engine: Engine
) -> None:
    """IBM's telco book, imported with its customerID as name and id, read 'the account
    7569-NMZYQ (7569-NMZYQ)' in the 360's export dialog."""
    from sqlmodel import Session

    from tests.rows import new_account
    from tests.tui.conftest import on_account, text_of

    with Session(engine) as session:
        new_account(session, "7569-NMZYQ")
        session.commit()
    async with on_account(db_url, engine, "7569-NMZYQ") as (app, pilot, _screen):
        await press(app, pilot, "x")
        said = " ".join(text_of(app.screen).split())
        assert "the account 7569-NMZYQ" in said and "(7569-NMZYQ)" not in said, said
