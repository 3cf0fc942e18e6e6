"""Drill-through: the rows and counts behind each dashboard number are the metric's
own numerator and denominator, on the demo book and on a hand-made one."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from core.metrics import MetricSet, Scope, compute_metrics, load_book
from core.metrics.drill import DRILL_KEYS, band_drill, drill, with_names
from core.metrics.model import dollars, money, pct
from core.models import HealthSnapshot
from core.periods import Period
from sample_data import load_demo
from tests.core.metrics_book import FEB, JAN, LATER, MAR, BookWriter, at
from tests.rows import new_override

DEMO_DAY = date(2026, 11, 30)
NOV_30 = date(2026, 11, 30)


def _close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)


def check_drills(engine: Engine, period: Period, as_of: date, scope: Scope | None = None) -> None:
    """Every drill of ``period`` against ``compute_metrics`` of the same period."""
    m: MetricSet = compute_metrics(engine, period, scope, as_of=as_of)
    loaded = load_book(engine, Period(period.previous().start, period.end), as_of, scope)
    d = {key: drill(loaded, key, period) for key in DRILL_KEYS}

    # the rates' base: the customers at the start less those gone on an unknown date
    undated = m.churned_undated_accounts
    base = m.customers_at_start - undated
    churn = d["churn_rate_pct"]
    assert churn.terms == {
        "lost": m.churned_accounts,
        "at_start": m.customers_at_start,
        "churned_undated": undated,
    }
    assert churn.rows.height == m.customers_at_start
    assert churn.rows["lost"].sum() == m.churned_accounts
    assert _close(pct(churn.terms["lost"], base), m.churn_rate_pct)

    kept = d["retention_rate_pct"]
    assert kept.terms == {
        "at_end": m.active_accounts,
        "new": m.new_accounts,
        "at_start": m.customers_at_start,
        "churned_undated": undated,
    }
    assert kept.rows["at_end"].sum() == m.active_accounts
    assert kept.rows["new"].sum() == m.new_accounts
    assert kept.rows["at_start"].sum() == m.customers_at_start
    assert _close(pct(m.active_accounts - m.new_accounts, base), m.retention_rate_pct)
    for rows in (churn.rows, kept.rows):
        assert (rows["churned_undated"].sum() if undated else 0) == undated

    active = d["active_accounts"]
    assert active.rows.height == m.active_accounts
    if undated:  # the bridge from the start says where they went
        t = active.terms
        assert t["at_start"] + t["new"] - t["lost"] - t["churned_undated"] == m.active_accounts
        assert (t["at_start"], t["churned_undated"]) == (m.customers_at_start, undated)

    mrr = d["mrr"]
    assert money(mrr.terms["mrr_cents"]) == m.mrr
    assert money(int(mrr.rows["mrr_cents"].sum())) == m.mrr
    assert mrr.terms["customers"] == mrr.rows.height == m.active_accounts

    net = d["net_new_mrr"]
    for kind, metric in (
        ("new", m.mrr_new),
        ("expansion", m.mrr_expansion),
        ("contraction", m.mrr_contraction),
        ("churn", m.mrr_churned),
        ("reactivation", m.mrr_reactivation),
    ):
        assert money(net.terms[f"{kind}_cents"]) == metric, kind
    assert money(int(net.rows["amount_cents"].sum())) == m.net_new_mrr
    assert money(net.terms["undated_churn_cents"]) == m.mrr_churned_undated

    for key, metric in (("grr_pct", m.grr_pct), ("nrr_pct", m.nrr_pct)):
        t = d[key].terms
        assert money(t["start_mrr_cents"]) == m.mrr_at_start
        assert t["customers"] == d[key].rows.height == m.customers_at_start
        gained = t["expansion_cents"] if key == "nrr_pct" else 0
        loss = t["contraction_cents"] + t["churn_cents"]
        start = t["start_mrr_cents"] + t["undated_churn_cents"]  # the churns of no date out
        assert _close(pct(start + gained + loss, start), metric)

    nps = d["nps"]
    assert (nps.terms["promoters"], nps.terms["passives"], nps.terms["detractors"]) == (
        m.nps_promoters,
        m.nps_passives,
        m.nps_detractors,
    )
    assert nps.rows.height == nps.terms["answers"]

    csat = d["csat_pct"]
    assert _close(pct(csat.terms["satisfied"], csat.terms["answers"]), m.csat_pct)
    assert csat.rows.height == csat.terms["answers"]

    buyers = d["customers_with_purchases"]
    assert buyers.terms["buyers"] == buyers.rows.height == m.customers_with_purchases
    average = d["avg_purchase_value"]
    total, purchases = average.terms["amount_cents"], average.terms["purchases"]
    assert total == average.rows["amount_cents"].sum()
    assert (money(Fraction(total, purchases)) if purchases else None) == m.avg_purchase_value
    repeat = d["repeat_purchase_rate_pct"]
    assert repeat.terms["buyers"] == m.customers_with_purchases
    assert _close(
        pct(repeat.terms["repeat_buyers"], repeat.terms["buyers"]), m.repeat_purchase_rate_pct
    )
    assert repeat.rows["repeat"].sum() == repeat.terms["repeat_buyers"]
    clv = d["clv"]
    assert clv.formula.startswith("CLV no data" if m.clv is None else f"CLV ${m.clv:,.2f} =")
    assert clv.terms["buyers"] == clv.rows.height
    assert clv.terms["amount_cents"] == clv.rows["amount_cents"].sum()
    assert clv.terms["purchases"] == clv.rows["purchases"].sum()
    if m.clv is not None:  # revenue per buyer of the year x lifespan, to the cent
        per_buyer = Fraction(clv.terms["amount_cents"], clv.terms["buyers"])
        assert abs(money(per_buyer * Fraction(m.clv_lifespan_years)) - m.clv) <= Decimal("0.01")


def test_demo_drills_equal_the_metrics(engine: Engine) -> None:
    load_demo(engine, as_of=DEMO_DAY)
    day = DEMO_DAY - timedelta(days=3)
    check_drills(engine, Period.month_of(day), day)
    check_drills(engine, Period.quarter_of(day), day)
    check_drills(engine, Period.month_of(day).previous(), day, Scope(segment="Enterprise"))


@pytest.fixture
def surveyed(three_months: BookWriter) -> BookWriter:
    """The metrics tests' three months (accounts A-D are 1-4) with NPS and CSAT
    answers in January."""
    a, b, c, d = 1, 2, 3, 4
    for account, score in ((a, 10), (b, 8), (c, 7), (d, 3)):
        three_months.survey(account, "nps", score, at(date(2024, 1, 31), 23, 59, 59))
    for account, score in ((a, 5), (b, 4), (c, 2)):
        three_months.survey(account, "csat", score, at(date(2024, 1, 1), 0))
    three_months.survey(b, "nps", 0, at(date(2024, 2, 1), 0))  # February: not in January
    three_months.save()
    return three_months


def test_january_by_hand(surveyed: BookWriter) -> None:
    engine = surveyed.engine
    loaded = load_book(engine, Period(date(2023, 12, 1), JAN.end), LATER)
    churn = drill(loaded, "churn_rate_pct", JAN)
    assert churn.formula == "churn 25.0 % = 1 lost / 4 at start"
    assert churn.rows.filter("lost")["account_id"].to_list() == [4]
    retention = drill(loaded, "retention_rate_pct", JAN)
    assert retention.formula == "retention 75.0 % = (3 at end - 0 new) / 4 at start"
    grr = drill(loaded, "grr_pct", JAN)
    # start MRR: A 100 + B 200 + D 120 + E 300 = 720; D churned 120 in January
    assert grr.formula == (
        "GRR 83.3 % = ($720.00 start - $0.00 contraction - $120.00 churned)"
        " / $720.00 start MRR of 4 customers"
    )
    nrr = drill(loaded, "nrr_pct", JAN)
    assert nrr.terms["expansion_cents"] == 5000
    assert nrr.rows.row(0, named=True)["account_id"] == 1  # the expansion first
    nps = drill(loaded, "nps", JAN)
    assert nps.formula == "NPS 0.0 = 25.0 % promoters (1) - 25.0 % detractors (1) of 4 answers"
    csat = drill(loaded, "csat_pct", JAN)
    assert csat.formula == "CSAT 66.7 % = 2 satisfied / 3 answers"
    net = drill(loaded, "net_new_mrr", JAN)
    assert net.rows.select("account_id", "kind").rows() == [(1, "expansion"), (4, "churn")]
    named = with_names(engine, churn.rows)
    assert named.columns[:3] == ["account_id", "name", "owner"]
    assert named.filter("lost")["name"].to_list() == ["Account 4"]


def test_a_count_of_one_is_said_in_the_singular(surveyed: BookWriter) -> None:
    """February has one NPS answer (account B's 0): its drill read '... of 1 answers',
    and with one CSAT answer '1 satisfied / 1 answers'. Counted from the drills' rows."""
    surveyed.survey(3, "csat", 5, at(date(2024, 2, 10), 9))
    surveyed.save()
    loaded = load_book(surveyed.engine, Period(JAN.start, FEB.end), LATER)
    nps, csat = drill(loaded, "nps", FEB), drill(loaded, "csat_pct", FEB)
    assert (nps.rows.height, csat.rows.height) == (1, 1)
    assert nps.formula.endswith("detractors (1) of 1 answer"), nps.formula
    assert csat.formula == "CSAT 100.0 % = 1 satisfied / 1 answer", csat.formula


def test_hand_made_drills_equal_the_metrics(surveyed: BookWriter) -> None:
    for period in (JAN, MAR, Period.quarter_of(JAN.start)):
        check_drills(surveyed.engine, period, LATER)
    check_drills(surveyed.engine, MAR, LATER, Scope(owner="Bo"))


def test_an_empty_period_says_no_data(engine: Engine) -> None:
    loaded = load_book(engine, Period(date(2024, 1, 1), JAN.end), LATER)
    assert drill(loaded, "churn_rate_pct", JAN).formula == "churn no data = 0 lost / 0 at start"
    assert drill(loaded, "nps", JAN).rows.is_empty()
    assert drill(loaded, "clv", JAN).formula.startswith("CLV no data")
    with pytest.raises(KeyError, match="no drill-through for 'stickiness_pct'"):
        drill(loaded, "stickiness_pct", JAN)


def test_the_clv_drill_shows_the_year_behind_it(book: BookWriter) -> None:
    """January's CLV rests on the purchases of the year to its end: the drill lists
    that year's buyers (not January's alone) with the terms of the figure."""
    buyers = book.accounts(19, date(2023, 1, 1))
    book.accounts(1, date(2023, 1, 1), churned=date(2024, 1, 9))  # lifespan 20 years
    book.purchase(buyers[0], at(date(2024, 1, 4)), 3000)
    book.purchase(buyers[0], at(date(2024, 1, 20)), 1000)
    book.purchase(buyers[1], at(date(2023, 3, 10)), 8000)
    book.purchase(buyers[2], at(date(2023, 1, 15)), 5000)  # before the year
    book.save()
    loaded = load_book(book.engine, JAN, LATER)
    clv = drill(loaded, "clv", JAN)
    assert clv.formula == (
        "CLV $1,200.00 = average purchase $40.00 x 1.50 purchases a year x a lifespan of"
        " 20.00 years; $120.00 from 3 purchases of 2 buyers, 2023-02-01 to 2024-01-31"
    )
    assert clv.terms == {"amount_cents": 12000, "purchases": 3, "buyers": 2}
    assert clv.rows["account_id"].to_list() == [buyers[1], buyers[0]]


def test_band_drill_counts_the_band_in_force(surveyed: BookWriter) -> None:
    engine = surveyed.engine
    day = date(2024, 3, 31)
    with Session(engine) as session:
        snapshots = ((5, "red", 1), (2, "green", 3), (3, "red", 40), (1, "green", 2))
        for account, band, days_ago in snapshots:
            session.add(
                HealthSnapshot(
                    account_id=account,
                    day=day - timedelta(days=days_ago),
                    score={"red": 20.0, "green": 80.0}[band],
                    band=band,
                )
            )
        new_override(session, 2, day, starts=-2, expires=5, band="red", reason="Champion left")
        session.commit()
    red = band_drill(engine, "red", day)
    # account 3's only snapshot is older than 30 days; account 2 is red by override;
    # account 1 left on March 10 (a snapshot after that does not make it a customer)
    assert red.rows["account_id"].to_list() == [2, 5]
    assert red.formula == "red = 2 of 2 scored accounts"
    assert band_drill(engine, "red", day, Scope(owner="Bo")).terms == {"red": 1, "scored": 1}


def test_purchase_drills_by_hand(three_months: BookWriter) -> None:
    """A bought twice on 3 January (one purchase: one per customer and day) and on
    the 10th; B once: 2 buyers, 3 purchases, $200.00, one repeat buyer."""
    a, b = 1, 2
    three_months.purchase(a, at(date(2024, 1, 3), 9), 10_000)
    three_months.purchase(a, at(date(2024, 1, 3), 17), 2_000)
    three_months.purchase(a, at(date(2024, 1, 10), 12), 5_000)
    three_months.purchase(b, at(date(2024, 1, 20), 8), 3_000)
    three_months.purchase(b, at(date(2024, 2, 1), 0), 9_900)  # February: not in January
    three_months.save()
    loaded = load_book(three_months.engine, Period(date(2023, 12, 1), JAN.end), LATER)
    buyers = drill(loaded, "customers_with_purchases", JAN)
    assert buyers.formula == (
        "customers with purchases = 2 accounts that bought from 2024-01-01 to 2024-01-31"
    )
    assert buyers.rows.select("account_id", "purchases", "amount_cents").rows() == [
        (a, 2, 17_000),
        (b, 1, 3_000),
    ]
    average = drill(loaded, "avg_purchase_value", JAN)
    assert average.formula == (
        "average purchase $66.67 = $200.00 / 3 purchases (one per customer and day)"
    )
    repeat = drill(loaded, "repeat_purchase_rate_pct", JAN)
    assert repeat.formula == (
        "repeat purchase rate 50.0 % = 1 with two purchases or more / 2 buyers"
    )
    assert repeat.rows["account_id"].to_list() == [a, b]  # the repeat buyer first


def test_the_telco_samples_undated_churns_are_said_by_the_drills(
    engine: Engine, telco_churn: Path
) -> None:
    """IBM's telco sample (Yes/No churn, no dates) imported as of 2026-11-30: its
    1,869 churns have no date, so November's churn is 0.0 % while its customers fall
    by 1,858 (domain.md: a churn without a date counts in no period's churn). The
    drills said 'churn 0.0 % = 0 lost / 7,032 at start', 'retention 73.4 %' and 'GRR
    69.5 %' beside tiles of 100.0 %, and the customers' drill said nothing of where
    1,869 customers went. Each now counts as its tile does and says why; the counts
    are plain polars over the raw file (tenure 0: new in November)."""
    from core.importing import ImportOptions, import_file

    options = ImportOptions(
        columns={"external_id": "customerID", "name": "customerID"},
        values={"status": {"Yes": "churned", "No": "active"}},
        as_of=NOV_30,
    )
    import_file(engine, "accounts", telco_churn, options)
    raw = pl.read_csv(telco_churn, infer_schema_length=0).with_columns(
        pl.col("tenure").cast(pl.Int64),
        (pl.col("MonthlyCharges").cast(pl.Decimal(12, 2)) * 100).cast(pl.Int64).alias("cents"),
    )
    churned = raw.filter(pl.col("Churn") == "Yes")
    new = raw.filter(pl.col("tenure") == 0)
    undated, at_start = churned.height, raw.height - new.height
    lost_mrr = int(churned["cents"].sum())
    assert (undated, at_start, new.height) == (1_869, 7_032, 11)

    november = Period.month_of(NOV_30)
    check_drills(engine, november, NOV_30)
    loaded = load_book(engine, Period(november.previous().start, november.end), NOV_30)
    said = f"{undated:,} churned without a date: counted in no period's churn"
    base = f"{at_start - undated:,} at start ({at_start:,} less {said})"
    assert drill(loaded, "churn_rate_pct", november).formula == f"churn 0.0 % = 0 lost / {base}"
    assert drill(loaded, "retention_rate_pct", november).formula == (
        f"retention 100.0 % = ({raw.height - undated:,} at end - {new.height} new) / {base}"
    )
    assert drill(loaded, "active_accounts", november).formula == (
        f"customers = {raw.height - undated:,} at 2026-11-30 = {at_start:,} at start"
        f" + {new.height} new - 0 lost - {said}"
    )
    grr = drill(loaded, "grr_pct", november)
    assert grr.formula.startswith("GRR 100.0 % = (")
    assert f" less {dollars(lost_mrr)} of {said})" in grr.formula
    assert money(grr.terms["undated_churn_cents"]) == -money(lost_mrr)
    net = drill(loaded, "net_new_mrr", november)
    assert net.formula.endswith(f"; not in it: {dollars(lost_mrr)} MRR of {said}")
    assert net.terms["new_cents"] == new["cents"].sum()
    # October: nobody left on an unknown date, nothing more said
    for key in ("churn_rate_pct", "active_accounts", "grr_pct", "net_new_mrr"):
        assert "without a date" not in drill(loaded, key, november.previous()).formula, key


def test_a_book_that_records_no_churn_says_its_rates_are_for_want_of_data(
    book: BookWriter,
) -> None:
    """An order log's churn drill read 'churn 0.0 % = 0 lost / 3 at start' as if
    measured; nothing in the book records a churn, so every account counts as staying
    (domain.md), and the churn and retention drills now say so."""
    buyers = book.accounts(3, date(2023, 1, 1))
    book.purchase(buyers[0], at(date(2024, 1, 4)), 3000)
    book.save()
    loaded = load_book(book.engine, Period(date(2023, 12, 1), JAN.end), LATER)
    staying = (
        "; nothing in this book records a churn (no churned status, churn date or churn"
        " movement): every account counts as staying"
    )
    assert (
        drill(loaded, "churn_rate_pct", JAN).formula
        == f"churn 0.0 % = 0 lost / 3 at start{staying}"
    )
    assert drill(loaded, "retention_rate_pct", JAN).formula == (
        f"retention 100.0 % = (3 at end - 0 new) / 3 at start{staying}"
    )
