"""The team's rows: goals with their tasks and check-ins, and retention costs."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sample_data.generator.company import HEAD_OF_CS, MANAGERS
from sample_data.generator.story import DAY_US, HOUR_US, Book, epoch_day, to_date

# -- team-wide rows ---------------------------------------------------------------------------


def team_rows(book: Book, churn_last_quarter: float) -> None:
    anchor = to_date(book.anchor)
    first_month = to_date(book.first_day).replace(day=1)
    month = first_month
    while month <= anchor:
        day = epoch_day(month)
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
    due = epoch_day((to_date(start) + timedelta(days=95)).replace(day=1) - timedelta(days=1))
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

    churn_then = f"{churn_last_quarter:.1f}"
    if (churn_line := line_to_keep(float(churn_then), 3, "lower", step=0.5)) is not None:
        churn_goal = goal(
            f"Churn below {churn_line:g} % this quarter",
            "percent",
            churn_then,
            f"{churn_line:g}",
            direction="lower",
            metric="churn_rate_pct",
        )
        checkin(churn_goal, churn_then, start, "Last quarter's churn", True)
    nps_then = f"{_nps(book, start):.0f}"
    if (nps_line := line_to_keep(float(nps_then), 50, "raise", step=10)) is not None:
        nps_goal = goal(
            f"NPS above {nps_line:g}", "number", nps_then, f"{nps_line:g}", metric="nps"
        )
        checkin(nps_goal, nps_then, start, "Last quarter's NPS", True)
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


def line_to_keep(then: float, usual: float, direction: str, step: float) -> float | None:
    """The line a goal asks a rate or score to pass (``direction``: raise or lower)
    from where it was (``then``): the ``usual`` line when that is still to be
    reached, else one ``step`` beyond where it was; None when no line is left (a
    churn too near 0 %, an NPS near 100). A goal whose start is already past its
    target is refused (``core.goals.form.validate_goal``): the L book's churn goal
    was, at 2.6 % "below 3 %", and showed 0 % "off track" at 1.7 %."""
    sign = 1 if direction == "raise" else -1
    line = usual if sign * (usual - then) > 0 else round(then + sign * step, 1)
    return line if (line <= 100 if sign > 0 else line > 0) else None


def _nps(book: Book, before: int) -> float:
    """NPS of the answers in the three months before ``before`` (an epoch day)."""
    end = to_date(before)
    months = {end.year * 12 + end.month - k for k in (1, 2, 3)}
    tally: Counter[str] = Counter()
    for (month, band), count in book.nps.items():
        if month in months:
            tally[band] += count
    total = sum(tally.values())
    return 0.0 if not total else 100 * (tally["promoter"] - tally["detractor"]) / total
