"""A seeded, fictional SaaS company: the demo book and the benchmark datasets.

Every account has a story, drawn from its own ``random.Random`` (seeded from the
book's seed and the account id, so a story does not depend on how accounts are
chunked). Daily usage, the bulk of the rows, is computed in polars from the story
with a deterministic integer hash for noise, so it is the same on every platform.

How churn is encoded. A churning account has a *decline*: from 60 to 120 days
before its churn date a stress level rises linearly from 0 to 1 (times an
amplitude of 0.6-1). Stress drives every signal at once: active users fall
towards a quarter of their usual share of seats, interactions thin out and turn
negative, QBRs are skipped, NPS answers become detractors and CSAT drops, tickets
come more often, at higher priority and are answered and resolved more slowly,
and half of the churners contract (fewer seats) 20-60 days before leaving.
A fifth of the churners leave without warning (no decline: acquisitions, budget
cuts), and about one account in eight that does not churn goes through a decline
that peaks and recovers (a save by its CS manager, with a positive meeting at the
low point). Accounts that will churn soon after the anchor are already in decline
on the anchor: they are the book's current "at risk" list. Good QBRs are followed
by expansions. A few churned accounts come back (reactivation).

MRR. ``mrr_movement`` holds the whole history of every account (its ``new``
movement is dated on its start date, even before the window). For a live account
the sum of its movements equals ``account.mrr_cents``. A churned account's
movements sum to 0 (its ``churn`` movement takes the whole MRR away) while
``account.mrr_cents`` keeps the MRR it had just before it churned (the MRR lost),
and ``account.seats`` its last seat count; its ``renewal_date`` is empty.

Goal values are what a person types in the goal form (``core.goals``):
percentages are plain numbers (3 means 3 %), currency goals are in the currency
unit (dollars, exact Decimal), and ``metric`` is a key of the metrics engine.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from core.store.bulk import bulk_insert, deferred_indexes
from sample_data.book import (
    DEMO_ANCHOR,
    DEMO_DIR,
    TABLES,
    ensure_empty,
    write_csv,
)
from sample_data.generator.accounts import generate_account
from sample_data.generator.company import NAME_HEADS, NAME_TAILS
from sample_data.generator.health import health_history
from sample_data.generator.story import Book, Sink, Spec, epoch_day, table_frame, to_date
from sample_data.generator.team import team_rows
from sample_data.generator.usage import usage_frame

__all__ = ["DEMO_ANCHOR", "SIZES", "Spec", "generate", "generate_into", "write_demo"]


SIZES: dict[str, Spec] = {
    "demo": Spec(accounts=250, days=730, interactions_per_year=30.0, chunk_accounts=250),
    "S": Spec(accounts=1_000, days=365, interactions_per_year=125.0),
    "M": Spec(accounts=10_000, days=365, interactions_per_year=125.0),
    "L": Spec(accounts=100_000, days=365, interactions_per_year=62.5),
}


# -- putting it together --------------------------------------------------------------------


def generate(
    spec: Spec,
    sink: Sink,
    seed: int = 7,
    anchor: date = DEMO_ANCHOR,
    progress: Callable[[float], None] | None = None,
) -> dict[str, int]:
    """Build the book chunk by chunk of accounts and hand each table's rows to ``sink``
    (parents before children). Returns the rows per table."""
    names = [f"{head} {tail}" for head in NAME_HEADS for tail in NAME_TAILS]
    random.Random(f"cxtui-names:{seed}").shuffle(names)
    anchor_day = epoch_day(anchor)
    book = Book(
        spec=spec, seed=seed, anchor=anchor_day, first_day=anchor_day - spec.days + 1, names=names
    )
    counts: Counter[str] = Counter()
    quarter = book.quarter_start
    previous = to_date(quarter - 80)
    last_quarter = epoch_day(date(previous.year, 3 * ((previous.month - 1) // 3) + 1, 1))
    at_start = lost = 0

    def emit(rows: dict[str, dict[str, list[object]]], extra: dict[str, pl.DataFrame]) -> None:
        for table in TABLES:
            if table in extra:
                frame = extra[table]
            elif table in rows:
                frame = table_frame(table, rows[table])
            else:
                continue
            sink(table, frame)
            counts[table] += frame.height

    for chunk_start in range(1, spec.accounts + 1, spec.chunk_accounts):
        chunk_end = min(spec.accounts, chunk_start + spec.chunk_accounts - 1)
        stories = [
            generate_account(book, account_id) for account_id in range(chunk_start, chunk_end + 1)
        ]
        for story in stories:
            if story.alive(last_quarter):
                at_start += 1
                if story.churn is not None and last_quarter <= story.churn < quarter:
                    lost += 1
        emit(book.take(), {"daily_usage": usage_frame(book, stories)})
        if progress is not None:
            progress(chunk_end / spec.accounts * 0.98)
    team_rows(book, 100 * lost / at_start if at_start else 0.0)
    emit(book.take(), {})
    if progress is not None:
        progress(1.0)
    return {table: counts[table] for table in TABLES if counts[table]}


def generate_into(
    engine: Engine,
    size: str | Spec,
    seed: int = 7,
    progress: Callable[[float], None] | None = None,
) -> dict[str, int]:
    """Generate a book of ``size`` (a key of SIZES, or a Spec) into an empty database,
    writing each chunk as it is made. Returns the rows written per table."""
    spec = SIZES[size] if isinstance(size, str) else size
    ensure_empty(engine, "a generated dataset")

    def write(table: str, frame: pl.DataFrame) -> None:
        bulk_insert(engine, table, frame)

    with deferred_indexes(engine, TABLES):
        return generate(spec, write, seed=seed, progress=progress)


def book_frames(spec: Spec, seed: int = 7) -> dict[str, pl.DataFrame]:
    """The whole book in memory, one frame per table (for the demo's size)."""
    parts: dict[str, list[pl.DataFrame]] = {}
    generate(spec, lambda table, frame: parts.setdefault(table, []).append(frame), seed=seed)
    return {table: pl.concat(frames) for table, frames in parts.items()}


def write_demo(directory: str | None = None, seed: int = 7) -> dict[str, int]:
    """Write the demo book's CSVs (one per table) into ``directory``, with a year of
    health scores (``generator.health``)."""
    target = Path(directory) if directory else DEMO_DIR
    target.mkdir(parents=True, exist_ok=True)
    counts = {}
    frames = book_frames(SIZES["demo"], seed)
    frames |= health_history(frames, DEMO_ANCHOR)
    for table, frame in frames.items():
        write_csv(frame, target / f"{table}.csv")
        counts[table] = frame.height
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-demo", action="store_true", help="rewrite sample_data/demo/")
    parser.add_argument("--out", help="write the demo CSVs here instead")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not args.write_demo:
        parser.error("nothing to do: pass --write-demo")
    counts = write_demo(args.out, seed=args.seed)
    print(", ".join(f"{count:,} {table}" for table, count in counts.items()))


if __name__ == "__main__":
    main()
