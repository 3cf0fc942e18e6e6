"""How fast the metrics engine answers: the full metric set for the current month plus
the 12-month series, for the whole book, load included, against a naive baseline that
walks ORM objects account by account.

    .venv/bin/python benchmarks/metrics.py --size M [--db PATH] [--repeat 3] [--slice 100]

Without --db the dataset is generated (seed 7) into a SQLite file in the temporary
directory and kept for the next run. Goal: <= 1.5 s at M (10k accounts, ~1M
interactions, ~3M usage rows).

- engine: ``compute_metrics`` (this month) + ``monthly_series`` (12 months), as the
  dashboard and the CLI call them, best of --repeat; also the same from one read
  (``load_book`` of the 12 months, then the month and the series from it);
- baseline: per account, SQLModel objects for its rows (movements, surveys, tickets,
  purchases, a year of usage) and plain Python to the same per-month aggregates, on
  a slice of accounts, scaled to the book; its slice totals are checked against the
  engine's;
- calibration: reading 1M interaction rows with ADBC (the issue measured ~1.2 s),
  to tell a slow machine from a slow engine.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine
from sqlmodel import Session, select

import core.models as models
from benchmarks.demo_book import generated
from core.metrics import compute_metrics, load_book, monthly_series, series_frame
from core.periods import Period, last_months
from core.store.frames import read_frame
from sample_data.book import DEMO_ANCHOR

GOAL_SECONDS = 1.5


def best_of(repeat: int, function: Callable[[], object]) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return min(runs)


def engine_run(engine: Engine, as_of: date) -> None:
    compute_metrics(engine, Period.month_of(as_of), as_of=as_of)
    monthly_series(engine, 12, as_of)


def engine_one_read(engine: Engine, as_of: date) -> None:
    months = last_months(as_of, 12)
    book = load_book(engine, Period(months[0].start, months[-1].end), as_of)
    book.metrics(months[-1], as_of)
    series_frame(book, months)


def _naive(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def _plain(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def naive_account(session: Session, account_id: int, months: list[Period]) -> Counter[str]:
    """One account's contribution to every month, from its ORM rows, in plain Python."""
    first, last = months[0].start, months[-1].end
    account = session.get(models.Account, account_id)
    assert account is not None

    def rows(model: Any) -> list[Any]:
        return list(session.exec(select(model).where(model.account_id == account_id)).all())

    movements = rows(models.MrrMovement)
    surveys = rows(models.SurveyResponse)
    tickets = rows(models.Ticket)
    purchases = rows(models.Purchase)
    usage = session.exec(
        select(models.DailyUsage).where(
            models.DailyUsage.account_id == account_id,
            models.DailyUsage.day >= first,
            models.DailyUsage.day <= last,
        )
    ).all()
    events = [(account.start_date, 0, True)]
    if account.churned_at is not None:
        events.append((account.churned_at, 1, False))
    events += [
        (m.occurred_on, 0 if m.kind == "reactivation" else 1, m.kind == "reactivation")
        for m in movements
        if m.kind in ("churn", "reactivation")
    ]
    events.sort()

    def customer(day: date) -> bool:
        state = False
        for when, _, inflow in events:
            if when <= day:
                state = inflow
        return state

    def mrr(day: date) -> int:
        if not movements:
            return account.mrr_cents if customer(day) else 0
        return max(0, sum(m.amount_cents for m in movements if m.occurred_on <= day))

    totals: Counter[str] = Counter()
    for index, month in enumerate(months):
        before = month.start - timedelta(days=1)
        at_start, at_end = customer(before), customer(month.end)
        lo, hi = _naive(month.start), _naive(month.end + timedelta(days=1))
        key = f"{index}:"
        totals[key + "start"] += at_start
        totals[key + "active"] += at_end
        totals[key + "mrr"] += mrr(month.end) if at_end else 0
        for m in movements:
            if month.contains(m.occurred_on):
                totals[key + m.kind] += m.amount_cents
        for s in surveys:
            if lo <= _plain(s.answered_at) < hi:
                if s.kind == "nps":
                    band = (
                        "promoter" if s.score >= 9 else "passive" if s.score >= 7 else "detractor"
                    )
                    totals[key + band] += 1
                else:
                    totals[key + "csat"] += 1
                    totals[key + "satisfied"] += s.score >= 4
        days = {
            _plain(p.purchased_at).date() for p in purchases if lo <= _plain(p.purchased_at) < hi
        }
        totals[key + "buyers"] += bool(days)
        totals[key + "repeat"] += len(days) > 1
        month_usage = [u.active_users for u in usage if month.contains(u.day)]
        totals[key + "users"] += sum(month_usage)
        totals[key + "monthly_users"] += max(month_usage, default=0)
        for t in tickets:
            opened = _plain(t.opened_at)
            if lo <= opened < hi:
                totals[key + "opened"] += 1
                totals[key + "resolved"] += t.resolved_at is not None and _plain(t.resolved_at) < hi
            unresolved = t.resolved_at is None or _plain(t.resolved_at) >= hi
            totals[key + "open_long"] += unresolved and opened < hi - timedelta(hours=48)
    return totals


def naive_run(engine: Engine, account_ids: list[int], months: list[Period]) -> Counter[str]:
    totals: Counter[str] = Counter()
    with Session(engine) as session:
        for account_id in account_ids:
            totals.update(naive_account(session, account_id, months))
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="M")
    parser.add_argument("--db", type=Path)
    parser.add_argument("--as-of", type=date.fromisoformat, default=DEMO_ANCHOR)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--slice", type=int, default=100, help="accounts for the baseline")
    args = parser.parse_args()
    engine = generated(args.size, args.db, "metrics")
    as_of: date = args.as_of

    started = time.perf_counter()
    calibration = read_frame(
        engine,
        select(
            models.Interaction.id, models.Interaction.account_id, models.Interaction.occurred_at
        ).limit(1_000_000),
    )
    calibration_s = time.perf_counter() - started
    print(
        f"calibration: {calibration.height:,} rows read with ADBC in {calibration_s:.2f} s "
        "(the issue measured ~1.2 s)"
    )

    full = best_of(args.repeat, lambda: engine_run(engine, as_of))
    one_read = best_of(args.repeat, lambda: engine_one_read(engine, as_of))
    print(
        f"engine: this month + 12-month series, load included: {full:.2f} s "
        f"(best of {args.repeat}); from one read: {one_read:.2f} s; goal <= {GOAL_SECONDS} s; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )

    months = last_months(as_of, 12)
    accounts = read_frame(engine, select(models.Account.id))["id"].sort()
    step = max(1, accounts.len() // args.slice)
    chosen = accounts.gather_every(step).head(args.slice).to_list()
    started = time.perf_counter()
    # what the engine sees: nothing after the as-of date (the last month is cut there)
    seen = [Period(month.start, min(month.end, as_of)) for month in months]
    totals = naive_run(engine, chosen, seen)
    naive_s = time.perf_counter() - started
    scaled = naive_s * accounts.len() / len(chosen)
    print(
        f"baseline: ORM objects per account, {len(chosen)} accounts in {naive_s:.2f} s, "
        f"scaled to {accounts.len():,}: {scaled:.1f} s"
    )
    print(f"ratio: baseline / engine = {scaled / full:.0f}x")

    # The baseline computes the same things: check its slice against the engine's.
    book = load_book(engine, Period(months[0].start, months[-1].end), as_of)
    last = len(months) - 1
    in_slice = pl.col("account_id").is_in(chosen)
    at_end = book.customers_at(as_of).filter(in_slice)
    mrr = book.mrr_at(as_of).filter(in_slice)["mrr_cents"].sum()
    agree = (totals[f"{last}:active"], totals[f"{last}:mrr"]) == (at_end.height, mrr)
    print(
        f"check on the slice (active accounts, MRR now): baseline "
        f"{totals[f'{last}:active']}, {totals[f'{last}:mrr']}; engine {at_end.height}, {mrr}: "
        f"{'agree' if agree else 'DIFFER'}"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
