"""One account's health reads the same on the accounts list, the 360 and the
dashboard's lists (``core.health.in_force.health_words``), and the export carries
the figures they show. An override that set the band alone showed as "72*red" on
the list (the computed 72 beside the override's band, as if the 72 were the
override's), "— red" on the 360 and "red 72" on the dashboard."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import Engine
from textual.geometry import Region
from textual.widgets import DataTable

from core.exporting import ExportFilters, export_frame
from core.health.in_force import OVERRIDE_BAND, OVERRIDE_SCORE, health_words
from core.health.overrides import set_override
from core.playbook.tasks import add_manual_task
from tests.tui.book import TODAY, make_book
from tests.tui.conftest import press, running, settle, text_of
from tui.screens.account import AccountScreen
from tui.screens.accounts import AccountsScreen
from tui.screens.dashboard import DashboardScreen


def test_health_words() -> None:
    assert health_words(72.4, "green") == "72 green"
    assert health_words(30, "red", OVERRIDE_SCORE) == "30 red*"
    assert health_words(72.4, "red", OVERRIDE_BAND) == "72→red*"  # the computed 72
    assert health_words(None, "red", OVERRIDE_BAND) == "— red*"  # no computed score
    assert health_words(None, None) == "no score"
    assert health_words(7, "red", score_width=3) == "  7 red"


def _line_of(text: str, name: str) -> str:
    """The line of ``text`` that names ``name``, its runs of spaces as one."""
    return " ".join(next(line for line in text.splitlines() if name in line).split())


async def test_a_band_override_reads_the_same_everywhere(db_url: str, engine: Engine) -> None:
    """Acme Corp: computed 82 green, overridden to red without a score; Hooli: its
    score overridden to 30 (red); Globex: 35 red, no override. Each reads the same
    on the list, the 360 and the dashboard's at-risk list; the export has the same
    score and band (checked against the scores the book was written with)."""
    ids = make_book(engine)
    set_override(engine, ids["Acme Corp"], reason="Champion left", band="red", as_of=TODAY)
    want = {"Acme Corp": "82→red*", "Hooli": "30 red*", "Globex": "35 red"}
    for name in want:
        add_manual_task(engine, f"Call {name}", TODAY, "Test User", ids[name])
    async with running(db_url) as (app, pilot):
        accounts = app.screen
        assert isinstance(accounts, AccountsScreen)
        listed = text_of(accounts.table)
        for name, words in want.items():
            assert f"● {words}" in _line_of(listed, name), _line_of(listed, name)
        for name, words in want.items():
            app.open_account(ids[name])
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, AccountScreen)
            headline = " ".join(text_of(screen.query_one("#health")).splitlines()[1].split())
            assert f"● {words}" in headline, headline
            await press(app, pilot, "escape")
        await press(app, pilot, "1")
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        at_risk = text_of(dashboard.query_one("#at-risk"))
        for name, words in want.items():
            assert f" {words} " in _line_of(at_risk, name), _line_of(at_risk, name)
        await press(app, pilot, "4")  # the task queue read "● 82 red" for Acme Corp
        queue = text_of(app.screen.query_one(DataTable))
        for name, words in want.items():
            assert f"● {words} " in _line_of(queue, f"Call {name}"), _line_of(queue, name)
    exported = export_frame(engine, "accounts", ExportFilters(as_of=TODAY))
    exported = exported.filter(pl.col("name").is_in(list(want)))
    shown = {row["name"]: f"{row['health']:.0f} {row['band']}" for row in exported.to_dicts()}
    assert shown == {"Acme Corp": "82 red", "Hooli": "30 red", "Globex": "35 red"}


async def test_an_account_without_a_score_reads_no_score_on_the_list_and_the_360(
    db_url: str, engine: Engine
) -> None:
    """The list said "no data" where the 360 and the dashboard's lists say "no score"."""
    from sqlmodel import Session

    from tests.rows import new_account

    make_book(engine)
    with Session(engine) as session:
        unscored = new_account(session, "Nova Ltd", mrr_cents=50_000)
        session.commit()
    async with running(db_url) as (app, pilot):
        accounts = app.screen
        assert isinstance(accounts, AccountsScreen)
        assert "no score" in _line_of(text_of(accounts.table), "Nova Ltd")
        app.open_account(unscored)
        await settle(app, pilot)
        assert "No health score yet" in text_of(app.screen.query_one("#health"))


def test_a_score_is_never_rounded_up_into_the_next_band() -> None:
    """69.6 is yellow (green starts at 70): it read "70 yellow"; 39.5 read "40 red"."""
    assert health_words(69.6, "yellow") == "69 yellow"
    assert health_words(39.5, "red") == "39 red"
    assert health_words(69.4, "yellow") == "69 yellow"  # to the nearest, as before
    assert health_words(70.6, "green") == "71 green"
    assert health_words(47.6, "yellow") == "48 yellow"
    assert health_words(69.6, "red", OVERRIDE_BAND) == "70→red*"  # the computed score


IMPORTS = Path(__file__).parents[1] / "fixtures" / "import"


def _telco_with_calls(engine: Engine, bands: str) -> dict[str, float]:
    """IBM's telco accounts (the first 30 rows of its export) with a vendor's call log,
    scored on TODAY under ``bands`` (health.toml's [bands]); 7590-VHVEG's score and
    components, by hand from the raw files: its call is 2 years old and it renews in
    11 months, so it scores 46.67."""
    from datetime import datetime, timedelta

    from core.health.config import config_path
    from core.health.store import recompute_all
    from core.importing import ImportOptions, import_file

    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text(f"[bands]\n{bands}\n", encoding="utf-8")
    accounts = ImportOptions(
        columns={"external_id": "customerID", "name": "customerID"},
        values={"status": {"Yes": "churned", "No": "active"}},
        as_of=TODAY,
    )
    import_file(engine, "accounts", IMPORTS / "telco_churn.csv", accounts)
    import_file(engine, "interactions", IMPORTS / "interactions.tsv", ImportOptions())
    recompute_all(engine, as_of=TODAY)

    calls = pl.read_csv(IMPORTS / "interactions.tsv", separator="\t")
    called = datetime.fromisoformat(calls.filter(pl.col("Account") == "7590-VHVEG")["Date"][0])
    days = (datetime.combine(TODAY + timedelta(days=1), datetime.min.time()) - called).days
    assert days >= 91  # days since the last interaction: scores 0 (weight 2)
    engagement = (0 * 2 + 20 * 1) / 3  # no meeting in 90 days: 20 (weight 1)
    commercial = 100  # no contraction; the start's anniversary is 11 months away
    score = (engagement * 20 + commercial * 15) / 35  # usage, sentiment, support: no data
    assert 46.5 <= score < 47  # to the nearest 47
    return {"score": score, "engagement": engagement, "commercial": commercial}


async def test_a_score_just_under_a_configured_band_reads_in_its_band(
    db_url: str, engine: Engine
) -> None:
    """7590-VHVEG scores 46.67 (``_telco_with_calls``). Green set to start at 47
    (health.toml), it is yellow: the list and the 360 read "47 yellow", a green
    figure beside a yellow band."""
    from core.interactions import account_id_of

    _telco_with_calls(engine, "green = 47")
    async with running(db_url) as (app, pilot):
        listed = _line_of(text_of(app.screen.query_one(DataTable)), "7590-VHVEG")
        assert "● 46 yellow" in listed, listed
        app.open_account(account_id_of(engine, "7590-VHVEG") or 0)
        await settle(app, pilot)
        assert isinstance(app.screen, AccountScreen)
        headline = " ".join(text_of(app.screen.query_one("#health")).splitlines()[1].split())
        assert "● 46 yellow" in headline, headline


async def test_the_override_dialog_and_the_renewal_brief_read_the_score_in_its_band(
    db_url: str, engine: Engine
) -> None:
    """7590-VHVEG's 46.67 under green from 47: the override dialog (o on the 360) said
    "Computed score: 47 yellow" and the MCP's renewal brief "health 47 (yellow)",
    each formatting the score itself; both now read it as the list does, 46."""
    from core.interactions import account_id_of
    from mcp_server.book import Book
    from mcp_server.reads import account_360
    from mcp_server.server import renewal_brief
    from tui.screens.override import OverrideScreen

    _telco_with_calls(engine, "green = 47")

    class BookOnToday(Book):
        def today(self) -> date:
            return TODAY

    brief = renewal_brief(account_360(BookOnToday(engine, "Test User"), "7590-VHVEG"))
    assert ", health 46 (yellow), " in brief, brief.splitlines()[0]
    async with running(db_url) as (app, pilot):
        app.open_account(account_id_of(engine, "7590-VHVEG") or 0)
        await settle(app, pilot)
        await press(app, pilot, "o")
        assert isinstance(app.screen, OverrideScreen)
        shown = text_of(app.screen)
        assert "Computed score: 46 yellow" in shown, shown


async def test_the_component_bars_are_coloured_by_the_bands_in_force(
    db_url: str, engine: Engine
) -> None:
    """Bands set to green from 50 and yellow from 5: 7590-VHVEG's engagement, 6.67,
    is yellow by them; its bar was red, by the fixed 70/40 the panel kept. Its
    commercial 100 is green either way."""
    from rich.style import Style

    from core.interactions import account_id_of
    from tui.format import band_colours

    by_hand = _telco_with_calls(engine, "green = 50\nyellow = 5")
    assert 5 <= by_hand["engagement"] < 40  # red by the fixed bands, yellow by these
    async with running(db_url) as (app, pilot):
        app.open_account(account_id_of(engine, "7590-VHVEG") or 0)
        await settle(app, pilot)
        assert isinstance(app.screen, AccountScreen)
        panel = app.screen.query_one("#health")
        width, height = panel.outer_size
        colours = band_colours(app)
        bars = {}
        for strip in panel.render_lines(Region(0, 0, width, height)):
            words = strip.text.split()
            if words[1:2] and words[1] in ("engagement", "commercial"):
                [style] = {seg.style for seg in strip if "█" in seg.text}
                bars[words[1]] = (style or Style()).color, words[3]  # after the bar
        assert bars["engagement"] == (Style.parse(colours["yellow"]).color, "7"), bars
        assert bars["commercial"][0] == Style.parse(colours["green"]).color, bars
