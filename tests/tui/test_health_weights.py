"""The palette's "Fit the health weights on this book" (what `cxtui model apply`
does), driven by keys on a copy of the demo book: the fit is shown beside the
weights in force, "Use them" writes them (the file before is kept), and "Restore
the previous health model" brings it back."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config.settings import Settings
from tests.tui.conftest import SNAPSHOT_DAY, palette, settle, text_of
from tui.app import make_app
from tui.screens.confirm import ConfirmScreen

MINE = "# my own model\n[bands]\ngreen = 72\n"


async def test_fit_use_and_restore_the_health_weights_from_the_palette(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    health = tmp_path / "config" / "cxtui" / "health.toml"
    health.parent.mkdir(parents=True)
    health.write_text(MINE)
    settings = Settings(path=tmp_path / "config.toml")
    app = make_app(demo_url, today=SNAPSHOT_DAY, settings=settings, recompute_health=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await palette(app, pilot, "fit the health weights")
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen), dialog
        shown = text_of(dialog.query_one(".dialog-text"))
        assert "ROC AUC on the later cut-offs: fitted" in shown and "Use the fitted" in shown
        assert health.read_text() == MINE  # nothing written before the answer
        await pilot.press("y")
        await settle(app, pilot, rounds=120)
        written = health.read_text()
        assert written.startswith(MINE) and "[weights]" in written
        assert health.with_name("health.previous.toml").read_text() == MINE
        assert any("accounts rescored" in str(n.message) for n in app._notifications)
        await palette(app, pilot, "restore the previous health")
        assert health.read_text() == MINE
