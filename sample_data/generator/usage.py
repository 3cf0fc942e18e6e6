"""Daily usage, the bulk of the rows, computed in polars from the stories with a
deterministic integer hash for noise (the same on every platform)."""

from __future__ import annotations

import polars as pl

from sample_data.generator.story import Book, Story, alive_days, stress_expr


def _noise(stream: int, seed: int) -> pl.Expr:
    """A uniform number in [0, 1) per (account, day), from integer arithmetic only
    (a Lehmer generator with a squaring step), so it is the same everywhere."""
    modulus = 2_147_483_647
    x = (
        pl.col("account_id") * 7_919 + pl.col("day") * 104_729 + (seed % 1_000) * 15_485_863
    ) % modulus + stream * 1_299_709
    x = (x * 48_271) % modulus
    x = (x * x + stream) % modulus
    x = (x * 48_271) % modulus
    return x / modulus


def usage_frame(book: Book, stories: list[Story]) -> pl.DataFrame:
    """Daily active users and logins of every account, computed from the stories."""
    params = []
    for story in stories:
        begin, peak, recovered, amplitude = story.decline or (None, None, None, 0.0)
        for first, last in alive_days(story, book):
            params.append(
                (
                    story.id,
                    first,
                    last,
                    story.start,
                    story.adoption,
                    story.growth,
                    begin,
                    peak,
                    recovered,
                    amplitude,
                    story.reactivation,
                )
            )
    names = (
        "account_id",
        "first",
        "last",
        "start",
        "adoption",
        "growth",
        "decline_start",
        "decline_peak",
        "decline_recovered",
        "amplitude",
        "reactivation",
    )
    schema = dict.fromkeys(names, pl.Int64) | {
        "adoption": pl.Float64,
        "growth": pl.Float64,
        "amplitude": pl.Float64,
    }
    accounts = pl.DataFrame(params, schema=schema, orient="row")
    seats = pl.DataFrame(
        [(story.id, day, count) for story in stories for day, count in story.seat_changes],
        schema={"account_id": pl.Int64, "day": pl.Int64, "seats": pl.Int64},
        orient="row",
    ).sort("day")
    days = accounts.with_columns(day=pl.int_ranges("first", pl.col("last") + 1)).explode("day")
    days = days.sort("account_id", "day").join_asof(
        seats.sort("account_id", "day"), on="day", by="account_id", check_sortedness=False
    )
    weekday = (pl.col("day") + 3) % 7  # 1970-01-01 was a Thursday
    ramp = (0.3 + 0.7 * (pl.col("day") - pl.col("start")) / 45).clip(upper_bound=1.0)
    drift = 1 + pl.col("growth") * (pl.col("day") - pl.col("first")) / 365
    share = (pl.col("adoption") * drift).clip(upper_bound=0.97)
    week = pl.when(weekday >= 5).then(0.25).otherwise(1.0)
    active = (
        pl.col("seats")
        * share
        * ramp
        * week
        * (1 - 0.85 * stress_expr())
        * (0.85 + 0.3 * _noise(1, book.seed))
    )
    active = (active + 0.5).floor().clip(0, pl.col("seats")).cast(pl.Int64)
    return days.select(
        "account_id",
        pl.col("day").cast(pl.Int32).cast(pl.Date),
        active.alias("active_users"),
        ((active * (1.3 + 1.7 * _noise(2, book.seed))) + 0.5)
        .floor()
        .cast(pl.Int64)
        .alias("logins"),
    )
