"""What each kind of import reads: its fields, their types, names and synonyms, and
the natural key that makes a re-import update instead of duplicating.

A *field* is what a user names in ``--map FIELD=COLUMN`` and ``--value
FIELD:FROM=TO``; it writes one table column (``mrr`` writes ``mrr_cents``, ``account``
writes ``account_id`` after looking the external id up).

Natural keys (re-importing the same file changes nothing):

- accounts: external_id
- contacts: account + name
- interactions: account + occurred_at + kind + summary
- usage: account + day (the table's primary key)
- surveys: account + kind + answered_at
- tickets: account + opened_at
- mrr: account + occurred_on + kind
- purchases: account + purchased_at + amount

A row whose key is already stored updates the stored row when another imported
field differs, and is skipped when nothing differs. For events (every kind but
accounts, contacts and usage), rows with the same key are separate events: the
n-th such row of a file matches the n-th stored one (in the order they were
stored), so a re-import is still idempotent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from core.importing.parse import CURRENCY_CODES
from core.interactions import SENTIMENTS
from core.models import (
    AccountStatus,
    InteractionKind,
    MrrMovementKind,
    SurveyKind,
    TicketPriority,
)

# Field types: text, int, money (written as integer cents), date, datetime, enum
# (``values`` maps each accepted lower-case text to the stored value), account
# (an account's external id, written as account_id).
TEXT, INT, MONEY, DATE, DATETIME, ENUM, ACCOUNT = (
    "text",
    "int",
    "money",
    "date",
    "datetime",
    "enum",
    "account",
)

ACCOUNT_SYNONYMS = (
    "account",
    "account_id",
    "account_external_id",
    "external_id",
    "customer",
    "customer_id",
    "customerid",
    "client_id",
    "company_id",
)

BOOLEANS: dict[str, Any] = {
    word: value
    for words, value in ((("true", "yes", "y", "1", "x"), True), (("false", "no", "n", "0"), False))
    for word in words
}


def _choices(enum: Any) -> dict[str, Any]:
    return {member.value: member.value for member in enum}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    column: str = ""  # the table column; defaults to the field's name
    required: bool = False
    synonyms: tuple[str, ...] = ()
    values: dict[str, Any] = field(default_factory=dict)  # enum: accepted text -> stored
    max_length: int | None = None
    non_negative: bool = False
    default: Any = None  # stored when the cell is empty (and on insert when unmapped)
    label: str = ""  # how a reason names the field ("NPS", "MRR")

    @property
    def target(self) -> str:
        return self.column or self.name

    @property
    def words(self) -> str:
        return self.label or self.name

    def names(self) -> set[str]:
        """Every normalised header that matches this field automatically."""
        return {normalise(name) for name in (self.name, self.target, *self.synonyms)}


@dataclass(frozen=True)
class Kind:
    name: str
    table: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    # Events (purchases, interactions...): rows identical in their key are separate
    # events, matched on a re-import by their rank among those rows (the n-th
    # identical row of the file is the n-th stored one). Otherwise a key repeated
    # in a file is an error.
    repeats: bool = False

    def field(self, name: str) -> Field:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        known = ", ".join(f.name for f in self.fields)
        raise KeyError(f"{self.name} have no field {name!r}; the fields are: {known}")

    @property
    def required(self) -> list[Field]:
        return [f for f in self.fields if f.required]


_QUALIFIER = re.compile(
    rf"\s*[(\[]\s*(utc|gmt|cents?|in cents|[$€£¥]|{'|'.join(CURRENCY_CODES).lower()})\s*[)\]]\s*$"
)
"""A header's last words in brackets that say its zone or its money's unit: "Date
(UTC)", "Amount (USD)", "MRR (cents)" (the column's name still says cents)."""


def normalise(header: str) -> str:
    """A header as matching sees it: case, spaces, underscores, dashes and dots ignored,
    and a zone or a money unit in brackets at its end ("Date (UTC)" is "date")."""
    return re.sub(r"[\s_\-.]+", "", _QUALIFIER.sub("", header.strip().lower()))


ACCOUNT_NAMES = ("account_name", "company", "company_name", "customer_name", "organization")
"""Columns that name an event's account: looked up by name when no account has the
cell as its external id (``check.AccountKeys``), after the id columns above."""

_ACCOUNT = Field(
    "account", ACCOUNT, "account_id", True, (*ACCOUNT_SYNONYMS, *ACCOUNT_NAMES), max_length=64
)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "accounts",
            "account",
            (
                Field("external_id", TEXT, "", True, (*ACCOUNT_SYNONYMS, "id"), max_length=64),
                Field(
                    "name",
                    TEXT,
                    "",
                    True,
                    ("account_name", "company", "customer_name"),
                    max_length=200,
                ),
                Field("segment", TEXT, synonyms=("tier",), max_length=40, default=""),
                Field("plan", TEXT, synonyms=("contract", "product"), max_length=40, default=""),
                Field(
                    "owner",
                    TEXT,
                    synonyms=("csm", "account_owner", "manager"),
                    max_length=80,
                    default="",
                ),
                Field(
                    "mrr",
                    MONEY,
                    "mrr_cents",
                    synonyms=("monthly_charges", "monthly_revenue", "monthlycharges", "mrr_cents"),
                    non_negative=True,
                    default=0,
                    label="MRR",
                ),
                Field("seats", INT, synonyms=("licenses", "users"), non_negative=True, default=0),
                Field(
                    "start_date",
                    DATE,
                    synonyms=("start", "started", "signup_date", "customer_since", "created"),
                ),
                Field("renewal_date", DATE, synonyms=("renewal", "renews_on", "renewal_on")),
                Field(
                    "status",
                    ENUM,
                    synonyms=("churn", "churned", "state"),
                    values=_choices(AccountStatus),
                    default=AccountStatus.ACTIVE.value,
                ),
                Field("churned_at", DATE, synonyms=("churn_date", "churned_on")),
                Field("onboarding_completed_at", DATE, synonyms=("onboarded", "onboarded_at")),
                # The day an undated churn was recorded (an accounts export carries it):
                # not a customer from that day on; empty, the import's --effective day.
                Field("churn_recorded_on", DATE, synonyms=("churn_recorded",)),
                # The customer asked to cancel: it leaves at its renewal (yes/no).
                Field(
                    "cancels_at_renewal",
                    ENUM,
                    synonyms=("set_to_cancel", "non_renewing"),
                    values=BOOLEANS,
                    default=False,
                ),
            ),
            ("external_id",),
        ),
        Kind(
            "contacts",
            "contact",
            (
                _ACCOUNT,
                Field(
                    "name", TEXT, "", True, ("contact", "contact_name", "full_name"), max_length=120
                ),
                Field("email", TEXT, synonyms=("email_address", "mail"), max_length=200),
                Field("role", TEXT, synonyms=("title", "job_title", "position"), max_length=80),
                Field("is_primary", ENUM, synonyms=("primary",), values=BOOLEANS, default=False),
            ),
            ("account", "name"),
        ),
        Kind(
            "interactions",
            "interaction",
            (
                _ACCOUNT,
                Field(
                    "kind",
                    ENUM,
                    "",
                    True,
                    ("type", "activity_type", "channel"),
                    _choices(InteractionKind),
                ),
                Field(
                    "occurred_at",
                    DATETIME,
                    "",
                    True,
                    (
                        "date",
                        "when",
                        "timestamp",
                        "time",
                        "occurred",
                        "activity_date",
                        "created_at",
                    ),
                ),
                Field("summary", TEXT, "", True, ("subject", "title"), max_length=300),
                Field(
                    "logged_by",
                    TEXT,
                    synonyms=("by", "user", "owner", "author"),
                    max_length=80,
                    default="$user",
                ),
                Field("notes", TEXT, synonyms=("description", "body", "details")),
                Field("sentiment", ENUM, synonyms=("mood", "tone"), values=dict(SENTIMENTS)),
                Field("follow_up_on", DATE, synonyms=("follow_up", "next_step_date")),
            ),
            ("account", "occurred_at", "kind", "summary"),
            repeats=True,
        ),
        Kind(
            "usage",
            "daily_usage",
            (
                _ACCOUNT,
                Field("day", DATE, "", True, ("date", "usage_date")),
                Field(
                    "active_users",
                    INT,
                    synonyms=("dau", "users", "active"),
                    non_negative=True,
                    default=0,
                ),
                Field(
                    "logins",
                    INT,
                    synonyms=("sessions", "login_count"),
                    non_negative=True,
                    default=0,
                ),
            ),
            ("account", "day"),
        ),
        Kind(
            "surveys",
            "survey_response",
            (
                _ACCOUNT,
                Field(
                    "kind", ENUM, "", True, ("type", "survey", "survey_type"), _choices(SurveyKind)
                ),
                Field("score", INT, "", True, ("rating", "nps", "csat", "answer")),
                Field(
                    "answered_at",
                    DATETIME,
                    "",
                    True,
                    ("date", "when", "submitted_at", "responded_at", "timestamp"),
                ),
                Field("comment", TEXT, synonyms=("comments", "feedback", "verbatim")),
            ),
            ("account", "kind", "answered_at"),
            repeats=True,
        ),
        Kind(
            "tickets",
            "ticket",
            (
                _ACCOUNT,
                Field("subject", TEXT, synonyms=("title", "summary"), max_length=300, default=""),
                Field(
                    "priority",
                    ENUM,
                    synonyms=("severity", "urgency"),
                    values=_choices(TicketPriority),
                    default=TicketPriority.NORMAL.value,
                ),
                Field("opened_at", DATETIME, "", True, ("opened", "created", "created_at", "date")),
                Field(
                    "first_response_at",
                    DATETIME,
                    synonyms=("first_response", "first_reply_at", "responded_at"),
                ),
                Field("resolved_at", DATETIME, synonyms=("resolved", "closed_at", "closed")),
            ),
            ("account", "opened_at"),
            repeats=True,
        ),
        Kind(
            "mrr",
            "mrr_movement",
            (
                _ACCOUNT,
                Field("occurred_on", DATE, "", True, ("date", "month", "effective_date", "day")),
                Field(
                    "kind",
                    ENUM,
                    "",
                    True,
                    ("type", "movement", "movement_type"),
                    _choices(MrrMovementKind),
                ),
                Field(
                    "amount",
                    MONEY,
                    "amount_cents",
                    True,
                    ("mrr", "change", "delta", "amount_cents"),
                    label="amount",
                ),
            ),
            ("account", "occurred_on", "kind"),
            repeats=True,
        ),
        Kind(
            "purchases",
            "purchase",
            (
                _ACCOUNT,
                Field(
                    "purchased_at",
                    DATETIME,
                    "",
                    True,
                    (
                        "date",
                        "purchase_date",
                        "when",
                        "ordered_at",
                        "order_date",
                        "invoice_date",
                        "transaction_date",
                        "datetime",
                        "timestamp",
                        "created",
                        "created_at",
                    ),
                ),
                Field(
                    "amount",
                    MONEY,
                    "amount_cents",
                    True,
                    (
                        "total",
                        "price",
                        "value",
                        "amount_cents",
                        "dollar_value",
                        "revenue",
                        "sales",
                        "order_total",
                        "total_price",
                    ),
                    non_negative=True,
                    label="amount",
                ),
                Field("description", TEXT, synonyms=("item", "product", "notes")),
            ),
            ("account", "purchased_at", "amount"),
            repeats=True,
        ),
    )
}


def kind_for(name: str) -> Kind:
    kind = KINDS.get(name.strip().lower())
    if kind is None:
        raise KeyError(f"cannot import {name!r}; choose one of: {', '.join(KINDS)}")
    return kind
