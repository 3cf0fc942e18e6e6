"""``cxtui rules run`` and ``cxtui tasks``: playbook rules and the task queue."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import DbOption, fail, open_db, parse_day
from core.text import visible

if TYPE_CHECKING:
    from sqlalchemy import Engine

rules_app = typer.Typer(help="Playbook rules: signals that turn into tasks.", no_args_is_help=True)


task_app = typer.Typer(
    help="One task of the queue: mark it done, reopen it, snooze it, or add one.",
    no_args_is_help=True,
)


def task_commands(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
    app.command("tasks")(tasks)
    app.add_typer(task_app, name="task")


AsOf = Annotated[
    str | None, typer.Option("--as-of", help="Run as of this day (YYYY-MM-DD); default today.")
]
TaskId = Annotated[
    int, typer.Argument(help="The task's number (see `cxtui tasks`).", min=1, max=2**62)
]


def _on_task(db: Path | None, change: Callable[[Engine], object], done: str) -> None:
    """Run ``change`` on the database and print ``done``; a refusal (no such task, a
    day not after today) is one line and exit 2."""
    from core.playbook.tasks import TaskError

    engine = open_db(db)
    try:
        change(engine)
    except TaskError as error:
        fail(str(error))
    finally:
        engine.dispose()
    typer.echo(done)


@task_app.command("done")
def task_done(task_id: TaskId, db: DbOption = None) -> None:
    """Mark a task done (`cxtui task reopen ID` undoes it)."""
    from core.playbook.tasks import complete

    _on_task(db, lambda engine: complete(engine, task_id), f"Task #{task_id} done.")


@task_app.command("reopen")
def task_reopen(task_id: TaskId, db: DbOption = None) -> None:
    """Put a task that was marked done back in the queue."""
    from core.playbook.tasks import reopen

    _on_task(db, lambda engine: reopen(engine, task_id), f"Task #{task_id} is open again.")


@task_app.command("snooze")
def task_snooze(
    task_id: TaskId,
    until: Annotated[
        str, typer.Argument(help="The day it comes back: tomorrow, +7d, next monday, 2026-03-01.")
    ],
    db: DbOption = None,
    as_of: AsOf = None,
) -> None:
    """Hide a task until a day after today; its due date stays."""
    from core.playbook.tasks import snooze

    today = parse_day(as_of)
    day = parse_day(until, "UNTIL", today)
    _on_task(
        db, lambda engine: snooze(engine, task_id, day, today), f"Task #{task_id} is back on {day}."
    )


@rules_app.command("run")
def run(db: DbOption = None, as_of: AsOf = None) -> None:
    """Run every enabled rule once and print how many tasks each created. A rule
    fires once per occurrence: running again creates nothing new."""
    from core.playbook.rules import RULE_TITLES, load_rules_config, run_rules

    today = parse_day(as_of)
    config = load_rules_config()
    for problem in config.problems:
        typer.echo(f"cxtui: {problem}", err=True)
    engine = open_db(db)
    created = run_rules(engine, today, config)
    engine.dispose()
    titles = {name: RULE_TITLES.get(name, name) for name in created}
    width = max((len(title) for title in titles.values()), default=5)
    for name, count in created.items():
        typer.echo(f"{titles[name]:<{width}}  {count:>5} new task{'s' if count != 1 else ''}")
    typer.echo(f"{'Total':<{width}}  {sum(created.values()):>5}")


@rules_app.command("list")
def list_rules() -> None:
    """List the playbook rules: what each watches, its settings and whether it is on.
    Change them in the config file's [rules.NAME] tables (`cxtui config path`)."""
    from core.playbook.rules import RULE_TITLES, load_rules_config

    config = load_rules_config()
    for problem in config.problems:
        typer.echo(f"cxtui: {problem}", err=True)
    for name, values in config.settings.items():
        state = "on " if values["enabled"] else "off"
        settings = ", ".join(
            f"{key} = {value}" for key, value in values.items() if key != "enabled"
        )
        typer.echo(f"{state}  {RULE_TITLES.get(name, name)}  [rules.{name}] {settings}")


def tasks(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    mine: Annotated[bool, typer.Option("--mine", help="Only the current user's tasks.")] = False,
    snoozed: Annotated[
        bool,
        typer.Option("--snoozed", help="Only the snoozed tasks, with the day each comes back."),
    ] = False,
    source: Annotated[
        str | None, typer.Option("--source", help="rule, follow_up or manual.")
    ] = None,
    db: DbOption = None,
    as_of: AsOf = None,
) -> None:
    """The task queue: overdue and due today first, then upcoming, ranked by MRR at
    stake and health."""
    from core.config.settings import load_settings
    from core.playbook.tasks import TaskError, task_queue, task_records

    owner = None
    if mine:
        owner = load_settings().current_user
        if not owner:
            fail("--mine needs to know who you are: set CXTUI_USER or user in the config file")
    today = parse_day(as_of)
    engine = open_db(db)
    try:
        queue = task_queue(engine, today, owner=owner, source=source, snoozed_only=snoozed)
    except TaskError as error:
        fail(str(error))
    finally:
        engine.dispose()
    records = task_records(queue, today)
    if json_output:
        typer.echo(json.dumps(records, indent=2))
        return
    if not records:
        typer.echo("No snoozed tasks." if snoozed else "No open tasks.")
        return
    for record in records:
        account = visible(record["account_name"]) or "-"
        when = f"back {record['snoozed_until']}" if snoozed else f"{record['when']:<8}"
        typer.echo(
            f"#{record['id']:<6} {when} {record['due_on']}  "
            f"{visible(record['owner']):<16.16} {account:<24.24} {visible(record['title'])}"
        )
