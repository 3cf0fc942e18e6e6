"""Every metric, declared once: its key, its label in the metrics table, its section,
its unit, its short title (a dashboard tile), which way is good, whether a goal can
follow it and whether ``metrics --json`` carries it. The CLI's table, the JSON
contract, the export's units, the dashboard's tiles and the goals' choices of metric
are all driven from here.

Adding a metric: a field of ``MetricSet`` (``core.metrics.model``), its computation in
``core.metrics.book``, and one ``Metric`` here (plus its key at the end of
``CONTRACT_KEYS`` when the JSON carries it); ``tests/core/test_metric_registry.py``
checks that they agree. A drill-through, if it has one, is in ``core.metrics.drill``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

UNITS = ("count", "money", "pct", "score", "hours", "ratio")


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    section: str | None
    """The metrics table's section; None for a figure shown elsewhere (a note)."""
    unit: str
    short: str | None = None
    """A shorter title where room is scarce (a dashboard tile); default: the label."""
    tiny: str | None = None
    """A title of a word or two for a narrow terminal (a tile at 80 columns)."""
    higher_is_better: bool = True
    goal: bool = False
    """Whether a goal can follow it."""
    contract: bool = True
    """Whether ``cxtui metrics --json`` carries it (the contract, ``CONTRACT_KEYS``)."""
    past_100: bool = False
    """A percentage that can pass 100 % (NRR; retention with reactivations)."""

    @property
    def bounds(self) -> tuple[Decimal, Decimal | None] | None:
        """The values it can take, None when unbounded: an NPS from -100 to 100, a
        share from 0 to 100 %, a percentage that can pass 100 % from 0 up (no upper
        bound: None). A goal past them could never be reached."""
        if self.unit == "score":
            return Decimal(-100), Decimal(100)
        if self.unit == "pct":
            return Decimal(0), None if self.past_100 else Decimal(100)
        return None

    @property
    def title(self) -> str:
        """The short title, or the label."""
        return self.short or self.label.strip()

    @property
    def tiny_title(self) -> str:
        """The tiny title, or the short one."""
        return self.tiny or self.title

    @property
    def goal_target_type(self) -> str:
        """The type of a goal's target that follows it: percent, currency or number."""
        return {"pct": "percent", "money": "currency"}.get(self.unit, "number")


METRICS: tuple[Metric, ...] = (
    # Customers
    Metric("customers_at_start", "Customers at start", "Customers", "count"),
    Metric(
        "active_accounts",
        "Active accounts (end)",
        "Customers",
        "count",
        short="Customers",
        tiny="Accounts",
    ),
    Metric("new_accounts", "New accounts", "Customers", "count"),
    Metric("churned_accounts", "Churned accounts", "Customers", "count", higher_is_better=False),
    Metric(
        "churned_undated_accounts",
        "Churned, date unknown",
        "Customers",
        "count",
        higher_is_better=False,
    ),
    Metric("reactivated_accounts", "  of new: reactivated", "Customers", "count"),
    Metric(
        "joined_and_left_accounts",
        "  of new: gone again",
        "Customers",
        "count",
        higher_is_better=False,
    ),
    Metric("churned_and_returned_accounts", "  of churned: back again", "Customers", "count"),
    Metric(
        "churn_rate_pct",
        "Churn rate",
        "Customers",
        "pct",
        short="Churn rate",
        higher_is_better=False,
        goal=True,
        tiny="Churn",
    ),
    Metric(
        "retention_rate_pct",
        "Customer retention rate",
        "Customers",
        "pct",
        short="Retention rate",
        goal=True,
        tiny="CRR",
        past_100=True,
    ),
    # Revenue
    Metric("mrr_at_start", "MRR at start", "Revenue", "money"),
    Metric("mrr", "MRR (end)", "Revenue", "money", short="MRR", goal=True, tiny="MRR"),
    Metric("mrr_new", "New MRR", "Revenue", "money"),
    Metric("mrr_expansion", "Expansion MRR", "Revenue", "money", goal=True),
    Metric("mrr_contraction", "Contraction MRR", "Revenue", "money", higher_is_better=False),
    Metric("mrr_churned", "Churned MRR", "Revenue", "money", higher_is_better=False),
    Metric(
        "mrr_churned_undated",
        "MRR churned, date unknown",
        "Revenue",
        "money",
        higher_is_better=False,
    ),
    Metric("mrr_reactivation", "Reactivation MRR", "Revenue", "money"),
    Metric(
        "net_new_mrr",
        "Net new MRR",
        "Revenue",
        "money",
        short="Net new MRR",
        goal=True,
        tiny="Net new",
    ),
    Metric(
        "grr_pct",
        "Gross revenue retention, of MRR at start",
        "Revenue",
        "pct",
        short="GRR, of start MRR",
        goal=True,
        tiny="GRR",
    ),
    Metric(
        "nrr_pct",
        "Net revenue retention, of MRR at start",
        "Revenue",
        "pct",
        short="NRR, of start MRR",
        goal=True,
        tiny="NRR",
        past_100=True,
    ),
    Metric("clv_subscription", "CLV (subscription)", "Revenue", "money"),
    Metric(
        "retention_cost_per_customer",
        "Retention cost per customer",
        "Revenue",
        "money",
        higher_is_better=False,
    ),
    # Sentiment
    Metric("nps", "NPS", "Sentiment", "score", short="NPS", goal=True, tiny="NPS"),
    Metric("nps_promoters", "Promoters", "Sentiment", "count"),
    Metric("nps_passives", "Passives", "Sentiment", "count"),
    Metric("nps_detractors", "Detractors", "Sentiment", "count", higher_is_better=False),
    Metric("csat_pct", "CSAT", "Sentiment", "pct", short="CSAT", goal=True, tiny="CSAT"),
    # Purchases
    Metric(
        "customers_with_purchases",
        "Customers with purchases",
        "Purchases",
        "count",
        short="Buyers",
    ),
    Metric(
        "repeat_purchase_rate_pct",
        "Repeat purchase rate",
        "Purchases",
        "pct",
        short="Repeat purchases",
        goal=True,
        tiny="Repeat",
    ),
    Metric(
        "avg_purchase_value",
        "Average purchase value",
        "Purchases",
        "money",
        short="Avg purchase",
        tiny="Avg buy",
    ),
    Metric("purchases_per_customer", "Purchases per customer", "Purchases", "ratio"),
    Metric("purchase_revenue", "Purchase revenue", "Purchases", "money", short="Revenue"),
    Metric("clv", "CLV (purchases)", "Purchases", "money", tiny="CLV"),
    # Engagement
    Metric("stickiness_pct", "Stickiness (DAU/MAU)", "Engagement", "pct", goal=True),
    Metric("feedback_rate_pct", "Feedback rate", "Engagement", "pct", goal=True),
    Metric("referral_rate_pct", "Referral rate", "Engagement", "pct", goal=True),
    Metric(
        "community_participation_pct", "Community participation", "Engagement", "pct", goal=True
    ),
    Metric("education_completion_pct", "Training completion", "Engagement", "pct", goal=True),
    # Support
    Metric(
        "first_response_hours_median",
        "First response, median",
        "Support",
        "hours",
        higher_is_better=False,
    ),
    Metric(
        "first_response_hours_p90",
        "First response, p90",
        "Support",
        "hours",
        higher_is_better=False,
    ),
    Metric("ticket_resolution_rate_pct", "Ticket resolution rate", "Support", "pct", goal=True),
    Metric(
        "tickets_open_over_48h",
        "Tickets open over 48 h",
        "Support",
        "count",
        higher_is_better=False,
    ),
    # Onboarding
    Metric(
        "onboarding_success_rate_pct", "Onboarding success rate", "Onboarding", "pct", goal=True
    ),
    # Renewals
    Metric("renewals_30d_count", "Renewals in 30 days", "Renewals", "count"),
    Metric("renewals_30d_mrr", "MRR renewing in 30 days", "Renewals", "money"),
    Metric("renewals_60d_count", "Renewals in 60 days", "Renewals", "count"),
    Metric("renewals_60d_mrr", "MRR renewing in 60 days", "Renewals", "money"),
    Metric("renewals_90d_count", "Renewals in 90 days", "Renewals", "count"),
    Metric("renewals_90d_mrr", "MRR renewing in 90 days", "Renewals", "money"),
    # Shown as notes under the table, or under another name
    Metric(
        "accounts_start_unknown",
        "Accounts, start date unknown",
        None,
        "count",
        higher_is_better=False,
    ),
    Metric(
        "accounts_churn_date_unknown",
        "Accounts, churn date unknown",
        None,
        "count",
        higher_is_better=False,
    ),
    Metric("clv_purchases", "CLV (purchases)", None, "money"),
    Metric("clv_lifespan_years", "CLV lifespan, years", None, "ratio", contract=False),
    Metric(
        "clv_lifespan_buyers", "CLV lifespan from purchases, buyers", None, "count", contract=False
    ),
    Metric("clv_window_months", "CLV purchases a year, months of history", None, "ratio"),
    Metric(
        "accounts_churn_unrecorded",
        "Accounts counted as staying, no churn recorded",
        None,
        "count",
        higher_is_better=False,
    ),
    Metric(
        "onboarding_due_unrecorded",
        "Onboarding due, completion not recorded",
        None,
        "count",
        higher_is_better=False,
    ),
)

# The command line's JSON contract: exactly these keys, in this order (new keys go
# at the end).
CONTRACT_KEYS: tuple[str, ...] = (
    "active_accounts",
    "churned_accounts",
    "new_accounts",
    "churn_rate_pct",
    "retention_rate_pct",
    "mrr",
    "mrr_new",
    "mrr_expansion",
    "mrr_contraction",
    "mrr_churned",
    "mrr_reactivation",
    "net_new_mrr",
    "grr_pct",
    "nrr_pct",
    "nps",
    "nps_promoters",
    "nps_passives",
    "nps_detractors",
    "csat_pct",
    "customers_with_purchases",
    "repeat_purchase_rate_pct",
    "avg_purchase_value",
    "purchases_per_customer",
    "clv",
    "stickiness_pct",
    "first_response_hours_median",
    "first_response_hours_p90",
    "ticket_resolution_rate_pct",
    "tickets_open_over_48h",
    "onboarding_success_rate_pct",
    "renewals_30d_count",
    "renewals_30d_mrr",
    "renewals_90d_count",
    "renewals_90d_mrr",
    "customers_at_start",
    "mrr_at_start",
    "churned_undated_accounts",
    "mrr_churned_undated",
    "accounts_start_unknown",
    "accounts_churn_date_unknown",
    "reactivated_accounts",
    "joined_and_left_accounts",
    "churned_and_returned_accounts",
    "renewals_60d_count",
    "renewals_60d_mrr",
    "clv_subscription",
    "clv_purchases",
    "retention_cost_per_customer",
    "feedback_rate_pct",
    "referral_rate_pct",
    "community_participation_pct",
    "education_completion_pct",
    "accounts_churn_unrecorded",
    "onboarding_due_unrecorded",
    "clv_window_months",
    "purchase_revenue",
)

BY_KEY: dict[str, Metric] = {metric.key: metric for metric in METRICS}
LABELS: dict[str, str] = {metric.key: metric.label for metric in METRICS}
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (section, tuple(metric.key for metric in METRICS if metric.section == section))
    for section in dict.fromkeys(metric.section for metric in METRICS if metric.section)
)
"""The metrics table: sections in reading order, each with its metrics' keys."""
GOAL_METRICS: dict[str, str] = {
    metric.key: metric.goal_target_type for metric in METRICS if metric.goal
}
"""The metrics a goal can follow, with the target type their values have."""


def unit(key: str) -> str:
    """How a metric reads: count, money, pct, score (NPS), hours or ratio."""
    return BY_KEY[key].unit
