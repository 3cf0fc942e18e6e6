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
