"""Accounts set to cancel at their renewal (``account.cancels_at_renewal``): the
migration that adds the column, and what the renewal forecast makes of them."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from alembic import command
from sqlalchemy import Engine, text

from core.accounts.queries import load_accounts
from core.churn.features import book_features
from core.churn.fit import fit_model
from core.churn.forecast import forecast_drill, renewal_forecast, retained_of
from core.churn.risk import keep_model
from core.health.config import default_model
from core.metrics.dashboard import renewals_due
from core.store.db import make_engine
from core.store.migrate import alembic_config, current_revision, head_revision, migrate
from tests.core.test_forecast import TODAY, _kept, _raw_due, _write_book

pytestmark = pytest.mark.postgres


def _to(engine: Engine, revision: str, downgrade: bool = False) -> None:
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if downgrade else command.upgrade)(config, revision)


def test_migration_0018_sets_no_stored_account_to_cancel_and_goes_back_keeping_rows(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    _to(engine, "0017")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO account (id, external_id, name, segment, plan, owner, mrr_cents,"
                " seats, status, created_at) VALUES (1, 'A-1', 'Acme', 'SMB', 'Pro', 'Dana',"
                " 100, 3, 'active', CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text("INSERT INTO contact (account_id, name, is_primary) VALUES (1, 'Ada', true)")
        )
    migrate(engine)
    assert current_revision(engine) == head_revision()
    with engine.begin() as connection:
        assert connection.execute(text("SELECT cancels_at_renewal FROM account")).all() == [
            (False,)
        ]
        connection.execute(text("UPDATE account SET cancels_at_renewal = true"))
    # a downgrade on a connection with foreign keys on: the account's contact stays
    _to(engine, "0017", downgrade=True)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM contact")).scalar_one() == 1
        assert connection.execute(text("SELECT name FROM account")).all() == [("Acme",)]
    engine.dispose()


@pytest.fixture
def book(engine: Engine) -> Engine:
    """The forecast tests' book (tests.core.test_forecast)."""
    _write_book(engine)
    return engine


def _cancel(engine: Engine, renews_in: tuple[int, ...]) -> None:
    """The first live account renewing in each of ``renews_in`` days from TODAY set to
    cancel at its renewal, and one churned account (not a renewal: not counted)."""
    with engine.begin() as connection:
        for days in renews_in:
            connection.execute(
                text(
                    "UPDATE account SET cancels_at_renewal = true WHERE id = (SELECT min(id)"
                    " FROM account WHERE status <> 'churned' AND renewal_date = :day)"
                ),
                {"day": TODAY + timedelta(days=days)},
            )
        connection.execute(
            text(
                "UPDATE account SET cancels_at_renewal = true WHERE id = (SELECT min(id)"
                " FROM account WHERE status = 'churned')"
            )
        )


def _cancelling(engine: Engine) -> set[int]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id FROM account WHERE cancels_at_renewal"))
        return {row[0] for row in rows}


def test_renewals_set_to_cancel_are_expected_to_leave(book: Engine) -> None:
    model = default_model()
    keep_model(book, fit_model(book_features(book, TODAY, model)), "Test")
    _cancel(book, (3, 45, 90, 91))  # 91: after the longest window
    cancelling = _cancelling(book)
    renewals = renewals_due(load_accounts(book, TODAY), TODAY)
    drill = forecast_drill(book, TODAY, renewals, model)
    terms = drill.terms
    for days, suffix in ((30, "_30"), (60, "_60"), (90, "")):
        due = _raw_due(book, days).with_columns(pl.col("id").is_in(cancelling).alias("cancels"))
        leaving, staying = due.filter("cancels"), due.filter(~pl.col("cancels"))
        assert (
            terms[f"set_to_cancel{suffix}"]
            == leaving.height
            == (1 if days < 45 else 2 if days < 90 else 3)
        )
        assert terms[f"mrr_set_to_cancel{suffix}"] == leaving["mrr_cents"].sum()
        assert terms[f"renewals{suffix}"] == due.height
        assert terms[f"mrr_up{suffix}"] == due["mrr_cents"].sum()
        # kept: the others' MRR x (1 - risk); those set to cancel keep nothing
        assert terms[f"kept{suffix}"] == pytest.approx(_kept(staying) * 100, abs=1)
    due = _raw_due(book, 90).filter(~pl.col("id").is_in(cancelling))
    kept, up = _kept(due), float(_raw_due(book, 90)["mrr_cents"].sum()) / 100
    risk = due["churn_risk_90d"]
    spread = 1.96 * math.sqrt(float(((due["mrr_cents"] / 100) ** 2 * risk * (1 - risk)).sum()))
    assert terms["kept_low"] == pytest.approx(max(0.0, kept - spread) * 100, abs=1)
    assert terms["kept_high"] == pytest.approx(min(up, kept + spread) * 100, abs=1)
    leaving = _raw_due(book, 90).filter(pl.col("id").is_in(cancelling))
    assert f"3 set to cancel: ${leaving['mrr_cents'].sum() / 100:,.2f} MRR" in drill.formula

    # the drill lists them first, each losing its whole MRR
    first = drill.rows.head(3)
    assert first["set_to_cancel"].all() and not drill.rows["set_to_cancel"][3:].any()
    assert set(first["account_id"]) == set(leaving["id"])
    assert first["expected_loss_cents"].to_list() == first["mrr_cents"].to_list()

    # the tile's and `cxtui forecast`'s figures are the drill's
    window = retained_of(book, TODAY, renewals.select("id", "mrr_cents"), model)
    assert window is not None and round(window.expected_retained * 100) == terms["kept"]
    assert (window.set_to_cancel, round(window.mrr_set_to_cancel * 100)) == (
        3,
        terms["mrr_set_to_cancel"],
    )
    windows = renewal_forecast(book, TODAY, model)
    for window in windows:
        suffix = "" if window.days == 90 else f"_{window.days}"
        assert round(window.expected_retained * 100) == terms[f"kept{suffix}"]
        assert window.set_to_cancel == terms[f"set_to_cancel{suffix}"]
        assert window.without_risk == 0
    movers = {mover.external_id: mover for mover in windows[-1].movers}
    for mover in movers.values():
        if mover.set_to_cancel:
            assert mover.expected_loss == mover.mrr


def test_a_saved_filter_keeps_set_to_cancel_as_true_or_false(tmp_path: Path) -> None:
    from core.config.saved_filters import SavedFilter, load_saved_filters, save_filter

    path = tmp_path / "config.toml"
    path.write_text(
        '[filters.leaving]\nset_to_cancel = true\n\n[filters.bad]\nset_to_cancel = "yes"\n'
    )
    saved = load_saved_filters(path)
    assert saved.filters == {"leaving": SavedFilter(name="leaving", set_to_cancel=True)}
    assert saved.filters["leaving"].describe() == ["set to cancel at renewal"]
    assert saved.broken["bad"].endswith(
        "line 5: filters.bad.set_to_cancel must be true or false, not 'yes'; filter left out"
    )
    save_filter(SavedFilter(name="renewing", renewal_within_days=30, set_to_cancel=True), path)
    again = load_saved_filters(path).filters["renewing"]
    assert (again.renewal_within_days, again.set_to_cancel) == (30, True)
