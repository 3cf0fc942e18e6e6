"""``cxtui goals`` and ``cxtui goal checkin``: retention goals from the command line."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from cli.common import DbOption, JsonOption, NewBook, fail, open_book, open_db, parse_day
from cli.options import segment_option
from core.text import shortened, visible

goal_app = typer.Typer(help="Work with one goal.", no_args_is_help=True)


def goal_commands(app: typer.Typer) -> None:
    app.command("goals")(goals)
    app.add_typer(goal_app, name="goal")


def goals(
    json_output: JsonOption = False,
    archived: Annotated[bool, typer.Option("--archived", help="Include archived goals.")] = False,
    db: DbOption = None,
) -> None:
    """List the goals with their progress and status."""
    from core.goals import format_value, goal_record, list_goals
    from core.goals.progress import due_words, progress_text

    engine = open_book(db)
    today = date.today()
    views = list_goals(engine, today, include_archived=archived)
    engine.dispose()
    records = [goal_record(view) for view in views]
    if json_output:
        typer.echo(json.dumps(records, indent=2))
        return
    if not views:
        typer.echo("No goals yet.")
        return
    for view in views:
        kind = view.goal.target_type
        filled = int(view.progress // 5)  # full only when done: 99 % is not a full bar
        bar = "█" * filled + "░" * (20 - filled)
        value = (
            f"{view.tasks_done}/{len(view.tasks)} tasks"
            if kind == "tasks"
            else f"{format_value(kind, view.current)} → "
            f"{format_value(kind, view.goal.target_value)}"
        )
        when = "archived" if view.goal.archived_at else due_words(view.goal.due_date, today)
        shown = progress_text(view.progress, 1)
        typer.echo(
            f"#{view.goal.id:<4} {visible(view.goal.title)[:40]:<40} {bar} {shown:>5} %  "
            f"{view.status:<9}  {value}  ({when}, {visible(view.goal.owner)})"
        )
        typer.echo(f"      {view.why}")


@goal_app.command("checkin")
def checkin(
    goal_id: Annotated[
        int, typer.Argument(help="The goal's number (see `cxtui goals`).", min=1, max=2**62)
    ],
    value: Annotated[str, typer.Argument(help='The value now: 42, "$20,000", 3.5%, 1 (done).')],
    comment: Annotated[str, typer.Option("--comment", help="What changed.")] = "",
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            metavar="DAY",
            help="The day the value was true (default today; not after today nor before "
            "the goal's start): 2026-03-01, yesterday, -2d, -1w...",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Add a check-in to a goal. Check-ins are history: nothing is overwritten."""

    from core.config.settings import load_settings
    from core.goals import GoalError, check_in, format_value, get_goal

    checked_on = parse_day(on, "--on")
    engine = open_book(db)
    try:
        goal = get_goal(engine, goal_id)
        user = load_settings().author
        saved = check_in(engine, goal_id, value, user, checked_on, comment)
    except GoalError as error:
        fail(f"{_CHECKIN_ARGUMENT.get(error.field, error.field)}: {error.problem}")
    finally:
        engine.dispose()
    value = format_value(goal.target_type, saved.value)
    typer.echo(f'Checked in {value} on "{shortened(goal.title, 80)}".')


MetricSegment = segment_option("The metric's segment (with --metric).", "NAME")


@goal_app.command("create")
def create(
    title: Annotated[str, typer.Argument(help='What the goal is: "Cut churn in SMB".')],
    kind: Annotated[
        str,
        typer.Option("--type", metavar="TYPE", help="number, currency, percent, done or tasks."),
    ],
    target: Annotated[
        str, typer.Option("--target", metavar="VALUE", help='The target: 3.5%, "$20,000", 40.')
    ] = "",
    start: Annotated[
        str,
        typer.Option(
            "--start",
            metavar="VALUE",
            help="Where it starts (default 0; with --metric, the metric over as many "
            "days before --from as the goal runs).",
        ),
    ] = "",
    lower: Annotated[
        bool, typer.Option("--lower", help="The value is to go down (churn), not up.")
    ] = False,
    starts_on: Annotated[
        str | None,
        typer.Option("--from", metavar="DAY", help="The first day (default today)."),
    ] = None,
    due: Annotated[
        str,
        typer.Option(
            "--due",
            metavar="DAY",
            help="The due day: 2026-03-31, next monday, or +90d / +12w after --from.",
        ),
    ] = "+90d",
    owner: Annotated[
        str | None,
        typer.Option(
            "--owner", metavar="NAME", help="Whose goal: a person or team (default: you)."
        ),
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric",
            metavar="KEY",
            help="Follow a metric instead of check-ins, e.g. churn_rate_pct.",
        ),
    ] = None,
    segment: MetricSegment = None,
    step: Annotated[
        str, typer.Option("--step", metavar="VALUE", help="What + / - add in the app.")
    ] = "",
    tasks: Annotated[
        list[str] | None,
        typer.Option("--task", metavar="TEXT", help="A task of a task-list goal (repeat it)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a goal, validated as the app's goal form validates it."""
    from core.config.settings import load_settings
    from core.goals import GoalError, GoalForm, create_goal, get_goal
    from core.goals.form import goal_dates
    from core.goals.store import start_words, starts_from_metric

    _refuse_unused(kind, {"--target": target, "--start": start, "--task": tasks, "--lower": lower})
    try:
        first, last = goal_dates(starts_on or "today", due, date.today())
    except GoalError as error:
        fail(f"{_OPTION_OF[error.field]}: {error.problem}")
    who = owner or load_settings().author
    form = GoalForm(
        title=title,
        owner=who,
        start_date=first.isoformat(),
        due_date=last.isoformat(),
        target_type=kind,
        target=target,
        start=start,
        direction="lower" if lower else "raise",
        metric=metric or "",
        scope_segment=segment or "",
        step=step,
        tasks=list(tasks or []),
    )
    new_book = NewBook(db)  # a book this goal creates, taken away if it is refused
    engine = open_db(db)
    try:
        goal_id = create_goal(engine, form)
        goal = get_goal(engine, goal_id)
    except GoalError as error:
        engine.dispose()
        new_book.remove()
        fail(f"{_OPTION_OF.get(error.field, f'--{error.field}')}: {error.problem}")
    finally:
        engine.dispose()
    said = f'Created goal #{goal_id} "{shortened(title, 80)}", due {last.isoformat()}'
    if starts_from_metric(form):
        said += f"; {start_words(goal)} (--start sets another)"
    typer.echo(f"{said}.")


_VALUED = ("--target", "--start", "--lower")
# The options each type of goal takes (besides those every goal takes).
_OPTIONS_OF_TYPE = {
    "number": _VALUED,
    "currency": _VALUED,
    "percent": _VALUED,
    "done": (),
    "tasks": ("--task",),
}


def _refuse_unused(kind: str, given: dict[str, object]) -> None:
    """Exit 2 for an option that a goal of ``kind`` has no use for, which the goal
    would drop without a word (`--type done --target 5`)."""
    used = _OPTIONS_OF_TYPE.get(kind.strip().lower())
    if used is None:  # no such type: --type is refused with its choices
        return
    for option, value in given.items():
        if value and option not in used:
            fail(f"{option}: a goal of --type {kind.strip()} takes no {option}")


# The argument or option that sets each field of the goal form, for errors (others:
# the option of the field's name, --target, --start, --owner, --metric, --step).
_OPTION_OF = {
    "title": "TITLE",
    "target_type": "--type",
    "start_date": "--from",
    "due_date": "--due",
    "direction": "--lower",
    "tasks": "--task",
    "scope_segment": "--segment",
}

# The argument or option that gives each field of a check-in, for errors.
_CHECKIN_ARGUMENT = {"value": "VALUE", "checked_on": "--on"}
