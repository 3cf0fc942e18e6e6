"""Pilot tests of the dashboard on a hand-made book: the switchers change the numbers
shown (checked against core.metrics), a drill-through, and opening an account."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from textual.pilot import Pilot
from textual.widgets import DataTable

from core.config.settings import Settings
from core.metrics import Scope, compute_metrics
from core.models import Account, HealthSnapshot, Ticket
from core.periods import Period, last_months
from tests.tui.book import TODAY, make_book
from tests.tui.conftest import SIZE, SMALL, press, running, settle, text_of
from tui.app import CxtuiApp, make_app
from tui.screens.account import AccountScreen
from tui.screens.dashboard import BANDS, DashboardScreen
from tui.screens.drill import DrillScreen
from tui.widgets.kpi_tile import KpiTile, format_value


async def open_dashboard(app: CxtuiApp, pilot: Pilot) -> DashboardScreen:
    await press(app, pilot, "1")
    screen = app.screen
    assert isinstance(screen, DashboardScreen), screen
    return screen


def shown(screen: DashboardScreen) -> dict[str, str]:
    return {tile.spec.key: tile.value_text for tile in screen.query(KpiTile)}


def expected(engine: Engine, period: Period, scope: Scope | None = None) -> dict[str, str]:
    metrics = compute_metrics(engine, period, scope, as_of=TODAY)
    keys = ("mrr", "net_new_mrr", "churn_rate_pct", "nps", "active_accounts")
    units = {"mrr": "money", "net_new_mrr": "money", "churn_rate_pct": "pct", "nps": "score"}
    return {key: format_value(units.get(key, "count"), metrics.get(key)) for key in keys}


def _subset(values: dict[str, str], keys: dict[str, str]) -> dict[str, str]:
    return {key: values[key] for key in keys}


def calls_of(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[object]:
    """The arguments of each call of ``module.name`` from now on (still made)."""
    calls: list[object] = []
    real = getattr(module, name)

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


async def test_period_and_scope_switchers(db_url: str, engine: Engine) -> None:
    make_book(engine)
    month, quarter = Period.month_of(TODAY), Period.quarter_of(TODAY)
    async with running(db_url) as (app, pilot):
        screen = await open_dashboard(app, pilot)
        want = expected(engine, month)
        assert _subset(shown(screen), want) == want
        assert want["nps"] == "no data"  # June has no survey answer
        assert "month 2026-06" in text_of(screen.query_one("#switch-bar"))

        await press(app, pilot, "p")
        want = expected(engine, quarter)
        assert want["nps"] != "no data"  # the answers of May are in Q2
        assert _subset(shown(screen), want) == want
        assert "quarter 2026-Q2" in text_of(screen.query_one("#switch-bar"))

        await press(app, pilot, "left_square_bracket")
        want = expected(engine, quarter.previous())
        assert _subset(shown(screen), want) == want

        await press(app, pilot, "right_square_bracket", "p", "s")  # Q2, month, then my book
        mine = Scope(owner="Test User")
        want = expected(engine, month, mine)
        assert want["mrr"] != expected(engine, month)["mrr"]
        assert _subset(shown(screen), want) == want
        assert "my book (Test User)" in text_of(screen.query_one("#switch-bar"))
        renewals = screen.query_one("#renewals", DataTable)
        assert [str(renewals.get_row_at(i)[0]) for i in range(renewals.row_count)] == [
            "Vandelay Industries",  # renews in 5 days; Acme (45) next
            "Acme Corp",
        ]
        kind, filters = screen.export_view()  # type: ignore[misc]
        assert (kind, filters.scope.owner, filters.period) == ("metrics", "Test User", "2026-06")

        await press(app, pilot, "s")  # the first segment
        want = expected(engine, month, Scope(segment="Enterprise"))
        assert _subset(shown(screen), want) == want


async def test_drill_through_lists_what_is_behind_the_number(db_url: str, engine: Engine) -> None:
    make_book(engine)
    async with running(db_url) as (app, pilot):
        screen = await open_dashboard(app, pilot)
        await press(app, pilot, "enter")  # the first tile has the focus: no tab needed
        drill = app.screen
        assert isinstance(drill, DrillScreen), drill
        metrics = compute_metrics(engine, Period.month_of(TODAY), as_of=TODAY)
        formula = text_of(drill.query_one("#drill-formula"))
        assert f"= the sum over {metrics.active_accounts} customers" in formula
        assert f"MRR ${metrics.mrr:,.2f}" in formula
        table = drill.query_one(DataTable)
        assert table.row_count == metrics.active_accounts
        # the database's ids are no one's business: the first column is the name
        assert [str(column.label) for column in table.columns.values()] == ["Name", "Owner", "MRR"]
        assert table.get_row_at(0)[2].justify == "right"  # an amount, as the list's MRR
        with Session(engine) as session:
            names = set(session.exec(select(Account.name)).all())
        assert {str(table.get_row_at(i)[0]) for i in range(table.row_count)} <= names
        await press(app, pilot, "escape")
        assert app.screen is screen


async def test_enter_on_an_at_risk_account_opens_its_360(db_url: str, engine: Engine) -> None:
    ids = make_book(engine)
    async with running(db_url) as (app, pilot):
        screen = await open_dashboard(app, pilot)
        table = screen.query_one("#at-risk", DataTable)
        # red or down 15 points, by MRR: Hooli (red by override), Globex, Vandelay, Soylent
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == [
            "Hooli",
            "Globex",
            "Vandelay Industries",
            "Soylent Foods",
        ]
        # Why: the band or the drop, then the component that costs the most points
        with Session(engine) as session:
            snapshot = session.exec(
                select(HealthSnapshot)
                .where(HealthSnapshot.account_id == ids["Globex"])
                .order_by(col(HealthSnapshot.day).desc())
            ).first()
        assert snapshot is not None
        parts = json.loads(snapshot.components)
        worst = max(
            parts, key=lambda name: parts[name]["weight_pct"] * (100 - parts[name]["score"])
        )
        why = str(table.get_row_at(1)[3])
        assert why.startswith(("red", "down")) and f" · {worst} -" in why, why
        table.focus()
        await press(app, pilot, "down", "enter")
        account = app.screen
        assert isinstance(account, AccountScreen), account
        assert account.account_id == ids["Globex"]
        await press(app, pilot, "escape")  # back to the dashboard, not the accounts list
        assert app.screen is screen and app.current_mode == "dashboard"


async def test_an_overridden_account_at_risk_says_the_override_is_why(
    db_url: str, engine: Engine
) -> None:
    """Hooli is red by Dana's override ('Champion left the company'), its computed
    score 64 yellow. Its why read 'red · usage -N pts: ...', a component of the
    computed score that did not make it red (found on the telco book: an account
    overridden to red for a detractor answer, computed 72 green)."""
    make_book(engine)
    async with running(db_url) as (app, pilot):
        screen = await open_dashboard(app, pilot)
        table = screen.query_one("#at-risk", DataTable)
        assert str(table.get_row_at(0)[0]) == "Hooli"
        why = str(table.get_row_at(0)[3])
        assert why == "red · overridden by Dana Scully: Champion left the company", why


async def test_health_tiles_follow_the_recompute_that_runs_after_opening(engine: Engine) -> None:
    """A new day has no scores yet: the dashboard opens first, the app computes
    today's scores in the background, and the band tiles then show them."""
    from sqlmodel import delete

    from core.config.settings import Settings
    from core.metrics.dashboard import band_counts
    from core.models import HealthSnapshot
    from tui.app import make_app

    make_book(engine)
    with engine.begin() as connection:
        connection.execute(delete(HealthSnapshot).where(HealthSnapshot.day == TODAY))
    app = make_app(
        engine.url.render_as_string(hide_password=False),
        today=TODAY,
        settings=Settings(),
        recompute_health=True,
        run_rules=False,
    )
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(3):
            await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        bands = band_counts(engine, TODAY, Scope())
        assert sum(bands.values()) > 0
        values = shown(screen)
        for band, count in bands.items():
            assert values[f"band_{band}"] == format_value("count", count)


async def test_new_scores_read_the_band_counts_again_and_no_metric(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the figures and the series are shown, new health scores (the first start
    of a day recomputes them) change the band tiles and their sparklines; the metrics,
    which no score changes, are not read again."""
    from sqlmodel import update

    import core.metrics.dashboard
    from core.metrics.dashboard import band_counts, band_history

    make_book(engine)
    books = calls_of(monkeypatch, core.metrics.dashboard, "load_book")
    async with running(db_url) as (app, pilot):
        screen = await open_dashboard(app, pilot)
        metrics, before = shown(screen), band_counts(engine, TODAY)
        read = len(books)
        assert read == 2  # the tiles' and the series'
        with engine.begin() as connection:
            connection.execute(
                update(HealthSnapshot).where(col(HealthSnapshot.day) == TODAY).values(band="red")
            )
        after = band_counts(engine, TODAY)
        assert after != before
        app.health_signal.publish(TODAY)
        await settle(app, pilot)
        values = shown(screen)
        for band, count in after.items():
            assert values[f"band_{band}"] == format_value("count", count)
        assert {k: v for k, v in values.items() if not k.startswith("band_")} == {
            k: v for k, v in metrics.items() if not k.startswith("band_")
        }
        ends = [min(month.end, TODAY) for month in last_months(TODAY, 12)]
        history = band_history(engine, ends).filter(pl.sum_horizontal(BANDS) > 0)
        [red] = [tile for tile in screen.query(KpiTile) if tile.spec.key == "band_red"]
        assert red.series == history["red"].to_list()
        assert len(books) == read


async def test_month_and_quarter_share_their_series_until_the_data_changes(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 12 months up to today are the same for this month and this quarter: the
    switch shows them again without reading them; a changed book reads them anew."""
    import core.metrics.dashboard

    make_book(engine)
    reads = calls_of(monkeypatch, core.metrics.dashboard, "read_months")
    async with running(db_url) as (app, pilot):
        screen = await open_dashboard(app, pilot)
        month = {tile.spec.key: tile.series for tile in screen.query(KpiTile)}
        assert len(reads) == 1 and month["mrr"]
        await press(app, pilot, "p")
        assert "quarter" in text_of(screen.query_one("#switch-bar"))
        assert {tile.spec.key: tile.series for tile in screen.query(KpiTile)} == month
        assert len(reads) == 1
        app.reload_book()
        await settle(app, pilot)
        await press(app, pilot, "p")
        assert len(reads) == 2


def logged_steps(
    monkeypatch: pytest.MonkeyPatch, order: list[str], module: object, name: str
) -> None:
    """``module.name`` replaced by itself noting in ``order`` when it starts (``> name``)
    and ends (``< name``), whatever thread calls it."""
    real = getattr(module, name)

    def logged(*args: object, **kwargs: object) -> object:
        order.append(f"> {name}")
        try:
            return real(*args, **kwargs)
        finally:
            order.append(f"< {name}")

    monkeypatch.setattr(module, name, logged)


async def test_the_goals_are_read_once_the_series_is_computed(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not beside the series' computation: at 100k accounts the goals' metrics book
    and the series' frames together were the first start's highest memory."""
    import core.goals
    import core.metrics.dashboard

    make_book(engine)
    order: list[str] = []
    step = partial(logged_steps, monkeypatch, order)
    step(core.metrics.dashboard, "monthly_figures")
    step(core.goals, "list_goals")
    async with running(db_url) as (app, pilot):
        screen = await open_dashboard(app, pilot)
        await settle(app, pilot)
        assert screen.goal_views is not None
    assert order == ["> monthly_figures", "< monthly_figures", "> list_goals", "< list_goals"]


async def _focus_by_tab(app: CxtuiApp, pilot: Pilot, tile_id: str) -> KpiTile:
    """Press tab until the tile ``tile_id`` has the focus, as a user would."""
    for _ in range(30):
        if app.focused is not None and app.focused.id == tile_id:
            break
        await pilot.press("tab")
    focused = app.focused
    assert isinstance(focused, KpiTile) and focused.id == tile_id, focused
    return focused


async def test_the_forecast_tile_shows_the_mrr_expected_to_stay_and_drills_into_it(
    demo_url: str, tmp_path: Path
) -> None:
    """With a churn model fitted: the tile shows Σ MRR x (1 - risk) over the renewals
    of the next 90 days (computed here from the accounts and their risks), and enter
    opens its drill, the largest expected loss first; enter on a row opens the 360."""
    from core.accounts.queries import load_accounts
    from core.churn.features import book_features
    from core.churn.fit import fit_model
    from core.churn.risk import churn_risk, keep_model
    from core.config.settings import Settings
    from core.health.config import default_model
    from core.metrics.dashboard import renewals_due
    from core.store.db import open_engine
    from tests.tui.conftest import SNAPSHOT_DAY
    from tui.app import make_app
    from tui.format import money

    engine = open_engine(demo_url)
    keep_model(engine, fit_model(book_features(engine, SNAPSHOT_DAY, default_model())), "Test")
    due = renewals_due(load_accounts(engine, SNAPSHOT_DAY), SNAPSHOT_DAY).join(
        churn_risk(engine, SNAPSHOT_DAY, default_model()).rename({"account_id": "id"}), on="id"
    )
    engine.dispose()
    kept = (due["mrr_cents"] * (1 - due["churn_risk_90d"])).sum()
    losses = (due["mrr_cents"] * due["churn_risk_90d"]).round()
    largest = due.filter(losses == losses.max())
    settings = Settings(path=tmp_path / "config.toml")
    app = make_app(demo_url, today=SNAPSHOT_DAY, settings=settings, recompute_health=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        screen = await open_dashboard(app, pilot)
        tile = screen.query_one("#tile-renewals-kept", KpiTile)
        assert tile.value_text == money(round(kept))
        shown_text = text_of(tile)
        assert "Renewals kept, next 90 days" in shown_text
        assert f"of {money(int(due['mrr_cents'].sum()))} up · 95 % ≥ $" in shown_text

        await _focus_by_tab(app, pilot, "tile-renewals-kept")
        await press(app, pilot, "enter")
        drill = app.screen
        assert isinstance(drill, DrillScreen), drill
        formula = text_of(drill.query_one("#drill-formula"))
        assert f"over {due.height} renewals in the next 90 days" in formula
        table = drill.query_one(DataTable)
        assert table.row_count == due.height
        column = [str(c.label) for c in table.columns.values()].index("Expected loss")
        shown_losses = [
            float(str(table.get_row_at(i)[column]).lstrip("$").replace(",", ""))
            for i in range(table.row_count)
        ]
        assert shown_losses == sorted(shown_losses, reverse=True)
        assert str(table.get_row_at(0)[0]) == largest["name"][0]

        await press(app, pilot, "enter")  # the first row: the account that moves it most
        account = app.screen
        assert isinstance(account, AccountScreen), account
        assert account.account_id == largest["id"][0]


async def test_without_a_churn_model_the_forecast_tile_says_how_to_get_one(
    db_url: str, engine: Engine
) -> None:
    make_book(engine)
    async with running(db_url) as (app, pilot):
        screen = await open_dashboard(app, pilot)
        tile = screen.query_one("#tile-renewals-kept", KpiTile)
        assert tile.value_text == "no churn model"
        assert "fit the churn model" in text_of(tile)
        assert tile.series == []  # no sparkline: the baseline
        await _focus_by_tab(app, pilot, "tile-renewals-kept")
        await press(app, pilot, "enter")  # a toast says how to fit one; no drill
        assert app.screen is screen


async def test_the_dashboard_says_when_nothing_records_a_churn(db_url: str, engine: Engine) -> None:
    """The small book's accounts are all active and no MRR movement is a churn: its
    0 % churn is for want of data, and the line under the period bar says so."""
    from sqlalchemy import text

    make_book(engine)
    with engine.connect() as connection:
        churn = connection.execute(
            text(
                "SELECT (SELECT count(*) FROM account WHERE churned_at IS NOT NULL"
                " OR churn_recorded_on IS NOT NULL)"
                " + (SELECT count(*) FROM mrr_movement WHERE kind = 'churn')"
            )
        ).scalar_one()
        accounts = connection.execute(text("SELECT count(*) FROM account")).scalar_one()
    assert churn == 0
    async with running(db_url) as (app, pilot):
        screen = await open_dashboard(app, pilot)
        note = " ".join(text_of(screen.query_one("#assumptions")).split())
        assert "nothing in this book records a churn" in note
        assert f"so its {accounts:,} accounts count as staying" in note


@pytest.mark.parametrize("last_ticket_on", [None, date(2026, 6, 20)])
async def test_a_book_whose_records_ended_long_ago_opens_on_its_last_month(
    db_url: str, engine: Engine, last_ticket_on: date | None
) -> None:
    """Seen two years after its last record, the small book would open on an empty
    month: the dashboard opens on the month of its latest record instead (the latest
    MRR movement, purchase, ticket or survey answer, read here with plain SQL), and a
    month after it says why it shows nothing. Records that end a few days into a month
    (the small book's on 2026-06-13; a grocer's sample on the 1st) open on the month
    before: a month of 13 days of records beside a whole one read as a collapse.
    A ticket opened on 2026-06-20 makes June the month shown."""
    from datetime import timedelta

    from sqlalchemy import text

    from tui.app import make_app

    ids = make_book(engine)
    if last_ticket_on is not None:
        with Session(engine) as session:
            session.add(
                Ticket(
                    account_id=ids["Acme Corp"],
                    subject="Late",
                    opened_at=datetime(2026, 6, 20, 9, tzinfo=UTC),
                )
            )
            session.commit()
    with engine.connect() as connection:
        latest = max(
            str(day)[:10]
            for day in connection.execute(
                text(
                    "SELECT max(occurred_on) FROM mrr_movement UNION ALL"
                    " SELECT max(purchased_at) FROM purchase UNION ALL"
                    " SELECT max(opened_at) FROM ticket UNION ALL"
                    " SELECT max(answered_at) FROM survey_response"
                )
            ).scalars()
            if day is not None
        )
    assert latest == (last_ticket_on or date(2026, 6, 13)).isoformat()
    june = Period.month_of(date(2026, 6, 1))
    opened = june if last_ticket_on else june.previous()
    later = TODAY + timedelta(days=730)
    app = make_app(db_url, today=later, recompute_health=False, start="dashboard")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        assert screen.view.period == opened
        assert f"month {opened.start:%Y-%m}" in text_of(screen.query_one("#switch-bar"))
        assert "Nothing in this book" not in text_of(screen.query_one("#assumptions"))
        if opened != june:
            await press(app, pilot, "right_square_bracket")
            assert screen.view.period == june
            assert "Nothing in this book" not in text_of(screen.query_one("#assumptions"))
        await press(app, pilot, "right_square_bracket")
        note = " ".join(text_of(screen.query_one("#assumptions")).split())
        assert f"Nothing in this book is dated after {latest}" in note
        await press(app, pilot, "left_square_bracket")
        assert screen.view.period == june
        await press(app, pilot, "p", "t")  # the quarter of the records, then today's
        assert screen.view.period == Period.quarter_of(later)


async def test_a_live_book_opens_on_the_current_month(db_url: str, engine: Engine) -> None:
    make_book(engine)
    from tui.app import make_app

    app = make_app(db_url, today=TODAY, recompute_health=False, start="dashboard")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert app.screen.view.period == Period.month_of(TODAY)


async def test_the_public_order_log_opens_on_its_purchases(
    cdnow_master: Path, tmp_path: Path
) -> None:
    """The CDNOW log (1997-98, purchases only), imported as it comes and opened today:
    the dashboard opens on June 1998 with the purchases' tiles, their figures computed
    here from the raw lines (a purchase: one customer on one day), and the buyers'
    tile drills into the buyers."""
    import polars as pl
    from typer.testing import CliRunner

    from cli.main import app as cli
    from core.metrics.model import money
    from tests.public_data import cdnow_frame
    from tui.app import make_app

    db = tmp_path / "cdnow.db"
    imported = CliRunner().invoke(
        cli,
        ["import", "purchases", str(cdnow_master), "--db", str(db), "--create-missing-accounts"],
    )
    assert imported.exit_code == 0, imported.output
    raw = cdnow_frame(cdnow_master, ["customer_id", "date", "cds", "dollars"])
    june = (
        raw.filter(pl.col("date").is_between(date(1998, 6, 1), date(1998, 6, 30)))
        .group_by("customer_id", "date")
        .agg(pl.col("cents").sum())
    )
    per_buyer = june.group_by("customer_id").len()
    buyers = per_buyer.height
    repeat = per_buyer.filter(pl.col("len") > 1).height
    average = money(int(june["cents"].sum())) / june.height
    app = make_app(f"sqlite:///{db}", today=date(2026, 12, 6), recompute_health=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        assert screen.view.period == Period.month_of(date(1998, 6, 30))
        values = shown(screen)
        assert "mrr" not in values and "nrr_pct" not in values
        assert values["customers_with_purchases"] == format_value("count", buyers)
        assert values["avg_purchase_value"] == format_value("money", average)
        assert values["repeat_purchase_rate_pct"] == format_value("pct", repeat / buyers * 100)
        tile = screen.query_one("#tile-customers-with-purchases", KpiTile)
        tile.focus()
        await press(app, pilot, "enter")
        assert isinstance(app.screen, DrillScreen)
        assert app.screen.drill.rows.height == buyers


async def test_the_first_starts_health_recompute_waits_for_the_dashboards_reads(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The dashboard's series and goals first, then the missing health scores: at 100k
    accounts the recompute beside the series raised the first start's peak from ~335
    to 370-506 MB. The recompute still runs, after them."""
    import core.goals
    import core.health.store
    import core.metrics.dashboard

    make_book(engine)
    with Session(engine) as session:  # no score of today yet, as on a first start
        for snapshot in session.exec(select(HealthSnapshot)).all():
            session.delete(snapshot)
        session.commit()
    order: list[str] = []
    step = partial(logged_steps, monkeypatch, order)
    step(core.metrics.dashboard, "monthly_figures")
    step(core.goals, "list_goals")
    step(core.health.store, "score_day_if_missing")
    app = make_app(db_url, today=TODAY, settings=Settings(path=tmp_path / "config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert app.screen.goal_views is not None
    assert order == [
        "> monthly_figures",
        "< monthly_figures",
        "> list_goals",
        "< list_goals",
        "> score_day_if_missing",
        "< score_day_if_missing",
    ]


async def test_the_charts_label_their_axes_as_money_counts_and_scores(
    demo_url: str, tmp_path: Path
) -> None:
    """On the demo book, the MRR chart's axis reads as money ($0, $20k), up to near
    the largest movement of a kind in a month (read here with plain SQL); the
    health chart's in whole accounts; NPS on its own scale, -100 to 100. Not
    plotext's "60140.7"."""
    import sqlite3

    from tests.tui.conftest import SNAPSHOT_DAY, snapshot_app
    from tui.widgets.charts import HealthChart, MrrMovementsChart, NpsChart

    first = last_months(SNAPSHOT_DAY, 12)[0].start.isoformat()
    with sqlite3.connect(demo_url.removeprefix("sqlite:///")) as connection:
        [(largest,)] = connection.execute(
            "SELECT max(abs(total)) FROM (SELECT sum(amount_cents) / 100.0 AS total"
            " FROM mrr_movement WHERE occurred_on >= ? AND occurred_on <= ?"
            " GROUP BY kind, substr(occurred_on, 1, 7))",
            (first, SNAPSHOT_DAY.isoformat()),
        ).fetchall()
    assert largest > 1_000

    def labels(chart: object) -> list[str]:
        canvas = re.sub(r"\x1b\[[0-9;]*m", "", chart.plt.build())  # type: ignore[attr-defined]
        return re.findall(r"^\s*(\S+)┤", canvas, flags=re.MULTILINE)

    app = snapshot_app(demo_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(app, pilot)
        await settle(app, pilot)
        money = labels(screen.query_one(MrrMovementsChart))
        counts = labels(screen.query_one(HealthChart))
        scores = labels(screen.query_one(NpsChart))
    assert "$0" in money
    assert all(re.fullmatch(r"-?\$\d+(\.\d)?k?", label) for label in money), money
    top = max(
        float(label.replace("$", "").strip("k")) * (1_000 if "k" in label else 1) for label in money
    )
    assert largest / 3 <= top <= largest
    assert counts and all(re.fullmatch(r"\d[\d,]*", label) for label in counts), counts
    assert scores == ["100", "50", "0", "-50", "-100"]


async def test_names_from_the_book_show_as_typed_in_the_lists_and_the_drill(
    db_url: str, engine: Engine
) -> None:
    """A DataTable reads a string as markup: an account named '[/] ...' closed the app
    with MarkupError when the dashboard listed it, and '[red]x[/red]' lost its brackets."""
    from sqlmodel import update

    from core.models import Account

    ids = make_book(engine)
    name = "[/] Hooli [red]x[/red]\x1b"
    with Session(engine) as session:
        session.exec(update(Account).where(col(Account.id) == ids["Hooli"]).values(name=name))
        renewing = update(Account).where(col(Account.id) == ids["Vandelay Industries"])
        session.exec(renewing.values(name="[b]Vandelay[/b]"))
        session.commit()
    async with running(db_url) as (app, pilot):
        screen = await open_dashboard(app, pilot)
        at_risk = screen.query_one("#at-risk", DataTable)
        assert str(at_risk.get_row_at(0)[0]) == "[/] Hooli [red]x[/red]\\x1b"
        renewals = screen.query_one("#renewals", DataTable)
        names = [str(renewals.get_row_at(i)[0]) for i in range(renewals.row_count)]
        assert "[b]Vandelay[/b]" in names
        await press(app, pilot, "enter")  # the MRR tile's drill lists every customer
        drill = app.screen
        assert isinstance(drill, DrillScreen), drill
        table = drill.query_one(DataTable)
        shown = {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
        assert "[/] Hooli [red]x[/red]\\x1b" in shown


async def test_the_goals_panel_follows_a_check_in_made_on_the_goals_screen(
    db_url: str, engine: Engine
) -> None:
    """The panel read the goals once: after a step (+) on the goals screen it still
    showed the old progress until the app was started again."""
    from core.goals import checkin_history, create_goal
    from tests.rows import goal_form
    from tui.screens.goals import STEP_PAUSE, GoalsScreen
    from tui.widgets.goal_progress import GoalProgress

    make_book(engine)
    days = {"start_date": f"{TODAY - timedelta(30)}", "due_date": f"{TODAY + timedelta(60)}"}
    form = goal_form(title="Money", target_type="currency", target="$20,000", step="2000", **days)
    goal_id = create_goal(engine, form)
    async with running(db_url) as (app, pilot):
        screen = await open_dashboard(app, pilot)
        await settle(app, pilot)
        [row] = screen.query(GoalProgress)
        assert "$0.00 / $20,000.00" in text_of(row)
        await press(app, pilot, "3")
        assert isinstance(app.screen, GoalsScreen)
        await pilot.press("plus")
        await pilot.pause(STEP_PAUSE + 0.3)
        await settle(app, pilot)
        assert [c.value for c in checkin_history(engine, goal_id)] == [2000]
        await press(app, pilot, "1")
        assert app.screen is screen
        await settle(app, pilot)
        [row] = screen.query(GoalProgress)
        assert "$2,000.00 / $20,000.00" in text_of(row)


async def test_the_figures_follow_an_answer_logged_elsewhere(db_url: str, engine: Engine) -> None:
    """The tiles kept the figures read when the dashboard first opened: an NPS answer
    logged from the list (or an import, or the welcome screen's demo book) changed
    nothing on it until the app was started again."""
    from tui.screens.log_form import LogInteractionScreen

    make_book(engine)
    month = Period.month_of(TODAY)
    async with running(db_url) as (app, pilot):
        screen = await open_dashboard(app, pilot)
        before = shown(screen)["nps"]
        assert before == expected(engine, month)["nps"]
        await press(app, pilot, "2", "l")  # log on the list's first account
        assert isinstance(app.screen, LogInteractionScreen)
        await pilot.press("s", "n", "0")  # a survey answer, NPS, a detractor's 0
        await press(app, pilot, "ctrl+s")
        await press(app, pilot, "1")
        assert app.screen is screen
        await settle(app, pilot)
        assert shown(screen)["nps"] == expected(engine, month)["nps"] != before


async def test_home_and_end_go_to_the_first_and_last_row_of_the_lists_and_the_drill(
    db_url: str, engine: Engine
) -> None:
    """A Textual table scrolls sideways on home and end: on the at-risk and renewals
    lists and the drill-through, end went nowhere. The help lists both keys."""
    make_book(engine)
    async with running(db_url) as (app, pilot):
        screen = await open_dashboard(app, pilot)
        for name in ("at-risk", "renewals"):
            table = screen.query_one(f"#{name}", DataTable)
            assert table.row_count > 1, name
            table.focus()
            await press(app, pilot, "end")
            assert table.cursor_row == table.row_count - 1, name
            await press(app, pilot, "home")
            assert table.cursor_row == 0, name
        await press(app, pilot, "question_mark")
        keys = text_of(app.screen.query_one("#help-keys"))
        assert "First row" in keys and "Last row" in keys, keys
        # after the screen's own keys, not above them (where the table's home was)
        assert keys.index("Month/quarter") < keys.index("First row"), keys
        await press(app, pilot, "escape")
        screen.query_one(KpiTile).focus()
        await press(app, pilot, "enter")
        drill = app.screen
        assert isinstance(drill, DrillScreen), drill
        table = drill.query_one(DataTable)
        assert table.row_count > 1
        await press(app, pilot, "end")
        assert table.cursor_row == table.row_count - 1
        await press(app, pilot, "home")
        assert table.cursor_row == 0


async def test_empty_lists_say_why_on_a_book_without_scores_or_renewal_dates(
    db_url: str, telco: Engine
) -> None:
    """IBM's telco sample has no usage, interaction, survey or ticket to score health
    from, and no renewal date: its lists read 'No account at risk in this scope.' and
    'No renewal in the next 90 days in this scope.', as if all were well."""
    from core.health.store import recompute_all
    from tests.tui.conftest import TELCO

    columns = pl.read_csv(TELCO, n_rows=1).columns
    assert not any("renew" in column.lower() for column in columns)
    recompute_all(telco, as_of=TODAY)  # as the app does on launch: no signal, no score
    with Session(telco) as session:
        snapshots = session.exec(select(HealthSnapshot)).all()
    assert snapshots and {(s.score, s.band) for s in snapshots} == {(None, "no data")}
    async with running(db_url) as (app, pilot):
        screen = await open_dashboard(app, pilot)
        at_risk = text_of(screen.query_one("#at-risk-note"))
        assert "No account in this scope has a health score yet" in at_risk, at_risk
        renewals = text_of(screen.query_one("#renewals-note"))
        assert "No account in this scope has a renewal date" in renewals, renewals
        # the band tiles said "no data"; an account without a score is "no score"
        from tui.widgets.kpi_tile import KpiTile

        bands = [t for t in screen.query(KpiTile) if t.spec.key.startswith("band_")]
        shown = [" ".join(text_of(tile).split()) for tile in bands]
        assert len(shown) == 3 and all("no score" in t and "no data" not in t for t in shown)
        # and the health chart's title, as the tiles say it, within its width
        from tui.widgets.charts import HealthChart

        chart = screen.query_one(HealthChart)
        canvas = re.sub(r"\x1b\[[0-9;]*m", "", chart.plt.build())
        assert "no account scored" in canvas and "no data" not in canvas, canvas[:300]


async def test_an_order_logs_clv_tile_says_what_it_assumes(
    cdnow_master: Path, tmp_path: Path
) -> None:
    """CDNOW's order log as of its third month: its CLV rests on the lifespan its
    buyers showed (no churn to measure) and on the months of purchases there are (less
    than a year); the dashboard says both under the period bar, as ``cxtui metrics``
    does. It said neither."""
    from core.importing import ImportOptions, import_file
    from core.store.db import open_engine, sqlite_url
    from tests.public_data import cdnow_frame

    url = sqlite_url(tmp_path / "cdnow.db")
    engine = open_engine(url)
    options = ImportOptions(create_missing_accounts=True)
    import_file(engine, "purchases", cdnow_master, options)
    engine.dispose()
    day = date(1997, 3, 31)
    raw = cdnow_frame(cdnow_master, ["customer_id", "date", "cds", "dollars"])
    months = ((day - raw["date"].min()).days + 1) * 12 / 365.25  # 365.25 / 12 days each
    app = make_app(url, today=day, settings=Settings(), recompute_health=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        said = " ".join(text_of(screen.query_one("#assumptions")).split())
        assert "Assumed: a CLV lifespan of" in said, said
        assert f"those of the {months:.1f} months of purchase history" in said, said


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["160x50", "80x24"])
async def test_i_on_the_dashboard_opens_the_import_screen(
    db_url: str, engine: Engine, size: tuple[int, int]
) -> None:
    """The welcome said '2 shows the accounts list, then i': on the dashboard, where
    the app opens, i did nothing and no key named an import. i there opens the import
    screen (the accounts list's), its footer and ? say so, and escape comes back."""
    from textual.widgets._footer import FooterKey

    from tui.screens.help import HelpScreen
    from tui.screens.import_wizard import ImportWizardScreen

    make_book(engine)
    async with running(db_url) as (app, pilot):
        await pilot.resize_terminal(*size)
        screen = await open_dashboard(app, pilot)
        footer = [
            f"{key.key_display} {key.description}" for key in screen.query(FooterKey) if key.display
        ]
        assert "i Import" in footer, footer
        await press(app, pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = [row.split() for row in text_of(app.screen.query_one("#help-keys")).splitlines()]
        assert ["i", "Import", "this", "screen"] in rows, rows
        await press(app, pilot, "escape", "i")
        assert isinstance(app.screen, ImportWizardScreen), app.screen
        await press(app, pilot, "escape")
        assert app.screen is screen
