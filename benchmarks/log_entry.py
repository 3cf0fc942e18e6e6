"""How fast an account's health is recomputed after one entry is saved (goal: under
50 ms at M), against two baselines.

    .venv/bin/python benchmarks/log_entry.py --size M [--db PATH] [--count 25]

The dataset: --db if given; else a copy of /tmp/metrics-helper-M.db when it exists
(the original is never written); else generated like benchmarks/health.py does
(seed 7), into a SQLite file in the temporary directory kept for the next run.
Entries are logged into that file.

For --count random live accounts, a call is logged "now" = the dataset's anchor day:

- rescore: ``core.interactions.rescore`` (read the account's rows, score, replace
  the day's snapshot), the part of ``log_entry`` the goal is about; median and worst;
- log_entry: validation, the insert and the rescore, as the app and the CLI run it;
- baseline 1: ``recompute_all`` (the whole book, bulk) divided by its accounts,
  what one account costs when every account is scored at once;
- baseline 2: a plain ORM insert of one interaction, nothing else.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from datetime import time as clock
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from benchmarks.demo_book import book_options, generated
from core.health import default_model, recompute_all
from core.interactions import EntryForm, log_entry, rescore
from core.models import Account, Interaction
from sample_data.book import DEMO_ANCHOR

SHARED_M = Path("/tmp/metrics-helper-M.db")
GOAL_SECONDS = 0.050


def dataset_path(size: str, db: Path | None) -> Path:
    """--db, or a private copy of the shared M database, or a new file to generate."""
    if db is not None:
        return db
    path = Path(tempfile.gettempdir()) / f"cxtui-bench-log-{size}.db"
    if size == "M" and SHARED_M.exists() and not path.exists():
        print(f"Copying {SHARED_M} to {path} ...", flush=True)
        for suffix in ("", "-wal"):
            source = Path(f"{SHARED_M}{suffix}")
            if source.exists():
                shutil.copyfile(source, f"{path}{suffix}")
    return path


def live_accounts(engine: Engine, count: int) -> list[int]:
    with Session(engine) as session:
        ids = list(
            session.exec(
                select(Account.id).where(
                    Account.status != "churned", Account.start_date <= DEMO_ANCHOR
                )
            ).all()
        )
    return random.Random(7).sample([i for i in ids if i is not None], min(count, len(ids)))


def milliseconds(runs: list[float]) -> str:
    return f"median {statistics.median(runs) * 1000:7.2f} ms  worst {max(runs) * 1000:7.2f} ms"


def main() -> None:
    parser = book_options(__doc__)
    parser.add_argument("--count", type=int, default=25)
    args = parser.parse_args()

    engine = generated(args.size, dataset_path(args.size, args.db), "log")
    now = datetime.combine(DEMO_ANCHOR, clock(12), tzinfo=UTC)
    picks = live_accounts(engine, args.count)
    model = default_model()
    rescore(engine, picks[0], DEMO_ANCHOR)  # warm: imports, model recorded, caches

    logged, rescored, rescored_cpu, inserts = [], [], [], []
    for number, account_id in enumerate(picks):
        form = EntryForm(kind="call", summary=f"Benchmark call {number}", sentiment="1")
        started = time.perf_counter()
        log_entry(engine, account_id, form, "benchmark", now=now)
        logged.append(time.perf_counter() - started)
        started, cpu = time.perf_counter(), time.process_time()
        rescore(engine, account_id, DEMO_ANCHOR)
        rescored.append(time.perf_counter() - started)
        rescored_cpu.append(time.process_time() - cpu)
        started = time.perf_counter()
        with Session(engine) as session:
            session.add(
                Interaction(
                    account_id=account_id,
                    kind="note",
                    occurred_at=now,
                    logged_by="benchmark",
                    summary="Plain insert",
                )
            )
            session.commit()
        inserts.append(time.perf_counter() - started)

    started = time.perf_counter()
    accounts = recompute_all(engine, DEMO_ANCHOR, model)
    per_account = (time.perf_counter() - started) / max(accounts, 1)

    median = statistics.median(rescored)
    print(f"Size {args.size}: {len(picks)} accounts, as of {DEMO_ANCHOR}")
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times; on a "
        "busy machine the CPU time says what an idle one would take)"
    )
    print(
        f"rescore after one entry     {milliseconds(rescored)}   goal < "
        f"{GOAL_SECONDS * 1000:.0f} ms: {'met' if median < GOAL_SECONDS else 'NOT met'}"
    )
    print(f"rescore, CPU time           {milliseconds(rescored_cpu)}")
    print(f"log_entry (validate+insert+rescore) {milliseconds(logged)}")
    print(
        f"baseline recompute_all / accounts  {per_account * 1000:7.2f} ms "
        f"({accounts:,} accounts)   ratio {median / per_account:6.1f}x"
    )
    print(
        f"baseline plain ORM insert   {milliseconds(inserts)}   ratio "
        f"{median / statistics.median(inserts):6.1f}x"
    )


if __name__ == "__main__":
    main()
