"""An amount a program wrote as the float it computed ("0.30000000000000004",
"2.220446e-16": a Parquet file's float column, pandas' CSV) reads as the cent it
is within a millionth of; a real fraction of a cent is still refused
(``core.importing.parse.cents``)."""

from __future__ import annotations

import polars as pl
import pytest

from core.importing.parse import cents


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.30000000000000004", 30),  # 0.1 + 0.2
        ("2.220446e-16", 0),  # 1.10 - 1.00 - 0.10
        ("-2.220446049250313e-16", 0),
        ("19.990000000000002", 1999),
        ("1.5E+03", 150_000),
        ("3.49", 349),
        ("$1,234.50", 123_450),
        # refused: fractions of a cent, not a float's rounding, and no amounts at all
        ("3.495", None),
        ("1.0000001", None),
        ("12.345", None),
        ("1e+20", None),
        ("NaN", None),
        ("inf", None),
        ("abc", None),
    ],
)
def test_an_amount_is_read_to_the_cent(text: str, expected: int | None) -> None:
    assert cents(pl.Series([text])).to_list() == [expected]
