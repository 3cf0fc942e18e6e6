"""Everything one account generates from its story: contacts, interactions, survey
answers, tickets, MRR movements and purchases."""

from __future__ import annotations

import random

from sample_data.generator.company import (
    CATALOGUE,
    CONTACTS,
    DETRACTOR_COMMENTS,
    FIRST_NAMES,
    INTERACTION_WEIGHT,
    LAST_NAMES,
    PROMOTER_COMMENTS,
    ROLES,
    SUMMARIES,
    TICKET_SUBJECTS,
    TICKETS_PER_MONTH,
)
from sample_data.generator.story import (
    DAY_US,
    HOUR_US,
    MINUTE_US,
    Book,
    Story,
    alive_days,
    anniversary_after,
    moment_us,
    story_of,
    to_date,
    weighted,
)


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
    at = moment_us(rng, day)
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
    for first, last in alive_days(story, book):
        moment = float(first)
        while True:
            moment += rng.expovariate(rate)
            day = int(moment)
            if day > last:
                break
            stress = story.stress(day)
            if rng.random() > 1 - 0.9 * stress:
                continue
            kind = weighted(rng, kinds)
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
        for first, last in alive_days(story, book):
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
            answered = moment_us(rng, wave + rng.randrange(0, 12), 6, 16)
            comment = None
            if score <= 6 and rng.random() < 0.5:
                comment = rng.choice(DETRACTOR_COMMENTS)
            elif score >= 9 and rng.random() < 0.3:
                comment = rng.choice(PROMOTER_COMMENTS)
            _survey(book, story, rng, contacts, "nps", score, answered, comment)
            month = to_date(answered // DAY_US)
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
    for first, last in alive_days(story, book):
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
            priority = weighted(
                rng,
                (
                    ("urgent", urgent),
                    ("high", high),
                    ("low", low),
                    ("normal", 1 - urgent - high - low),
                ),
            )
            opened = moment_us(rng, day, 0, 24)
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
    stretches = alive_days(story, book)
    count = 1
    while count < 6 and rng.random() < 0.4:
        count += 1
    for _ in range(count):
        first, last = rng.choice(stretches)
        at = moment_us(rng, rng.randint(first, last))
        items = rng.sample(CATALOGUE, 2 if rng.random() < 0.2 else 1)  # some on the same day
        for offset, (description, price) in enumerate(items):
            book.add(
                "purchase",
                account_id=story.id,
                purchased_at=at + offset * 7 * MINUTE_US,
                amount_cents=price * rng.choice((1, 1, 2, 3)),
                description=description,
            )


def generate_account(book: Book, account_id: int) -> Story:
    story, rng = story_of(book, account_id)
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
    renews = None if churned else anniversary_after(story.reactivation or story.start, book.anchor)
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
