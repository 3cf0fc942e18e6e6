"""The bridges hold for any book and period (hypothesis, on a real database):
customers at start + new - churned - churned on an unknown date - joined and left
+ churned and returned = customers at end, and MRR at start + the period's movements
= MRR at end. Accounts may have unknown start dates, undated churns, expansions,
contractions and reactivations."""

from __future__ import annotations

import os
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete

from core.accounts.customers import BEFORE_RECORDS
from core.metrics import compute_metrics
from core.metrics.model import customer_bridge, mrr_bridge
from core.models import Account, MrrMovement
from core.periods import Period
from core.store.db import DATABASE_URL_ENV
from tests.core.metrics_book import BookWriter

AS_OF = date(2025, 12, 31)
ON_POSTGRES = os.environ.get(DATABASE_URL_ENV, "").startswith("postgres")

day = st.integers(0, 3 * 365).map(lambda n: date(2023, 1, 1) + timedelta(days=n))
account = st.fixed_dictionaries(
    {
        "start": st.one_of(st.none(), day),
        "mrr": st.integers(1, 100_000),
        "change": st.integers(-50, 200),  # % of MRR, on a later day
        "churn": st.one_of(st.none(), st.integers(1, 700)),  # days after the start
        "undated": st.booleans(),
        "back": st.one_of(st.none(), st.integers(1, 60)),  # days after the churn
    }
)
period = st.one_of(
    st.builds(
        lambda m: Period.parse(f"{2023 + m // 12}-{m % 12 + 1:02d}", AS_OF), st.integers(0, 35)
    ),
    st.builds(lambda q: Period.parse(f"{2023 + q // 4}-Q{q % 4 + 1}", AS_OF), st.integers(0, 11)),
)


def _write(engine: Engine, accounts: list[dict]) -> None:
    with engine.begin() as connection:
        connection.execute(delete(MrrMovement))
        connection.execute(delete(Account))
    book = BookWriter(engine)
    for spec in accounts:
        start = spec["start"] or BEFORE_RECORDS
        opened = spec["start"] or date(2023, 1, 1)
        mrr, churned = spec["mrr"], None
        if spec["churn"] is not None:
            churned = opened + timedelta(days=spec["churn"])
        back = churned + timedelta(days=spec["back"]) if churned and spec["back"] else None
        if back is not None and back > AS_OF:
            back = None
        ident = book.account(spec["start"] or date(2023, 1, 1), mrr=0)
        row = book.rows["account"][ident - 1]
        row.update(start_date=spec["start"], status="active", churned_at=None)
        book.movement(ident, start, "new", mrr)
        changed_on = opened + timedelta(days=10)
        delta = mrr * spec["change"] // 100
        if delta and (churned is None or changed_on < churned):
            book.movement(ident, changed_on, "expansion" if delta > 0 else "contraction", delta)
            mrr += delta
        if churned is not None and mrr > 0:
            book.movement(ident, churned, "churn", -mrr)
            if back is not None:
                book.movement(ident, back, "reactivation", mrr)
            elif spec["undated"]:
                row.update(status="churned", churn_recorded_on=churned)
            else:
                row.update(status="churned", churned_at=churned)
        row["mrr_cents"] = mrr
    book.save()


@settings(
    max_examples=6 if ON_POSTGRES else 30,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI never meets a new one
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(accounts=st.lists(account, max_size=12), periods=st.lists(period, min_size=1, max_size=3))
def test_the_customer_and_mrr_bridges_hold(
    engine: Engine, accounts: list[dict], periods: list[Period]
) -> None:
    _write(engine, accounts)
    for chosen in periods:
        metrics = compute_metrics(engine, chosen, as_of=AS_OF)
        assert customer_bridge(metrics) == metrics.active_accounts, (chosen, metrics)
        assert mrr_bridge(metrics) == metrics.mrr, (chosen, metrics)
        assert 0 <= metrics.reactivated_accounts <= metrics.new_accounts
        if metrics.churn_rate_pct is not None:
            assert 0 <= metrics.churn_rate_pct <= 100
