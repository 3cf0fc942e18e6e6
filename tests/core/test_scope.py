"""One scope, one rule: the accounts ``Scope.restrict`` selects in SQL are the rows
``Scope.filter`` keeps of the accounts list, and the dashboard's lists honour every
part of a saved filter's scope."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from core.accounts.queries import load_accounts_first
from core.metrics.dashboard import at_risk_accounts, renewals_due
from core.models import Account
from core.scope import Scope
from core.store.frames import read_frame
from tests.tui.book import ROWS, TODAY, make_book

SCOPES = [
    Scope(),
    Scope(segment="Enterprise"),
    Scope(owner="Test User"),
    Scope(segment="SMB", owner="Dana Scully"),
    Scope(segments=frozenset({"SMB", "Mid-Market"}), plans=frozenset({"Starter"})),
    Scope(owners=frozenset({"Fox Mulder"}), statuses=frozenset({"active"})),
    Scope(owners=frozenset({"Nobody"})),
]


@pytest.mark.parametrize("scope", SCOPES, ids=lambda scope: repr(scope.as_dict()))
def test_sql_and_frame_agree(engine: Engine, scope: Scope) -> None:
    make_book(engine)
    in_sql = sorted(read_frame(engine, scope.restrict(select(Account.name)))["name"])
    in_frame = sorted(scope.filter(load_accounts_first(engine, TODAY))["name"])
    assert in_sql == in_frame
    expected = sorted(
        name
        for name, segment, owner, mrr, *_ in ROWS
        if (scope.segment in (None, segment))
        and (scope.owner in (None, owner))
        and (not scope.segments or segment in scope.segments)
        and (not scope.owners or owner in scope.owners)
        and (not scope.plans or ("Pro" if mrr > 1_000 else "Starter") in scope.plans)
    )
    assert in_sql == expected


def test_dashboard_lists_honour_a_saved_filters_sets(engine: Engine) -> None:
    make_book(engine)
    accounts = load_accounts_first(engine, TODAY)
    smb = Scope(segments=frozenset({"SMB"}))
    smb_names = {name for name, segment, *_ in ROWS if segment == "SMB"}
    assert set(at_risk_accounts(accounts, smb)["name"]) <= smb_names
    assert set(renewals_due(accounts, TODAY, smb)["name"]) <= smb_names
    assert set(renewals_due(accounts, TODAY, smb)["name"]) == set(
        renewals_due(accounts, TODAY).filter(
            renewals_due(accounts, TODAY)["name"].is_in(list(smb_names))
        )["name"]
    )
