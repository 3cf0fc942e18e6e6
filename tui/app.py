"""The Textual app. ``make_app`` is what the CLI and the tests build.

The first frame comes before anything heavy: polars, SQLAlchemy, pyarrow and the
table widget are imported, and the database opened and read, in thread workers
after the first paint. The accounts list comes before SQLAlchemy too: from a SQLite
file whose schema is current, the list is read without it (``core.store.first_read``)
and drawn, and only then is the engine opened (``connect``), then the list's last
interactions read. Each screen lives in its own module under ``tui.screens`` and is
imported when it is first shown.
"""

from __future__ import annotations

import logging
import threading
from datetime import date
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.signal import Signal
from textual.widgets import Footer, Header, LoadingIndicator, Static
from textual.worker import Worker, WorkerState

from tui.messages import BookChanged, BookLoaded, DatabaseOpened, FileOpened, OpenAccount
from tui.threads import WorkerThreads

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    import polars as pl
    from sqlalchemy import Engine
    from textual.command import Provider
    from textual.notifications import SeverityLevel
    from textual.widget import Widget

    from core.config.settings import Settings
    from core.metrics.dashboard import Figures
    from core.store.sqlite_file import SqliteFile
    from core.store.threads import Started
    from tui.screens.dashboard_data import View

log = logging.getLogger("cxtui")


class AppClosing(Exception):
    """A worker's read was waiting for the engine when the app ended."""


ENGINE_WAIT_S = 120.0
"""How long a read that needs the engine waits for it to open (a migration)."""
ENGINE_DEFERRED_AT_MOST_S = 1.0
"""How long after the list's first read the engine waits at most for the dashboard's
first numbers before it opens (``CxtuiApp.first_numbers_shown``)."""
HOLD_BACKGROUND_SECONDS = 15.0
"""The longest the session's background work waits for the dashboard's first reads."""
SCREEN_KEYS = {"1": "dashboard", "2": "accounts", "3": "goals", "4": "tasks"}


def _dashboard() -> Screen[Any]:
    from tui.screens.dashboard import DashboardScreen

    return DashboardScreen()


def _accounts() -> Screen[Any]:
    from tui.screens.accounts import AccountsScreen

    return AccountsScreen()


def _goals() -> Screen[Any]:
    from tui.screens.goals import GoalsScreen

    return GoalsScreen()


def _tasks() -> Screen[Any]:
    from tui.screens.tasks import TasksScreen

    return TasksScreen()


def _account_commands() -> type[Provider]:
    from tui.commands import AccountCommands

    return AccountCommands


def _action_commands() -> type[Provider]:
    from tui.commands import ActionCommands

    return ActionCommands


class CxtuiApp(App[None]):
    TITLE = "cxtui"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {_account_commands, _action_commands}
    MODES = {"dashboard": _dashboard, "accounts": _accounts, "goals": _goals, "tasks": _tasks}
    BINDINGS = [
        Binding("1", "go('dashboard')", "Dashboard", id="screen.dashboard", show=False),
        Binding("2", "go('accounts')", "Accounts", id="screen.accounts", show=False),
        Binding("3", "go('goals')", "Goals", id="screen.goals", show=False),
        Binding("4", "go('tasks')", "Tasks", id="screen.tasks", show=False),
        Binding("x", "export", "Export", id="app.export", show=False),
        Binding("question_mark", "help", "Help", id="app.help", key_display="?"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("escape", "back", "Back", id="app.back", show=False),
    ]

    def __init__(
        self,
        db_url: str,
        *,
        today: date | None = None,
        settings: Settings | None = None,
        recompute_health: bool = True,
        run_rules: bool | None = None,
        start: str = "dashboard",
        ask_user: bool = False,
    ) -> None:
        from core.config.settings import load_settings

        self.settings = settings if settings is not None else load_settings()
        super().__init__()
        self.db_url = db_url
        self.today = today or date.today()
        self.recompute_health = recompute_health
        self.run_rules_on_start = recompute_health if run_rules is None else run_rules
        self.start_mode = start
        self.ask_user = ask_user
        """Ask "Who are you?" once the first screen shows, when no user is known."""
        """The screen shown once the database is open (a key of ``MODES``)."""
        self.engine: Engine | None = None
        self.file: SqliteFile | None = None
        """The database when it is a SQLite file at the current schema: the dashboard's
        figures are read from it while the engine opens (``reads``)."""
        self.threads = WorkerThreads()
        """The threads of the thread workers (``tui.threads``): a worker that only reads
        calls ``threads.reading()``, and quitting does not wait for it."""
        self._engine_open = threading.Event()
        """Set once the engine is open (or could not be, or the app ends)."""
        self.cannot_open = False
        """True once the database could not be opened: the screens say so, not that
        they are loading."""
        self._ending = False
        self._go_when_open: str | None = None
        """The screen asked for (``action_go``) while the engine was opening."""
        self._account_when_open: tuple[int, list[int] | None] | None = None
        """The account asked for (``open_account``) while the engine was opening."""
        self.book: pl.DataFrame | None = None
        self.book_complete = False
        """False while the last interactions are still being read."""
        self._shown = False
        """True once the first screen (``start``) is shown."""
        self._welcomed = False
        """True once the welcome screen of an empty book was shown."""
        self.writes = 0
        """How many times something was written from this app (``BookChanged``): a
        screen that read figures before a write reads them again."""
        self._engine_lock = threading.Lock()
        self._opened: tuple[str, Engine] | None = None
        """The URL and engine ``_engine_once`` opened."""
        self._count_unknown = True
        """True until the first list read has been followed by the engine, told how
        many accounts the book holds (the welcome screen needs it)."""
        self._first_figures: tuple[View, Started[Figures]] | None = None
        """The dashboard's first figures, started once the file was found, until it
        takes them (``first_figures``)."""
        self._engine_due: int | None = None
        """The accounts of the first read while the engine waits for the dashboard's
        first numbers (``_connect_after_first_read``)."""
        self._started = False
        """True once the session's background work (health, rules) has started."""
        self._first_screen_reading = False
        """The dashboard is reading what it shows: the session's background work waits
        for it (``first_screen_read``)."""
        self._background_held = False
        """The background work waited for the dashboard's reads when it was due."""
        self.demo_folder: Path | None = None
        """The scratch folder of the demo copy the app moved to (``use_demo_database``),
        removed when the app ends."""
        self.last_account_id: int | None = None
        """The account last shown in the 360, where the list's cursor goes back to
        (once: the list clears it)."""
        self.book_signal: Signal[pl.DataFrame] = Signal(self, "book")
        """Published with the accounts frame each time it is (re)loaded."""
        self.health_signal: Signal[date] = Signal(self, "health")
        """Published with the day whose health scores were just recomputed."""
        self.tasks_signal: Signal[int] = Signal(self, "tasks")
        """Published with the number of tasks created when the playbook rules made some."""
        self.rules_signal: Signal[int] = Signal(self, "rules")
        """Published with the number of tasks created after every run of the rules."""
        self.database_signal: Signal[int] = Signal(self, "database")
        """Published with the number of accounts once the engine is open (reads that
        need it can start, before the list's slow column is read)."""
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme

    @property
    def database(self) -> Engine:
        """The open engine, for the screens' reads and writes. None of those screens
        is shown before the database is open (``action_go``, ``open_account`` and
        the others check ``engine`` first); before then this raises."""
        if self.engine is None:
            raise RuntimeError("The database is still opening")
        return self.engine

    @property
    def reads(self) -> Engine | SqliteFile:
        """What figures are read through: the engine once open, else the SQLite file
        (the dashboard opens on it while the engine opens)."""
        if self.engine is not None:
            return self.engine
        if self.file is not None:
            return self.file
        raise RuntimeError("The database is still opening")

    def opened_engine(self) -> Engine:
        """(In a worker's thread.) The engine, waited for while it opens: the dashboard
        shows its figures from the file before, and what else it reads needs it.
        ``AppClosing`` (not reported) when the app ends first."""
        self._engine_open.wait(ENGINE_WAIT_S)
        if self.engine is None:
            if self._ending:
                raise AppClosing
            raise RuntimeError("The database could not be opened")
        return self.engine

    def exit(self, *args: Any, **kwargs: Any) -> None:
        """End the app; the reads waiting for the engine stop waiting (the process
        waits for every worker's thread before it ends)."""
        self._ending = True
        self._engine_open.set()
        super().exit(*args, **kwargs)

    def _handle_exception(self, error: Exception) -> None:
        """Textual's (``tui.private_api.APP_HOOKS``): an error no one handled ends the
        app, its traceback printed with each frame's local variables. Should drawing
        one of them fail too (a ``__rich_repr__`` that raises as it is read), the app
        still ends, its traceback printed without them; that second error escaped
        Textual's handler and left the app running without a screen until q."""
        try:
            super()._handle_exception(error)
        except Exception:
            import traceback

            import rich
            from rich.text import Text
            from rich.traceback import Traceback

            try:
                self.panic(
                    Traceback.from_exception(
                        type(error), error, error.__traceback__, width=None, suppress=[rich]
                    )
                )
            except Exception:
                self.panic(Text("".join(traceback.format_exception(error))))

    async def on_event(self, event: events.Event) -> None:
        """Keys that move the focus run their binding here, before the next key is
        routed: tab and shift+tab everywhere (unless the focused widget types them),
        and every key of a widget marked ``BINDINGS_FIRST`` (the accounts list); a
        widget with a ``key_first`` method (a choice picked by its letter) handles
        its keys here too. A text field's own editing keys (backspace, home, ctrl+u...
        of an Input or TextArea) run in the field's queue, after the keys routed to it
        before them (``_run_in_field``).
        Textual routes each key to the focused widget at once and looks up bindings
        later, when the key bubbles up; so in "/harbor" typed in one burst, "harbor"
        went to the list before "/" had moved the focus to the search, text typed
        right after a tab landed in the field the tab was leaving, and "abc",
        backspace, "d" read "abc" (Textualize/textual#6605)."""
        if isinstance(event, events.Key) and not event.is_forwarded:
            focused = self.focused
            key_first = getattr(focused, "key_first", None)
            if key_first is not None and key_first(event):
                return  # handled by the focused widget now (a choice picked by letter)
            in_field = _field_action(self.screen, focused, event)
            if (
                in_field is not None
                or getattr(focused, "BINDINGS_FIRST", False)
                or (event.key in ("tab", "shift+tab") and not _types_tabs(focused))
            ):
                from tui.private_api import check_bindings

                self.app_focus = True
                if await check_bindings(self, event.key, priority=True):
                    return
                if focused is not None and in_field is not None:
                    focused.call_later(self._run_in_field, focused, event.key, in_field)
                    return
                if await check_bindings(self, event.key):
                    return
        await super().on_event(event)

    async def _run_in_field(self, field: Widget, key: str, action: str) -> None:
        """Run ``field``'s own binding of ``key`` (its ``action``), called in the
        field's message queue: after the characters routed to the field before the
        key are typed, before those routed after it. An action that did not run (ctrl+c
        with nothing selected) leaves the key to the bindings of the focused widget
        and its screen, as Textual does with a key no widget handles."""
        if not await self.run_action(action, field):
            from tui.private_api import check_bindings

            await check_bindings(self, key)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Opening the database…", id="startup-status", markup=False)
        yield LoadingIndicator()
        yield Footer()

    def on_mount(self) -> None:
        import asyncio

        asyncio.get_running_loop().set_default_executor(self.threads)
        if self.settings.warning:
            self.notify(self.settings.warning, title="Config file", severity="warning", timeout=15)
        if self.settings.problem:
            self.notify(self.settings.problem, title="Config file", severity="warning")
        elif self.settings.theme not in self.available_themes:
            from core.config.settings import where_set

            self.notify(
                f"{where_set(self.settings, 'theme')}: unknown theme {self.settings.theme!r}; "
                f"using {self.theme} (ctrl+p, Theme, lists the themes)",
                title="Config file",
                severity="warning",
                timeout=15,
                markup=False,
            )
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self._show_user()
        self.call_after_refresh(self._open)

    def _open(self) -> None:
        """After the first paint: open the database. The list needs no engine, so an
        app that opens on it shows it at once, to be filled when the book is read
        (its styles and widgets are built while the first read runs). The dashboard's
        figures need the engine: it is opened beside the list's first read, not after
        it (the tiles had their numbers ~0.5 s later)."""
        self.open_database()
        if self.start_mode == "accounts":
            self._show_start()
        else:
            self.open_file()

    def _show_start(self) -> None:
        if not self._shown:
            self._shown = True
            self.switch_mode(self.start_mode)
            needs_user = self.settings.current_user is None and self.settings.problem is None
            if self.ask_user and needs_user:
                self.call_after_refresh(self._ask_who)

    def _ask_who(self) -> None:
        import getpass

        from tui.screens.who import WhoAreYouScreen

        self.push_screen(WhoAreYouScreen(self.settings.path, getpass.getuser()), self._named)

    def _named(self, name: str | None) -> None:
        """Write the name typed at "Who are you?" to the config file, and say where."""
        from dataclasses import replace

        from core.config.file import ConfigFileError
        from core.config.settings import save_settings

        if name is None:
            return
        settings = replace(self.settings, user=name)
        try:
            save_settings(settings)
        except (ValueError, ConfigFileError) as error:
            self.notify(f"Not saved: {error}", title="Who are you?", severity="error")
        else:
            self.notify(f"Saved in {settings.path}.", title=f"Hello, {name}")
        self.settings = settings  # this session knows you either way
        self._show_user()

    def _show_user(self) -> None:
        """The header says who is using the app."""
        user = self.settings.current_user
        self.title = f"cxtui · {user}" if user else "cxtui"

    # ------------------------------------------------------------------ workers

    @work(thread=True, exclusive=True, exit_on_error=False, group="database")
    def open_database(self) -> None:
        """The list straight from the file when it can (the engine follows once the
        list is drawn: ``connect``); else the engine first (migrations), then the list."""
        from core.store.first_read import read_first_list

        first = read_first_list(self.db_url, self.today)

        if first is not None:
            self.post_message(BookLoaded(frame=first, complete=False))
            return
        from core.accounts.queries import load_accounts_first

        engine = self._engine_once()
        first = load_accounts_first(engine, self.today)
        self.post_message(DatabaseOpened(engine=engine, accounts=first.height))
        self.post_message(BookLoaded(frame=first, complete=False))

    @work(thread=True, exit_on_error=False, group="engine")
    def open_file(self) -> None:
        """The dashboard's start: on a SQLite file at the current schema, its figures
        are read from the file (no SQLAlchemy nor models to import first, ~1 s) and
        the engine opens after the list's first read; else the engine opens now."""
        from core.store.sqlite_file import open_sqlite_file

        file = open_sqlite_file(self.db_url)
        if file is None:
            self.call_from_thread(self.connect, None)
            return
        figures = None
        if self.start_mode == "dashboard":
            from tui.screens.dashboard_data import View, start_figures

            view = View.first(self.today)
            figures = (view, start_figures(file, view, self.today))
        self.post_message(FileOpened(file=file, figures=figures))

    @on(FileOpened)
    def _file_opened(self, message: FileOpened) -> None:
        if message.file.url == self.db_url:
            self.file = message.file
            self._first_figures = message.figures
            self._show_start()

    def first_figures(self, view: View) -> Started[Figures] | None:
        """(The dashboard, built.) Its first figures when they are ``view``'s, read
        from the file since it was found (``open_file``): before the dashboard's
        module was imported and its screen built (~0.05 s); None otherwise. Once."""
        first, self._first_figures = self._first_figures, None
        if first is None or first[0] != view:
            return None
        return first[1]

    @work(thread=True, exit_on_error=False, group="engine")
    def connect(self, accounts: int | None) -> None:
        """Open the engine (SQLAlchemy, the schema check): after the list's first read
        (``accounts``: how many it read), or beside it (None: not known yet). Opened
        beside it, a failure is only logged: the next try, after the first read (or
        instead of it), reports it, once."""
        try:
            engine = self._engine_once()
        except Exception as error:
            if accounts is not None:
                raise
            log.info("opening the database beside the first read: %r", error)
            return
        self.post_message(DatabaseOpened(engine=engine, accounts=accounts))

    def _connect_after_first_read(self, accounts: int) -> None:
        """Open the engine once the list is drawn. When the dashboard reads the file
        meanwhile (a SQLite file at the current schema: no migration, nothing to
        write), once it has drawn its first numbers (another screen has none to wait
        for: ``panels_mounted`` is the dashboard's), in a thread of its own that the
        end of the app does not wait for: quitting right after the start waited ~1 s
        for SQLAlchemy's import."""
        if self.file is None or self.engine is not None:
            self.connect(accounts)
            return
        self._engine_due = accounts
        if getattr(self.screen, "panels_mounted", True):
            self.first_numbers_shown()
        else:  # importing SQLAlchemy beside them held the first numbers back ~0.1 s
            self.set_timer(ENGINE_DEFERRED_AT_MOST_S, self.first_numbers_shown)

    def first_numbers_shown(self) -> None:
        """The dashboard has drawn its first numbers: the engine opens now, if it was
        waiting for them (else at most ``ENGINE_DEFERRED_AT_MOST_S`` after the first
        read, whatever the dashboard does)."""
        accounts, self._engine_due = self._engine_due, None
        if accounts is None:
            return
        threading.Thread(
            target=self._open_engine_in_background,
            args=(accounts,),
            name="cxtui-engine",
            daemon=True,
        ).start()

    def _open_engine_in_background(self, accounts: int) -> None:
        try:
            engine = self._engine_once()
        except Exception as error:
            self._engine_open.set()
            self.call_from_thread(self.report_error, error, "Opening the database failed")
            return
        self.post_message(DatabaseOpened(engine=engine, accounts=accounts))

    def _engine_once(self) -> Engine:
        """The engine of ``db_url``, opened once whichever worker asks first (the
        others wait for it): the first read and the dashboard both ask at the start."""
        from core.store.db import open_engine

        with self._engine_lock:
            if self._opened is None or self._opened[0] != self.db_url:
                try:
                    self._opened = (self.db_url, open_engine(self.db_url, self._updating))
                except Exception:
                    self._engine_open.set()  # it could not be: nothing waits for it
                    raise
            return self._opened[1]

    def _updating(self, notice: str) -> None:
        """(A worker's thread.) The database is being updated for this cxtui: the
        start says so, and why it may take long (27 s for a 2.6 GB book, measured)."""
        self.call_from_thread(self._say_on_start, notice)

    def _say_on_start(self, notice: str) -> None:
        for status in self.query("#startup-status").results(Static):
            status.update(notice)

    @work(thread=True, exclusive=True, exit_on_error=False, group="book")
    def reload_book(self) -> None:
        """The list first; its last-interaction column follows once it is shown."""
        self.threads.reading()
        from core.accounts.queries import load_accounts_first

        if self.engine is not None:
            self.post_message(
                BookLoaded(frame=load_accounts_first(self.engine, self.today), complete=False)
            )

    @work(thread=True, exclusive=True, exit_on_error=False, group="book")
    def complete_book(self, first: pl.DataFrame) -> None:
        """Fill in the last interactions (the slow column on a large book). Started
        after the list is painted, so it never competes with the first paint."""
        self.threads.reading()
        from core.accounts.queries import with_last_interaction

        if self.engine is not None:
            self.post_message(
                BookLoaded(frame=with_last_interaction(self.engine, first, self.today))
            )

    @work(thread=True, exclusive=True, exit_on_error=False, group="health")
    def recompute_missing_health(self, then_rules: bool = False) -> None:
        """Recompute today's health scores in the background when they are missing;
        the list shows the latest scores meanwhile and is reloaded after.
        ``then_rules``: run the playbook rules after, on the scores just written."""
        from core.health.store import score_day_if_missing

        engine = self.engine
        if engine is not None and score_day_if_missing(engine, self.today):
            self.call_from_thread(self._health_recomputed)
        if then_rules:
            self.call_from_thread(self.run_rules_now, quiet=True, on_launch=True)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="health",
        name="Recomputing health scores",
    )
    def recompute_health_now(self, then_rules: bool = False) -> None:
        """Recompute every account's health score for today (``then_rules``: then run
        the playbook rules, as after an import, so red accounts get their tasks)."""
        from core.health.store import recompute_all

        if self.engine is None:
            return
        written = recompute_all(self.engine, as_of=self.today)
        self.call_from_thread(self.notify, f"Health recomputed for {written:,} accounts.")
        self.call_from_thread(self._health_recomputed)
        if then_rules:
            self.call_from_thread(self.run_rules_now, quiet=True)

    @work(thread=True, exclusive=True, exit_on_error=False, group="health", name="Fitting")
    def fit_health_weights(self) -> None:
        """Fit the health score's weights on the book's history (``cxtui model
        apply``), show them beside the ones in force, and use them if confirmed."""
        from core.churn.features import NotEnoughData
        from core.churn.weights import describe, fit_weights
        from core.health.config import load_model
        from tui.screens.confirm import ConfirmScreen

        if self.engine is None:
            return
        self.call_from_thread(self.notify, "Fitting the health weights on this book's history…")
        try:
            fitted = fit_weights(self.engine, self.today, load_model()[0])
        except NotEnoughData as error:
            self.call_from_thread(self.notify, str(error), title="No weights", severity="warning")
            return
        question = "\n".join([*describe(fitted), "", "Use the fitted weights?"])

        def answered(use: bool | None) -> None:
            if use:
                self.use_health_weights(fitted.weights)

        self.call_from_thread(
            self.push_screen, ConfirmScreen(question, "Use them", "Keep"), answered
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="churn", name="Churn model")
    def fit_churn_model(self) -> None:
        """Fit the churn model on this book and keep it as the model in force (``cxtui
        model fit``): the list's churn risk and the dashboard's forecast read it."""
        from core.churn.features import NotEnoughData, book_features
        from core.churn.fit import fit_model
        from core.churn.risk import keep_model
        from core.health.config import load_model

        if self.engine is None:
            return
        self.call_from_thread(self.notify, "Fitting the churn model on this book…")
        try:
            report = fit_model(book_features(self.engine, self.today, load_model()[0]))
        except NotEnoughData as error:
            self.call_from_thread(
                self.notify, str(error), title="No churn model", severity="warning"
            )
            return
        keep_model(self.engine, report, self.settings.author)
        said = (
            f"AUC {report.auc:.2f} ({report.validation}) on {report.n_accounts:,} accounts, "
            f"{report.n_churned:,} churned. Kept as the model in force; `cxtui model fit` "
            "shows its drivers."
        )
        self.call_from_thread(self.notify, said, title="Churn model fitted", timeout=15)
        self.call_from_thread(self.post_message, BookChanged())

    @work(thread=True, exclusive=True, exit_on_error=False, group="health", name="Health model")
    def use_health_weights(self, weights: dict[str, float] | None) -> None:
        """Write ``weights`` to health.toml (None: restore the previous model), then
        rescore today."""
        from core.churn.weights import apply_weights, restore_previous
        from core.health.config import config_path
        from core.health.store import recompute_all

        if self.engine is None:
            return
        path = config_path()
        try:
            if weights is None:
                restore_previous(path)
                said = f"The previous health model is back in {path}."
            else:
                kept = apply_weights(path, weights)
                said = f"Written to {path}; the model before is kept in {kept}."
        except (OSError, ValueError) as error:
            self.call_from_thread(self.notify, str(error), title="Health model", severity="error")
            return
        written = recompute_all(self.engine, as_of=self.today)
        self.call_from_thread(self.notify, f"{said} {written:,} accounts rescored.")
        self.call_from_thread(self._health_recomputed)

    def restore_health_model(self) -> None:
        self.use_health_weights(None)

    def _health_recomputed(self) -> None:
        self.reload_book()
        self.health_signal.publish(self.today)

    @work(thread=True, exclusive=True, exit_on_error=False, group="rules", name="Playbook rules")
    def run_rules_now(self, quiet: bool = False, on_launch: bool = False) -> None:
        """Run the playbook rules; say what they created (``quiet``: only if something).
        ``on_launch``: not when the config's ``[rules] run_on_launch`` is false."""
        from core.playbook.rules import RULE_TITLES, load_rules_config
        from core.playbook.runs import run_rules

        if self.engine is None:
            return
        config = load_rules_config(self.settings.path)
        for problem in config.problems:
            self.call_from_thread(
                self.notify, problem, title="Playbook rules", severity="warning", timeout=15
            )
        if on_launch and not config.run_on_launch:
            return
        ran = run_rules(self.engine, self.today, config, ran_by=self.settings.author)
        created = {rule: n for rule, n in ran.items() if n}
        self.call_from_thread(self.rules_signal.publish, sum(created.values()))
        total = sum(created.values())
        if total:
            lines = "\n".join(
                f"{RULE_TITLES.get(rule, rule)}: {n:,}" for rule, n in created.items()
            )
            text = f"{total:,} new task{'s' if total != 1 else ''}\n{lines}"
            self.call_from_thread(self.notify, text, title="Playbook rules")
            self.call_from_thread(self.tasks_signal.publish, total)
        elif not quiet:
            self.call_from_thread(self.notify, "No new tasks.", title="Playbook rules")

    # ------------------------------------------------------------------ events

    @on(DatabaseOpened)
    def _database_opened(self, message: DatabaseOpened) -> None:
        """Once per engine (it is said twice when it was opened beside the first read:
        then, and with the number of accounts once the list is read)."""
        if message.engine is not self.engine:
            self.engine = message.engine
            self._engine_open.set()
            self.database_signal.publish(message.accounts or 0)
            self._show_start()
            if self._go_when_open is not None:
                self.action_go(self._go_when_open)
                self._go_when_open = None
            if self._account_when_open is not None:
                self.open_account(*self._account_when_open)
                self._account_when_open = None
        if message.accounts is None:
            return  # the list's first read says how many accounts there are
        if message.accounts == 0 and not self._welcomed:
            from tui.screens.welcome import WelcomeScreen

            self._welcomed = True
            self.push_screen(WelcomeScreen())
        if self.book is not None and not self.book_complete:
            self.call_after_refresh(self.complete_book, self.book)

    @on(BookLoaded)
    def _book_loaded(self, message: BookLoaded) -> None:
        self.book = message.frame
        self.book_complete = message.complete
        self.book_signal.publish(message.frame)
        if self._count_unknown:
            # the first list read: the engine once it is drawn (opened once: it may be
            # open already, beside the first read), said with the number of accounts
            self._count_unknown = False
            self.call_after_refresh(self._connect_after_first_read, message.frame.height)
        elif not message.complete:
            self.call_after_refresh(self.complete_book, message.frame)
        elif not self._started and not message.frame.is_empty():
            self._started = True
            _freeze_startup_objects()
            self._after_start()

    def _after_start(self) -> None:
        """Background work of a session, once its list is complete and not empty:
        missing health scores, then the playbook rules on them. Held while the
        dashboard still reads what it shows (``first_screen_reading``), for
        ``HOLD_BACKGROUND_SECONDS`` at the most: at 100k accounts the health recompute
        beside the 12-month series raised the first start's peak from ~335 to 370-506
        MB (measured). The accounts table's module is not imported ahead: with numpy
        and pyarrow it holds ~60 MB, which a session that stays on the dashboard never
        needs (it landed beside the health recompute: peak at 10k accounts 323 -> 299
        MB); the list's first visit imports it (0.05 s more, once)."""
        if self._first_screen_reading:
            self._background_held = True
            self.set_timer(HOLD_BACKGROUND_SECONDS, self.first_screen_read)
            return
        self._start_background()

    def first_screen_reading(self) -> None:
        """(The dashboard, mounted.) It reads its figures, series and goals now."""
        self._first_screen_reading = True

    def first_screen_read(self) -> None:
        """(The dashboard, its goals read, or the hold's timer.) The background work
        held for it starts now, once."""
        self._first_screen_reading = False
        if self._background_held:
            self._background_held = False
            self._start_background()

    def _start_background(self) -> None:
        if self.recompute_health:
            self.recompute_missing_health(then_rules=self.run_rules_on_start)
        elif self.run_rules_on_start:
            self.run_rules_now(quiet=True, on_launch=True)

    @on(BookChanged)
    def _book_changed(self, _message: BookChanged) -> None:
        self.writes += 1
        self.reload_book()

    @on(OpenAccount)
    def _open_account(self, message: OpenAccount) -> None:
        self.open_account(message.account_id, message.ids)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """Every worker failure ends here: shown in words, logged, app kept running."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, AppClosing):
            return
        if event.worker.group == "engine":
            self._engine_open.set()  # what waits for the engine stops waiting
        self.report_error(error, f"{event.worker.name or 'A background task'} failed")

    def report_error(self, error: BaseException | None, context: str) -> None:
        from core.store.db import is_database_failure

        log.error("%s: %r", context, error, exc_info=error)
        _log_to_file(f"{context}: {error!r}", error)
        if is_database_failure(error):
            from tui.screens.error import ErrorScreen

            if self.engine is None:
                self._not_opening()
            self.push_screen(ErrorScreen("The database cannot be used", str(error)))
        else:
            self.notify(f"{context}: {error}", title="Error", severity="error", timeout=10)

    def _not_opening(self) -> None:
        """The database could not be opened: the screens stop saying it is opening or
        loading, and their spinners stop (one kept turning under the error and after
        it was closed, ~10 % of a CPU, and said "Opening the database…" for ever)."""
        self.cannot_open = True
        for screen in self.screen_stack:
            for indicator in screen.query(LoadingIndicator):
                indicator.display = False
            for note in screen.query("#startup-status, #filter-bar").results(Static):
                note.update("The database cannot be used.")

    def use_demo_database(self, url: str, folder: Path, engine: Engine) -> None:
        """Move the app to a fresh copy of the demo book (the welcome screen's "Load the
        demo book"): its engine in place of the user's database, which is closed and
        left as it was; the copy's folder goes when the app ends, as ``cxtui --demo``'s."""
        old = self.engine
        self.db_url, self.engine, self.demo_folder = url, engine, folder
        self.file = None
        if old is not None:
            old.dispose()
        self.post_message(BookChanged())

    def on_unmount(self) -> None:
        if self.demo_folder is not None:
            import shutil

            if self.engine is not None:
                self.engine.dispose()
            shutil.rmtree(self.demo_folder, ignore_errors=True)

    def _remember_theme(self, theme: Any) -> None:
        from core.config.settings import save_settings

        self.settings = self.settings.with_theme(theme.name)
        # A file broken at launch, or since (edited in another window while the app
        # runs: the write raised ConfigFileError and the app quit): the theme is in
        # use, the file as it was, and both are said.
        problem = self.settings.problem
        if problem is not None:
            problem = problem.removesuffix("; using the defaults")
        else:
            try:
                save_settings(self.settings)
            except (OSError, ValueError) as error:
                problem = str(error)
        if problem is not None:
            self.notify(
                f"{theme.name} is in use until you quit, not saved (the file is left as "
                f"it is): {problem}",
                title="Theme not saved",
                severity="warning",
                timeout=15,
                markup=False,
            )

    # ------------------------------------------------------------------ actions

    def action_go(self, mode: str) -> None:
        """Show the screen of ``mode``. While the database opens, the accounts list
        shows at once (it needs no engine); another screen once the engine is open:
        the key is kept, not dropped."""
        if self.engine is None and not (mode == "accounts" and self._shown):
            self._go_when_open = mode
            self.notify("Opening the database…", timeout=2)
            return
        if mode == self.current_mode:
            while len(self.screen_stack) > 1 and not self.screen.is_modal:
                self.pop_screen()
            return
        self.switch_mode(mode)

    def action_playbook(self) -> None:
        """The Playbook screen: the rules, their settings and their runs."""
        from tui.screens.playbook import PlaybookScreen

        if self.engine is None:
            self.notify("Still opening the database…")
        elif not isinstance(self.screen, PlaybookScreen):
            self.push_screen(PlaybookScreen())

    def action_import(self) -> None:
        from tui.screens.import_wizard import ImportWizardScreen

        if self.engine is None:
            self.notify("Still opening the database…")
        elif not isinstance(self.screen, ImportWizardScreen):
            self.push_screen(ImportWizardScreen())

    def action_export(self) -> None:
        """``x``: export what the current screen shows, with its filters (a screen's
        ``export_view``: the kind shown, its filters and, for a file named after it,
        what the screen is of; or why it cannot export yet)."""
        export_view = getattr(self.screen, "export_view", None)
        view = export_view() if export_view is not None and self.engine is not None else None
        if view is None or isinstance(view, str):
            self.notify(view or "Nothing to export on this screen.")
            return
        from tui.screens.export_dialog import ExportDialog

        self.push_screen(ExportDialog(*view))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A toast whose words show as written, never read as markup (``markup`` is
        ignored): they carry names and titles from the book, and one such as "[/] ..."
        closed the app when its toast was drawn. Control characters are escaped."""
        from core.text import visible

        super().notify(
            visible(message, keep_lines=True),
            title=visible(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def action_back(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's commands in the palette, its "Keys" (Textual's own help panel,
        beside ours, listing the widgets' keys rather than the screen's) replaced by
        the help screen (?)."""
        for command in super().get_system_commands(screen):
            if command.title == "Keys":
                yield SystemCommand(
                    "Keys", "Every key of this screen, in words (?)", self.action_help
                )
            else:
                yield command

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    async def action_quit(self) -> None:
        unsaved = [screen for screen in self.screen_stack if getattr(screen, "unsaved", False)]
        if not unsaved:
            self.exit()
            return
        from tui.screens.confirm import ConfirmScreen

        def answer(quit_anyway: bool | None) -> None:
            if quit_anyway:
                self.exit()

        self.push_screen(
            ConfirmScreen("You have unsaved changes. Quit anyway?", yes="Quit", no="Stay"),
            answer,
        )

    def open_account(
        self, account_id: int, ids: list[int] | None = None, back_to: str | None = None
    ) -> None:
        """Show the account 360 on top of the accounts list; asked while the database
        opens (the list works before it), once it is open: the key is kept. Asked from
        another screen (the task queue, the dashboard), escape goes back to it
        (``back_to``: its mode)."""
        from tui.screens.account import AccountScreen

        if self.engine is None:
            self._account_when_open = (account_id, ids)
            self.notify("Opening the database: the account opens once it is.", timeout=3)
            return
        if self.current_mode != "accounts" or not self.screen.is_mounted:
            # the list may not exist yet (the app opens on the dashboard): once it
            # is mounted, the 360 goes on top of it and [ ] walk its order
            back_to = back_to or (self.current_mode if self.screen.is_mounted else None)
            self.switch_mode("accounts")
            self.call_after_refresh(self.open_account, account_id, ids, back_to)
            return
        while len(self.screen_stack) > 1 and not isinstance(self.screen, AccountScreen):
            self.pop_screen()  # a 360 open stays, and shows the account
        if ids is None:
            ids = getattr(self.screen_stack[0], "visible_account_ids", list)()
        self.last_account_id = account_id
        AccountScreen.open(self, account_id, ids, back_to)


def _field_action(screen: Screen[Any], focused: Widget | None, event: events.Key) -> str | None:
    """The action ``focused`` binds to the key itself when it is a widget that types
    characters (Textual's ``check_consume_key``: an Input, a TextArea) and the key
    not one it types; None otherwise, or when a priority binding comes first."""
    if focused is None or event.is_printable or not focused.check_consume_key("a", "a"):
        return None
    active = screen.active_bindings.get(event.key)
    if active is None or active.node is not focused or active.binding.priority:
        return None
    return active.binding.action


def _types_tabs(widget: object) -> bool:
    """True for a text area that indents with tab instead of moving the focus."""
    from textual.widgets import TextArea

    return isinstance(widget, TextArea) and widget.tab_behavior == "indent"


def _log_to_file(text: str, error: BaseException | None) -> None:
    """Append an error to cxtui.log in the user's log directory."""
    import traceback

    from platformdirs import user_log_path

    path = user_log_path("cxtui", appauthor=False) / "cxtui.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"{text}\n")
            if error is not None:
                handle.write("".join(traceback.format_exception(error)))
    except OSError:
        log.warning("could not write %s", path)


def make_app(db_url: str, **options: Any) -> CxtuiApp:
    """The app on ``db_url``. Options: ``today`` pins the date (snapshots);
    ``settings`` replaces the config file; ``recompute_health`` can turn off the
    background recompute of missing health scores (tests); ``run_rules`` the
    playbook rules run at start (by default, they run when the recompute does);
    ``start`` is the screen it opens on (the dashboard); ``ask_user`` asks "Who are
    you?" when no user is known (the ``cxtui`` command)."""
    return CxtuiApp(db_url, **options)


def _freeze_startup_objects() -> None:
    """Leave the objects alive once the list is complete (the modules, the screens)
    out of Python's full garbage collections from now on (``gc.freeze``): at L such a
    collection, triggered now and then by a keystroke's allocations, scanned them all
    and took ~100 ms of that keystroke (measured: worst search key 201 ms -> see
    benchmarks/fields_list.py)."""
    import gc

    gc.freeze()
