"""``cxtui rules run`` and ``cxtui tasks``: playbook rules and the task queue."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.common import AsOfOption, DbOption, JsonOption, fail, open_book, parse_day
from cli.options import source_option
from core.text import visible

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from core.playbook.rules import RulesConfig

rules_app = typer.Typer(help="Playbook rules: signals that turn into tasks.", no_args_is_help=True)


task_app = typer.Typer(
    help="One task of the queue: mark it done, reopen it, snooze it or wake it "
    "(`cxtui tasks` lists them, `--done` and `--snoozed` those out of the queue).",
    no_args_is_help=True,
)


def task_commands(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
    app.command("tasks")(tasks)
    app.add_typer(task_app, name="task")


TaskId = Annotated[
    int, typer.Argument(help="The task's number (see `cxtui tasks`).", min=1, max=2**62)
]


def _on_task(
    db: Path | None, change: Callable[[Engine, str], Any], done: str | Callable[[Any], str]
) -> None:
    """Run ``change`` on the database, as your cxtui user, and print ``done`` (or
    ``done`` of what the change returned); a refusal (no such task, a day not after
    today) is one line and exit 2."""
    from core.config.settings import load_settings
    from core.playbook.tasks import TaskError

    engine = open_book(db)
    try:
        result = change(engine, load_settings().author)
    except TaskError as error:
        fail(str(error))
    finally:
        engine.dispose()
    typer.echo(done if isinstance(done, str) else done(result))


@task_app.command("done")
def task_done(task_id: TaskId, db: DbOption = None) -> None:
    """Mark a task done (`cxtui task reopen ID` undoes it)."""
    from core.playbook.tasks import complete

    _on_task(db, lambda engine, by: complete(engine, task_id, by), f"Task #{task_id} done.")


@task_app.command("reopen")
def task_reopen(task_id: TaskId, db: DbOption = None, as_of: AsOfOption = None) -> None:
    """Put a task that was marked done back in the queue (or back to its snooze, if
    it was snoozed until a later day when it was done)."""
    from core.playbook.tasks import reopen

    today = parse_day(as_of)

    def said(snoozed_until: date | None) -> str:
        if snoozed_until is None or snoozed_until <= today:
            return f"Task #{task_id} is open again."
        return (
            f"Task #{task_id} is open again, snoozed until {snoozed_until} "
            f"(cxtui task wake {task_id} brings it back today)."
        )

    _on_task(db, lambda engine, by: reopen(engine, task_id, by), said)


@task_app.command("snooze")
def task_snooze(
    task_id: TaskId,
    until: Annotated[
        str, typer.Argument(help="The day it comes back: tomorrow, +7d, next monday, 2026-03-01.")
    ],
    db: DbOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Hide a task until a day after today; its due date stays."""
    from core.playbook.tasks import snooze

    today = parse_day(as_of)
    day = parse_day(until, "UNTIL", today)
    _on_task(
        db,
        lambda engine, by: snooze(engine, task_id, day, today, by),
        f"Task #{task_id} is back on {day}.",
    )


@task_app.command("wake")
def task_wake(task_id: TaskId, db: DbOption = None, as_of: AsOfOption = None) -> None:
    """Bring a snoozed task back to the queue today, before its day; its due date stays."""
    from core.playbook.tasks import wake

    today = parse_day(as_of)
    _on_task(
        db,
        lambda engine, by: wake(engine, task_id, today, by),
        f"Task #{task_id} is back in the queue.",
    )


@rules_app.command("run")
def run(
    db: DbOption = None,
    as_of: AsOfOption = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Say which tasks a run would create; write nothing."),
    ] = False,
) -> None:
    """Run every enabled rule once and print how many tasks each created. A rule
    fires once per occurrence: running again creates nothing new."""
    from core.playbook.rules import RULE_TITLES
    from core.playbook.runs import new_tasks, run_rules

    today = parse_day(as_of)
    config = _rules_config()
    engine = open_book(db)
    try:
        if dry_run:
            planned = new_tasks(engine, today, config)
            created = {rule: rows.height for rule, rows in planned.items()}
        else:
            created = run_rules(engine, today, config)
    finally:
        engine.dispose()
    total = sum(created.values())
    if dry_run:
        typer.echo(f"Would create {total:,} task{'s' if total != 1 else ''} (nothing written):")
    titles = {name: RULE_TITLES.get(name, name) for name in created}
    width = max((len(title) for title in titles.values()), default=5)
    for name, count in created.items():
        typer.echo(f"{titles[name]:<{width}}  {count:>5} new task{'s' if count != 1 else ''}")
        if dry_run:
            for row in planned[name].head(_DRY_RUN_SHOWN).iter_rows(named=True):
                typer.echo(
                    f"    due {row['due_on']}  {visible(row['owner']):<16.16} "
                    f"{visible(row['title'])}"
                )
            if count > _DRY_RUN_SHOWN:
                typer.echo(f"    ... and {count - _DRY_RUN_SHOWN:,} more")
    typer.echo(f"{'Total':<{width}}  {total:>5}")


_DRY_RUN_SHOWN = 5
"""How many of each rule's tasks a dry run lists."""


def _rules_config() -> RulesConfig:
    """The rules' config, its problems said on stderr."""
    from core.playbook.rules import load_rules_config

    config = load_rules_config()
    for problem in config.problems:
        typer.echo(f"cxtui: {problem}", err=True)
    return config


@rules_app.command("list")
def list_rules(
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List the playbook rules: what each watches, its settings, whether it is on,
    when it last ran and how many tasks it has made. Change them in the Playbook
    screen or the config file's [rules.NAME] tables (`cxtui config path`)."""
    from core.playbook.runs import rule_statuses

    config = _rules_config()
    engine = open_book(db)
    try:
        statuses = rule_statuses(engine, config)
    finally:
        engine.dispose()
    if json_output:
        records = [
            {
                "rule": status.name,
                "title": status.title,
                "enabled": status.enabled,
                "settings": status.settings,
                "last_ran_at": None
                if status.last_ran_at is None
                else status.last_ran_at.isoformat(timespec="seconds"),
                "last_run_created": status.last_created,
                "tasks_made": status.tasks_made,
                "tasks_open": status.tasks_open,
            }
            for status in statuses
        ]
        typer.echo(json.dumps(records, indent=2))
        return
    from core.playbook.rules import describe_settings, left_out

    enabled = {status.name: status.settings for status in statuses if status.enabled}
    for status in statuses:
        words = describe_settings(status.name, status.settings)
        if leaves := left_out(status.name, enabled, full=True):
            words += f" · {leaves}"
        state = "on " if status.enabled else "off"
        settings = ", ".join(f"{key} = {value}" for key, value in status.settings.items())
        last = (
            "never run"
            if status.last_ran_at is None
            else f"last ran {status.last_ran_at:%Y-%m-%d %H:%M} UTC ({status.last_created} new)"
        )
        typer.echo(
            f"{state}  {status.title}  [rules.{status.name}] {settings}\n"
            f"     {words}\n"
            f"     {last}; {status.tasks_made:,} tasks made, {status.tasks_open:,} open"
        )


Source = source_option("rule, follow_up or manual.")


def tasks(
    json_output: JsonOption = False,
    mine: Annotated[bool, typer.Option("--mine", help="Only the current user's tasks.")] = False,
    snoozed: Annotated[
        bool,
        typer.Option("--snoozed", help="Only the snoozed tasks, with the day each comes back."),
    ] = False,
    done: Annotated[
        bool,
        typer.Option(
            "--done",
            help="Only the done tasks, the latest done first, with when each was done "
            "(with --snoozed: the snoozed ones, then the done).",
        ),
    ] = False,
    source: Source = None,
    db: DbOption = None,
    as_of: AsOfOption = None,
) -> None:
    """The task queue: overdue and due today first, then upcoming, ranked by MRR at
    stake and health. `cxtui task reopen ID` or `wake ID` puts a done or snoozed
    task back."""
    from core.config.settings import load_settings
    from core.playbook.tasks import TaskError, task_queue, task_records

    owner = None
    if mine:
        owner = load_settings().current_user
        if not owner:
            fail("--mine needs to know who you are: set CXTUI_USER or user in the config file")
    today = parse_day(as_of)
    engine = open_book(db)
    try:
        queue = task_queue(
            engine, today, owner=owner, source=source, snoozed_only=snoozed, done_only=done
        )
    except TaskError as error:
        fail(str(error))
    finally:
        engine.dispose()
    records = task_records(queue, today)
    if json_output:
        typer.echo(json.dumps(records, indent=2))
        return
    if not records:
        kinds = [kind for kind, asked in (("snoozed", snoozed), ("done", done)) if asked]
        typer.echo(f"No {' or '.join(kinds or ['open'])} tasks.")
        return
    for record in records:
        account = visible(record["account_name"]) or "-"
        when = f"{record['when']:<8}"
        if record["done_at"] is not None:
            when = f"done {record['done_at'][:10]}"
        elif snoozed:
            when = f"back {record['snoozed_until']}"
        typer.echo(
            f"#{record['id']:<6} {when} {record['due_on']}  "
            f"{visible(record['owner']):<16.16} {account:<24.24} {visible(record['title'])}"
        )
