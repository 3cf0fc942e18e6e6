"""A seeded, fictional SaaS company: the demo book and the benchmark datasets.

Every account has a story, drawn from its own ``random.Random`` (seeded from the
book's seed and the account id, so a story does not depend on how accounts are
chunked). Daily usage, the bulk of the rows, is computed in polars from the story
with a deterministic integer hash for noise, so it is the same on every platform.

How churn is encoded. A churning account has a *decline*: from 60 to 120 days
before its churn date a stress level rises linearly from 0 to 1 (times an
amplitude of 0.6-1). Stress drives every signal at once: active users fall
towards a quarter of their usual share of seats, interactions thin out and turn
negative, QBRs are skipped, NPS answers become detractors and CSAT drops, tickets
come more often, at higher priority and are answered and resolved more slowly,
and half of the churners contract (fewer seats) 20-60 days before leaving.
A fifth of the churners leave without warning (no decline: acquisitions, budget
cuts), and about one account in eight that does not churn goes through a decline
that peaks and recovers (a save by its CS manager, with a positive meeting at the
low point). Accounts that will churn soon after the anchor are already in decline
on the anchor: they are the book's current "at risk" list. Good QBRs are followed
by expansions. A few churned accounts come back (reactivation).

MRR. ``mrr_movement`` holds the whole history of every account (its ``new``
movement is dated on its start date, even before the window). For a live account
the sum of its movements equals ``account.mrr_cents``. A churned account's
movements sum to 0 (its ``churn`` movement takes the whole MRR away) while
``account.mrr_cents`` keeps the MRR it had just before it churned (the MRR lost),
and ``account.seats`` its last seat count; its ``renewal_date`` is empty.

Goal values are what a person types in the goal form (``core.goals``):
percentages are plain numbers (3 means 3 %), currency goals are in the currency
unit (dollars, exact Decimal), and ``metric`` is a key of the metrics engine.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from core.store.bulk import bulk_insert, deferred_indexes
from sample_data.book import (
    DEMO_ANCHOR,
    DEMO_DIR,
    TABLES,
    csv_schema,
    ensure_empty,
    write_csv,
)

__all__ = ["DEMO_ANCHOR", "SIZES", "Spec", "generate", "generate_into", "write_demo"]

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


SIZES: dict[str, Spec] = {
    "demo": Spec(accounts=250, days=730, interactions_per_year=30.0, chunk_accounts=250),
    "S": Spec(accounts=1_000, days=365, interactions_per_year=125.0),
    "M": Spec(accounts=10_000, days=365, interactions_per_year=125.0),
    "L": Spec(accounts=100_000, days=365, interactions_per_year=62.5),
}

Sink = Callable[[str, pl.DataFrame], None]

# -- the company ---------------------------------------------------------------------

MANAGERS = {
    "Enterprise": ("Maya Lindqvist", "Tomás Okafor"),
    "Mid-market": ("Priya Raman", "Jonas Becker", "Chloé Martin"),
    "SMB": ("Sam Whitfield", "Aiko Tanaka", "Lucas Ferreira"),
}
HEAD_OF_CS = "Rosa Delgado"
SEGMENTS = (("Enterprise", 0.15), ("Mid-market", 0.35), ("SMB", 0.50))
PLANS = {
    "Enterprise": (("Enterprise", 5_200),),
    "Mid-market": (("Business", 3_900), ("Growth", 2_900)),
    "SMB": (("Growth", 2_900), ("Starter", 1_500)),
}
SEATS = {"Enterprise": (120, 1_200), "Mid-market": (25, 180), "SMB": (3, 25)}
CHURN_PER_YEAR = {"Enterprise": 0.06, "Mid-market": 0.12, "SMB": 0.22}
INTERACTION_WEIGHT = {"Enterprise": 1.7, "Mid-market": 1.1, "SMB": 0.7}
TICKETS_PER_MONTH = {"Enterprise": 4.0, "Mid-market": 2.0, "SMB": 0.8}
ONSET = 0.5  # the stress a decline starts with: the first signs are clear ones
CONTACTS = {"Enterprise": (4, 7), "Mid-market": (3, 5), "SMB": (1, 3)}

NAME_HEADS = (  # noqa: SIM905
    "Acme Arbor Aster Beacon Birch Bluefin Bramble Brightwater Cascade Cedar Cinder Cobalt "
    "Copper Crescent Driftwood Ember Evergreen Falcon Fernhill Fjord Glacier Granite Harbor "
    "Heron Hollow Indigo Juniper Kestrel Lantern Larch Lumen Maple Marigold Meridian Nimbus "
    "Northwind Oakridge Onyx Orchid Osprey Pebble Pinecrest Prairie Quartz Quill Redwood "
    "Ridgeline Saffron Sable Silverline Sparrow Summit Tidewater Timber Topaz Tundra Umber "
    "Vantage Willow Zephyr"
).split()
NAME_TAILS = (
    "Analytics",
    "Bakery Group",
    "Biotech",
    "Capital",
    "Clinics",
    "Construction",
    "Consulting",
    "Dental",
    "Energy",
    "Foods",
    "Freight",
    "Games",
    "Health",
    "Hotels",
    "Insurance",
    "Labs",
    "Legal",
    "Logistics",
    "Manufacturing",
    "Media",
    "Motors",
    "Outdoor",
    "Pharma",
    "Realty",
    "Retail",
    "Robotics",
    "Software",
    "Studios",
    "Telecom",
    "Travel",
)
FIRST_NAMES = (  # noqa: SIM905
    "Ada Alex Amara Ben Carla Chen Dana Diego Elena Emil Farah Felix Grace Hana Hugo Ines "
    "Ivan Jade Jamal Kai Kara Leo Lina Malik Mara Mateo Nadia Nils Omar Petra Quinn Rafael "
    "Rhea Sami Sofia Tariq Uma Vera Wes Yara Zoe"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Abbott Bauer Castillo Dubois Eriksen Fischer Garcia Haddad Ivanova Jensen Kowalski "
    "Larsen Moreau Nakamura Novak Olsen Patel Quinlan Rossi Schmidt Silva Sorensen Tan Uddin "
    "Vargas Weber Xu Yilmaz Zimmer"
).split()
ROLES = ("Champion", "Admin", "VP Operations", "Head of IT", "Finance", "Team lead", "Analyst")

SUMMARIES = {
    "call": {
        1: ("Call: team loves the new dashboards", "Call: rollout to a second team agreed"),
        0: ("Call: routine check-in", "Call: walked through the admin settings"),
        -1: ("Call: frustrated about slow support", "Call: asked how to cancel seats"),
    },
    "email": {
        1: ("Email: thanks for the quick fix", "Email: asked about more seats"),
        0: ("Email: shared the release notes", "Email: invoice question answered"),
        -1: ("Email: complaint about outages", "Email: budget under review"),
    },
    "meeting": {
        1: ("Meeting: success plan agreed", "Meeting: new use case workshop"),
        0: ("Meeting: training session", "Meeting: roadmap walkthrough"),
        -1: ("Meeting: escalation with their sponsor", "Meeting: adoption concerns raised"),
    },
    "qbr": {
        1: ("QBR: strong ROI, expansion discussed",),
        0: ("QBR: goals reviewed for next quarter",),
        -1: ("QBR: value questioned by new sponsor",),
    },
    "note": {
        1: ("Note: champion promoted internally",),
        0: ("Note: updated the account plan",),
        -1: ("Note: champion left the company", "Note: competitor trial spotted"),
    },
}
TICKET_SUBJECTS = (
    "Cannot log in with SSO",
    "Export to Excel times out",
    "Question about user roles",
    "Dashboard shows wrong totals",
    "API rate limit reached",
    "Invoice address change",
    "Slow page loads",
    "Integration sync failing",
    "How to bulk-invite users",
    "Data import rejected",
)
DETRACTOR_COMMENTS = ("Too many bugs lately", "Support is slow", "Not worth the price")
PROMOTER_COMMENTS = ("Great product and team", "Saves us hours every week")
CATALOGUE = (
    ("Onboarding package", 150_000),
    ("Training day", 90_000),
    ("Premium support add-on", 60_000),
    ("Data migration", 250_000),
    ("Extra storage pack", 20_000),
    ("API call bundle", 30_000),
)

# -- one account's story --------------------------------------------------------------


def _epoch_day(day: date) -> int:
    return (day - EPOCH).days


def _to_date(epoch_day: int) -> date:
    return EPOCH + timedelta(days=epoch_day)


def _anniversary_after(start: int, day: int) -> int:
    """The first anniversary of ``start`` strictly after ``day`` (both epoch days)."""
    first = _to_date(start)
    target = _to_date(day)
    years = max(1, target.year - first.year)
    while True:
        try:
            candidate = first.replace(year=first.year + years)
        except ValueError:  # 29 February
            candidate = first.replace(year=first.year + years, day=28)
        if candidate > target:
            return _epoch_day(candidate)
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


def _stress_expr() -> pl.Expr:
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
        anchor = _to_date(self.anchor)
        return _epoch_day(date(anchor.year, 3 * ((anchor.month - 1) // 3) + 1, 1))


def _moment(rng: random.Random, day: int, first_hour: int = 8, hours: int = 10) -> int:
    """A working-hours moment on ``day``, in epoch microseconds, whole minutes."""
    minute = rng.randrange(hours * 60)
    return day * DAY_US + first_hour * HOUR_US + minute * MINUTE_US


def _weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([name for name, _ in options], [weight for _, weight in options])[0]


def _story(book: Book, account_id: int) -> tuple[Story, random.Random]:
    rng = random.Random(f"cxtui:{book.seed}:{account_id}")
    segment = _weighted(rng, SEGMENTS)
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
        churn = _anniversary_after(start, churn - 1)
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


def _alive_days(story: Story, book: Book) -> list[tuple[int, int]]:
    """The stretches of days (inclusive) inside the window when the account was a customer."""
    first = max(story.start, book.first_day)
    last = book.anchor if story.churn is None else min(story.churn - 1, book.anchor)
    stretches = [(first, last)] if first <= last else []
    if story.reactivation is not None:
        stretches.append((story.reactivation, book.anchor))
    return stretches


def _contacts(book: Book, story: Story, rng: random.Random, name: str) -> list[int]:
    domain = "".join(ch for ch in name.lower() if ch.isalnum())[:24] + ".example"
    low, high = CONTACTS[story.segment]
    ids = []
    for number in range(rng.randint(low, high)):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        ids.append(
            book.add(
                "contact",
                account_id=story.id,
                name=f"{first} {last}",
                email=f"{first}.{last}@{domain}".lower(),
                role="Champion" if number == 0 else rng.choice(ROLES[1:]),
                is_primary=number == 0,
            )
        )
    return ids


def _interaction(
    book: Book,
    story: Story,
    rng: random.Random,
    contacts: list[int],
    kind: str,
    day: int,
    sentiment: int | None,
) -> None:
    at = _moment(rng, day)
    tone = 0 if sentiment is None else sentiment
    follow_up = None
    if kind in ("call", "meeting", "qbr") and rng.random() < 0.3:
        follow_up = day + rng.randrange(2, 15)
    interaction_id = book.add(
        "interaction",
        account_id=story.id,
        contact_id=rng.choice(contacts),
        kind=kind,
        occurred_at=at,
        logged_by=story.owner,
        summary=rng.choice(SUMMARIES[kind][tone]),
        sentiment=sentiment,
        follow_up_on=follow_up,
        created_at=at + rng.randrange(1, 240) * MINUTE_US,
    )
    if follow_up is not None and follow_up >= book.anchor - 10:
        done = follow_up < book.anchor and rng.random() < 0.6
        book.add(
            "task",
            account_id=story.id,
            interaction_id=interaction_id,
            owner=story.owner,
            title=f"Follow up: {SUMMARIES[kind][tone][0].split(': ', 1)[1]}",
            due_on=follow_up,
            source="follow_up",
            completed_at=(follow_up * DAY_US + 15 * HOUR_US) if done else None,
            created_at=at + HOUR_US,
        )


def _sentiment(rng: random.Random, story: Story, stress: float) -> int:
    draw = rng.random()
    if draw < 0.06 + 0.6 * stress:
        return -1
    if draw < 0.06 + 0.6 * stress + (0.3 + 0.35 * story.satisfaction) * (1 - stress):
        return 1
    return 0


def _interactions(
    book: Book, story: Story, rng: random.Random, contacts: list[int]
) -> list[tuple[int, int]]:
    """Calls, emails, meetings, notes and QBRs; returns (day, sentiment) of each QBR."""
    rate = book.spec.interactions_per_year / 365 * INTERACTION_WEIGHT[story.segment]
    kinds = (("email", 0.45), ("call", 0.25), ("meeting", 0.12), ("note", 0.18))
    for first, last in _alive_days(story, book):
        moment = float(first)
        while True:
            moment += rng.expovariate(rate)
            day = int(moment)
            if day > last:
                break
            stress = story.stress(day)
            if rng.random() > 1 - 0.9 * stress:
                continue
            kind = _weighted(rng, kinds)
            sentiment = _sentiment(rng, story, stress)
            if kind == "note" and rng.random() < 0.5:
                _interaction(book, story, rng, contacts, kind, day, None)
            else:
                _interaction(book, story, rng, contacts, kind, day, sentiment)
    if story.decline is not None and story.decline[2] is not None:  # the save
        peak = story.decline[1]
        for offset in (0, rng.randrange(5, 15)):
            if story.alive(peak + offset) and peak + offset <= book.anchor:
                _interaction(book, story, rng, contacts, "meeting", peak + offset, 1)
    qbrs = []
    if story.segment == "Enterprise" or (story.segment == "Mid-market" and story.id % 3):
        for first, last in _alive_days(story, book):
            day = first + rng.randrange(20, 91)
            while day <= last:
                stress = story.stress(day)
                if rng.random() > 0.85 * stress:
                    sentiment = _sentiment(rng, story, stress)
                    _interaction(book, story, rng, contacts, "qbr", day, sentiment)
                    qbrs.append((day, sentiment))
                day += rng.randrange(80, 100)
    return qbrs


def _surveys(book: Book, story: Story, rng: random.Random, contacts: list[int]) -> None:
    """NPS, asked of a different contact every six weeks or so."""
    wave = book.anchor - 20
    while wave >= book.first_day:
        if story.alive(wave) and wave - story.start > 30 and rng.random() < 0.45:
            stress = story.stress(wave)
            raw = 3 + 7 * story.satisfaction - 9 * stress + rng.gauss(0, 1.2)
            score = min(10, max(0, round(raw)))
            answered = _moment(rng, wave + rng.randrange(0, 12), 6, 16)
            comment = None
            if score <= 6 and rng.random() < 0.5:
                comment = rng.choice(DETRACTOR_COMMENTS)
            elif score >= 9 and rng.random() < 0.3:
                comment = rng.choice(PROMOTER_COMMENTS)
            _survey(book, story, rng, contacts, "nps", score, answered, comment)
            month = _to_date(answered // DAY_US)
            band = "promoter" if score >= 9 else "detractor" if score <= 6 else "passive"
            book.nps[(month.year * 12 + month.month, band)] += 1
        wave -= 45


def _survey(
    book: Book,
    story: Story,
    rng: random.Random,
    contacts: list[int],
    kind: str,
    score: int,
    answered: int,
    comment: str | None,
) -> None:
    if answered >= (book.anchor + 1) * DAY_US:
        return
    book.add(
        "survey_response",
        account_id=story.id,
        contact_id=rng.choice(contacts),
        kind=kind,
        score=score,
        answered_at=answered,
        comment=comment,
    )


def _tickets(book: Book, story: Story, rng: random.Random, contacts: list[int]) -> None:
    rate = TICKETS_PER_MONTH[story.segment] / 30
    end = (book.anchor + 1) * DAY_US
    for first, last in _alive_days(story, book):
        moment = float(first)
        while True:
            moment += rng.expovariate(rate * 4)
            day = int(moment)
            if day > last:
                break
            stress = story.stress(day)
            if rng.random() > (1 + 3 * stress) / 4:
                continue
            urgent, high = 0.04 + 0.12 * stress, 0.14 + 0.2 * stress
            low = 0.3 * (1 - stress)
            priority = _weighted(
                rng,
                (
                    ("urgent", urgent),
                    ("high", high),
                    ("low", low),
                    ("normal", 1 - urgent - high - low),
                ),
            )
            opened = _moment(rng, day, 0, 24)
            speed = 0.4 if priority == "urgent" else 1.0
            first_hours = 0.1 + rng.expovariate(1 / ((2.5 + 30 * stress) * speed))
            resolve_hours = first_hours + rng.expovariate(1 / (16 + 160 * stress))
            responded = opened + int(first_hours * HOUR_US)
            resolved = opened + int(resolve_hours * HOUR_US)
            responded -= responded % 1_000_000
            resolved -= resolved % 1_000_000
            book.add(
                "ticket",
                account_id=story.id,
                subject=rng.choice(TICKET_SUBJECTS),
                priority=priority,
                opened_at=opened,
                first_response_at=responded if responded < end else None,
                resolved_at=resolved if resolved < end else None,
            )
            if resolved < end and rng.random() < 0.45:
                raw = 4.4 - 2.2 * stress - (0.8 if resolve_hours > 72 else 0) + rng.gauss(0, 0.6)
                answered = resolved + rng.randrange(1, 48) * HOUR_US
                _survey(
                    book, story, rng, contacts, "csat", min(5, max(1, round(raw))), answered, None
                )


def _revenue(
    book: Book, story: Story, rng: random.Random, qbrs: list[tuple[int, int]]
) -> tuple[int, int]:
    """Seat changes and MRR movements; returns the MRR and seats the account has (or
    had when it churned)."""
    changes: list[tuple[int, float]] = []  # (day, seat factor) before the churn
    for day, sentiment in qbrs:
        if sentiment == 1 and story.stress(day) < 0.2 and rng.random() < 0.35:
            changes.append((day + rng.randrange(10, 46), rng.uniform(1.1, 1.35)))
    if rng.random() < 0.15 * book.spec.days / 365:
        changes.append((rng.randrange(book.first_day, book.anchor), rng.uniform(1.05, 1.3)))
    if story.decline is not None:
        begin, peak, recovered, _ = story.decline
        if recovered is None and rng.random() < 0.6:
            changes.append((max(begin, peak - rng.randrange(20, 76)), rng.uniform(0.6, 0.85)))
        elif recovered is not None and rng.random() < 0.35:
            changes.append(((begin + peak) // 2, rng.uniform(0.7, 0.9)))
    elif rng.random() < 0.05 * book.spec.days / 365:
        changes.append((rng.randrange(book.first_day, book.anchor), rng.uniform(0.7, 0.9)))

    def mrr(seats: int) -> int:
        return seats * story.price

    def move(day: int, kind: str, amount: int) -> None:
        book.add(
            "mrr_movement", account_id=story.id, occurred_on=day, kind=kind, amount_cents=amount
        )

    seats = story.seats
    story.seat_changes = [(story.start, seats)]
    move(story.start, "new", mrr(seats))
    for day, factor in sorted(changes):
        if not story.alive(day) or day > book.anchor or day <= story.start:
            continue
        new_seats = max(1, round(seats * factor))
        if new_seats == seats:
            continue
        kind = "expansion" if new_seats > seats else "contraction"
        move(day, kind, mrr(new_seats) - mrr(seats))
        if kind == "expansion" and day >= book.quarter_start:
            book.expansion_this_quarter += mrr(new_seats) - mrr(seats)
        seats = new_seats
        story.seat_changes.append((day, seats))
    if story.churn is not None and story.churn <= book.anchor:
        move(story.churn, "churn", -mrr(seats))
        if story.reactivation is not None:
            seats = max(1, round(seats * 0.8))
            move(story.reactivation, "reactivation", mrr(seats))
            story.seat_changes.append((story.reactivation, seats))
    return mrr(seats), seats


def _purchases(book: Book, story: Story, rng: random.Random) -> None:
    if rng.random() > 0.45:
        return
    stretches = _alive_days(story, book)
    count = 1
    while count < 6 and rng.random() < 0.4:
        count += 1
    for _ in range(count):
        first, last = rng.choice(stretches)
        at = _moment(rng, rng.randint(first, last))
        items = rng.sample(CATALOGUE, 2 if rng.random() < 0.2 else 1)  # some on the same day
        for offset, (description, price) in enumerate(items):
            book.add(
                "purchase",
                account_id=story.id,
                purchased_at=at + offset * 7 * MINUTE_US,
                amount_cents=price * rng.choice((1, 1, 2, 3)),
                description=description,
            )


def _account(book: Book, account_id: int) -> Story:
    story, rng = _story(book, account_id)
    names = book.names
    name = names[(account_id - 1) % len(names)]
    if account_id > len(names):
        name += f" {(account_id - 1) // len(names) + 1}"
    contacts = _contacts(book, story, rng, name)
    qbrs = _interactions(book, story, rng, contacts)
    _surveys(book, story, rng, contacts)
    _tickets(book, story, rng, contacts)
    mrr, seats = _revenue(book, story, rng, qbrs)
    _purchases(book, story, rng)
    churned = story.churn is not None and story.churn <= book.anchor and story.reactivation is None
    onboarded = story.onboarded if story.onboarded <= book.anchor else None
    status = "churned" if churned else "active" if onboarded is not None else "onboarding"
    renews = None if churned else _anniversary_after(story.reactivation or story.start, book.anchor)
    columns = book.rows.setdefault("account", {})
    values = {
        "id": account_id,
        "external_id": f"ACC-{account_id:05d}",
        "name": name,
        "segment": story.segment,
        "plan": story.plan,
        "owner": story.owner,
        "mrr_cents": mrr,
        "seats": seats,
        "start_date": story.start,
        "renewal_date": renews,
        "status": status,
        "churned_at": story.churn if churned else None,
        "onboarding_completed_at": onboarded,
        "created_at": story.start * DAY_US + 9 * HOUR_US,
    }
    for key, value in values.items():
        columns.setdefault(key, []).append(value)
    if not churned and renews is not None and renews - book.anchor <= 30 and rng.random() < 0.5:
        book.add(
            "task",
            account_id=story.id,
            interaction_id=None,
            owner=story.owner,
            title="Prepare the renewal pack",
            due_on=renews - 14,
            source="manual",
            completed_at=None,
            created_at=(book.anchor - 3) * DAY_US + 10 * HOUR_US,
        )
    if not churned:
        last_qbr = max((day for day, _ in qbrs if day >= book.quarter_start), default=None)
        book.top_accounts.append((mrr, account_id, name, last_qbr))
        book.top_accounts.sort(reverse=True)
        del book.top_accounts[20:]
    return story


# -- frames ---------------------------------------------------------------------------------


def _frame(table: str, columns: dict[str, list[object]]) -> pl.DataFrame:
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


def _noise(stream: int, seed: int) -> pl.Expr:
    """A uniform number in [0, 1) per (account, day), from integer arithmetic only
    (a Lehmer generator with a squaring step), so it is the same everywhere."""
    modulus = 2_147_483_647
    x = (
        pl.col("account_id") * 7_919 + pl.col("day") * 104_729 + (seed % 1_000) * 15_485_863
    ) % modulus + stream * 1_299_709
    x = (x * 48_271) % modulus
    x = (x * x + stream) % modulus
    x = (x * 48_271) % modulus
    return x / modulus


def _usage(book: Book, stories: list[Story]) -> pl.DataFrame:
    """Daily active users and logins of every account, computed from the stories."""
    params = []
    for story in stories:
        begin, peak, recovered, amplitude = story.decline or (None, None, None, 0.0)
        for first, last in _alive_days(story, book):
            params.append(
                (
                    story.id,
                    first,
                    last,
                    story.start,
                    story.adoption,
                    story.growth,
                    begin,
                    peak,
                    recovered,
                    amplitude,
                    story.reactivation,
                )
            )
    names = (
        "account_id",
        "first",
        "last",
        "start",
        "adoption",
        "growth",
        "decline_start",
        "decline_peak",
        "decline_recovered",
        "amplitude",
        "reactivation",
    )
    schema = dict.fromkeys(names, pl.Int64) | {
        "adoption": pl.Float64,
        "growth": pl.Float64,
        "amplitude": pl.Float64,
    }
    accounts = pl.DataFrame(params, schema=schema, orient="row")
    seats = pl.DataFrame(
        [(story.id, day, count) for story in stories for day, count in story.seat_changes],
        schema={"account_id": pl.Int64, "day": pl.Int64, "seats": pl.Int64},
        orient="row",
    ).sort("day")
    days = accounts.with_columns(day=pl.int_ranges("first", pl.col("last") + 1)).explode("day")
    days = days.sort("account_id", "day").join_asof(
        seats.sort("account_id", "day"), on="day", by="account_id", check_sortedness=False
    )
    weekday = (pl.col("day") + 3) % 7  # 1970-01-01 was a Thursday
    ramp = (0.3 + 0.7 * (pl.col("day") - pl.col("start")) / 45).clip(upper_bound=1.0)
    drift = 1 + pl.col("growth") * (pl.col("day") - pl.col("first")) / 365
    share = (pl.col("adoption") * drift).clip(upper_bound=0.97)
    week = pl.when(weekday >= 5).then(0.25).otherwise(1.0)
    active = (
        pl.col("seats")
        * share
        * ramp
        * week
        * (1 - 0.85 * _stress_expr())
        * (0.85 + 0.3 * _noise(1, book.seed))
    )
    active = (active + 0.5).floor().clip(0, pl.col("seats")).cast(pl.Int64)
    return days.select(
        "account_id",
        pl.col("day").cast(pl.Int32).cast(pl.Date),
        active.alias("active_users"),
        ((active * (1.3 + 1.7 * _noise(2, book.seed))) + 0.5)
        .floor()
        .cast(pl.Int64)
        .alias("logins"),
    )


# -- team-wide rows ---------------------------------------------------------------------------


def _team_rows(book: Book, churn_last_quarter: float) -> None:
    anchor = _to_date(book.anchor)
    first_month = _to_date(book.first_day).replace(day=1)
    month = first_month
    while month <= anchor:
        day = _epoch_day(month)
        scale = book.spec.accounts
        for category, per_account in (("People", 9_000), ("Tools", 1_200), ("Programmes", 700)):
            book.add(
                "retention_cost",
                incurred_on=day,
                amount_cents=scale * per_account,
                category=category,
                description=f"{category} for {month:%B %Y}",
            )
        month = (month + timedelta(days=32)).replace(day=1)
    start = book.quarter_start
    due = _epoch_day((_to_date(start) + timedelta(days=95)).replace(day=1) - timedelta(days=1))
    created = start * DAY_US + 9 * HOUR_US

    def goal(title: str, target_type: str, start_value: str, target: str, **extra: object) -> int:
        values: dict[str, object] = {
            "title": title,
            "owner": HEAD_OF_CS,
            "scope_segment": None,
            "scope_owner": None,
            "start_date": start,
            "due_date": due,
            "target_type": target_type,
            "start_value": start_value,
            "target_value": target,
            "direction": "raise",
            "metric": None,
            "created_at": created,
        } | extra
        return book.add("goal", **values)

    def checkin(goal_id: int, value: str, day: int, comment: str | None, computed: bool) -> None:
        book.add(
            "goal_checkin",
            goal_id=goal_id,
            value=value,
            checked_on=day,
            comment=comment,
            checked_by="cxtui" if computed else HEAD_OF_CS,
            computed=computed,
            created_at=day * DAY_US + 8 * HOUR_US,
        )

    churn_goal = goal(
        "Churn below 3 % this quarter",
        "percent",
        f"{churn_last_quarter:.1f}",
        "3",
        direction="lower",
        metric="churn_rate_pct",
    )
    checkin(churn_goal, f"{churn_last_quarter:.1f}", start, "Last quarter's churn", True)
    nps_goal = goal("NPS above 50", "number", f"{_nps(book, start):.0f}", "50", metric="nps")
    checkin(nps_goal, f"{_nps(book, start):.0f}", start, "Last quarter's NPS", True)
    qbr_goal = goal("QBR with every top-20 account", "tasks", "0", "20")
    for _mrr, _account_id, name, last_qbr in book.top_accounts:
        book.add(
            "goal_task",
            goal_id=qbr_goal,
            title=f"QBR with {name}",
            done_at=None if last_qbr is None else last_qbr * DAY_US + 16 * HOUR_US,
        )
    target_cents = max(100_000, book.expansion_this_quarter * 2 // 100_000 * 100_000)
    goal(
        "Expansion MRR this quarter",
        "currency",
        "0",
        str(target_cents // 100),
        metric="mrr_expansion",
    )
    mid = goal(
        "Grow Mid-market expansion pipeline",
        "currency",
        "0",
        "5000",
        scope_segment="Mid-market",
        scope_owner=MANAGERS["Mid-market"][0],
        owner=MANAGERS["Mid-market"][0],
    )
    checkin(mid, "1200", start + 20, "Two upsell calls booked", False)
    checkin(mid, "2100", book.anchor - 6, "Pipeline review with sales", False)
    board = goal("Launch the customer advisory board", "done", "0", "1")
    checkin(board, "1", book.anchor - 12, "First session held", False)


def _nps(book: Book, before: int) -> float:
    """NPS of the answers in the three months before ``before`` (an epoch day)."""
    end = _to_date(before)
    months = {end.year * 12 + end.month - k for k in (1, 2, 3)}
    tally: Counter[str] = Counter()
    for (month, band), count in book.nps.items():
        if month in months:
            tally[band] += count
    total = sum(tally.values())
    return 0.0 if not total else 100 * (tally["promoter"] - tally["detractor"]) / total


# -- putting it together --------------------------------------------------------------------


def generate(
    spec: Spec,
    sink: Sink,
    seed: int = 7,
    anchor: date = DEMO_ANCHOR,
    progress: Callable[[float], None] | None = None,
) -> dict[str, int]:
    """Build the book chunk by chunk of accounts and hand each table's rows to ``sink``
    (parents before children). Returns the rows per table."""
    names = [f"{head} {tail}" for head in NAME_HEADS for tail in NAME_TAILS]
    random.Random(f"cxtui-names:{seed}").shuffle(names)
    anchor_day = _epoch_day(anchor)
    book = Book(
        spec=spec, seed=seed, anchor=anchor_day, first_day=anchor_day - spec.days + 1, names=names
    )
    counts: Counter[str] = Counter()
    quarter = book.quarter_start
    previous = _to_date(quarter - 80)
    last_quarter = _epoch_day(date(previous.year, 3 * ((previous.month - 1) // 3) + 1, 1))
    at_start = lost = 0

    def emit(rows: dict[str, dict[str, list[object]]], extra: dict[str, pl.DataFrame]) -> None:
        for table in TABLES:
            if table in extra:
                frame = extra[table]
            elif table in rows:
                frame = _frame(table, rows[table])
            else:
                continue
            sink(table, frame)
            counts[table] += frame.height

    for chunk_start in range(1, spec.accounts + 1, spec.chunk_accounts):
        chunk_end = min(spec.accounts, chunk_start + spec.chunk_accounts - 1)
        stories = [_account(book, account_id) for account_id in range(chunk_start, chunk_end + 1)]
        for story in stories:
            if story.alive(last_quarter):
                at_start += 1
                if story.churn is not None and last_quarter <= story.churn < quarter:
                    lost += 1
        emit(book.take(), {"daily_usage": _usage(book, stories)})
        if progress is not None:
            progress(chunk_end / spec.accounts * 0.98)
    _team_rows(book, 100 * lost / at_start if at_start else 0.0)
    emit(book.take(), {})
    if progress is not None:
        progress(1.0)
    return {table: counts[table] for table in TABLES if counts[table]}


def generate_into(
    engine: Engine,
    size: str | Spec,
    seed: int = 7,
    progress: Callable[[float], None] | None = None,
) -> dict[str, int]:
    """Generate a book of ``size`` (a key of SIZES, or a Spec) into an empty database,
    writing each chunk as it is made. Returns the rows written per table."""
    spec = SIZES[size] if isinstance(size, str) else size
    ensure_empty(engine, "a generated dataset")

    def write(table: str, frame: pl.DataFrame) -> None:
        bulk_insert(engine, table, frame)

    with deferred_indexes(engine, TABLES):
        return generate(spec, write, seed=seed, progress=progress)


def book_frames(spec: Spec, seed: int = 7) -> dict[str, pl.DataFrame]:
    """The whole book in memory, one frame per table (for the demo's size)."""
    parts: dict[str, list[pl.DataFrame]] = {}
    generate(spec, lambda table, frame: parts.setdefault(table, []).append(frame), seed=seed)
    return {table: pl.concat(frames) for table, frames in parts.items()}


def write_demo(directory: str | None = None, seed: int = 7) -> dict[str, int]:
    """Write the demo book's CSVs (one per table) into ``directory``."""
    target = Path(directory) if directory else DEMO_DIR
    target.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table, frame in book_frames(SIZES["demo"], seed).items():
        write_csv(frame, target / f"{table}.csv")
        counts[table] = frame.height
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-demo", action="store_true", help="rewrite sample_data/demo/")
    parser.add_argument("--out", help="write the demo CSVs here instead")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not args.write_demo:
        parser.error("nothing to do: pass --write-demo")
    counts = write_demo(args.out, seed=args.seed)
    print(", ".join(f"{count:,} {table}" for table, count in counts.items()))


if __name__ == "__main__":
    main()
