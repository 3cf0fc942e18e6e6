"""Import a file from the app: pick the file (a path with completion) and the kind,
see its first rows and the proposed mapping, change the mapping with the keyboard,
check every row (dry run: errors listed by row, column, value and reason, nothing
written), then import with a progress bar. Everything is core.importing's: this
screen only shows it. Reachable from the welcome screen, the command palette and the
accounts list (``i``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.suggester import Suggester
from textual.widgets import (
    Checkbox,
    DataTable,
    Header,
    Input,
    Label,
    OptionList,
    ProgressBar,
    Select,
    Static,
)
from textual.widgets.option_list import Option

from tui.app import CxtuiApp
from tui.format import literal
from tui.messages import BookChanged
from tui.screens.confirm import close_form
from tui.screens.dialog import KeysModal
from tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    import polars as pl

    from core.importing import ImportOptions, ImportRejected, Kind, Mapping, MappingError

BINARY_FORMATS = ("xlsx", "parquet")
"""Formats whose cells carry their own text: no encoding to say."""
PREVIEW_ROWS = 8
DATE_FORMATS = (
    ("dates: automatic", "auto"),
    ("dates: 2024-03-05", "iso"),
    ("dates: 05/03/2024 (day first)", "dmy"),
    ("dates: 03/05/2024 (month first)", "mdy"),
    ("dates: 20240305", "%Y%m%d"),
)
NOT_MAPPED = "— not mapped —"
MAPPING_TITLE = "Mapping (enter: its column · v: its values)"
"""One line at 80 columns too (the mapping's 50 less its padding): the title said
"choose a field's column · v: map its values" on two lines, a field's row fewer."""
# How an error says to fix it, in the words of this screen (the CLI names its options).
APP_HINTS = {
    "map_column": "choose its column in the mapping (enter on {field})",
    "map_values": "press v on {field} in the mapping to map its values",
    "date_format": 'choose "day first" or "month first" in the dates list',
    "create_missing": 'import the accounts first or tick "Create missing accounts"',
    "skip_without_account": 'tick "Skip rows without account" to leave such rows out',
    "drop_extra": '"Drop other columns" leaves them out',
    "every_row": "the command line's cxtui import --every-row imports them",
    "cents": "if they are cents, press c on {field} in the mapping",
    "as_of": "the command line's cxtui import --as-of gives another",
}


def typed_path(text: str) -> str:
    """What the user means by ``text`` in the path field, which starts filled with the
    current folder: as in file choosers, typing a new absolute path after it (``//``)
    or a home path (``/~``) starts over from there."""
    text = text.strip()
    restart = max(text.rfind("//"), text.rfind("/~"))
    return text[restart + 1 :] if restart >= 0 else text


def complete_path(text: str) -> str | None:
    """``text`` completed to the first folder or importable file it starts, for the
    path Input (a folder gets its ``/``); None when nothing fits."""
    from core.importing.formats import EXTENSIONS

    head, sep, tail = typed_path(text).rpartition("/")
    folder = Path((head + sep) or ".").expanduser()
    try:
        entries = sorted(folder.iterdir(), key=lambda entry: entry.name)
    except OSError:
        return None
    for entry in entries:
        name = entry.name
        if not name.startswith(tail) or name == tail or (name[0] == "." and tail[:1] != "."):
            continue
        if entry.is_dir():
            return text + name[len(tail) :] + "/"
        if entry.suffix.lower() in EXTENSIONS:
            return text + name[len(tail) :]
    return None


class PathSuggester(Suggester):
    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return complete_path(value)


def relaxed_mapping(kind: Kind, columns: list[str], overrides: dict[str, str]) -> Mapping:
    """The mapping core.importing proposes, also when a required field has no column
    yet (so the screen can show it and let the user pick one)."""
    from core.importing import propose_mapping
    from core.importing.spec import Kind as KindType

    optional = tuple(replace(field, required=False) for field in kind.fields)
    return propose_mapping(KindType(kind.name, kind.table, optional, kind.key), columns, overrides)


def guess_kind(path: Path, columns: list[str]) -> str | None:
    """The kind a vendor's export imports (a preset recognises its header: Stripe's
    invoices are purchases, Zendesk's export tickets), else the kind the file's name
    says (``interactions.tsv``, ``mrr-2024.csv``), if any."""
    from core.importing import KINDS
    from core.importing.presets import PRESETS

    if preset := next((p for p in PRESETS if p.matches(columns)), None):
        return preset.kind
    stem = path.stem.lower()
    return next((kind for kind in KINDS if stem.startswith(kind.rstrip("s"))), None)


def kind_said(columns: list[str], guessed: str | None, kind: str) -> str:
    """What the screen says of the kind a file is read as, when it is a choice: the
    other kind a vendor's header also imports as (a Zendesk tickets export holds
    its satisfaction ratings: surveys), or that nothing told it (the kind list
    kept the last file's)."""
    from core.importing.presets import PRESETS

    other = next((p for p in PRESETS if p.kind != kind and p.matches(columns)), None)
    if other is not None:
        return (
            f"Also a {other.label} export: choose {other.kind} in the list beside the path "
            f"to import it as {other.kind}."
        )
    if guessed is None:
        return (
            f"Neither its name nor its header says what it holds: read as {kind}; "
            "the list beside the path chooses another."
        )
    return ""


@dataclass
class FileShown:
    path: Path
    description: str
    columns: list[str]
    preview: pl.DataFrame
    guessed: str | None = None
    """The kind its name or header told (guess_kind), None when neither did."""


class ColumnPicker(KeysModal[str | None]):
    """Choose the file column that feeds one field."""

    DEFAULT_CSS = """
    ColumnPicker { align: center middle; }
    ColumnPicker > Vertical {
        width: 60; height: auto; max-height: 80%;
        border: thick $accent; background: $surface; padding: 1 2;
    }
    /* half the screen: with the title, padding and border the box stays within its
       80 %, so the list scrolls to the column highlighted (at 80x24 too) */
    ColumnPicker OptionList { height: auto; max-height: 50vh; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="import.picker.cancel")]

    def __init__(self, field: str, columns: list[str], current: str | None) -> None:
        super().__init__()
        self.field, self.columns, self.current = field, columns, current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Which column holds {self.field}?", classes="dialog-title", markup=False)
            yield OptionList(*[Option(column, id=column) for column in self.columns])

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.columns:
            options.highlighted = self.columns.index(self.current)
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class ValueMapScreen(KeysModal[dict[str, str] | None]):
    """Say which stored value each unknown value of an enum column means."""

    DEFAULT_CSS = """
    ValueMapScreen { align: center middle; }
    ValueMapScreen > VerticalScroll {
        width: 70; height: auto; max-height: 80%;
        border: thick $accent; background: $surface; padding: 1 2;
    }
    ValueMapScreen .value-row { height: auto; }
    ValueMapScreen .value-row Label { width: 24; padding: 1 1 0 0; }
    ValueMapScreen Select { width: 30; }
    """
    BINDINGS = [
        Binding("ctrl+s", "apply", "Apply", id="import.values.apply"),
        Binding("escape", "dismiss(None)", "Cancel", id="import.values.cancel"),
    ]

    def __init__(
        self,
        field: str,
        column: str,
        unknown: list[str],
        choices: list[str],
        current: dict[str, str],
    ) -> None:
        super().__init__()
        self.field, self.column = field, column
        self.unknown, self.choices, self.current = unknown, choices, current

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(
                f'Values of "{self.column}" that are not a {self.field} (ctrl+s applies)',
                classes="dialog-title",
                markup=False,
            )
            for index, value in enumerate(self.unknown):
                with Horizontal(classes="value-row"):
                    yield Label(value, markup=False)
                    yield Select(
                        [(choice, choice) for choice in self.choices],
                        prompt="leave as an error",
                        value=self.current.get(value, Select.NULL),
                        id=f"value-{index}",
                    )

    def on_mount(self) -> None:
        """The first value's list has the keys: enter opens it (the scrolling box
        took the focus, and enter did nothing)."""
        if self.unknown:
            self.query_one("#value-0", Select).focus()

    def action_apply(self) -> None:
        chosen = {}
        for index, value in enumerate(self.unknown):
            target = self.query_one(f"#value-{index}", Select).value
            if isinstance(target, str):
                chosen[value] = target
        self.dismiss(chosen)


class ImportWizardScreen(Screen[None]):
    app = getters.app(CxtuiApp)

    CSS_PATH = "import_wizard.tcss"
    # Below 160 columns the options take two columns of a grid (import_wizard.tcss):
    # on one row, the last ones fell off a narrower terminal.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (160, "-wide")]
    BINDINGS = [
        Binding("ctrl+r", "check", "Check (dry run)", id="import.check"),
        Binding("ctrl+s", "run_import", "Import", id="import.run"),
        Binding("v", "map_values", "Map values", id="import.values"),
        Binding("c", "cents", "In cents", id="import.cents"),
        Binding("escape", "close", "Close", id="import.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.file: FileShown | None = None
        self.overrides: dict[str, str] = {}
        self.values: dict[str, dict[str, str]] = {}
        """Per enum field, file value -> stored value (``--value`` of the CLI)."""
        self.cents: set[str] = set()
        """The amounts whose column holds cents (``--cents`` of the CLI)."""
        self.shown: dict[str, str] = {}
        """The mapping on screen, field -> column: proposed, a preset's or chosen."""
        self.running = False
        self.stage_text = ""  # the last stage's rows, shown again when the work ends
        self.untouched: dict[str, object] = {}
        """The choices that closing would not lose (``unsaved``): the screen's own on
        opening, the file read with the kind it was guessed as, or an import's."""

    def compose(self) -> ComposeResult:
        from core.importing import KINDS

        yield Header()
        with Horizontal(id="file-row"):
            yield Label("File", markup=False)
            yield Input(
                str(Path.cwd()) + "/",
                placeholder="path to a CSV, TSV, XLSX, Parquet or JSON lines file; enter",
                suggester=PathSuggester(),
                select_on_focus=False,
                id="path",
            )
            yield Select([(k, k) for k in KINDS], value="accounts", allow_blank=False, id="kind")
        with Horizontal(id="options-row"):
            yield Select(DATE_FORMATS, value="auto", allow_blank=False, id="date-format")
            yield Checkbox("Create missing accounts", id="create-missing")
            yield Checkbox("No header line", id="no-header")
            yield Checkbox("Drop other columns", id="drop-extra")
            yield Checkbox("Skip rows without account", id="skip-without-account")
        yield Static(
            "Type the file's path (→ completes, enter reads it); ctrl+r checks every row "
            "without writing; ctrl+s imports.",
            id="file-note",
            markup=False,
        )
        with Horizontal(id="middle"):
            with Vertical(id="preview-box"):
                yield Static("First rows", classes="box-title", markup=False)
                yield DataTable(id="preview", show_cursor=False)
            with Vertical(id="mapping-box"):
                yield Static(
                    MAPPING_TITLE,
                    classes="box-title",
                    markup=False,
                )
                yield DataTable(id="mapping", cursor_type="row")
        with VerticalScroll(id="status-box"):  # a long summary scrolls (tab to it)
            yield Static("", id="status", markup=False)
        with Horizontal(id="progress-row"):
            yield ProgressBar(id="progress", show_eta=False)
            yield Static("", id="stage", markup=False)
        yield DataTable(id="errors", cursor_type="row", zebra_stripes=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = "Import a file"
        self.query_one("#mapping", DataTable).add_columns("Field", "Column", "First value")
        self.query_one("#errors", DataTable).add_columns("Row", "Column", "Value", "Reason")
        self.query_one("#progress-row").display = False
        self.query_one("#errors").display = False
        self.query_one("#path", Input).focus()
        self.untouched = self.choices()

    # ------------------------------------------------------------------ the file

    @on(Input.Submitted, "#path")
    def _path_entered(self, event: Input.Submitted) -> None:
        self.read_file(Path(typed_path(event.value)).expanduser())

    @work(thread=True, exclusive=True, exit_on_error=False, group="import-read", name="Reading")
    def read_file(self, path: Path) -> None:
        from core.importing import FileError, open_source

        try:
            with open_source(path, header=self.header()) as source:
                preview = source.preview(PREVIEW_ROWS)
                separator = f", separated by {source.separator!r}" if source.separator else ""
                # a text file's encoding; a spreadsheet's or Parquet's cells carry their own
                encoding = "" if source.format in BINARY_FORMATS else f", {source.encoding}"
                description = (
                    f"{path.name}: {source.format.upper()}{encoding}{separator}, "
                    f"{len(source.columns)} columns"
                )
                shown = FileShown(path, description, source.columns, preview)
        except FileError as error:
            self.app.call_from_thread(self._status, str(error), error=True)
            return
        self.app.call_from_thread(self._file_read, shown)

    def _file_read(self, shown: FileShown) -> None:
        self.file = shown
        self.overrides, self.values, self.cents = {}, {}, set()
        self.query_one("#file-note", Static).update(shown.description)
        table = self.query_one("#preview", DataTable)
        table.clear(columns=True)
        table.add_columns(*map(literal, shown.columns))
        for row in shown.preview.iter_rows():
            table.add_row(*["" if value is None else literal(value) for value in row])
        shown.guessed = guess_kind(shown.path, shown.columns)
        kind = self.query_one("#kind", Select)
        if shown.guessed and kind.value != shown.guessed:
            kind.value = shown.guessed  # its Changed event shows the mapping
        else:
            self.show_mapping()
        self._reset_results()
        self.query_one("#mapping", DataTable).focus()
        path, kind_read = self.query_one("#path", Input).value, kind.value
        self.untouched.update(path=path, kind=kind_read, columns={}, values={}, cents=[])

    @on(Select.Changed, "#kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        self.overrides, self.values, self.cents = {}, {}, set()
        self._reset_results()
        self.show_mapping()
        if event.select.has_focus_within and self.file is not None:
            # chosen by the user: what comes next is the mapping (enter on a field)
            self.query_one("#mapping", DataTable).focus()

    @property
    def kind(self) -> Kind:
        from core.importing import kind_for

        return kind_for(str(self.query_one("#kind", Select).value))

    def show_mapping(self) -> None:
        table = self.query_one("#mapping", DataTable)
        row = table.cursor_row
        table.clear()
        if self.file is None:
            return
        kind = self.kind
        from core.importing import USAGE_DAY, USAGE_USERS, columns_of_days
        from core.importing.presets import recognise

        preset = recognise(kind.name, self.file.columns)
        derived = preset.derivable(self.file.columns)[0] if preset else {}
        columns = [*self.file.columns, *derived]
        preset_columns = {} if preset is None else preset.mapping(columns)
        if columns_of_days(kind, self.file.columns, self.overrides):  # dates across
            preset_columns |= {"day": USAGE_DAY, "active_users": USAGE_USERS}
            columns += [USAGE_DAY, USAGE_USERS]
        mapping = relaxed_mapping(kind, columns, {**preset_columns, **self.overrides})
        self.shown = dict(mapping.columns)
        title = MAPPING_TITLE
        if preset is not None:
            title = f"Mapping: {preset.label} export, recognised from its header (enter: change)"
        self.query_one("#mapping-box .box-title", Static).update(title)
        theme = self.app.current_theme
        from rich.text import Text

        for field in kind.fields:
            column = mapping.columns.get(field.name)
            label = f"{field.name} *" if field.required else field.name
            if column is None:
                shown = Text(NOT_MAPPED, style=theme.error if field.required else "dim")
                first = ""
            else:
                mapped = len(self.values.get(field.name, {}))
                said = f" ({mapped} value{'' if mapped == 1 else 's'} mapped)" if mapped else ""
                shown = Text(column + said + (" (in cents)" if field.name in self.cents else ""))
                preview = self.file.preview
                derived = column not in preview.columns  # a preset computes it on import
                values = [] if derived or not preview.height else preview[column].drop_nulls()
                first = "(computed)" if derived else str(values[0]) if len(values) else ""
            table.add_row(label, shown, literal(first), key=field.name)
        kept = kind.name == "accounts" and not self.query_one("#drop-extra", Checkbox).value
        if mapping.ignored and kept:
            said = "Kept as custom fields, each typed from its data (ctrl+r shows the types): "
            said += ", ".join(mapping.ignored)
        elif mapping.ignored:
            said = f"Columns not imported: {', '.join(mapping.ignored)}"
        else:
            said = "Every column feeds a field."
        # first, what the kind is read as when it is a choice
        self._status(
            "\n".join(
                filter(None, [kind_said(self.file.columns, self.file.guessed, kind.name), said])
            )
        )
        table.move_cursor(row=max(0, min(row, table.row_count - 1)), animate=False)

    @on(DataTable.RowSelected, "#mapping")
    def _pick_column(self, event: DataTable.RowSelected) -> None:
        if self.file is None or event.row_key.value is None:
            return
        field = event.row_key.value

        def chosen(column: str | None) -> None:
            if column is None:
                return
            # A column may feed several fields: the fields it was shown feeding keep it
            # (customerID chosen for name took it from external_id, proposed from it).
            for other, feeding in self.shown.items():
                if feeding == column and other != field:
                    self.overrides.setdefault(other, column)
            self.overrides[field] = column
            self.values.pop(field, None)
            self._reset_results()
            self.show_mapping()

        self.app.push_screen(ColumnPicker(field, self.file.columns, self.shown.get(field)), chosen)

    def action_map_values(self) -> None:
        """``v`` on a field with fixed values (status, kind, sentiment...): map the
        column's unknown values to stored ones."""
        from core.importing.spec import ENUM

        name = self._field_at_cursor(ENUM)
        if self.file is None or name is None:
            return
        field = self.kind.field(name)
        column = relaxed_mapping(self.kind, self.file.columns, self.overrides).columns.get(name)
        if field.type != ENUM or column is None:
            self.notify(f"{name} takes any value: only fields with fixed values are mapped.")
            return
        self.unknown_values(self.file.path, name, column)

    def action_cents(self) -> None:
        """``c`` on an amount (mrr, amount): its column holds cents, 1999 is 19.99 (as
        an API writes them); again: it holds currency units."""
        from core.importing.spec import MONEY

        name = self._field_at_cursor(MONEY)
        if self.file is None or name is None:
            return
        if self.kind.field(name).type != MONEY:
            self.notify(f"{name} is no amount: only amounts are read as cents.")
            return
        self.cents ^= {name}
        self._reset_results()
        self.show_mapping()

    def _field_at_cursor(self, wanted: str | None = None) -> str | None:
        """The field of the mapping's row under the cursor (None: no mapping shown). In
        the list of refused rows, the field that its row's column feeds (of type
        ``wanted`` first), as its words say: "press v on status in the mapping"."""
        errors = self.query_one("#errors", DataTable)
        if errors.has_focus and errors.row_count and self.file is not None:
            column = str(errors.get_row_at(errors.cursor_row)[1])
            mapped = relaxed_mapping(self.kind, self.file.columns, self.overrides).columns
            fed = [name for name, feeding in mapped.items() if feeding == column]
            fed.sort(key=lambda name: self.kind.field(name).type != wanted)
            if fed:
                return fed[0]
        table = self.query_one("#mapping", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="import-read", name="Reading")
    def unknown_values(self, path: Path, name: str, column: str) -> None:
        """The column's distinct values (the first 30) that are not a value of the field."""
        import polars as pl

        from core.importing import open_source
        from core.importing.formats import collect

        field = self.kind.field(name)
        with open_source(path, header=self.header()) as source:
            texts = collect(
                source.frame.select(pl.col(column).str.strip_chars().unique(maintain_order=True)),
                path,
            )[column]
        unknown = [t for t in texts.drop_nulls().to_list() if t and t.lower() not in field.values]
        firsts: dict[str, str] = {}  # stored value -> the first text that means it
        for text, stored in field.values.items():
            firsts.setdefault(str(stored), text)
        choices = list(firsts.values())
        self.app.call_from_thread(self._ask_values, name, column, unknown[:30], choices)

    def _ask_values(self, name: str, column: str, unknown: list[str], choices: list[str]) -> None:
        if not unknown:
            self.notify(f'Every value of "{column}" is already a {name}.')
            return

        def chosen(mapped: dict[str, str] | None) -> None:
            if mapped is not None:
                self.values[name] = mapped
                self._reset_results()
                self.show_mapping()

        current = self.values.get(name, {})
        self.app.push_screen(ValueMapScreen(name, column, unknown, choices, current), chosen)

    # ------------------------------------------------------------------ check and import

    def header(self) -> list[str] | None:
        """No header line: the columns are named column_1, column_2... (None: the
        file's first line names them)."""
        return [] if self.query_one("#no-header", Checkbox).value else None

    @on(Checkbox.Changed, "#drop-extra")
    def _drop_extra_changed(self) -> None:
        self._reset_results()
        self.show_mapping()

    @on(Checkbox.Changed, "#no-header")
    def _header_changed(self) -> None:
        if self.file is not None:
            self.overrides.clear()
            self.read_file(self.file.path)

    def options(self, dry_run: bool) -> ImportOptions:
        from core.importing import Hints, ImportOptions

        date_format = str(self.query_one("#date-format", Select).value)
        return ImportOptions(
            columns=dict(self.overrides),
            values={name: dict(mapped) for name, mapped in self.values.items() if mapped},
            date_format=None if date_format == "auto" else date_format,
            create_missing_accounts=self.query_one("#create-missing", Checkbox).value,
            dry_run=dry_run,
            user=self.app.settings.current_user or "import",
            hints=Hints(**APP_HINTS),
            header=self.header(),
            drop_extra=self.query_one("#drop-extra", Checkbox).value,
            skip_without_account=self.query_one("#skip-without-account", Checkbox).value,
            cents=frozenset(self.cents),
        )

    def action_check(self) -> None:
        self._start(dry_run=True)

    def action_run_import(self) -> None:
        self._start(dry_run=False)

    def _start(self, dry_run: bool) -> None:
        if self.running:
            self.notify("An import is already running.")
            return
        if self.file is None:
            self._status("Pick a file first: type its path and press enter.", error=True)
            return
        self.running = True
        self._reset_results()
        self.query_one("#progress-row").display = True
        self.query_one("#progress", ProgressBar).update(total=None, progress=0)
        self._status("Checking every row…" if dry_run else "Importing…")
        self.run_import(self.file.path, self.kind.name, self.options(dry_run))

    @work(thread=True, exclusive=True, exit_on_error=False, group="import", name="Importing")
    def run_import(self, path: Path, kind: str, options: ImportOptions) -> None:
        from core.importing import FileError, ImportRejected, MappingError, import_file

        app = self.app

        def progress(stage: str, done: int, total: int | None) -> None:
            app.call_from_thread(self._progress, stage, done, total)

        try:
            result = import_file(app.database, kind, path, options, progress)
        except ImportRejected as error:
            app.call_from_thread(self._rejected, error, options.dry_run)
        except MappingError as error:
            app.call_from_thread(self._mapping_refused, error)
        except FileError as error:
            app.call_from_thread(self._finished, str(error), True)
        else:
            app.call_from_thread(
                self._imported, result.summary(), result.details(), options.dry_run
            )

    def _progress(self, stage: str, done: int, total: int | None) -> None:
        bar = self.query_one("#progress", ProgressBar)
        if total is not None:
            bar.update(total=total, progress=done)
        of = f" of {total:,}" if total is not None else ""
        self.stage_text = f"{stage} {done:,}{of} rows"
        # After the last row: indexes are rebuilt and the transaction committed.
        saving = "; saving…" if stage == "written" and total and done >= total else ""
        self.query_one("#stage", Static).update(self.stage_text + saving)

    def _finished(self, text: str, error: bool = False) -> None:
        self.running = False
        self.query_one("#stage", Static).update(self.stage_text)
        bar = self.query_one("#progress", ProgressBar)
        if bar.total is None:  # no stage knew the total: the bar stops, full
            bar.update(total=bar.progress or 1, progress=bar.progress or 1)
        self._status(text, error=error)

    def _mapping_refused(self, error: MappingError) -> None:
        """The problems in words; the mapping's cursor on the first field left without
        a column, so that enter chooses it (the words say "enter on name")."""
        self._finished("\n".join(error.problems), error=True)
        table = self.query_one("#mapping", DataTable)
        rows = [str(row.key.value) for row in table.ordered_rows]
        missing = [name for name in error.fields if name in rows]
        if missing:
            table.move_cursor(row=rows.index(missing[0]), animate=False)
            table.focus()

    def _rejected(self, rejected: ImportRejected, dry_run: bool) -> None:
        """The first errors in the table; above it, each problem said whole with how
        many rows have it (the table's Reason column runs off a narrow screen)."""
        errors, count = rejected.errors, rejected.count
        table = self.query_one("#errors", DataTable)
        table.clear()
        for problem in errors:
            cells = (str(problem.row), problem.column, problem.value or "", problem.reason)
            table.add_row(*map(literal, cells))
        table.display = True
        self.add_class("-refused")
        shown = f"; the first {len(errors)} are listed" if count > len(errors) else ""
        verb = "Checked" if dry_run else "Refused"
        said = f"{count:,} error{'' if count == 1 else 's'}"
        tallies = [f"  {tally}" for tally in rejected.tallies]  # the status shows no markup
        self._finished(
            "\n".join([f"{verb}: {said}{shown}. Nothing was written.", *tallies]),
            error=True,
        )
        table.focus()

    def _imported(self, summary: str, details: list[str], dry_run: bool) -> None:
        """The summary, then the reconciliation and every assumption, one per line
        (a check shows them before anything is written)."""
        self._finished("\n".join([summary, *(f"  {line}" for line in details)]))
        if dry_run:
            return
        if self.file is not None:  # what next: another file, or the book
            self.query_one("#file-note", Static).update(  # one line at 80 columns
                "Imported. The next file's path typed replaces this one; esc shows the book."
            )
            path = self.query_one("#path", Input)
            path.focus()
            path.select_all()
        self.untouched = self.choices()  # imported: closing loses nothing
        self.notify(summary, title="Imported")
        self.app.post_message(BookChanged())
        self.app.recompute_health_now(then_rules=True)  # red accounts get their tasks

    # ------------------------------------------------------------------ the rest

    def _reset_results(self) -> None:
        errors = self.query_one("#errors", DataTable)
        errors.clear()
        errors.display = False
        self.remove_class("-refused")
        self.query_one("#progress-row").display = False
        self.query_one("#stage", Static).update("")

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(text)
        status.set_class(error, "-error")

    def choices(self) -> dict[str, object]:
        """What the user chose here: the path typed, the kind, the columns and values
        mapped, the dates' order and the boxes ticked."""
        return {
            "path": self.query_one("#path", Input).value,
            "kind": self.query_one("#kind", Select).value,
            "columns": dict(self.overrides),
            "values": {name: dict(mapped) for name, mapped in self.values.items() if mapped},
            "cents": sorted(self.cents),
            "dates": self.query_one("#date-format", Select).value,
            **{str(box.id): box.value for box in self.query(Checkbox)},
        }

    @property
    def unsaved(self) -> bool:
        """Whether closing would lose a choice made here and not imported yet (the
        app's quit asks too)."""
        return self.choices() != self.untouched

    def action_close(self) -> None:
        if self.running:
            self.notify("Wait for the import to finish: it writes all or nothing.")
            return
        close_form(self, self.unsaved, None, "Discard the choices made for this import?")
