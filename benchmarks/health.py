"""How fast health scores are computed: a full recompute, including the load, against
a single-SQL-query baseline and a pure-Python-over-ORM baseline, and one account's
incremental recompute.

    .venv/bin/python benchmarks/health.py --size M [--db PATH] [--repeat 3]

Without --db the dataset is generated (seed 7) into a SQLite file in the temporary
directory and kept there for the next run. Goals: full <= 3 s at M (10k accounts,
~1M interactions, 3.65M usage rows), <= 30 s at L; one account <= 50 ms.

- full: ``compute_scores`` (bulk reads of the windows + polars) and
  ``recompute_all`` (the same plus writing 10k snapshots), best of --repeat;
- SQL baseline: one SQL query that computes the same raw signals per account
  (CTEs, window functions), without the mapping to scores, best of --repeat;
- ORM baseline: per account, SQLModel objects for its rows in the windows and
  plain Python to the same signals, on a slice of accounts, scaled to the book;
- incremental: ``recompute_account`` (read, score, replace the snapshot) for 25
  accounts: median and worst.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from sqlalchemy import Engine, bindparam, text
from sqlmodel import Session, select

from benchmarks.demo_book import book_options, generated
from core.health import compute_scores, default_model, recompute_account, recompute_all
from core.models import (
    Account,
    DailyUsage,
    Interaction,
    MrrMovement,
    SurveyResponse,
    Ticket,
)
from sample_data.book import DEMO_ANCHOR

ORM_SLICE = 200

SQL_BASELINE = """
WITH usage AS (
    SELECT account_id,
           SUM(CASE WHEN day > :split THEN active_users ELSE 0 END) AS recent,
           SUM(CASE WHEN day <= :split THEN active_users ELSE 0 END) AS prior
    FROM daily_usage WHERE day >= :usage_start AND day <= :as_of GROUP BY account_id
), last_contact AS (
    SELECT account_id, MAX(occurred_at) AS last_at FROM interaction
    WHERE deleted_at IS NULL AND occurred_at < :end_at GROUP BY account_id
), recent AS (
    SELECT account_id,
           SUM(CASE WHEN kind IN ('meeting', 'qbr') THEN 1 ELSE 0 END) AS meetings,
           AVG(sentiment * 1.0) AS sentiment
    FROM interaction
    WHERE deleted_at IS NULL AND occurred_at >= :recent_start AND occurred_at < :end_at
    GROUP BY account_id
), answers AS (
    SELECT account_id, kind, score,
           ROW_NUMBER() OVER (PARTITION BY account_id, kind ORDER BY answered_at DESC) AS n
    FROM survey_response WHERE answered_at >= :survey_start AND answered_at < :end_at
), surveys AS (
    SELECT account_id,
           MAX(CASE WHEN kind = 'nps' THEN score END) AS nps,
           MAX(CASE WHEN kind = 'csat' THEN score END) AS csat
    FROM answers WHERE n = 1 GROUP BY account_id
), tickets AS (
    SELECT account_id,
           SUM(CASE WHEN resolved_at IS NULL OR resolved_at >= :end_at THEN 1 ELSE 0 END) AS open,
           SUM(CASE WHEN (resolved_at IS NULL OR resolved_at >= :end_at)
                     AND opened_at < :stale_before THEN 1 ELSE 0 END) AS stale,
           SUM(CASE WHEN opened_at >= :recent_start THEN 1 ELSE 0 END) AS recent,
           SUM(CASE WHEN opened_at >= :recent_start AND opened_at < :slow_before
                     AND (first_response_at IS NULL OR first_response_at >= :end_at
                          OR first_response_at > opened_at + :slow_interval)
                    THEN 1 ELSE 0 END) AS slow
    FROM ticket
    WHERE opened_at < :end_at
      AND (opened_at >= :recent_start OR resolved_at IS NULL OR resolved_at >= :end_at)
    GROUP BY account_id
), movements AS (
    SELECT account_id, SUM(amount_cents) AS mrr_then,
           SUM(CASE WHEN kind = 'contraction' AND occurred_on > :contraction_start
                    THEN amount_cents ELSE 0 END) AS contracted
    FROM mrr_movement WHERE occurred_on <= :as_of GROUP BY account_id
)
SELECT a.id, a.seats, u.recent, u.prior, l.last_at, r.meetings, r.sentiment,
       s.nps, s.csat, t.open, t.stale, t.recent, t.slow, m.mrr_then, m.contracted
FROM account a
LEFT JOIN usage u ON u.account_id = a.id
LEFT JOIN last_contact l ON l.account_id = a.id
LEFT JOIN recent r ON r.account_id = a.id
LEFT JOIN surveys s ON s.account_id = a.id
LEFT JOIN tickets t ON t.account_id = a.id
LEFT JOIN movements m ON m.account_id = a.id
WHERE a.start_date <= :as_of AND (a.churned_at IS NULL OR a.churned_at > :as_of)
  AND a.status <> 'churned'
"""


def best(seconds: list[float]) -> float:
    return min(seconds)


CPU: dict[str, float] = {}  # the best run's CPU seconds (all threads), per label


def timed(label: str, function, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Wall seconds of each run; the CPU seconds of the fastest go into CPU (on a
    busy machine they say what the wall time would be on an idle one)."""
    runs = []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        function()
        runs.append(time.perf_counter() - started)
        if runs[-1] == min(runs):
            CPU[label] = time.process_time() - cpu
    return runs


def sql_baseline(engine: Engine, as_of: date) -> int:
    end = datetime.combine(as_of + timedelta(days=1), clock(), tzinfo=UTC)
    model = default_model()
    slow = timedelta(hours=model.settings["slow_first_response_hours"])
    is_sqlite = engine.dialect.name == "sqlite"
    query = SQL_BASELINE
    if is_sqlite:  # no interval arithmetic on SQLite text datetimes: compare as julian days
        query = query.replace(
            "first_response_at > opened_at + :slow_interval",
            "julianday(first_response_at) - julianday(opened_at) > :slow_days",
        )
    params = {
        "as_of": as_of,
        "split": as_of - timedelta(days=30),
        "usage_start": as_of - timedelta(days=59),
        "end_at": end,
        "recent_start": end - timedelta(days=90),
        "survey_start": end - timedelta(days=365),
        "stale_before": end - timedelta(hours=model.settings["stale_ticket_hours"]),
        "slow_before": end,
        "contraction_start": as_of - timedelta(days=90),
    }
    if is_sqlite:
        params = {
            key: value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            if isinstance(value, datetime)
            else value.isoformat()
            for key, value in params.items()
        }
        params["slow_days"] = slow.total_seconds() / 86400
    else:
        params["slow_interval"] = slow
    statement = text(query)
    if not is_sqlite:
        statement = statement.bindparams(bindparam("slow_interval"))
    with engine.connect() as connection:
        rows = connection.execute(statement, params).all()
    return len(rows)


def orm_signals(session: Session, account: Account, as_of: date) -> dict[str, float | None]:
    """The raw signals of one account from its ORM rows, in plain Python."""
    end = datetime.combine(as_of + timedelta(days=1), clock(), tzinfo=UTC)
    split = as_of - timedelta(days=30)
    usage = session.exec(
        select(DailyUsage).where(
            DailyUsage.account_id == account.id,
            DailyUsage.day >= as_of - timedelta(days=59),
            DailyUsage.day <= as_of,
        )
    ).all()
    recent = sum(u.active_users for u in usage if u.day > split)
    prior = sum(u.active_users for u in usage if u.day <= split)
    interactions = session.exec(
        select(Interaction).where(
            Interaction.account_id == account.id,
            Interaction.deleted_at.is_(None),  # type: ignore[union-attr]
            Interaction.occurred_at < end,
        )
    ).all()
    last = max((i.occurred_at for i in interactions), default=None)
    window = [i for i in interactions if i.occurred_at >= end - timedelta(days=90)]
    sentiments = [i.sentiment for i in window if i.sentiment is not None]
    answers = session.exec(
        select(SurveyResponse).where(
            SurveyResponse.account_id == account.id,
            SurveyResponse.answered_at >= end - timedelta(days=365),
            SurveyResponse.answered_at < end,
        )
    ).all()
    latest = {a.kind: a.score for a in sorted(answers, key=lambda a: a.answered_at)}
    tickets = session.exec(
        select(Ticket).where(Ticket.account_id == account.id, Ticket.opened_at < end)
    ).all()
    open_tickets = [t for t in tickets if t.resolved_at is None or t.resolved_at >= end]
    stale = [t for t in open_tickets if t.opened_at < end - timedelta(hours=48)]
    movements = session.exec(
        select(MrrMovement).where(
            MrrMovement.account_id == account.id, MrrMovement.occurred_on <= as_of
        )
    ).all()
    contracted = -sum(
        m.amount_cents
        for m in movements
        if m.kind == "contraction" and m.occurred_on > as_of - timedelta(days=90)
    )
    return {
        "active_user_ratio": recent / 30 / account.seats if account.seats else None,
        "trend_pct": (recent - prior) / prior * 100 if prior else None,
        "days_since": (end - last).days if last else None,
        "meetings": sum(1 for i in window if i.kind in ("meeting", "qbr")),
        "sentiment": sum(sentiments) / len(sentiments) if sentiments else None,
        "nps": latest.get("nps"),
        "csat": latest.get("csat"),
        "open": len(open_tickets),
        "stale": len(stale),
        "contracted": contracted,
    }


def orm_baseline(engine: Engine, as_of: date, accounts: int) -> tuple[float, int]:
    """Seconds for ORM_SLICE accounts, and how many accounts the book has."""
    with Session(engine) as session:
        live = session.exec(
            select(Account).where(Account.status != "churned", Account.start_date <= as_of)
        ).all()
        sample = live[:accounts]
        started = time.perf_counter()
        for account in sample:
            orm_signals(session, account, as_of)
        return time.perf_counter() - started, len(live)


def incremental(engine: Engine, as_of: date, count: int = 25) -> list[float]:
    model = default_model()
    with Session(engine) as session:
        ids = [a.id for a in session.exec(select(Account).where(Account.status != "churned"))]
    picks = random.Random(7).sample(ids, min(count, len(ids)))
    recompute_account(engine, picks[0], as_of, model)  # warm: imports, model recorded
    runs = []
    for account_id in picks:
        started = time.perf_counter()
        recompute_account(engine, account_id, as_of, model)
        runs.append(time.perf_counter() - started)
    return runs


def main() -> None:
    parser = book_options(__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    engine = generated(args.size, args.db, "health")
    as_of = DEMO_ANCHOR
    model = default_model()
    scores = compute_scores(engine, as_of, model)  # warm-up (imports, caches)
    print(f"Size {args.size}: {scores.height:,} live accounts scored as of {as_of}.")

    compute = best(timed("compute", lambda: compute_scores(engine, as_of, model), args.repeat))
    full = best(timed("full", lambda: recompute_all(engine, as_of, model), args.repeat))
    sql = best(timed("sql", lambda: sql_baseline(engine, as_of), args.repeat))
    orm_slice, live = orm_baseline(engine, as_of, ORM_SLICE)
    orm = orm_slice / ORM_SLICE * live
    one = incremental(engine, as_of)
    goal_full = {"S": 3.0, "M": 3.0, "L": 30.0}[args.size]

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall s, CPU s)")
    print(f"compute_scores (load + polars)        {compute:7.2f} s  cpu {CPU['compute']:6.2f} s")
    print(
        f"recompute_all (+ write snapshots)     {full:7.2f} s  cpu {CPU['full']:6.2f} s"
        f"   goal <= {goal_full:g} s"
    )
    print(
        f"single SQL query (signals only)       {sql:7.2f} s  cpu {CPU['sql']:6.2f} s"
        f"   ratio {sql / compute:5.2f}x"
    )
    print(
        f"Python over ORM ({ORM_SLICE} accounts, scaled) {orm:7.1f} s   ratio {orm / compute:5.1f}x"
        f"   ({orm_slice:.2f} s for {ORM_SLICE})"
    )
    print(
        f"one account (recompute_account)      median {statistics.median(one) * 1000:5.1f} ms,"
        f" worst {max(one) * 1000:5.1f} ms   goal <= 50 ms"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
