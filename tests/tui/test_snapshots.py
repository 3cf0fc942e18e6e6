"""Snapshots of the accounts list and the account 360 on the demo book, at a fixed
size, date and theme. Regenerate on purpose only (``--snapshot-update``), after
looking at the diff."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from tests.tui.conftest import SIZE, SMALL, settle
from tests.tui.conftest import snapshot_app as _app


async def quill(pilot: Pilot) -> None:
    """The account 360 of Quill Logistics, an account under pressure, found by a search."""
    await settle(pilot.app, pilot)
    await pilot.press("slash", *"Quill Logistics", "enter")
    await settle(pilot.app, pilot)


def test_accounts_list(snap_compare, demo_url: str, tmp_path: Path) -> None:
    async def ready(pilot: Pilot) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("j", "j")

    assert snap_compare(_app(demo_url, tmp_path), terminal_size=SIZE, run_before=ready)


def test_account_360(snap_compare, demo_url: str, tmp_path: Path) -> None:
    async def ready(pilot: Pilot) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("s", "s", "s")  # name descending, MRR ascending, MRR descending
        await pilot.press("enter")
        await settle(pilot.app, pilot)

    assert snap_compare(_app(demo_url, tmp_path), terminal_size=SIZE, run_before=ready)


def test_account_360_health_panel(snap_compare, demo_url: str, tmp_path: Path) -> None:
    """An account under pressure: each component with its signals in words."""
    assert snap_compare(_app(demo_url, tmp_path), terminal_size=SIZE, run_before=quill)


def test_small_terminal_accounts_list(snap_compare, demo_url: str, tmp_path: Path) -> None:
    """At 80x24: Name, MRR, Health and the 30-day trend in view, and the bar says how
    many columns are out of view."""

    async def ready(pilot: Pilot) -> None:
        await settle(pilot.app, pilot)

    assert snap_compare(_app(demo_url, tmp_path), terminal_size=SMALL, run_before=ready)


def test_small_terminal_account_360(snap_compare, demo_url: str, tmp_path: Path) -> None:
    """At 80x24 the 360's panels stack, the health first, the timeline below."""
    assert snap_compare(_app(demo_url, tmp_path), terminal_size=SMALL, run_before=quill)
