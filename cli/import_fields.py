"""The fields of each kind of import (``core.importing.spec.KINDS``), for ``cxtui import
--help``, without the models and polars that the spec module loads: the help comes as
fast as any other. Generated: ``python -m cli.import_fields`` writes ``FIELDS`` again
from the spec (then ``ruff format``), and ``tests/cli/test_import_help.py`` fails when
they differ."""

from __future__ import annotations

FIELDS: dict[str, tuple[tuple[str, bool], ...]] = {
    "accounts": (
        ("external_id", True),
        ("name", True),
        ("segment", False),
        ("plan", False),
        ("owner", False),
        ("mrr", False),
        ("seats", False),
        ("start_date", False),
        ("renewal_date", False),
        ("status", False),
        ("churned_at", False),
        ("onboarding_completed_at", False),
        ("churn_recorded_on", False),
        ("cancels_at_renewal", False),
    ),
    "contacts": (
        ("account", True),
        ("name", True),
        ("email", False),
        ("role", False),
        ("is_primary", False),
    ),
    "interactions": (
        ("account", True),
        ("kind", True),
        ("occurred_at", True),
        ("summary", True),
        ("logged_by", False),
        ("notes", False),
        ("sentiment", False),
        ("follow_up_on", False),
    ),
    "usage": (("account", True), ("day", True), ("active_users", False), ("logins", False)),
    "surveys": (
        ("account", True),
        ("kind", True),
        ("score", True),
        ("answered_at", True),
        ("comment", False),
    ),
    "tickets": (
        ("account", True),
        ("subject", False),
        ("priority", False),
        ("opened_at", True),
        ("first_response_at", False),
        ("resolved_at", False),
    ),
    "mrr": (("account", True), ("occurred_on", True), ("kind", True), ("amount", True)),
    "purchases": (
        ("account", True),
        ("purchased_at", True),
        ("amount", True),
        ("description", False),
    ),
}
"""Each kind's fields, in the spec's order, and whether each is required."""


def fields_help() -> str:
    """The fields of every kind, as the help's closing paragraph (markdown)."""
    lines = [
        "**Fields** of each kind, the required ones first, as `--map FIELD=COLUMN` and"
        " `--value FIELD:FROM=TO` name them (a column named as a field, or one of its"
        " common synonyms, is read as that field):",
        "",
    ]
    for kind, fields in FIELDS.items():
        required = ", ".join(name for name, needed in fields if needed)
        optional = ", ".join(name for name, needed in fields if not needed)
        lines.append(f"- {kind}: {required}" + (f"; optional: {optional}" if optional else ""))
    return "\n".join(lines)


def fields_of_spec() -> dict[str, tuple[tuple[str, bool], ...]]:
    """``FIELDS`` as the spec has them (imports the spec: the models, polars)."""
    from core.importing.spec import KINDS

    return {
        name: tuple((field.name, field.required) for field in kind.fields)
        for name, kind in KINDS.items()
    }


if __name__ == "__main__":  # write FIELDS again from core.importing.spec
    import pprint
    import re
    from pathlib import Path

    path = Path(__file__)
    text = path.read_text(encoding="utf-8")
    generated = pprint.pformat(fields_of_spec(), width=96, sort_dicts=False)
    text = re.sub(
        r"(?ms)^FIELDS: .*?^}\n",
        lambda _match: f"FIELDS: dict[str, tuple[tuple[str, bool], ...]] = {generated}\n",
        text,
        count=1,
    )
    path.write_text(text, encoding="utf-8")
