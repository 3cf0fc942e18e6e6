"""A snapshot of the dashboard on the demo book at a fixed date, size and theme, once
every worker has finished. Regenerate on purpose only (``--snapshot-update``), after
looking at the diff."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import DataTable

from tests.tui.conftest import SIZE, SMALL, settle
from tests.tui.conftest import snapshot_app as _app
from tui.widgets.charts import Chart


async def why_measured(pilot: Pilot) -> None:
    """The at-risk list with its "why" in every row, and its Why column as wide as its
    cells: the why is read after the list (it can come after the other workers are
    done), and the table widens the column on its next idle, which on a loaded machine
    came after the snapshot (the column cut at the width of the reasons alone)."""
    table = pilot.app.screen.query_one("#at-risk", DataTable)
    why = table.ordered_columns[-1]
    for _ in range(300):
        cells = [str(table.get_row_at(row)[-1]) for row in range(table.row_count)]
        told = cells and all(" · " in cell for cell in cells)
        if told and why.content_width >= max(map(cell_len, cells)):
            break
        await pilot.pause(0.01)
    table.refresh(layout=True)  # drawn at that width
    await pilot.pause()


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["160x50", "80x24"])
def test_dashboard(snap_compare, demo_url: str, tmp_path: Path, size: tuple[int, int]) -> None:
    """At 80x24 the tiles keep whole figures: tiny titles, money as $919.8k."""

    async def ready(pilot: Pilot) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("1")
        await settle(pilot.app, pilot)
        await why_measured(pilot)
        # plotext's drawing varies from run to run (tick choice, bar edges): the charts
        # keep their place but are hidden here, so the snapshot stays stable
        for chart in pilot.app.screen.query(Chart):
            chart.styles.visibility = "hidden"
        await pilot.pause()

    assert snap_compare(_app(demo_url, tmp_path), terminal_size=size, run_before=ready)
