"""Drill-through: the accounts or records behind a dashboard number, and the formula
with the actual counts ("churn 3.1 % = 8 lost / 258 at start").

Each drill is computed from the same ``core.metrics.Book`` the metrics were computed
from (its frames, ``customers_at`` and ``mrr_at``), following the definitions of
``core.metrics``, so its counts are the metric's numerator and denominator; the
tests hold them to it. ``terms`` holds those counts by name (money in cents).

    drill(book, key, period) -> Drill        # a metric tile (DRILL_KEYS)
    band_drill(engine, band, day, scope)     # a health-band tile
    with_names(engine, frame)                # account names and owners, one bulk read
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

import polars as pl
from sqlalchemy import Engine, select

from core.metrics import Book, Period, Scope
from core.metrics.book import year_to
from core.metrics.dashboard import bands_on
from core.metrics.model import dollars, money, pct
from core.models import Account, MrrMovementKind, SurveyKind
from core.store.frames import read_frame
from core.text import counted

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Drill:
    """What is behind one number: ``formula`` in words with the counts, ``terms``
    (those counts by name; money in cents) and ``rows`` (one per account or record,
    with ``account_id``)."""

    title: str
    formula: str
    rows: pl.DataFrame
    terms: dict[str, int] = field(default_factory=dict)


def _rate(value: float | None, unit: str = " %") -> str:
    return "no data" if value is None else f"{value:.1f}{unit}"


@dataclass(frozen=True)
class _Window:
    """A period cut as the metrics cut it: from ``start`` to ``ref`` (as of the
    book), starting from the customers at the end of ``before``."""

    start: date
    ref: date
    before: date

    @classmethod
    def of(cls, book: Book, period: Period) -> _Window:
        return cls(period.start, min(period.end, book.as_of), period.start - _ONE_DAY)


def _flag(frame: pl.DataFrame, ids: pl.DataFrame, name: str) -> pl.DataFrame:
    """``frame`` with a boolean column ``name``: is the row's account in ``ids``."""
    return frame.with_columns(pl.col("account_id").is_in(ids["account_id"].implode()).alias(name))


@dataclass(frozen=True)
class _Customers:
    """Account ids of a window, as ``core.metrics`` defines them: the customers at
    its start and at its end, those lost (on a known date), the new ones, and those
    gone on an unknown date (a churn without a date recorded in the window: in no
    churn figure, and out of the churn and retention rates' base)."""

    at_start: pl.DataFrame
    at_end: pl.DataFrame
    lost: pl.DataFrame
    new: pl.DataFrame
    undated: pl.DataFrame

    @classmethod
    def of(cls, book: Book, window: _Window) -> _Customers:
        at_start, at_end = book.customers_at(window.before), book.customers_at(window.ref)
        lost, new = book.lost_and_new(at_start, window.start, window.ref)
        return cls(at_start, at_end, lost, new, book.left_undated(at_start, at_end, lost))

    @property
    def base(self) -> int:
        """The rates' customers at the start: those gone on an unknown date left out."""
        return self.at_start.height - self.undated.height

    def base_words(self) -> str:
        """The base in words: "4 at start", or with churns of unknown date "5,163 at
        start (7,032 less 1,869 churned without a date: in no period's churn)"."""
        if not self.undated.height:
            return f"{self.base:,} at start"
        return (
            f"{self.base:,} at start ({self.at_start.height:,} less"
            f" {self.undated.height:,} {_UNDATED_WORDS})"
        )

    def flagged(self, rows: pl.DataFrame) -> pl.DataFrame:
        """``rows`` with ``churned_undated`` when any churn of the window has no date."""
        return _flag(rows, self.undated, "churned_undated") if self.undated.height else rows


_UNDATED_WORDS = "churned without a date: counted in no period's churn"


def _unrecorded(book: Book) -> str:
    """After the churn and retention formulas of a book in which nothing records a
    churn (an order log): that their 0 % and 100 % are for want of data."""
    if book.records_churn() or book.accounts.is_empty():
        return ""
    return (
        "; nothing in this book records a churn (no churned status, churn date or churn"
        " movement): every account counts as staying"
    )


def _churn(book: Book, window: _Window) -> Drill:
    c = _Customers.of(book, window)
    start_mrr = book.mrr_at(window.before)
    rows = (
        c.flagged(_flag(c.at_start, c.lost, "lost"))
        .join(start_mrr, on="account_id", how="left")
        .rename({"mrr_cents": "start_mrr_cents"})
        .sort(["lost", "account_id"], descending=[True, False])
    )
    lost_n = c.lost.height
    return Drill(
        "Churn rate: the customers at the start, those lost first",
        f"churn {_rate(pct(lost_n, c.base))} = {lost_n:,} lost / {c.base_words()}"
        f"{_unrecorded(book)}",
        rows,
        {"lost": lost_n, "at_start": c.at_start.height, "churned_undated": c.undated.height},
    )


def _retention(book: Book, window: _Window) -> Drill:
    c = _Customers.of(book, window)
    at_start, at_end, new = c.at_start, c.at_end, c.new
    everyone = pl.concat([at_start, at_end, new]).unique().sort("account_id")
    rows = _flag(_flag(_flag(everyone, at_start, "at_start"), at_end, "at_end"), new, "new")
    rows = c.flagged(rows).sort(["at_end", "new", "account_id"], descending=[False, True, False])
    e, n = at_end.height, new.height
    return Drill(
        "Retention rate: customers at the start and at the end, new ones flagged",
        f"retention {_rate(pct(e - n, c.base))} = ({e:,} at end - {n:,} new) / {c.base_words()}"
        f"{_unrecorded(book)}",
        rows,
        {"at_end": e, "new": n, "at_start": at_start.height, "churned_undated": c.undated.height},
    )


def _active(book: Book, window: _Window) -> Drill:
    """The customers at the end; when some left on an unknown date, the bridge from
    the start that says where they went (the tile's change is no churn)."""
    c = _Customers.of(book, window)
    at_end = c.at_end
    rows = at_end.join(book.mrr_at(window.ref), on="account_id", how="left")
    formula = f"customers = {at_end.height:,} at {window.ref.isoformat()}"
    terms = {"at_end": at_end.height}
    if c.undated.height:
        joined = c.new.join(at_end, on="account_id", how="semi").height  # still customers
        gone = c.lost.join(at_end, on="account_id", how="anti").height  # not back
        terms |= {
            "at_start": c.at_start.height,
            "new": joined,
            "lost": gone,
            "churned_undated": c.undated.height,
        }
        formula += (
            f" = {c.at_start.height:,} at start + {joined:,} new - {gone:,} lost"
            f" - {c.undated.height:,} {_UNDATED_WORDS}"
        )
    return Drill(
        "Customers at the end of the period",
        formula,
        rows.sort("mrr_cents", "account_id", descending=[True, False], nulls_last=True),
        terms,
    )


def _mrr(book: Book, window: _Window) -> Drill:
    at_end = book.customers_at(window.ref)
    rows = at_end.join(book.mrr_at(window.ref), on="account_id", how="left").with_columns(
        pl.col("mrr_cents").fill_null(0)
    )
    total = int(rows["mrr_cents"].sum())
    return Drill(
        "MRR: each customer's MRR at the end of the period",
        f"MRR {dollars(total)} = the sum over {counted(rows.height, 'customer')}"
        f" at {window.ref.isoformat()}",
        rows.sort(["mrr_cents", "account_id"], descending=[True, False]),
        {"mrr_cents": total, "customers": rows.height},
    )


_KIND_WORDS = {"new": "new", "expansion": "expansion", "contraction": "contraction",
               "churn": "churned", "reactivation": "reactivation"}  # fmt: skip


def _net_new(book: Book, window: _Window) -> Drill:
    """The period's MRR movements; the churns of unknown date (recorded in the
    period) are in no period's churn, so not in net new MRR: said, and left out."""
    moved = book.movements.filter(pl.col("occurred_on").is_between(window.start, window.ref))
    undated = moved.filter("undated")
    rows = moved.filter(~pl.col("undated")).drop("undated").sort(["occurred_on", "account_id"])
    sums = {
        kind.value: int(rows.filter(pl.col("kind") == kind.value)["amount_cents"].sum())
        for kind in MrrMovementKind
    }
    total = sum(sums.values())
    parts = " + ".join(f"{_KIND_WORDS[kind]} {dollars(cents)}" for kind, cents in sums.items())
    left_out = int(undated["amount_cents"].sum())
    aside = (
        f"; not in it: {dollars(-left_out)} MRR of {undated.height:,} {_UNDATED_WORDS}"
        if undated.height
        else ""
    )
    return Drill(
        "Net new MRR: the MRR movements of the period",
        f"net new MRR {dollars(total)} = {parts} ({counted(rows.height, 'movement')}){aside}",
        rows,
        {f"{kind}_cents": cents for kind, cents in sums.items()}
        | {"movements": rows.height, "undated_churn_cents": left_out},
    )


def _cohort(book: Book, window: _Window) -> tuple[pl.DataFrame, dict[str, int]]:
    """The customers at the start with their start MRR and their expansion,
    contraction and churn in the period (cents, signed as stored); a churn of unknown
    date apart (``undated_churn_cents``): its MRR leaves the start MRR, as in
    ``core.metrics``, and its customers the cohort's count (``customers`` less
    ``undated_customers``)."""
    at_start = book.customers_at(window.before)
    moved = book.movements.filter(pl.col("occurred_on").is_between(window.start, window.ref)).join(
        at_start, on="account_id", how="semi"
    )
    kinds = ("expansion", "contraction", "churn")
    dated = ~pl.col("undated")
    per_account = moved.group_by("account_id").agg(
        *(
            pl.col("amount_cents")
            .filter(dated, pl.col("kind") == kind)
            .sum()
            .alias(f"{kind}_cents")
            for kind in kinds
        ),
        pl.col("amount_cents").filter("undated").sum().alias("undated_churn_cents"),
    )
    columns = ("start_mrr_cents", *(f"{kind}_cents" for kind in kinds), "undated_churn_cents")
    rows = (
        at_start.join(book.mrr_at(window.before), on="account_id", how="left")
        .rename({"mrr_cents": "start_mrr_cents"})
        .join(per_account, on="account_id", how="left")
        .with_columns(pl.col(column).fill_null(0) for column in columns)
    )
    terms = {column: int(rows[column].sum()) for column in columns}
    terms |= {
        "customers": rows.height,
        "undated_customers": moved.filter("undated")["account_id"].n_unique(),
    }
    if not terms["undated_customers"]:
        rows = rows.drop("undated_churn_cents")
    order = pl.col("contraction_cents") + pl.col("churn_cents")
    return rows.sort(order, "account_id"), terms


def _start_words(t: dict[str, int]) -> str:
    """The cohort's start MRR and customers: "$720.00 start MRR of 4 customers", with
    churns of unknown date what was left out of them."""
    start = t["start_mrr_cents"] + t["undated_churn_cents"]
    undated = t["undated_customers"]
    words = f"{dollars(start)} start MRR of {t['customers'] - undated:,} customers"
    if undated:
        words += (
            f" ({dollars(t['start_mrr_cents'])} of {t['customers']:,} less"
            f" {dollars(-t['undated_churn_cents'])} of {undated:,} {_UNDATED_WORDS})"
        )
    return words


def _grr(book: Book, window: _Window) -> Drill:
    rows, t = _cohort(book, window)
    start = t["start_mrr_cents"] + t["undated_churn_cents"]
    kept = start + t["contraction_cents"] + t["churn_cents"]
    return Drill(
        "Gross revenue retention: the customers at the start and their MRR movements",
        f"GRR {_rate(pct(kept, start))} = ({dollars(start)} start"
        f" - {dollars(-t['contraction_cents'])} contraction"
        f" - {dollars(-t['churn_cents'])} churned) / {_start_words(t)}",
        rows,
        t,
    )


def _nrr(book: Book, window: _Window) -> Drill:
    rows, t = _cohort(book, window)
    start = t["start_mrr_cents"] + t["undated_churn_cents"]
    kept = start + t["expansion_cents"] + t["contraction_cents"] + t["churn_cents"]
    return Drill(
        "Net revenue retention: the customers at the start and their MRR movements",
        f"NRR {_rate(pct(kept, start))} = ({dollars(start)} start"
        f" + {dollars(t['expansion_cents'])} expansion"
        f" - {dollars(-t['contraction_cents'])} contraction"
        f" - {dollars(-t['churn_cents'])} churned) / {_start_words(t)}",
        rows.sort(pl.col("expansion_cents"), "account_id", descending=[True, False]),
        t,
    )


def _answers(book: Book, window: _Window, kind: SurveyKind) -> pl.DataFrame:
    end = window.ref + _ONE_DAY
    return book.surveys.filter(
        pl.col("kind") == kind.value,
        pl.col("answered_at") >= pl.lit(window.start).cast(pl.Datetime("us")),
        pl.col("answered_at") < pl.lit(end).cast(pl.Datetime("us")),
    ).sort(["answered_at", "account_id"])


def _nps(book: Book, window: _Window) -> Drill:
    score = pl.col("score")
    rows = _answers(book, window, SurveyKind.NPS).with_columns(
        pl.when(score >= 9)
        .then(pl.lit("promoter"))
        .when(score >= 7)
        .then(pl.lit("passive"))
        .otherwise(pl.lit("detractor"))
        .alias("category")
    )
    counts = dict(rows.group_by("category").len().iter_rows())
    p, d = int(counts.get("promoter", 0)), int(counts.get("detractor", 0))
    n = rows.height
    nps = pct(p - d, n)
    return Drill(
        "NPS: the answers of the period",
        f"NPS {_rate(nps, '')} = {_rate(pct(p, n))} promoters ({p:,})"
        f" - {_rate(pct(d, n))} detractors ({d:,}) of {counted(n, 'answer')}",
        rows,
        {"promoters": p, "passives": n - p - d, "detractors": d, "answers": n},
    )


def _csat(book: Book, window: _Window) -> Drill:
    threshold = book.options.csat_satisfied_min
    rows = _answers(book, window, SurveyKind.CSAT).with_columns(
        (pl.col("score") >= threshold).alias("satisfied")
    )
    satisfied = int(rows["satisfied"].sum())
    return Drill(
        f"CSAT: the answers of the period (satisfied: {threshold} or more)",
        f"CSAT {_rate(pct(satisfied, rows.height))} = {satisfied:,} satisfied"
        f" / {counted(rows.height, 'answer')}",
        rows,
        {"satisfied": satisfied, "answers": rows.height},
    )


def _buyers_of(book: Book, window: _Window) -> pl.DataFrame:
    """Each account that bought in the window: its purchases (one per customer-day,
    as the metrics count them), their amount and its last purchase day; the largest
    amount first."""
    return (
        book.purchase_days.filter(pl.col("day").is_between(window.start, window.ref))
        .group_by("account_id")
        .agg(
            pl.len().alias("purchases"),
            pl.col("amount_cents").sum(),
            pl.col("day").max().alias("last_purchase"),
        )
        .sort(["amount_cents", "account_id"], descending=[True, False])
    )


def _buyers(book: Book, window: _Window) -> Drill:
    rows = _buyers_of(book, window)
    return Drill(
        "Customers with purchases: the buyers of the period, the largest first",
        f"customers with purchases = {counted(rows.height, 'account')} that bought from"
        f" {window.start.isoformat()} to {window.ref.isoformat()}",
        rows,
        {"buyers": rows.height},
    )


def _average_purchase(book: Book, window: _Window) -> Drill:
    rows = _buyers_of(book, window)
    total, purchases = int(rows["amount_cents"].sum()), int(rows["purchases"].sum())
    average = f"${money(Fraction(total, purchases)):,.2f}" if purchases else "no data"
    return Drill(
        "Average purchase value: the buyers' purchases of the period",
        f"average purchase {average} = {dollars(total)} / {counted(purchases, 'purchase')}"
        " (one per customer and day)",
        rows,
        {"amount_cents": total, "purchases": purchases},
    )


def _repeat_purchases(book: Book, window: _Window) -> Drill:
    rows = _buyers_of(book, window).with_columns((pl.col("purchases") > 1).alias("repeat"))
    rows = rows.sort(["repeat", "purchases", "account_id"], descending=[True, True, False])
    repeat = int(rows["repeat"].sum())
    return Drill(
        "Repeat purchase rate: the buyers of the period, repeat buyers first",
        f"repeat purchase rate {_rate(pct(repeat, rows.height))} = {repeat:,} with two"
        f" purchases or more / {counted(rows.height, 'buyer')}",
        rows,
        {"repeat_buyers": repeat, "buyers": rows.height},
    )


def _purchase_clv(book: Book, window: _Window) -> Drill:
    """CLV = average purchase value x purchases a year x lifespan (``core.metrics``),
    the first two over the year up to the period's end (``year_to``): its buyers."""
    first = year_to(window.ref)
    rows = _buyers_of(book, _Window(first, window.ref, first - _ONE_DAY))
    total, purchases = int(rows["amount_cents"].sum()), int(rows["purchases"].sum())
    keys = ["clv", "clv_lifespan_years", "clv_window_months"]
    m = book.values(Period(window.start, window.ref), keys, window.ref)
    if m["clv"] is None:
        formula = (
            f"CLV no data: no buyer from {first.isoformat()} to {window.ref.isoformat()},"
            " or no lifespan (no churn to measure it)"
        )
    else:
        months = m["clv_window_months"]
        over = "a year" if months >= 12 else f"in the {months:.1f} months of purchase history"
        formula = (
            f"CLV ${m['clv']:,.2f} = average purchase ${money(Fraction(total, purchases)):,.2f}"
            f" x {purchases / rows.height:,.2f} purchases {over}"
            f" x a lifespan of {m['clv_lifespan_years']:.2f} years; {dollars(total)} from"
            f" {purchases:,} purchases of {rows.height:,} buyers, {first.isoformat()} to"
            f" {window.ref.isoformat()}"
        )
    return Drill(
        "CLV (purchases): the buyers of the year up to the period's end",
        formula,
        rows,
        {"amount_cents": total, "purchases": purchases, "buyers": rows.height},
    )


DRILLS: dict[str, Callable[[Book, _Window], Drill]] = {
    "mrr": _mrr,
    "net_new_mrr": _net_new,
    "nrr_pct": _nrr,
    "grr_pct": _grr,
    "churn_rate_pct": _churn,
    "retention_rate_pct": _retention,
    "nps": _nps,
    "csat_pct": _csat,
    "active_accounts": _active,
    "customers_with_purchases": _buyers,
    "avg_purchase_value": _average_purchase,
    "repeat_purchase_rate_pct": _repeat_purchases,
    "clv": _purchase_clv,
}
DRILL_KEYS = tuple(DRILLS)


def drill(book: Book, key: str, period: Period) -> Drill:
    """The drill-through of metric ``key`` over ``period`` (inside the book's window)."""
    if key not in DRILLS:
        raise KeyError(f"no drill-through for {key!r}: use one of {', '.join(DRILL_KEYS)}")
    book.require([key])
    return DRILLS[key](book, _Window.of(book, period))


def band_drill(engine: Engine, band: str, day: date, scope: Scope | None = None) -> Drill:
    """The accounts in health ``band`` at the end of ``day`` (``dashboard.bands_on``)."""
    every = bands_on(engine, day, scope)
    rows = every.filter(pl.col("band") == band).select("account_id")
    return Drill(
        f"Accounts in {band} at {day.isoformat()}",
        f"{band} = {rows.height:,} of {every.height:,} scored accounts",
        rows,
        {band: rows.height, "scored": every.height},
    )


def with_names(engine: Engine, rows: pl.DataFrame) -> pl.DataFrame:
    """``rows`` with each account's name and owner after ``account_id``."""
    if "account_id" not in rows.columns:
        return rows
    names = read_frame(engine, select(Account.id.label("account_id"), Account.name, Account.owner))
    others = [column for column in rows.columns if column != "account_id"]
    return rows.join(names, on="account_id", how="left", maintain_order="left").select(
        "account_id", "name", "owner", *others
    )
