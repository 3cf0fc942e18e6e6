"""What is in force on a day, in one place: each account's latest health snapshot,
the override in force, and the band of a score.

- The latest snapshot in a window ``[not_before, on_or_before]``: the row of the
  account's greatest ``day`` in it (a grouped read joined back on the primary key).
- The override in force on a day: not ended, ``starts_on <= day < expires_on``; the
  newest (greatest id) should there be two. An override that set only a score has
  the band of that score.
- The band of a score: ``HealthModelConfig.band_of`` / ``band_expr``.
- The health in force in words, the same on every screen: ``health_words``.

Light at import (polars only when called, SQLAlchemy and the models only inside the
query builders), because the accounts list is drawn with these rules before the
database stack is imported (``core.store.first_read``).
"""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy import Select

    from core.health.config import HealthModelConfig


def latest_snapshots_query(
    on_or_before: date,
    not_before: date | None = None,
    account_ids: list[int] | None = None,
    columns: tuple[Any, ...] = (),
) -> Select[Any]:
    """account_id, day and ``columns`` (of ``HealthSnapshot``) of each account's latest
    snapshot in ``[not_before, on_or_before]``."""
    from sqlalchemy import and_, func, select

    from core.models import HealthSnapshot

    latest = select(HealthSnapshot.account_id, func.max(HealthSnapshot.day).label("latest_day"))
    latest = latest.where(HealthSnapshot.day <= on_or_before)
    if not_before is not None:
        latest = latest.where(HealthSnapshot.day >= not_before)
    if account_ids is not None:
        latest = latest.where(HealthSnapshot.account_id.in_(account_ids))
    found = latest.group_by(HealthSnapshot.account_id).subquery()
    return select(HealthSnapshot.account_id, HealthSnapshot.day, *columns).join(
        found,
        and_(
            HealthSnapshot.account_id == found.c.account_id,
            HealthSnapshot.day == found.c.latest_day,
        ),
    )


def overrides_query(
    first_day: date, last_day: date | None = None, account_ids: list[int] | None = None
) -> Select[Any]:
    """Every override in force on some day of ``[first_day, last_day]`` (one day when
    ``last_day`` is None), as override_id, account_id and override_* columns; pick the
    one in force per account and day with ``in_force_on`` / ``newest``."""
    from sqlalchemy import select

    from core.models import HealthOverride

    query = select(
        HealthOverride.id.label("override_id"),
        HealthOverride.account_id,
        HealthOverride.score.label("override_score"),
        HealthOverride.band.label("override_band"),
        HealthOverride.reason.label("override_reason"),
        HealthOverride.set_by.label("override_set_by"),
        HealthOverride.starts_on.label("override_starts_on"),
        HealthOverride.expires_on.label("override_expires_on"),
    ).where(
        HealthOverride.ended_at.is_(None),
        HealthOverride.starts_on <= (last_day or first_day),
        HealthOverride.expires_on > first_day,
    )
    if account_ids is not None:
        query = query.where(HealthOverride.account_id.in_(account_ids))
    return query


def newest(overrides: pl.DataFrame, by: tuple[str, ...] = ("account_id",)) -> pl.DataFrame:
    """One override per ``by`` (the newest) from rows of ``overrides_query`` that are
    all in force on one day."""
    return overrides.sort("override_id").unique(list(by), keep="last", maintain_order=True)


def in_force_on(overrides: pl.DataFrame, days: list[date]) -> pl.DataFrame:
    """The override in force per account at the end of each of ``days`` (a ``day``
    column added), from the rows of ``overrides_query(min(days), max(days))``."""
    import polars as pl

    return newest(
        pl.DataFrame({"day": days}, schema={"day": pl.Date()})
        .join(overrides, how="cross")
        .filter(
            pl.col("override_starts_on") <= pl.col("day"),
            pl.col("override_expires_on") > pl.col("day"),
        ),
        ("day", "account_id"),
    )


def with_bands(overrides: pl.DataFrame, model: HealthModelConfig | None = None) -> pl.DataFrame:
    """``overrides`` with ``override_band`` filled from ``override_score`` by the
    model's thresholds (default: the health model in use) where only a score was set."""
    import polars as pl

    if model is None:
        from core.health.config import load_model

        model = load_model()[0]
    score = pl.col("override_score")
    return overrides.with_columns(
        pl.col("override_band").fill_null(pl.when(score.is_not_null()).then(model.band_expr(score)))
    )


OVERRIDE_SCORE = "score"
OVERRIDE_BAND = "band"
"""What an override in force set, as ``health_words`` takes it: its score (with a band
or not), or the band alone (the score in force is then the computed one)."""


def override_set(score: pl.Expr, band: pl.Expr) -> pl.Expr:
    """``OVERRIDE_SCORE`` or ``OVERRIDE_BAND`` from an override's score and band
    columns (null: no override in force)."""
    import polars as pl

    return (
        pl.when(score.is_not_null())
        .then(pl.lit(OVERRIDE_SCORE))
        .when(band.is_not_null())
        .then(pl.lit(OVERRIDE_BAND))
    )


def score_figure(score: float, band: str | None) -> str:
    """A health score in whole points, to the nearest, but never up to the score its
    band ends below: a score of 69.6 is yellow (green starts at 70, by default), and
    "70 yellow" contradicted the band, "69 yellow" does not. The bands of the health
    model in force (``core.health.config``); a band it does not name (none, an
    override's band over a score set alone) leaves the score to the nearest."""
    shown = round(score)
    if shown <= score or band not in ("yellow", "red"):
        return str(shown)
    from core.health.config import load_model

    model = load_model()[0]
    ends_at = model.green if band == "yellow" else model.yellow
    return str(math.ceil(ends_at) - 1 if score < ends_at <= shown else shown)


def health_words(
    score: float | None, band: str | None, override: str | None = None, score_width: int = 0
) -> str:
    """The health in force as the accounts list, the 360 and the dashboard show it:
    "72 green"; under an override a "*" after the band: "30 red*" (the override's
    score and band), or "72→red*" for an override that set the band alone (the
    computed score, and the band set over it: the 72 is not the override's, and its
    own band may differ). "—" stands for no score; "no score" when there is neither
    a score nor an override. ``score_width``: the score right-aligned in that many
    characters, as in a column."""
    if score is None and override is None:
        return "no score"
    shown = (
        "—" if score is None else score_figure(score, None if override == OVERRIDE_BAND else band)
    ).rjust(score_width)
    if override == OVERRIDE_BAND and score is not None:
        return f"{shown}→{band}*"
    words = f"{shown} {band}" if band else shown
    return words + ("*" if override else "")
