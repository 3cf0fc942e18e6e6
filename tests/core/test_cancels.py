"""Accounts set to cancel at their renewal (``account.cancels_at_renewal``): the
migration that adds the column, and what the renewal forecast makes of them."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, text

from core.store.db import make_engine
from core.store.migrate import alembic_config, current_revision, head_revision, migrate

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
