"""The accounts list says its cells as a reader takes them: a churned account's MRR is
the MRR it lost, a score with no past has no trend (not "new"), and the help screen
(?) says what the columns' marks mean."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, text
from sqlmodel import Session

from core.models import HealthSnapshot
from tests.rows import new_account
from tests.tui.book import TODAY
from tests.tui.conftest import press, running, text_of
from tui.app import CxtuiApp
from tui.screens.accounts import AccountsScreen


def _line_of(app: CxtuiApp, name: str) -> str:
    """The list's line of the account ``name``, as drawn."""
    screen = app.screen
    assert isinstance(screen, AccountsScreen), screen
    lines = [line for line in text_of(screen.table).splitlines() if f" {name} " in line]
    assert len(lines) == 1, lines
    return lines[0]


def _mrr_cents(engine: Engine, name: str) -> int:
    """The account's MRR as stored, in plain SQL."""
    with engine.connect() as connection:
        query = text("SELECT mrr_cents FROM account WHERE name = :name")
        return int(connection.execute(query, {"name": name}).scalar_one())


async def test_a_churned_accounts_mrr_is_said_to_be_lost(
    db_url: str, engine: Engine, book: dict[str, int]
) -> None:
    """It read "$114" (IBM's telco sample: "$74"), taken for what the account pays now;
    its 360 says "MRR lost $114". The widest lost MRR of the demo book, $39,468, is
    shown whole."""
    with Session(engine) as session:
        for name, cents in (("Gone Co", 11_356), ("Big Gone", 3_946_784)):
            new_account(
                session, name, status="churned", mrr_cents=cents, churned_at=date(2026, 4, 23)
            )
        session.commit()
    async with running(db_url) as (app, _pilot):
        for name in ("Gone Co", "Big Gone"):
            lost = f"lost ${_mrr_cents(engine, name) / 100:,.0f}"
            assert f" {lost}  churned " in _line_of(app, name), _line_of(app, name)
        paying = f"${_mrr_cents(engine, 'Acme Corp') / 100:,.0f}"
        line = _line_of(app, "Acme Corp")
        assert f" {paying}  " in line and "lost" not in line, line


async def test_a_score_without_one_30_days_back_has_no_trend_and_help_says_why(
    db_url: str, engine: Engine, book: dict[str, int]
) -> None:
    """The 30d cell read "new" for an account scored today but not 30 to 60 days ago
    (every account of a book imported less than a month ago), read as a new account.
    It reads "—", and the help screen says what the column's marks mean."""
    with Session(engine) as session:
        fresh = new_account(session, "Fresh Co", start_date=TODAY - timedelta(days=400))
        session.add(
            HealthSnapshot(
                account_id=fresh,
                day=TODAY,
                score=80.0,
                band="green",
                components="{}",
                left_out="[]",
            )
        )
        session.commit()
    async with running(db_url) as (app, pilot):
        line = _line_of(app, "Fresh Co")
        assert "80 green    —  " in line and "new" not in line, line
        assert "▲ +12" in _line_of(app, "Acme Corp")  # 82 today, 70 a month ago
        await press(app, pilot, "question_mark")
        legend = text_of(app.screen.query_one("#help-legend"))
        assert "— no score now or 30 days ago" in " ".join(legend.split()), legend
        assert "churned: what it paid when it left (lost $114)" in " ".join(legend.split())


async def test_a_list_left_empty_says_which_keys_widen_it(
    db_url: str, book: dict[str, int]
) -> None:
    """A search that matched nothing showed an empty table under '0 of 5 accounts ·
    search "zzzz"', nothing saying how to get the accounts back. The bar says it with
    the keys that undo what narrows the list (escape, m, f)."""
    from tests.tui.conftest import bar, type_text

    async with running(db_url) as (app, pilot):
        assert "no account matches" not in bar(app)
        await press(app, pilot, "slash")
        await type_text(pilot, "zzzz")
        await press(app, pilot, "enter")
        words = " ".join(bar(app).split())
        assert words.startswith("0 of "), words
        assert "no account matches: escape clears the search ·" in words, words

        await press(app, pilot, "escape")
        assert "no account matches" not in bar(app)

        await press(app, pilot, "m", "slash")
        await type_text(pilot, "Globex")  # Dana Scully's, not Test User's
        await press(app, pilot, "enter")
        words = " ".join(bar(app).split())
        assert "no account matches: escape clears the search, m shows the team's" in words
