"""Logging, editing, deleting and undoing timeline entries from the account 360, by
keys alone. What was written is checked through core functions, not the UI."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import Engine
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, TextArea

from core.accounts.queries import account_detail
from core.health.config import load_model
from core.health.scoring import compute_scores
from core.interactions import EntryForm, get_entry, get_interaction, log_entry, revisions
from core.playbook.tasks import task_queue
from tests.tui.book import TODAY
from tests.tui.conftest import SIZE, SMALL, press, running, settle, text_of, type_text
from tui.app import CxtuiApp
from tui.screens.account import AccountScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.log_form import LogInteractionScreen
from tui.screens.revisions import RevisionsScreen

# A kind's letter (or Enter on the kind) moves on: an interaction to its summary, a
# survey answer to which survey, whose letter moves on to the score. Tab stops from
# the kind: interactions go kind, when, contact, summary, notes, sentiment, follow-up;
# survey answers kind, survey, when, contact, score, comment.
TO_SUMMARY: tuple[str, ...] = ()
ACCOUNT = "Globex"  # owned by Dana Scully, not the current user (Test User)


@pytest.fixture
def account_id(book: dict[str, int]) -> int:
    """ACCOUNT's id in the app's test book (``book``, of conftest.py)."""
    return book[ACCOUNT]


def _timeline(engine: Engine, account_id: int, include_deleted: bool = False):
    return account_detail(engine, account_id, TODAY, include_deleted=include_deleted).timeline


def _entries(engine: Engine, account_id: int) -> list[tuple[str, str]]:
    """(kind, summary) of the account's interactions and survey answers."""
    timeline = _timeline(engine, account_id)
    logged = timeline.filter(timeline["source"].is_in(["interaction", "survey"]))
    return list(zip(logged["kind"], logged["summary"], strict=True))


async def _open(app: CxtuiApp, pilot: Pilot, account_id: int) -> AccountScreen:
    app.open_account(account_id)
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, AccountScreen)
    return screen


@asynccontextmanager
async def on_account(
    db_url: str, account_id: int
) -> AsyncIterator[tuple[CxtuiApp, Pilot, AccountScreen]]:
    """The app running, on the account 360 of ``account_id``."""
    async with running(db_url) as (app, pilot):
        yield app, pilot, await _open(app, pilot, account_id)


async def _open_form(app: CxtuiApp, pilot: Pilot) -> LogInteractionScreen:
    await press(app, pilot, "l")
    form = app.screen
    assert isinstance(form, LogInteractionScreen)
    return form


async def _cursor_to(pilot: Pilot, screen: AccountScreen, summary_start: str) -> dict:
    index = next(i for i, row in enumerate(screen.rows) if row["summary"].startswith(summary_start))
    screen.query_one("#timeline").move_cursor(row=index)
    await pilot.pause()
    return screen.rows[index]


def _notes(app: CxtuiApp) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


INTERACTIONS = [("c", "call"), ("e", "email"), ("m", "meeting"), ("q", "qbr"), ("n", "note")]


@pytest.mark.parametrize(("letter", "kind"), INTERACTIONS, ids=[kind for _, kind in INTERACTIONS])
async def test_log_each_kind_by_keys_alone(
    db_url: str, engine: Engine, account_id: int, letter: str, kind: str
) -> None:
    before = set(_entries(engine, account_id))
    async with on_account(db_url, account_id) as (app, pilot, screen):
        await _open_form(app, pilot)
        await pilot.press(letter, *TO_SUMMARY)
        await type_text(pilot, f"A {kind}")
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
        assert (kind, f"A {kind} — Test User") in set(_entries(engine, account_id))
        # the new entry is shown at once, under the cursor
        assert screen.current_row()["summary"] == f"A {kind} — Test User"
    assert len(set(_entries(engine, account_id)) - before) == 1


@pytest.mark.parametrize(("survey", "letter", "score"), [("nps", "n", "9"), ("csat", "c", "4")])
async def test_log_each_survey_answer_by_keys_alone(
    db_url: str, engine: Engine, account_id: int, survey: str, letter: str, score: str
) -> None:
    before = set(_entries(engine, account_id))
    async with on_account(db_url, account_id) as (app, pilot, screen):
        await _open_form(app, pilot)
        await pilot.press("s", letter)  # survey, then NPS or CSAT: on to the score
        await type_text(pilot, score)
        await pilot.press("tab")
        await type_text(pilot, f"{survey} comment")
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
        assert (survey, f"{survey.upper()} {score}: {survey} comment") in set(
            _entries(engine, account_id)
        )
    assert len(set(_entries(engine, account_id)) - before) == 1


async def test_logging_updates_the_accounts_list_last_interaction(
    db_url: str, engine: Engine, book
) -> None:
    account_id = book["Vandelay Industries"]  # never touched in the book
    async with running(db_url) as (app, pilot):
        row = app.book.filter(app.book["id"] == account_id).row(0, named=True)
        assert row["last_interaction_at"] is None
        await _open(app, pilot, account_id)
        await _open_form(app, pilot)
        await pilot.press("c", *TO_SUMMARY)
        await type_text(pilot, "First call")
        await press(app, pilot, "ctrl+s")
        row = app.book.filter(app.book["id"] == account_id).row(0, named=True)
        assert row["days_since_interaction"] == 0


INVALID = [
    # what to type after opening the form, the field with the error, words expected
    (("c", *TO_SUMMARY), "summary", "summary is required"),  # missing summary
    (("s", "n", "1", "1"), "score", "0-10"),  # NPS 11
    (("s", "c", "0"), "score", "1-5"),  # CSAT 0
    (("c", "shift+tab", "shift+tab", *"2026-07-01", "tab", "tab", *"Renewal"), "when", "future"),
    (("m", "shift+tab", "shift+tab", *"someday", "tab", "tab", *"Kickoff"), "when", "cannot read"),
]


async def test_invalid_input_writes_nothing_and_keeps_the_text(
    db_url: str, engine: Engine, account_id: int
) -> None:
    before = _entries(engine, account_id)
    async with on_account(db_url, account_id) as (app, pilot, screen):
        for keys, field, words in INVALID:
            form = await _open_form(app, pilot)
            await pilot.press(*keys)
            typed = form.entry_form()
            await press(app, pilot, "ctrl+s")
            assert app.screen is form, keys
            assert words in text_of(form.query_one(f"#{field}-error")), keys
            assert form.entry_form() == typed, keys
            assert form.focused is not None and form.focused.id == field, keys
            assert _entries(engine, account_id) == before, keys
            await press(app, pilot, "escape", "y")  # discard what was typed
            assert app.screen is screen
        # an error goes away once the field is fixed
        form = await _open_form(app, pilot)
        await press(app, pilot, "ctrl+s")
        assert form.query_one("#summary-error").display
        await type_text(pilot, "Now with a summary")  # the summary has the focus
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
    assert len(_entries(engine, account_id)) == len(before) + 1


async def test_follow_up_creates_a_task_for_the_owner(
    db_url: str, engine: Engine, account_id: int
) -> None:
    async with on_account(db_url, account_id) as (app, pilot, _screen):
        await _open_form(app, pilot)
        await pilot.press("c", *TO_SUMMARY)
        await type_text(pilot, "Pricing call")
        await pilot.press("tab", "tab", "plus", "tab")  # notes, sentiment: positive
        await type_text(pilot, "2026-06-22")
        await press(app, pilot, "ctrl+s")
        assert any("Follow-up task" in note for note in _notes(app))
    tasks = task_queue(engine, TODAY, source="follow_up")
    assert tasks.height == 1
    task = tasks.row(0, named=True)
    assert task["owner"] == "Dana Scully" and task["account_id"] == account_id
    assert task["due_on"].isoformat() == "2026-06-22" and "Pricing call" in task["title"]
    timeline = _timeline(engine, account_id)
    assert timeline.filter(timeline["summary"].str.starts_with("Pricing call"))[
        "sentiment"
    ].to_list() == ["positive"]


async def test_saving_updates_the_accounts_health_snapshot(
    db_url: str, engine: Engine, account_id: int
) -> None:
    before = account_detail(engine, account_id, TODAY).health
    async with on_account(db_url, account_id) as (app, pilot, screen):
        await _open_form(app, pilot)
        await press(app, pilot, "s", "n", "0", "ctrl+s")
        after = account_detail(engine, account_id, TODAY).health
        assert after is not None and before is not None and after["day"] == TODAY
        expected = compute_scores(engine, TODAY, load_model()[0], [account_id]).row(0, named=True)
        assert after["score"] == pytest.approx(expected["score"])
        assert after["components"] != before["components"]
        assert f"{after['score']:.0f}" in text_of(screen.query_one("#health"))


async def test_contact_completes_from_the_accounts_contacts(
    db_url: str, engine: Engine, account_id: int
) -> None:
    async with on_account(db_url, account_id) as (app, pilot, _screen):
        form = await _open_form(app, pilot)
        await pilot.press("n", "shift+tab")  # from the summary back to the contact
        await type_text(pilot, "glo")
        await pilot.press("right")  # accept the suggestion
        assert form.query_one("#contact", Input).value == "Globex Champion"
        await pilot.press("tab")
        await type_text(pilot, "Met the champion")
        await press(app, pilot, "ctrl+s")
    timeline = _timeline(engine, account_id)
    entry_id = timeline.filter(timeline["summary"].str.starts_with("Met the champion"))["id"][0]
    interaction = get_interaction(engine, entry_id)
    assert interaction is not None and interaction.contact_id is not None


async def test_enter_on_the_contact_takes_the_completion_shown(
    db_url: str, engine: Engine, account_id: int
) -> None:
    """Typed 'glo', 'Globex Champion' shown as its completion: enter did nothing, and
    ctrl+s refused '"glo" is not a contact' (seen in tmux on the demo book, 'emi' for
    Emil Larsen). Enter takes the name shown and goes on to the summary."""
    from sqlalchemy import text

    async with on_account(db_url, account_id) as (app, pilot, screen):
        form = await _open_form(app, pilot)
        await pilot.press("n", "shift+tab")  # from the summary back to the contact
        await type_text(pilot, "glo")
        await press(app, pilot, "enter")
        assert form.query_one("#contact", Input).value == "Globex Champion"
        assert form.focused is form.query_one("#summary")
        await type_text(pilot, "Met the champion")
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
    with engine.connect() as connection:
        named = connection.execute(
            text(
                "SELECT c.name FROM interaction i JOIN contact c ON c.id = i.contact_id "
                "WHERE i.summary = 'Met the champion'"
            )
        ).all()
    assert named == [("Globex Champion",)]


async def test_edit_keeps_history_and_shows_it(
    db_url: str, engine: Engine, account_id: int
) -> None:
    async with on_account(db_url, account_id) as (app, pilot, screen):
        row = await _cursor_to(pilot, screen, "Check-in call")
        original = get_interaction(engine, row["id"])
        assert original is not None
        await press(app, pilot, "e")
        form = app.screen
        assert isinstance(form, LogInteractionScreen)
        assert form.query_one("#summary", Input).value == original.summary
        assert not form.unsaved
        await pilot.press("m", *TO_SUMMARY, "end")
        await type_text(pilot, " (moved to a meeting)")
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
        history = revisions(engine, row["id"])
        assert len(history) == 1 and history[0].edited_by == "Test User"
        changes = json.loads(history[0].changes)
        assert changes == {
            "kind": ["call", "meeting"],
            "summary": [original.summary, original.summary + " (moved to a meeting)"],
        }  # the moment was left as shown, so it did not move
        assert screen.current_row()["id"] == row["id"]
        await press(app, pilot, "h")
        assert isinstance(app.screen, RevisionsScreen)
        assert app.screen.query_one(".dialog").outer_size.width == 110  # dialog.tcss
        shown = text_of(app.screen.query_one("#revisions"))
        assert "Test User" in shown and "meeting" in shown and "summary" in shown
        await pilot.press("escape")
        assert app.screen is screen


async def test_an_edit_says_what_changed_in_the_forms_words(
    db_url: str, engine: Engine, account_id: int
) -> None:
    """'Saved: follow_up_on changed.' named the column, not the form's field; so did
    occurred_at and contact_id."""
    async with on_account(db_url, account_id) as (app, pilot, screen):
        row = await _cursor_to(pilot, screen, "Check-in call")
        await press(app, pilot, "e")
        await pilot.press(*["tab"] * 6)  # kind to the follow-up
        await type_text(pilot, "2026-06-22")
        await pilot.press(*["shift+tab"] * 5, "end", "backspace")  # the minute of when
        await type_text(pilot, "1")
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
        assert "Saved: when, follow-up changed. Press u to undo." in _notes(app), _notes(app)
        assert json.loads(revisions(engine, row["id"])[0].changes).keys() == {
            "occurred_at",
            "follow_up_on",
        }


async def test_tickets_and_mrr_say_why_they_cannot_be_edited(
    db_url: str, engine: Engine, account_id: int
) -> None:
    async with on_account(db_url, account_id) as (app, pilot, screen):
        for start, why in (("Export fails", "support desk"), ("new +", "billing")):
            await _cursor_to(pilot, screen, start)
            await press(app, pilot, "e", "d")
            assert app.screen is screen
            assert any("Cannot edit" in note and why in note for note in _notes(app))
            assert any("Cannot delete" in note and why in note for note in _notes(app))
            app.clear_notifications()


async def test_delete_and_undo(db_url: str, engine: Engine, account_id: int) -> None:
    async with on_account(db_url, account_id) as (app, pilot, screen):
        row = await _cursor_to(pilot, screen, "Sent the onboarding guide")
        total = len(screen.rows)
        await press(app, pilot, "d")
        deleted = get_interaction(engine, row["id"])
        assert deleted is not None and deleted.deleted_at is not None
        assert len(screen.rows) == total - 1
        notification = next(n for n in app._notifications if "u to undo" in str(n.message))
        assert notification.timeout == AccountScreen.UNDO_SECONDS
        await press(app, pilot, "u")
        restored = get_interaction(engine, row["id"])
        assert restored is not None and restored.deleted_at is None
        assert len(screen.rows) == total
        # two deletes, long after their notifications: u restores both, latest first
        await _cursor_to(pilot, screen, "Sent the onboarding guide")
        await press(app, pilot, "d")
        await _cursor_to(pilot, screen, "Check-in call with")
        await press(app, pilot, "d")
        app.clear_notifications()
        deleted_ids = [entry_id for _source, entry_id, *_named in screen.undo]
        assert len(set(deleted_ids)) == 2
        for entry_id in deleted_ids:
            entry = get_interaction(engine, entry_id)
            assert entry is not None and entry.deleted_at is not None
        for restored_id in reversed(deleted_ids):
            await press(app, pilot, "u")
            entry = get_interaction(engine, restored_id)
            assert entry is not None and entry.deleted_at is None
        assert len(screen.rows) == total
        await press(app, pilot, "u")
        assert any("Nothing to undo" in note for note in _notes(app))


async def test_show_deleted_entries_and_restore_one(
    db_url: str, engine: Engine, account_id: int
) -> None:
    async with on_account(db_url, account_id) as (app, pilot, screen):
        row = await _cursor_to(pilot, screen, "Sent the onboarding guide")
        await press(app, pilot, "d")
        assert not any(r["id"] == row["id"] and r["source"] == "interaction" for r in screen.rows)
        await press(app, pilot, "D")
        shown = [r for r in screen.rows if r["source"] == "interaction" and r["id"] == row["id"]]
        assert len(shown) == 1 and shown[0]["deleted"]
        assert "(deleted)" in text_of(screen.query_one("#timeline"))
        await _cursor_to(pilot, screen, "Sent the onboarding guide")
        await press(app, pilot, "d")  # on a deleted entry: bring it back
        restored = get_interaction(engine, row["id"])
        assert restored is not None and restored.deleted_at is None
        await press(app, pilot, "D")
        assert "(deleted)" not in text_of(screen.query_one("#timeline"))
        await press(app, pilot, "question_mark")  # the help lists the timeline's keys
        keys = text_of(app.screen.query_one("#help-keys"))
        for words in ("Log", "Edit entry", "Delete entry", "Undo delete", "Show deleted"):
            assert words in keys
        assert "Entry history" in keys and "account.history" not in keys  # no keymap ids


async def test_cancel_asks_first_only_when_something_was_typed(
    db_url: str, engine: Engine, account_id: int
) -> None:
    before = _entries(engine, account_id)
    async with on_account(db_url, account_id) as (app, pilot, screen):
        await _open_form(app, pilot)
        await pilot.press("m")  # choosing a kind is not typing
        await press(app, pilot, "escape")
        assert app.screen is screen
        form = await _open_form(app, pilot)
        await pilot.press("c", *TO_SUMMARY)
        await type_text(pilot, "Half typed")
        await pilot.press("tab")
        await type_text(pilot, "notes")
        await press(app, pilot, "escape")  # leaves the notes; the form asks
        assert isinstance(app.screen, ConfirmScreen)
        await press(app, pilot, "n")
        assert app.screen is form
        assert form.query_one("#summary", Input).value == "Half typed"
        assert form.query_one("#notes", TextArea).text == "notes"
        await press(app, pilot, "escape")
        await press(app, pilot, "y")
        assert app.screen is screen
    assert _entries(engine, account_id) == before


async def test_templates_prefill_and_never_overwrite_typed_text(
    db_url: str, engine: Engine, account_id: int, tmp_path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[templates.escalation]\nkind = "email"\nsummary = "Escalation"\nnotes = "Why:"\n'
        '[templates.broken]\nkind = "lunch"\nsummary = "x"\n'
    )
    async with running(db_url, path=config) as (app, pilot):
        await _open(app, pilot, account_id)
        form = await _open_form(app, pilot)
        assert any("templates.broken.kind" in note and "line 6" in note for note in _notes(app))
        await pilot.press("ctrl+t")  # the first: the shipped QBR
        assert form.kind == "qbr"
        assert form.query_one("#summary", Input).value == "Quarterly business review"
        assert form.query_one("#notes", TextArea).text.startswith("Attendees:")
        await pilot.press("ctrl+t")  # onboarding call replaces the QBR's text
        assert form.kind == "call" and form.query_one("#summary", Input).value == "Onboarding call"
        await pilot.press("enter", "end")  # Enter keeps the kind and moves to the summary
        await type_text(pilot, " with IT")
        await pilot.press("ctrl+t", "ctrl+t")  # renewal call, then the user's escalation
        assert form.kind == "email"
        assert form.query_one("#summary", Input).value == "Onboarding call with IT"
        assert form.query_one("#notes", TextArea).text == "Why:"
        await press(app, pilot, "ctrl+s")
    assert ("email", "Onboarding call with IT — Test User") in _entries(engine, account_id)


async def test_entries_logged_elsewhere_show_and_edit(
    db_url: str, engine: Engine, account_id: int
) -> None:
    """An entry written by the CLI (log_entry) ten days ago edits like one logged in
    the app: its exact moment is kept when the time is left as shown, and its
    follow-up date, passed since, is accepted unchanged."""
    at = datetime.combine(TODAY - timedelta(days=10), time(9, 41, 17), tzinfo=UTC)
    form = EntryForm(kind="note", summary="From the CLI", follow_up="+5d")
    logged = log_entry(engine, account_id, form, "Sam", now=at)
    async with on_account(db_url, account_id) as (app, pilot, screen):
        await _cursor_to(pilot, screen, "From the CLI")
        await press(app, pilot, "e")
        await pilot.press("enter", "end")  # Enter keeps the kind and moves to the summary
        await type_text(pilot, "!")
        await press(app, pilot, "ctrl+s")
    edited = get_interaction(engine, logged.entry_id)
    assert edited is not None and edited.summary == "From the CLI!"
    assert edited.occurred_at.replace(tzinfo=UTC) == at
    assert edited.logged_by == "Sam"
    assert edited.follow_up_on == TODAY - timedelta(days=5)


async def test_a_whole_entry_typed_in_one_burst_is_saved(db_url: str, engine: Engine, book) -> None:
    """A fast typist's keys (kind, tabs to the summary, the summary, ctrl+s) reach
    the app in one burst: each must land where it would if typed slowly."""
    from textual import events

    account_id = book["Initech"]
    async with on_account(db_url, account_id) as (app, pilot, _screen):
        await _open_form(app, pilot)
        for key in ("c", *TO_SUMMARY, *"Quick sync", "ctrl+s"):  # one burst, no waiting
            char = {"space": " ", "tab": "\t", "ctrl+s": None}.get(key, key)
            app.post_message(events.Key("space" if key == " " else key, char))
        await settle(app, pilot)
        assert not isinstance(app.screen, LogInteractionScreen)
    assert ("call", "Quick sync") in {
        (kind, summary.split(" — ")[0]) for kind, summary in _entries(engine, account_id)
    }


async def test_a_survey_answer_is_edited_with_history_deleted_and_undone(
    db_url: str, engine: Engine, account_id: int
) -> None:
    from core.health.store import current_health
    from core.metrics import Period, compute_metrics

    period = Period(TODAY - timedelta(days=60), TODAY)

    def nps_and_health() -> tuple[float | None, float]:
        health = current_health(engine, as_of=TODAY, account_ids=[account_id]).row(0, named=True)
        return compute_metrics(engine, period, as_of=TODAY).nps, health["score"]

    async with on_account(db_url, account_id) as (app, pilot, screen):
        row = await _cursor_to(pilot, screen, "NPS 4")  # imported with the book
        await press(app, pilot, "e")
        form = app.screen
        assert isinstance(form, LogInteractionScreen)
        assert "Edit survey answer" in text_of(form.query_one(".dialog-title"))
        assert form.query_one("#score", Input).value == "4" and not form.unsaved
        await press(app, pilot, "enter", "enter", "end", "backspace", "2", "ctrl+s")  # kind, survey
        assert app.screen is screen
        [revision] = revisions(engine, row["id"], "survey")
        assert revision.edited_by == "Test User"
        assert json.loads(revision.changes) == {"score": [4, 2]}  # the moment did not move
        assert screen.current_row()["summary"].startswith("NPS 2")
        await press(app, pilot, "h")
        assert isinstance(app.screen, RevisionsScreen)
        shown = text_of(app.screen.query_one("#revisions"))
        assert "Test User" in shown and "score" in shown and "imported" in shown
        await pilot.press("escape")

        with_answer = nps_and_health()
        await press(app, pilot, "d")
        answer = get_entry(engine, row["id"], "survey")
        assert answer is not None and answer.deleted_at is not None
        assert not any(r["source"] == "survey" and r["id"] == row["id"] for r in screen.rows)
        without = nps_and_health()
        # One detractor (the 2) fewer: the book's NPS goes up.
        assert with_answer[0] is not None and without[0] is not None
        assert without[0] > with_answer[0]
        assert without[1] != with_answer[1]  # the health score lost its sentiment
        assert without[1] == pytest.approx(
            compute_scores(engine, TODAY, load_model()[0], [account_id])["score"][0]
        )
        await press(app, pilot, "u")
        answer = get_entry(engine, row["id"], "survey")
        assert answer is not None and answer.deleted_at is None
        assert nps_and_health() == with_answer


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["160x50", "80x24"])
async def test_every_kind_is_shown_in_the_form(
    db_url: str, account_id: int, size: tuple[int, int]
) -> None:
    """The kinds wrap onto more lines rather than run off the form: 'Survey answer'
    (and 'Forum or community event') were cut off even at 160 columns, so an NPS
    could not be found, nor could the kind picked be seen once it was a survey."""
    from tui.screens.log_form import KINDS

    async with on_account(db_url, account_id) as (app, pilot, _screen):
        await pilot.resize_terminal(*size)
        form = await _open_form(app, pilot)
        await press(app, pilot, "s")  # the survey answer: the last kind
        kinds = form.query_one("#kind")
        shown = text_of(kinds)
        for _value, label in KINDS:
            assert label in shown, (label, shown)
        assert kinds.region.right <= form.query_one("#log-form").region.right


async def test_a_survey_answer_sends_only_its_own_fields(
    db_url: str, engine: Engine, account_id: int
) -> None:
    """A summary typed before the kind became a survey answer stays in its hidden
    field and is not sent: core refuses a survey answer with a summary (it would
    be dropped), which the form would show on a field that is not shown."""
    async with on_account(db_url, account_id) as (app, pilot, screen):
        form = await _open_form(app, pilot)
        await pilot.press("c")
        await type_text(pilot, "Typed first")
        form.query_one("#kind").focus()
        await pilot.press("s", "n", "9")
        assert form.entry_form().summary == ""
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
        assert ("nps", "NPS 9: (no comment)") in _entries(engine, account_id)


async def test_the_timeline_shows_the_time_as_typed_in_the_users_zone(
    db_url: str, engine: Engine, account_id: int, time_zone: Callable[[str], None]
) -> None:
    """A call logged at "yesterday 9:00" in India was listed at 03:30 (its UTC
    moment), while the edit form showed 09:00."""
    time_zone("Asia/Kolkata")  # UTC+5:30 all year
    async with on_account(db_url, account_id) as (app, pilot, screen):
        await _open_form(app, pilot)
        await pilot.press("c")
        await type_text(pilot, "Nine o'clock call")
        await pilot.press("shift+tab", "shift+tab")
        await type_text(pilot, "yesterday 9:00")
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
        timeline = screen.query_one("#timeline")
        row = screen.current_row()
        assert row is not None and row["summary"].startswith("Nine o'clock call")
        yesterday = TODAY - timedelta(days=1)
        shown = str(timeline.get_row_at(timeline.cursor_row)[0])
        assert shown == f"{yesterday.isoformat()} 09:00"
        # an MRR movement has a day, not a moment: shown as its day
        mrr = next(i for i, row in enumerate(screen.rows) if row["source"] == "mrr")
        assert len(str(timeline.get_row_at(mrr)[0])) == len("2026-06-15")


async def test_the_form_scrolls_to_the_field_in_a_small_terminal(
    db_url: str, account_id: int
) -> None:
    """At 80x24 the form is taller than the screen: its sentiment, follow-up and hint
    were cut off, and tab moved the focus to fields nobody could see."""
    async with on_account(db_url, account_id) as (app, pilot, _screen):
        await pilot.resize_terminal(*SMALL)
        form = await _open_form(app, pilot)
        await pilot.press("c")
        await type_text(pilot, "Quick call")
        for field in ("notes", "sentiment", "follow-up"):
            await press(app, pilot, "tab")
            assert form.focused is not None and form.focused.id == field
            assert app.screen.region.contains_region(form.focused.region), field
            assert form.focused.region.height > 0, field


async def test_d_and_h_on_the_fields_panel_leave_the_timeline_alone(
    db_url: str, engine: Engine, account_id: int
) -> None:
    """With the Fields panel focused (tab), d deleted the timeline entry under the
    timeline's cursor, out of sight, and h showed that entry's history: the keys
    acted on another panel than the one in use. They now say what the panel does."""
    from textual.widgets import DataTable

    before = _entries(engine, account_id)
    async with on_account(db_url, account_id) as (app, pilot, screen):
        await _cursor_to(pilot, screen, "Sent the onboarding guide")
        screen.query_one("#fields", DataTable).focus()
        await press(app, pilot, "d")
        await press(app, pilot, "h")
        assert app.screen is screen
        assert _entries(engine, account_id) == before
        assert any("tab to the timeline" in note for note in _notes(app)), _notes(app)


async def test_undo_after_moving_on_says_what_it_restored_and_where(
    db_url: str, engine: Engine, book: dict[str, int]
) -> None:
    """u restores the last entry deleted on the 360, also after ] moved on to another
    account: it said "Entry restored." while nothing came back on the account shown."""
    globex = book[ACCOUNT]
    async with on_account(db_url, globex) as (app, pilot, screen):
        row = await _cursor_to(pilot, screen, "Sent the onboarding guide")
        await press(app, pilot, "d")
        screen.ids = [globex, book["Initech"]]
        await press(app, pilot, "right_square_bracket")
        assert screen.account_id == book["Initech"]
        app.clear_notifications()
        await press(app, pilot, "u")
        restored = get_interaction(engine, row["id"])
        assert restored is not None and restored.deleted_at is None
        assert _notes(app) == ["Restored: Sent the onboarding guide — Dana Scully (Globex)."]


@pytest.mark.parametrize(
    ("letter", "stored", "shown"),
    [("q", "qbr", "QBR"), ("t", "training", "training completed")],
)
async def test_the_timeline_names_a_kind_as_the_form_does(
    db_url: str, engine: Engine, account_id: int, letter: str, stored: str, shown: str
) -> None:
    """A QBR logged by keys read 'qbr' in the timeline's Kind column (beside 'NPS' and
    'CSAT'; seen in tmux on the demo book), a training 'training': the words the form
    offers read there, 'QBR', 'training completed'."""
    from sqlalchemy import text

    async with on_account(db_url, account_id) as (app, pilot, screen):
        await _open_form(app, pilot)
        await pilot.press(letter, *TO_SUMMARY)
        await type_text(pilot, "Walked through the roadmap")
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
        timeline = screen.query_one("#timeline", DataTable)
        assert str(timeline.get_row_at(timeline.cursor_row)[1]) == shown
    with engine.connect() as connection:
        kinds = connection.execute(
            text("SELECT kind FROM interaction WHERE summary = 'Walked through the roadmap'")
        ).all()
    assert kinds == [(stored,)]


async def test_at_80x24_d_shows_the_entry_before_it_deletes_it(
    db_url: str, engine: Engine, book: dict[str, int]
) -> None:
    """At 80x24 the 360's panels stack and fill the screen as it opens, the timeline
    below them: d deleted its first entry, never seen (found in tmux on the demo book:
    'Deleted: Quick sync'). The first d brings the highlighted entry into view and
    says so; the second deletes that entry, and the 360, read again, stays there (it
    went back to the health panel)."""
    from sqlalchemy import text

    from tests.tui.conftest import SMALL

    account_id = book["Initech"]  # no ticket: its latest entry is a call

    def deleted() -> list[tuple[str]]:
        with engine.connect() as connection:
            return connection.execute(
                text(
                    "SELECT summary FROM interaction "
                    "WHERE account_id = :id AND deleted_at IS NOT NULL"
                ),
                {"id": account_id},
            ).all()

    async with running(db_url) as (app, pilot):
        await pilot.resize_terminal(*SMALL)
        screen = await _open(app, pilot, account_id)
        timeline = screen.query_one("#timeline", DataTable)
        body = screen.query_one("#a360-body")
        assert not body.can_view_partial(timeline)  # the panels above fill the screen
        await press(app, pilot, "d")
        assert deleted() == []
        assert any("Press d again to delete it" in note for note in _notes(app))
        # to the next account and back: the 360 starts at the top, d shows it again
        await press(app, pilot, "right_square_bracket", "left_square_bracket")
        assert screen.account_id == account_id
        assert not body.can_view_partial(timeline)
        app.clear_notifications()
        await press(app, pilot, "d")
        assert deleted() == []
        assert any("Press d again to delete it" in note for note in _notes(app))
        assert body.can_view_partial(timeline)
        assert screen._timeline_row_in_view()
        highlighted = screen.current_row()
        assert highlighted is not None
        await press(app, pilot, "d")
        assert body.can_view_partial(timeline)  # read again, the 360 stays on it
    assert deleted() == [(highlighted["summary"].rsplit(" — ", 1)[0],)]


async def test_u_undoes_an_edit(db_url: str, engine: Engine, account_id: int) -> None:
    """An edit saved said 'Saved: kind, summary changed.' and nothing undid it: u
    restored deleted entries only (the brief's walk: edit an interaction, then undo).
    The save now says 'Press u to undo.', and u saves the entry as it was, its
    contact, moment and follow-up too; the history keeps the edit and its undoing."""
    from sqlalchemy import text

    def stored(entry_id: int) -> tuple:
        with engine.connect() as connection:
            return tuple(
                connection.execute(
                    text(
                        "SELECT kind, summary, notes, sentiment, contact_id, occurred_at, "
                        "follow_up_on FROM interaction WHERE id = :id"
                    ),
                    {"id": entry_id},
                ).one()
            )

    async with on_account(db_url, account_id) as (app, pilot, screen):
        row = await _cursor_to(pilot, screen, "Check-in call")
        before = stored(row["id"])
        await press(app, pilot, "e")
        assert isinstance(app.screen, LogInteractionScreen)
        await pilot.press("m", *TO_SUMMARY, "end")
        await type_text(pilot, " (moved)")
        await pilot.press("tab")
        await type_text(pilot, "More notes")
        await pilot.press("shift+tab", "shift+tab", "ctrl+u")  # the contact
        await type_text(pilot, "glo")
        await press(app, pilot, "enter", "ctrl+s")
        assert app.screen is screen
        after = stored(row["id"])
        assert after[:2] == ("meeting", before[1] + " (moved)")
        assert after[4] is not None and after[4] != before[4]  # Globex Champion
        assert any(note.endswith("Press u to undo.") for note in _notes(app)), _notes(app)
        await press(app, pilot, "u")
        assert stored(row["id"]) == before
        undone = f"Edit undone: {before[1]} (Globex) is as it was (h shows its history)."
        assert undone in _notes(app), _notes(app)
        assert screen.current_row()["id"] == row["id"]
        await press(app, pilot, "u")
        assert stored(row["id"]) == before  # nothing more to undo
    with engine.connect() as connection:
        (count,) = connection.execute(
            text("SELECT count(*) FROM interaction_revision WHERE interaction_id = :id"),
            {"id": row["id"]},
        ).one()
    assert count == 2


async def test_u_undoes_the_edit_of_a_survey_answer(
    db_url: str, engine: Engine, account_id: int
) -> None:
    """An NPS answer's score and comment edited, then u: the answer as it was."""
    from sqlalchemy import text

    def stored() -> tuple:
        with engine.connect() as connection:
            return tuple(
                connection.execute(
                    text(
                        "SELECT kind, score, comment, contact_id, answered_at "
                        "FROM survey_response WHERE account_id = :id"
                    ),
                    {"id": account_id},
                ).one()
            )

    before = stored()
    async with on_account(db_url, account_id) as (app, pilot, screen):
        await _cursor_to(pilot, screen, "NPS")
        await press(app, pilot, "e")
        form = app.screen
        assert isinstance(form, LogInteractionScreen)
        form.query_one("#score", Input).focus()
        await pilot.press("ctrl+u", "8", "tab", "ctrl+u")
        await type_text(pilot, "Better now")
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
        assert stored()[1:3] == (8, "Better now")
        await press(app, pilot, "u")
    assert stored() == before
    assert any(f"Edit undone: NPS {before[1]} (Globex)" in note for note in _notes(app))


async def test_the_history_names_a_kind_as_the_form_does(
    db_url: str, engine: Engine, account_id: int
) -> None:
    """A call edited into a QBR: its history (h) read 'kind  call  qbr' (seen in tmux
    on the demo book); it reads 'QBR', as the form and the timeline name it."""
    async with on_account(db_url, account_id) as (app, pilot, screen):
        row = await _cursor_to(pilot, screen, "Check-in call")
        await press(app, pilot, "e", "q", "ctrl+s")
        assert app.screen is screen
        assert json.loads(revisions(engine, row["id"])[0].changes)["kind"] == ["call", "qbr"]
        await press(app, pilot, "h")
        assert isinstance(app.screen, RevisionsScreen)
        lines = text_of(app.screen.query_one("#revisions")).splitlines()
        (kind,) = [line.split() for line in lines if "kind" in line.split()]
        assert kind[-3:] == ["kind", "call", "QBR"], lines
