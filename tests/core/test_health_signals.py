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
