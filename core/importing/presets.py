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
- Stripe: Dashboard, Billing > Subscriptions > Export (columns in UTC).
- Zendesk: Admin Center > Tools > Reports > CSV export of tickets.
- Intercom: the conversation data export (Reports > Conversations > Export).
- Delighted: the responses CSV export (NPS), with the person's properties as columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from core.importing.spec import normalise

Derived = Callable[[], pl.Expr]


def _col(name: str) -> pl.Expr:
    return pl.col(name).str.strip_chars()


def _stripe_mrr() -> pl.Expr:
    """Amount x Quantity as a monthly amount, exactly (decimals, never floats): a
    yearly price / 12, weekly x 52 / 12, daily x 365 / 12."""
    amount = _col("Amount").str.replace_all(r"[$,\s]", "").cast(pl.Decimal(20, 2), strict=False)
    quantity = _col("Quantity").cast(pl.Decimal(20, 0), strict=False).fill_null(1)
    interval = _col("Interval").str.to_lowercase()
    per_year = (
        pl.when(interval == "year")
        .then(1)
        .when(interval == "week")
        .then(52)
        .when(interval == "day")
        .then(365)
        .otherwise(12)
        .cast(pl.Decimal(20, 0))
    )
    return (amount * quantity * per_year / 12).round(2).cast(pl.String)


def _minutes_after(start: str, minutes: str) -> Derived:
    def derived() -> pl.Expr:
        opened = _col(start).str.to_datetime(strict=False, time_unit="us")
        delay = _col(minutes).cast(pl.Float64, strict=False)
        moment = opened + pl.duration(seconds=(delay * 60).round().cast(pl.Int64))
        return moment.dt.strftime("%Y-%m-%d %H:%M:%S")

    return derived


def _seconds_after(start: str, seconds: str) -> Derived:
    def derived() -> pl.Expr:
        opened = _col(start).str.to_datetime(strict=False, time_unit="us")
        delay = _col(seconds).cast(pl.Int64, strict=False)
        return (opened + pl.duration(seconds=delay)).dt.strftime("%Y-%m-%d %H:%M:%S")

    return derived


def _constant(value: str) -> Derived:
    return lambda: pl.lit(value, pl.String)


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    kind: str
    signature: tuple[str, ...]  # header names that must all be present
    columns: dict[str, str]  # field -> column (of the file, or derived)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    derived: dict[str, Derived] = field(default_factory=dict)  # column -> text expression

    def matches(self, columns: list[str]) -> bool:
        present = {normalise(column) for column in columns}
        return all(normalise(name) in present for name in self.signature)


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
            "start_date": "Create Date",
            "segment": "Type",
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
    ),
    Preset(
        "stripe-subscriptions",
        "Stripe subscriptions",
        "accounts",
        ("Customer ID", "Status", "Amount", "Interval", "Start (UTC)"),
        {
            "external_id": "Customer ID",
            "name": "Customer Name",
            "plan": "Plan",
            "seats": "Quantity",
            "mrr": "MRR (from amount, quantity and interval)",
            "status": "Status",
            "start_date": "Start (UTC)",
            "churned_at": "Canceled At (UTC)",
            "renewal_date": "Current Period End (UTC)",
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
        {"MRR (from amount, quantity and interval)": _stripe_mrr},
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
