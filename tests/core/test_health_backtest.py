"""The backtest on a hand-made book whose outcome is known."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from core import models as m
from core.health.backtest import auc, backtest
from core.health.config import default_model
from tests.core.health_book import AS_OF, Book

CUTOFF = AS_OF - timedelta(days=30)


def test_auc_counts_pairs_and_ties() -> None:
    churned = pl.Series([True, False, True, False])
    assert auc(pl.Series([10.0, 20.0, 30.0, 40.0]), churned) == 0.75
    assert auc(pl.Series([50.0, 50.0, 50.0, 50.0]), churned) == 0.5
    assert auc(pl.Series([10.0, 90.0, 20.0, 80.0]), churned) == 1.0
    assert auc(pl.Series([10.0, 20.0]), pl.Series([True, True])) is None


def _healthy(book: Book, **extra: object) -> int:
    account = book.account(seats=10, start_date=AS_OF - timedelta(days=100), **extra)
    book.usage(account, 6, range(31, 100))
    book.interaction(account, 35, "meeting", sentiment=1)
    book.survey(account, "nps", 10, 50)
    return account


def _declining(book: Book, churned_days_ago: int) -> int:
    account = book.account(
        seats=10,
        start_date=AS_OF - timedelta(days=100),
        status="churned",
        churned_at=AS_OF - timedelta(days=churned_days_ago),
    )
    book.usage(account, 8, range(61, 100))
    book.usage(account, 1, range(max(31, churned_days_ago + 1), 61))
    book.interaction(account, 99, "call", sentiment=-1)
    book.survey(account, "nps", 2, 40)
    book.ticket(account, 40, response_hours=None)
    return account


def test_backtest_on_a_book_with_a_known_outcome(engine: Engine) -> None:
    book = Book(engine)
    _healthy(book)
    _healthy(book)
    bait = _healthy(book)
    # After the cut-off this survivor looks terrible: the backtest must not see it.
    book.usage(bait, 0, range(31))
    book.survey(bait, "nps", 0, 10)
    book.ticket(bait, 20, response_hours=None)
    _declining(book, churned_days_ago=10)
    _declining(book, churned_days_ago=25)
    _declining(book, churned_days_ago=35)  # gone before the cut-off: not counted
    _healthy(book, status="churned", churned_at=AS_OF - timedelta(days=5))  # no warning
    book.save()

    result = backtest(engine, horizon_days=30, model=default_model(), as_of=AS_OF)

    assert result.cutoffs == [CUTOFF]  # the book has 100 days: one monthly cut-off
    assert (result.observations, result.churned) == (6, 3)
    # The two declining churners score below all three survivors (6 pairs); the
    # churner without warning ties with them (3 pairs at one half): 7.5 / 9.
    assert result.auc == pytest.approx(7.5 / 9, abs=1e-4)
    bands = {band.band: band for band in result.bands}
    assert (bands["green"].accounts, bands["green"].churned) == (4, 1)
    assert bands["green"].churn_rate_pct == 25.0
    assert (bands["red"].accounts, bands["red"].churned, bands["red"].churn_rate_pct) == (
        2,
        2,
        100.0,
    )
    assert (bands["yellow"].accounts, bands["yellow"].churn_rate_pct) == (0, None)
    assert result.as_dict()["cutoffs"] == [CUTOFF.isoformat()]


def test_a_longer_history_gives_monthly_cutoffs(engine: Engine) -> None:
    book = Book(engine)
    book.account(start_date=AS_OF - timedelta(days=200))
    book.save()
    result = backtest(engine, horizon_days=30, model=default_model(), as_of=AS_OF)
    assert result.cutoffs == [AS_OF - timedelta(days=d) for d in (120, 90, 60, 30)]
    assert result.auc is None and result.churned == 0


def test_a_horizon_below_one_day_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="at least 1 day"):
        backtest(engine, horizon_days=0, model=default_model(), as_of=AS_OF)


def test_a_churn_undone_by_a_reactivation_still_counts(engine: Engine) -> None:
    """An account that churned after the cut-off and came back since is active again
    with no churn date; its churn movement is the event the backtest must count."""
    book = Book(engine)
    _healthy(book)
    back = _declining(book, churned_days_ago=10)
    book.save()
    with Session(engine) as session:
        account = session.get(m.Account, back)
        assert account is not None
        account.status, account.churned_at = "active", None
        session.add(account)
        for days_ago, kind, amount in ((10, "churn", -100_000), (3, "reactivation", 100_000)):
            session.add(
                m.MrrMovement(
                    account_id=back,
                    occurred_on=AS_OF - timedelta(days=days_ago),
                    kind=kind,
                    amount_cents=amount,
                )
            )
        session.commit()
    result = backtest(engine, horizon_days=30, model=default_model(), as_of=AS_OF)
    assert (result.observations, result.churned) == (2, 1)
    assert result.auc == 1.0


def test_a_churn_of_unknown_date_is_no_churn_event(engine: Engine, tmp_path) -> None:
    """An accounts file's churned status without a churn date records its churn
    movement on the day it takes effect: that day is not the churn's, and the
    backtest and the churn model must not learn from it as one."""
    from datetime import date

    from sqlmodel import select

    from core.health.backtest import churn_events
    from core.importing import ImportOptions, import_file

    source = tmp_path / "accounts.csv"
    source.write_text(
        "external_id,name,status,mrr,churned_at\n"
        "A1,Dated,churned,100,2026-10-15\n"
        "A2,Undated,churned,200,\n"
        "A3,Staying,active,300,\n"
    )
    import_file(engine, "accounts", source, ImportOptions(effective=date(2026, 11, 30)))
    with Session(engine) as session:
        ids = dict(session.exec(select(m.Account.external_id, m.Account.id)).all())
    events = churn_events(engine).sort("account_id")
    assert events.rows() == [(ids["A1"], date(2026, 10, 15))]
