"""The metrics engine against real databases: every worked example of domain.md, a
hand-computed three-month book, and the edges of periods."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine

import core.store.frames
from core.metrics import (
    CONTRACT_KEYS,
    MetricOptions,
    Scope,
    compute_breakdown,
    compute_metrics,
    json_ready,
    load_book,
    monthly_series,
)
from core.metrics.model import clv_window_note
from core.periods import Period
from core.store.sqlite_file import SqliteFile
from tests.core.metrics_book import FEB, JAN, LATER, MAR, Q1, BookWriter, at

# -- the worked examples of domain.md ------------------------------------------------


def test_churn_rate_1000_at_start_50_lost_is_5_pct(book: BookWriter) -> None:
    book.accounts(950, date(2023, 6, 1))
    book.accounts(50, date(2023, 6, 1), churned=date(2024, 1, 15))
    book.save()
    metrics = compute_metrics(book.engine, JAN, as_of=LATER)
    assert (metrics.customers_at_start, metrics.churned_accounts) == (1000, 50)
    assert metrics.churn_rate_pct == pytest.approx(5.0)


def test_retention_rate_s_1000_n_100_e_1050_is_95_pct(book: BookWriter) -> None:
    book.accounts(950, date(2023, 6, 1))
    book.accounts(50, date(2023, 6, 1), churned=date(2024, 1, 20))
    book.accounts(100, date(2024, 1, 10))
    book.save()
    metrics = compute_metrics(book.engine, JAN, as_of=LATER)
    assert (metrics.customers_at_start, metrics.new_accounts, metrics.active_accounts) == (
        1000,
        100,
        1050,
    )
    assert metrics.retention_rate_pct == pytest.approx(95.0)


def test_mrr_100_customers_at_50_is_5000(book: BookWriter) -> None:
    book.accounts(100, date(2023, 6, 1), mrr=5000)
    book.accounts(3, date(2023, 6, 1), mrr=5000, churned=date(2023, 12, 1))
    book.save()
    metrics = compute_metrics(book.engine, JAN, as_of=LATER)
    assert metrics.mrr == Decimal("5000.00")


def test_nps_70_pct_promoters_10_pct_detractors_is_60(book: BookWriter) -> None:
    (account,) = book.accounts(1, date(2023, 6, 1))
    for score in [9, 10, 9, 10, 9, 10, 9, 7, 8, 6]:
        book.survey(account, "nps", score, at(date(2024, 1, 5)))
    book.survey(account, "nps", 0, at(date(2024, 2, 1)))  # next month: not counted
    book.save()
    metrics = compute_metrics(book.engine, JAN, as_of=LATER)
    assert (metrics.nps_promoters, metrics.nps_passives, metrics.nps_detractors) == (7, 2, 1)
    assert metrics.nps == pytest.approx(60.0)


def test_csat_400_of_500_satisfied_is_80_pct(book: BookWriter) -> None:
    (account,) = book.accounts(1, date(2023, 6, 1))
    scores = [4] * 250 + [5] * 150 + [3] * 60 + [2] * 25 + [1] * 15
    for index, score in enumerate(scores):
        book.survey(account, "csat", score, at(date(2024, 1, 1 + index % 31)))
    book.save()
    metrics = compute_metrics(book.engine, JAN, as_of=LATER)
    assert metrics.csat_pct == pytest.approx(80.0)
    stricter = compute_metrics(
        book.engine, JAN, as_of=LATER, options=MetricOptions(csat_satisfied_min=5)
    )
    assert stricter.csat_pct == pytest.approx(150 / 500 * 100)


def test_clv_50_dollars_4_purchases_a_year_5_years_is_1000(book: BookWriter) -> None:
    year = Period.year_of(date(2023, 1, 1))
    buyers = book.accounts(4, date(2022, 1, 1))
    book.accounts(1, date(2022, 1, 1), churned=date(2023, 7, 1))  # 1 of 5 lost: lifespan 5 y
    for buyer in buyers:
        for month in (2, 5, 8, 11):
            book.purchase(buyer, at(date(2023, month, 3)), 5000)
    book.save()
    metrics = compute_metrics(book.engine, year, as_of=LATER)
    assert metrics.avg_purchase_value == Decimal("50.00")
    assert metrics.purchases_per_customer == pytest.approx(4.0)
    assert metrics.churn_rate_pct == pytest.approx(20.0)
    assert metrics.clv == Decimal("1000.00")
    # The lifespan can be set instead of derived from churn.
    fixed = compute_metrics(
        book.engine, year, as_of=LATER, options=MetricOptions(lifespan_years=2.5)
    )
    assert fixed.clv == Decimal("500.00")


def test_clv_over_a_month_counts_the_purchases_of_the_year_to_its_end(book: BookWriter) -> None:
    buyers = book.accounts(19, date(2023, 1, 1), mrr=10000)
    book.accounts(1, date(2023, 1, 1), mrr=10000, churned=date(2024, 1, 9))
    book.purchase(buyers[0], at(date(2024, 1, 4)), 3000)
    book.purchase(buyers[0], at(date(2024, 1, 20)), 1000)
    book.purchase(buyers[1], at(date(2023, 3, 10)), 8000)  # in the year to January's end
    book.purchase(buyers[2], at(date(2023, 1, 15)), 5000)  # before it
    book.save()
    metrics = compute_metrics(book.engine, JAN, as_of=LATER)
    # The churn behind the lifespan is the trailing 12 months' (Feb 2023 - Jan 2024):
    # 1 of 20 left, annual churn 1/20, lifespan 20 years. Average purchase value x
    # purchases a year is the revenue per buyer of the same year: ($40 + $80) / 2
    # buyers = $60, not January's $40 x 12: CLV = 60 x 20 = $1,200.
    assert metrics.clv == metrics.clv_purchases == Decimal("1200.00")
    assert metrics.clv_window_months == 12
    # Subscription form: ARPA $100 x 12 / annual churn 0.05 = $24,000.
    assert metrics.clv_subscription == Decimal("24000.00")
    # With a 1-month window, the month's own churn: 1/20 a month, 12/20 a year.
    monthly = compute_metrics(
        book.engine, JAN, as_of=LATER, options=MetricOptions(churn_window_months=1)
    )
    assert monthly.clv == Decimal("100.00") and monthly.clv_subscription == Decimal("2000.00")


def test_clv_over_a_short_purchase_history_says_its_months(book: BookWriter) -> None:
    """Purchases recorded from 4 January only: January's CLV is the revenue per buyer
    of those 28 days (not scaled to a year), and says it rests on 0.9 months."""
    buyers = book.accounts(3, date(2023, 1, 1))
    book.purchase(buyers[0], at(date(2024, 1, 4)), 3000)
    book.purchase(buyers[1], at(date(2024, 1, 20)), 1000)
    book.save()
    options = MetricOptions(lifespan_years=2)
    metrics = compute_metrics(book.engine, JAN, as_of=LATER, options=options)
    assert metrics.clv == Decimal("40.00")  # $40 / 2 buyers x 2 years
    assert metrics.clv_window_months == pytest.approx(28 * 12 / 365.25)
    assert clv_window_note(metrics) == (
        "Assumed: CLV's purchases a year are those of the 0.9 months of purchase history up"
        " to the period's end (less than a year of purchases is recorded)."
    )
    assert clv_window_note(compute_metrics(book.engine, JAN, as_of=LATER)) is None  # no CLV


def test_clv_months_are_the_books_not_a_segments(book: BookWriter) -> None:
    """A purchase a year before January's end, by an account of another segment: the
    book's purchase history is a year long, for every segment and scope (one without
    earlier buyers had no purchases then, which is no want of records)."""
    buyers = book.accounts(2, date(2023, 1, 1))
    book.purchase(buyers[0], at(date(2024, 1, 4)), 3000)
    book.purchase(buyers[1], at(date(2024, 1, 20)), 1000)
    book.purchase(book.account(date(2022, 1, 1), segment="ent"), at(date(2022, 12, 1)), 5000)
    book.save()
    options = MetricOptions(lifespan_years=2)
    scoped = compute_metrics(book.engine, JAN, Scope(segment="smb"), LATER, options)
    assert (scoped.clv, scoped.clv_window_months) == (Decimal("40.00"), 12)
    by_segment = dict(
        compute_breakdown(book.engine, JAN, by="segment", as_of=LATER, options=options)
    )
    assert (by_segment["smb"].clv, by_segment["smb"].clv_window_months) == (Decimal("40.00"), 12)
    assert by_segment["ent"].clv is None  # no buyer in the year to January's end


def test_clv_does_not_swing_with_the_period_length(book: BookWriter) -> None:
    """A book losing about one account a month, none in June. The month's and the
    quarter's CLV agree (the same trailing churn), where the period's own churn rate
    scaled to a year would give June no CLV at all and Q2 one from three churns."""
    for month in range(1, 13):
        book.account(date(2022, 1, 1), mrr=5000, churned=date(2023, month, 15))
    for month in (1, 2, 3, 4, 4, 5):
        book.account(date(2022, 1, 1), mrr=5000, churned=date(2024, month, 15))
    book.accounts(102, date(2022, 1, 1), mrr=5000)
    book.save()
    june = compute_metrics(book.engine, Period.parse("2024-06", LATER), as_of=LATER)
    q2 = compute_metrics(book.engine, Period.parse("2024-Q2", LATER), as_of=LATER)
    assert june.clv_subscription == q2.clv_subscription is not None


def test_repeat_purchase_rate_200_of_1000_is_20_pct(book: BookWriter) -> None:
    buyers = book.accounts(1000, date(2023, 1, 1))
    for index, buyer in enumerate(buyers):
        book.purchase(buyer, at(date(2024, 1, 10)), 1000)
        if index < 200:
            book.purchase(buyer, at(date(2024, 1, 25)), 2000)
        elif index < 300:  # a second purchase on the same day is not a repeat
            book.purchase(buyer, at(date(2024, 1, 10), 18), 500)
    book.save()
    metrics = compute_metrics(book.engine, JAN, as_of=LATER)
    assert metrics.customers_with_purchases == 1000
    assert metrics.repeat_purchase_rate_pct == pytest.approx(20.0)
    assert metrics.purchases_per_customer == pytest.approx(1200 / 1000)
    # (1,000 x $10 + 200 x $20 + 100 x $5) / 1,200 purchases = $12.0833...
    assert metrics.avg_purchase_value == Decimal("12.08")


def test_retention_cost_per_customer_for_the_whole_book_only(book: BookWriter) -> None:
    book.accounts(80, date(2023, 1, 1), segment="smb")
    book.accounts(20, date(2023, 1, 1), segment="ent")
    book.cost(date(2024, 1, 5), 60000)
    book.cost(date(2024, 1, 31), 40000)
    book.cost(date(2024, 2, 1), 99900)
    book.save()
    assert compute_metrics(book.engine, JAN, as_of=LATER).retention_cost_per_customer == Decimal(
        "10.00"
    )
    assert compute_metrics(book.engine, FEB, as_of=LATER).retention_cost_per_customer == Decimal(
        "9.99"
    )
    assert compute_metrics(book.engine, MAR, as_of=LATER).retention_cost_per_customer is None
    scoped = compute_metrics(book.engine, JAN, Scope(segment="ent"), as_of=LATER)
    assert scoped.retention_cost_per_customer is None


def test_stickiness_is_the_average_day_over_the_months_users(book: BookWriter) -> None:
    first, second = book.accounts(2, date(2023, 1, 1))
    # January: the book's MAU is 4 + 2 = 6. Day 1: 4 + 2 = 6, day 2: 2 + 1 = 3.
    for day, users in ((1, 4), (2, 2)):
        book.usage(first, date(2024, 1, day), users)
    for day, users in ((1, 2), (2, 1)):
        book.usage(second, date(2024, 1, day), users)
    book.save()
    metrics = compute_metrics(book.engine, JAN, as_of=LATER)
    assert metrics.stickiness_pct == pytest.approx((6 / 6 + 3 / 6) / 2 * 100)
    assert compute_metrics(book.engine, FEB, as_of=LATER).stickiness_pct is None


def test_support_first_response_resolution_and_long_open_tickets(book: BookWriter) -> None:
    (account,) = book.accounts(1, date(2023, 1, 1))
    opened = at(date(2024, 1, 10), 8)
    for hours in (1, 2, 3, 4, 10):
        book.ticket(account, opened, opened + timedelta(hours=hours), opened + timedelta(days=1))
    book.ticket(account, at(date(2024, 1, 30), 9))  # open, not answered, 38 h old at the end
    book.ticket(account, at(date(2024, 1, 20)), resolved=at(date(2024, 2, 3)))  # late
    book.ticket(account, at(date(2023, 12, 1)))  # opened long before, still open
    book.save()
    metrics = compute_metrics(book.engine, JAN, as_of=LATER)
    assert metrics.first_response_hours_median == pytest.approx(3.0)
    assert metrics.first_response_hours_p90 == pytest.approx(4 + 0.6 * (10 - 4))
    assert metrics.ticket_resolution_rate_pct == pytest.approx(5 / 7 * 100)
    # At the end of January: the December ticket and the one resolved on Feb 3.
    assert metrics.tickets_open_over_48h == 2


def test_onboarding_success_over_accounts_whose_window_ended(book: BookWriter) -> None:
    # Windows of 30 days ending in February: starts from Jan 2 to Jan 30.
    book.account(date(2024, 1, 2), onboarded=date(2024, 1, 20))  # on time
    book.account(date(2024, 1, 5), onboarded=date(2024, 2, 4))  # on the last day
    book.account(date(2024, 1, 10), onboarded=date(2024, 2, 15))  # late
    book.account(date(2024, 1, 12))  # never
    book.account(date(2024, 1, 31), onboarded=date(2024, 2, 2))  # window ends in March
    book.save()
    metrics = compute_metrics(book.engine, FEB, as_of=LATER)
    assert metrics.onboarding_success_rate_pct == pytest.approx(50.0)
    faster = compute_metrics(
        book.engine, FEB, as_of=LATER, options=MetricOptions(onboarding_target_days=25)
    )  # windows ending in February now: starts from Jan 7 to Feb 3
    assert faster.onboarding_success_rate_pct == pytest.approx(1 / 3 * 100)


def test_onboarding_is_no_data_in_a_book_that_records_no_completion(book: BookWriter) -> None:
    """Accounts due with no completion date: 0 % if the book records onboarding at
    all, no data (None, and how many were due) if no account has a completion."""
    book.account(date(2024, 1, 2))
    book.account(date(2024, 1, 12))
    earlier = book.account(date(2023, 6, 1))  # due long before February
    book.save()
    unrecorded = compute_metrics(book.engine, FEB, as_of=LATER)
    assert unrecorded.onboarding_success_rate_pct is None
    assert unrecorded.onboarding_due_unrecorded == 2
    book.change_account(earlier, onboarding_completed_at=date(2023, 6, 20))
    recorded = compute_metrics(book.engine, FEB, as_of=LATER)
    assert recorded.onboarding_success_rate_pct == 0.0
    assert recorded.onboarding_due_unrecorded == 0


def test_a_book_that_records_no_churn_counts_every_account_as_staying(
    book: BookWriter,
) -> None:
    """No churn date, churned status or churn movement anywhere: churn is 0 % and the
    set says how many accounts that rests on. One churn anywhere in the book, even
    outside the scope asked for, and churn is measured: 0 % is then a figure."""
    book.account(date(2023, 6, 1), owner="Ana")
    book.account(date(2023, 6, 1), owner="Bo")
    gone = book.account(date(2023, 6, 1), owner="Bo")
    book.save()
    unrecorded = compute_metrics(book.engine, FEB, as_of=LATER)
    assert (unrecorded.churn_rate_pct, unrecorded.accounts_churn_unrecorded) == (0.0, 3)
    ana = compute_metrics(book.engine, FEB, Scope(owner="Ana"), as_of=LATER)
    assert ana.accounts_churn_unrecorded == 1
    book.change_account(gone, status="churned", churned_at=date(2024, 2, 10))
    recorded = compute_metrics(book.engine, FEB, as_of=LATER)
    assert recorded.churned_accounts == 1 and recorded.accounts_churn_unrecorded == 0
    ana = compute_metrics(book.engine, FEB, Scope(owner="Ana"), as_of=LATER)
    assert (ana.churn_rate_pct, ana.accounts_churn_unrecorded) == (0.0, 0)
    by_owner = dict(compute_breakdown(book.engine, FEB, by="owner", as_of=LATER))
    assert by_owner["Ana"] == ana


def test_renewals_in_30_and_90_days_with_mrr_at_stake(book: BookWriter) -> None:
    as_of = date(2024, 3, 15)
    book.account(date(2023, 1, 1), mrr=10000, renewal=as_of)
    book.account(date(2023, 1, 1), mrr=20000, renewal=as_of + timedelta(days=30))
    book.account(date(2023, 1, 1), mrr=40000, renewal=as_of + timedelta(days=31))
    book.account(date(2023, 1, 1), mrr=80000, renewal=as_of + timedelta(days=90))
    book.account(date(2023, 1, 1), mrr=99999, renewal=as_of + timedelta(days=91))
    book.account(date(2023, 1, 1), mrr=77777, renewal=as_of - timedelta(days=1))
    book.account(date(2023, 1, 1), mrr=55555, renewal=as_of + timedelta(days=5), churned=as_of)
    book.account(date(2023, 1, 1), mrr=12345)  # no renewal date
    book.save()
    metrics = compute_metrics(book.engine, Period.month_of(as_of), as_of=as_of)
    assert (metrics.renewals_30d_count, metrics.renewals_30d_mrr) == (2, Decimal("300.00"))
    assert (metrics.renewals_60d_count, metrics.renewals_60d_mrr) == (3, Decimal("700.00"))
    assert (metrics.renewals_90d_count, metrics.renewals_90d_mrr) == (4, Decimal("1500.00"))


# -- MRR movements, GRR and NRR over three months ----------------------------------


def test_january_expansion_and_churn(three_months: BookWriter) -> None:
    m = compute_metrics(three_months.engine, JAN, as_of=LATER)
    start = 100 + 200 + 120 + 300
    assert (m.customers_at_start, m.active_accounts, m.churned_accounts, m.new_accounts) == (
        4,
        3,
        1,
        0,
    )
    assert m.mrr_at_start == Decimal(start)
    assert m.mrr == Decimal(150 + 200 + 300)
    assert (m.mrr_new, m.mrr_expansion, m.mrr_contraction, m.mrr_churned) == (0, 50, 0, -120)
    assert m.net_new_mrr == Decimal(50 - 120) == m.mrr - m.mrr_at_start
    assert m.grr_pct == pytest.approx((start - 120) / start * 100)
    assert m.nrr_pct == pytest.approx((start + 50 - 120) / start * 100)
    assert m.churn_rate_pct == pytest.approx(25.0)
    assert m.retention_rate_pct == pytest.approx(75.0)


def test_february_new_and_contraction(three_months: BookWriter) -> None:
    m = compute_metrics(three_months.engine, FEB, as_of=LATER)
    start = 150 + 200 + 300
    assert (m.customers_at_start, m.active_accounts, m.churned_accounts, m.new_accounts) == (
        3,
        4,
        0,
        1,
    )
    assert (m.mrr_new, m.mrr_contraction, m.net_new_mrr) == (80, -50, 30)
    assert m.mrr == Decimal(150 + 150 + 80 + 300)
    # The new account's MRR is not part of retention.
    assert m.grr_pct == pytest.approx((start - 50) / start * 100)
    assert m.nrr_pct == m.grr_pct
    assert m.retention_rate_pct == pytest.approx((4 - 1) / 3 * 100)


def test_march_churn_and_comeback(three_months: BookWriter) -> None:
    m = compute_metrics(three_months.engine, MAR, as_of=LATER)
    start = 150 + 150 + 80 + 300
    assert (m.customers_at_start, m.active_accounts, m.churned_accounts, m.new_accounts) == (
        4,
        4,
        1,
        1,
    )
    assert (m.mrr_reactivation, m.mrr_churned, m.net_new_mrr) == (120, -150, -30)
    assert m.mrr == Decimal(150 + 80 + 120 + 300)
    assert m.grr_pct == pytest.approx((start - 150) / start * 100)
    assert m.nrr_pct == m.grr_pct


def test_the_quarter_follows_the_start_cohort(three_months: BookWriter) -> None:
    m = compute_metrics(three_months.engine, Q1, as_of=LATER)
    start = 100 + 200 + 120 + 300
    # Cohort A, B, D, E: +50 expansion, -50 contraction, -120 and -150 churn.
    assert m.grr_pct == pytest.approx((start - 50 - 270) / start * 100)
    assert m.nrr_pct == pytest.approx((start + 50 - 50 - 270) / start * 100)
    assert (m.churned_accounts, m.new_accounts, m.active_accounts) == (2, 1, 4)
    assert m.net_new_mrr == m.mrr - m.mrr_at_start == Decimal(-70)


def test_as_of_hides_what_happened_later(three_months: BookWriter) -> None:
    m = compute_metrics(three_months.engine, MAR, as_of=date(2024, 3, 5))
    assert (m.mrr_reactivation, m.mrr_churned) == (120, 0)
    assert m.active_accounts == 5
    assert m.mrr == Decimal(150 + 150 + 80 + 120 + 300)


def test_breakdown_by_owner_adds_up(three_months: BookWriter) -> None:
    whole = compute_metrics(three_months.engine, Q1, as_of=LATER)
    groups = compute_breakdown(three_months.engine, Q1, by="owner", as_of=LATER)
    assert [group for group, _ in groups] == ["Ana", "Bo"]
    for key in ("mrr", "net_new_mrr", "mrr_churned", "active_accounts", "new_accounts"):
        assert sum(metrics.get(key) for _, metrics in groups) == whole.get(key)
    bo = compute_metrics(three_months.engine, Q1, Scope(owner="Bo"), as_of=LATER)
    assert dict(groups)["Bo"] == bo


def test_series_is_each_month_as_of_its_end_from_one_read(
    three_months: BookWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[object] = []
    real, real_file = core.store.frames.read_frames, SqliteFile.read

    def counting(
        engine: Engine, queries: dict[str, Any], **options: Any
    ) -> dict[str, pl.DataFrame]:
        reads.extend(queries.values())
        return real(engine, queries, **options)

    def counting_file(file: SqliteFile, queries: dict[str, Any]) -> dict[str, pl.DataFrame]:
        reads.extend(queries.values())  # a SQLite engine's whole book: compiled ahead
        return real_file(file, queries)

    monkeypatch.setattr(core.store.frames, "read_frames", counting)
    monkeypatch.setattr(SqliteFile, "read", counting_file)
    series = monthly_series(three_months.engine, 3, as_of=date(2024, 3, 20))
    tables_read = len(reads)
    compute_metrics(three_months.engine, JAN, as_of=date(2024, 3, 20))
    # The series reads each table once, whatever the number of months; usage twice:
    # whole months from the monthly rollup, and March (cut by the as-of date) from
    # daily rows, where January alone is one whole month.
    assert tables_read == len(reads) - tables_read + 1
    assert series["month"].to_list() == [JAN.start, FEB.start, MAR.start]
    for row, (month, as_of) in zip(
        series.iter_rows(named=True),
        [(JAN, JAN.end), (FEB, FEB.end), (MAR, date(2024, 3, 20))],
        strict=True,
    ):
        expected = compute_metrics(three_months.engine, month, as_of=as_of)
        assert {key: row[key] for key in CONTRACT_KEYS} == expected.contract()


def test_a_book_with_its_edges_computed_ahead_gives_the_same_figures(
    three_months: BookWriter,
) -> None:
    book = load_book(three_months.engine, Q1, LATER)
    edges = [JAN.start - timedelta(days=1), JAN.end, FEB.end, MAR.end]
    ahead = book.with_edges(edges)
    assert sorted(ahead.edges) == edges
    assert ahead.edges[FEB.end][1].height == book.mrr_at(FEB.end).height > 0
    for period in (JAN, FEB, MAR, Q1):
        for by in (None, "owner"):
            assert ahead.metrics(period, period.end, by) == book.metrics(period, period.end, by)


# -- period edges ------------------------------------------------------------------


def test_churned_on_the_last_day_of_a_month_counts_in_that_month(book: BookWriter) -> None:
    book.accounts(3, date(2023, 6, 1), mrr=1000)
    book.account(date(2023, 6, 1), mrr=1000, churned=date(2024, 1, 31))
    book.save()
    january = compute_metrics(book.engine, JAN, as_of=LATER)
    february = compute_metrics(book.engine, FEB, as_of=LATER)
    assert (january.churned_accounts, january.active_accounts) == (1, 3)
    assert january.mrr_churned == Decimal("-10.00")
    assert (february.customers_at_start, february.churned_accounts) == (3, 0)
    assert february.churn_rate_pct == 0.0


def test_a_purchase_at_23_59_belongs_to_its_day(book: BookWriter) -> None:
    first, second = book.accounts(2, date(2023, 6, 1))
    book.purchase(first, at(date(2024, 1, 31), 23, 59, 59), 1000)
    book.purchase(first, at(date(2024, 2, 1), 0, 0, 0), 3000)
    book.purchase(second, at(date(2024, 1, 31), 23, 59), 500)
    book.purchase(second, at(date(2024, 1, 31), 0, 1), 500)
    book.save()
    january = compute_metrics(book.engine, JAN, as_of=LATER)
    february = compute_metrics(book.engine, FEB, as_of=LATER)
    assert (january.customers_with_purchases, february.customers_with_purchases) == (2, 1)
    assert january.avg_purchase_value == Decimal("10.00")  # 10 and 5 + 5 on one day
    assert january.repeat_purchase_rate_pct == 0.0
    assert february.avg_purchase_value == Decimal("30.00")


def test_a_range_spanning_a_year_end(book: BookWriter) -> None:
    winter = Period.parse("2023-11-15..2024-01-14", LATER)
    book.accounts(9, date(2023, 1, 1))
    book.account(date(2023, 1, 1), churned=date(2023, 12, 31))
    book.account(date(2023, 1, 1), churned=date(2024, 1, 14))
    book.account(date(2023, 1, 1), churned=date(2024, 1, 15))  # the day after
    book.account(date(2023, 11, 14), churned=date(2023, 11, 30))  # joined the day before
    (survey,) = book.accounts(1, date(2024, 1, 1))
    book.survey(survey, "nps", 10, at(date(2023, 11, 15), 0))
    book.survey(survey, "nps", 0, at(date(2024, 1, 14), 23, 59, 59))
    book.survey(survey, "nps", 0, at(date(2024, 1, 15), 0))
    book.save()
    m = compute_metrics(book.engine, winter, as_of=LATER)
    assert (m.customers_at_start, m.churned_accounts, m.new_accounts) == (13, 3, 1)
    assert m.churn_rate_pct == pytest.approx(3 / 13 * 100)
    assert (m.nps_promoters, m.nps_detractors) == (1, 1)
    # In 2023-Q4 the account of November 14 joins and leaves: new, but not lost.
    q4 = compute_metrics(book.engine, Q1.previous(), as_of=LATER)
    assert (q4.customers_at_start, q4.churned_accounts, q4.new_accounts) == (12, 1, 1)


def test_an_empty_period_is_no_data_not_zero(book: BookWriter) -> None:
    m = compute_metrics(book.engine, JAN, as_of=LATER)
    assert all(m.get(key) is None for key in RATE_KEYS)
    assert m.active_accounts == m.nps_promoters == m.tickets_open_over_48h == 0
    assert m.mrr == Decimal("0.00")
    book.accounts(2, date(2024, 3, 1))  # customers only later
    book.save()
    assert compute_metrics(book.engine, JAN, as_of=LATER).churn_rate_pct is None
    json = json_ready(compute_metrics(book.engine, JAN, as_of=LATER))
    assert list(json) == list(CONTRACT_KEYS)
    assert json["nps"] is None and json["mrr"] == 0


RATE_KEYS = [
    key
    for key in CONTRACT_KEYS
    if key.endswith("_pct")
    or key in {"nps", "avg_purchase_value", "purchases_per_customer", "clv"}
    or key.startswith("first_response")
]


def test_a_period_after_the_as_of_date_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="after the as-of date"):
        compute_metrics(engine, FEB, as_of=date(2024, 1, 31))
