"""Logging interactions and survey answers: parsing, validation, history."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core import models as m
from core.interactions import (
    EntryForm,
    InvalidInput,
    edit_entry,
    log_entry,
    parse_when,
    revisions,
    set_deleted,
    validate,
)
from core.store.locks import begin_writing
from tests.core.conftest import second_user
from tests.rows import count, new_account

PARIS = timezone(timedelta(hours=1))
NOW = datetime(2026, 11, 23, 10, 30, tzinfo=PARIS)


@pytest.fixture
def account_id(engine: Engine) -> int:
    with Session(engine) as session:
        account_id = new_account(session, "ACC-1", name="Acme", owner="Dana Reyes")
        session.add(m.Contact(account_id=account_id, name="Ada Lovelace"))
        session.commit()
        return account_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("", NOW),
        ("today 14:00", datetime(2026, 11, 23, 14, 0, tzinfo=PARIS)),
        ("yesterday", datetime(2026, 11, 22, 12, 0, tzinfo=PARIS)),
        ("Yesterday 9:05", datetime(2026, 11, 22, 9, 5, tzinfo=PARIS)),
        ("-2d", NOW - timedelta(days=2)),
        ("-3h", NOW - timedelta(hours=3)),
        ("2026-03-01", datetime(2026, 3, 1, 12, 0, tzinfo=PARIS)),
        ("2026-03-01 08:15", datetime(2026, 3, 1, 8, 15, tzinfo=PARIS)),
        ("2026-03-01T08:15Z", datetime(2026, 3, 1, 8, 15, tzinfo=UTC)),
    ],
)
def test_parse_when(text: str, expected: datetime) -> None:
    assert parse_when(text, NOW) == expected


@pytest.mark.parametrize("text", ["next month", "2026-13-01", "today 25:00", "-2y"])
def test_parse_when_refuses_in_words(text: str) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        parse_when(text, NOW)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0001-01-01", "the date 0001-01-01 is out of range: use a date from 1900-01-01"),
        ("0001-01-01T10:00", "the date 0001-01-01 is out of range"),
        ("1899-12-31 10:00", "the date 1899-12-31 is out of range"),
        ("9999-12-31T23:59", "the date 9999-12-31 is out of range"),
        ("-9999999h", "the date 0886-02-05 is out of range"),
        ("-1000000d", '"-1000000d" is too far from now'),
    ],
)
def test_parse_when_refuses_a_moment_out_of_range(text: str, words: str) -> None:
    """A moment before 1900 or after 9000 (cxtui's range of days) is refused in words:
    '0001-01-01' crashed 'cxtui log' and the MCP tool (year 0 once in UTC), '1800-05-05'
    was logged."""
    with pytest.raises(ValueError, match=words):
        parse_when(text, NOW)


def test_log_a_call_with_a_follow_up_creates_the_owners_task(
    engine: Engine, account_id: int
) -> None:
    form = EntryForm(
        kind="call",
        summary="Renewal check-in",
        when="today 9:00",
        notes="Budget approved\nWants SSO",
        sentiment="positive",
        follow_up="2026-11-30",
        contact="Ada Lovelace",
    )
    logged = log_entry(engine, account_id, form, logged_by="Sam", now=NOW)
    with Session(engine) as session:
        interaction = session.get(m.Interaction, logged.entry_id)
        assert interaction is not None
        assert interaction.occurred_at == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
        assert (interaction.sentiment, interaction.logged_by) == (1, "Sam")
        assert interaction.notes == "Budget approved\nWants SSO"
        assert interaction.contact_id is not None
        task = session.get(m.Task, logged.task_id)
        assert task is not None
        assert (task.owner, task.due_on, task.source) == (
            "Dana Reyes",
            date(2026, 11, 30),
            "follow_up",
        )
        assert task.interaction_id == interaction.id


def test_a_follow_up_on_an_account_without_owner_goes_to_the_unassigned_queue(
    engine: Engine,
) -> None:
    """As the playbook's tasks of such an account do (core.playbook.rules.UNASSIGNED):
    on IBM's telco sample imported as accounts (no owner column), a call's follow-up
    task had the owner '' and showed no owner beside the rules' 'unassigned' ones."""
    from core.playbook.rules import UNASSIGNED

    with Session(engine) as session:
        account_id = new_account(session, "TEL-1", owner="")
        session.commit()
    form = EntryForm(kind="call", summary="Contract", follow_up="2026-11-30")
    logged = log_entry(engine, account_id, form, logged_by="Sam", now=NOW)
    with Session(engine) as session:
        task = session.get(m.Task, logged.task_id)
        assert task is not None and task.owner == UNASSIGNED


@pytest.mark.parametrize(
    ("kind", "score"), [("nps", "10"), ("nps", "0"), ("csat", "5"), ("csat", "1")]
)
def test_log_survey_answers_at_the_edges(
    engine: Engine, account_id: int, kind: str, score: str
) -> None:
    logged = log_entry(
        engine, account_id, EntryForm(kind=kind, score=score, comment="ok"), "Sam", NOW
    )
    with Session(engine) as session:
        response = session.get(m.SurveyResponse, logged.entry_id)
        assert response is not None
        assert (response.kind, response.score, response.comment) == (kind, int(score), "ok")


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        (EntryForm(kind="call", summary="  "), "summary", "required"),
        (EntryForm(kind="nps", score="11"), "score", "NPS must be 0-10, not 11"),
        (EntryForm(kind="csat", score="0"), "score", "CSAT must be 1-5, not 0"),
        (EntryForm(kind="nps", score="nine"), "score", "not a whole number"),
        (EntryForm(kind="meeting", summary="x", when="tomorrow-ish"), "when", "cannot read"),
        (EntryForm(kind="qbr", summary="x", when="today 23:00"), "when", "in the future"),
        (EntryForm(kind="note", summary="x", sentiment="great"), "sentiment", "negative, neutral"),
        (EntryForm(kind="call", summary="x", follow_up="2026-11-01"), "follow_up", "in the past"),
        (EntryForm(kind="call", summary="x", contact="Nobody"), "contact", "not a contact"),
        (EntryForm(kind="lunch", summary="x"), "kind", "must be one of"),
    ],
)
def test_invalid_input_is_named_and_writes_nothing(
    engine: Engine, account_id: int, form: EntryForm, field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        log_entry(engine, account_id, form, "Sam", NOW)
    assert [error.field for error in raised.value.errors] == [field]
    assert words in str(raised.value)
    assert count(engine, m.Interaction) == 0


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        (EntryForm(kind="nps", score="9", notes="Loves the reports"), "notes", "in the comment"),
        (EntryForm(kind="csat", score="4", summary="Quick fix"), "summary", "in the comment"),
        (EntryForm(kind="nps", score="3", sentiment="negative"), "sentiment", "its score"),
        (EntryForm(kind="nps", score="3", follow_up="+7d"), "follow_up", "a call, email"),
        (EntryForm(kind="call", summary="Check-in", score="9"), "score", "only an NPS or CSAT"),
        (EntryForm(kind="note", summary="Gossip", comment="more"), "comment", "in the notes"),
    ],
)
def test_a_field_the_kind_does_not_keep_is_refused_not_dropped(
    engine: Engine, account_id: int, form: EntryForm, field: str, words: str
) -> None:
    """``cxtui log X --kind nps --score 9 --notes ...`` logged the answer and dropped
    the notes without a word; each such field is now named, and nothing is written."""
    with pytest.raises(InvalidInput) as raised:
        log_entry(engine, account_id, form, "Sam", NOW)
    assert [error.field for error in raised.value.errors] == [field]
    assert words in str(raised.value)
    assert count(engine, m.Interaction) == count(engine, m.SurveyResponse) == 0
    assert count(engine, m.SurveyResponse) == 0
    assert count(engine, m.Task) == 0


def test_a_little_ahead_of_the_clock_is_tolerated(engine: Engine, account_id: int) -> None:
    log_entry(
        engine, account_id, EntryForm(kind="call", summary="x", when="today 10:40"), "Sam", NOW
    )
    assert count(engine, m.Interaction) == 1


def test_every_error_is_reported_at_once(engine: Engine, account_id: int) -> None:
    form = EntryForm(kind="call", summary="", when="soon", sentiment="meh")
    with pytest.raises(InvalidInput) as raised:
        log_entry(engine, account_id, form, "Sam", NOW)
    assert {error.field for error in raised.value.errors} == {"summary", "when", "sentiment"}


def test_edit_keeps_the_previous_version(engine: Engine, account_id: int) -> None:
    logged = log_entry(
        engine, account_id, EntryForm(kind="call", summary="Intro", when="-1d"), "Sam", NOW
    )
    meeting = EntryForm(kind="meeting", summary="Intro meeting", when="-1d", sentiment="1")
    changes = edit_entry(engine, logged.entry_id, meeting, edited_by="Dana Reyes", now=NOW)
    assert changes == {
        "kind": ["call", "meeting"],
        "summary": ["Intro", "Intro meeting"],
        "sentiment": [None, 1],
    }
    history = revisions(engine, logged.entry_id)
    assert len(history) == 1
    assert history[0].edited_by == "Dana Reyes"
    assert json.loads(history[0].changes)["summary"] == ["Intro", "Intro meeting"]
    unchanged = edit_entry(engine, logged.entry_id, meeting, edited_by="Dana Reyes", now=NOW)
    assert unchanged == {}
    assert len(revisions(engine, logged.entry_id)) == 1


def test_a_follow_up_set_or_moved_by_an_edit_is_the_task_of_that_day(
    engine: Engine, account_id: int
) -> None:
    """A follow-up date added by editing a QBR was saved ('follow-up changed') and
    shown in its history, but no task was made; a follow-up moved left its task on
    the old day (found in tmux on the telco book). The interaction's open follow-up
    task follows its date; once that task is done, a new date makes a new task."""

    def follow_ups() -> list[tuple[date, bool]]:
        with Session(engine) as session:
            tasks = session.exec(
                select(m.Task).where(m.Task.interaction_id == logged.entry_id).order_by(m.Task.id)
            ).all()
            assert all(task.source == "follow_up" for task in tasks)
            assert all(task.owner == "Dana Reyes" for task in tasks)
            return [(task.due_on, task.completed_at is not None) for task in tasks]

    qbr = EntryForm(kind="qbr", summary="Q4 review", when="-1d")
    logged = log_entry(engine, account_id, qbr, "Sam", NOW)
    assert follow_ups() == []
    edit_entry(engine, logged.entry_id, replace(qbr, follow_up="2026-11-30"), "Sam", NOW)
    assert follow_ups() == [(date(2026, 11, 30), False)]
    edit_entry(engine, logged.entry_id, replace(qbr, follow_up="2026-12-02"), "Sam", NOW)
    assert follow_ups() == [(date(2026, 12, 2), False)]
    with Session(engine) as session:
        task = session.exec(select(m.Task)).one()
        assert task.title == "Follow up with Acme: Q4 review"
        task.completed_at = datetime(2026, 11, 24, tzinfo=UTC)
        session.commit()
    edit_entry(engine, logged.entry_id, replace(qbr, follow_up="2026-12-09"), "Sam", NOW)
    assert follow_ups() == [(date(2026, 12, 2), True), (date(2026, 12, 9), False)]


def test_an_invalid_edit_changes_nothing(engine: Engine, account_id: int) -> None:
    logged = log_entry(engine, account_id, EntryForm(kind="call", summary="Intro"), "Sam", NOW)
    with pytest.raises(InvalidInput):
        edit_entry(engine, logged.entry_id, EntryForm(kind="call", summary=""), "Sam", NOW)
    with pytest.raises(InvalidInput, match="an interaction cannot become a survey answer"):
        edit_entry(engine, logged.entry_id, EntryForm(kind="nps", score="9"), "Sam", NOW)
    with Session(engine) as session:
        interaction = session.get(m.Interaction, logged.entry_id)
        assert interaction is not None and interaction.summary == "Intro"
    assert revisions(engine, logged.entry_id) == []


def test_soft_delete_and_undo(engine: Engine, account_id: int) -> None:
    logged = log_entry(engine, account_id, EntryForm(kind="note", summary="Gossip"), "Sam", NOW)
    set_deleted(engine, logged.entry_id, True)
    with Session(engine) as session:
        interaction = session.get(m.Interaction, logged.entry_id)
        assert interaction is not None and interaction.deleted_at is not None
    set_deleted(engine, logged.entry_id, False)
    with Session(engine) as session:
        interaction = session.get(m.Interaction, logged.entry_id)
        assert interaction is not None and interaction.deleted_at is None
    assert count(engine, m.Interaction) == 1


def test_logging_rescores_the_accounts_health(engine: Engine, account_id: int) -> None:
    log_entry(engine, account_id, EntryForm(kind="nps", score="0"), "Sam", NOW)
    with Session(engine) as session:
        snapshot = session.exec(
            select(m.HealthSnapshot).where(m.HealthSnapshot.account_id == account_id)
        ).one()
    assert "sentiment" in json.loads(snapshot.components)
    first = snapshot.score
    log_entry(engine, account_id, EntryForm(kind="nps", score="10"), "Sam", NOW)
    with Session(engine) as session:
        again = session.exec(
            select(m.HealthSnapshot).where(m.HealthSnapshot.account_id == account_id)
        ).one()
    assert again.score > first


def test_a_survey_answer_is_edited_with_history(engine: Engine, account_id: int) -> None:
    logged = log_entry(engine, account_id, EntryForm(kind="nps", score="6", when="-1d"), "Sam", NOW)
    with Session(engine) as session:
        answer = session.get(m.SurveyResponse, logged.entry_id)
        assert answer is not None and answer.logged_by == "Sam"
    changes = edit_entry(
        engine,
        logged.entry_id,
        EntryForm(
            kind="nps", score="9", when="-1d", comment="after the fix", contact="Ada Lovelace"
        ),
        edited_by="Dana Reyes",
        now=NOW,
        source="survey",
    )
    assert set(changes) == {"score", "comment", "contact_id"}
    assert changes["score"] == [6, 9] and changes["comment"] == [None, "after the fix"]
    [revision] = revisions(engine, logged.entry_id, "survey")
    assert revision.edited_by == "Dana Reyes"
    assert json.loads(revision.changes)["score"] == [6, 9]
    same = EntryForm(
        kind="nps", score="9", when="-1d", comment="after the fix", contact="Ada Lovelace"
    )
    assert edit_entry(engine, logged.entry_id, same, "Dana Reyes", NOW, "survey") == {}
    assert len(revisions(engine, logged.entry_id, "survey")) == 1
    # The interaction revisions of the same id are another entry's.
    assert revisions(engine, logged.entry_id) == []


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        (EntryForm(kind="nps", score="11"), "score", "NPS must be 0-10, not 11"),
        (EntryForm(kind="csat", score="6"), "score", "CSAT must be 1-5, not 6"),
        (EntryForm(kind="nps", score=""), "score", "needs a score"),
        (EntryForm(kind="nps", score="5", when="today 23:00"), "when", "in the future"),
        (EntryForm(kind="call", summary="x"), "kind", "cannot become an interaction"),
    ],
)
def test_an_invalid_survey_edit_changes_nothing(
    engine: Engine, account_id: int, form: EntryForm, field: str, words: str
) -> None:
    logged = log_entry(engine, account_id, EntryForm(kind="nps", score="6"), "Sam", NOW)
    with pytest.raises(InvalidInput) as raised:
        edit_entry(engine, logged.entry_id, form, "Dana", NOW, "survey")
    assert [error.field for error in raised.value.errors] == [field]
    assert words in str(raised.value)
    with Session(engine) as session:
        answer = session.get(m.SurveyResponse, logged.entry_id)
        assert answer is not None and (answer.kind, answer.score) == ("nps", 6)
    assert revisions(engine, logged.entry_id, "survey") == []


def test_a_deleted_survey_answer_leaves_the_metrics_and_health(
    engine: Engine, account_id: int
) -> None:
    from core.health.store import current_health
    from core.metrics import Period, compute_metrics

    log_entry(engine, account_id, EntryForm(kind="nps", score="10", when="-2d"), "Sam", NOW)
    low = log_entry(engine, account_id, EntryForm(kind="nps", score="0", when="-1d"), "Sam", NOW)
    period = Period(date(2026, 11, 1), date(2026, 11, 30))
    today = NOW.date()

    def nps_and_health() -> tuple[float | None, float]:
        health = current_health(engine, as_of=today, account_ids=[account_id]).row(0, named=True)
        return compute_metrics(engine, period, as_of=today).nps, health["score"]

    nps_before, health_before = nps_and_health()
    assert nps_before == 0.0  # one promoter, one detractor
    set_deleted(engine, low.entry_id, True, NOW, source="survey")
    with Session(engine) as session:
        answer = session.get(m.SurveyResponse, low.entry_id)
        assert answer is not None and answer.deleted_at is not None
    nps_deleted, health_deleted = nps_and_health()
    assert nps_deleted == 100.0  # only the promoter counts
    assert health_deleted > health_before  # the latest NPS is the 10 again
    set_deleted(engine, low.entry_id, False, NOW, source="survey")
    assert nps_and_health() == (nps_before, health_before)
    assert count(engine, m.SurveyResponse) == 2


def test_the_first_entry_of_a_day_scores_the_whole_book_that_day(
    engine: Engine, account_id: int
) -> None:
    """An entry logged on a day the book has no scores yet (``cxtui log`` before the
    app is opened) wrote that day's snapshot for its account alone: the app and the
    MCP server, which score the day when it has no snapshot, then saw it as scored
    and every other account kept its older score. The day is scored whole instead."""
    from core.health.store import current_health, recompute_all

    with Session(engine) as session:
        other = new_account(session, "ACC-2", name="Globex")
        session.add(m.SurveyResponse(account_id=other, kind="nps", score=9, answered_at=NOW))
        session.commit()
    yesterday = NOW.date() - timedelta(days=1)
    recompute_all(engine, as_of=yesterday)
    log_entry(engine, account_id, EntryForm(kind="call", summary="Check-in"), "Sam", NOW)
    days = current_health(engine, as_of=NOW.date()).select("account_id", "day").rows()
    assert sorted(days) == sorted([(account_id, NOW.date()), (other, NOW.date())])
    # once the day is scored, an entry rescores its account alone (as before)
    log_entry(engine, other, EntryForm(kind="note", summary="Renewal talk"), "Sam", NOW)
    assert count(engine, m.HealthSnapshot) == 2 + 2


@pytest.mark.parametrize(
    ("when", "utc"),
    [
        ("2026-07-01 10:00", datetime(2026, 7, 1, 14, 0)),
        ("2026-01-15 10:00", datetime(2026, 1, 15, 15, 0)),
    ],
)
def test_a_moment_typed_takes_the_offset_of_its_own_day(
    engine: Engine, account_id: int, time_zone: Callable[[str], None], when: str, utc: datetime
) -> None:
    """ "2026-07-01 10:00" typed in New York in December was stored as 15:00 UTC, with
    December's offset (-5) instead of July's (-4): it read 11:00 once shown in local
    time. Whatever the season of the day it is logged on, each moment is stored with
    the offset of its own day."""
    time_zone("America/New_York")  # UTC-5 in winter, UTC-4 in summer
    logged = log_entry(engine, account_id, EntryForm(kind="call", summary="x", when=when), "Sam")
    with Session(engine) as session:
        interaction = session.get(m.Interaction, logged.entry_id)
        assert interaction is not None
        assert interaction.occurred_at.replace(tzinfo=None) == utc


def test_an_edit_keeps_a_stored_moment_ahead_of_the_clock(engine: Engine, account_id: int) -> None:
    """An entry stored ahead of the clock (the demo book writes the whole of today; an
    import from another time zone) could not be edited at all: its moment, shown and
    sent back untouched, was refused as "in the future". Kept as it is, it is taken,
    as a passed follow-up date is; moved, it is checked as when it was logged."""
    later = NOW + timedelta(hours=3)
    with Session(engine) as session:
        entry = m.Interaction(
            account_id=account_id,
            kind="call",
            occurred_at=later.astimezone(UTC),
            logged_by="Import",
            summary="Team loves the dashboards",
        )
        session.add(entry)
        session.commit()
        entry_id = entry.id
    assert entry_id is not None
    kept = later.isoformat(sep=" ")  # as the form sends an untouched moment
    fixed = EntryForm(kind="call", summary="Team loves the new dashboards", when=kept)
    assert edit_entry(engine, entry_id, fixed, "Sam", NOW) == {
        "summary": ["Team loves the dashboards", "Team loves the new dashboards"]
    }
    moved = EntryForm(kind="call", summary="x", when=(later + timedelta(hours=1)).isoformat())
    with pytest.raises(InvalidInput, match="in the future"):
        edit_entry(engine, entry_id, moved, "Sam", NOW)


@pytest.mark.parametrize("typed", ["ada lovelace", "  ADA LOVELACE "])
def test_a_contact_is_found_whatever_its_case(engine: Engine, account_id: int, typed: str) -> None:
    """``--contact "ada lovelace"`` was refused as not a contact of the account, whose
    contact is "Ada Lovelace" (the form's completion ignores case; the check did not)."""
    form = EntryForm(kind="call", summary="Intro", contact=typed)
    logged = log_entry(engine, account_id, form, "Sam", NOW)
    with Session(engine) as session:
        interaction = session.get(m.Interaction, logged.entry_id)
        assert interaction is not None and interaction.contact_id is not None
        contact = session.get(m.Contact, interaction.contact_id)
        assert contact is not None and contact.name == "Ada Lovelace"


def test_contacts_that_differ_only_by_case_are_named_not_guessed(
    engine: Engine, account_id: int
) -> None:
    """With "Ada Lovelace" and "ADA LOVELACE" on one account, "ada lovelace" matches
    both: it was refused as '"ada lovelace" is not a contact', which sent the user
    looking for a typo. Both are named, and nothing is written."""
    with Session(engine) as session:
        session.add(m.Contact(account_id=account_id, name="ADA LOVELACE"))
        session.commit()
    form = EntryForm(kind="call", summary="Intro", contact="ada lovelace")
    with pytest.raises(InvalidInput) as raised:
        log_entry(engine, account_id, form, "Sam", NOW)
    assert [str(error) for error in raised.value.errors] == [
        'contact: "ada lovelace" could be "ADA LOVELACE" or "Ada Lovelace": type it as written'
    ]
    assert count(engine, m.Interaction) == 0
    typed = EntryForm(kind="call", summary="Intro", contact="ADA LOVELACE")
    assert log_entry(engine, account_id, typed, "Sam", NOW).entry_id is not None


@pytest.mark.parametrize(
    ("form", "words"),
    [
        (EntryForm(kind="csat", score="4", summary="Quick fix"), "a CSAT answer has no summary"),
        (EntryForm(kind="nps", score="9", notes="Loves it"), "an NPS answer has no notes"),
    ],
)
def test_a_survey_answer_is_called_as_in_a_sentence(form: EntryForm, words: str) -> None:
    """The refusal of a field a survey has no place for said "an CSAT answer"."""
    with pytest.raises(InvalidInput) as raised:
        validate(form, NOW)
    assert words in str(raised.value)


def test_two_users_editing_one_entry_at_once_keep_both_edits_in_the_history(
    engine: Engine, account_id: int
) -> None:
    """Sam saves an edit of a call while Dana's edit of it is being written: Sam's
    waits, then its revision says it replaced Dana's summary. Both read the call
    before Dana's edit, and Sam's revision named "Intro" as replaced, so the history
    lost the step through Dana's words."""
    logged = log_entry(
        engine, account_id, EntryForm(kind="call", summary="Intro", when="-1d"), "Sam", NOW
    )
    with Session(engine) as dana:  # Dana's edit, under way
        begin_writing(dana.connection())
        call = dana.get(m.Interaction, logged.entry_id, with_for_update=True)
        assert call is not None
        call.summary = "Intro call"
        dana.add(
            m.InteractionRevision(
                interaction_id=logged.entry_id,
                edited_by="Dana",
                changes=json.dumps({"summary": ["Intro", "Intro call"]}),
            )
        )
        dana.flush()
        form = EntryForm(kind="call", summary="Kickoff", when="-1d")
        sam, outcome = second_user(lambda: edit_entry(engine, logged.entry_id, form, "Sam", NOW))
        dana.commit()
    sam.join(timeout=10)
    assert outcome == [{"summary": ["Intro call", "Kickoff"]}]
    history = [json.loads(revision.changes) for revision in revisions(engine, logged.entry_id)]
    assert history == [{"summary": ["Intro", "Intro call"]}, {"summary": ["Intro call", "Kickoff"]}]


def test_an_edit_keeps_what_another_user_saved_since_the_form_opened(
    engine: Engine, account_id: int
) -> None:
    """Sam opened a call's form, then Dana saved her summary and notes: Sam's save of
    a sentiment keeps them (it wrote back the summary and notes his form showed, so
    Dana's words were gone without anyone being told). Sam retyping the summary Dana
    changed is refused in words naming her, and writes nothing."""
    from core.interactions import get_entry

    logged = log_entry(
        engine, account_id, EntryForm(kind="call", summary="Intro", when="-1d"), "Sam", NOW
    )
    opened = get_entry(engine, logged.entry_id)  # Sam's form, as it was filled
    dana = EntryForm(kind="call", summary="Intro call", when="-1d", notes="Notes by Dana")
    edit_entry(engine, logged.entry_id, dana, "Dana", NOW)
    sams = EntryForm(kind="call", summary="Intro", when="-1d", sentiment="positive")
    changes = edit_entry(engine, logged.entry_id, sams, "Sam", NOW, seen=opened)
    assert changes == {"sentiment": [None, 1]}
    stored = get_entry(engine, logged.entry_id)
    assert stored is not None
    assert (stored.summary, stored.notes, stored.sentiment) == ("Intro call", "Notes by Dana", 1)
    retyped = replace(sams, summary="Kickoff")
    with pytest.raises(InvalidInput) as refused:
        edit_entry(engine, logged.entry_id, retyped, "Sam", NOW, seen=opened)
    assert [str(error) for error in refused.value.errors] == [
        "summary: Dana changed it since this form was opened (to 'Intro call'); "
        "nothing was saved: open the call again to edit it"
    ]
    assert len(revisions(engine, logged.entry_id)) == 2
