"""A saved filter as a metrics scope: its figures are those of a book that holds only
its accounts (the filter's list-only parts play no part)."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine, delete
from sqlmodel import select

from core.config.saved_filters import SavedFilter
from core.metrics import Scope, compute_metrics, monthly_series
from core.models import Account, RetentionCost
from core.periods import Period
from core.store.frames import read_frame
from sample_data.generator import DEMO_ANCHOR, Spec, generate_into

SPEC = Spec(accounts=120, days=240, interactions_per_year=40.0, chunk_accounts=50)
SAVED = SavedFilter(
    name="growing SMB and mid-market",
    segments=frozenset({"SMB", "Mid-market"}),
    owners=frozenset(
        {"Aiko Tanaka", "Jonas Becker", "Lucas Ferreira", "Priya Raman", "Sam Whitfield"}
    ),
    plans=frozenset({"Starter", "Growth"}),
    statuses=frozenset({"active", "churned"}),
    # list-only: they must not narrow the metrics
    bands=frozenset({"red"}),
    renewal_within_days=10,
)
PERIODS = (
    Period.parse("quarter", DEMO_ANCHOR),
    Period.parse("month", DEMO_ANCHOR - timedelta(days=62)),
    Period(DEMO_ANCHOR - timedelta(days=200), DEMO_ANCHOR),
)


def test_scope_as_dict_keeps_segment_and_owner_and_adds_what_is_set() -> None:
    assert Scope(segment="SMB").as_dict() == {"segment": "SMB", "owner": None}
    assert Scope.from_saved(SAVED).as_dict() == {
        "segment": None,
        "owner": None,
        "filter": SAVED.name,
        "segments": ["Mid-market", "SMB"],
        "owners": sorted(SAVED.owners),
        "plans": ["Growth", "Starter"],
        "statuses": ["active", "churned"],
    }
    assert not Scope.from_saved(SAVED).is_whole_book
    assert Scope.from_saved(SavedFilter(name="everything")).is_whole_book


@pytest.mark.postgres
def test_a_saved_filter_scope_is_the_book_of_only_its_accounts(engine: Engine) -> None:
    generate_into(engine, SPEC, seed=3)
    scope = Scope.from_saved(SAVED)
    scoped = [compute_metrics(engine, period, scope, DEMO_ANCHOR) for period in PERIODS]
    scoped_series = monthly_series(engine, 6, DEMO_ANCHOR, scope)
    whole = compute_metrics(engine, PERIODS[0], None, DEMO_ANCHOR)

    accounts = read_frame(
        engine, select(Account.id, Account.segment, Account.owner, Account.plan, Account.status)
    )
    kept = accounts.filter(
        pl.col("segment").is_in(sorted(SAVED.segments)),
        pl.col("owner").is_in(sorted(SAVED.owners)),
        pl.col("plan").is_in(sorted(SAVED.plans)),
        pl.col("status").is_in(sorted(SAVED.statuses)),
    )
    assert 10 <= kept.height <= accounts.height - 30
    assert scoped[0] != whole
    with engine.begin() as connection:  # the accounts' rows go with them (ON DELETE CASCADE)
        connection.execute(delete(Account).where(Account.id.not_in(kept["id"].to_list())))
        connection.execute(delete(RetentionCost))  # costs belong to the whole book only

    alone = [compute_metrics(engine, period, None, DEMO_ANCHOR) for period in PERIODS]
    assert scoped == alone
    assert_frame_equal(scoped_series, monthly_series(engine, 6, DEMO_ANCHOR))
    assert scoped[0].active_accounts > 0 and scoped[2].churned_accounts > 0
