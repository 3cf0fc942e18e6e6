"""Logging what happens with an account: calls, emails, meetings, QBRs, notes and
survey answers. Validated in words, written whole or not at all, edited with
history (a revision per edit: who, when, what changed), deleted softly. Both kinds
of entry follow the same rules; ``source`` names which one ("interaction" or
"survey", as the account timeline does).

Every function takes "now" explicitly (aware, in the user's time zone) so that
relative dates such as "yesterday" or "-2d" are testable; stored moments are UTC.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core import dates
from core.models import (
    Account,
    Contact,
    Interaction,
    InteractionKind,
    InteractionRevision,
    SurveyKind,
    SurveyResponse,
    SurveyRevision,
    Task,
    utcnow,
)
from core.store.locks import begin_writing
from core.text import shortened, text_problem

if TYPE_CHECKING:
    from core.playbook.followed_up import FollowedUp

INTERACTION_KINDS = tuple(kind.value for kind in InteractionKind)
SURVEY_KINDS = tuple(kind.value for kind in SurveyKind)
ALL_KINDS = INTERACTION_KINDS + SURVEY_KINDS
SCORE_RANGES = {"nps": (0, 10), "csat": (1, 5)}
SENTIMENTS = {"negative": -1, "neutral": 0, "positive": 1, "-1": -1, "0": 0, "1": 1, "+1": 1}
# A call or a meeting has happened; logging one a little ahead of the clock is
# tolerated (a user rounding up), an hour ahead is a mistake.
FUTURE_TOLERANCE = timedelta(minutes=15)
SUMMARY_MAX = 300
NOTES_MAX = 20_000  # notes and comments: long, but not a file pasted by mistake
Source = Literal["interaction", "survey"]
ENTRY_MODELS: dict[str, type[Interaction] | type[SurveyResponse]] = {
    "interaction": Interaction,
    "survey": SurveyResponse,
}


KIND_WORDS = {
    "qbr": "QBR",
    "training": "training completed",
    "community": "community event",
    "nps": "NPS answer",
    "csat": "CSAT answer",
}


def kind_words(kind: str) -> str:
    """What an entry of ``kind`` is called in a sentence: "call", "QBR", "NPS answer"."""
    return KIND_WORDS.get(kind, kind)


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class InvalidInput(ValueError):
    """Input that was refused; nothing was written. ``errors`` names each field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(error) for error in errors))


@dataclass
class EntryForm:
    """What a user typed, as text, before validation (the form and the CLI fill it)."""

    kind: str
    summary: str = ""
    when: str = "now"
    notes: str = ""
    sentiment: str = ""
    follow_up: str = ""
    contact: str = ""
    score: str = ""
    comment: str = ""


@dataclass
class ValidEntry:
    kind: str
    occurred_at: datetime  # UTC
    summary: str = ""
    notes: str | None = None
    sentiment: int | None = None
    follow_up_on: date | None = None
    contact_id: int | None = None
    score: int | None = None
    comment: str | None = None


@dataclass
class Logged:
    kind: str
    entry_id: int
    account_id: int
    task_id: int | None = None
    warnings: list[str] = field(default_factory=list)
    followed_up: list[FollowedUp] = field(default_factory=list)
    """The rules' tasks this contact followed up, marked done."""


class LocalZone(tzinfo):
    """The computer's time zone with its rules: each moment gets the offset of its
    own day (summer time or not), where ``datetime.now().astimezone()`` carries
    today's offset to every day it is combined with."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return self._local(dt).utcoffset()

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return self._local(dt).tzname()

    def fromutc(self, dt: datetime) -> datetime:
        return dt.replace(tzinfo=UTC).astimezone().replace(tzinfo=self)

    @staticmethod
    def _local(dt: datetime | None) -> datetime:
        return (dt or datetime.now()).replace(tzinfo=None).astimezone()


LOCAL = LocalZone()


def local_now() -> datetime:
    """Now, in the computer's time zone with its rules (``LocalZone``)."""
    return datetime.now(LOCAL)


_RELATIVE = re.compile(r"^-(\d+)\s*([dhm])$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_when(text: str, now: datetime) -> datetime:
    """A moment from what a person types: "now", "-2d", "-3h", "-45m" (back from now),
    "today 14:00", "yesterday 9:30", a day in the one grammar of days
    (``core.dates.parse_day``: "yesterday", "2025-03-01", "next monday"...; at noon,
    or now for "today"), or "2025-03-01 14:00". Returns an aware datetime in ``now``'s
    time zone, on a day in cxtui's range (``core.dates.in_range``); raises ValueError
    in words."""
    try:
        moment = _read_when(text, now)
    except OverflowError:
        raise dates.DateRangeError(f'"{text.strip()}" is too far from now') from None
    dates.in_range(moment.date())
    return moment


def _read_when(text: str, now: datetime) -> datetime:
    value = " ".join(text.strip().lower().split())
    if value in ("", "now"):
        return now
    relative = _RELATIVE.match(value)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return now - {"d": timedelta(days=amount), "h": timedelta(hours=amount)}.get(
            unit, timedelta(minutes=amount)
        )
    day_text, _, clock = (
        value.rpartition(" ")
        if _CLOCK.match(value.split(" ")[-1])
        else (
            value,
            "",
            "",
        )
    )
    try:
        day = dates.parse_day(day_text, now.date())
    except dates.DateRangeError:
        raise
    except ValueError:
        day = None
    if day is not None:
        default = now.timetz() if day_text == "today" else time(12, 0)
        at = _parse_clock(clock) if clock else default
        return datetime.combine(day, at.replace(tzinfo=None), tzinfo=now.tzinfo)
    try:
        parsed = datetime.fromisoformat(value.upper().replace(" ", "T", 1))
    except ValueError:
        raise ValueError(
            f'cannot read "{shortened(text.strip())}" as a date; use e.g. 2025-03-01, '
            "2025-03-01 14:00, today 14:00, yesterday or -2d"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=now.tzinfo)
    return parsed


def _parse_clock(text: str) -> time:
    match = _CLOCK.match(text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(f'cannot read "{shortened(text)}" as a time of day; use HH:MM, e.g. 14:00')
    return time(int(match.group(1)), int(match.group(2)))


def parse_day(text: str, now: datetime) -> date:
    """A calendar day in the one grammar of days (``core.dates.parse_day``)."""
    return dates.parse_day(text, now.date())


def validate(
    form: EntryForm,
    now: datetime,
    contacts: dict[str, int] | None = None,
    kept_follow_up: date | None = None,
    kept_when: datetime | None = None,
) -> ValidEntry:
    """Check every field and return the parsed entry, or raise InvalidInput naming
    every field that is wrong (not only the first). ``kept_follow_up`` and
    ``kept_when`` are an edited entry's follow-up date and moment, accepted unchanged
    even once the date has passed or while the moment is ahead of the clock."""
    errors: list[FieldError] = []
    kind = form.kind.strip().lower()
    if kind not in ALL_KINDS:
        errors.append(FieldError("kind", f"must be one of {', '.join(ALL_KINDS)}"))
    occurred_at = now
    try:
        occurred_at = parse_when(form.when, now)
    except ValueError as error:
        errors.append(FieldError("when", str(error)))
    else:
        if kind in ALL_KINDS and occurred_at > now + FUTURE_TOLERANCE and occurred_at != kept_when:
            errors.append(
                FieldError(
                    "when",
                    f"{occurred_at:%Y-%m-%d %H:%M} is in the future; a {kind} is logged "
                    "once it has happened (use a follow-up date for what comes next)",
                )
            )
    entry = ValidEntry(kind=kind, occurred_at=occurred_at.astimezone(UTC))
    if kind in ALL_KINDS:
        errors += _fields_not_kept(form, kind)
    if kind in SURVEY_KINDS:
        entry.score = _check_score(kind, form.score, errors)
        entry.comment = form.comment.strip() or None
        if problem := text_problem(entry.comment or "", NOTES_MAX):
            errors.append(FieldError("comment", problem))
    else:
        entry.summary = _check_summary(form.summary, errors)
        entry.notes = form.notes.strip("\n") or None
        if problem := text_problem(entry.notes or "", NOTES_MAX):
            errors.append(FieldError("notes", problem))
        entry.sentiment = _check_sentiment(form.sentiment, errors)
        entry.follow_up_on = _check_follow_up(form.follow_up, now, errors, kept_follow_up)
    if form.contact.strip():
        entry.contact_id = _contact_id(form.contact.strip(), contacts or {}, errors)
    if errors:
        raise InvalidInput(errors)
    return entry


def _contact_id(name: str, contacts: dict[str, int], errors: list[FieldError]) -> int | None:
    """The contact called ``name``: as written, else whatever its case (when one
    contact alone has that name; several are named, to be typed as written)."""
    if name in contacts:
        return contacts[name]
    same = sorted(known for known in contacts if known.casefold() == name.casefold())
    if len(same) == 1:
        return contacts[same[0]]
    if same:
        names = " or ".join(f'"{known}"' for known in same)
        errors.append(FieldError("contact", f'"{name}" could be {names}: type it as written'))
    else:
        errors.append(FieldError("contact", f'"{shortened(name)}" is not a contact'))
    return None


def _fields_not_kept(form: EntryForm, kind: str) -> list[FieldError]:
    """The fields typed that ``kind`` has no place for: refused, never dropped unseen."""
    if kind in SURVEY_KINDS:
        what = f"{'an' if kind == 'nps' else 'a'} {kind_words(kind)}"
        where = {
            "summary": f"{what} has no summary; put it in the comment",
            "notes": f"{what} has no notes; put them in the comment",
            "sentiment": f"{what} has no sentiment: its score says it",
            "follow_up": f"{what} has no follow-up; log a call, email or note with one",
        }
    else:
        where = {
            "score": "only an NPS or CSAT answer has a score; log one for it",
            "comment": "only a survey answer has a comment; put it in the notes",
        }
    return [
        FieldError(name, message) for name, message in where.items() if getattr(form, name).strip()
    ]


def _check_score(kind: str, text: str, errors: list[FieldError]) -> int | None:
    low, high = SCORE_RANGES[kind]
    label = kind.upper()
    value = text.strip()
    if not value:
        errors.append(FieldError("score", f"{label} needs a score from {low} to {high}"))
        return None
    if not re.fullmatch(r"-?\d+", value):
        errors.append(FieldError("score", f'"{value}" is not a whole number ({low}-{high})'))
        return None
    score = int(value)
    if not low <= score <= high:
        errors.append(FieldError("score", f"{label} must be {low}-{high}, not {score}"))
        return None
    return score


def _check_summary(text: str, errors: list[FieldError]) -> str:
    summary = text.strip()
    if not summary:
        errors.append(FieldError("summary", "a summary is required"))
    elif "\n" in summary:
        errors.append(FieldError("summary", "the summary is one line; put the rest in notes"))
    elif problem := text_problem(summary, SUMMARY_MAX):
        errors.append(FieldError("summary", problem))
    return summary


def _check_sentiment(text: str, errors: list[FieldError]) -> int | None:
    value = text.strip().lower()
    if not value:
        return None
    if value not in SENTIMENTS:
        errors.append(
            FieldError("sentiment", f'"{text.strip()}": use negative, neutral or positive')
        )
        return None
    return SENTIMENTS[value]


def _check_follow_up(
    text: str, now: datetime, errors: list[FieldError], kept: date | None = None
) -> date | None:
    if not text.strip():
        return None
    try:
        day = parse_day(text, now)
    except ValueError as error:
        errors.append(FieldError("follow_up", str(error)))
        return None
    if day < now.date() and day != kept:
        errors.append(FieldError("follow_up", f"{day} is in the past"))
        return None
    return day


def find_account(engine: Engine, external_id: str) -> Account | None:
    with Session(engine) as session:
        return session.exec(select(Account).where(Account.external_id == external_id)).first()


def account_by_external_id(engine: Engine, external_id: str) -> Account:
    """The account with ``external_id``, or LookupError in words when there is none."""
    account = find_account(engine, external_id)
    if account is None or account.id is None:
        raise LookupError(f'no account with external id "{shortened(external_id)}"')
    return account


def account_id_of(engine: Engine, external_id: str) -> int | None:
    """The id of the account with ``external_id``; None when there is none."""
    with engine.connect() as connection:
        found = connection.execute(
            select(Account.id).where(Account.external_id == external_id)
        ).scalar()
    return None if found is None else int(found)


def contact_names(engine: Engine, account_id: int) -> dict[str, int]:
    with Session(engine) as session:
        rows = session.exec(
            select(Contact.name, Contact.id).where(Contact.account_id == account_id)
        ).all()
    return {name: contact_id for name, contact_id in rows if contact_id is not None}


def log_entry(
    engine: Engine, account_id: int, form: EntryForm, logged_by: str, now: datetime | None = None
) -> Logged:
    """Validate and write one entry (and its follow-up task) in one transaction."""
    now = now or local_now()
    entry = validate(form, now, contact_names(engine, account_id))
    with Session(engine) as session:
        account = session.get(Account, account_id)
        if account is None:
            raise InvalidInput([FieldError("account", f"no account with id {account_id}")])
        if entry.kind in SURVEY_KINDS:
            assert entry.score is not None
            response = SurveyResponse(
                account_id=account_id,
                contact_id=entry.contact_id,
                kind=entry.kind,
                score=entry.score,
                answered_at=entry.occurred_at,
                comment=entry.comment,
                logged_by=logged_by,
            )
            session.add(response)
            session.commit()
            assert response.id is not None
            rescore(engine, account_id, now.date())
            return Logged(entry.kind, response.id, account_id)
        interaction = Interaction(
            account_id=account_id,
            contact_id=entry.contact_id,
            kind=entry.kind,
            occurred_at=entry.occurred_at,
            logged_by=logged_by,
            summary=entry.summary,
            notes=entry.notes,
            sentiment=entry.sentiment,
            follow_up_on=entry.follow_up_on,
        )
        session.add(interaction)
        session.flush()
        assert interaction.id is not None
        task = _follow_up_task(session, interaction)
        followed_up = _close_followed_up(session, account_id, now.date())
        session.commit()
        entry_id = interaction.id
        task_id = task.id if task else None
    rescore(engine, account_id, now.date())
    return Logged(entry.kind, entry_id, account_id, task_id, followed_up=followed_up)


def _close_followed_up(session: Session, account_id: int, today: date) -> list[FollowedUp]:
    """The account's rules' tasks the contact just logged follows up, marked done in
    ``session``'s transaction (``core.playbook.followed_up``)."""
    from core.playbook.followed_up import close_followed_up
    from core.playbook.rules import load_rules_config

    return close_followed_up(session.connection(), today, load_rules_config(), account_id)


def _follow_up_task(session: Session, interaction: Interaction) -> Task | None:
    """The open follow-up task of ``interaction``, due on its follow-up day: moved
    there when there is one, else made for the account's owner. None when the
    interaction has no follow-up (a task it had is left as it is, out of the queue:
    ``core.playbook.tasks.task_queue``)."""
    from core.playbook.rules import task_owner

    if interaction.follow_up_on is None:
        return None
    task = session.exec(
        select(Task).where(
            Task.interaction_id == interaction.id,
            Task.source == "follow_up",
            col(Task.completed_at).is_(None),
        )
    ).first()
    if task is None:
        account = session.get(Account, interaction.account_id)
        assert account is not None
        task = Task(
            account_id=account.id,
            interaction_id=interaction.id,
            owner=task_owner(account.owner),
            title=f"Follow up with {account.name}: {interaction.summary}",
            due_on=interaction.follow_up_on,
            source="follow_up",
        )
    task.due_on = interaction.follow_up_on
    session.add(task)
    return task


def edit_entry(
    engine: Engine,
    entry_id: int,
    form: EntryForm,
    edited_by: str,
    now: datetime | None = None,
    source: Source = "interaction",
    seen: Interaction | SurveyResponse | None = None,
) -> dict[str, list[Any]]:
    """Apply an edit to an interaction or a survey answer, keeping the previous values
    in a revision; validated as when it was logged (a survey's NPS 0-10, CSAT 1-5).
    Returns the changes (field -> [old, new]); an edit that changes nothing writes
    nothing. An interaction's follow-up set or moved is its open follow-up task's
    day (``_follow_up_task``); the revision records the change.

    ``seen``: the entry as the form was filled from it. A field the form leaves as
    it was shown keeps what another user saved since; a field both changed is
    refused in words (InvalidInput), and nothing is written."""
    now = now or local_now()
    survey = source == "survey"
    with Session(engine) as session:
        stored = _entry(session, source, entry_id)
        if (form.kind.strip().lower() in SURVEY_KINDS) != survey:
            change = "a survey answer cannot become an interaction"
            if not survey:
                change = "an interaction cannot become a survey answer"
            raise InvalidInput([FieldError("kind", change)])
        when_column = "answered_at" if survey else "occurred_at"
        entry = validate(
            form,
            now,
            contact_names(engine, stored.account_id),
            kept_follow_up=None if survey else stored.follow_up_on,
            kept_when=dates.aware(getattr(stored, when_column)),
        )
        own = ("score", "comment") if survey else ("summary", "notes", "sentiment", "follow_up_on")
        new_values = {"kind": entry.kind, when_column: entry.occurred_at}
        new_values |= {name: getattr(entry, name) for name in ("contact_id", *own)}
        if seen is not None:
            new_values = _typed_since(session, source, stored, seen, new_values)
        return _save_edit(session, engine, source, stored, new_values, edited_by, now)


FORM_FIELD = {
    "occurred_at": "when",
    "answered_at": "when",
    "contact_id": "contact",
    "follow_up_on": "follow_up",
}
"""The form's name of an entry's column, where they differ."""


def _typed_since(
    session: Session,
    source: Source,
    stored: Interaction | SurveyResponse,
    seen: Interaction | SurveyResponse,
    new_values: dict[str, Any],
) -> dict[str, Any]:
    """The values of ``new_values`` the user changed from the form as it was filled
    (``seen``): those left as shown keep what is stored now. InvalidInput names each
    one another user changed too, since the form was opened."""
    typed = {name: new for name, new in new_values.items() if new != _value(seen, name)}
    clashes = [
        name for name, new in typed.items() if _value(stored, name) not in (_value(seen, name), new)
    ]
    if not clashes:
        return typed
    revision, of_entry = _revision_model(source)
    edits = session.exec(
        select(revision.edited_by, revision.changes)
        .where(col(of_entry) == stored.id)
        .order_by(col(revision.id).desc())
    ).all()

    def words(name: str) -> str:
        who = next((by for by, changes in edits if name in json.loads(changes)), "someone")
        return (
            f"{who} changed it since this form was opened{_now_words(_value(stored, name))}; "
            f"nothing was saved: open the {kind_words(stored.kind)} again to edit it"
        )

    raise InvalidInput([FieldError(FORM_FIELD.get(name, name), words(name)) for name in clashes])


def _value(entry: Interaction | SurveyResponse, name: str) -> Any:
    """An entry's column as an edit compares it (a stored moment made aware)."""
    value = getattr(entry, name)
    return dates.aware(value) if isinstance(value, datetime) else value


def _now_words(value: Any) -> str:
    """What a changed text or number is now, in words ("" for a moment, a contact)."""
    return f" (to {shortened(str(value))!r})" if isinstance(value, str | int) else ""


def _save_edit(
    session: Session,
    engine: Engine,
    source: Source,
    entry: Interaction | SurveyResponse,
    new_values: dict[str, Any],
    edited_by: str,
    now: datetime,
) -> dict[str, list[Any]]:
    """Set the new values that differ, with a revision of them, and rescore the account."""
    changes: dict[str, list[Any]] = {}
    for name, new in new_values.items():
        old = _value(entry, name)
        if old != new:
            changes[name] = [_jsonable(old), _jsonable(new)]
            setattr(entry, name, new)
    if not changes:
        return {}
    assert entry.id is not None
    recorded = json.dumps(changes, sort_keys=True)
    if isinstance(entry, Interaction):
        entry.updated_at = utcnow()
        if "follow_up_on" in changes:
            _follow_up_task(session, entry)
        session.add(
            InteractionRevision(interaction_id=entry.id, edited_by=edited_by, changes=recorded)
        )
    else:
        session.add(SurveyRevision(survey_id=entry.id, edited_by=edited_by, changes=recorded))
    session.commit()
    rescore(engine, entry.account_id, now.date())
    return changes


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def revisions(
    engine: Engine, entry_id: int, source: Source = "interaction"
) -> list[InteractionRevision] | list[SurveyRevision]:
    """Every edit of an entry, oldest first."""
    model, of_entry = _revision_model(source)
    with Session(engine) as session:
        return list(  # type: ignore[return-value]
            session.exec(
                select(model)
                .where(col(of_entry) == entry_id)
                .order_by(col(model.edited_at), col(model.id))
            ).all()
        )


def _revision_model(source: Source) -> tuple[type[InteractionRevision | SurveyRevision], Any]:
    """The revisions' model of ``source`` and its column naming the entry."""
    if source == "survey":
        return SurveyRevision, SurveyRevision.survey_id
    return InteractionRevision, InteractionRevision.interaction_id


def get_interaction(engine: Engine, interaction_id: int) -> Interaction | None:
    with Session(engine) as session:
        return session.get(Interaction, interaction_id)


def get_entry(
    engine: Engine, entry_id: int, source: Source = "interaction"
) -> Interaction | SurveyResponse | None:
    """An interaction or a survey answer, deleted or not (None if there is none)."""
    with Session(engine) as session:
        return session.get(ENTRY_MODELS[source], entry_id)


def _entry(session: Session, source: Source, entry_id: int) -> Any:
    """The entry to change, its row locked until the change is committed: on
    PostgreSQL a second user's edit at the same time waits, then reads the first
    one's values (both read the entry before the first edit, and the second's
    revision named those values as replaced). On SQLite the whole book is held
    (``begin_writing``)."""
    begin_writing(session.connection())
    entry = session.get(ENTRY_MODELS[source], entry_id, with_for_update=True)
    if entry is None:
        what = "survey answer" if source == "survey" else "interaction"
        raise InvalidInput([FieldError("entry", f"no {what} with id {entry_id}")])
    return entry


def set_deleted(
    engine: Engine,
    entry_id: int,
    deleted: bool,
    now: datetime | None = None,
    source: Source = "interaction",
    by: str = "(not recorded)",
) -> None:
    """Soft-delete (or bring back) an interaction or a survey answer. Nothing is ever
    removed; the metrics and health scores skip deleted survey answers. A rule's task
    a deleted contact had followed up is reopened (by ``by``), unless another contact
    follows it up; one brought back follows up again (``core.playbook.followed_up``)."""
    from core.playbook.followed_up import reopen_unfollowed

    now = now or local_now()
    with Session(engine) as session:
        entry = _entry(session, source, entry_id)
        entry.deleted_at = utcnow() if deleted else None
        session.flush()
        account_id = entry.account_id
        if source == "interaction":
            if deleted:
                reopen_unfollowed(session.connection(), entry_id, by)
            _close_followed_up(session, account_id, now.date())
        session.commit()
    rescore(engine, account_id, now.date())


def rescore(engine: Engine, account_id: int, as_of: date | None = None) -> None:
    """Recompute the account's health score of the day (``as_of``, default today): the
    entry may change its engagement, sentiment or support components. On a day the
    book has no score yet, every account is scored: a day with one account's
    snapshot would read as scored (the app and the MCP server score a day only when
    it has none), and the others would keep an older score."""
    from core.health.store import recompute_account, score_day_if_missing

    day = as_of or date.today()
    if not score_day_if_missing(engine, day):
        recompute_account(engine, account_id, as_of=day)
