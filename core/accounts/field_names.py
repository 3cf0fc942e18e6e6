"""Custom fields' names, types and values as matching and people see them, with the
standard library only: the config file's list columns and saved filters name fields
this way, and are read before the database (and SQLAlchemy) is open; the accounts
list shows their values so from its first read. ``core.accounts.fields`` uses them."""

from __future__ import annotations

import re

FIELD_TYPES = ("number", "money", "text", "date", "yes_no", "choice")
"""The types of a custom account field (``core.accounts.fields`` reads and writes them)."""
NUMBER, MONEY, TEXT, DATE, YES_NO, CHOICE = FIELD_TYPES
TYPE_WORDS = {
    NUMBER: "number",
    MONEY: "money",
    TEXT: "text",
    DATE: "date",
    YES_NO: "yes/no",
    CHOICE: "choice",
}

FIELD_PREFIX = "field:"
"""How the accounts list's columns and frame name a custom field: ``field:Contract``."""


def field_key(name: str) -> str:
    """A field's name as matching sees it: case, spaces, underscores, dashes and dots
    ignored (as import columns are matched), so ``--by payment_method`` finds
    ``PaymentMethod``."""
    return re.sub(r"[\s_\-.]+", "", name.strip().lower())


def field_label(name: str) -> str:
    """A column name in words: "PaymentMethod" -> "Payment method", "tenure" ->
    "Tenure", "SeniorCitizen" -> "Senior citizen", "total_charges" -> "Total charges"."""
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+|[^\W_]+", name.strip())
    if not words:
        return name.strip() or name
    text = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return text[0].upper() + text[1:]


def field_column(name: str) -> str:
    """The list column (and frame column) of the field called ``name``."""
    return FIELD_PREFIX + name


def field_of_column(column: str) -> str | None:
    """The field name a list column names (``field:Contract`` -> "Contract"), written
    in any case with spaces around it, or None for a column of the list's own."""
    head, _, rest = column.strip().partition(":")
    if not rest and not column.strip().endswith(":"):
        return None
    return rest.strip() if head.strip().lower() == FIELD_PREFIX[:-1] else None


def shown_value(field_type: str, value: str | None) -> str:
    """A canonical value as a person reads it: money "$1,889.50", yes_no "Yes",
    no value ""."""
    if value is None:
        return ""
    if field_type == MONEY:
        sign = "-" if value.startswith("-") else ""
        units, _, fraction = value.lstrip("-").partition(".")
        return f"{sign}${int(units):,}.{fraction or '00'}"
    if field_type == YES_NO:
        return value.capitalize()
    return value
