"""Presets for where books come from: a vendor's export recognised from its header,
mapped and converted without any ``--map``.

A preset names the kind it imports, the header names that identify it (all must be
present), the mapping of fields to its columns, value maps (Stripe's ``canceled``
is cxtui's ``churned``) and derived columns, computed as text before the rows are
checked (Stripe's amount x quantity / interval as MRR). Anything the user maps
(``--map``, ``--value``) wins over the preset. The column names are those of the
vendors' documented default exports:

- HubSpot: "Export your records" (companies, default properties).
- Salesforce: the Accounts report / Data Export of the Account object.
- Stripe: Dashboard, Billing > Subscriptions > Export, and Invoices > Export (columns
  in UTC).
- Chargebee: the Subscriptions.csv of its data export (Settings > Import & Export
  Data), whose columns are named object.attribute ("subscriptions.plan_unit_price").
- Zendesk: Admin Center > Tools > Reports > CSV export of tickets (as tickets, and
  its Satisfaction Score as CSAT answers).
- Intercom: the conversation data export (Reports > Conversations > Export).
- Delighted: the responses CSV export (NPS), with the person's properties as columns.
- Salesforce: an activities report (Tasks and Events) exported as CSV, as interactions.
- HubSpot: the calls, meetings and emails index pages' exports, as interactions (the
  default properties' labels: Call Title, Meeting name, Email subject, Activity date).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import polars as pl

from core.importing import parse
from core.importing.spec import normalise

Derived = Callable[[], pl.Expr]


def _col(name: str) -> pl.Expr:
    return pl.col(name).str.strip_chars()


def _monthly(amount: str, quantity: str, unit: pl.Expr, every: pl.Expr | None = None) -> pl.Expr:
    """A price x quantity as a monthly amount, exactly (decimals, never floats), by
    its billing period: ``unit`` (day, week, month or year; none is a month) and,
    when given, ``every`` such units (a plan billed every 3 months is / 3). A yearly
    price / 12, weekly x 52 / 12, daily x 365 / 12. A price that is not a number
    stays as it is, and one of another unit is written "49.00 per fortnight", for
    the check to name its row. Prices written with a decimal comma ("49,00", as a
    spreadsheet in a European locale saves the export) are read so, by the rule
    the check reads any column by (``parse.comma_decimals``); beside prices with a
    decimal point, one only a decimal comma writes ("19,00") cannot be read."""
    text = _col(amount)
    bare = parse.bare_number(text)
    only_comma = bare.str.contains(parse.COMMA_DECIMAL)
    comma = only_comma.any() & ~bare.str.contains(parse.POINT_DECIMAL).any()
    number = (
        pl.when(comma)
        .then(parse.pointed(text))
        .when(~only_comma)
        .then(bare.str.replace_all(",", ""))
    )
    price = number.cast(pl.Decimal(20, 2), strict=False)
    count = _col(quantity).cast(pl.Decimal(20, 0), strict=False).fill_null(1)
    period = unit.str.strip_chars().str.to_lowercase()
    per_year = (
        pl.when(period == "year")
        .then(1)
        .when(period == "week")
        .then(52)
        .when(period == "day")
        .then(365)
        .otherwise(12)
        .cast(pl.Decimal(20, 0))
    )
    if every is not None:
        units = every.cast(pl.Decimal(20, 0), strict=False)
        per_year = per_year / pl.when(units > 0).then(units).otherwise(1)
    mrr = (price * count * per_year / 12).round(2).cast(pl.String)
    known = period.is_null() | period.is_in(["", "day", "week", "month", "year"])
    unread = pl.format("{} per {}", text, unit.str.strip_chars())
    return (
        pl.when(price.is_null() & (text != "")).then(text).when(~known).then(unread).otherwise(mrr)
    )


def _stripe_mrr() -> pl.Expr:
    """Amount x Quantity as a monthly amount, by Interval."""
    return _monthly("Amount", "Quantity", _col("Interval"))


_STRIPE_NAME = "Name (Customer Name, else Customer Email)"


def _stripe_name() -> pl.Expr:
    """A customer's name, else its email (Stripe requires neither: the Dashboard
    shows a customer without a name by its email)."""
    return pl.coalesce(_col("Customer Name").replace("", None), _col("Customer Email"))


@dataclass(frozen=True)
class Subscriptions:
    """Where a billing system's subscriptions export says what ``_customers`` and
    ``_history`` read: each subscription's customer, status, start, trial end, end
    (the first of ``ended`` that has a value), seats and MRR (a derived column)."""

    customer: str
    status: str
    start: str
    trial_end: str
    ended: tuple[str, ...]
    quantity: str
    mrr: tuple[str, ...]
    """The derived MRR columns, the first the frame has."""
    live: dict[str, int]
    """The statuses of a live subscription: 0 paying, 1 not paying yet (a trial);
    any other is one that ended."""
    failed: str = ""
    """The status of a subscription whose first payment failed (it never paid)."""
    cancels: str = ""
    """The derived column that says "yes" of a live subscription set to cancel at its
    period's end (``_cancelling``), "no" of any other."""


@dataclass(frozen=True)
class Caveat:
    """What some rows of a column mean for the figures, said with how many they are."""

    words: str
    """The words, with ``{count}`` where the number of rows goes."""
    rows: pl.Expr | None = None
    """The rows it is about (the column's name is the preset's key); None: the rows
    with a value in the column."""


_CANCELLING = (
    "each keeps its MRR until then (its renewal date) and ends after it, which an export"
    " made after that day records"
)
"""What a subscription set to cancel at its period's end is in the figures."""
_CANCELS_WORDS = (
    "an account is set to cancel at its renewal when every live subscription of its"
    " customer is ({}): the renewal forecast expects it to leave; a customer who keeps"
    " another subscription is not (that is a contraction), and a later export where it"
    " is no longer set to cancel clears it"
)
"""What the preset's column of accounts set to cancel reads, with the vendor's words."""
_STRIPE_MRR = "MRR (from amount, quantity and interval)"
_STRIPE_ENDED = "Ended (Ended At, else Canceled At)"
_STRIPE_CANCELS = "Set to cancel (Cancel At Period End of every live subscription)"
_STRIPE = Subscriptions(
    "Customer ID",
    "Status",
    "Start (UTC)",
    "Trial End (UTC)",
    ("Ended At (UTC)", "Canceled At (UTC)"),
    "Quantity",
    (_STRIPE_MRR,),
    {"active": 0, "past_due": 0, "unpaid": 0, "trialing": 1, "incomplete": 1},
    "incomplete_expired",
    _STRIPE_CANCELS,
)


def _status(columns: Subscriptions) -> pl.Expr:
    """A status in lower case, words joined by "_" ("Non Renewing": non_renewing)."""
    return _col(columns.status).str.to_lowercase().str.replace_all(r"\s+", "_")


def _rank(columns: Subscriptions) -> pl.Expr:
    """0 for a paying subscription, 1 for a trial, 2 for one that has ended."""
    return _status(columns).replace_strict(columns.live, default=2, return_dtype=pl.Int8)


def _stripe_set_to_cancel() -> pl.Expr:
    """A live Stripe subscription whose Cancel At Period End is true."""
    return (_col("Cancel At Period End").str.to_lowercase() == "true") & (_rank(_STRIPE) < 2)


def _chargebee_set_to_cancel() -> pl.Expr:
    """A Chargebee subscription that is non_renewing (live until its term's end)."""
    return _status(_CHARGEBEE) == "non_renewing"


def _cancelling(set_to_cancel: Callable[[], pl.Expr]) -> Derived:
    """``Subscriptions.cancels``: "yes" for a subscription ``set_to_cancel`` says,
    else "no" (``_customers`` makes it its customer's)."""
    return lambda: pl.when(set_to_cancel()).then(pl.lit("yes")).otherwise(pl.lit("no"))


def moment_column(name: str) -> str:
    """The column of the moments a date column of a subscriptions export says, read
    in the file's date order by the import before it combines the rows."""
    return f"{name} (moment)"


def _moment(name: str, names: list[str]) -> pl.Expr:
    """The moment each cell of the date column ``name`` says (``moment_column``,
    else read year-month-day): dates are compared so, never as text ("02.04.2026"
    is after "20.06.2025")."""
    if name not in names:
        return pl.lit(None, pl.Datetime("us"))
    read = moment_column(name)
    return pl.col(read) if read in names else parse.iso_moments(_col(name))


def _ended(columns: Subscriptions, names: list[str]) -> tuple[pl.Expr, pl.Expr]:
    """When a subscription ended, as text and as a moment: the first of its end
    columns that has a value (Stripe's Ended At, else its Canceled At: a
    cancellation at the period's end is asked for before the subscription ends)."""
    present = [c for c in columns.ended if c in names]
    if not present:
        return pl.lit(None, pl.String), pl.lit(None, pl.Datetime("us"))
    text = pl.coalesce(_col(c).replace("", None) for c in present)
    return text, pl.coalesce(_moment(c, names) for c in present)


def _paid(columns: Subscriptions, names: list[str]) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """When a subscription began to pay (its trial's end, else its start), as text
    and as a moment, and whether it ever paid: a paying one has; a trial or an
    incomplete one has not yet; an ended one has unless it ended within its trial or
    on its start, or its first payment failed. One that ended before it started did
    not end in its trial: it counts as paid, for the check to name its end (the
    churn before the start)."""
    start, started = _col(columns.start), _moment(columns.start, names)
    trial = _col(columns.trial_end) if columns.trial_end in names else pl.lit(None, pl.String)
    later = (_moment(columns.trial_end, names) > started).fill_null(False)
    paid_from = pl.when(later).then(trial).otherwise(start)
    paid_at = pl.when(later).then(_moment(columns.trial_end, names)).otherwise(started)
    end = _ended(columns, names)[1]
    rank = _rank(columns)
    failed = _status(columns) == columns.failed if columns.failed else pl.lit(False)
    within = (end <= paid_at) & (end >= started)  # its trial, or at its start
    ended_paid = (rank == 2) & ~failed & ~within.fill_null(False)
    return paid_from, paid_at, (rank == 0) | ended_paid


def _customers(
    columns: Subscriptions, ended_column: str, frame: pl.LazyFrame, row: str, every_row: bool
) -> pl.LazyFrame:
    """One row per customer from its subscriptions (a customer who upgraded to a new
    subscription, bought a second product or came back has several): the columns of
    its main subscription (live first, paying before trialing, then the largest MRR,
    then the first in the file), with the MRR and seats summed over its live
    subscriptions (a trial's MRR is none yet; with none live, over the paid ones
    that ended last: the MRR it lost), its start (the first day it paid; its first
    start while it has not paid yet, as a trial), and, when none is live, the day
    the last paid one ended (``ended_column``, the churn date). A customer none of
    whose subscriptions has paid yet (a trial, running or ended, a failed first
    payment) is no customer: left out, unless ``every_row`` (then a running trial's
    is onboarding, with no MRR). Set to cancel (``columns.cancels``) when every live
    subscription is. ``row``: the file row of each subscription, kept
    for the main one; an amount that cannot be read on any of them is the MRR, at
    that one's row, for the check to name."""
    names = frame.collect_schema().names()
    customer, start = columns.customer, columns.start
    mrr = next(c for c in columns.mrr if c in names)
    paid_from, paid_at, paid = _paid(columns, names)
    end, end_at = _ended(columns, names)
    frame = frame.with_columns(
        _rank=_rank(columns),
        _mrr=pl.col(mrr).cast(pl.Decimal(20, 2), strict=False),
        _seats=_col(columns.quantity).cast(pl.Int64, strict=False).fill_null(1)
        if columns.quantity in names
        else pl.lit(1),
        _end=end,
        _end_at=end_at,
        _paid=paid,
        _paid_from=paid_from,
        _paid_at=paid_at,
        _start_at=_moment(start, names),
    )
    live = pl.col("_rank").min().over(customer) < 2
    last_paid = pl.col("_end_at").filter("_paid").max().over(customer)
    counted = (
        pl.when(live)
        .then(pl.col("_rank") < 2)
        .otherwise(pl.col("_paid") & pl.col("_end_at").eq_missing(last_paid))
    )

    def earliest(text: str, moment: str, among: pl.Expr) -> pl.Expr:
        """The text of the earliest moment among the rows ``among`` (the text of one
        that is no moment last, for the check to name)."""
        return (
            pl.col(text)
            .filter(among)
            .sort_by(pl.col(moment).filter(among), nulls_last=True)
            .first()
        )

    paying_mrr = pl.when(pl.col("_rank") == 1).then(pl.lit(0, pl.Decimal(20, 2))).otherwise("_mrr")
    frame = frame.with_columns(_counted=counted)
    main = pl.all().sort_by("_rank", -pl.col("_mrr").fill_null(0), row).first()
    unreadable = pl.col("_mrr").is_null() & pl.col(mrr).is_not_null()
    combined = frame.group_by(customer, maintain_order=True).agg(
        main,
        _total=paying_mrr.filter("_counted").sum(),
        _unreadable=pl.col(row).filter(unreadable).min(),
        _unreadable_text=pl.col(mrr).sort_by(row).filter(unreadable.sort_by(row)).first(),
        _seat_total=pl.col("_seats").filter("_counted").sum(),
        _first_start=pl.coalesce(
            earliest("_paid_from", "_paid_at", pl.col("_paid")),
            earliest(start, "_start_at", _col(start).fill_null("") != ""),
        ),
        _last_end=pl.col("_end")
        .filter("_paid")
        .sort_by(pl.col("_end_at").filter("_paid"), nulls_last=False)
        .last(),
        _live=pl.col("_rank").min() < 2,
        _ever_paid=pl.col("_paid").any(),
        _all_cancel=(pl.col(columns.cancels) == "yes").filter(pl.col("_rank") < 2).all()
        if columns.cancels in names
        else pl.lit(False),
    )
    if not every_row:
        combined = combined.filter("_ever_paid")
    overrides = {
        mrr: pl.when(pl.col("_unreadable").is_null())
        .then(pl.col("_total").round(2).cast(pl.String))
        .otherwise(pl.col("_unreadable_text")),
        row: pl.coalesce("_unreadable", row),
        start: pl.col("_first_start"),
        ended_column: pl.when(~pl.col("_live")).then(pl.col("_last_end")),
    }
    if columns.quantity in names:
        overrides[columns.quantity] = pl.col("_seat_total").cast(pl.String)
    if columns.cancels in names:  # every live subscription set to cancel
        cancels = pl.col("_live") & pl.col("_all_cancel")
        overrides[columns.cancels] = pl.when(cancels).then(pl.lit("yes")).otherwise(pl.lit("no"))
    kept = [*names, ended_column]
    return combined.with_columns(e.alias(n) for n, e in overrides.items()).select(kept)


def _one_per_customer(vendor: str) -> str:
    """What ``_customers`` did, in words (``Preset.combined``)."""
    return (
        "{rows} combined with another subscription of their customer: one account per"
        f" {vendor} customer ({{count:,}} with several subscriptions), its MRR and seats"
        " those of its live subscriptions added up (with none live, of those that ended"
        " last), its start its first subscription's"
    )


_PRICE_TODAY = (
    "the MRR history counts each subscription's price today from its start: the export"
    " has no price or quantity changed within a subscription (an upgrade or seats added"
    " in place, told by its invoices), only those of subscriptions started anew"
)
"""What ``_history`` cannot know, said with the MRR column of a preset that has one."""


def _history(columns: Subscriptions, frame: pl.LazyFrame) -> pl.LazyFrame:
    """Each customer's MRR movements, day by day, from its subscriptions: each adds
    its MRR on the day it began to pay (its trial's end, else its start) and takes
    it back on the day it ended; a trial, or one that never paid, adds none. The
    first day it pays is ``new``; a day that ends its last paying one is ``churn``,
    one that starts one again ``reactivation``; other days are ``expansion`` or
    ``contraction`` by the sign of the change. Only customers whose every paid
    subscription has a start, a readable amount and, once ended, an end on or after
    its start; the others have one row with no movement (they are recorded as one
    opening movement, core.accounts.mrr). Columns: external_id, occurred_on, kind,
    amount_cents."""
    names = frame.collect_schema().names()

    customer = pl.col("external_id")
    mrr = next(c for c in columns.mrr if c in names)
    ended = _rank(columns) == 2
    _, paid_at, paid = _paid(columns, names)
    subscriptions = frame.select(
        external_id=_col(columns.customer),
        start=paid_at.dt.date(),
        end=pl.when(ended).then(_ended(columns, names)[1].dt.date()),
        ended=ended,
        paid=paid,
        cents=(pl.col(mrr).cast(pl.Decimal(20, 2), strict=False) * 100).cast(pl.Int64),
    )
    dated = ~pl.col("paid") | (  # (one that never paid needs no dates)
        pl.col("start").is_not_null()
        & pl.col("cents").is_not_null()
        & (~pl.col("ended") | (pl.col("end") >= pl.col("start")).fill_null(False))
    )
    told = dated.all().over(customer)
    untold = subscriptions.filter(~told).select("external_id").unique()
    subscriptions = subscriptions.filter(told, "paid")  # a trial adds no MRR
    events = pl.concat(
        [
            subscriptions.select("external_id", day="start", delta="cents", joined=pl.lit(1)),
            subscriptions.filter("ended").select(
                "external_id", day="end", delta=-pl.col("cents"), joined=pl.lit(-1)
            ),
        ]
    )
    days = (
        events.group_by("external_id", "day")
        .agg(pl.col("delta").sum(), pl.col("joined").sum())
        .sort("external_id", "day")
        .with_columns(live=pl.col("joined").cum_sum().over(customer))
    )
    before = pl.col("live") - pl.col("joined")
    kind = (
        pl.when((before == 0) & (pl.col("live") > 0))
        .then(
            pl.when(pl.col("day") == pl.col("day").min().over(customer))
            .then(pl.lit("new"))
            .otherwise(pl.lit("reactivation"))
        )
        .when((before > 0) & (pl.col("live") == 0))
        .then(pl.lit("churn"))
        .when(pl.col("delta") > 0)
        .then(pl.lit("expansion"))
        .otherwise(pl.lit("contraction"))
    )
    movements = (
        days.with_columns(kind=kind)
        .filter(pl.col("delta") != 0)
        .select("external_id", occurred_on="day", kind="kind", amount_cents="delta")
    )
    return pl.concat([movements, untold], how="diagonal")


_CHARGEBEE_MRR = "MRR (from plan unit price, quantity and billing period)"
_CHARGEBEE_MONTHLY = "MRR (from plan unit price and quantity, monthly)"
_CHARGEBEE_ENDED = "Ended (cancelled_at)"
_CHARGEBEE_NAME = "Name (company, else first and last name, else email)"
_CHARGEBEE_CANCELS = "Set to cancel (every live subscription non_renewing)"
_CHARGEBEE = Subscriptions(
    "customers.id",
    "subscriptions.status",
    "subscriptions.started_at",
    "subscriptions.trial_end",
    ("subscriptions.cancelled_at",),
    "subscriptions.plan_quantity",
    (_CHARGEBEE_MRR, _CHARGEBEE_MONTHLY),
    {"active": 0, "non_renewing": 0, "paused": 0, "in_trial": 1, "future": 1},
    cancels=_CHARGEBEE_CANCELS,
)


def _chargebee_mrr() -> pl.Expr:
    """Plan unit price x quantity, by the billing period the export gives."""
    return _monthly(
        "subscriptions.plan_unit_price",
        "subscriptions.plan_quantity",
        _col("subscriptions.billing_period_unit"),
        _col("subscriptions.billing_period"),
    )


def _chargebee_monthly() -> pl.Expr:
    """Plan unit price x quantity, by the billing period the plan's id names (an
    item price id such as "Pro-USD-Yearly": yearly or annual, half-yearly,
    quarterly, weekly, daily); a month when it names none."""
    plan = _col("subscriptions.plan_id").str.to_lowercase()
    half = plan.str.contains("half|semi")
    unit = (
        pl.when(half)
        .then(pl.lit("month"))
        .when(plan.str.contains("year|annual"))
        .then(pl.lit("year"))
        .when(plan.str.contains("week"))
        .then(pl.lit("week"))
        .when(plan.str.contains("daily"))
        .then(pl.lit("day"))
        .otherwise(pl.lit("month"))
    )
    every = (
        pl.when(half)
        .then(pl.lit("6"))
        .when(plan.str.contains("quarter"))
        .then(pl.lit("3"))
        .otherwise(pl.lit("1"))
    )
    return _monthly("subscriptions.plan_unit_price", "subscriptions.plan_quantity", unit, every)


def _chargebee_name() -> pl.Expr:
    """A customer's company, else its first and last name, else its email."""
    person = pl.concat_str(
        [_col("customers.first_name").fill_null(""), _col("customers.last_name").fill_null("")],
        separator=" ",
    ).str.strip_chars()
    named = [_col("customers.company").replace("", None), person.replace("", None)]
    return pl.coalesce(*named, _col("customers.email"))


_STRIPE_INVOICE_PAID = "Invoice status"


def _stripe_invoice_paid() -> pl.Expr:
    """An invoice's status, "paid $0" for a paid one of no amount (a trial's, a
    coupon's): only "paid" is a purchase."""
    status = _col("Status").str.to_lowercase()
    paid = _col("Amount Paid").str.replace_all(r"[$,\s]", "").cast(pl.Decimal(20, 2), strict=False)
    return pl.when((status == "paid") & (paid == 0)).then(pl.lit("paid $0")).otherwise(status)


_ZENDESK_CSAT = "CSAT score (Good 5, Bad 1)"


def _zendesk_csat() -> pl.Expr:
    """Zendesk's satisfaction rating on CSAT's 1-5 scale: Good (satisfied) 5, Bad 1,
    so that the CSAT (answers of 4 or 5) is Zendesk's own satisfaction score."""
    rating = _col("Satisfaction Score")
    lower = rating.str.to_lowercase()
    good, bad = lower.str.starts_with("good"), lower.str.starts_with("bad")
    return pl.when(good).then(pl.lit("5")).when(bad).then(pl.lit("1")).otherwise(rating)


_HUBSPOT_STATUS = "Status (from Lifecycle Stage)"


def _hubspot_status() -> pl.Expr:
    """churned for a company in a stage of former customers (a custom stage such as
    "Former customer" or "Churned"; HubSpot gives no churn date), else active."""
    stage = _col("Lifecycle Stage").str.to_lowercase()
    gone = stage.str.contains(r"former|churn|lost|cancel|\bex[- ]")
    return pl.when(gone).then(pl.lit("churned")).otherwise(pl.lit("active"))


_SALESFORCE_KIND = "Kind (from Type, else Task Subtype)"


def _salesforce_kind() -> pl.Expr:
    """An activity's kind: its Type (Call, Email, Meeting, Other) when it has one,
    else its Task Subtype (Call, Email, List Email, Task...)."""
    kind = _col("Type").fill_null("")
    return pl.when(kind != "").then(kind).otherwise(_col("Task Subtype"))


def _minutes_after(start: str, minutes: str) -> Derived:
    return lambda: _after(start, minutes, 60, "minutes")


def _seconds_after(start: str, seconds: str) -> Derived:
    return lambda: _after(start, seconds, 1, "seconds")


def _after(start: str, delay: str, unit: int, words: str) -> pl.Expr:
    """The moment ``delay`` units of ``unit`` seconds after the moment in ``start``
    (a first response from its delay), read as the check reads a moment written
    year-month-day, its zone or offset included ("2024-03-01 09:00:00 +0100", "...
    UTC"). A delay given beside a moment or a delay that cannot be read stays as
    text, for the check to name its row; no delay is no moment."""
    amount = _col(delay).cast(pl.Float64, strict=False)
    micros = (amount * unit * 1_000_000).round().cast(pl.Int64)
    moment = parse.iso_moments(_col(start)) + pl.duration(microseconds=micros)
    written = moment.dt.strftime("%Y-%m-%d %H:%M:%S")
    given = _col(delay).fill_null("") != ""
    unread = pl.format(f"{{}} + {{}} {words}", _col(start).fill_null(""), _col(delay))
    return pl.when(given & written.is_null()).then(unread).otherwise(written)


def _constant(value: str) -> Derived:
    return lambda: pl.lit(value, pl.String)


@dataclass(frozen=True)
class LeaveOut:
    """The rows of an export that are no records of the book, told by one column's
    value (an empty cell is kept): a CRM's leads and prospects, a subscription whose
    first payment failed."""

    column: str
    pattern: str  # a regular expression, searched in the value in lower case
    keep: bool  # True: the rows whose value matches are kept, the others left out
    what: str  # what the rows left out are, in words


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    kind: str
    signature: tuple[str, ...]  # header names that must all be present
    columns: dict[str, str | tuple[str, ...]]
    """Field -> column (of the file, or derived), or the columns to take it from,
    the first the file has."""
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    derived: dict[str, Derived] = field(default_factory=dict)  # column -> text expression
    combine_by: str = ""
    """The column whose rows are one record's (a Stripe customer's subscriptions)."""
    combine: Callable[[pl.LazyFrame, str, bool], pl.LazyFrame] | None = None
    """Those rows combined into one, after the derived columns (given the frame, the
    name of its file-row column, which the result keeps, and whether every record is
    kept: else those that are no customers are left out)."""
    combined: str = ""
    """What ``combine`` did, in words (``{rows}``: how many rows were combined with
    another, as "3 rows"; ``{count}``: the records of several rows)."""
    combined_out: str = ""
    """What the records ``combine`` left out are, in words (``{count}``: how many;
    ``{s}``: "s" unless one)."""
    history: Callable[[pl.LazyFrame], pl.LazyFrame] | None = None
    """Each account's MRR movements, from the file's rows before they are combined
    (external_id, occurred_on, kind, amount_cents: Stripe's subscriptions)."""
    dates: tuple[str, ...] = ()
    """The date columns ``combine`` and ``history`` compare, read as moments in the
    file's date order first (``moment_column``)."""
    account_names: str = ""
    """A column naming each row's account by name, looked up when the account column
    finds no account (Intercom's own company ids beside the companies' names)."""

    leave_out: LeaveOut | None = None
    said: dict[str, str] = field(default_factory=dict)
    """What reading a column assumes, said when the mapping takes it (column -> words)."""
    caveats: dict[str, Caveat] = field(default_factory=dict)
    """Column -> what some of its rows mean for the figures, said with how many they
    are: a Stripe subscription with a coupon, one set to cancel at its period's end."""
    optional: frozenset[str] = frozenset()
    """Derived columns left underived when the file lacks what they are made of (the
    preset still applies; any other derived column needs its columns)."""

    def derivable(self, columns: list[str]) -> tuple[dict[str, pl.Expr], list[str]]:
        """The derived columns ``columns`` can make (name -> expression), and the
        columns missing for the others that are not optional."""
        made, missing = {}, []
        for name, make in self.derived.items():
            expression = make()
            lacking = sorted(set(expression.meta.root_names()) - set(columns))
            if not lacking:
                made[name] = expression
            elif name not in self.optional:
                missing += lacking
        return made, sorted(set(missing))

    def read_through_derived(self, columns: list[str]) -> set[str]:
        """The columns of ``columns`` that the derived columns the mapping takes are
        made of (Stripe's Amount, Quantity and Interval, which make its MRR)."""
        made = self.derivable(columns)[0]
        taken = set(self.mapping([*columns, *made]).values())
        return {root for name in taken & set(made) for root in made[name].meta.root_names()}

    def mapping(self, columns: list[str]) -> dict[str, str]:
        """Field -> the column of ``columns`` it is read from."""
        found = {}
        for name, wanted in self.columns.items():
            candidates = (wanted,) if isinstance(wanted, str) else wanted
            if column := next((c for c in candidates if c in columns), None):
                found[name] = column
        return found

    def matches(self, columns: list[str]) -> bool:
        present = {normalise(column) for column in columns}
        return all(normalise(name) in present for name in self.signature)


def _hubspot_activity(
    kind: str, title: str, notes: str, leave_out: LeaveOut | None = None
) -> Preset:
    """A HubSpot activity export (calls, meetings, emails: each its own export, with
    its default properties' labels) as interactions of ``kind``: its ``title`` as
    the summary ("Call", "Meeting"... when empty, as a call logged from a phone often
    is), Activity date, the Associated Company's name, Activity assigned to, and its
    ``notes``."""
    plural = f"{kind}s"
    summary = f"Summary ({title}, else {kind.title()})"
    titled = pl.col(title).str.strip_chars().fill_null("")
    return Preset(
        f"hubspot-{plural}",
        f"HubSpot {plural}",
        "interactions",
        (title, "Activity date"),
        {
            "account": "Associated Company",
            "kind": f"Kind ({kind})",
            "occurred_at": "Activity date",
            "summary": summary,
            "logged_by": "Activity assigned to",
            "notes": notes,
        },
        derived={
            f"Kind ({kind})": _constant(kind),
            summary: lambda: pl.when(titled != "").then(titled).otherwise(pl.lit(kind.title())),
        },
        leave_out=leave_out,
        said={summary: f'a {kind} logged without a {title} is summarised as "{kind.title()}"'},
    )


PRESETS: tuple[Preset, ...] = (
    Preset(
        "hubspot-companies",
        "HubSpot companies",
        "accounts",
        ("Record ID", "Company name", "Create Date"),
        {
            "external_id": "Record ID",
            "name": "Company name",
            "owner": "Company owner",
            "start_date": ("Became a Customer Date", "Create Date"),
            "segment": "Type",
            "status": _HUBSPOT_STATUS,
        },
        derived={_HUBSPOT_STATUS: _hubspot_status},
        optional=frozenset({_HUBSPOT_STATUS}),
        leave_out=LeaveOut(
            "Lifecycle Stage", "customer|evangelist", True, "companies that are not customers"
        ),
        said={
            "Create Date": "start dates are each company's Create Date, the day its HubSpot"
            " record was made (the export has no Became a Customer Date): a customer may have"
            " started later"
        },
    ),
    Preset(
        "salesforce-accounts",
        "Salesforce accounts",
        "accounts",
        ("Account ID", "Account Name", "Account Owner"),
        {
            "external_id": "Account ID",
            "name": "Account Name",
            "owner": "Account Owner",
            "segment": "Type",
            "start_date": "Created Date",
        },
        leave_out=LeaveOut("Type", "customer", True, "accounts that are not customers"),
        said={
            "Created Date": "start dates are each account's Created Date, the day its"
            " Salesforce record was made: a customer may have started later"
        },
    ),
    Preset(
        "stripe-subscriptions",
        "Stripe subscriptions",
        "accounts",
        ("Customer ID", "Status", "Amount", "Interval", "Start (UTC)"),
        {
            "external_id": "Customer ID",
            "name": (_STRIPE_NAME, "Customer Name"),
            "plan": "Plan",
            "seats": "Quantity",
            "mrr": _STRIPE_MRR,
            "status": "Status",
            "start_date": "Start (UTC)",
            "churned_at": _STRIPE_ENDED,
            "renewal_date": "Current Period End (UTC)",
            "cancels_at_renewal": _STRIPE_CANCELS,
        },
        {
            "status": {
                "active": "active",
                "past_due": "active",
                "unpaid": "active",
                "trialing": "onboarding",
                "incomplete": "onboarding",
                "canceled": "churned",
                "incomplete_expired": "churned",
            }
        },
        {
            _STRIPE_MRR: _stripe_mrr,
            _STRIPE_NAME: _stripe_name,
            _STRIPE_CANCELS: _cancelling(_stripe_set_to_cancel),
        },
        "Customer ID",
        partial(_customers, _STRIPE, _STRIPE_ENDED),
        _one_per_customer("Stripe"),
        history=partial(_history, _STRIPE),
        dates=(_STRIPE.start, _STRIPE.trial_end, *_STRIPE.ended),
        combined_out="{count:,} customer{s} none of whose subscriptions has paid yet (trials,"
        " failed first payments)",
        optional=frozenset({_STRIPE_NAME, _STRIPE_CANCELS}),
        said={
            _STRIPE_MRR: "MRR is each subscription's Amount x Quantity by its Interval (a"
            f" yearly price / 12); {_PRICE_TODAY}",
            "Current Period End (UTC)": "renewal dates are each subscription's Current Period"
            " End, the day it is next billed: a monthly plan's renewal is next month's bill,"
            " so every monthly customer renews within 30 days (in the renewals and their"
            " playbook rules)",
            _STRIPE_CANCELS: _CANCELS_WORDS.format("Cancel At Period End true"),
        },
        caveats={
            "Coupon": Caveat(
                "subscriptions with a coupon (column Coupon): {count:,}; their MRR is"
                " the price before the discount, which the export does not give"
            ),
            "Cancel At Period End": Caveat(
                "{count:,} of the file's live subscriptions set to cancel at the end of"
                f" their billing period (column Cancel At Period End): {_CANCELLING}",
                _stripe_set_to_cancel(),
            ),
        },
        leave_out=LeaveOut(
            "Status",
            "^incomplete_expired$",
            False,
            "subscriptions that never started (their first payment failed)",
        ),
    ),
    Preset(
        "chargebee-subscriptions",
        "Chargebee subscriptions",
        "accounts",
        (
            "subscriptions.id",
            "customers.id",
            "subscriptions.status",
            "subscriptions.plan_unit_price",
        ),
        {
            "external_id": "customers.id",
            "name": (_CHARGEBEE_NAME, "customers.company", "customers.email"),
            "plan": "subscriptions.plan_id",
            "seats": "subscriptions.plan_quantity",
            "mrr": (_CHARGEBEE_MRR, _CHARGEBEE_MONTHLY),
            "status": "subscriptions.status",
            "start_date": "subscriptions.started_at",
            "churned_at": _CHARGEBEE_ENDED,
            "renewal_date": "subscriptions.current_term_end",
            "cancels_at_renewal": _CHARGEBEE_CANCELS,
        },
        {
            "status": {
                "active": "active",
                "non_renewing": "active",
                "non renewing": "active",
                "paused": "active",
                "in_trial": "onboarding",
                "in trial": "onboarding",
                "future": "onboarding",
                "cancelled": "churned",
            }
        },
        {
            _CHARGEBEE_MRR: _chargebee_mrr,
            _CHARGEBEE_MONTHLY: _chargebee_monthly,
            _CHARGEBEE_NAME: _chargebee_name,
            _CHARGEBEE_CANCELS: _cancelling(_chargebee_set_to_cancel),
        },
        "customers.id",
        partial(_customers, _CHARGEBEE, _CHARGEBEE_ENDED),
        _one_per_customer("Chargebee"),
        history=partial(_history, _CHARGEBEE),
        dates=(_CHARGEBEE.start, _CHARGEBEE.trial_end, *_CHARGEBEE.ended),
        combined_out="{count:,} customer{s} none of whose subscriptions has paid yet (trials,"
        " future starts)",
        caveats={
            "subscriptions.status": Caveat(
                "{count:,} of the file's subscriptions set to cancel at the end of their"
                f" term (status non_renewing): {_CANCELLING}",
                _chargebee_set_to_cancel(),
            )
        },
        optional=frozenset({_CHARGEBEE_MRR, _CHARGEBEE_NAME}),
        said={
            _CHARGEBEE_CANCELS: _CANCELS_WORDS.format("non_renewing"),
            _CHARGEBEE_MONTHLY: "the export has no billing period"
            " (subscriptions.billing_period_unit): each plan's is read from its id (Yearly"
            " or Annual / 12, Half-yearly / 6, Quarterly / 3, Weekly, Daily), else monthly; "
            + _PRICE_TODAY,
            _CHARGEBEE_MRR: "MRR is each plan's unit price x quantity by its billing period"
            " (subscriptions.billing_period_unit, every subscriptions.billing_period units):"
            " before coupons and discounts, add-ons left out; a paused subscription keeps"
            " its MRR; " + _PRICE_TODAY,
        },
    ),
    Preset(
        "stripe-invoices",
        "Stripe invoices",
        "purchases",
        ("Customer", "Amount Due", "Amount Paid", "Status"),
        {
            "account": "Customer",
            "purchased_at": ("Paid At (UTC)", "Date (UTC)"),
            "amount": "Amount Paid",
            "description": "Number",
        },
        derived={_STRIPE_INVOICE_PAID: _stripe_invoice_paid},
        leave_out=LeaveOut(
            _STRIPE_INVOICE_PAID,
            "^paid$",
            True,
            "invoices that are no purchase (not paid: draft, open, void, uncollectible;"
            " or paid $0)",
        ),
        account_names="Customer Name",
        said={
            "Date (UTC)": "purchase dates are each invoice's Date (UTC), the day it was"
            " issued (the export has no Paid At): an invoice may have been paid later"
        },
    ),
    Preset(
        "zendesk-tickets",
        "Zendesk tickets",
        "tickets",
        ("Id", "Organization", "Subject", "Created at", "Solved at"),
        {
            "account": "Organization",
            "subject": "Subject",
            "priority": "Priority",
            "opened_at": "Created at",
            "first_response_at": "First response (from first reply time)",
            "resolved_at": "Solved at",
        },
        {"priority": {"low": "low", "normal": "normal", "high": "high", "urgent": "urgent"}},
        {
            "First response (from first reply time)": _minutes_after(
                "Created at", "First reply time in minutes"
            )
        },
    ),
    Preset(
        "zendesk-satisfaction",
        "Zendesk satisfaction ratings",
        "surveys",
        ("Id", "Organization", "Created at", "Satisfaction Score"),
        {
            "account": "Organization",
            "kind": "Survey kind (CSAT)",
            "score": _ZENDESK_CSAT,
            "answered_at": ("Solved at", "Updated at"),
        },
        {},
        {"Survey kind (CSAT)": _constant("csat"), _ZENDESK_CSAT: _zendesk_csat},
        leave_out=LeaveOut(
            "Satisfaction Score", "^(good|bad)", True, "tickets whose satisfaction was not rated"
        ),
        said={
            "Solved at": "answer dates are each ticket's Solved at (the export has no"
            " rating date): the customer rated it then or later",
            "Updated at": "answer dates are each ticket's Updated at (the export has no"
            " rating date, nor Solved at)",
            _ZENDESK_CSAT: "a Good rating is a CSAT answer of 5, a Bad one of 1: the"
            " CSAT is the share of Good ratings, as Zendesk's satisfaction score",
        },
    ),
    Preset(
        "intercom-conversations",
        "Intercom conversations",
        "tickets",
        ("Conversation ID", "Company ID", "Conversation started at"),
        {
            "account": "Company ID",
            "subject": "Conversation title",
            "opened_at": "Conversation started at",
            "first_response_at": "First response (from first response time)",
            "resolved_at": "Conversation last closed at",
        },
        {},
        {
            "First response (from first response time)": _seconds_after(
                "Conversation started at", "First response time (seconds)"
            )
        },
        account_names="Company name",
    ),
    Preset(
        "delighted-nps",
        "Delighted / SurveyMonkey NPS responses",
        "surveys",
        ("Response ID", "Score", "Response timestamp", "Company"),
        {
            "account": "Company",
            "kind": "Survey kind (NPS)",
            "score": "Score",
            "answered_at": "Response timestamp",
            "comment": "Comment",
        },
        {},
        {"Survey kind (NPS)": _constant("nps")},
    ),
    Preset(
        "salesforce-activities",
        "Salesforce activities (tasks and events)",
        "interactions",
        ("Subject", "Assigned"),
        {
            "account": ("Company / Account", "Account Name"),
            "kind": (_SALESFORCE_KIND, "Task Subtype", "Type"),
            "occurred_at": ("Date", "Activity Date", "Due Date"),
            "summary": "Subject",
            "logged_by": "Assigned",
            "notes": ("Full Comments", "Comments"),
        },
        {
            "kind": {
                "list email": "email",
                "event": "meeting",
                "task": "note",
                "other": "note",
                "linkedin": "note",
                "cadence": "note",
            }
        },
        {_SALESFORCE_KIND: _salesforce_kind},
        optional=frozenset({_SALESFORCE_KIND}),
        leave_out=LeaveOut(
            "Status", "complet|done", True, "tasks not done (open or planned: no interaction yet)"
        ),
        said={
            _SALESFORCE_KIND: "kinds are each activity's Type, else its Task Subtype: a"
            " Task, Other, LinkedIn or Cadence one is a note, a List Email an email, an"
            " Event a meeting",
        },
    ),
    _hubspot_activity(
        "call",
        "Call Title",
        "Call notes",
        LeaveOut(
            "Call outcome",
            "busy|no answer|wrong number|voicemail",
            False,
            "calls that reached nobody (busy, no answer, wrong number, voicemail)",
        ),
    ),
    _hubspot_activity(
        "meeting",
        "Meeting name",
        "Meeting description",
        LeaveOut(
            "Meeting outcome",
            "no show|cancel|reschedul",
            False,
            "meetings that did not take place (no show, canceled, rescheduled)",
        ),
    ),
    _hubspot_activity("email", "Email subject", "Text"),
)


def preset_named(name: str) -> Preset:
    for preset in PRESETS:
        if preset.name == name:
            return preset
    known = ", ".join(preset.name for preset in PRESETS)
    raise KeyError(f"no preset {name!r}; the presets are: {known}")


def recognise(kind: str, columns: list[str]) -> Preset | None:
    """The preset of ``kind`` whose header ``columns`` match, if any."""
    return next((p for p in PRESETS if p.kind == kind and p.matches(columns)), None)
