"""How figures read on screen: money, day counts, trends. Plain functions, no widgets."""

from __future__ import annotations


def money(cents: int | None) -> str:
    """Whole dollars with separators: 1234567 cents is "$12,346"."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) / 100:,.0f}"


def compact_money(cents: int) -> str:
    """Money in a few characters: "$919.8k", "-$1.1k", "$2.4M", "$640"."""
    sign = "-" if cents < 0 else ""
    dollars = abs(cents) / 100
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if dollars >= size:
            return f"{sign}${dollars / size:.1f}{suffix}"
    return f"{sign}${dollars:,.0f}"


def _day_distance(days: int | None, unknown: str, positive: str, negative: str) -> str:
    """``unknown`` without a day, "today" for 0, else ``positive`` or ``negative`` (by
    the sign of ``days``) with the number of days in place of ``{}``."""
    if days is None:
        return unknown
    if days == 0:
        return "today"
    return (positive if days > 0 else negative).format(abs(days))


def days_ago(days: int | None) -> str:
    """Days since: "never", "today", "3d ago" (a day to come: "in 2d")."""
    return _day_distance(days, "never", "{}d ago", "in {}d")


def countdown(days: int | None) -> str:
    """Days to go: "no date", "today", "in 3 days" (a day gone by: "2 days ago")."""
    return _day_distance(days, "no date", "in {} days", "{} days ago")


def trend_arrow(trend: str | None, delta: float | None, scored: bool = True) -> str:
    """▲, ▼ or ▶ (core.health's up / down / flat) with the 30-day change in points;
    "new" for a score with no snapshot 30 days back, "—" for an account with no
    score: never an empty cell."""
    if trend is None or delta is None:
        return "new" if scored else "—"
    arrow = {"up": "▲", "down": "▼"}.get(trend, "▶")
    return f"{arrow} {delta:+.0f}"


def bar(fraction: float, width: int) -> str:
    """A horizontal bar of ``width`` cells, filled to ``fraction`` (0..1) in eighths."""
    fraction = max(0.0, min(1.0, fraction))
    eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    partial = " ▏▎▍▌▋▊▉"[part] if part else ""
    return ("█" * full + partial).ljust(width)


def sparkline(values: list[float], low: float = 0.0, high: float = 100.0) -> str:
    """One character per value, ▁ to █, on a fixed low..high scale."""
    ticks = "▁▂▃▄▅▆▇█"
    span = (high - low) or 1.0
    return "".join(ticks[max(0, min(7, int((value - low) / span * 7.999)))] for value in values)
