"""The 360's header counts as the accounts list does: its position in a long list
read "1 of 7043" under a list of "7,043 of 7,043 accounts" (the Telco book)."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.tui.conftest import account_header, running, settle


async def test_the_position_has_thousands_separators(
    db_url: str, engine: Engine, book: dict[str, int]
) -> None:
    acme = book["Acme Corp"]
    listed = [*range(100_000, 101_233), acme]  # the list's ids, Acme the last of 1,234
    async with running(db_url) as (app, pilot):
        app.open_account(acme, ids=listed)
        await settle(app, pilot)
        assert "1,234 of 1,234" in account_header(app), account_header(app)


async def test_a_churned_accounts_mrr_is_said_to_be_lost(
    db_url: str, engine: Engine, book: dict[str, int]
) -> None:
    """A churned account's header read "MRR $114 · churned" above an MRR panel whose
    churn movement leaves MRR $0 (the demo book's Acme Labs): its MRR is the MRR it
    lost (docs/metrics.md, MRR has one truth)."""
    from datetime import date

    from sqlmodel import Session

    from tests.rows import new_account

    with Session(engine) as session:
        gone = new_account(
            session, "Gone Co", status="churned", mrr_cents=11_356, churned_at=date(2026, 4, 23)
        )
        session.commit()
    async with running(db_url) as (app, pilot):
        app.open_account(gone)
        await settle(app, pilot)
        assert "MRR lost $114 · churned" in account_header(app), account_header(app)
        app.open_account(book["Acme Corp"])
        await settle(app, pilot)
        assert "MRR $12,000 · active" in account_header(app), account_header(app)
