"""The accounts list and the account 360 queries, on a small hand-made book."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import polars as pl
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from core.accounts.queries import (
    AccountFilter,
    account_detail,
    apply_filter,
    book_summary,
    count_accounts,
    load_accounts,
    sort_accounts,
)
from core.models import Interaction
from tests.tui.book import ROWS, TODAY, make_book

pytestmark = pytest.mark.postgres

TODAY_AT = datetime.combine(TODAY, time(9), tzinfo=UTC)


@pytest.fixture
def book(engine: Engine) -> dict[str, int]:
    return make_book(engine)


def _row(frame: pl.DataFrame, name: str) -> dict:
    return frame.filter(pl.col("name") == name).row(0, named=True)


def test_empty_database_has_no_accounts(engine: Engine) -> None:
    assert count_accounts(engine) == 0
    assert load_accounts(engine, TODAY).height == 0


def test_list_has_one_row_per_account_with_its_figures(engine: Engine, book) -> None:
    frame = load_accounts(engine, TODAY)
    assert frame.height == len(ROWS)
    acme = _row(frame, "Acme Corp")
    assert acme["mrr_cents"] == 1_200_000
    assert acme["health_score"] == pytest.approx(82.0)
    assert acme["health_band"] == "green"
    assert acme["trend_30d"] == pytest.approx(12.0)
    assert acme["trend"] == "up"
    assert _row(frame, "Initech")["trend"] == "flat"
    assert _row(frame, "Globex")["trend"] == "down"
    assert acme["days_to_renewal"] == 45
    assert acme["days_since_interaction"] == 3
    assert acme["open_tickets"] == 1
    vandelay = _row(frame, "Vandelay Industries")
    assert vandelay["days_since_interaction"] is None
    assert vandelay["last_interaction_at"] is None


def test_active_override_wins_and_computed_score_stays(engine: Engine, book) -> None:
    hooli = _row(load_accounts(engine, TODAY), "Hooli")
    assert hooli["overridden"] is True
    assert hooli["health_score"] == pytest.approx(30.0)
    assert hooli["health_band"] == "red"
    assert hooli["computed_score"] == pytest.approx(64.0)
    # after it expires, the computed score is back
    later = _row(load_accounts(engine, TODAY + timedelta(days=25)), "Hooli")
    assert later["overridden"] is False
    assert later["health_score"] == pytest.approx(64.0)


def test_deleted_interactions_do_not_count(engine: Engine, book) -> None:
    with Session(engine) as session:
        session.add(
            Interaction(
                account_id=book["Globex"],
                kind="note",
                occurred_at=TODAY_AT,
                logged_by="x",
                summary="deleted",
                deleted_at=TODAY_AT,
            )
        )
        session.commit()
    assert _row(load_accounts(engine, TODAY), "Globex")["days_since_interaction"] == 40


def test_search_matches_name_and_external_id_case_blind(engine: Engine, book) -> None:
    frame = load_accounts(engine, TODAY)
    names = apply_filter(frame, AccountFilter(search="INI"))["name"].to_list()
    assert names == ["Initech"]
    assert apply_filter(frame, AccountFilter(search="ext-1003"))["name"].to_list() == [
        "Umbrella Health"
    ]
    assert apply_filter(frame, AccountFilter(search="[")).height == 0


def test_filters_combine(engine: Engine, book) -> None:
    frame = load_accounts(engine, TODAY)
    mine = apply_filter(frame, AccountFilter(my_book="Test User"))
    assert mine.height == sum(1 for row in ROWS if row[2] == "Test User")
    red_enterprise = apply_filter(
        frame, AccountFilter(segments=frozenset({"Enterprise"}), bands=frozenset({"red"}))
    )
    assert sorted(red_enterprise["name"]) == ["Globex", "Hooli"]
    renewing = apply_filter(frame, AccountFilter(renewal_within_days=30))
    assert sorted(renewing["name"]) == ["Globex", "Umbrella Health", "Vandelay Industries"]
    quiet = apply_filter(frame, AccountFilter(no_interaction_days=60))
    assert sorted(quiet["name"]) == ["Hooli", "Soylent Foods", "Vandelay Industries"]
    pro = apply_filter(frame, AccountFilter(plans=frozenset({"Pro"})))
    assert sorted(pro["name"]) == sorted(row[0] for row in ROWS if row[3] > 1_000)
    assert AccountFilter(plans=frozenset({"Pro"})).describe() == ["plan: Pro"]
    assert AccountFilter(renewal_within_days=30, my_book="Test User").describe() == [
        "my book (Test User)",
        "renewal within 30 d",
    ]


def test_sort_puts_missing_values_last(engine: Engine, book) -> None:
    frame = load_accounts(engine, TODAY)
    by_touch = sort_accounts(frame, "days_since_interaction", descending=True)
    assert by_touch["name"][0] == "Soylent Foods"
    assert by_touch["name"][-1] == "Vandelay Industries"
    by_mrr = sort_accounts(frame, "mrr_cents", descending=False)
    assert by_mrr["mrr_cents"].is_sorted()


@pytest.mark.parametrize("descending", [True, False])
def test_by_mrr_churned_accounts_come_after_the_paying_ones(descending: bool) -> None:
    """A churned account's MRR is what it lost (the list says "lost $66"): sorted by
    MRR it follows every live account, whichever way, not among those who pay $66.
    An account of no MRR ever recorded (Echo, Foxtrot: "—", unknown) comes last."""
    frame = pl.DataFrame(
        {
            "name": ["Alpha", "Bravo", "Charlie", "Delta", "Foxtrot", "Echo"],
            "status": ["active", "churned", "active", "churned", "churned", "onboarding"],
            "mrr_cents": [6_600, 6_600, 12_000, 50_000, 0, 0],
            "mrr_recorded": [True, True, True, True, False, False],
        }
    )
    ordered = sort_accounts(frame, "mrr_cents", descending)["name"].to_list()
    live = ["Charlie", "Alpha"] if descending else ["Alpha", "Charlie"]
    churned = ["Delta", "Bravo"] if descending else ["Bravo", "Delta"]
    assert ordered == [*live, *churned, "Echo", "Foxtrot"]


def test_book_summary(engine: Engine, book) -> None:
    summary = book_summary(load_accounts(engine, TODAY))
    assert summary.accounts == len(ROWS)
    assert summary.mrr_cents == sum(row[3] for row in ROWS) * 100
    assert sum(summary.bands.values()) == len(ROWS)
    assert summary.renewing_30d == 3


def test_account_detail(engine: Engine, book) -> None:
    detail = account_detail(engine, book["Hooli"], TODAY)
    assert detail.account["name"] == "Hooli"
    assert detail.health is not None
    assert detail.health["score"] == pytest.approx(64.0)
    assert set(detail.health["components"]) == {
        "usage",
        "engagement",
        "sentiment",
        "support",
        "commercial",
    }
    assert detail.override is not None
    assert detail.override["reason"] == "Champion left the company"
    assert detail.health_history["day"].is_sorted()
    assert detail.open_tickets.height == 2
    timeline = detail.timeline
    assert timeline["at"].is_sorted(descending=True)
    assert set(timeline["source"]) == {"interaction", "survey", "ticket", "mrr"}
    assert detail.mrr_history["mrr_after_cents"][0] == 1_500_000
    with pytest.raises(LookupError):
        account_detail(engine, 999_999, TODAY)
