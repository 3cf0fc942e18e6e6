"""Exports never carry a formula a spreadsheet would run, and are private files."""

from __future__ import annotations

import stat
from pathlib import Path

import polars as pl
import pytest
from fastexcel import read_excel

from core.exporting import write_frame

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\tx"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_formulas_are_neutralised_and_numbers_kept(tmp_path: Path, suffix: str) -> None:
    frame = pl.DataFrame(
        {
            "name": [*FORMULAS, "Acme"],
            "mrr": ["-12.50", "+3", "1,200.00", "0", "5", "7"],
            "seats": [-5, 1, 2, 3, 4, 5],
        }
    )
    path = tmp_path / f"out{suffix}"
    write_frame(frame, path)
    if suffix == ".csv":
        back = pl.read_csv(path, infer_schema=False)
    else:
        back = pl.from_arrow(read_excel(path).load_sheet(0).to_arrow())  # type: ignore[assignment]
    names = back["name"].to_list()
    assert names == [f"'{value}" for value in FORMULAS] + ["Acme"]
    assert back["mrr"].cast(pl.String).to_list()[:3] == ["-12.50", "+3", "1,200.00"]
    assert [int(float(v)) for v in back["seats"].to_list()] == [-5, 1, 2, 3, 4, 5]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
