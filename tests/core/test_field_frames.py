"""Custom field values from long to wide, as the list and the exports read them:
one column of canonical text per field, checked against a plain polars pivot, for a
few fields (joined) and for many (pivoted)."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.accounts import field_frames
from core.accounts.field_frames import wide_text


def _book(fields: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``fields`` fields over 50 accounts: field n has a value for the accounts whose
    number is not a multiple of n + 2, and one field has none at all."""
    definitions = pl.DataFrame(
        {"id": [10 + n for n in range(fields)], "name": [f"Field {n}" for n in range(fields)]}
    )
    long = pl.concat(
        pl.DataFrame(
            {
                "field_id": [10 + n] * 50,
                "account_id": list(range(1, 51)),
                "value": [f"v{n}-{a}" for a in range(1, 51)],
            }
        ).filter(pl.col("account_id") % (n + 2) != 0)
        for n in range(fields - 1)  # the last field has no value
    )
    return long, definitions


@pytest.mark.parametrize("fields", [3, 12])
@pytest.mark.parametrize("joined_at_most", [0, 100])
def test_wide_is_a_pivot_of_the_values(
    fields: int, joined_at_most: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(field_frames, "JOINED_AT_MOST", joined_at_most)
    long, definitions = _book(fields)
    names = dict(definitions.iter_rows())
    expected = (
        long.with_columns(pl.col("field_id").replace_strict(names).alias("name"))
        .pivot(on="name", index="account_id", values="value")
        .with_columns(pl.lit(None, pl.String).alias(f"Field {fields - 1}"))
        .select("account_id", *names.values())
        .sort("account_id")
    )
    assert_frame_equal(wide_text(long, definitions), expected)


def test_no_values_is_an_empty_frame_with_every_column() -> None:
    long, definitions = _book(3)
    wide = wide_text(long.head(0), definitions)
    assert wide.columns == ["account_id", "Field 0", "Field 1", "Field 2"]
    assert wide.is_empty()
