"""Computing health scores from a hand-made book (``tests.core.health_book``)."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest
from sqlalchemy import Engine

from core.health.config import COMPONENTS, default_model, parse_model
from core.health.scoring import compute_scores
from tests.core.health_book import AS_OF, Book, healthy, row_of, without_sentiment_or_support


def test_a_healthy_account_scores_100_in_every_component(engine: Engine) -> None:
    book = Book(engine)
    account = healthy(book)
    book.save()
    row = row_of(compute_scores(engine, AS_OF, default_model()), account)
    assert [row[f"{c}_score"] for c in COMPONENTS] == [100.0] * 5
    assert row["score"] == 100.0
    assert row["band"] == "green"
    assert row["left_out"] == []
    assert row["usage_raw"] == {"active_user_ratio": 0.6, "trend_pct": 0.0}


def test_each_component_reads_its_signals(engine: Engine) -> None:
    book = Book(engine)
    account = book.account(seats=10, mrr=80_000, renewal_date=AS_OF + timedelta(days=45))
    book.usage(account, 4, range(30))  # 4 a day now ...
    book.usage(account, 8, range(30, 60))  # ... against 8 before: -50 %
    book.interaction(account, 45, "meeting", sentiment=-1)
    book.interaction(account, 200, "qbr", sentiment=1)  # too old for the 90-day signals
    book.survey(account, "nps", 9, 300)
    book.survey(account, "nps", 3, 100)  # the latest answer counts
    book.survey(account, "csat", 2, 30)
    book.ticket(account, 10, response_hours=30)  # slow, open, past 48 h
    book.ticket(account, 0.5, response_hours=1)  # open for 12 h only (not past 48 h)
    book.ticket(account, 60, response_hours=2, resolved_hours=20)
    book.ticket(account, 200, response_hours=None)  # still open, very old, not recent
    book.movement(account, 400, "new", 100_000)
    book.movement(account, 30, "contraction", -20_000)
    book.save()

    row = row_of(compute_scores(engine, AS_OF, default_model()), account)
    assert row["usage_raw"] == {"active_user_ratio": 0.4, "trend_pct": -50.0}
    assert row["engagement_raw"] == {"days_since_last_interaction": 45.0, "meetings_90d": 1.0}
    assert row["sentiment_raw"] == {
        "latest_nps": 3.0,
        "latest_csat": 2.0,
        "interaction_sentiment": -1.0,
    }
    assert row["support_raw"] == {
        "open_tickets": 3.0,
        "tickets_over_48h": 2.0,
        "slow_first_response_pct": pytest.approx(100 / 3, abs=0.001),
    }
    # 20,000 of the 100,000 the account paid before the contraction; renewal in 45
    # days and the last contact 45 days ago (> 30): unattended.
    assert row["commercial_raw"] == {
        "contraction_pct": 20.0,
        "renewal_unattended": 1.0,
        "renewal_assumed": False,  # its renewal date is known
    }
    # usage: ratio 0.4 -> 60, trend -50 % -> 0; weights 1:2 -> 20
    assert row["usage_score"] == 20.0
    # engagement: 45 days -> 50, one meeting -> 70; 2:1 -> 56.7
    assert row["engagement_score"] == 56.7
    # sentiment: detractor 0 (x2), CSAT 2 -> 0, sentiment -1 -> 0
    assert row["sentiment_score"] == 0.0
    # support: 3 open -> 50, 2 past 48 h -> 20 (x2), slow 33 % -> 33.3; (50+40+33.3)/4
    assert row["support_score"] == 30.8
    # commercial: 20 % contraction -> 20 (x2), unattended -> 0; 40/3
    assert row["commercial_score"] == 13.3


def test_as_of_ignores_later_data(engine: Engine) -> None:
    book = Book(engine)
    account = book.account(seats=10)
    book.usage(account, 5, range(-20, 60))  # rows after as_of too
    book.interaction(account, 10)
    book.interaction(account, -5, "meeting")  # after as_of
    book.survey(account, "nps", 2, -3)  # after as_of
    book.ticket(account, 5, response_hours=1, resolved_hours=24 * 10)  # resolved after as_of
    # older than the recent window: one resolved after as_of, one before it
    book.ticket(account, 200, response_hours=1, resolved_hours=24 * 205)
    book.ticket(account, 200, response_hours=1, resolved_hours=24 * 100)
    book.save()
    row = row_of(compute_scores(engine, AS_OF, default_model()), account)
    assert row["usage_raw"]["trend_pct"] == 0.0
    assert row["engagement_raw"] == {"days_since_last_interaction": 10.0, "meetings_90d": 0.0}
    assert row["sentiment_score"] is None  # the only answer is in the future
    assert row["support_raw"]["open_tickets"] == 2.0  # still open as of then
    assert row["support_raw"]["tickets_over_48h"] == 2.0


def test_the_latest_answer_of_each_kind_within_the_year_counts(engine: Engine) -> None:
    """Each kind's latest answer by as_of and within 365 days, not deleted; of two at
    the same moment, the one recorded last. Accounts with none have no sentiment
    from surveys."""
    from core import models as m
    from tests.core.health_book import at

    book = Book(engine)
    account, quiet = book.account(), book.account()
    book.survey(account, "nps", 9, 400)  # older than a year
    book.survey(account, "nps", 2, 300)
    book.survey(account, "nps", 7, 20)
    book.survey(account, "nps", 8, 20)  # the same moment, recorded last: it counts
    book.rows.append(
        m.SurveyResponse(
            account_id=account, kind="nps", score=0, answered_at=at(5), deleted_at=at(1)
        )
    )
    book.survey(account, "csat", 3, 364)
    book.survey(account, "csat", 5, -1)  # after as_of
    book.survey(quiet, "csat", 1, 366)  # older than a year
    book.interaction(account, 10)
    book.interaction(quiet, 10)
    book.save()
    scores = compute_scores(engine, AS_OF, default_model())
    sentiment = row_of(scores, account)["sentiment_raw"]
    assert (sentiment["latest_nps"], sentiment["latest_csat"]) == (8.0, 3.0)
    quiet_sentiment = row_of(scores, quiet)["sentiment_raw"]
    assert (quiet_sentiment["latest_nps"], quiet_sentiment["latest_csat"]) == (None, None)


def test_accounts_not_alive_at_as_of_are_not_scored(engine: Engine) -> None:
    book = Book(engine)
    alive = book.account()
    gone = book.account(status="churned", churned_at=AS_OF - timedelta(days=1))
    later = book.account(status="churned", churned_at=AS_OF + timedelta(days=10))
    future = book.account(start_date=AS_OF + timedelta(days=1))
    book.save()
    ids = compute_scores(engine, AS_OF, default_model())["account_id"].to_list()
    assert sorted(ids) == [alive, later]
    assert gone not in ids and future not in ids


def test_a_component_without_data_is_left_out_and_weights_renormalise(engine: Engine) -> None:
    account = without_sentiment_or_support(Book(engine), 6)
    row = row_of(compute_scores(engine, AS_OF, default_model()), account)
    # no surveys, no interaction sentiment, no tickets
    assert row["left_out"] == ["sentiment", "support"]
    assert row["sentiment_weight_pct"] is None and row["sentiment_contribution"] is None
    # usage 30, engagement 20, commercial 15 of 65
    assert row["usage_weight_pct"] == 46.15
    assert row["engagement_weight_pct"] == 30.77
    assert row["commercial_weight_pct"] == 23.08


def test_weights_are_normalised_to_percentages(engine: Engine) -> None:
    book = Book(engine)
    account = healthy(book)
    book.save()
    text = "[weights]\nusage = 3\nengagement = 1\nsentiment = 1\nsupport = 0\ncommercial = 5\n"
    model = parse_model(text, "health.toml", base=default_model())
    row = row_of(compute_scores(engine, AS_OF, model), account)
    assert [row[f"{c}_weight_pct"] for c in COMPONENTS] == [30.0, 10.0, 10.0, 0.0, 50.0]
    assert row["left_out"] == []  # a weight of 0 is not "no data"


def test_contributions_add_up_to_the_score(engine: Engine) -> None:
    book = Book(engine)
    accounts = [book.account(seats=7 + n) for n in range(12)]
    for n, account in enumerate(accounts):
        book.usage(account, 1 + n % 7, range(0, 60, 1 + n % 3))
        book.interaction(account, 1 + 7 * n, ("call", "meeting", "qbr")[n % 3], (n % 3) - 1)
        if n % 2:
            book.survey(account, "nps", n % 11, 5 * n)
        if n % 3:
            book.ticket(account, n, response_hours=n * 3)
    book.save()
    frame = compute_scores(engine, AS_OF, default_model())
    assert frame.height == 12
    for row in frame.to_dicts():
        total = sum(row[f"{c}_contribution"] or 0 for c in COMPONENTS)
        assert round(total, 2) == row["score"]
        weights = sum(row[f"{c}_weight_pct"] or 0 for c in COMPONENTS)
        assert weights == pytest.approx(100, abs=0.02)


def test_one_account_reads_the_same_as_the_bulk_path(engine: Engine) -> None:
    book = Book(engine)
    first = healthy(book)
    second = book.account(seats=8, renewal_date=AS_OF + timedelta(days=20))
    book.usage(second, 3, range(45))
    book.interaction(second, 120, "qbr", sentiment=-1)  # only an old interaction
    book.survey(second, "csat", 2, 12)
    book.ticket(second, 4, response_hours=None)
    book.movement(second, 300, "new", 50_000)
    book.movement(second, 20, "contraction", -10_000)
    book.save()
    everyone = compute_scores(engine, AS_OF, default_model()).sort("account_id")
    one_by_one = [compute_scores(engine, AS_OF, default_model(), [i]) for i in (first, second)]
    assert pl.concat(one_by_one).to_dicts() == everyone.to_dicts()
    assert (
        everyone.filter(account_id=second)["engagement_raw"][0]["days_since_last_interaction"]
        == 120.0
    )


def test_contraction_is_a_share_of_the_mrr_90_days_ago(engine: Engine) -> None:
    """1,000 ninety days ago, +1,000 expansion then -500 contraction since: 50 % of
    the MRR 90 days ago (not 25 % of the 2,000 the account paid before contracting).
    A new account (no MRR 90 days ago) is measured against its MRR now plus its loss."""
    book = Book(engine)
    grown = book.account(seats=10)
    book.movement(grown, 200, "new", 100_000)
    book.movement(grown, 60, "expansion", 100_000)
    book.movement(grown, 30, "contraction", -50_000)
    new = book.account(seats=10)
    book.movement(new, 40, "new", 100_000)
    book.movement(new, 10, "contraction", -25_000)
    book.save()
    scores = compute_scores(engine, AS_OF, default_model())
    assert row_of(scores, grown)["commercial_raw"]["contraction_pct"] == 50.0
    assert row_of(scores, new)["commercial_raw"]["contraction_pct"] == 25.0
