"""Pilot tests of the task queue (key 4) on a real database with a hand-made book."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from textual.widgets import Input

from core.models import Task
from core.playbook.tasks import add_manual_task, task_history, task_queue
from tests.tui.book import TODAY, make_book
from tests.tui.conftest import SMALL, press, settle, tasks_screen, text_of
from tui.screens.account import AccountScreen
from tui.screens.help import HelpScreen
from tui.screens.snooze import SnoozeScreen
from tui.screens.task_form import TaskFormScreen
from tui.screens.tasks import TasksScreen

SIZE = (160, 50)


@pytest.fixture
def book(engine: Engine) -> dict[str, int]:
    ids = make_book(engine)
    day = timedelta(days=1)
    # Globex (MRR 9,500) and Cyberdyne (20,000) overdue or due today; Acme upcoming.
    add_manual_task(engine, "Call Globex", TODAY - 2 * day, "Dana Scully", ids["Globex"])
    add_manual_task(engine, "QBR deck for Cyberdyne", TODAY, "Test User", ids["Cyberdyne"])
    add_manual_task(engine, "Renewal pack for Acme", TODAY + 3 * day, "Test User", ids["Acme Corp"])
    add_manual_task(engine, "Wonka check-in", TODAY + day, "Test User", ids["Wonka Sweets"])
    with Session(engine) as session:
        session.add(
            Task(
                account_id=ids["Initech"],
                owner="Test User",
                title="Follow up: send the pricing sheet",
                due_on=TODAY,
                source="follow_up",
            )
        )
        session.commit()
    return ids


def titles(screen: TasksScreen) -> list[str]:
    table = screen.table
    return [str(table.get_row_at(row)[2]) for row in range(table.row_count)]


def note(screen: TasksScreen) -> str:
    return str(screen.query_one("#listing-note").render())


async def test_ranking_shown_matches_the_core(db_url: str, engine: Engine, book, tmp_path) -> None:
    async with tasks_screen(db_url, tmp_path) as (_app, _pilot, screen):
        assert titles(screen) == [
            "QBR deck for Cyberdyne",  # today and overdue, by MRR: 20,000
            "Call Globex",  # 9,500, overdue
            "Follow up: send the pricing sheet",  # Initech 3,200, today
            "Wonka check-in",  # tomorrow
            "Renewal pack for Acme",  # in 3 days
        ]
        assert titles(screen) == task_queue(engine, TODAY)["title"].to_list()
        assert str(screen.table.get_row_at(1)[0]) == "overdue"
        assert "5 open tasks" in note(screen) and "team" in note(screen)


async def test_a_churned_accounts_mrr_reads_as_lost(
    db_url: str, engine: Engine, book, tmp_path
) -> None:
    """A task of a churned account showed the MRR it lost as if it paid it ("$20,000"),
    and ranked above the live accounts' by it."""
    from core.models import Account

    with Session(engine) as session:
        cyberdyne = session.get(Account, book["Cyberdyne"])
        assert cyberdyne is not None
        cyberdyne.status, cyberdyne.churned_at = "churned", TODAY - timedelta(days=10)
        session.add(cyberdyne)
        session.commit()
    async with tasks_screen(db_url, tmp_path) as (_app, _pilot, screen):
        assert titles(screen)[:3] == [
            "Call Globex",
            "Follow up: send the pricing sheet",
            "QBR deck for Cyberdyne",  # churned: after the live ones of its day
        ]
        assert str(screen.table.get_row_at(2)[4]) == "lost $20,000"
        assert str(screen.table.get_row_at(0)[4]) == "$9,500"


async def test_filters_mine_and_source(db_url: str, book, tmp_path) -> None:
    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        await press(app, pilot, "m")
        assert "Call Globex" not in titles(screen)
        assert len(titles(screen)) == 4
        assert "4 open tasks" in note(screen) and "mine (Test User)" in note(screen)
        await press(app, pilot, "f")  # rules
        assert titles(screen) == []
        assert "from rules" in note(screen)
        assert "No open tasks for you from rules" in str(screen.query_one("#tasks-empty").render())
        await press(app, pilot, "f")  # follow-ups
        assert titles(screen) == ["Follow up: send the pricing sheet"]
        assert "1 open task " in note(screen) + " "
        await press(app, pilot, "f", "f", "m")  # manual, then all sources; team
        assert len(titles(screen)) == 5


async def test_space_completes_and_u_undoes(db_url: str, engine: Engine, book, tmp_path) -> None:
    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        await press(app, pilot, "space")
        assert "QBR deck for Cyberdyne" not in titles(screen)
        assert "QBR deck for Cyberdyne" not in task_queue(engine, TODAY)["title"].to_list()
        assert any("Press u to undo" in str(n.message) for n in app._notifications)
        await press(app, pilot, "u")
        assert titles(screen)[0] == "QBR deck for Cyberdyne"
        assert task_queue(engine, TODAY)["title"][0] == "QBR deck for Cyberdyne"
        task_id = task_queue(engine, TODAY)["id"][0]
        history = task_history(engine, task_id).select("action", "by").rows()
        assert history[1:] == [("done", app.settings.author), ("reopened", app.settings.author)]


async def test_a_task_done_by_another_user_meanwhile_leaves_the_list(
    db_url: str, engine: Engine, book, tmp_path
) -> None:
    """Dana marked the first task done (another app, the command line) while Sam's list
    showed it: Sam's space says it is done already, and the list no longer shows it
    (it stayed until the screen was shown again)."""
    from core.playbook.tasks import complete

    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        first = task_queue(engine, TODAY)["id"][0]
        complete(engine, first, "Dana Scully")
        await press(app, pilot, "space")
        assert any("is done already" in str(n.message) for n in app._notifications)
        assert "QBR deck for Cyberdyne" not in titles(screen)


async def test_snooze_a_day_a_week_a_date_and_not_the_past(
    db_url: str, engine: Engine, book, tmp_path
) -> None:
    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        for keys, days in (
            (["1"], 1),
            (["w"], 7),
            (["tab", "tab", *"2026-07-01", "enter"], 16),
        ):
            title = titles(screen)[0]
            await press(app, pilot, "s")
            assert isinstance(app.screen, SnoozeScreen)
            account = screen.current_task()["account_name"]  # type: ignore[index]
            assert f"Snooze: {account}" in text_of(app.screen.query_one(".dialog-title"))
            hint = app.screen.query_one(".dialog > Label")
            assert " ".join(text_of(hint).split()).endswith("then enter")
            # wrapped in the 64-wide dialog, not cut at its edge
            assert hint.region.right <= app.screen.query_one(".dialog").content_region.right
            await press(app, pilot, *keys)
            assert app.screen is screen
            assert title not in titles(screen)
            with Session(engine) as session:
                task = session.exec(select(Task).where(Task.title == title)).one()
            assert task.snoozed_until == TODAY + timedelta(days=days)
            assert task.due_on != task.snoozed_until  # the due date stays
        await press(app, pilot, "s", "tab", "tab", *"2026-06-15", "enter")
        assert isinstance(app.screen, SnoozeScreen)
        assert "not after today" in str(app.screen.query_one("#snooze-error").render())
        await press(app, pilot, "escape", "y")  # the day typed is discarded on asking
        assert len(titles(screen)) == 2
        await press(app, pilot, "z")  # the snoozed tasks, with the day each is back
        assert len(titles(screen)) == 3
        assert "3 snoozed, 0 done tasks" in text_of(screen.query_one("#listing-note"))
        await press(app, pilot, "z")
        assert len(titles(screen)) == 2


async def test_done_and_snoozed_tasks_are_put_back_in_the_queue(
    db_url: str, engine: Engine, book, tmp_path
) -> None:
    """A task marked done in an earlier session could not be reopened in the app (u
    undid only this session's), and a snoozed one could not be brought back before
    its day. z lists them; r reopens a done one, w wakes a snoozed one, u undoes."""
    from core.playbook.tasks import complete, snooze

    queued = task_queue(engine, TODAY).select("id", "title").rows()
    ids = {title: task_id for task_id, title in queued}
    complete(engine, ids["Call Globex"], "Dana Scully")
    snooze(engine, ids["Renewal pack for Acme"], TODAY + timedelta(days=5), TODAY, "Test User")

    def history(title: str) -> list[tuple[str, str]]:
        return task_history(engine, ids[title]).select("action", "by").rows()

    def footer() -> str:
        """The keys the footer (and help) show."""
        shown = [active.binding for active in screen.active_bindings.values()]
        return " · ".join(f"{key.key} {key.description}" for key in shown if key.show)

    def said() -> str:
        return list(app._notifications)[-1].message

    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        assert len(titles(screen)) == 3
        assert "z Done & snoozed" in footer() and "Reopen" not in footer()
        await press(app, pilot, "z")
        assert titles(screen) == ["Renewal pack for Acme", "Call Globex"]
        whens = [str(screen.table.get_row_at(row)[0]) for row in range(2)]
        assert whens[0] == f"back {TODAY + timedelta(days=5):%b %d}"
        assert whens[1].startswith("done ")
        assert "1 snoozed, 1 done task " in note(screen)
        assert "r Reopen" in footer() and "w Wake" in footer()
        await press(app, pilot, "x")  # the export holds the open tasks: not these
        assert said() == "Nothing to export on this screen."
        await press(app, pilot, "r")  # on the snoozed task: nothing done, in words
        assert "This task is not done: w wakes a snoozed task." in said()
        await press(app, pilot, "j", "s")  # a done task: no day asked for, to be refused
        assert app.screen is screen
        assert said() == "This task is done: r reopens it, then s snoozes it."
        await press(app, pilot, "r")
        assert titles(screen) == ["Renewal pack for Acme"]
        assert "Call Globex" in task_queue(engine, TODAY)["title"].to_list()
        assert history("Call Globex")[1:] == [("done", "Dana Scully"), ("reopened", "Test User")]
        await press(app, pilot, "u")  # done again
        assert titles(screen) == ["Renewal pack for Acme", "Call Globex"]
        await press(app, pilot, "k", "w")
        assert titles(screen) == ["Call Globex"]
        # due in 3 days: back in the queue on that day's place, not "today"
        due = TODAY + timedelta(days=3)
        assert said() == f"Back in the queue, due {due}: Renewal pack for Acme. Press u to undo."
        await press(app, pilot, "z")
        assert titles(screen)[-1] == "Renewal pack for Acme"  # due in 3 days
        await press(app, pilot, "u")  # snoozed again, to its day
        assert "Renewal pack for Acme" not in titles(screen)
        with Session(engine) as session:
            task = session.get(Task, ids["Renewal pack for Acme"])
            assert task is not None and task.snoozed_until == TODAY + timedelta(days=5)
        assert [action for action, _ in history("Renewal pack for Acme")] == [
            "created",
            "snoozed",
            "woken",
            "snoozed",
        ]
        await press(app, pilot, "u")  # both changes undone
        assert said() == "Nothing to undo."


async def test_a_task_snoozed_then_done_is_reopened_snoozed_and_says_so(
    db_url: str, engine: Engine, book, tmp_path
) -> None:
    """Snoozed, then done: r reopened it to its snooze, out of the queue, with the
    toast 'Reopened: ...' only (seen in tmux on the telco book): where was it?"""
    from core.playbook.tasks import complete, snooze

    task_id = task_queue(engine, TODAY)["id"][0]
    snooze(engine, task_id, TODAY + timedelta(days=7), TODAY, "Test User")
    complete(engine, task_id, "Test User")
    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        await press(app, pilot, "z")  # the done and snoozed tasks, read in a worker
        await press(app, pilot, "r")
        back = TODAY + timedelta(days=7)
        message = list(app._notifications)[-1].message
        assert message.startswith(
            f"Reopened: QBR deck for Cyberdyne, snoozed until {back}: w wakes"
        )
        assert str(screen.table.get_row_at(0)[0]) == f"back {back:%b %d}"
        await press(app, pilot, "w", "z")
        assert titles(screen)[0] == "QBR deck for Cyberdyne"


async def test_undo_says_where_the_task_is_back(
    db_url: str, engine: Engine, book, tmp_path
) -> None:
    """u after a snooze said 'Back in the queue today: Wonka check-in.' of a task due
    tomorrow; u after a snoozed task was marked done (space in the done & snoozed
    view) said 'Reopened: ...', the task still snoozed, out of the queue."""
    from core.playbook.tasks import snooze

    def said() -> str:
        return str(list(app._notifications)[-1].message)

    ids = dict(task_queue(engine, TODAY).select("title", "id").rows())
    back = TODAY + timedelta(days=4)
    snooze(engine, ids["QBR deck for Cyberdyne"], back, TODAY, "Test User")
    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        screen.table.move_cursor(row=titles(screen).index("Wonka check-in"))
        await press(app, pilot, "s", "1")
        assert "Wonka check-in" not in titles(screen)
        await press(app, pilot, "u")
        tomorrow = TODAY + timedelta(days=1)
        assert said() == f"Back in the queue, due {tomorrow}: Wonka check-in."
        await press(app, pilot, "z")
        assert titles(screen) == ["QBR deck for Cyberdyne"]
        await press(app, pilot, "space", "u")
        assert said() == f"Reopened: QBR deck for Cyberdyne, snoozed until {back}: w wakes it."
        with Session(engine) as session:
            task = session.get(Task, ids["QBR deck for Cyberdyne"])
            assert task is not None and task.completed_at is None and task.snoozed_until == back
        await press(app, pilot, "z")
        screen.table.move_cursor(row=titles(screen).index("Call Globex"))  # 2 days overdue
        await press(app, pilot, "s", "1", "u")
        overdue = TODAY - timedelta(days=2)
        assert said() == f"Back in the queue, overdue since {overdue}: Call Globex."


async def test_enter_opens_the_account(db_url: str, book, tmp_path) -> None:
    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        await press(app, pilot, "j", "enter")
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.account_id == book["Globex"]
        # escape goes back to the queue the manager is working, not the accounts list
        await press(app, pilot, "escape")
        assert app.screen is screen and app.current_mode == "tasks"


async def test_n_creates_a_manual_task_after_a_refusal(
    db_url: str, engine: Engine, book, tmp_path
) -> None:
    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        await press(app, pilot, "n")
        form = app.screen
        assert isinstance(form, TaskFormScreen)
        await pilot.press(*"Nowhere Inc", "tab", *"Send the deck")
        await press(app, pilot, "ctrl+s")
        assert app.screen is form
        assert 'no account is named "Nowhere Inc"' in str(form.query_one("#account-error").render())
        assert form.value("title") == "Send the deck"  # what was typed is kept
        account = form.query_one("#account")
        account.value = ""  # type: ignore[attr-defined]
        account.focus()
        await pilot.press(*"hoo", "right")  # completes to Hooli
        assert form.value("account") == "Hooli"
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
        added = task_queue(engine, TODAY).filter(
            task_queue(engine, TODAY)["title"] == "Send the deck"
        )
        assert added["account_name"].to_list() == ["Hooli"]
        assert added["source"].to_list() == ["manual"]
        assert "Send the deck" in titles(screen)


async def test_a_refusal_puts_the_cursor_in_the_field_it_names(
    db_url: str, engine: Engine, book, tmp_path
) -> None:
    """'no account is named "0015"' was shown under the account while the cursor
    stayed in the due date: the rest of the id typed next went there ('+2d-UOCOJ',
    found in tmux on the telco book)."""
    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        await press(app, pilot, "n")
        form = app.screen
        assert isinstance(form, TaskFormScreen)
        await pilot.press(*"Hoo", "tab", *"Send the deck", "tab", "ctrl+u", *"+2d")
        await press(app, pilot, "ctrl+s")
        assert 'no account is named "Hoo"' in str(form.query_one("#account-error").render())
        assert form.focused is form.query_one("#account")
        await pilot.press(*"Hooli")  # over the name refused, selected
        assert (form.value("account"), form.value("due_on")) == ("Hooli", "+2d")
        await pilot.press("tab", "tab", "end", *" x")  # the due date
        await press(app, pilot, "ctrl+s")
        assert "is not a date" in str(form.query_one("#due_on-error").render())
        assert form.focused is form.query_one("#due_on")
        await pilot.press("backspace", "backspace")
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
    added = task_queue(engine, TODAY).filter(task_queue(engine, TODAY)["title"] == "Send the deck")
    assert added["account_name"].to_list() == ["Hooli"]
    assert added["due_on"].to_list() == [TODAY + timedelta(days=2)]


async def test_rules_on_app_start_create_tasks_and_a_broken_rule_is_a_warning(
    db_url: str, engine: Engine, book, tmp_path
) -> None:
    (tmp_path / "config.toml").write_text("[rules.renewal_due]\ndays = -3\n")
    async with tasks_screen(db_url, tmp_path, run_rules=True) as (app, _pilot, screen):
        rule_tasks = task_queue(engine, TODAY, source="rule")
        assert rule_tasks.height > 0
        assert "renewal_due" not in rule_tasks["rule"].to_list()  # switched off, the rest ran
        assert set(titles(screen)) >= set(rule_tasks["title"].to_list())
        assert any("new task" in str(n.message) for n in app._notifications)
        warnings = [str(n.message) for n in app._notifications if n.severity == "warning"]
        assert any("line 2" in text and "renewal_due.days" in text for text in warnings)


async def test_empty_queue_says_so(db_url: str, engine: Engine, tmp_path) -> None:
    make_book(engine)
    async with tasks_screen(db_url, tmp_path) as (_app, _pilot, screen):
        assert screen.has_class("-empty")
        assert "No open tasks" in str(screen.query_one("#tasks-empty").render())


async def test_rules_on_demand_from_the_palette_refresh_the_queue(
    db_url: str, engine: Engine, book, tmp_path
) -> None:
    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        assert len(titles(screen)) == 5
        await press(app, pilot, "ctrl+p", *"Run playbook rules", "enter")
        created = task_queue(engine, TODAY, source="rule").height
        assert created > 0
        assert len(titles(screen)) == 5 + created
        assert any(f"{created} new tasks" in str(n.message) for n in app._notifications)
        await press(app, pilot, "ctrl+p", *"Run playbook rules", "enter")
        assert any("No new tasks" in str(n.message) for n in app._notifications)


async def test_text_from_the_book_shows_as_typed(
    db_url: str, engine: Engine, book, tmp_path
) -> None:
    """A task's title and its account's name are shown literally: a DataTable reads a
    string as markup, and an account named '[/] ...' closed the app on key 4."""
    from sqlmodel import col, update

    from core.models import Account

    with Session(engine) as session:
        named = update(Account).where(col(Account.id) == book["Globex"])
        session.exec(named.values(name="[/] Globex [b]x"))
        session.exec(update(Task).where(col(Task.title) == "Call Globex").values(title="[/] Call"))
        session.commit()
    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        assert "[/] Call" in titles(screen)
        cells = [
            str(cell)
            for row in range(screen.table.row_count)
            for cell in screen.table.get_row_at(row)
        ]
        assert "[/] Globex [b]x" in cells
        # done: its toast names it as typed (a toast read it as markup and closed the app;
        # the test app draws no toast, so what the toast would draw is checked)
        screen.table.move_cursor(row=titles(screen).index("[/] Call"), animate=False)
        await press(app, pilot, "space")
        [done] = [n for n in app._notifications if "Press u to undo" in n.message]
        assert (done.message, done.markup) == ("Done: [/] Call. Press u to undo.", False)


async def test_at_80_columns_the_note_counts_the_columns_out_of_view(
    db_url: str, book, tmp_path
) -> None:
    """At 80 columns MRR, Health, Owner and From were off screen with no hint that
    there were more (the accounts list says "→ N more columns"). The note counts the
    columns the table's header does not show, either side, as it scrolls."""
    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        labels = [column.label.plain for column in screen.table.ordered_columns]

        def off_screen() -> list[str]:
            drawn = text_of(screen.table).splitlines()[0].split()
            return [label for label in labels if label not in drawn]

        assert off_screen() == [] and "more column" not in note(screen)
        await pilot.resize_terminal(*SMALL)
        await settle(app, pilot)
        assert off_screen() == ["MRR", "Health", "Owner", "From"]
        assert "→ 4 more columns: → scrolls" in note(screen)
        await press(app, pilot, *["right"] * 100)
        assert off_screen() == ["When", "Due", "Task"]
        assert "← 3 more columns: ← scrolls" in note(screen) and "→" not in note(screen)
        await pilot.resize_terminal(160, 50)
        await settle(app, pilot)
        assert off_screen() == [] and "more column" not in note(screen)


async def test_home_and_end_go_to_the_first_and_last_task(db_url: str, book, tmp_path) -> None:
    """A Textual table scrolls sideways on home and end: on a queue of thousands (an
    imported book's first rules) end went nowhere. The help lists both keys."""
    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        rows = screen.table.row_count
        assert rows > 2
        await press(app, pilot, "end")
        assert screen.table.cursor_row == rows - 1
        await press(app, pilot, "home")
        assert screen.table.cursor_row == 0
        await press(app, pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen), app.screen
        keys = text_of(app.screen.query_one("#help-keys"))
        assert "First row" in keys and "Last row" in keys, keys


async def test_a_title_wider_than_its_column_ends_in_an_ellipsis(
    db_url: str, engine: Engine, book, tmp_path
) -> None:
    """At 80 columns the Task column is 30 cells: 'Follow up: send the pricing sheet'
    read 'Follow up: send the pricing sh', as if whole (on the demo book at 160
    columns, 'Call Meridian Bakery Group: NPS 5 on 2026-11-27, no fol' too)."""
    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        await pilot.resize_terminal(*SMALL)
        await settle(app, pilot)
        width = screen.task_width
        title = "Follow up: send the pricing sheet"
        assert len(title) > width
        shown = [line for line in text_of(screen.table).splitlines() if "Follow up" in line]
        assert len(shown) == 1 and f" {title[: width - 1]}… " in shown[0], shown


async def test_at_80_columns_the_note_wraps_instead_of_being_cut(
    db_url: str, engine: Engine, book, tmp_path
) -> None:
    """The note above the tasks is one line: at 80 columns, among the done and snoozed
    tasks (z), it stopped at '... · r reopens a done' (seen on the demo book), the keys
    that act there and the way back to the queue cut without a mark."""
    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        await pilot.resize_terminal(*SMALL)
        await press(app, pilot, "space", "z")  # one task done, then the done ones
        shown = " ".join(text_of(screen.query_one("#listing-note")).split())
        assert shown.endswith("r reopens a done task, w wakes a snoozed one · z: the queue"), shown


async def test_enter_on_the_account_takes_the_completion_shown(
    db_url: str, engine: Engine, book, tmp_path
) -> None:
    """Typed 'hoo', 'Hooli' shown as its completion, enter went on to the task and the
    save was refused 'no account is named "hoo"' (found in tmux on the demo book: 'aster
    fo'). Enter takes the name shown; the task is Hooli's."""
    from sqlalchemy import text

    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        await press(app, pilot, "n")
        form = app.screen
        assert isinstance(form, TaskFormScreen)
        await press(app, pilot, *"hoo")
        await press(app, pilot, "enter")
        assert form.value("account") == "Hooli"
        assert form.focused is form.query_one("#title")
        await press(app, pilot, *"Send the deck", "enter", "enter", "enter")
        assert app.screen is screen
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT a.name FROM task t JOIN account a ON a.id = t.account_id "
                "WHERE t.title = 'Send the deck'"
            )
        ).all()
    assert rows == [("Hooli",)]


async def test_a_task_added_has_the_cursor(db_url: str, engine: Engine, book, tmp_path) -> None:
    """After n, the task added was somewhere in the queue and the cursor stayed on the
    first row: space or s then acted on another task. The cursor is on the new one;
    one the view leaves out is said to be."""
    from sqlalchemy import text

    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        await press(app, pilot, "n")
        await press(app, pilot, *"Initech", "tab", *"Renewal call prep", "tab", "ctrl+u")
        await press(app, pilot, *"+5d", "ctrl+s")
        assert app.screen is screen
        with engine.connect() as connection:
            (added,) = connection.execute(
                text("SELECT id FROM task WHERE title = 'Renewal call prep'")
            ).one()
        assert screen.current_task_id() == added
        assert screen.table.cursor_row > 0  # not the first row: it moved there
        await press(app, pilot, "space")  # done: this one, no other
        with engine.connect() as connection:
            done = connection.execute(
                text("SELECT title FROM task WHERE completed_at IS NOT NULL")
            ).all()
        assert done == [("Renewal call prep",)]

        await press(app, pilot, "f")  # from rules only: a manual task is left out
        await press(app, pilot, "n", *"Hooli", "tab", *"Out of view", "ctrl+s")
        assert app.screen is screen
        shown = [str(n.message) for n in app._notifications]
        assert any("not in this view: m and f widen it" in words for words in shown), shown


@pytest.mark.parametrize(("typed", "days"), [("+3d", 3), ("tomorrow", 1), ("2026-06-30", 15)])
async def test_a_day_typed_at_once_in_the_snooze_dialog(
    db_url: str, engine: Engine, book, tmp_path, typed: str, days: int
) -> None:
    """The snooze dialog opens on its '1 day' button: '+3d' or 'tomorrow' typed
    there, then enter, did nothing (seen in tmux on the demo book). A day typed goes
    to the day's field; 1 and w stay a day and a week."""
    from sqlalchemy import text

    async with tasks_screen(db_url, tmp_path) as (app, pilot, screen):
        task_id = screen.current_task_id()
        await press(app, pilot, "s")
        assert isinstance(app.screen, SnoozeScreen)
        await press(app, pilot, *typed)
        assert app.screen.query_one("#until", Input).value == typed
        await press(app, pilot, "enter")
        assert app.screen is screen
    with engine.connect() as connection:
        (until,) = connection.execute(
            text("SELECT snoozed_until FROM task WHERE id = :id"), {"id": task_id}
        ).one()
    assert str(until) == str(TODAY + timedelta(days=days))
