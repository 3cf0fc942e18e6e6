"""The 360's header and timeline read right: its position counted as the accounts
list counts, a churned account's MRR said to be lost, a summary cut with "…"."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.tui.conftest import account_header, running, settle, text_of


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


async def test_a_summary_wider_than_its_column_ends_in_an_ellipsis(
    db_url: str, engine: Engine, book: dict[str, int]
) -> None:
    """The timeline's Summary column cut a long summary without a mark, so it read
    as the whole line ("Email: invoice question answered — Lucas Fer" on the demo)."""
    from datetime import UTC, datetime

    from sqlmodel import Session

    from core.models import Interaction

    summary = "Call: renewal terms discussed with the CFO and the procurement team at length"
    with Session(engine) as session:
        session.add(
            Interaction(
                account_id=book["Acme Corp"],
                kind="call",
                occurred_at=datetime(2026, 6, 14, 10, tzinfo=UTC),
                logged_by="Test User",
                summary=summary,
                sentiment=0,
            )
        )
        session.commit()
    async with running(db_url) as (app, pilot):
        app.open_account(book["Acme Corp"])
        await settle(app, pilot)
        timeline = text_of(app.screen.query_one("#timeline"))
        line = next(line for line in timeline.splitlines() if "renewal terms" in line)
        shown = line.split("…")[0].split("  ")[-1].strip()  # the summary up to its "…"
        assert summary.startswith(shown) and len(shown) >= 40 and summary not in line, line


async def test_an_external_id_the_same_as_the_name_is_not_said_twice(
    db_url: str, telco: Engine
) -> None:
    """IBM's telco sample is imported with its customerID as both name and external
    id (the README's way): the header read '7590-VHVEG  7590-VHVEG  ·  1 of 30'."""
    import polars as pl

    from tests.tui.conftest import TELCO

    first = pl.read_csv(TELCO, infer_schema=False)["customerID"].sort()[0]
    async with running(db_url) as (app, pilot):
        await pilot.press("enter")
        await settle(app, pilot)
        line = account_header(app).splitlines()[0]
        assert line.split() == [first, "·", "1", "of", "30"], line


async def test_the_timeline_bar_says_every_kind_at_80_columns(
    db_url: str, engine: Engine, book: dict[str, int]
) -> None:
    """At 80x24 the bar above the timeline read 'Timeline: everything (N events)  ·  t:
    all / interaction / survey / ticket', cut: purchase and mrr, which t also shows,
    were gone, and with deleted entries shown (D) the note saying d restores one."""
    from core.accounts.queries import TIMELINE_KINDS
    from tests.tui.conftest import SMALL

    async with running(db_url) as (app, pilot):
        await pilot.resize_terminal(*SMALL)
        app.open_account(book["Acme Corp"])
        await settle(app, pilot)
        await pilot.press("D")
        await settle(app, pilot)
        shown = " ".join(text_of(app.screen.query_one("#timeline-bar")).split())
        assert "t: " + " / ".join(("all", *TIMELINE_KINDS)) in shown, shown
        assert shown.endswith("deleted shown: d restores one"), shown
