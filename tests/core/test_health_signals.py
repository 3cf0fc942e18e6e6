"""The signals behind a score in words, and the component that costs the most."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from core.health.config import default_model
from core.health.scoring import COMPONENTS, compute_scores
from core.health.signals import largest_drag, signal_words
from tests.core.health_book import AS_OF, Book, row_of


def test_each_signal_in_words(engine: Engine) -> None:
    book = Book(engine)
    account = book.account(seats=10, mrr=80_000, renewal_date=AS_OF + timedelta(days=45))
    book.usage(account, 4, range(30))
    book.usage(account, 8, range(30, 60))
    book.interaction(account, 45, "meeting", sentiment=-1)
    book.survey(account, "nps", 3, 100)
    book.ticket(account, 10, response_hours=30)
    book.ticket(account, 3, response_hours=30)
    book.movement(account, 400, "new", 100_000)
    book.movement(account, 30, "contraction", -20_000)
    book.save()
    row = row_of(compute_scores(engine, AS_OF, default_model()), account)
    words = {name: signal_words(row[f"{name}_raw"]) for name in COMPONENTS}
    assert words["usage"] == ["40 % of seats active", "usage -50 % vs the previous 30 days"]
    assert words["engagement"] == ["last interaction 45 days ago", "1 meeting or QBR in 90 days"]
    assert words["sentiment"][0] == "detractor (NPS 3)"
    assert words["support"][:2] == ["2 tickets open", "2 tickets open over 48 h"]
    assert words["commercial"] == ["MRR -20 % in 90 days", "renewal close and nobody in touch"]


def test_a_renewal_taken_from_the_start_date_says_so(engine: Engine) -> None:
    """No renewal date: the renewal looked at is the start date's anniversary, here in
    20 days, and the words say it is assumed; a known date's words do not."""
    book = Book(engine)
    undated = book.account(start_date=AS_OF - timedelta(days=365 - 20), renewal_date=None)
    dated = book.account(renewal_date=AS_OF + timedelta(days=20))
    for account in (undated, dated):
        book.interaction(account, 45)
    book.save()
    scores = compute_scores(engine, AS_OF, default_model())
    undated_raw, dated_raw = (
        row_of(scores, account)["commercial_raw"] for account in (undated, dated)
    )
    assert undated_raw["renewal_unattended"] == dated_raw["renewal_unattended"] == 1.0
    assert signal_words(undated_raw)[-1] == (
        "renewal close, taken as the start date's anniversary (no renewal date),"
        " and nobody in touch"
    )
    assert signal_words(dated_raw)[-1] == "renewal close and nobody in touch"


def test_the_largest_drag_is_the_component_that_costs_most() -> None:
    components = {
        "usage": {"raw": {"trend_pct": -10.0}, "score": 80.0, "weight_pct": 30.0},  # -6
        "support": {"raw": {"open_tickets": 4.0}, "score": 20.0, "weight_pct": 15.0},  # -12
        "sentiment": {"raw": {}, "score": None, "weight_pct": None},  # left out
    }
    assert largest_drag(components) == "support -12 pts: 4 tickets open"
    healthy = {"usage": {"raw": {}, "score": 100.0, "weight_pct": 100.0}}
    assert largest_drag(healthy) is None
    assert signal_words(3.5) == [] and signal_words({"latest_nps": None}) == []
