"""Properties of the metrics that hold for any book (hypothesis), on a real database."""

from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete

from core.metrics import COUNT_KEYS, MONEY_KEYS, compute_metrics, load_book
from core.models import Account, MrrMovement, Purchase, SurveyResponse
from core.periods import Period
from core.store.db import DATABASE_URL_ENV
from tests.core.metrics_book import LATER, BookWriter, at

Q1 = Period.quarter_of(date(2024, 1, 1))
# On PostgreSQL every read opens an ADBC connection (~0.2 s): fewer examples there.
ON_POSTGRES = os.environ.get(DATABASE_URL_ENV, "").startswith("postgres")
PROPERTY_SETTINGS = settings(
    max_examples=8 if ON_POSTGRES else 25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _empty(engine: Engine) -> BookWriter:
    """The same database for every example, emptied first."""
    with engine.begin() as connection:
        for model in (SurveyResponse, Purchase, MrrMovement, Account):
            connection.execute(delete(model))
    return BookWriter(engine)


@PROPERTY_SETTINGS
@given(scores=st.lists(st.integers(0, 10), max_size=40))
def test_nps_is_the_formula_on_the_counts_and_within_bounds(
    engine: Engine, scores: list[int]
) -> None:
    book = _empty(engine)
    account = book.account(date(2023, 1, 1))
    for index, score in enumerate(scores):
        book.survey(account, "nps", score, at(Q1.start + timedelta(days=index % 90)))
    book.save()
    metrics = compute_metrics(engine, Q1, as_of=LATER)
    promoters = sum(score >= 9 for score in scores)
    detractors = sum(score <= 6 for score in scores)
    assert (metrics.nps_promoters, metrics.nps_detractors) == (promoters, detractors)
    assert metrics.nps_promoters + metrics.nps_passives + metrics.nps_detractors == len(scores)
    if not scores:
        assert metrics.nps is None
        return
    assert metrics.nps is not None and -100 <= metrics.nps <= 100
    assert metrics.nps == pytest.approx((promoters - detractors) / len(scores) * 100)


# Churn dates around Q1 2024, or never.
churn_offsets = st.one_of(st.none(), st.integers(-60, 150))


@PROPERTY_SETTINGS
@given(churns=st.lists(churn_offsets, max_size=25))
def test_without_new_customers_retention_is_100_minus_churn(
    engine: Engine, churns: list[int | None]
) -> None:
    book = _empty(engine)
    for offset in churns:
        churned = None if offset is None else Q1.start + timedelta(days=offset)
        book.account(date(2023, 6, 1), mrr=1000, churned=churned)
    book.save()
    metrics = compute_metrics(engine, Q1, as_of=LATER)
    assert metrics.new_accounts == 0
    if metrics.customers_at_start == 0:
        assert metrics.retention_rate_pct is None and metrics.churn_rate_pct is None
        return
    assert metrics.churn_rate_pct is not None
    assert metrics.retention_rate_pct == pytest.approx(100 - metrics.churn_rate_pct)


accounts = st.lists(
    st.tuples(
        st.sampled_from(["ent", "mid", "smb"]),
        st.integers(-120, 80),  # start, days from the quarter's start
        st.one_of(st.none(), st.integers(0, 200)),  # churn, days after the start
        st.integers(1, 50_000),  # MRR in cents
        st.one_of(st.none(), st.integers(0, 10)),  # an NPS answer
        st.one_of(st.none(), st.integers(-30, 89)),  # an expansion, days from the quarter
        st.integers(0, 3),  # purchases in the quarter
    ),
    max_size=20,
)


@PROPERTY_SETTINGS
@given(rows=accounts)
def test_segment_breakdowns_add_up_to_the_whole(engine: Engine, rows: list[tuple]) -> None:
    book = _empty(engine)
    for segment, start, churn, mrr, score, expansion, purchases in rows:
        started = Q1.start + timedelta(days=start)
        churned = None if churn is None else started + timedelta(days=churn)
        account = book.account(started, mrr=mrr, churned=churned, segment=segment)
        book.movement(account, started, "new", mrr)
        if expansion is not None and Q1.start + timedelta(days=expansion) > started:
            book.movement(account, Q1.start + timedelta(days=expansion), "expansion", 700)
        if churned is not None:
            book.movement(account, churned, "churn", -mrr)
        if score is not None:
            book.survey(account, "nps", score, at(Q1.start + timedelta(days=start % 90)))
        for number in range(purchases):
            book.purchase(account, at(Q1.start + timedelta(days=number * 20)), 1234)
    book.save()
    book_frames = load_book(engine, Q1, LATER)
    [(_, whole)] = book_frames.metrics(Q1)
    groups = book_frames.metrics(Q1, by="segment")
    assert [group for group, _ in groups] == sorted({row[0] for row in rows})
    for key in sorted(ADDITIVE):
        assert sum(metrics.get(key) for _, metrics in groups) == whole.get(key), key


# Counts and MRR add up; averages, rates and CLV do not.
# Counts add up over segments, but for the buyers behind a purchase-history lifespan:
# each segment measures its own lifespan, from purchases only where it saw no churn.
ADDITIVE = (COUNT_KEYS - {"clv_lifespan_buyers"}) | {key for key in MONEY_KEYS if "mrr" in key}
