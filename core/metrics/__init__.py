"""The metrics engine: "how is my book doing this period, and is it getting better?"

Every figure of domain.md, for any period (``core.periods.Period``), any scope
(``Scope``: the whole book, a segment, an owner) and broken down by segment,
owner, plan or a custom account field, computed in polars from one bulk read per
table (``load_book``; daily usage through its per-month rollup ``monthly_usage``,
see ``core.store.rollup``). No UI here: the dashboard, the goals and the command
line all read these numbers.

    compute_metrics(engine, period, scope, as_of) -> MetricSet
    compute_breakdown(engine, period, scope, by, as_of) -> [(group, MetricSet)]
    metrics_document(period, scope, as_of, by, results, notes) -> the JSON of `cxtui metrics`
    monthly_series(engine, months=12, as_of, scope) -> polars.DataFrame

For a few metrics only (the dashboard's tiles), ``load_book(..., keys=...)`` skips
the tables they do not need, ``Book.values`` and ``series_frame(book, periods,
keys)`` compute them.

Definitions (where domain.md leaves a choice open, this is the choice)
-----------------------------------------------------------------------
Seen as of a date. A period is seen as of ``as_of`` (default today): nothing dated
after it counts, and the period is cut at ``ref = min(period end, as_of)``. Datetimes
are UTC; a day ends at 23:59:59.999999. Account attributes without history (segment,
owner, renewal date) are taken as they are now.

Customer (``core.accounts.customers``). An account is a customer from its ``start_date``
(whatever its status: active or onboarding; an unknown start date means since
before the records begin, so never new) until its ``churned_at`` date (on which it
is no longer one), and again from any "reactivation" MRR movement until a later
churn ("churn" movement or ``churned_at``). A churned account without a churn date
stops being one on the day the churn was recorded (``churn_recorded_on``), in no
period's churn: ``churned_undated_accounts`` counts those, and they leave the bases
of the churn and retention rates and of GRR/NRR. On one day, joining is applied
before leaving.
*At the start* of a period means at the end of the day before it; *at the end*
means at the end of ``ref``.

- ``active_accounts`` (E): customers at the end.
- ``churned_accounts`` (lost, L): customers at the start who left during the
  period. An account that joins and leaves within the period is in neither S nor L.
- ``new_accounts`` (N): accounts that became customers during the period and were
  not customers at its start (new logos and reactivations), counted once, even if
  they left again before the end.
- ``churn_rate_pct`` = L / S x 100; ``retention_rate_pct`` = (E - N) / S x 100,
  S = customers at the start (``customers_at_start`` in the API).

MRR. Each account's MRR on a day is the sum of its MRR movements up to that day
(at least 0); every write of an account's MRR records the movement that explains
it (``core.accounts.mrr``). An account with no recorded movement (written by an older
cxtui) is read as a "new" movement of its ``mrr_cents`` on its start date and, once
churned, a "churn" movement of the same amount on its churn date. ``mrr`` is the
MRR of the customers at the end.
``mrr_new`` ... ``mrr_reactivation`` are the movements dated in the period, signed
as stored (contraction and churn are negative), so ``net_new_mrr`` is their sum.
GRR and NRR follow the customers at the start (the cohort): start MRR is their MRR
at the start, and only their expansion, contraction and churn in the period count:
GRR = (start + contraction + churn) / start x 100, NRR adds expansion.

Sentiment. NPS and CSAT are over the answers given in the period. NPS = %
promoters (9-10) - % detractors (0-6). CSAT = answers at or above
``MetricOptions.csat_satisfied_min`` (4) / all CSAT answers.

Purchases, over the period. A purchase is one customer-day: everything one account
bought on one (UTC) day is one purchase of their summed amount, for every purchase
metric, so that ``avg_purchase_value x purchases_per_customer`` is the revenue per
buyer. ``customers_with_purchases`` is the accounts with a purchase in the period,
the base of ``repeat_purchase_rate_pct`` (those with two purchases or more).
``clv`` = average purchase value x purchases a year x lifespan in years, where
average purchase value x purchases a year = the revenue per buyer of the year up to
the period's end (``book.year_to``: the 12 months to its last day), whatever the
period's length, so a month, a quarter and a year ending on one day have one CLV;
when the purchases begin later than a year before, the revenue per buyer of the
months there are, not scaled (``clv_window_months`` says how many, and a note says
so). The lifespan is ``MetricOptions.lifespan_years`` or else 1 / the annual churn
rate of the ``churn_window_months`` (12) up to the period's end, or else, in a book
without churn to measure, the average first-to-last purchase span of its buyers up
to then (``clv_lifespan_buyers``). No buyer in that year, or no lifespan: ``clv`` is
None. The API also has ``clv_subscription`` = ARPA (``mrr`` / ``active_accounts``)
x 12 x lifespan, the same as ARPA x 12 / annual churn rate.

Customer retention cost (API only, ``retention_cost_per_customer``): retention
costs incurred in the period / customers at the start; None when no cost is
recorded in the period, and for a scoped book (costs belong to no account).

Feedback, referral, community and training rates: of the customers at the end, the
share who answered a survey, or had an interaction of that kind, in the period;
None (no data) in a book that records no survey answer, or no such interaction of
any of the three kinds, in any period (``Book.recorded``).

Stickiness. ``daily_usage`` counts active users per account and day, not user ids.
For each month of the period, DAU on a day is the book's active users summed over
accounts, and MAU is the sum over accounts of each account's highest daily active
users in the month (a lower bound of its monthly users). Stickiness is the average,
over the days that have usage data, of DAU / that month's MAU.

Support. First-response hours (median, p90 with linear interpolation) over tickets
opened in the period and answered by its end. Resolution rate: of the tickets
opened in the period, the share resolved by its end. ``tickets_open_over_48h``:
tickets not resolved at the end of ``ref`` and opened more than 48 h
(``MetricOptions.open_ticket_hours``) before it.

Onboarding. The accounts whose onboarding window (start date + 30 days,
``MetricOptions.onboarding_target_days``) ended in the period, so every one of them
has had its full window; success is ``onboarding_completed_at`` on or before the
window's last day. A book in which no account (of any scope) has an onboarding
completion date does not record onboarding: the rate is None (no data), and
``onboarding_due_unrecorded`` counts the accounts that were due.

Renewals, relative to ``as_of``: customers at ``as_of`` whose renewal date is in
``[as_of, as_of + 30 days]`` (60, 90), with their MRR at ``as_of``.

Series. ``monthly_series`` computes each of the last N calendar months as of its
last day (the current month as of ``as_of``), from one read of the whole window.

Not covered: saved filters as a scope (there is no saved-filter table yet).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.metrics.book import Book, load_book
    from core.metrics.engine import (
        breakdown_of,
        compute_breakdown,
        compute_metrics,
        file_scope,
        metrics_document,
        metrics_notes,
        metrics_period,
        metrics_results,
        monthly_series,
        series_frame,
    )
    from core.metrics.model import (
        BREAKDOWNS,
        COUNT_KEYS,
        METRIC_KEYS,
        MONEY_KEYS,
        MetricOptions,
        MetricSet,
        json_ready,
    )
    from core.metrics.registry import CONTRACT_KEYS
    from core.periods import Period
    from core.scope import Scope

__all__ = [
    "BREAKDOWNS",
    "CONTRACT_KEYS",
    "COUNT_KEYS",
    "METRIC_KEYS",
    "MONEY_KEYS",
    "Book",
    "MetricOptions",
    "MetricSet",
    "Period",
    "Scope",
    "breakdown_of",
    "compute_breakdown",
    "compute_metrics",
    "file_scope",
    "json_ready",
    "load_book",
    "metrics_document",
    "metrics_notes",
    "metrics_period",
    "metrics_results",
    "monthly_series",
    "series_frame",
]

# Names are imported from their modules when first used, so that a light module of
# this package (the registry, which the dashboard's tiles read at start-up) does not
# bring the engine, polars and SQLAlchemy with it.
_HOMES = {
    "core.metrics.engine": (
        "breakdown_of",
        "compute_breakdown",
        "compute_metrics",
        "file_scope",
        "metrics_document",
        "metrics_notes",
        "metrics_period",
        "metrics_results",
        "monthly_series",
        "series_frame",
    ),
    "core.metrics.book": ("Book", "load_book"),
    "core.metrics.model": (
        "BREAKDOWNS",
        "COUNT_KEYS",
        "METRIC_KEYS",
        "MONEY_KEYS",
        "MetricOptions",
        "MetricSet",
        "json_ready",
    ),
    "core.metrics.registry": ("CONTRACT_KEYS",),
    "core.periods": ("Period",),
    "core.scope": ("Scope",),
}


def __getattr__(name: str) -> Any:
    for home, names in _HOMES.items():
        if name in names:
            value = getattr(importlib.import_module(home), name)
            globals()[name] = value
            return value
    raise AttributeError(f"module 'core.metrics' has no attribute {name!r}")
