"""The 360 of an account that buys by purchase (a grocer's household: purchases, no
subscription) leads with its purchases, not "MRR $0", and its health says nothing of
a renewal or a contraction it cannot have. Checked on the public grocer's till lines
(84.51's "The Complete Journey") against plain polars over the raw file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from core.config.settings import Settings
from core.health.store import recompute_all
from core.importing import ImportOptions, import_file
from core.interactions import account_id_of
from tests.conftest import public_file
from tests.tui.conftest import SMALL, account_header, settle, text_of
from tui.app import make_app

TODAY = date(2017, 12, 31)  # the till lines' last day (two of 2018-01-01 aside)
HOUSEHOLDS = (1111, 2500)  # the most lines (4,193), last on 12-26; 973, last on 12-31


@pytest.fixture(scope="module")
def grocery_transactions(pytestconfig: pytest.Config) -> Path:
    return public_file(pytestconfig, "grocery_transactions")


@pytest.fixture
def grocer(engine: Engine, grocery_transactions: Path, tmp_path: Path) -> pl.DataFrame:
    """The till lines of HOUSEHOLDS imported as a new user imports them (accounts
    created from the lines); the raw lines returned."""
    lines = (
        pl.scan_parquet(grocery_transactions)
        .filter(pl.col("household_id").is_in(HOUSEHOLDS))
        .collect()
    )
    path = tmp_path / "lines.parquet"
    lines.write_parquet(path)
    options = ImportOptions(
        columns={
            "account": "household_id",
            "purchased_at": "transaction_timestamp",
            "amount": "sales_value",
        },
        create_missing_accounts=True,
    )
    import_file(engine, "purchases", path, options)
    return lines


def _expected(lines: pl.DataFrame, household: int, today: date) -> str:
    """The header's purchase words by plain polars: one purchase per household and day
    (domain.md), the year up to ``today`` from the day after it a year before."""
    days = (
        lines.filter(
            pl.col("household_id") == household,
            pl.col("transaction_timestamp").dt.date() <= today,
        )
        .group_by(pl.col("transaction_timestamp").dt.date().alias("day"))
        .agg((pl.col("sales_value") * 100).round(0).sum().alias("cents"))
    )
    first, last = days["day"].min(), days["day"].max()
    assert isinstance(first, date) and isinstance(last, date)
    since = (last - today).days
    ago = "today" if since == 0 else f"{-since} days ago"
    year = days.filter(pl.col("day") > date(today.year - 1, today.month, today.day))

    def dollars(cents: float) -> str:
        return f"${cents / 100:,.0f}"

    def purchase_days(count: int) -> str:
        return f"{count:,} purchase day{'s' if count != 1 else ''}"

    recent = (
        f"{dollars(year['cents'].sum())} over {purchase_days(year.height)} in the last 12 months"
        if year.height
        else "none in the last 12 months"
    )
    return (
        f"active · last purchase {last.isoformat()} ({ago}) · {purchase_days(days.height)},"
        f" {dollars(days['cents'].sum())} since {first.isoformat()} · {recent}"
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("today", [TODAY, date(2026, 12, 7)])
async def test_a_household_leads_with_its_purchases_not_mrr(
    db_url: str, engine: Engine, grocer: pl.DataFrame, today: date
) -> None:
    """It read "no segment · no plan · no owner · MRR $0 · active · renewal none"; a
    household has no MRR and no renewal: its last purchase and what it spent say what
    it brings (seen on the day of the lines, and years later: none in 12 months)."""
    app = make_app(
        db_url, today=today, settings=Settings(), recompute_health=False, start="accounts"
    )
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        for household in HOUSEHOLDS:
            account = account_id_of(engine, str(household))
            assert account is not None
            app.open_account(account)
            await settle(app, pilot)
            header = _one_line(account_header(app))
            assert _expected(grocer, household, today) in header, header
            assert "MRR" not in header and "renewal" not in header, header


async def test_the_purchases_stay_in_view_at_80_columns(
    db_url: str, engine: Engine, grocer: pl.DataFrame
) -> None:
    """At 80x24 the purchase words wrap onto a third line of facts: the header grows
    rather than cut the last of them off."""
    app = make_app(
        db_url, today=TODAY, settings=Settings(), recompute_health=False, start="accounts"
    )
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        account = account_id_of(engine, str(HOUSEHOLDS[0]))
        assert account is not None
        app.open_account(account)
        await settle(app, pilot)
        header = account_header(app)
        assert _expected(grocer, HOUSEHOLDS[0], TODAY) in _one_line(header), header
        assert header.rstrip().endswith("in the last 12 months"), header


async def test_a_households_health_speaks_of_no_renewal(
    db_url: str, engine: Engine, grocer: pl.DataFrame
) -> None:
    """Its commercial component scored 67 on 'no contraction in 90 days · renewal close,
    taken as the start date's anniversary (no renewal date), and nobody in touch': the
    anniversary of its first purchase taken for a renewal, and no MRR taken for no
    contraction. Without a subscription both are no data, left out (domain.md: a
    component without data is left out; no data is not good news), and it says why:
    'commercial left out: no subscription', not 'no data'."""
    recompute_all(engine, as_of=date(2017, 12, 31))
    app = make_app(
        db_url, today=TODAY, settings=Settings(), recompute_health=False, start="accounts"
    )
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        account = account_id_of(engine, str(HOUSEHOLDS[0]))
        assert account is not None
        app.open_account(account)
        await settle(app, pilot)
        health = _one_line(text_of(app.screen.query_one("#health")))
        assert "renewal" not in health and "contraction" not in health, health
        assert "commercial left out: no subscription" in health, health


async def test_the_grocers_dashboard_says_what_it_cannot_measure(
    db_url: str, engine: Engine, grocer: pl.DataFrame
) -> None:
    """The grocer's book records no churn and no renewal date: its churn tile read 0.0 %
    and its retention 100.0 % as if measured, and the renewal forecast said 'no churn
    model · ctrl+p: fit the churn model', which would forecast nothing. The rate tiles
    point to their drills, which say the rates are for want of data, and the forecast
    says no renewal is dated."""
    from tui.screens.dashboard import DashboardScreen
    from tui.screens.drill import DrillScreen
    from tui.widgets.kpi_tile import KpiTile

    app = make_app(db_url, today=TODAY, settings=Settings(), recompute_health=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen), screen
        tiles = {tile.spec.key: tile for tile in screen.query(KpiTile)}
        forecast = _one_line(text_of(tiles["renewals_kept"]))
        assert "no renewal dates" in forecast and "churn model" not in forecast, forecast
        for key in ("churn_rate_pct", "retention_rate_pct"):
            assert "· ⏎ why" in _one_line(text_of(tiles[key])), key
        tiles["churn_rate_pct"].focus()
        await pilot.press("enter")
        await settle(app, pilot)
        drill = app.screen
        assert isinstance(drill, DrillScreen), drill
        households = grocer["household_id"].n_unique()
        formula = _one_line(text_of(drill.query_one("#drill-formula")))
        assert formula == (
            f"churn 0.0 % = 0 lost / {households} at start; nothing in this book records a"
            " churn (no churned status, churn date or churn movement): every account counts"
            " as staying"
        ), formula


async def test_the_timeline_says_when_it_shows_only_the_latest_purchases(
    db_url: str, engine: Engine, grocer: pl.DataFrame
) -> None:
    """Household 1111's 4,193 till lines: the timeline reads each kind up to its latest
    1,000 and said "1,000 events" as if that were all; it says which kind it cut.
    Household 2500 (973 lines) is shown whole, without the note."""
    from core.accounts.queries import TIMELINE_LIMIT

    app = make_app(
        db_url, today=TODAY, settings=Settings(), recompute_health=False, start="accounts"
    )
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        for household in HOUSEHOLDS:
            lines = grocer.filter(pl.col("household_id") == household).height
            account = account_id_of(engine, str(household))
            assert account is not None
            app.open_account(account)
            await settle(app, pilot)
            bar = _one_line(text_of(app.screen.query_one("#timeline-bar")))
            if lines > TIMELINE_LIMIT:
                assert (
                    f"({TIMELINE_LIMIT:,} events; the latest {TIMELINE_LIMIT:,} purchases only:"
                    " x exports them all)" in bar
                ), bar
            else:
                assert f"({lines:,} events)" in bar, bar


@pytest.mark.parametrize("size", [(160, 50), SMALL])
async def test_the_grocers_dashboard_charts_its_purchase_revenue(
    db_url: str, engine: Engine, grocer: pl.DataFrame, size: tuple[int, int]
) -> None:
    """Its first chart read 'MRR movements per month: no data': an order log has no
    subscription. It charts what it has, the purchases' revenue per month, from the
    metrics' monthly series: held here for two months to plain polars over the raw
    till lines (each line's amount in cents, summed by the month of its timestamp)."""
    import re

    from tui.screens.dashboard import DashboardScreen

    cents = grocer.group_by(
        pl.col("transaction_timestamp").dt.truncate("1mo").dt.date().alias("month")
    ).agg((pl.col("sales_value") * 100).round(0).sum().cast(pl.Int64).alias("cents"))
    expected = {row["month"]: Decimal(row["cents"]) / 100 for row in cents.iter_rows(named=True)}
    app = make_app(db_url, today=TODAY, settings=Settings(), recompute_health=False)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen), screen
        screen.query_one("#charts").scroll_visible(top=True, animate=False)  # at 80x24
        await settle(app, pilot)
        shown_text = text_of(screen)
        assert "MRR movements" not in shown_text, shown_text
        assert "Purchase revenue per month" in shown_text, shown_text
        from tui.widgets.charts import MrrMovementsChart, PurchasesChart

        chart = screen.query_one(PurchasesChart)
        assert chart.display and not screen.query_one(MrrMovementsChart).display
        title = _one_line(text_of(chart))
        assert "Purchase revenue per month" in title and "no data" not in title, title
        assert screen.monthly is not None
        series = screen.monthly.metrics
        shown = dict(zip(series["month"], series["purchase_revenue"], strict=True))
        for month in (date(2017, 6, 1), date(2017, 12, 1)):
            assert shown[month] == expected[month] > 0, month
        canvas = re.sub(r"\x1b\[[0-9;]*m", "", chart.plt.build())
        labels = re.findall(r"^\s*(\S+)┤", canvas, flags=re.MULTILINE)
        assert "$0" in labels and all(label.startswith("$") for label in labels), labels
