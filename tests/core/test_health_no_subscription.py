"""An account without a subscription (no MRR, no MRR movement, no renewal date: a
buyer of an order log) has no commercial signal: no MRR to contract, no renewal to
attend to. Its commercial component is left out (domain.md: a component without data
is left out, no data is not good news); an account with an MRR keeps its own."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from core.health.config import default_model
from core.health.scoring import compute_scores
from core.models import Interaction, Purchase
from tests.rows import new_account

AS_OF = date(2026, 6, 15)


def test_a_buyer_without_subscription_has_no_commercial_signal(engine: Engine) -> None:
    """Both accounts started a year ago to the week (their anniversary within the
    90-day renewal window) and were called 60 days ago (nobody in touch for 30 days):
    the subscriber's renewal is close and unattended; the buyer's first purchase day
    was taken for a renewal too, and its MRR $0 for 'no contraction' (commercial 67)."""
    with Session(engine) as session:
        buyer = new_account(session, "buyer", mrr_cents=0, start_date=date(2025, 6, 20))
        subscriber = new_account(
            session, "subscriber", mrr_cents=5_000, start_date=date(2025, 6, 20)
        )
        for account in (buyer, subscriber):
            session.add(
                Interaction(
                    account_id=account,
                    kind="call",
                    occurred_at=datetime(2026, 4, 16, 10, tzinfo=UTC),
                    logged_by="Dana",
                    summary="Check-in",
                    sentiment=1,
                )
            )
        session.add(
            Purchase(
                account_id=buyer,
                purchased_at=datetime(2026, 6, 1, 9, tzinfo=UTC),
                amount_cents=4_200,
            )
        )
        session.commit()
    scores = compute_scores(engine, AS_OF, default_model()).sort("account_id")
    by_account = {row["account_id"]: row for row in scores.iter_rows(named=True)}
    bought, subscribed = by_account[buyer], by_account[subscriber]

    assert bought["commercial_score"] is None
    assert "commercial" in bought["left_out"]
    assert bought["commercial_raw"]["contraction_pct"] is None
    assert bought["commercial_raw"]["renewal_unattended"] is None
    # scored on what it has: its engagement and sentiment, re-weighted over them
    assert bought["score"] is not None and bought["commercial_weight_pct"] is None

    assert subscribed["commercial_raw"]["contraction_pct"] == 0.0
    assert subscribed["commercial_raw"]["renewal_unattended"] == 1.0
    assert subscribed["commercial_score"] is not None
    assert "commercial" not in subscribed["left_out"]
