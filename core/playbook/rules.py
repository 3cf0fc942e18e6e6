"""Playbook rules: when a signal appears, a task for the account's owner.

Each rule finds its occurrences in bulk (polars over ``read_frame``), and each
occurrence has a key (``ticket:42``, ``silent:7:2026-10-01``...). Tasks are
inserted with ``ON CONFLICT DO NOTHING`` on the unique (rule, occurrence_key), so
a rule fires once per occurrence, however often and from however many processes
the rules run.

The rules, and what an occurrence is:

- ``ticket_unresolved``: a ticket open longer than ``hours`` (48); one per ticket.
- ``feedback_after_purchase``: ``days_after`` (7) days after a purchase; one per
  purchase. Only purchases whose day came in the last ``grace_days`` (7) fire, so a
  first run does not dig up years of history.
- ``feedback_after_renewal``: ``days_after`` days after a renewal, the anniversary
  of an active account's contract (its renewal date less whole years, after its
  start date); one per account and renewal date; same grace window.
- ``health_red``: the health score's band turned red (the day's snapshot is red,
  the snapshot before it was not); one per account and day of the drop.
- ``detractor``: an NPS answer of ``max_score`` (6) or less, answered in the last
  ``grace_days``; one per answer.
- ``no_interaction``: an active account with no interaction for ``days`` (30); one
  per account and silent spell (keyed by the last interaction's day).
- ``renewal_due``: a renewal date within ``days`` (60); one per account and date.

The rules are configured in the ``[rules.NAME]`` tables of the config file
(``enabled``, thresholds, ``due_in_days``). A rule whose configuration is broken
is switched off and reported with its line; the others keep working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine, and_, exists, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from core.accounts.customers import started_on
from core.config.file import ConfigFileError, read_config
from core.models import (
    Account,
    HealthSnapshot,
    Interaction,
    Purchase,
    SurveyResponse,
    Task,
    Ticket,
    utcnow,
)
from core.store.frames import read_frame

LIVE = ("active", "onboarding")
UNASSIGNED = "unassigned"
"""The owner of the tasks of accounts without one: a queue anyone can take from."""
_TITLE_MAX = 300

DEFAULT_RULES: dict[str, dict[str, Any]] = {
    "ticket_unresolved": {"enabled": True, "hours": 48, "due_in_days": 1},
    "feedback_after_purchase": {
        "enabled": True,
        "days_after": 7,
        "grace_days": 7,
        "due_in_days": 3,
    },
    "feedback_after_renewal": {
        "enabled": True,
        "days_after": 7,
        "grace_days": 7,
        "due_in_days": 3,
    },
    "health_red": {"enabled": True, "due_in_days": 1},
    "detractor": {"enabled": True, "max_score": 6, "grace_days": 7, "due_in_days": 2},
    "no_interaction": {"enabled": True, "days": 30, "due_in_days": 3},
    "renewal_due": {"enabled": True, "days": 60, "due_in_days": 7},
}

# Each rule in words, for what a person reads (its key names its config table).
RULE_TITLES: dict[str, str] = {
    "ticket_unresolved": "Support ticket open too long",
    "feedback_after_purchase": "Ask for feedback after a purchase",
    "feedback_after_renewal": "Ask for feedback after a renewal",
    "health_red": "Health turned red",
    "detractor": "NPS detractor answered",
    "no_interaction": "No interaction for a while",
    "renewal_due": "Renewal coming up",
}


@dataclass
class RulesConfig:
    settings: dict[str, dict[str, Any]]
    problems: list[str] = field(default_factory=list)

    def enabled(self) -> list[str]:
        return [name for name, values in self.settings.items() if values["enabled"]]


def load_rules_config(path: Path | None = None) -> RulesConfig:
    """The rules as configured in ``[rules.*]`` of the config file over the defaults.
    Problems name the file, line and key; a rule with a problem is switched off."""
    from core.config.settings import config_path

    path = path or config_path()
    settings = {name: dict(values) for name, values in DEFAULT_RULES.items()}
    try:
        config = read_config(path)
    except ConfigFileError as error:
        return RulesConfig(settings, [f"{error}; the rules run on their defaults"])
    if config is None:
        return RulesConfig(settings)
    configured = config.data.get("rules", {})
    problems: list[str] = []
    if not isinstance(configured, dict):
        where = config.where(config.line_of("rules"))
        return RulesConfig(settings, [f"{where}: [rules] is a table"])
    for name, values in configured.items():
        header = config.header_line("rules", name)
        where = config.where(header)
        if name not in DEFAULT_RULES:
            problems.append(f"{where}: unknown rule {name!r} (known: {', '.join(DEFAULT_RULES)})")
            continue
        if not isinstance(values, dict):
            problems.append(f"{where}: rules.{name} must be a table")
            settings[name]["enabled"] = False
            continue
        problem = _apply(settings[name], values, name)
        if problem:
            line = config.line_of(problem[0], after=header) or header
            problems.append(
                f"{config.where(line)}: rules.{name}.{problem[0]} {problem[1]}; rule off"
            )
            settings[name]["enabled"] = False
    return RulesConfig(settings, problems)


def _apply(target: dict[str, Any], values: dict[str, Any], name: str) -> tuple[str, str] | None:
    for key, value in values.items():
        if key not in target:
            return key, f"is not a setting of this rule (known: {', '.join(target)})"
        if key == "enabled":
            if not isinstance(value, bool):
                return key, "must be true or false"
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return key, f"must be a whole number >= 0, not {value!r}"
        target[key] = value
    return None


@dataclass(frozen=True)
class Occurrences:
    """What a rule found: one row per occurrence with account_id, owner (the account's),
    occurrence_key and title."""

    rule: str
    frame: pl.DataFrame


def _accounts(engine: Engine) -> pl.DataFrame:
    return read_frame(
        engine,
        select(
            col(Account.id).label("account_id"),
            Account.name,
            Account.owner,
            Account.status,
            Account.start_date,
            Account.renewal_date,
        ).where(col(Account.status).in_(LIVE)),
    )


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def find_occurrences(
    engine: Engine, today: date, config: RulesConfig, now: datetime | None = None
) -> list[Occurrences]:
    """Every enabled rule's occurrences as of ``today``, nothing written."""
    now = now or utcnow()
    accounts = _accounts(engine)
    finders = {
        "ticket_unresolved": _tickets_unresolved,
        "feedback_after_purchase": _after_purchase,
        "feedback_after_renewal": _after_renewal,
        "health_red": _health_red,
        "detractor": _detractors,
        "no_interaction": _silent,
        "renewal_due": _renewal_due,
    }
    found = []
    for name in config.enabled():
        frame = finders[name](engine, accounts, today, now, config.settings[name])
        owner = pl.col("owner").str.strip_chars()
        found.append(
            Occurrences(
                name,
                frame.select(
                    "account_id",
                    pl.when(owner.is_null() | (owner == ""))
                    .then(pl.lit(UNASSIGNED))
                    .otherwise(owner)
                    .alias("owner"),
                    "occurrence_key",
                    pl.col("title").str.slice(0, _TITLE_MAX),
                ),
            )
        )
    return found


def _tickets_unresolved(
    engine: Engine, accounts: pl.DataFrame, today: date, now: datetime, cfg: dict[str, Any]
) -> pl.DataFrame:
    cutoff = now - timedelta(hours=cfg["hours"])
    tickets = read_frame(
        engine,
        select(col(Ticket.id).label("ticket_id"), Ticket.account_id, Ticket.subject).where(
            col(Ticket.resolved_at).is_(None), Ticket.opened_at <= cutoff
        ),
    )
    return tickets.join(accounts, on="account_id").with_columns(
        pl.format("ticket:{}", "ticket_id").alias("occurrence_key"),
        pl.format(
            "Ticket #{} unresolved for over {} h: {}", "ticket_id", pl.lit(cfg["hours"]), "subject"
        ).alias("title"),
    )


def _after_purchase(
    engine: Engine, accounts: pl.DataFrame, today: date, now: datetime, cfg: dict[str, Any]
) -> pl.DataFrame:
    last = today - timedelta(days=cfg["days_after"])
    first = last - timedelta(days=cfg["grace_days"])
    purchases = read_frame(
        engine,
        select(col(Purchase.id).label("purchase_id"), Purchase.account_id, Purchase.purchased_at)
        .where(Purchase.purchased_at >= _moment(first))
        .where(Purchase.purchased_at < _moment(last + timedelta(days=1))),
    )
    return purchases.join(accounts, on="account_id").with_columns(
        pl.format("purchase:{}", "purchase_id").alias("occurrence_key"),
        pl.format(
            "Thank {} for their purchase of {} and ask for feedback",
            "name",
            pl.col("purchased_at").dt.date(),
        ).alias("title"),
    )


def _after_renewal(
    engine: Engine, accounts: pl.DataFrame, today: date, now: datetime, cfg: dict[str, Any]
) -> pl.DataFrame:
    last = today - timedelta(days=cfg["days_after"])
    first = last - timedelta(days=cfg["grace_days"])
    renewals = accounts.filter(pl.col("renewal_date").is_not_null()).with_columns(
        years=(pl.col("renewal_date").dt.year() - pl.lit(last.year)).clip(lower_bound=0)
    )
    # The latest anniversary of the renewal date on or before `last`.
    anniversary = pl.col("renewal_date").dt.offset_by(pl.format("-{}y", "years"))
    renewals = renewals.with_columns(renewed_on=anniversary).with_columns(
        renewed_on=pl.when(pl.col("renewed_on") > last)
        .then(pl.col("renewed_on").dt.offset_by("-1y"))
        .otherwise(pl.col("renewed_on"))
    )
    return renewals.filter(
        pl.col("renewed_on").is_between(first, last),
        pl.col("renewed_on") > pl.col("start_date"),
        pl.col("status") == "active",
    ).with_columns(
        pl.format("renewal:{}:{}", "account_id", "renewed_on").alias("occurrence_key"),
        pl.format("Thank {} for renewing on {} and ask for feedback", "name", "renewed_on").alias(
            "title"
        ),
    )


def _health_red(
    engine: Engine, accounts: pl.DataFrame, today: date, now: datetime, cfg: dict[str, Any]
) -> pl.DataFrame:
    snapshots = read_frame(
        engine,
        select(HealthSnapshot.account_id, HealthSnapshot.day, HealthSnapshot.band).where(
            HealthSnapshot.day >= today - timedelta(days=14), HealthSnapshot.day <= today
        ),
    ).sort("account_id", "day")
    drops = snapshots.with_columns(previous=pl.col("band").shift(1).over("account_id")).filter(
        (pl.col("band") == "red")
        & pl.col("previous").is_not_null()
        & (pl.col("previous") != "red")
        & (pl.col("day") > today - timedelta(days=7))
    )
    return drops.join(accounts, on="account_id").with_columns(
        pl.format("health_red:{}:{}", "account_id", "day").alias("occurrence_key"),
        pl.format("{} dropped to red on {}: find out why", "name", "day").alias("title"),
    )


def _detractors(
    engine: Engine, accounts: pl.DataFrame, today: date, now: datetime, cfg: dict[str, Any]
) -> pl.DataFrame:
    answers = read_frame(
        engine,
        select(
            col(SurveyResponse.id).label("survey_id"),
            SurveyResponse.account_id,
            SurveyResponse.score,
        ).where(
            SurveyResponse.kind == "nps",
            SurveyResponse.score <= cfg["max_score"],
            SurveyResponse.answered_at >= _moment(today - timedelta(days=cfg["grace_days"])),
            SurveyResponse.answered_at < _moment(today + timedelta(days=1)),
            SurveyResponse.deleted_at.is_(None),
        ),
    )
    return answers.join(accounts, on="account_id").with_columns(
        pl.format("survey:{}", "survey_id").alias("occurrence_key"),
        pl.format("{} answered NPS {}: call them", "name", "score").alias("title"),
    )


def _silent(
    engine: Engine, accounts: pl.DataFrame, today: date, now: datetime, cfg: dict[str, Any]
) -> pl.DataFrame:
    # Only the accounts with no contact since the cutoff are looked up, each through
    # the (account_id, occurred_at) index, instead of every account's last contact.
    cutoff = today - timedelta(days=cfg["days"])
    end = _moment(today + timedelta(days=1))
    recent = aliased(Interaction)
    spoken_since = (
        select(recent.id)
        .where(recent.account_id == Account.id, col(recent.deleted_at).is_(None))
        .where(recent.occurred_at >= _moment(cutoff + timedelta(days=1)), recent.occurred_at < end)
    )
    last = read_frame(
        engine,
        select(
            col(Account.id).label("account_id"), func.max(Interaction.occurred_at).label("last_at")
        )
        .select_from(Account)
        .outerjoin(
            Interaction,
            and_(
                Interaction.account_id == Account.id,
                col(Interaction.deleted_at).is_(None),
                Interaction.occurred_at < end,
            ),
        )
        .where(Account.status == "active", ~exists(spoken_since))
        .group_by(col(Account.id)),
    )
    silent = (
        accounts.filter(pl.col("status") == "active")
        .join(last, on="account_id")
        .with_columns(last_day=pl.col("last_at").dt.date())
        .filter(pl.coalesce(pl.col("last_day"), started_on()) <= cutoff)
    )
    return silent.with_columns(
        pl.format(
            "silent:{}:{}", "account_id", pl.col("last_day").cast(pl.String).fill_null("never")
        ).alias("occurrence_key"),
        pl.format("No contact with {} for {}+ days", "name", pl.lit(cfg["days"])).alias("title"),
    )


def _renewal_due(
    engine: Engine, accounts: pl.DataFrame, today: date, now: datetime, cfg: dict[str, Any]
) -> pl.DataFrame:
    due = accounts.filter(
        pl.col("renewal_date").is_between(today, today + timedelta(days=cfg["days"]))
    )
    return due.with_columns(
        pl.format("renewal_due:{}:{}", "account_id", "renewal_date").alias("occurrence_key"),
        pl.format("Prepare the renewal of {} due {}", "name", "renewal_date").alias("title"),
    )


def run_rules(
    engine: Engine,
    today: date | None = None,
    config: RulesConfig | None = None,
    now: datetime | None = None,
) -> dict[str, int]:
    """Find every rule's occurrences and create one task per new occurrence.
    Returns the number of tasks each rule created (0 for an occurrence already seen).

    Occurrences that already have a task are dropped before the insert (one read
    of the rules' keys, covered by the unique index); the insert's ``ON CONFLICT
    DO NOTHING`` still settles a race with another process."""
    today = today or date.today()
    config = config or load_rules_config()
    occurrences = find_occurrences(engine, today, config, now)
    seen = read_frame(
        engine,
        select(Task.rule, Task.occurrence_key).where(col(Task.rule).in_(config.enabled())),
    )
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    table = Task.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=["rule", "occurrence_key"])
        .returning(table.c.id)
    )
    created_at = utcnow()
    created: dict[str, int] = {}
    with engine.begin() as connection:
        for found in occurrences:
            due = today + timedelta(days=config.settings[found.rule]["due_in_days"])
            known = seen.filter(pl.col("rule") == found.rule).select("occurrence_key")
            rows = found.frame.join(known, on="occurrence_key", how="anti").select(
                "account_id",
                "owner",
                "title",
                "occurrence_key",
                due_on=pl.lit(due),
                source=pl.lit("rule"),
                rule=pl.lit(found.rule),
                created_at=pl.lit(created_at),
            )
            if rows.is_empty():
                created[found.rule] = 0
                continue
            inserted = connection.execute(statement, rows.to_dicts()).all()
            created[found.rule] = len(inserted)
    return created
