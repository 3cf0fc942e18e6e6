"""The shapes of the metrics engine: what a result holds and what a call is about."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from core.metrics.registry import CONTRACT_KEYS, METRICS
from core.text import counted

BREAKDOWNS = ("segment", "owner", "plan")
"""The account columns a breakdown groups by; a custom field's name does too."""

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class MetricOptions:
    """The knobs domain.md leaves to the business."""

    csat_satisfied_min: int = 4  # a CSAT answer at or above this is "satisfied"
    onboarding_target_days: int = 30  # onboarding must complete within this many days
    open_ticket_hours: int = 48  # "tickets open past 48 h"
    lifespan_years: float | None = None  # CLV lifespan; None: 1 / annual churn rate
    # The annual churn rate behind the CLV lifespan is measured over this many months
    # up to the period's end, so a month's and a quarter's CLV agree.
    churn_window_months: int = 12

    def __post_init__(self) -> None:
        if not 1 <= self.csat_satisfied_min <= 5:
            raise ValueError(f"csat_satisfied_min must be 1-5, not {self.csat_satisfied_min}")
        if not 0 <= self.onboarding_target_days <= 3650:
            raise ValueError(
                f"onboarding_target_days must be 0 to 3650, not {self.onboarding_target_days}"
            )
        if not 0 <= self.open_ticket_hours <= 8760:
            raise ValueError(f"open_ticket_hours must be 0 to 8760, not {self.open_ticket_hours}")
        if not 1 <= self.churn_window_months <= 120:
            raise ValueError(
                f"churn_window_months must be 1 to 120, not {self.churn_window_months}"
            )
        if self.lifespan_years is not None and self.lifespan_years <= 0:
            raise ValueError(f"lifespan_years must be positive, not {self.lifespan_years}")


@dataclass(frozen=True)
class MetricSet:
    """Every metric for one scope and period. Counts are ints, money is Decimal in
    the currency unit (exact to the cent), rates are floats in percent (0-100, not
    rounded), hours are floats; None means "no data" (an empty base)."""

    active_accounts: int
    churned_accounts: int
    new_accounts: int
    churn_rate_pct: float | None
    retention_rate_pct: float | None
    mrr: Decimal
    mrr_new: Decimal
    mrr_expansion: Decimal
    mrr_contraction: Decimal
    mrr_churned: Decimal
    mrr_reactivation: Decimal
    net_new_mrr: Decimal
    grr_pct: float | None
    nrr_pct: float | None
    nps: float | None
    nps_promoters: int
    nps_passives: int
    nps_detractors: int
    csat_pct: float | None
    customers_with_purchases: int
    repeat_purchase_rate_pct: float | None
    avg_purchase_value: Decimal | None
    purchases_per_customer: float | None
    clv: Decimal | None
    clv_purchases: Decimal | None  # the same as clv, under the name that says which
    stickiness_pct: float | None
    first_response_hours_median: float | None
    first_response_hours_p90: float | None
    ticket_resolution_rate_pct: float | None
    tickets_open_over_48h: int
    onboarding_success_rate_pct: float | None
    # Of the accounts due to finish onboarding in the period, those it cannot be said
    # of: the book (the scope) records no onboarding completion at all, so the
    # success rate is no data rather than 0 % (``onboarding_note``). 0 otherwise.
    onboarding_due_unrecorded: int
    renewals_30d_count: int
    renewals_30d_mrr: Decimal
    renewals_90d_count: int
    renewals_90d_mrr: Decimal
    customers_at_start: int
    mrr_at_start: Decimal
    # Customers at the start who left in the period on an unknown date (a churned
    # status without a churn date, recorded in the period), and their MRR (negative):
    # in no churn rate, but in the bridges from start to end.
    churned_undated_accounts: int
    mrr_churned_undated: Decimal
    # Accounts that rest on an assumption (any period): no start date (customers
    # since before the records), or churned on an unknown date.
    accounts_start_unknown: int
    accounts_churn_date_unknown: int
    # Every account of the group when nothing in the book records a churn (no churn
    # date, churned status or churn movement): counted as staying, so churn is 0 % for
    # want of data. 0 when the book records churn.
    accounts_churn_unrecorded: int
    # The customer bridge: customers_at_start + new_accounts - churned_accounts
    # - churned_undated_accounts - joined_and_left_accounts
    # + churned_and_returned_accounts = active_accounts (``customer_bridge``).
    reactivated_accounts: int  # of new_accounts, those who had been customers before
    joined_and_left_accounts: int  # of new_accounts, those gone again by the end
    churned_and_returned_accounts: int  # of churned_accounts, those back by the end
    # Beyond the command line's contract (the API has them, the JSON does not).
    clv_subscription: Decimal | None
    retention_cost_per_customer: Decimal | None
    renewals_60d_count: int
    renewals_60d_mrr: Decimal
    # Of the customers at the end, the share who in the period answered a survey,
    # referred someone, took part in a community event, completed a training.
    # The CLV lifespan in years (None: no lifespan): lifespan_years when set, else 1 /
    # the trailing annual churn rate, else, in a book without churn (purchase-only),
    # the average first-to-last purchase span of its buyers, clv_lifespan_buyers of
    # them (0 when the lifespan does not come from the purchase history).
    clv_lifespan_years: float | None
    clv_lifespan_buyers: int
    # The months of purchase history behind the purchase CLV's "average purchase value
    # x purchases a year", the revenue per buyer of the year up to the period's end:
    # 12, fewer when the purchases begin later than a year before (None: no CLV).
    clv_window_months: float | None
    feedback_rate_pct: float | None
    referral_rate_pct: float | None
    community_participation_pct: float | None
    education_completion_pct: float | None
    # The purchases' amounts in the period, summed (the dashboard's chart of an order
    # log, month by month).
    purchase_revenue: Decimal

    def get(self, key: str) -> Any:
        """A metric by its key (goals link to metrics this way)."""
        if key not in _FIELD_NAMES:
            raise KeyError(f"no metric called {key!r}")
        return getattr(self, key)

    def contract(self) -> dict[str, Any]:
        """Exactly the contract's keys, values as computed (Decimal for money)."""
        return {key: getattr(self, key) for key in CONTRACT_KEYS}

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_FIELD_NAMES = frozenset(field.name for field in dataclasses.fields(MetricSet))
MONEY_KEYS = frozenset(metric.key for metric in METRICS if metric.unit == "money")
COUNT_KEYS = frozenset(metric.key for metric in METRICS if metric.unit == "count")
METRIC_KEYS: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(MetricSet))


CLV_TERMS = ("clv_lifespan_years", "clv_lifespan_buyers", "clv_window_months")
"""The figures behind the purchase CLV's notes (``clv_notes``)."""


def lifespan_note(m: MetricSet | Mapping[str, Any]) -> str | None:
    """What the purchase CLV assumes when its lifespan comes from the purchase history
    (a book without churn to measure), in words; None otherwise."""
    buyers, years = m.get("clv_lifespan_buyers"), m.get("clv_lifespan_years")
    if not buyers or years is None:
        return None
    return (
        f"Assumed: a CLV lifespan of {years:.1f} years, the average time"
        f" from first to last purchase of {counted(buyers, 'buyer')} (no churn to"
        " measure it from; set [metrics] lifespan_years to choose one)."
    )


def clv_window_note(m: MetricSet | Mapping[str, Any]) -> str | None:
    """What the purchase CLV assumes when less than a year of purchase history
    precedes the period's end, in words; None otherwise."""
    months = m.get("clv_window_months")
    if months is None or months >= 12:
        return None
    return (
        f"Assumed: CLV's purchases a year are those of the {months:.1f} months"
        " of purchase history up to the period's end (less than a year of purchases is"
        " recorded)."
    )


def clv_notes(m: MetricSet | Mapping[str, Any]) -> list[str]:
    """What the purchase CLV of ``m`` (its ``CLV_TERMS``) assumes, in words."""
    return [note for note in (lifespan_note(m), clv_window_note(m)) if note]


def unrecorded_notes(sets: list[MetricSet]) -> list[str]:
    """Why rates over customers are no data although there are customers: the book
    records none of what they count (no survey answer, no referral, training or
    community interaction, no onboarding completion), in words; over every set of a
    breakdown."""
    notes = []
    due = sum(m.onboarding_due_unrecorded for m in sets)
    if due:
        notes.append(
            f"No data: onboarding success, {counted(due, 'account was', 'accounts were')} due"
            " to finish onboarding,"
            " but no account has an onboarding completion date (import"
            " onboarding_completed_at to measure it)."
        )
    if any(m.active_accounts and m.feedback_rate_pct is None for m in sets):
        notes.append("No data: feedback rate, the book records no survey answer.")
    if any(m.active_accounts and m.referral_rate_pct is None for m in sets):
        notes.append(
            "No data: referral, community and training rates, the book records no referral,"
            " community or training interaction."
        )
    return notes


def undated_base_notes(sets: list[MetricSet]) -> list[str]:
    """How the churn and retention rates, GRR and NRR leave out the customers at the
    start whose churn, of unknown date, was recorded in the period (their bases are
    not the customers at the start shown), in words; over every set of a breakdown."""
    undated = sum(m.churned_undated_accounts for m in sets)
    if not undated:
        return []
    accounts = "account" if undated == 1 else "accounts"
    if len(sets) == 1:
        start = sets[0].customers_at_start
        base = f" {start - undated:,} customers at the start ({start:,} less those {undated:,})"
    else:
        base = " each group's customers at the start less its own"
    return [
        f"Left out: {undated:,} {accounts} at the start whose churn, of unknown date, was"
        f" recorded in this period: the churn and retention rates are over{base}, and"
        " GRR and NRR over the MRR at the start less theirs."
    ]


def customer_bridge(m: MetricSet) -> int:
    """Customers at the end as the bridge computes them from the start; equal to
    ``active_accounts`` for any period and scope (a property test checks it)."""
    return (
        m.customers_at_start
        + m.new_accounts
        - m.churned_accounts
        - m.churned_undated_accounts
        - m.joined_and_left_accounts
        + m.churned_and_returned_accounts
    )


def mrr_bridge(m: MetricSet) -> Decimal:
    """MRR at the end as the bridge computes it: MRR at start + new + expansion -
    contraction - churned + reactivation (- churned with unknown date), the
    movements signed as stored. Equal to ``mrr``."""
    return m.mrr_at_start + m.net_new_mrr + m.mrr_churned_undated


def money(value: int | Fraction) -> Decimal:
    """Cents (an int or an exact fraction of cents) as Decimal currency units, rounded
    half up to the cent."""
    if isinstance(value, int):
        return (Decimal(value) / 100).quantize(_CENT)
    return (Decimal(value.numerator) / Decimal(value.denominator) / 100).quantize(
        _CENT, rounding=ROUND_HALF_UP
    )


def dollars(cents: int) -> str:
    """Cents as the product writes money in words: "$1,234.56", "-$795.00" (``money``,
    to the cent, with the $ sign the app gives the book's amounts)."""
    amount = money(cents)
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


def pct(part: int | float, whole: int | float) -> float | None:
    """``part / whole`` in percent, or None over an empty base."""
    if not whole:
        return None
    return part / whole * 100


def json_ready(metrics: MetricSet) -> dict[str, Any]:
    """The contract's keys with JSON-able values: money becomes a float, whose shortest
    representation is the exact cent amount (for any sum below 10^13)."""
    return {
        key: float(value) if isinstance(value, Decimal) else value
        for key, value in metrics.contract().items()
    }
