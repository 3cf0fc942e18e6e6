"""Reading files at full speed without reading them wrong: the encoding check, and
moments read by a fast pattern chosen from a sample with a forgiving parser for the
cells it cannot read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

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


def _workbook(path: Path, fill: Callable[[Any], None], sheets: int = 1) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Orders")
    sheet.write_row(0, 0, ["account", "date", "amount"])
    sheet.write_row(1, 0, ["A", "2024-01-01", 10])
    fill(sheet)
    for number in range(1, sheets):
        book.add_worksheet(f"Notes {number}").write(0, 0, "not data")
    book.close()
    return path


@pytest.mark.parametrize(
    ("fill", "words"),
    [
        (
            lambda s: s.write_formula(2, 2, "=1/0"),
            'cell C3 (row 3, column "amount") holds a formula',
        ),
        (
            lambda s: s.write_formula(2, 2, "=NA()", None, "#N/A"),
            'cell C3 (row 3, column "amount") holds',
        ),
        (lambda s: s.merge_range("A3:A4", "B"), "cells A3:A4 are merged"),
    ],
)
def test_xlsx_cells_that_would_import_wrong_are_refused(
    tmp_path: Path, fill: Callable[[Any], None], words: str
) -> None:
    path = _workbook(tmp_path / "orders.xlsx", fill)
    with pytest.raises(formats.FileError) as refused:
        formats.open_source(path)
    assert words in str(refused.value)


def test_xlsx_other_sheets_are_named_as_not_read(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "orders.xlsx", lambda sheet: None, sheets=3)
    with formats.open_source(path) as source:
        assert source.notes == ["only the first sheet (Orders) was read; 2 other sheet(s) were not"]


@pytest.mark.parametrize(
    ("above", "said"),
    [
        (["sep=;"], "row 1 is Excel's separator line (sep=;), not a record: left out"),
        (
            ['"Accounts by owner; all regions"', ""],
            "rows 1 to 2 above the column names are a report's title, not records"
            ' ("Accounts by owner; all regions"): left out',
        ),
    ],
    ids=["excel-separator-line", "report-title"],
)
def test_lines_above_the_column_names_are_left_out(
    tmp_path: Path, above: list[str], said: str
) -> None:
    """A first line of one cell, then the column names: the records are read under
    those names, with the row numbers a spreadsheet shows, and what was above is said."""
    path = tmp_path / "accounts.csv"
    path.write_text("\n".join([*above, "id;name;mrr", "A1;Alpha;12,50", "A2;Beta;9"]) + "\n")
    with formats.open_source(path) as source:
        assert source.columns == ["id", "name", "mrr"]
        assert source.separator == ";"
        assert source.first_row == len(above) + 2
        assert source.notes == [said]
        assert source.preview().rows() == [("A1", "Alpha", "12,50"), ("A2", "Beta", "9")]
