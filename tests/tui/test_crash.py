"""An error no one handled ends the app with its traceback printed, even when
drawing that traceback fails."""

from __future__ import annotations

from collections.abc import Iterator
from time import monotonic

import pytest
from rich.console import RenderableType
from textual.screen import Screen
from textual.widget import Widget

from core.config.settings import Settings
from tests.tui.book import TODAY
from tests.tui.conftest import SIZE, settle
from tui.app import make_app


class HalfBuilt:
    """An object whose ``__rich_repr__`` fails as Rich reads it: a generator that
    reaches for an attribute not set yet."""

    def __rich_repr__(self) -> Iterator[tuple[str, object]]:
        yield "name", self.name  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        raise RuntimeError("no repr either")


class Crashing(Widget):
    def render(self) -> RenderableType:
        half_built = HalfBuilt()  # a local of the failing frame, shown in the traceback
        raise ValueError(f"drawing failed with {type(half_built).__name__} at hand")


class CrashingScreen(Screen[None]):
    def compose(self) -> Iterator[Widget]:
        yield Crashing()


async def test_a_crash_whose_traceback_cannot_be_drawn_still_ends_the_app(
    db_url: str, book: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    """Textual prints the traceback of an error no one handled with each frame's
    local variables; a local whose ``__rich_repr__`` raised as it was drawn made that
    fail too, and the app kept running with no screen until q. It ends within seconds,
    the error printed (without the locals)."""
    app = make_app(db_url, today=TODAY, settings=Settings(), recompute_health=False)
    ended_after: float | None = None
    with pytest.raises(ValueError, match="drawing failed"):  # run_test raises it again
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            capsys.readouterr()
            app.push_screen(CrashingScreen())
            began = monotonic()
            while app.is_running and monotonic() - began < 10:  # ~3 s on 2 busy cores
                await pilot.pause(0.05)
            if not app.is_running:
                ended_after = monotonic() - began
    assert ended_after is not None, "the app still ran 10 s after the crash"
    printed = capsys.readouterr().err
    assert "ValueError: drawing failed with HalfBuilt at hand" in printed, printed
    assert "in render" in printed and "Traceback" in printed, printed
