"""A ticket resolved by an import: the rules run from the Playbook (r) marks its
'unresolved' task done, and the queue's done view says why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text, update

from core.models import Ticket
from tests.tui.book import TODAY, make_book
from tests.tui.conftest import press, tasks_screen
from tui.screens.playbook import PlaybookScreen
from tui.screens.tasks import TasksScreen


def titles(screen: TasksScreen) -> list[str]:
    return [str(screen.table.get_row_at(row)[2]) for row in range(screen.table.row_count)]


async def test_a_resolved_ticket_leaves_the_queue_done_and_says_why(
    db_url: str, engine: Engine, tmp_path
) -> None:
    acme = make_book(engine)["Acme Corp"]
    with engine.connect() as connection:
        ticket = connection.execute(
            text("SELECT id FROM ticket WHERE account_id = :a AND resolved_at IS NULL"),
            {"a": acme},
        ).scalar_one()
    title = f"Ticket #{ticket} unresolved for over 48 h: Export fails #1"
    async with tasks_screen(db_url, tmp_path, run_rules=True) as (app, pilot, screen):
        assert title in titles(screen)
        # Acme's help desk export imported again: the ticket resolved yesterday
        resolved = datetime.combine(TODAY, datetime.min.time(), UTC) - timedelta(hours=3)
        with engine.begin() as connection:
            connection.execute(
                update(Ticket).where(Ticket.id == ticket).values(resolved_at=resolved)
            )
        await press(app, pilot, "p")
        assert isinstance(app.screen, PlaybookScreen)
        await press(app, pilot, "r")
        await press(app, pilot, "4")
        assert isinstance(app.screen, TasksScreen)
        assert title not in titles(app.screen)
        await press(app, pilot, "z")
        day = f"{TODAY - timedelta(days=1)}"
        assert f"(ticket resolved on {day}) {title}" in titles(app.screen)
        # the other tickets' tasks are still to do
        await press(app, pilot, "z")
        assert sum(row.startswith("Ticket #") for row in titles(app.screen)) >= 1
    with engine.connect() as connection:
        done = connection.execute(
            text(
                "SELECT e.by, e.reason FROM task_event e JOIN task t ON t.id = e.task_id"
                " WHERE t.occurrence_key = :key AND e.action = 'done'"
            ),
            {"key": f"ticket:{ticket}"},
        ).all()
    assert done == [(app.settings.author, f"ticket resolved on {day}")]
