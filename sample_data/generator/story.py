"""An account's story (start, churn, decline, saves, expansions), drawn from its own
seeded ``random.Random``; the ``Book`` being generated; the shape of a book (``Spec``)
and the day/moment arithmetic the generators share."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from sample_data.book import (
    csv_schema,
)
from sample_data.generator.company import CHURN_PER_YEAR, MANAGERS, ONSET, PLANS, SEATS, SEGMENTS

EPOCH = date(1970, 1, 1)
DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
MINUTE_US = 60_000_000


@dataclass(frozen=True)
class Spec:
    """The shape of a book: how many accounts, how many days of history up to the
    anchor, and the average interactions per account and year."""

    accounts: int
    days: int
    interactions_per_year: float
    chunk_accounts: int = 2_000


Sink = Callable[[str, pl.DataFrame], None]

# -- one account's story --------------------------------------------------------------


def epoch_day(day: date) -> int:
    return (day - EPOCH).days


def to_date(epoch_day: int) -> date:
    return EPOCH + timedelta(days=epoch_day)


def anniversary_after(start: int, day: int) -> int:
    """The first anniversary of ``start`` strictly after ``day`` (both epoch days)."""
    first = to_date(start)
    target = to_date(day)
    years = max(1, target.year - first.year)
    while True:
        try:
            candidate = first.replace(year=first.year + years)
        except ValueError:  # 29 February
            candidate = first.replace(year=first.year + years, day=28)
        if candidate > target:
            return epoch_day(candidate)
        years += 1


@dataclass
class Story:
    """One account's fate, in epoch days."""

    id: int
    segment: str
    plan: str
    price: int  # cents per seat and month
    owner: str
    start: int
    seats: int  # at the start
    adoption: float  # share of seats active on a normal weekday
    growth: float  # yearly drift of adoption
    satisfaction: float  # 0..1, how much they like the product when all is well
    churn: int | None = None  # day the account leaves (may be after the anchor)
    reactivation: int | None = None
    decline: tuple[int, int, int | None, float] | None = None  # start, peak, recovered, amplitude
    onboarded: int | None = None
    seat_changes: list[tuple[int, int]] = field(default_factory=list)

    def stress(self, day: int) -> float:
        """0 when all is well, up to the decline's amplitude at its low point."""
        if self.decline is None or (self.reactivation is not None and day >= self.reactivation):
            return 0.0
        begin, peak, recovered, amplitude = self.decline
        if day < begin:
            return 0.0
        if day < peak:
            return amplitude * (ONSET + (1 - ONSET) * (day - begin) / (peak - begin))
        if recovered is None:
            return amplitude
        return amplitude * max(0.0, 1 - (day - peak) / (recovered - peak))

    def alive(self, day: int) -> bool:
        if day < self.start:
            return False
        if self.churn is None or day < self.churn:
            return True
        return self.reactivation is not None and day >= self.reactivation


def stress_expr() -> pl.Expr:
    """``Story.stress`` over a frame of (day, decline_start, decline_peak,
    decline_recovered, amplitude, reactivation) columns."""
    day, begin, peak = pl.col("day"), pl.col("decline_start"), pl.col("decline_peak")
    recovered = pl.col("decline_recovered")
    level = (
        pl.when(begin.is_null() | (day < begin))
        .then(0.0)
        .when(day < peak)
        .then(ONSET + (1 - ONSET) * (day - begin) / (peak - begin))
        .when(recovered.is_null())
        .then(1.0)
        .otherwise((1 - (day - peak) / (recovered - peak)).clip(lower_bound=0.0))
    )
    after_return = pl.col("reactivation").is_not_null() & (day >= pl.col("reactivation"))
    return pl.when(after_return).then(0.0).otherwise(level * pl.col("amplitude"))


# -- the book -------------------------------------------------------------------------------


@dataclass
class Book:
    """Ids, running tallies and the rows of the chunk being built."""

    spec: Spec
    seed: int
    anchor: int
    first_day: int
    names: list[str]
    next_id: Counter[str] = field(default_factory=Counter)
    rows: dict[str, dict[str, list[object]]] = field(default_factory=dict)
    top_accounts: list[tuple[int, int, str, int | None]] = field(default_factory=list)
    nps: Counter[tuple[int, str]] = field(default_factory=Counter)  # (month, kind) -> answers
    expansion_this_quarter: int = 0

    def add(self, table: str, **values: object) -> int:
        """Append a row to ``table`` and return its id."""
        self.next_id[table] += 1
        columns = self.rows.setdefault(table, {})
        if not columns:
            columns["id"] = []
            for name in values:
                columns[name] = []
        columns["id"].append(self.next_id[table])
        for name, value in values.items():
            columns[name].append(value)
        return self.next_id[table]

    def take(self) -> dict[str, dict[str, list[object]]]:
        rows, self.rows = self.rows, {}
        return rows

    @property
    def quarter_start(self) -> int:
        anchor = to_date(self.anchor)
        return epoch_day(date(anchor.year, 3 * ((anchor.month - 1) // 3) + 1, 1))


def moment_us(rng: random.Random, day: int, first_hour: int = 8, hours: int = 10) -> int:
    """A working-hours moment on ``day``, in epoch microseconds, whole minutes."""
    minute = rng.randrange(hours * 60)
    return day * DAY_US + first_hour * HOUR_US + minute * MINUTE_US


def weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([name for name, _ in options], [weight for _, weight in options])[0]


def story_of(book: Book, account_id: int) -> tuple[Story, random.Random]:
    rng = random.Random(f"cxtui:{book.seed}:{account_id}")
    segment = weighted(rng, SEGMENTS)
    plan, price = rng.choice(PLANS[segment])
    low, high = SEATS[segment]
    seats = int(low * (high / low) ** rng.random())
    window = book.anchor - book.first_day
    if rng.random() < 0.72:  # customers from before the window
        start = book.first_day - rng.randrange(30, 3 * 365)
    else:
        start = book.first_day + rng.randrange(window - 5)
    story = Story(
        id=account_id,
        segment=segment,
        plan=plan,
        price=int(price * rng.uniform(0.8, 1.0)),
        owner=rng.choice(MANAGERS[segment]),
        start=start,
        seats=seats,
        adoption=rng.uniform(0.55, 0.9),
        growth=rng.uniform(-0.05, 0.15),
        satisfaction=0.3 + 0.7 * rng.random() ** 0.55,
    )
    late = rng.random() < 0.15
    story.onboarded = start + (rng.randrange(50, 100) if late else rng.randrange(12, 42))
    # When does the account leave? Earlier for small and unhappy customers.
    rate = CHURN_PER_YEAR[segment] * (1.7 - story.satisfaction) * rng.uniform(0.6, 1.4)
    earliest = max(start + 60, book.first_day + 45)
    churn = earliest + int(rng.expovariate(rate / 365))
    if rng.random() < 0.55:
        churn = anniversary_after(start, churn - 1)
    if churn <= book.anchor + 150:
        story.churn = churn
        if rng.random() < 0.85:
            story.decline = (churn - rng.randrange(60, 121), churn, None, rng.uniform(0.75, 1.0))
        if churn < book.anchor - 40 and rng.random() < 0.06:
            back = churn + rng.randrange(30, 150)
            story.reactivation = back if back <= book.anchor - 10 else None
    elif rng.random() < 0.08 * book.spec.days / 365 and start < book.anchor - 60:
        begin = rng.randrange(max(start, book.first_day) + 30, book.anchor - 20)
        peak = begin + rng.randrange(30, 75)
        story.decline = (begin, peak, peak + rng.randrange(30, 90), rng.uniform(0.5, 0.9))
    return story, rng


def alive_days(story: Story, book: Book) -> list[tuple[int, int]]:
    """The stretches of days (inclusive) inside the window when the account was a customer."""
    first = max(story.start, book.first_day)
    last = book.anchor if story.churn is None else min(story.churn - 1, book.anchor)
    stretches = [(first, last)] if first <= last else []
    if story.reactivation is not None:
        stretches.append((story.reactivation, book.anchor))
    return stretches


# -- frames ---------------------------------------------------------------------------------


def table_frame(table: str, columns: dict[str, list[object]]) -> pl.DataFrame:
    """Rows gathered as plain values (dates as epoch days, datetimes as epoch
    microseconds), typed from the table's columns."""
    schema = csv_schema(table)
    series = []
    for name, values in columns.items():
        dtype = schema[name]
        if dtype == pl.Date:
            series.append(pl.Series(name, values, dtype=pl.Int32).cast(pl.Date))
        elif isinstance(dtype, pl.Datetime):
            series.append(pl.Series(name, values, dtype=pl.Int64).cast(dtype))
        else:
            series.append(pl.Series(name, values, dtype=dtype))
    return pl.DataFrame(series)
