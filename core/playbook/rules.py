"""Playbook rules: when a signal appears, a task for the account's owner.

Each rule finds its occurrences in bulk (polars over ``read_frame``), and each
occurrence has a key (``ticket:42``, ``silent:7:2026-10-01``...). Tasks are
inserted with ``ON CONFLICT DO NOTHING`` on the unique (rule, occurrence_key), so
a rule fires once per occurrence, however often and from however many processes
the rules run.

The rules, and what an occurrence is:

- ``ticket_unresolved``: a ticket open longer than ``hours`` (48); one per ticket;
  done once the ticket is resolved (``core.playbook.ended``).
- ``feedback_after_purchase``: ``days_after`` (7) days after a purchase; one per
  purchase. Only purchases whose day came in the last ``grace_days`` (7) fire, so a
  first run does not dig up years of history.
- ``feedback_after_renewal``: ``days_after`` days after a renewal, the anniversary
  of an active account's contract (its renewal date less whole years, after its
  start date); one per account and renewal date; same grace window.
- ``health_red``: the account's health is red now (its latest snapshot, or a health
  override in force that says red); one per red spell, keyed by the day the spell
  began, so an account red when the rule first meets it gets one task, and again
  only after it has recovered and fallen again. A manager's override to another
  band silences it.
- ``detractor``: an NPS answer of ``max_score`` (6) or less in the last
  ``grace_days`` (30) that nobody has followed up: no interaction logged for the
  account since. One per answer, due ``follow_up_days`` (7) after the answer; done
  once a contact is logged (``core.playbook.followed_up``, as the two below).
- ``renewal_no_qbr``: a renewal within ``days`` (60) and no QBR in the last
  ``qbr_days`` (90); one per account and renewal date. Not for an account set to
  cancel at its renewal while ``set_to_cancel`` is on and its renewal is within the
  save call's window (the call is the work); beyond it, the renewal is prepared.
- ``no_interaction``: an active account with no interaction for ``days`` (30); one
  per account and silent spell (keyed by the last interaction's day). An account
  never contacted is silent since it started or since the book's interactions
  begin, whichever is later: in a book with no interaction recorded before the
  cutoff (an accounts list just imported), it gets no task.
- ``renewal_due``: a renewal date within ``days`` (60); one per account and date.
  Not for an account set to cancel at its renewal while ``set_to_cancel`` is on and
  its renewal is within the save call's window: with that window shorter (30 days
  against 60), an account set to cancel renewing in 45 days gets this rule's task,
  and its save call when the renewal comes within 30 days.
- ``set_to_cancel``: a live account set to cancel at its renewal
  (``Account.cancels_at_renewal``: the customer asked to cancel), its renewal date
  within ``days`` (60, as ``renewal_due``'s): a save call before that date, due in
  ``due_in_days`` (3) and no later than the renewal. A yearly customer who asks to
  cancel eleven months ahead gets its call when its renewal comes within the window,
  not a call due in 3 days and nothing near the renewal. One per account and renewal
  date: a re-import that keeps it set makes no new task; set to cancel again at a
  later renewal date, a new one. An account set to cancel without a renewal date, or
  whose date has passed, gets none (there is no date to save it before).

The three renewal rules' tasks of an account that has churned are done at the next
run (``core.playbook.ended``): there is no renewal left.

The rules are configured in the ``[rules.NAME]`` tables of the config file
(``enabled``, thresholds, ``due_in_days``). A rule whose configuration is broken
is switched off and reported with its line; the others keep working.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from sqlalchemy import Engine, and_, exists, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from core.accounts.customers import started_on
from core.config.file import ConfigFileError, read_config
from core.dates import MAX_HORIZON_DAYS, moment
from core.health.in_force import (
    latest_snapshots_query,
    newest,
    overrides_query,
    with_bands,
)
from core.metrics.model import dollars
from core.models import (
    Account,
    HealthSnapshot,
    Interaction,
    Purchase,
    SurveyResponse,
    Ticket,
    utcnow,
)
from core.store.frames import read_frame

if TYPE_CHECKING:
    from tomlkit.toml_document import TOMLDocument

LIVE = ("active", "onboarding")
UNASSIGNED = "unassigned"
"""The owner of the tasks of accounts without one: a queue anyone can take from."""
_TITLE_MAX = 300
ANSWER_KEY = "survey:"
"""How a detractor task's occurrence key starts: the NPS answer's id follows."""
TICKET_KEY = "ticket:"
"""How a ``ticket_unresolved`` task's occurrence key starts: the ticket's id follows."""


def task_owner(account_owner: str | None) -> str:
    """Who a task about an account goes to: its owner, else UNASSIGNED (as
    ``find_occurrences`` gives the rules' tasks)."""
    return (account_owner or "").strip() or UNASSIGNED


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
    "detractor": {"enabled": True, "max_score": 6, "grace_days": 30, "follow_up_days": 7},
    "no_interaction": {"enabled": True, "days": 30, "due_in_days": 3},
    "renewal_due": {"enabled": True, "days": 60, "due_in_days": 7},
    "renewal_no_qbr": {"enabled": True, "days": 60, "qbr_days": 90, "due_in_days": 7},
    "set_to_cancel": {"enabled": True, "days": 60, "due_in_days": 3},
}

SAVE_CALL = "set_to_cancel"
"""The rule whose save call replaces the renewal rules' tasks of an account set to cancel."""
SAVE_CALL_REPLACES = ("renewal_due", "renewal_no_qbr")
"""The rules that, while ``SAVE_CALL`` is on, leave out the accounts set to cancel."""
LEFT_TO_SAVE_CALL = "not for customers set to cancel"
"""What a rule of ``SAVE_CALL_REPLACES`` says under its title while the save call is on
(short: it fits under the title in the Playbook's Rule column)."""
LEFT_WITHIN = "not if set to cancel within {} day{s}"
"""The same when the save call's window is shorter than the rule's: the rule leaves
out only those whose renewal is within the call's window (36 characters at most for a
window up to 999 days: it fits under the title too)."""


def left_out(
    rule: str, enabled: Mapping[str, Mapping[str, Any]], *, full: bool = False
) -> str | None:
    """The accounts ``rule`` leaves to another rule now on, in words, or None: the
    renewal rules leave the customers set to cancel to the save call while it is on,
    those whose renewal is within the call's window (all the rule sees when the call's
    window is as long as the rule's). ``enabled``: the settings of the rules on; ``full``:
    the words of a line with room (``cxtui rules list``), else those under a title."""
    if rule not in SAVE_CALL_REPLACES or SAVE_CALL not in enabled:
        return None
    window = enabled[SAVE_CALL]["days"]
    days = f"{window} day{'' if window == 1 else 's'}"
    if window >= enabled[rule]["days"]:
        return f"{LEFT_TO_SAVE_CALL} (they get the save call)" if full else LEFT_TO_SAVE_CALL
    if full:
        return (
            f"{LEFT_TO_SAVE_CALL} whose renewal is within {days} (they get the save"
            f" call; renewing later, this rule's task)"
        )
    return LEFT_WITHIN.format(window, s="" if window == 1 else "s")


# Each rule in words, for what a person reads (its key names its config table).
RULE_TITLES: dict[str, str] = {
    "ticket_unresolved": "Support ticket open too long",
    "feedback_after_purchase": "Ask for feedback after a purchase",
    "feedback_after_renewal": "Ask for feedback after a renewal",
    "health_red": "Health is red",
    "detractor": "NPS detractor not followed up",
    "no_interaction": "No interaction for a while",
    "renewal_due": "Renewal coming up",
    "renewal_no_qbr": "Renewal coming up and no recent QBR",
    "set_to_cancel": "Customer set to cancel: save call",
}


# Each setting in words: its label in a form, and its value in a sentence.
SETTING_WORDS: dict[str, tuple[str, str]] = {
    "hours": ("Hours a ticket is open", "open over {} h"),
    "days": ("Days", "{} day{s}"),
    "days_after": ("Days after the event", "{} day{s} after"),
    "grace_days": ("Days looked back", "looks back {} day{s}"),
    "max_score": ("Highest NPS that is a detractor", "NPS {} or less"),
    "follow_up_days": ("Days to follow up", "due {} day{s} after"),
    "qbr_days": ("Days since the last QBR", "no QBR in {} day{s}"),
    "due_in_days": ("Days until the task is due", "due in {} day{s}"),
}


_RENEWAL_DAYS = ("Days before the renewal", "renewal within {} day{s}")
_RULE_SETTING_WORDS: dict[tuple[str, str], tuple[str, str]] = {
    ("no_interaction", "days"): ("Days without an interaction", "silent {} day{s}"),
    ("renewal_due", "days"): _RENEWAL_DAYS,
    ("renewal_no_qbr", "days"): _RENEWAL_DAYS,
    ("set_to_cancel", "days"): _RENEWAL_DAYS,
}


def setting_words(rule: str, key: str) -> tuple[str, str]:
    """A setting's label in a form and its value in a sentence (``{}`` the value)."""
    default = SETTING_WORDS.get(key, (key, f"{key} {{}}"))
    return _RULE_SETTING_WORDS.get((rule, key), default)


def describe_settings(rule: str, settings: dict[str, Any]) -> str:
    """A rule's settings in words: ``open over 48 h · due in 1 day``."""
    return " · ".join(
        setting_words(rule, key)[1].format(value, s="" if value == 1 else "s")
        for key, value in settings.items()
        if key != "enabled"
    )


RUN_ON_LAUNCH = "run_on_launch"
"""The ``[rules]`` key that, set to false, keeps the app from running the rules on launch."""


@dataclass
class RulesConfig:
    settings: dict[str, dict[str, Any]]
    problems: list[str] = field(default_factory=list)
    run_on_launch: bool = True

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
    run_on_launch = configured.get(RUN_ON_LAUNCH, True)
    if not isinstance(run_on_launch, bool):
        line = config.line_of(RUN_ON_LAUNCH, after=config.header_line("rules"))
        problems.append(f"{config.where(line)}: rules.{RUN_ON_LAUNCH} must be true or false")
        run_on_launch = True
    for name, values in configured.items():
        if name == RUN_ON_LAUNCH:
            continue
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
    return RulesConfig(settings, problems, run_on_launch)


def change_rule(name: str, values: dict[str, Any], path: Path | None = None) -> None:
    """Write ``values`` (``enabled`` and settings of rule ``name``) into the config
    file's ``[rules.NAME]`` table, keeping every other line. ``ValueError`` names a
    value a rule does not take; ``ConfigFileError`` a file that cannot be read. The
    file is left as it was either way."""
    from core.config.file import edit_config
    from core.config.settings import config_path

    if name not in DEFAULT_RULES:
        raise ValueError(f"unknown rule {name!r} (known: {', '.join(DEFAULT_RULES)})")
    problem = _apply(dict(DEFAULT_RULES[name]), values, name)
    if problem:
        raise ValueError(f"{RULE_TITLES[name]}: {problem[0]} {problem[1]}")

    def change(document: TOMLDocument) -> None:
        import tomlkit

        rules = document.setdefault("rules", tomlkit.table(is_super_table=True))
        table = rules.setdefault(name, tomlkit.table())
        for key, value in values.items():
            table[key] = value

    edit_config(path or config_path(), change)


SETTING_MOST: dict[str, int] = {"max_score": 10, "hours": 24 * MAX_HORIZON_DAYS}
"""The largest value of a setting: an NPS answer is 0-10; any other span is at most
the longest horizon cxtui looks ahead or back (``MAX_HORIZON_DAYS``, ten years; a day
count beyond that is no threshold, and one of 10**14 days overflowed the date
arithmetic of every run)."""


def setting_problem(key: str, value: object) -> str | None:
    """What is wrong with ``value`` for the setting ``key`` (``enabled`` or a whole
    number from 0 to its ``SETTING_MOST``), or None."""
    if key == "enabled":
        return None if isinstance(value, bool) else "must be true or false"
    most = SETTING_MOST.get(key, MAX_HORIZON_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        return f"must be a whole number from 0 to {most:,}, not {value!r}"
    return None


def _apply(target: dict[str, Any], values: dict[str, Any], name: str) -> tuple[str, str] | None:
    for key, value in values.items():
        if key not in target:
            return key, f"is not a setting of this rule (known: {', '.join(target)})"
        if problem := setting_problem(key, value):
            return key, problem
        target[key] = value
    return None


@dataclass(frozen=True)
class Occurrences:
    """What a rule found: one row per occurrence with account_id, owner (the account's),
    occurrence_key, title and due_on."""

    rule: str
    frame: pl.DataFrame


def _accounts(engine: Engine) -> pl.DataFrame:
    accounts = read_frame(
        engine,
        select(
            col(Account.id).label("account_id"),
            Account.name,
            Account.owner,
            Account.status,
            Account.start_date,
            Account.renewal_date,
            Account.mrr_cents,
            Account.cancels_at_renewal,
        ).where(col(Account.status).in_(LIVE)),
    )
    # a boolean as SQLite stores it is 0 or 1
    return accounts.with_columns(pl.col("cancels_at_renewal").cast(pl.Boolean))


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
        "renewal_no_qbr": _renewal_no_qbr,
        SAVE_CALL: _set_to_cancel,
    }
    # while the save call is on, it is the work for an account set to cancel whose
    # renewal is within its window: not the renewal's preparation (beyond the window,
    # a renewal rule's longer window still prepares the renewal: a task either way)
    not_cancelling = accounts
    if SAVE_CALL in config.enabled():
        covered = _set_to_cancel_within(accounts, today, config.settings[SAVE_CALL])
        not_cancelling = accounts.join(covered, on="account_id", how="anti")
    found = []
    for name in config.enabled():
        seen = not_cancelling if name in SAVE_CALL_REPLACES else accounts
        frame = finders[name](engine, seen, today, now, config.settings[name])
        owner = pl.col("owner").str.strip_chars()
        if "due_on" not in frame.columns:
            frame = frame.with_columns(
                due_on=pl.lit(today + timedelta(days=config.settings[name]["due_in_days"]))
            )
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
                    pl.col("due_on").cast(pl.Date),
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
        pl.format(TICKET_KEY + "{}", "ticket_id").alias("occurrence_key"),
        pl.format(
            "Ticket #{} unresolved for over {} h: {}", "ticket_id", pl.lit(cfg["hours"]), "subject"
        ).alias("title"),
    )


def _days_followed_up(today: date, cfg: dict[str, Any]) -> tuple[date, date]:
    """The first and last day (both included) of the events an after-event rule
    follows up today: ``days_after`` days ago, and ``grace_days`` before that."""
    last = today - timedelta(days=cfg["days_after"])
    return last - timedelta(days=cfg["grace_days"]), last


def _after_purchase(
    engine: Engine, accounts: pl.DataFrame, today: date, now: datetime, cfg: dict[str, Any]
) -> pl.DataFrame:
    first, last = _days_followed_up(today, cfg)
    purchases = read_frame(
        engine,
        select(col(Purchase.id).label("purchase_id"), Purchase.account_id, Purchase.purchased_at)
        .where(Purchase.purchased_at >= moment(first))
        .where(Purchase.purchased_at < moment(last + timedelta(days=1))),
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
    first, last = _days_followed_up(today, cfg)
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
    # One row per account red now: the first red snapshot after its last one that was
    # not red (the start of its red spell), aggregated in the database.
    latest = latest_snapshots_query(today, columns=(HealthSnapshot.band,)).subquery()
    red_now = select(latest.c.account_id).where(latest.c.band == "red").subquery()
    last_ok = (
        select(HealthSnapshot.account_id, func.max(HealthSnapshot.day).label("day"))
        .where(HealthSnapshot.band != "red", HealthSnapshot.day <= today)
        .where(HealthSnapshot.account_id.in_(select(red_now.c.account_id)))
        .group_by(HealthSnapshot.account_id)
        .subquery()
    )
    spells = read_frame(
        engine,
        select(HealthSnapshot.account_id, func.min(HealthSnapshot.day).label("since"))
        .join(red_now, red_now.c.account_id == HealthSnapshot.account_id)
        .outerjoin(last_ok, last_ok.c.account_id == HealthSnapshot.account_id)
        .where(
            HealthSnapshot.band == "red",
            HealthSnapshot.day <= today,
            or_(last_ok.c.day.is_(None), HealthSnapshot.day > last_ok.c.day),
        )
        .group_by(HealthSnapshot.account_id),
    )
    overrides = newest(read_frame(engine, overrides_query(today)))
    if not overrides.is_empty():
        overrides = with_bands(overrides).select(
            "account_id", "override_band", "override_starts_on"
        )
        spells = (
            spells.join(overrides, on="account_id", how="full", coalesce=True)
            .filter(pl.col("override_band").is_null() | (pl.col("override_band") == "red"))
            .select("account_id", since=pl.coalesce("since", "override_starts_on"))
        )
    return spells.join(accounts, on="account_id").with_columns(
        pl.format("health_red:{}:{}", "account_id", "since").alias("occurrence_key"),
        pl.format("{} is red since {}: find out why", "name", "since").alias("title"),
    )


def _detractors(
    engine: Engine, accounts: pl.DataFrame, today: date, now: datetime, cfg: dict[str, Any]
) -> pl.DataFrame:
    followed_up = exists(
        select(Interaction.id).where(
            Interaction.account_id == SurveyResponse.account_id,
            col(Interaction.deleted_at).is_(None),
            Interaction.occurred_at > SurveyResponse.answered_at,
        )
    )
    answers = read_frame(
        engine,
        select(
            col(SurveyResponse.id).label("survey_id"),
            SurveyResponse.account_id,
            SurveyResponse.score,
            SurveyResponse.answered_at,
        ).where(
            SurveyResponse.kind == "nps",
            SurveyResponse.score <= cfg["max_score"],
            SurveyResponse.answered_at >= moment(today - timedelta(days=cfg["grace_days"])),
            SurveyResponse.answered_at < moment(today + timedelta(days=1)),
            SurveyResponse.deleted_at.is_(None),
            ~followed_up,
        ),
    )
    answered_on = pl.col("answered_at").dt.date()
    return answers.join(accounts, on="account_id").with_columns(
        pl.format(ANSWER_KEY + "{}", "survey_id").alias("occurrence_key"),
        pl.format(
            "Call {}: NPS {} on {}, no follow-up yet",
            "name",
            "score",
            answered_on,
        ).alias("title"),
        due_on=pl.max_horizontal(
            answered_on + pl.duration(days=cfg["follow_up_days"]), pl.lit(today)
        ),
    )


def _silent(
    engine: Engine, accounts: pl.DataFrame, today: date, now: datetime, cfg: dict[str, Any]
) -> pl.DataFrame:
    # Only the accounts with no contact since the cutoff are looked up, each through
    # the (account_id, occurred_at) index, instead of every account's last contact.
    cutoff = today - timedelta(days=cfg["days"])
    end = moment(today + timedelta(days=1))
    recent = aliased(Interaction)
    spoken_since = (
        select(recent.id)
        .where(recent.account_id == Account.id, col(recent.deleted_at).is_(None))
        .where(recent.occurred_at >= moment(cutoff + timedelta(days=1)), recent.occurred_at < end)
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
    never = pl.col("last_day").is_null()
    if silent.select(never.any()).item() and not _contacts_before(engine, cutoff):
        # Nothing is known of any contact by the cutoff: whether those never
        # contacted were contacted before the records began cannot be said.
        silent = silent.filter(~never)
    return silent.with_columns(
        pl.format(
            "silent:{}:{}", "account_id", pl.col("last_day").cast(pl.String).fill_null("never")
        ).alias("occurrence_key"),
        pl.format("No contact with {} for {}+ days", "name", pl.lit(cfg["days"])).alias("title"),
    )


def _contacts_before(engine: Engine, cutoff: date) -> bool:
    """Some interaction of the book is recorded on or before ``cutoff``."""
    recorded = select(Interaction.id).where(
        col(Interaction.deleted_at).is_(None),
        Interaction.occurred_at < moment(cutoff + timedelta(days=1)),
    )
    with engine.connect() as connection:
        return bool(connection.execute(select(exists(recorded))).scalar())


def _renewal_due(
    engine: Engine, accounts: pl.DataFrame, today: date, now: datetime, cfg: dict[str, Any]
) -> pl.DataFrame:
    due = accounts.filter(
        pl.col("renewal_date").is_between(today, today + timedelta(days=cfg["days"]))
    )
    return due.with_columns(
        pl.format("renewal_due:{}:{}", "account_id", "renewal_date").alias("occurrence_key"),
        pl.format("Prepare the renewal of {} due {}", "name", "renewal_date").alias("title"),
        due_on=_before_renewal(today, cfg),
    )


def _renewal_no_qbr(
    engine: Engine, accounts: pl.DataFrame, today: date, now: datetime, cfg: dict[str, Any]
) -> pl.DataFrame:
    due = accounts.filter(
        pl.col("renewal_date").is_between(today, today + timedelta(days=cfg["days"]))
    )
    renewing = select(Account.id).where(
        col(Account.renewal_date).between(today, today + timedelta(days=cfg["days"])),
        col(Account.status).in_(LIVE),
    )
    recent_qbrs = read_frame(
        engine,
        select(Interaction.account_id)
        .where(
            # the accounts renewing only, each through its (account_id, occurred_at) index
            col(Interaction.account_id).in_(renewing),
            Interaction.kind == "qbr",
            col(Interaction.deleted_at).is_(None),
            Interaction.occurred_at >= moment(today - timedelta(days=cfg["qbr_days"])),
            Interaction.occurred_at < moment(today + timedelta(days=1)),
        )
        .distinct(),
    )
    return due.join(recent_qbrs, on="account_id", how="anti").with_columns(
        pl.format("renewal_no_qbr:{}:{}", "account_id", "renewal_date").alias("occurrence_key"),
        pl.format(
            "Hold a QBR with {} before their renewal on {} (none in {} days)",
            "name",
            "renewal_date",
            pl.lit(cfg["qbr_days"]),
        ).alias("title"),
        due_on=_before_renewal(today, cfg),
    )


def _set_to_cancel_within(accounts: pl.DataFrame, today: date, cfg: dict[str, Any]) -> pl.DataFrame:
    """The accounts set to cancel whose renewal is within the save call's window."""
    return accounts.filter(
        pl.col("cancels_at_renewal"),
        pl.col("renewal_date").is_between(today, today + timedelta(days=cfg["days"])),
    )


def _set_to_cancel(
    engine: Engine, accounts: pl.DataFrame, today: date, now: datetime, cfg: dict[str, Any]
) -> pl.DataFrame:
    leaving = _set_to_cancel_within(accounts, today, cfg)
    at_stake = [dollars(cents) for cents in leaving["mrr_cents"]]
    return leaving.with_columns(pl.Series("at_stake", at_stake, dtype=pl.String)).with_columns(
        pl.format("set_to_cancel:{}:{}", "account_id", "renewal_date").alias("occurrence_key"),
        pl.format(
            "Save call with {}: set to cancel at their renewal on {}, {} MRR at stake",
            "name",
            "renewal_date",
            "at_stake",
        ).alias("title"),
        due_on=_before_renewal(today, cfg),
    )


def _before_renewal(today: date, cfg: dict[str, Any]) -> pl.Expr:
    """Due ``due_in_days`` from today, but no later than the renewal itself."""
    return pl.min_horizontal(pl.lit(today + timedelta(days=cfg["due_in_days"])), "renewal_date")
