"""Reading files at full speed without reading them wrong: the encoding check, and
moments read by a fast pattern chosen from a sample with a forgiving parser for the
cells it cannot read."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from core.importing import formats, parse


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


def test_encoding_is_checked_across_chunk_boundaries(tmp_path: Path) -> None:
    edge = formats._CHUNK - 1  # a character's first byte ends the first chunk
    path = tmp_path / "file.csv"
    path.write_bytes(b"a" * edge + "é".encode() + b"b" * 10)
    assert formats.detect_encoding(path) == "utf-8"
    path.write_bytes(b"a" * edge + b"\xc3" + b"b" * 10)  # a cut character, then ASCII
    assert formats.detect_encoding(path) == "cp1252"  # which reads 0xC3 as Latin-1 does
    path.write_bytes(b"a" * 100 + "é".encode("latin-1"))
    assert formats.detect_encoding(path) == "cp1252"


def test_windows_1252_is_told_from_latin_1(tmp_path: Path) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes("name,mrr\nCafé Zürich \u2013 “Premium”,€5\n".encode("cp1252"))
    assert formats.detect_encoding(path) == "cp1252"
    with formats.open_source(path) as source:
        assert source.preview(1).row(0) == ("Café Zürich \u2013 “Premium”", "€5")
    path.write_bytes(b"name\nA\x81B\n")  # 0x81 has no character in cp1252
    assert formats.detect_encoding(path) == "latin-1"
