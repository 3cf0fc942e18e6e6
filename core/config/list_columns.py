"""The ``[accounts_list]`` table of the config file: which columns the accounts list
shows, in which order (``c`` on the list chooses them and writes them here).

```toml
[accounts_list]
columns = ["name", "health", "mrr", "renewal", "owner"]  # the others are hidden
```

The names are those of ``KNOWN_COLUMNS`` (matched whatever the case, with a space for
an underscore), or ``field:NAME`` for a custom field (``field:Contract``; its name
matched as ``core.accounts.field_names.field_key`` does). ``name`` is always shown:
left out, it comes first. An unknown or repeated name is reported with its file and
line and left out; a value of the wrong kind is reported and every column shown. The
file cannot know which custom fields a database has: the list checks a field's name
when it has read them, and names an unknown one with the line kept here (``where``).
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.accounts.field_names import field_column, field_key, field_of_column
from core.config.file import ConfigFile, ConfigFileError, edit_config, read_config

if TYPE_CHECKING:
    from tomlkit.toml_document import TOMLDocument

TABLE = "accounts_list"
KEY = "columns"
LIST_COLUMNS: tuple[str, ...] = (
    # What a manager reads first comes first: on a narrow terminal the columns on the
    # right are the ones out of view.
    "name",
    "mrr",
    "health",
    "trend",
    "renewal",
    "last_touch",
    "owner",
    "segment",
    "tickets",
)
"""The accounts list's columns, by the names the config file gives them, in the order
the list shows them when nothing is chosen."""
CHOSEN_ONLY: tuple[str, ...] = ("churn_risk",)
"""Columns shown only when chosen: their values are read after the list is shown
(``churn_risk``: each account's churn risk from the churn model in force)."""
KNOWN_COLUMNS = (*LIST_COLUMNS, *CHOSEN_ONLY)
ALWAYS_SHOWN = "name"


@dataclass(frozen=True)
class ChosenColumns:
    columns: tuple[str, ...] = LIST_COLUMNS
    """The columns shown, in order."""
    problems: tuple[str, ...] = ()
    places: tuple[tuple[str, str], ...] = ()
    """Where each custom field column was written ("FILE, line N"), by its name."""

    def where(self, column: str) -> str | None:
        """The file and line where ``column`` (a custom field's) was chosen, if known."""
        return dict(self.places).get(column)

    @property
    def fields(self) -> tuple[str, ...]:
        """The custom fields' names among the columns, in order."""
        return tuple(name for c in self.columns if (name := field_of_column(c)) is not None)


def column_name(text: str) -> str:
    """The name ``text`` stands for, if it is one: "Last touch" -> "last_touch";
    " Field: tenure" -> "field:tenure" (a field's name is kept as written)."""
    field = field_of_column(text)
    if field is not None:
        return field_column(field)
    return text.strip().lower().replace(" ", "_")


def _same(column: str) -> str:
    """What two names of one column have in common (a field's name in any case)."""
    field = field_of_column(column)
    return column if field is None else field_column(field_key(field))


def load_list_columns(path: Path | None = None) -> ChosenColumns:
    """The columns chosen in ``path`` (default: the user's config file)."""
    from core.config.settings import config_path

    try:
        config = read_config(path or config_path())
    except ConfigFileError as error:
        return ChosenColumns(problems=(f"{error}; the accounts list shows every column",))
    if config is None or TABLE not in config.data:
        return ChosenColumns()
    table = config.data[TABLE]
    header = config.header_line(TABLE)
    if not isinstance(table, dict):
        where = config.where(config.line_of(TABLE))
        return ChosenColumns(problems=(f"{where}: [{TABLE}] must be a table",))
    problems = [
        f"{config.where(config.line_of(key, after=header) or header)}: {TABLE}.{key} is not "
        f"a setting (known: {KEY})"
        for key in table
        if key != KEY
    ]
    if KEY not in table:
        return ChosenColumns(problems=tuple(problems))
    line = config.line_of(KEY, after=header) or header
    chosen = table[KEY]
    if not isinstance(chosen, list) or not all(isinstance(name, str) for name in chosen):
        problems.append(
            f"{config.where(line)}: {TABLE}.{KEY} must be a list of column names, such as "
            f'["name", "mrr"]; showing every column'
        )
        return ChosenColumns(problems=tuple(problems))
    columns: list[str] = []
    places: list[tuple[str, str]] = []
    for value in chosen:
        name = column_name(value)
        where = config.where(_line_of_value(config, value, line))
        if problem := _problem(name):
            problems.append(f"{where}: {value!r} {problem}; left out")
        elif _same(name) in {_same(column) for column in columns}:
            problems.append(f"{where}: {value!r} is listed twice; shown once")
        else:
            columns.append(name)
            if field_of_column(name) is not None:
                places.append((name, where))
    if ALWAYS_SHOWN not in columns:
        problems.append(
            f"{config.where(line)}: {TABLE}.{KEY} leaves out {ALWAYS_SHOWN!r}, which is "
            "always shown; shown first"
        )
        columns.insert(0, ALWAYS_SHOWN)
    return ChosenColumns(tuple(columns), tuple(problems), tuple(places))


def _problem(name: str) -> str | None:
    """Why ``name`` (through ``column_name``) names no column, or None."""
    field = field_of_column(name)
    if field is not None:
        return None if field else "needs a custom field's name after 'field:'"
    if name not in KNOWN_COLUMNS:
        return (
            f"is not a column of the accounts list (known: {', '.join(KNOWN_COLUMNS)}, "
            "or field:NAME for a custom field)"
        )
    return None


def _line_of_value(config: ConfigFile, value: str, start: int | None) -> int | None:
    """The line, from ``start`` on, of the list entry ``value`` (an array can span
    lines); ``start`` when it is not found."""
    if start is None:
        return None
    quoted = (f'"{value}"', f"'{value}'")
    for number, text in enumerate(config.text.splitlines()[start - 1 :], start=start):
        if any(entry in text for entry in quoted):
            return number
        if number > start and text.lstrip().startswith("["):
            break
    return start


def check_columns(columns: Sequence[str]) -> None:
    """Raise ValueError unless ``columns`` is a choice the list can show: known names,
    each once, ``name`` among them."""
    unknown = [name for name in columns if _problem(name)]
    if unknown:
        raise ValueError(f"not columns of the accounts list: {', '.join(unknown)}")
    if len({_same(name) for name in columns}) != len(columns):
        raise ValueError("a column is listed twice")
    if ALWAYS_SHOWN not in columns:
        raise ValueError(f"the accounts list always shows {ALWAYS_SHOWN!r}")


def save_list_columns(columns: Sequence[str], path: Path | None = None) -> None:
    """Write the chosen columns to ``[accounts_list] columns``, keeping every other line
    of the file as the user wrote it. A file that cannot be read is left untouched
    (``ConfigFileError``, a ValueError); so is one given a choice ``check_columns``
    refuses."""
    from core.config.settings import config_path

    check_columns(columns)

    def change(document: TOMLDocument) -> None:
        import tomlkit

        table: Any = document.get(TABLE)
        if table is None:
            table = tomlkit.table()
            document[TABLE] = table
        elif not isinstance(table, MutableMapping):
            raise ValueError(f"{TABLE} is not a table; not changed")
        table[KEY] = list(columns)

    edit_config(path or config_path(), change)
