"""The Playbook (``p`` on the task queue, or "Playbook" in the command palette): each
rule, on or off, its settings, when it last ran and how many tasks it has made.

``space`` switches a rule on or off and ``enter`` edits its settings (both written to
the config file's ``[rules.NAME]`` table, keeping its other lines); ``d`` says what a
run would create without writing anything; ``r`` runs the rules now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Header, Input, Label, Static

from core.text import visible
from tui.app import CxtuiApp
from tui.bindings import go_to_row, row_cursor_bindings, row_end_bindings
from tui.screens.dialog import Dialog, save_cancel_bindings, save_cancel_buttons
from tui.widgets.footer import KeysFooter
from tui.widgets.table_width import flexible_width, out_of_view

if TYPE_CHECKING:
    from core.playbook.runs import RuleStatus

DRY_RUN_SHOWN = 3
"""How many of each rule's would-be tasks the dry run lists."""
COLUMNS = (("On", 4), ("Rule", 36), ("Settings", 62), ("Last ran", 16), ("New", 5), ("Made", 6))
SETTINGS_MIN_WIDTH = 24
"""The Settings column is never narrower (its words wrap in it)."""


def settings_width(screen_width: int) -> int:
    """The Settings column's width: the room the others leave when every column fits;
    else On, Rule and Settings side by side, their settings wrapped (at 80 columns it
    was cut after 'open over 48 h · due in 1 d', Last ran, New and Made off screen)."""
    return flexible_width(screen_width, COLUMNS, "Settings", keep=3, minimum=SETTINGS_MIN_WIDTH)


class RulesTable(DataTable[Any]):
    """The rules; ``enter`` edits the highlighted rule's settings. Bound on the table
    (as the goals' list binds its own): the screen's binding of ``enter`` was shadowed
    by the table's, so neither the footer nor ``?`` named it (the help read
    '⏎ Select the table')."""

    BINDINGS = [Binding("enter", "select_cursor", "Settings", id="playbook.edit")]


class PlaybookScreen(Screen[None]):
    app = getters.app(CxtuiApp)
    table = getters.query_one(RulesTable)

    DEFAULT_CSS = """
    PlaybookScreen #playbook-note {  /* wraps in a narrow terminal, not cut */
        height: auto; padding: 0 1; background: $boost; color: $text-muted;
    }
    /* at 80x24 every rule's row shows, and two lines of the dry run below */
    PlaybookScreen DataTable { height: auto; max-height: 17; }
    PlaybookScreen #dry-run-box { height: 1fr; }  /* tab, then up / down: a long dry run */
    PlaybookScreen #dry-run { padding: 1 2 0 2; }
    """
    AUTO_FOCUS = "DataTable"
    BINDINGS = [
        Binding("space", "toggle", "On / off", id="playbook.toggle"),
        Binding("d", "dry_run", "Dry run", id="playbook.dry_run"),
        Binding("r", "run", "Run now", id="playbook.run"),
        *row_cursor_bindings("playbook"),
        *row_end_bindings("playbook"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[RuleStatus] = []
        self.settings_width = dict(COLUMNS)["Settings"]
        self.note: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the rules…", id="playbook-note", markup=False)
        yield RulesTable(cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="dry-run-box"):
            yield Static(
                "Rules turn how accounts are into tasks for their owners, once per "
                "occurrence. d shows what a run would create now, without writing anything.",
                id="dry-run",
                markup=False,
            )
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = "Playbook"
        self._add_columns(self.app.size.width)
        self.app.rules_signal.subscribe(self, self._ran)
        self.watch(self.table, "scroll_x", lambda _x: self._update_note(), init=False)
        self.load()

    def _add_columns(self, screen_width: int) -> None:
        self.settings_width = settings_width(screen_width)
        for label, width in COLUMNS:
            self.table.add_column(
                label, width=self.settings_width if label == "Settings" else width
            )

    def on_resize(self, event: events.Resize) -> None:
        if settings_width(event.size.width) != self.settings_width:
            self.table.clear(columns=True)
            self._add_columns(event.size.width)
            self._fill()
        self.call_after_refresh(self._update_note)  # the columns out of view

    def _ran(self, created: int) -> None:
        """The rules ran (``r``, the palette or the launch): say what they made."""
        self.query_one("#dry-run", Static).update(
            f"The rules ran: {created:,} new task{'s' if created != 1 else ''}. "
            "d shows what a run would create now."
        )
        self.load()

    @property
    def current(self) -> RuleStatus | None:
        row = self.table.cursor_row
        return self.statuses[row] if 0 <= row < len(self.statuses) else None

    def _config(self) -> Any:
        from core.playbook.rules import load_rules_config

        return load_rules_config(self.app.settings.path)

    @work(thread=True, exclusive=True, exit_on_error=False, group="playbook", name="Rules")
    def load(self) -> None:
        from core.playbook.runs import rule_statuses

        config = self._config()
        statuses = rule_statuses(self.app.database, config)
        self.app.call_from_thread(self._show, statuses, config.problems, config.run_on_launch)

    def _show(self, statuses: list[RuleStatus], problems: list[str], on_launch: bool) -> None:
        self.statuses = statuses
        self._fill()
        on = sum(status.enabled for status in statuses)
        self.note = [f"{on} of {len(statuses)} rules on"]
        self.note.append(
            "run on launch" if on_launch else "not run on launch ([rules] run_on_launch)"
        )
        self.note.append("Last ran: UTC · New: tasks made by the last run · Made: in all")
        self._update_note()
        for problem in problems:
            self.notify(problem, title="Playbook rules", severity="warning", timeout=15)

    def _update_note(self) -> None:
        if self.note:
            more = out_of_view(self.table)
            words = "  ·  ".join([*self.note, *([more] if more else [])])
            self.query_one("#playbook-note", Static).update(words)

    def _fill(self) -> None:
        """The table shows the rules read, the cursor kept on its row; the settings
        wrap in their column (a row as high as they take)."""
        from core.playbook.rules import describe_settings, left_out

        table = self.table
        row = table.cursor_row
        table.clear()
        enabled = {status.name: status.settings for status in self.statuses if status.enabled}
        for status in self.statuses:
            last = "never" if status.last_ran_at is None else f"{status.last_ran_at:%Y-%m-%d %H:%M}"
            title = Text(status.title)
            if words := left_out(status.name, enabled):  # under the title: it fits there
                title.append(f"\n{words}", style="dim")
            table.add_row(
                Text("on", style="bold") if status.enabled else Text("off", style="dim"),
                title,
                Text(describe_settings(status.name, status.settings)),
                last,
                Text(
                    "" if status.last_created is None else str(status.last_created), justify="right"
                ),
                Text(f"{status.tasks_made:,}", justify="right"),
                key=status.name,
                height=None,
            )
        table.move_cursor(row=max(0, min(row, len(self.statuses) - 1)), animate=False)

    def action_cursor(self, direction: str) -> None:
        getattr(self.table, f"action_cursor_{direction}")()

    def action_row(self, index: int) -> None:
        go_to_row(self.focused, index)

    def action_toggle(self) -> None:
        if (status := self.current) is not None:
            self._change(status.name, {"enabled": not status.enabled})

    @on(DataTable.RowSelected)
    def _selected(self) -> None:  # enter on the table (RulesTable)
        self.action_edit()

    def action_edit(self) -> None:
        if (status := self.current) is None:
            return

        def done(values: dict[str, int] | None) -> None:
            if values:
                self._change(status.name, values)

        self.app.push_screen(RuleSettingsScreen(status), done)

    def _change(self, rule: str, values: dict[str, Any]) -> None:
        from core.config.file import ConfigFileError
        from core.playbook.rules import change_rule

        try:
            change_rule(rule, values, self.app.settings.path)
        except (ValueError, ConfigFileError) as error:
            self.notify(str(error), title="Not changed", severity="error", timeout=15)
            return
        self.load()

    def action_run(self) -> None:
        self.query_one("#dry-run", Static).update("Running the rules…")
        self.app.run_rules_now()

    @work(thread=True, exclusive=True, exit_on_error=False, group="playbook-dry", name="Dry run")
    def action_dry_run(self) -> None:
        from core.playbook.rules import RULE_TITLES
        from core.playbook.runs import new_tasks

        self.app.call_from_thread(
            self.query_one("#dry-run", Static).update, "Finding what a run would create…"
        )
        planned = new_tasks(self.app.database, self.app.today, self._config())
        total = sum(rows.height for rows in planned.values())
        lines = [
            f"A run now would create {total:,} task{'s' if total != 1 else ''}"
            + (":" if total else ". Nothing is written by a dry run.")
        ]
        for rule, rows in planned.items():
            if rows.is_empty():
                continue
            lines.append(f"\n{RULE_TITLES.get(rule, rule)}: {rows.height:,}")
            for row in rows.head(DRY_RUN_SHOWN).iter_rows(named=True):
                lines.append(
                    f"  due {row['due_on']}  {visible(row['owner'])}: {visible(row['title'])}"
                )
            if rows.height > DRY_RUN_SHOWN:
                lines.append(f"  … and {rows.height - DRY_RUN_SHOWN:,} more")
        if total:
            lines.append("\nNothing was written: r runs the rules.")
        self.app.call_from_thread(self.query_one("#dry-run", Static).update, Text("\n".join(lines)))


class RuleSettingsScreen(Dialog[dict[str, int] | None]):
    """A rule's settings, each a whole number; dismissed with the changed values."""

    DEFAULT_CSS = """
    RuleSettingsScreen Label { padding: 1 0 0 0; }
    RuleSettingsScreen #rule-error { color: $error; }
    """
    BINDINGS = save_cancel_bindings("rule")

    def __init__(self, status: RuleStatus) -> None:
        super().__init__()
        self.status = status

    def compose(self) -> ComposeResult:
        from core.playbook.rules import setting_words

        with Vertical(classes="dialog"):
            yield Static(self.status.title, classes="dialog-title", markup=False)
            for key, value in self.status.settings.items():
                yield Label(setting_words(self.status.name, key)[0], markup=False)
                yield Input(str(value), id=f"setting-{key}", type="integer")
            yield Static("", id="rule-error", markup=False)
            yield save_cancel_buttons()

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        from core.playbook.rules import setting_problem, setting_words

        values: dict[str, int] = {}
        for key, before in self.status.settings.items():
            field = self.query_one(f"#setting-{key}", Input)
            text = field.value.strip()
            value: int | str = int(text) if text.isdecimal() else text
            if problem := setting_problem(key, value):
                label = setting_words(self.status.name, key)[0]
                self.query_one("#rule-error", Static).update(f"{label}: {problem}")
                field.focus()
                return
            if value != before:
                values[key] = int(value)
        self.dismiss(values)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close, asking first when a value was changed (nothing typed is lost unasked)."""
        from tui.screens.confirm import close_form

        changed = any(
            self.query_one(f"#setting-{key}", Input).value.strip() != str(value)
            for key, value in self.status.settings.items()
        )
        close_form(self, changed, None)
