"""The dashboard's lists and band counts on a hand-made book."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from core.accounts.queries import load_accounts_first
from core.health.config import BANDS
from core.metrics import Period, Scope, compute_metrics
from core.metrics.dashboard import (
    at_risk_accounts,
    band_counts,
    band_history,
    bands_on,
    monthly_figures,
    period_figures,
    read_months,
    renewals_due,
)
from core.models import Account, HealthSnapshot
from tests.rows import new_account, new_override

TODAY = date(2025, 5, 20)

# name, owner, segment, mrr dollars, score today, score 30 days ago, renewal in days, status
ACCOUNTS = [
    ("Red big", "Ana", "ent", 9_000, 30.0, 35.0, 200, "active"),
    ("Falling", "Bo", "ent", 5_000, 60.0, 80.0, 10, "active"),
    ("Fell 15 exactly", "Ana", "smb", 700, 55.0, 70.0, 90, "active"),
    ("Fell 14", "Ana", "smb", 8_000, 56.0, 70.0, 91, "active"),
    ("Red small", "Bo", "smb", 300, 20.0, None, 0, "onboarding"),
    ("Churned red", "Ana", "smb", 50_000, 10.0, 50.0, 5, "churned"),
    ("Healthy", "Ana", "ent", 4_000, 90.0, 85.0, -1, "active"),
    ("Overridden", "Bo", "ent", 2_000, 75.0, 75.0, 30, "active"),
]


def _band(score: float) -> str:
    return "green" if score >= 70 else "yellow" if score >= 40 else "red"


@pytest.fixture
def ids(engine: Engine) -> dict[str, int]:
    found: dict[str, int] = {}
    with Session(engine) as session:
        for number, (name, owner, segment, mrr, now, before, renew, status) in enumerate(ACCOUNTS):
            account = Account(
                external_id=f"a-{number}",
                name=name,
                segment=segment,
                plan="pro",
                owner=owner,
                mrr_cents=mrr * 100,
                start_date=TODAY - timedelta(days=400),
                renewal_date=TODAY + timedelta(days=renew),
                status=status,
                churned_at=TODAY - timedelta(days=3) if status == "churned" else None,
            )
            session.add(account)
            session.flush()
            assert account.id is not None
            found[name] = account.id
            days = {0: now} if before is None else {0: now, 30: before}
            for days_ago, score in days.items():
                session.add(
                    HealthSnapshot(
                        account_id=account.id,
                        day=TODAY - timedelta(days=days_ago),
                        score=score,
                        band=_band(score),
                    )
                )
        new_override(session, found["Overridden"], TODAY, starts=-1, expires=10, band="red")
        session.commit()
    return found


def test_at_risk_is_red_or_down_15_ranked_by_mrr(engine: Engine, ids: dict[str, int]) -> None:
    frame = at_risk_accounts(load_accounts_first(engine, TODAY))
    assert frame.select("name", "reason").rows() == [
        ("Red big", "red"),
        ("Falling", "down 20 pts"),
        ("Overridden", "red"),
        ("Fell 15 exactly", "down 15 pts"),
        ("Red small", "red"),
    ]
    assert frame["id"].to_list()[0] == ids["Red big"]
    assert frame["mrr_cents"].to_list()[0] == 900_000


def test_at_risk_in_a_scope(engine: Engine, ids: dict[str, int]) -> None:
    accounts = load_accounts_first(engine, TODAY)
    mine = at_risk_accounts(accounts, Scope(owner="Bo"))
    assert mine["name"].to_list() == ["Falling", "Overridden", "Red small"]
    assert at_risk_accounts(accounts, Scope(segment="smb", owner="Ana"))["name"].to_list() == [
        "Fell 15 exactly"
    ]


def test_renewals_in_the_next_90_days_soonest_first(engine: Engine, ids: dict[str, int]) -> None:
    frame = renewals_due(load_accounts_first(engine, TODAY), TODAY)
    assert frame.select("name", "days_to_renewal").rows() == [
        ("Red small", 0),
        ("Falling", 10),
        ("Overridden", 30),
        ("Fell 15 exactly", 90),
    ]
    assert frame.filter(name="Overridden")["health_band"].to_list() == ["red"]
    assert renewals_due(load_accounts_first(engine, TODAY), TODAY, days=10).height == 2


def test_band_counts_use_the_band_in_force(engine: Engine, ids: dict[str, int]) -> None:
    # today: green Healthy; yellow Falling, Fell 15, Fell 14; red Red big, Red small
    # and Overridden (by override); not Churned red, which left 3 days ago (its
    # snapshot of today does not make it a customer: a month ago it was, yellow)
    assert band_counts(engine, TODAY) == {"green": 1, "yellow": 3, "red": 3}
    assert band_counts(engine, TODAY, Scope(owner="Bo")) == {"green": 0, "yellow": 1, "red": 2}
    month_ago = TODAY - timedelta(days=30)
    assert band_counts(engine, month_ago) == {"green": 5, "yellow": 1, "red": 1}
    history = band_history(engine, [month_ago, TODAY], Scope(segment="ent"))
    assert history.rows() == [(month_ago, 3, 0, 1), (TODAY, 1, 1, 2)]
    assert band_counts(engine, TODAY - timedelta(days=61)) == {"green": 0, "yellow": 0, "red": 0}


def test_an_account_back_after_a_churn_counts_while_scored(
    engine: Engine, ids: dict[str, int]
) -> None:
    """Only a churned account is left out of the days after it left: one that came
    back (active again, its old churn date kept) counts like any other, and the
    churned one still counts on a day it was a customer."""
    with Session(engine) as session:
        back = new_account(
            session,
            "back",
            owner="Ana",
            status="active",
            start_date=TODAY - timedelta(days=400),
            churned_at=TODAY - timedelta(days=100),
        )
        session.add(HealthSnapshot(account_id=back, day=TODAY, score=90.0, band="green"))
        session.commit()
    assert band_counts(engine, TODAY) == {"green": 2, "yellow": 3, "red": 3}
    left = ids["Churned red"]  # left 3 days ago: yellow by its snapshot of 30 days ago
    before = bands_on(engine, TODAY - timedelta(days=4)).filter(pl.col("account_id") == left)
    assert before["band"].to_list() == ["yellow"]
    assert bands_on(engine, TODAY).filter(pl.col("account_id") == left).is_empty()


def test_band_history_applies_the_override_in_force_each_day(
    engine: Engine, ids: dict[str, int]
) -> None:
    """One read for every day: an override counts only on the days it is in force,
    an ended one never, the newest wins, and one that set only a score has the band
    of that score."""
    ended = datetime(2025, 5, 1, tzinfo=UTC)
    with Session(engine) as session:
        # in force from starts to expires days from TODAY
        for name, starts, expires, values in (
            ("Healthy", -40, -20, {"score": 10.0}),  # a score only (red), 40 to 21 days ago
            ("Red big", -35, 5, {"band": "green", "ended_at": ended}),  # ended: never counts
            ("Falling", -32, 5, {"band": "green"}),
            ("Falling", -31, 5, {"band": "red"}),  # the newer: it wins
        ):
            new_override(session, ids[name], TODAY, starts=starts, expires=expires, **values)
        session.commit()
    month_ago, twenty_ago = TODAY - timedelta(days=30), TODAY - timedelta(days=20)
    history = band_history(engine, [TODAY, month_ago, twenty_ago])
    assert history.rows() == [  # in the order asked: day, green, yellow, red
        # Healthy's override has expired; Falling and Overridden red by override;
        # Churned red has left
        (TODAY, 1, 2, 4),
        # Healthy red by its override's score, Falling red, Red big red (ended override)
        (month_ago, 3, 1, 3),
        # Healthy's override expires that day: green again; Red small has no snapshot
        (twenty_ago, 4, 1, 2),
    ]
    for day, *counts in history.rows():
        assert band_counts(engine, day) == dict(zip(BANDS, counts, strict=True))


def test_figures_are_the_metrics_and_band_counts_of_their_periods(
    engine: Engine, ids: dict[str, int]
) -> None:
    keys = ["mrr", "active_accounts", "churn_rate_pct"]
    month = Period.month_of(TODAY)
    figures = period_figures(engine, month, Scope(), TODAY, keys)
    for values, period in ((figures.now, month), (figures.before, month.previous())):
        metrics = compute_metrics(engine, period, as_of=TODAY)
        assert values == {key: metrics.get(key) for key in keys}
    assert figures.bands_now == band_counts(engine, TODAY)
    assert figures.bands_before == band_counts(engine, month.previous().end)

    monthly = monthly_figures(read_months(engine, TODAY, Scope(), keys, months=3), keys)
    ends = [date(2025, 3, 31), date(2025, 4, 30), TODAY]
    assert monthly.metrics["end"].to_list()[:2] == ends[:2]
    assert monthly.metrics["mrr"].to_list()[-1] == figures.now["mrr"]
    assert monthly.bands.rows() == band_history(engine, ends).rows()
