"""Running the playbook: a task per new occurrence, a dry run that says what a run
would create, and the history of runs (``rule_run``) the Playbook screen and
``cxtui rules list`` show.

A run writes one ``rule_run`` row per enabled rule, with the number of tasks it made
(0 included), so "last ran" is known even for a rule that found nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from core.models import RuleRun, Task, utcnow
from core.playbook.ended import close_ended
from core.playbook.followed_up import close_followed_up
from core.playbook.rules import RULE_TITLES, RulesConfig, find_occurrences, load_rules_config
from core.store.frames import read_frame
from core.store.locks import begin_writing

_NEW_TASK_COLUMNS = ("account_id", "owner", "title", "occurrence_key", "due_on")


def new_tasks(
    engine: Engine, today: date, config: RulesConfig, now: datetime | None = None
) -> dict[str, pl.DataFrame]:
    """Per enabled rule, the tasks a run would create now: its occurrences less those
    that already have a task (``account_id, owner, title, occurrence_key, due_on``)."""
    seen = read_frame(
        engine,
        select(Task.rule, Task.occurrence_key).where(col(Task.rule).in_(config.enabled())),
    )
    planned = {}
    for found in find_occurrences(engine, today, config, now):
        known = seen.filter(pl.col("rule") == found.rule).select("occurrence_key")
        planned[found.rule] = found.frame.join(known, on="occurrence_key", how="anti").select(
            _NEW_TASK_COLUMNS
        )
    return planned


def run_rules(
    engine: Engine,
    today: date | None = None,
    config: RulesConfig | None = None,
    now: datetime | None = None,
    ran_by: str | None = None,
) -> dict[str, int]:
    """Create one task per new occurrence of every enabled rule and record the run.
    Returns the number of tasks each rule created (0 for an occurrence already seen).
    First, the open tasks a contact logged since has followed up are marked done
    (``core.playbook.followed_up``), and those whose condition ended otherwise, a
    ticket resolved, an account churned (``core.playbook.ended``).

    The insert's ``ON CONFLICT DO NOTHING`` on (rule, occurrence_key) settles a race
    with another process running the rules at the same moment; each rule's tasks are
    written in the order of their keys, so that two runs never wait on each other
    (a deadlock)."""
    today = today or date.today()
    config = config or load_rules_config()
    if ran_by is None:
        from core.config.settings import load_settings

        ran_by = load_settings().author
    planned = new_tasks(engine, today, config, now)
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    table = Task.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=["rule", "occurrence_key"])
        .returning(table.c.id)
    )
    created_at = utcnow()
    created: dict[str, int] = {}
    with engine.begin() as connection:
        # the tasks contacts logged or imported since have followed up, and those
        # whose condition ended: done (read and written as one writer: no contact
        # logged between the two)
        begin_writing(connection)
        close_followed_up(connection, today, config, now=created_at)
        close_ended(connection, ran_by, created_at)
        for rule, rows in planned.items():
            created[rule] = 0
            if not rows.is_empty():
                # in the keys' order, as every run writes them: two runs at once that
                # each wrote a task the other was about to write waited on each other
                values = rows.sort("occurrence_key").with_columns(
                    source=pl.lit("rule"), rule=pl.lit(rule), created_at=pl.lit(created_at)
                )
                created[rule] = len(connection.execute(statement, values.to_dicts()).all())
        if created:
            connection.execute(
                RuleRun.__table__.insert(),  # type: ignore[attr-defined]
                [
                    {"rule": rule, "ran_at": created_at, "created": count, "ran_by": ran_by[:80]}
                    for rule, count in created.items()
                ],
            )
    return created


@dataclass(frozen=True)
class RuleStatus:
    """A rule as the Playbook screen and ``cxtui rules list`` show it."""

    name: str
    title: str
    enabled: bool
    settings: dict[str, Any]
    last_ran_at: datetime | None
    last_created: int | None
    tasks_made: int
    tasks_open: int


def rule_statuses(engine: Engine | None, config: RulesConfig) -> list[RuleStatus]:
    """Every rule with its settings and, given a database, when it last ran, how many
    tasks that run made, and how many it has made in all (open ones apart)."""
    last_runs = tasks_by_rule = pl.DataFrame()
    if engine is not None:
        latest = (
            select(RuleRun.rule, func.max(RuleRun.id).label("id")).group_by(RuleRun.rule).subquery()
        )
        last_runs = read_frame(
            engine,
            select(RuleRun.rule, RuleRun.ran_at, RuleRun.created).join(
                latest, col(RuleRun.id) == latest.c.id
            ),
        )
        tasks_by_rule = read_frame(
            engine,
            select(
                Task.rule,
                func.count().label("made"),
                func.count(col(Task.id)).filter(col(Task.completed_at).is_(None)).label("open"),
            )
            .where(col(Task.rule).is_not(None))
            .group_by(Task.rule),
        )
    runs = {row["rule"]: row for row in last_runs.iter_rows(named=True)}
    made = {row["rule"]: row for row in tasks_by_rule.iter_rows(named=True)}
    return [
        RuleStatus(
            name=name,
            title=RULE_TITLES.get(name, name),
            enabled=bool(values["enabled"]),
            settings={key: value for key, value in values.items() if key != "enabled"},
            last_ran_at=runs[name]["ran_at"] if name in runs else None,
            last_created=runs[name]["created"] if name in runs else None,
            tasks_made=made[name]["made"] if name in made else 0,
            tasks_open=made[name]["open"] if name in made else 0,
        )
        for name, values in config.settings.items()
    ]
