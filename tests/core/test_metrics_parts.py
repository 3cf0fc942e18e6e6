"""A book read for a few metrics only (``load_book(..., keys=...)``): it reads only
the tables those metrics need, gives the same values as a full book, and refuses
the metrics it cannot compute."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from core.metrics import (
    METRIC_KEYS,
    Scope,
    compute_metrics,
    load_book,
    monthly_series,
    series_frame,
)
from core.metrics.book import TABLE_KEYS, tables_for
from core.periods import Period, last_months
from sample_data import load_demo

DEMO_DAY = date(2026, 11, 30)
DAY = DEMO_DAY - timedelta(days=3)  # mid-month: usage is cut by days
HEADLINE = ("mrr", "net_new_mrr", "nrr_pct", "grr_pct", "churn_rate_pct", "nps", "csat_pct")


def test_tables_for_keys() -> None:
    assert tables_for(None) == frozenset(TABLE_KEYS)
    assert tables_for(["mrr", "churn_rate_pct", "renewals_90d_mrr"]) == frozenset()
    assert tables_for(["nps", "stickiness_pct"]) == {"surveys", "usage"}
    assert tables_for(["clv", "first_response_hours_p90"]) == {"purchases", "tickets"}
    assert tables_for(METRIC_KEYS) == frozenset(TABLE_KEYS)
    with pytest.raises(KeyError, match="'churn_rate'"):
        tables_for(["churn_rate"])


@pytest.mark.parametrize("scope", [Scope(), Scope(segment="Enterprise")])
def test_a_partial_book_gives_the_full_values(engine: Engine, scope: Scope) -> None:
    load_demo(engine, as_of=DEMO_DAY)
    period = Period.month_of(DAY)
    window = Period(period.previous().start, period.end)
    book = load_book(engine, window, DAY, scope, keys=HEADLINE)
    assert book.tables == {"surveys"}
    assert book.tickets.height == book.purchase_days.height == book.usage.height == 0
    for each in (period, period.previous()):
        full = compute_metrics(engine, each, scope, as_of=DAY)
        assert book.values(each, HEADLINE, DAY) == {key: full.get(key) for key in HEADLINE}
    quarter = Period.quarter_of(DAY)
    full = compute_metrics(engine, quarter, scope, as_of=DAY)
    only_revenue = load_book(engine, quarter, DAY, scope, keys=["mrr", "grr_pct"])
    assert only_revenue.tables == frozenset()
    assert only_revenue.values(quarter, ["mrr", "grr_pct"]) == {
        "mrr": full.mrr,
        "grr_pct": full.grr_pct,
    }


def test_a_partial_book_refuses_what_it_did_not_read(engine: Engine) -> None:
    load_demo(engine, as_of=DEMO_DAY)
    period = Period.month_of(DAY)
    book = load_book(engine, period, DAY, keys=HEADLINE)
    with pytest.raises(ValueError, match="purchases, tickets, usage"):
        book.metrics(period)
    with pytest.raises(ValueError, match="without the usage table"):
        book.values(period, ["nps", "stickiness_pct"])
    with pytest.raises(KeyError, match="'net_new'"):
        book.values(period, ["net_new"])


def test_series_of_a_few_keys_equals_the_full_series(engine: Engine) -> None:
    load_demo(engine, as_of=DEMO_DAY)
    months = last_months(DAY, 12)
    keys = ["nps", "mrr", "mrr_churned", "active_accounts"]
    book = load_book(engine, Period(months[0].start, months[-1].end), DAY, keys=keys)
    series = series_frame(book, months, keys)
    full = monthly_series(engine, 12, DAY)
    assert series.columns == [
        "month",
        "start",
        "end",
        "active_accounts",
        "mrr",
        "mrr_churned",
        "nps",
    ]
    assert series.equals(full.select(series.columns))
    with pytest.raises(ValueError, match="without the tickets table"):
        series_frame(book, months, ["tickets_open_over_48h"])
