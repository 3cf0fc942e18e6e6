"""How figures read on screen: money, day counts, trends. Plain functions, no widgets."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App


def money(cents: int | None) -> str:
    """Whole dollars with separators: 1234567 cents is "$12,346"."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) / 100:,.0f}"


def signed_money(cents: int) -> str:
    """``money`` with its sign: an MRR movement of 6560 cents is "+$66", -6560 "-$66"
    (the 360's timeline, as its MRR history rounds it)."""
    return f"{'+' if cents >= 0 else ''}{money(cents)}"


def account_mrr(cents: int | None, status: str, recorded: bool = True) -> str:
    """An account's MRR as the list says it: a churned account's is the MRR it had when
    it left (its movements sum to 0), "lost $114", as its 360 says "MRR lost $114";
    "—" when none was ever ``recorded`` (no MRR movement: unknown, not $0)."""
    if not recorded and not cents:
        return "—"
    shown = money(cents)
    return f"lost {shown}" if status == "churned" and shown else shown


def compact_money(cents: int) -> str:
    """Money in a few characters: "$919.8k", "-$1.1k", "$2.4M", "$640"."""
    sign = "-" if cents < 0 else ""
    dollars = abs(cents) / 100
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if dollars >= size:
            return f"{sign}${dollars / size:.1f}{suffix}"
    return f"{sign}${dollars:,.0f}"


def axis_money(dollars: float) -> str:
    """Money on a chart's axis: ``compact_money`` without a needless decimal, "$0",
    "$250", "$20k", "-$1.5M"."""
    short = compact_money(round(dollars * 100))
    return short.replace(".0", "", 1) if short[-1] in "kMB" else short


def axis_ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Round values for a chart's axis from ``low`` to ``high`` (both included), 0
    among them when in range: steps of 1, 2 or 5 times a power of ten, at most
    ``most`` steps."""
    if high <= low:
        return [low]
    rough = (high - low) / most
    power = 10 ** math.floor(math.log10(rough))
    step = next(power * size for size in (1, 2, 5, 10) if power * size >= rough)
    return [index * step for index in range(math.ceil(low / step), math.floor(high / step) + 1)]


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


def trend_arrow(trend: str | None, delta: float | None) -> str:
    """▲, ▼ or ▶ (core.health's up / down / flat) with the 30-day change in points;
    "—" without a score today or 30 days back (the help screen says so), never an
    empty cell. It said "new" for a score with no snapshot 30 days back, which read as
    a new account."""
    if trend is None or delta is None:
        return "—"
    arrow = {"up": "▲", "down": "▼"}.get(trend, "▶")
    return f"{arrow} {round(delta):+d}"  # a whole number: -0.3 is +0, never "-0"


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


def literal(cell: Any, wrap: bool = False) -> Any:
    """A table cell from the book shown as it is: a string as Text, its control
    characters escaped (a DataTable reads a string cell as Rich markup: a name such
    as "[/] Evil" closed the app, "[red]x[/red]" lost its brackets), on one line that
    ends in "…" when cut (cut silently, a task's title read as whole); with ``wrap``
    (an option of a list, which has the lines) on as many lines as it takes. Any
    other cell (Text, a number, None) as it is."""
    if isinstance(cell, str):
        from rich.text import Text

        from core.text import visible

        if wrap:
            return Text(visible(cell))
        return Text(visible(cell), overflow="ellipsis", no_wrap=True)
    return cell


def band_colours(app: App[Any]) -> dict[str, str]:
    """The colours of the health bands' words (and of good and bad news): the theme's
    success, warning and error; in a light theme their text-* variants, darker, as
    its success and warning, made for fills, read at 1.5:1 on its background."""
    theme = app.current_theme
    if theme.dark:
        colours = (theme.success, theme.warning, theme.error)
    else:
        variables = app.theme_variables
        colours = (variables["text-success"], variables["text-warning"], variables["text-error"])
    bands = ("green", "yellow", "red")
    return {band: rich_colour(colour) for band, colour in zip(bands, colours, strict=True)}


def rich_colour(colour: str | None) -> str:
    """A theme's colour as Rich reads it ("" for none). An ANSI theme's colours are
    Textual's names ('ansi_green'), which Rich refuses: the accounts list failed in
    ansi-dark and ansi-light. They become the terminal's colour ('color(2)')."""
    if not colour:
        return ""
    from textual.color import Color

    parsed = Color.parse(colour)
    return parsed.rich_color.name if parsed.ansi is not None else colour
