"""Progress of long commands on stderr, by stage: a live bar per stage on a terminal,
cleared when the work ends; elsewhere (logs, CI, a parent process) a line per stage
and per so many rows, or nothing."""

from __future__ import annotations

import sys

import typer


class StageBars:
    """Rows done per stage (a step of an import, a table of a copy): ``width`` is the
    width of the stages' names; ``plain_every``: off a terminal, a line per stage and
    per that many rows (None: nothing). A stage with nothing to do shows no bar."""

    def __init__(self, width: int, plain_every: int | None = None) -> None:
        self.plain_every = plain_every
        self.bar = None
        self.tasks: dict[str, int] = {}
        self.printed: dict[str, int] = {}
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(
                TextColumn(f"{{task.description:>{width}}}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(stderr=True),
                transient=True,
            )

    def __enter__(self) -> StageBars:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if self.bar is not None:
            if total == 0:
                return
            if stage not in self.tasks:
                self.tasks[stage] = self.bar.add_task(stage, total=total)
            self.bar.update(self.tasks[stage], completed=done, total=total)
            return
        if self.plain_every is None:
            return
        last = self.printed.get(stage)
        if last is None or done - last >= self.plain_every or done == total:
            self.printed[stage] = done
            of = f" of {total:,}" if total is not None else ""
            typer.echo(f"{stage}: {done:,}{of} rows", err=True)
