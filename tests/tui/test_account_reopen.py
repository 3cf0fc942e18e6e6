"""Accounts opened one after another from the list: the app keeps one 360 screen and
loads each account into it (``AccountScreen.open``), as ``[`` and ``]`` do. Each
shows its own account, read back with plain SQL, as a new 360 would show it; escape
goes back to the list with the cursor where it was."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

from textual.widgets import DataTable

from tests.tui.conftest import SIZE, book_open, press, settle, snapshot_app, text_of
from tui.app import CxtuiApp
from tui.screens.account import AccountScreen
from tui.screens.accounts import AccountsScreen


class Shown(NamedTuple):
    name: str
    mrr: str
    contact: str
    events: int


def stored(book: Path, account_id: int) -> Shown:
    """What the 360 of ``account_id`` should show, read with sqlite3: its name, MRR,
    first contact, and how many events its timeline has (interactions and survey
    answers not deleted, tickets, purchases, MRR movements)."""
    with closing(sqlite3.connect(book)) as db:
        name, mrr_cents, status = db.execute(
            "SELECT name, mrr_cents, status FROM account WHERE id = ?", (account_id,)
        ).fetchone()
        contact = db.execute(
            "SELECT name FROM contact WHERE account_id = ? ORDER BY is_primary DESC, name",
            (account_id,),
        ).fetchone()
        events = sum(
            db.execute(
                f"SELECT count(*) FROM {table} WHERE account_id = ? {where}", (account_id,)
            ).fetchone()[0]
            for table, where in (
                ("interaction", "AND deleted_at IS NULL"),
                ("survey_response", "AND deleted_at IS NULL"),
                ("ticket", ""),
                ("purchase", ""),
                ("mrr_movement", ""),
            )
        )
    lost = "lost " if status == "churned" else ""
    return Shown(
        name,
        f"MRR {lost}${mrr_cents / 100:,.0f}",
        contact[0] if contact else "No contacts.",
        events,
    )


def check_shows(screen: AccountScreen, book: Path, account_id: int) -> None:
    expected = stored(book, account_id)
    header = text_of(screen.query_one("#a360-header"))
    assert expected.name in header and expected.mrr in header, header
    assert expected.contact in text_of(screen.query_one("#contacts"))
    assert screen.query_one("#timeline", DataTable).row_count == expected.events
    bar = text_of(screen.query_one("#timeline-bar"))
    assert f"Timeline: everything ({expected.events:,} event" in bar, bar
    for panel in ("#a360-goals", "#a360-body"):
        assert screen.query_one(panel).display


def opened(app: CxtuiApp) -> AccountScreen:
    screen = app.screen
    assert isinstance(screen, AccountScreen), screen
    return screen


async def test_accounts_opened_in_a_row_each_show_their_own(demo_url: str, tmp_path: Path) -> None:
    book = tmp_path / "demo.db"
    app = snapshot_app(demo_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await book_open(app, pilot)
        listing = app.screen
        assert isinstance(listing, AccountsScreen)
        await press(app, pilot, "j", "j", "j", "enter")
        first = listing.table.current_account_id()
        assert first is not None
        screen = opened(app)
        check_shows(screen, book, first)
        await press(app, pilot, "t", "j", "j")  # the timeline narrowed, its cursor moved
        assert "Timeline: interaction" in text_of(screen.query_one("#timeline-bar"))

        await press(app, pilot, "escape")
        assert app.screen is listing
        assert listing.table.cursor_row == 3 and listing.table.current_account_id() == first

        await press(app, pilot, "j", "j", "enter")
        second = listing.table.current_account_id()
        assert second is not None and second != first
        assert opened(app) is screen  # the same screen, another account in it
        check_shows(screen, book, second)  # every kind again, as a new 360 opens
        assert stored(book, first).name not in text_of(screen.query_one("#a360-header"))
        assert screen.query_one("#timeline", DataTable).cursor_row == 0
        assert app.focused is screen.query_one("#timeline")

        await press(app, pilot, "right_square_bracket")  # ] walks the list on from there
        ids = screen.ids
        check_shows(screen, book, ids[ids.index(second) + 1])
        await press(app, pilot, "escape")
        assert app.screen is listing
        assert listing.table.current_account_id() == ids[ids.index(second) + 1]


async def test_keys_wait_for_the_account_being_read(demo_url: str, tmp_path: Path) -> None:
    """Between opening another account (or ]) and its read, l logged a call for the
    new account under the name of the one shown before: the 360 still held its data."""
    from tui.screens.log_form import LogInteractionScreen

    app = snapshot_app(demo_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await book_open(app, pilot)
        listing = app.screen
        assert isinstance(listing, AccountsScreen)
        await press(app, pilot, "enter")
        screen = opened(app)
        ids = screen.ids
        for go_on in (lambda: app.open_account(ids[3]), lambda: screen.action_step(1)):
            go_on()  # no await: its read has not come back
            screen.action_log()
            assert not isinstance(app.screen, LogInteractionScreen)
            await settle(app, pilot)
            await press(app, pilot, "l")  # once read: the form, with the account's name
            assert isinstance(app.screen, LogInteractionScreen)
            assert stored(tmp_path / "demo.db", screen.account_id).name in text_of(app.screen)
            await press(app, pilot, "escape")
