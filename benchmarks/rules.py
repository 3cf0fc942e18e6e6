"""The playbook rules over an M database (10k accounts): goal <= 2 s.

    .venv/bin/cxtui generate --size M --db /tmp/cxtui-M.db
    .venv/bin/python benchmarks/rules.py --db /tmp/cxtui-M.db [--today 2026-11-23] [--runs 3]

The database given is only read: it is copied (SQLite backup) into a temporary
directory, the copy is migrated (``open_engine``) and given health snapshots for
``today`` and a week before (so ``health_red`` has drops to find). Then, --runs
times, on the copy:

- baseline: one bulk read (``read_frame``) of every column the rules look at, whole
  tables, no filter: accounts, tickets, purchases, survey answers, health snapshots,
  interactions and the tasks' rule keys;
- first run: ``run_rules`` with no rule task in the database (the round's first
  step deletes them), so it creates every task;
- second run: ``run_rules`` again, which must create none.

Printed as medians in seconds and as ratios to the baseline, with the load
average (the machine may be shared), and the tasks each rule created.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, delete
from sqlmodel import select

from benchmarks.demo_book import database_options
from core.health.store import recompute_all
from core.models import (
    Account,
    HealthSnapshot,
    Interaction,
    Purchase,
    SurveyResponse,
    Task,
    Ticket,
)
from core.playbook.rules import DEFAULT_RULES, RulesConfig
from core.playbook.runs import run_rules
from core.store.db import open_engine, sqlite_url
from core.store.frames import read_frame

GOAL_SECONDS = 2.0


def load_average() -> str:
    """``uptime``'s load averages (1, 5, 15 min) and the CPU count."""
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    averages = uptime.rsplit("load average:", 1)[-1].strip()
    return f"load average {averages} on {os.cpu_count()} CPUs"


def copy_database(source: Path, target: Path) -> None:
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        origin.backup(copy)
    finally:
        origin.close()
        copy.close()


def baseline_read(engine: Engine) -> int:
    """Every column the rules look at, each table read whole; returns the rows read."""
    queries = [
        select(
            Account.id,
            Account.name,
            Account.owner,
            Account.status,
            Account.start_date,
            Account.renewal_date,
        ),
        select(Ticket.id, Ticket.account_id, Ticket.subject, Ticket.opened_at, Ticket.resolved_at),
        select(Purchase.id, Purchase.account_id, Purchase.purchased_at),
        select(
            SurveyResponse.id,
            SurveyResponse.account_id,
            SurveyResponse.kind,
            SurveyResponse.score,
            SurveyResponse.answered_at,
        ),
        select(HealthSnapshot.account_id, HealthSnapshot.day, HealthSnapshot.band),
        select(Interaction.account_id, Interaction.occurred_at, Interaction.deleted_at),
        select(Task.rule, Task.occurrence_key),
    ]
    return sum(read_frame(engine, query).height for query in queries)


def timed(call):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def main() -> None:
    options = database_options(__doc__, "the rules'").parse_args()
    today = date.fromisoformat(options.today) if options.today else date.today()
    config = RulesConfig({name: dict(values) for name, values in DEFAULT_RULES.items()})

    with tempfile.TemporaryDirectory(prefix="cxtui-rules-") as directory:
        copy = Path(directory) / "rules.db"
        setup, _ = timed(lambda: copy_database(options.db, copy))
        engine = open_engine(sqlite_url(copy))
        for day in (today - timedelta(days=7), today):
            recompute_all(engine, as_of=day)
        with engine.begin() as connection:
            accounts = connection.execute(select(Account.id)).all()
        print(f"database: {options.db} ({len(accounts)} accounts), copied in {setup:.1f} s")
        print(f"as of {today} · median of {options.runs} runs · {load_average()}")

        baselines, firsts, seconds = [], [], []
        created: dict[str, int] = {}
        for _ in range(options.runs):
            with engine.begin() as connection:
                connection.execute(delete(Task).where(Task.source == "rule"))
            base, rows = timed(lambda: baseline_read(engine))
            first, created = timed(lambda: run_rules(engine, today, config))
            second, again = timed(lambda: run_rules(engine, today, config))
            if any(again.values()):
                raise SystemExit(f"the second run created tasks: {again}")
            baselines.append(base)
            firsts.append(first)
            seconds.append(second)
        engine.dispose()

    base = statistics.median(baselines)
    first = statistics.median(firsts)
    second = statistics.median(seconds)
    print(f"baseline: bulk read of the rules' tables ({rows:,} rows)  {base:6.3f} s")
    print(
        f"run_rules, first run ({sum(created.values()):,} tasks created)"
        f"   {first:6.3f} s  {first / base:5.2f}x  goal <= {GOAL_SECONDS:.0f} s"
    )
    print(f"run_rules, second run (0 created)            {second:6.3f} s  {second / base:5.2f}x")
    print("tasks per rule: " + ", ".join(f"{rule} {n}" for rule, n in created.items()))
    print(f"after the runs: {load_average()}")
    if max(first, second) > GOAL_SECONDS:
        print(f"OVER THE GOAL of {GOAL_SECONDS:.0f} s")


if __name__ == "__main__":
    main()
