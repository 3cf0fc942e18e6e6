"""Custom fields as frames, in plain polars (no SQLAlchemy), so the app's first read
(``core.store.first_read.read_first_fields``) and the engine's reads
(``core.accounts.fields``, ``core.accounts.field_views``) shape them the same way.

    tidy_fields(frame)                  the fields as read: an empty choices text is null
    wide_text(long, fields)             account_id and one canonical-text column per field
    list_fields(fields, names)          the fields that chosen columns name, and the unknown names
    list_values(long, fields)           id and a "field:NAME" column per field, for the list
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from core.accounts.field_names import field_column, field_key

JOINED_AT_MOST = 8
"""Up to this many fields, ``wide_text`` joins one frame per field (the accounts list's
few columns: about twice as fast as a pivot, measured at 100k accounts); more are
pivoted."""


@dataclass(frozen=True)
class ListFieldValues:
    """What the accounts list needs of some custom fields: the fields (rows of
    ``custom_fields``, every one, for the column chooser and the filter form), the
    values of those asked for (``list_values``), and the names that named none."""

    fields: pl.DataFrame
    values: pl.DataFrame
    unknown: tuple[str, ...] = ()
    risk_model: str | None = None
    """What the ``churn_risk_90d`` column of ``values`` means and the model it comes
    from, in words ("churn within the next 90 days (…); churn model of 2026-12-05,
    AUC 0.88"), when that column was asked for and a model exists."""


def tidy_fields(frame: pl.DataFrame) -> pl.DataFrame:
    """The ``custom_field`` rows as read (id, key, name, label, type, choices,
    position), a choice list read as empty text made null."""
    return frame.with_columns(pl.col("choices").replace("", None))


def wide_text(long: pl.DataFrame, fields: pl.DataFrame) -> pl.DataFrame:
    """``long`` (field_id, account_id, value) as account_id and one column of
    canonical text per field of ``fields``, named by the field's name, in the fields'
    order; only accounts with a value of one of them have a row."""
    schema: dict[str, pl.DataType] = {"account_id": pl.Int64()}
    schema |= {name: pl.String() for name in fields["name"]}
    if fields.is_empty() or long.is_empty():
        return pl.DataFrame(schema=schema)
    pairs = list(fields.select("id", "name").iter_rows())
    if len(pairs) <= JOINED_AT_MOST:
        parts = [
            long.filter(pl.col("field_id") == field_id).select(
                "account_id", pl.col("value").alias(name)
            )
            for field_id, name in pairs
        ]
        wide = parts[0]
        for part in parts[1:]:
            wide = wide.join(part, on="account_id", how="full", coalesce=True)
    else:
        wide = long.pivot(on="field_id", index="account_id", values="value")
        wide = wide.rename(
            {str(field_id): name for field_id, name in pairs if str(field_id) in wide.columns}
        )
    missing = [name for name in schema if name not in wide.columns]
    wide = wide.with_columns(pl.lit(None, pl.String).alias(name) for name in missing)
    return wide.select(pl.col(name).cast(dtype) for name, dtype in schema.items()).sort(
        "account_id"
    )


def list_fields(fields: pl.DataFrame, names: list[str]) -> tuple[pl.DataFrame, list[str]]:
    """The rows of ``fields`` (``custom_fields``) that ``names`` name (any case or
    spacing, as ``find_field``), in the order of ``names``, each once; and the names
    that name no field."""
    keys = [field_key(name) for name in names]
    unknown = [name for name, key in zip(names, keys, strict=True) if key not in fields["key"]]
    wanted = pl.DataFrame({"key": list(dict.fromkeys(keys))}, schema={"key": pl.String})
    return wanted.join(fields, on="key", how="inner", maintain_order="left"), unknown


def list_values(long: pl.DataFrame, fields: pl.DataFrame) -> pl.DataFrame:
    """``id`` and, for each field of ``fields``, a column ``field:NAME`` holding its
    canonical text (null: no value), for every account with a value of one of them.
    Shown with ``shown_value``, sorted by ``sort_key``, filtered by
    ``FieldCondition.expr`` (``core.accounts.field_views``)."""
    wide = wide_text(long, fields)
    return wide.rename({"account_id": "id"} | {name: field_column(name) for name in fields["name"]})
