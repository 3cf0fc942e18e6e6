"""Commands that write data: the demo book and benchmark datasets."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import DbOption, fail, open_db


def data_commands(app: typer.Typer) -> None:
    app.command("demo")(demo)
    app.command("generate")(generate)


def demo(db: DbOption = None) -> None:
    """Write the demo book into the database (--db PATH) and exit."""
    from sample_data import load_demo

    engine = open_db(db)
    counts = load_demo(engine)
    engine.dispose()
    typer.echo(", ".join(f"{count:,} {table}" for table, count in counts.items()))


def generate(
    size: Annotated[str, typer.Option("--size", help="S, M or L.")] = "S",
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 7,
    db: DbOption = None,
) -> None:
    """Write a benchmark dataset of size S, M or L into the database, with a progress bar."""
    from sample_data.generator import SIZES, generate_into

    if size.upper() not in SIZES:
        fail(f"--size must be one of {', '.join(SIZES)}, not {size!r}")
    engine = open_db(db)
    with typer.progressbar(length=100, label=f"Generating size {size.upper()}") as bar:
        done = 0

        def progress(fraction: float) -> None:
            nonlocal done
            step = int(fraction * 100) - done
            if step > 0:
                bar.update(step)
                done += step

        counts = generate_into(engine, size.upper(), seed=seed, progress=progress)
    engine.dispose()
    typer.echo(", ".join(f"{count:,} {table}" for table, count in counts.items()))
