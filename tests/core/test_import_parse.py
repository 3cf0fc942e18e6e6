"""Reading moments at full speed: the fast pattern chosen from a sample, and the
forgiving parser for the cells it cannot read."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from core.importing import parse


def test_whole_seconds_get_the_pattern_without_fractions() -> None:
    sample = pl.Series(["2026-01-02 03:04:05", "2026-01-03 10:00:00"])
    assert parse.fast_pattern(sample, "iso") == "%Y-%m-%d %H:%M:%S"


def test_cells_the_fast_pattern_misses_are_still_read() -> None:
    texts = pl.Series(
        ["2026-01-02 03:04:05", "2026-01-02 03:04:05.250", "2026-01-02T03:04:05Z", None]
    )
    pattern = parse.fast_pattern(texts.head(1), "iso")
    assert pattern == "%Y-%m-%d %H:%M:%S"
    assert parse.moments(texts, "iso", pattern).to_list() == [
        datetime(2026, 1, 2, 3, 4, 5),
        datetime(2026, 1, 2, 3, 4, 5, 250000),
        datetime(2026, 1, 2, 3, 4, 5),
        None,
    ]
