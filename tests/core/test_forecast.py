"""The forecast tile's drill (``core.churn.forecast.forecast_drill``) on a small
hand-made book with a churn model fitted on it: its rows and figures against a plain
polars computation here over the account table's raw rows, Σ MRR x (1 - risk)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import polars as pl
import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from core.accounts.queries import load_accounts
from core.churn.features import NotEnoughData, book_features
from core.churn.fit import fit_model
from core.churn.forecast import forecast_drill, retained_of
from core.churn.risk import churn_risk, keep_model
from core.health.config import default_model
from core.metrics import Scope
from core.metrics.dashboard import renewals_due
from core.models import Account

TODAY = date(2026, 6, 15)
# renewal in days from TODAY: 0 and 90 are in the window, 91 and -1 are not
RENEWS_IN = (0, 3, 12, 29, 30, 31, 45, 59, 60, 61, 75, 90, 91, 120, -1, 200)


def _write_book(engine: Engine) -> None:
    """40 accounts, a snapshot (statuses, no churn dates): 14 churned, mostly small
    and few seats, so a model has something to learn; the others renew on
    ``RENEWS_IN`` days, two segments, MRR from $90 to $12k."""
    with Session(engine) as session:
        for i in range(40):
            churned = i % 3 == 0
            session.add(
                Account(
                    external_id=f"F-{i:02d}",
                    name=f"Account {i:02d}",
                    segment="SMB" if i % 2 else "Enterprise",
                    plan=("Basic", "Growth", "Scale")[i % 3 if not churned else i % 2],
                    owner="Test User" if i % 4 else "Dana Scully",
                    mrr_cents=(9_000 + (i * 37_313) % 1_200_000) // (3 if churned else 1),
                    seats=(2 + i % 5) if churned else (5 + (i * 7) % 40),
                    start_date=TODAY - timedelta(days=60 + (i * 53) % 900),
                    renewal_date=TODAY + timedelta(days=RENEWS_IN[i % len(RENEWS_IN)]),
                    status="churned" if churned else "active",
                )
            )
        session.commit()


@pytest.fixture
def book(engine: Engine) -> Engine:
    _write_book(engine)
    return engine


def _raw_due(engine: Engine, days: int, segment: str | None = None) -> pl.DataFrame:
    """The renewals as the account table has them, with each one's churn risk: live
    accounts renewing in [TODAY, TODAY + days]."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, segment, mrr_cents, renewal_date, status FROM account")
        ).all()
    raw = pl.DataFrame(
        [tuple(row) for row in rows],
        schema=["id", "segment", "mrr_cents", "renewal_date", "status"],
        orient="row",
    ).with_columns(pl.col("renewal_date").cast(pl.Utf8).str.to_date())
    risk = churn_risk(engine, TODAY, default_model()).rename({"account_id": "id"})
    due = raw.filter(
        pl.col("status") != "churned",
        pl.col("renewal_date") >= TODAY,
        pl.col("renewal_date") <= TODAY + timedelta(days=days),
    )
    if segment is not None:
        due = due.filter(pl.col("segment") == segment)
    return due.join(risk, on="id", how="left")


def _kept(due: pl.DataFrame) -> float:
    return float((due["mrr_cents"] / 100 * (1 - due["churn_risk_90d"])).sum())


def test_the_drill_adds_up_the_renewals_from_their_risks(book: Engine) -> None:
    model = default_model()
    keep_model(book, fit_model(book_features(book, TODAY, model)), "Test")
    renewals = renewals_due(load_accounts(book, TODAY), TODAY)
    drill = forecast_drill(book, TODAY, renewals, model)

    due = _raw_due(book, 90)
    assert due.height > 10 and due["churn_risk_90d"].null_count() == 0
    assert due["churn_risk_90d"].n_unique() > 5  # the model tells the accounts apart
    assert sorted(drill.rows["account_id"].to_list()) == sorted(due["id"].to_list())
    kept, up = _kept(due), float(due["mrr_cents"].sum()) / 100
    spread = 1.96 * math.sqrt(
        float(
            (
                (due["mrr_cents"] / 100) ** 2 * due["churn_risk_90d"] * (1 - due["churn_risk_90d"])
            ).sum()
        )
    )
    terms = drill.terms
    assert terms["renewals"] == due.height and terms["without_risk"] == 0
    assert terms["mrr_up"] == round(up * 100)
    assert terms["kept"] == pytest.approx(kept * 100, abs=1)
    assert terms["kept_low"] == pytest.approx(max(0.0, kept - spread) * 100, abs=1)
    assert terms["kept_high"] == pytest.approx(min(up, kept + spread) * 100, abs=1)
    for days in (30, 60):
        inside = _raw_due(book, days)
        assert terms[f"renewals_{days}"] == inside.height
        assert terms[f"kept_{days}"] == pytest.approx(_kept(inside) * 100, abs=1)
        assert f"within {days} days: {inside.height} renewals" in drill.formula
    assert f"over {due.height} renewals in the next 90 days = ${terms['kept'] / 100:,.2f}" in (
        drill.formula
    )
    assert f"of ${up:,.2f} up for renewal" in drill.formula

    # one row per renewal, its expected loss MRR x risk, the largest first
    rows = drill.rows.join(
        due.select(pl.col("id").alias("account_id"), "churn_risk_90d"), on="account_id"
    )
    off = rows["expected_loss_cents"] - rows["mrr_cents"] * rows["churn_risk_90d"]
    assert off.abs().max() <= 0.5  # type: ignore[operator]
    losses = drill.rows["expected_loss_cents"].to_list()
    assert losses == sorted(losses, reverse=True) and losses[0] > losses[-1]
    assert drill.rows.columns == [
        "account_id",
        "name",
        "expected_loss_cents",
        "churn_risk_pct",
        "set_to_cancel",
        "mrr_cents",
        "renewal_date",
        "owner",
    ]

    # the tile's figure is the drill's
    window = retained_of(book, TODAY, renewals.select("id", "mrr_cents"), model)
    assert window is not None
    assert round(window.expected_retained * 100) == terms["kept"]
    assert round(window.retained_low * 100) == terms["kept_low"]


def test_the_drill_keeps_to_the_dashboards_scope(book: Engine) -> None:
    model = default_model()
    keep_model(book, fit_model(book_features(book, TODAY, model)), "Test")
    smb = renewals_due(load_accounts(book, TODAY), TODAY, Scope(segment="SMB"))
    drill = forecast_drill(book, TODAY, smb, model)
    due = _raw_due(book, 90, segment="SMB")
    assert sorted(drill.rows["account_id"].to_list()) == sorted(due["id"].to_list())
    assert drill.terms["kept"] == pytest.approx(_kept(due) * 100, abs=1)


def test_without_a_churn_model_there_is_no_forecast(book: Engine) -> None:
    renewals = renewals_due(load_accounts(book, TODAY), TODAY)
    assert retained_of(book, TODAY, renewals.select("id", "mrr_cents")) is None
    with pytest.raises(NotEnoughData, match="cxtui model fit"):
        forecast_drill(book, TODAY, renewals, default_model())


def test_no_renewals_is_nothing_up_and_nothing_kept(book: Engine) -> None:
    model = default_model()
    keep_model(book, fit_model(book_features(book, TODAY, model)), "Test")
    nobody = renewals_due(load_accounts(book, TODAY), TODAY, Scope(owner="Nobody"))
    assert nobody.is_empty()
    drill = forecast_drill(book, TODAY, nobody, model)
    assert drill.rows.is_empty()
    assert (drill.terms["renewals"], drill.terms["mrr_up"], drill.terms["kept"]) == (0, 0, 0)
    window = retained_of(book, TODAY, nobody.select("id", "mrr_cents"), model)
    assert window is not None and (window.renewals, window.expected_retained) == (0, 0.0)
