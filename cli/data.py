"""Commands that write data: the demo book and benchmark datasets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import DbOption, fail, fraction_bar, open_db

BENCHMARK_SIZES = ("S", "M", "L")


def data_commands(app: typer.Typer) -> None:
    app.command("demo")(demo)
    app.command("generate")(generate)


# What each table's rows are, in words (one, many).
_ROWS_IN_WORDS = {
    "account": ("account", "accounts"),
    "contact": ("contact", "contacts"),
    "interaction": ("interaction", "interactions"),
    "daily_usage": ("day of product usage", "days of product usage"),
    "survey_response": ("survey answer", "survey answers"),
    "ticket": ("support ticket", "support tickets"),
    "mrr_movement": ("MRR movement", "MRR movements"),
    "purchase": ("purchase", "purchases"),
    "task": ("task", "tasks"),
    "retention_cost": ("retention cost", "retention costs"),
    "goal": ("goal", "goals"),
    "goal_task": ("goal task", "goal tasks"),
    "goal_checkin": ("goal check-in", "goal check-ins"),
    "health_model": ("health model", "health models"),
    "health_snapshot": ("past health score", "past health scores"),
}


def _summary(counts: dict[str, int]) -> str:
    """ "250 accounts, 784 contacts, ..." (no table names)."""
    parts = []
    for table, count in counts.items():
        one, many = _ROWS_IN_WORDS.get(table, (table.replace("_", " "),) * 2)
        parts.append(f"{count:,} {one if count == 1 else many}")
    return "Written: " + ", ".join(parts) + "."


def demo(db: DbOption = None) -> None:
    """Write the demo book (250 accounts, 24 months ending today, a year of health
    scores) into an empty database (--db PATH) and exit."""
    from sample_data import load_demo

    counts = _write_whole(db, "the demo book", load_demo)
    typer.echo(_summary(counts))


def _write_whole(
    db: Path | None, what: str, write: Callable[[Any], dict[str, int]]
) -> dict[str, int]:
    """``write`` a whole book into the empty database ``db``: all of it or, when the
    process is killed, nothing (``core.store.db.written_whole``)."""
    from core.store.db import database_url, written_whole
    from sample_data import BookNotEmptyError
    from sample_data.book import ensure_empty

    engine = open_db(db)  # refuses a database cxtui cannot use, in words
    try:
        ensure_empty(engine, what)
    except BookNotEmptyError as error:
        fail(str(error))
    finally:
        engine.dispose()
    with written_whole(database_url(db)) as fresh:
        return write(fresh)


def generate(
    size: Annotated[
        str,
        typer.Option(
            "--size", help="S (1k accounts), M (10k) or L (100k), each with 12 months of data."
        ),
    ] = "S",
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 7,
    db: DbOption = None,
) -> None:
    """Write a benchmark dataset of size S, M or L into an empty database, with a
    progress bar."""
    from sample_data.generator import generate_into

    size = size.upper()
    if size not in BENCHMARK_SIZES:
        fail(f"--size must be one of {', '.join(BENCHMARK_SIZES)}, not {size!r}")
    with fraction_bar(f"Generating size {size}") as progress:
        counts = _write_whole(
            db,
            "a generated dataset",
            lambda engine: generate_into(engine, size, seed=seed, progress=progress),
        )
    typer.echo(_summary(counts))
