"""A call logged by keys with an account whose NPS detractor and silence made tasks:
both leave the queue at once, done, and the done view says which contact did it."""

from __future__ import annotations

from sqlalchemy import Engine, text

from tests.tui.book import TODAY, make_book
from tests.tui.conftest import press, tasks_screen, type_text
from tui.screens.account import AccountScreen
from tui.screens.log_form import LogInteractionScreen
from tui.screens.tasks import TasksScreen

DETRACTOR = "Call Globex: NPS 4 on 2026-05-31, no follow-up yet"  # the book's answer
SILENT = "No contact with Globex for 30+ days"  # last contacted 40 days ago (the book)


def titles(screen: TasksScreen) -> list[str]:
    return [str(screen.table.get_row_at(row)[2]) for row in range(screen.table.row_count)]


def open_rules(engine: Engine, account_id: int) -> list[str]:
    """The rules of the account's open tasks, read with plain SQL."""
    with engine.connect() as connection:
        return [
            rule
            for (rule,) in connection.execute(
                text(
                    "SELECT rule FROM task WHERE account_id = :a AND completed_at IS NULL"
                    " ORDER BY rule"
                ),
                {"a": account_id},
            )
        ]


async def test_a_call_logged_closes_the_tasks_it_follows_up(
    db_url: str, engine: Engine, tmp_path
) -> None:
    globex = make_book(engine)["Globex"]
    async with tasks_screen(db_url, tmp_path, run_rules=True) as (app, pilot, screen):
        assert {DETRACTOR, SILENT} <= set(titles(screen))
        before = open_rules(engine, globex)
        assert {"detractor", "no_interaction", "renewal_no_qbr"} <= set(before)
        screen.table.move_cursor(row=titles(screen).index(DETRACTOR))
        await press(app, pilot, "enter")
        assert isinstance(app.screen, AccountScreen)
        await press(app, pilot, "l")
        assert isinstance(app.screen, LogInteractionScreen)
        await pilot.press("c")
        await type_text(pilot, "Sorry about the outage")
        await press(app, pilot, "ctrl+s")
        said = [str(note.message) for note in app._notifications]
        assert any(
            f'It follows up 2 tasks, done: "{DETRACTOR}"; "{SILENT}".' in words for words in said
        ), said
        # the call is no QBR, and the renewal is still to prepare: those stay
        after = open_rules(engine, globex)
        assert after == [rule for rule in before if rule not in ("detractor", "no_interaction")]
        await press(app, pilot, "4")
        assert isinstance(app.screen, TasksScreen)
        assert not {DETRACTOR, SILENT} & set(titles(app.screen))
        await press(app, pilot, "z")
        day = f"{TODAY:%b %d}"
        assert {
            f"(followed up: call {day}) {DETRACTOR}",
            f"(followed up: call {day}) {SILENT}",
        } <= set(titles(app.screen))
    with engine.connect() as connection:
        events = connection.execute(
            text(
                "SELECT e.by, i.summary FROM task_event e JOIN interaction i"
                " ON i.id = e.interaction_id WHERE e.action = 'done'"
            )
        ).all()
    assert sorted(events) == [(app.settings.author, "Sorry about the outage")] * 2
