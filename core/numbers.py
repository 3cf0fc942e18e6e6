"""A number as a person types it in a form, a command or a tool: a goal's target,
start and step, a check-in's value, a custom field's number or amount (its edit,
a filter on it). One reading for all of them (``typed_number``), so the same text is
taken or refused the same way everywhere, in the same words.

Taken: the digits 0 to 9 with an optional sign; commas between thousands and a
decimal point ("1,500", "1500.5", "1,500.50", ".5"); or a decimal comma, when only
a decimal comma writes the number ("1,5", "89,90", "1.234,56": the rule of a column
of numbers, ``core.importing.parse.COMMA_DECIMAL``; "1,500" is 1500 and "1.200" is
1.2). An amount may carry a currency sign or code before or after it ("$1,500",
"-$500", "USD 1500", "1.234,50 €"); a percentage a % after it ("12 %").

Refused, in words: an exponent ("1e3"), spaces or underscores between digits
("1 500", "1_000"), digits of other scripts (Arabic-Indic, full-width), commas
in other places ("1,23,4"), NaN and infinity; an amount with a third decimal that
may be a thousands dot ("1.000": ``core.importing.parse.ambiguous_amount``) or a
fraction of a cent ("12.345").
"""

from __future__ import annotations

import re
from decimal import Decimal

from core.text import shortened

NUMBER = "number"
AMOUNT = "amount"
PERCENT = "percent"
UNITS = (NUMBER, AMOUNT, PERCENT)

_POINT = re.compile(r"(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]*)?|\.[0-9]+")
"""A number written with a decimal point, commas between its thousands."""
_COMMA = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]+|[0-9]+,(?:[0-9]{1,2}|[0-9]{4,})")
"""A number only a decimal comma writes (``core.importing.parse.COMMA_DECIMAL``)."""
_ASCII_DIGITS = frozenset("0123456789")
_CENT = Decimal("0.01")


class NumberError(ValueError):
    """Typed text that is not a number (of its unit), in words without the field's
    name: the caller names it (``GoalError``, ``FieldValueError``)."""


def typed_number(text: str, unit: str = NUMBER) -> Decimal:
    """The number ``text`` says (trimmed), or NumberError saying why not and what to
    type. ``unit``: NUMBER (digits alone), AMOUNT (a currency sign or code may be
    written; at most two decimals) or PERCENT (a % may follow)."""
    raw = text.strip()
    shown = shortened(raw, 40)  # as quoted back: a 10,000-character paste is not repeated
    body = raw
    if unit == PERCENT:
        body = re.sub(r"\s*%$", "", body)
    elif unit == AMOUNT:
        from core.importing.parse import CURRENCY_MARK, ambiguous_amount

        if ambiguous := ambiguous_amount(raw):
            raise NumberError(ambiguous)
        body = re.sub(rf"^([+-]?)\s*(?:{CURRENCY_MARK})\s*", r"\1", body)
        body = re.sub(rf"\s*(?:{CURRENCY_MARK})$", "", body)
    sign, digits = ("-" if body[:1] == "-" else "", body[1:]) if body[:1] in "+-" else ("", body)
    if _COMMA.fullmatch(digits):
        plain = digits.replace(".", "").replace(",", ".")
    elif _POINT.fullmatch(digits):
        plain = digits.replace(",", "")
    else:
        raise NumberError(_why_not(shown, body, unit))
    value = Decimal(sign + plain)
    if value == 0:
        value = Decimal(0)  # -0 is 0
    if unit == AMOUNT and value != value.quantize(_CENT):
        raise NumberError(f'"{shown}" has fractions of a cent')
    return value


_LIKE = {
    NUMBER: "digits like 1500 or 1,500.50",
    AMOUNT: "an amount like 1500 or $1,500.50",
    PERCENT: "a percentage like 3.5 or 3.5%",
}
"""What to type instead of a text that is no number, by unit."""


def _why_not(shown: str, body: str, unit: str) -> str:
    """Why ``body`` is not a number (of ``unit``), and what to type instead."""
    if any(char.isdigit() and char not in _ASCII_DIGITS for char in body):
        return f'"{shown}" is not a number: type it with the digits 0 to 9, like 1500'
    if "," in body and re.fullmatch(r"[+-]?[0-9.,]+", body):
        return f'"{shown}": a comma separates thousands (20,000) or, alone, decimals (1,5)'
    return f'"{shown}" is not a number; type {_LIKE[unit]}'
