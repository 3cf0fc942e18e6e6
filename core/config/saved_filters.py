"""Saved filters: named account filters kept in the config file's ``[filters.NAME]``
tables, for the accounts list and as a metrics scope (``Scope.from_saved``).

    [filters."Enterprise renewals"]
    segments = ["Enterprise"]
    plans = ["Scale"]
    statuses = ["active", "onboarding"]
    bands = ["red", "yellow"]          # or "no score": the live accounts without one
    renewal_within_days = 90
    no_interaction_days = 30
    set_to_cancel = true
    fields = [{ field = "Contract", is = "Month-to-month" }, { field = "tenure", at_least = 12 }]

``segments``, ``owners``, ``plans`` and ``statuses`` are attributes of the account:
they narrow the accounts list and scope the metrics (in SQL). So do ``fields``,
conditions on custom fields by the field's name: ``is`` a value (any type), or
``at_least`` / ``at_most`` a number, an amount or a day; the file cannot know the
database's fields, so an unknown field is an error naming it when the filter is used
(``core.accounts.field_views.resolve_rules``). ``bands``,
``renewal_within_days`` and ``no_interaction_days`` depend on the day and on the
health scores, and ``set_to_cancel`` (true: only the customers set to cancel at
their renewal) is about the renewal: they narrow the accounts list only, and
metrics for the filter ignore them. A list means "any of these", every key narrows
further, and a missing or empty key means "any".

A filter with a problem is reported with its file and line and left out; the others
keep working. Saving and deleting rewrite the filter's own table only, keeping
every other line of the file; a file that cannot be read is never written.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomlkit
from tomlkit.items import Table

from core.accounts.field_views import SYMBOLS, FieldCondition, FieldRule
from core.accounts.listing import DAY_FILTERS, SET_TO_CANCEL, Facets, filter_words
from core.accounts.queries import HEALTH_CHOICES, AccountFilter
from core.config.file import Check, ConfigFileError, edit_config, read_config, rewrite_config
from core.config.settings import config_path
from core.models import AccountStatus
from core.text import shortened

if TYPE_CHECKING:
    from tomlkit.toml_document import TOMLDocument

TABLE = "filters"
MAX_NAME_LENGTH = 60
LIST_KEYS = ("segments", "owners", "plans", "statuses", "bands")
DAY_KEYS = DAY_FILTERS
FIELDS_KEY = "fields"
KEYS = (*LIST_KEYS, *DAY_KEYS, SET_TO_CANCEL, FIELDS_KEY)
SCOPE_KEYS = ("segments", "owners", "plans", "statuses", FIELDS_KEY)
"""The keys that scope metrics (``Scope.from_saved``) as well as the accounts list."""
LIST_ONLY_KEYS = ("bands", *DAY_KEYS, SET_TO_CANCEL)
"""The keys that narrow the accounts list but do not scope metrics."""
ALLOWED = {"statuses": tuple(AccountStatus), "bands": HEALTH_CHOICES}
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True, kw_only=True)
class SavedFilter(Facets):
    """A named filter: the list's facets, and conditions on custom fields by name."""

    name: str
    fields: tuple[FieldRule, ...] = ()

    @classmethod
    def from_account_filter(cls, name: str, where: AccountFilter) -> SavedFilter:
        """What the accounts list's filter form holds (the search and "my book" are
        not part of a saved filter)."""
        return cls(name=name, fields=tuple(c.rule() for c in where.fields), **where.facets())

    def account_filter(
        self, base: AccountFilter | None = None, fields: tuple[FieldCondition, ...] = ()
    ) -> AccountFilter:
        """The accounts list's filter: this filter's values, with ``fields`` (its
        conditions on custom fields, resolved: ``resolve_rules``), keeping the search
        and "my book" of ``base``."""
        return replace(base or AccountFilter(), fields=fields, **self.facets())

    @property
    def is_empty(self) -> bool:
        return not self.describe()

    def describe(self, keys: tuple[str, ...] = KEYS) -> list[str]:
        """Each part that is set, in words (``keys``: only those parts), as the
        accounts list's filter bar says them."""
        parts: list[str] = []
        for key in keys:
            if key == FIELDS_KEY:
                parts.extend(rule.describe() for rule in self.fields)
            elif words := filter_words(key, getattr(self, key)):
                parts.append(words)
        return parts

    def as_dict(self) -> dict[str, Any]:
        """The parts that are set, as the config file holds them (sorted lists)."""
        result: dict[str, Any] = {}
        for key in KEYS:
            value = getattr(self, key)
            if key in LIST_KEYS and value:
                result[key] = sorted(value)
            elif key in DAY_KEYS and value is not None:
                result[key] = value
            elif key == SET_TO_CANCEL and value:
                result[key] = True
            elif key == FIELDS_KEY and value:
                result[key] = [rule.as_dict() for rule in value]
        return result


@dataclass
class SavedFilters:
    """The saved filters of a config file, by name, and the problems found in it."""

    path: Path
    filters: dict[str, SavedFilter] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    broken: dict[str, str] = field(default_factory=dict)
    """The problem of each filter left out, by name."""

    def names(self) -> list[str]:
        return sorted(self.filters, key=str.casefold)


class UnknownFilterError(KeyError):
    def __init__(self, name: str, known: list[str]) -> None:
        choices = f"saved filters: {', '.join(known)}" if known else "there are none yet"
        super().__init__(f"no saved filter called '{shortened(name)}' ({choices})")
        self.message = self.args[0]

    def __str__(self) -> str:
        return self.message


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a filter, in words, or None."""
    if not name.strip():
        return "a name is required"
    if name != name.strip():
        return "the name cannot start or end with a space"
    if len(name) > MAX_NAME_LENGTH:
        return f"the name is longer than {MAX_NAME_LENGTH} characters"
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        return "the name cannot hold control characters"
    return None


def load_saved_filters(path: Path | None = None) -> SavedFilters:
    """The ``[filters.*]`` tables of the config file (default: the user's). Each
    problem names the file, the line and the key; a filter with a problem is left
    out, the others are read."""
    path = path or config_path()
    result = SavedFilters(path)
    try:
        config = read_config(path)
    except ConfigFileError as error:
        result.problems.append(f"{error}; no saved filter is read")
        return result
    if config is None:
        return result
    text, data = config.text, config.data
    lines = text.splitlines()
    tables = data.get(TABLE, {})
    if not isinstance(tables, dict):
        line = _key_line(lines, 0, len(lines), TABLE)
        result.problems.append(f"{path}, line {line}: {TABLE} must be a table of filters")
        return result
    for name, values in tables.items():
        start, end = _table_span(lines, name)
        problem = _parse(name, values)
        if isinstance(problem, SavedFilter):
            result.filters[name] = problem
            continue
        key, message = problem
        line = start + 1 if key is None else _key_line(lines, start, end, key)
        label = f"{TABLE}.{_key(name)}" + (f".{key}" if key else "")
        result.broken[name] = f"{path}, line {line}: {label} {message}; filter left out"
        result.problems.append(result.broken[name])
    return result


def get_filter(name: str, path: Path | None = None) -> SavedFilter:
    """The saved filter called ``name``; UnknownFilterError (with the names there
    are) when there is none, ValueError when it has a problem."""
    saved = load_saved_filters(path)
    if name in saved.filters:
        return saved.filters[name]
    if name in saved.broken:
        raise ValueError(saved.broken[name])
    raise UnknownFilterError(name, saved.names())


def save_filter(saved: SavedFilter, path: Path | None = None) -> bool:
    """Write ``saved`` as its ``[filters.NAME]`` table, replacing a filter of the
    same name in place (True) or adding it at the end of the file (False). Every
    other line is kept. ValueError for a bad name, or when the file cannot be read
    or its filter is not written as its own table (the file is left untouched)."""
    if problem := name_problem(saved.name):
        raise ValueError(f"filter name {saved.name!r}: {problem}")
    path = path or config_path()
    replaced = saved.name in _filters_for_writing(path)

    def change(document: TOMLDocument) -> None:
        values = saved.as_dict()
        if TABLE not in document:
            document[TABLE] = tomlkit.table(is_super_table=True)
        filters: Any = document[TABLE]
        table = filters.get(saved.name)
        if not isinstance(table, Table):  # new (or inline): a table of its own
            filters[saved.name] = table = tomlkit.table()
        for key in [key for key in table if key not in values]:
            del table[key]  # in place: the comments in and after the table stay
        for key, value in values.items():
            table[key] = _inline_tables(value) if key == FIELDS_KEY else value

    edit_config(path, change, _only_changed(saved.name, saved))
    return replaced


def delete_filter(name: str, path: Path | None = None) -> None:
    """Remove the ``[filters.NAME]`` table, keeping every other line.
    UnknownFilterError when there is no filter of that name."""
    path = path or config_path()
    filters = _filters_for_writing(path)
    if name not in filters:
        raise UnknownFilterError(name, sorted(filters, key=str.casefold))

    def change(text: str) -> str:
        lines = text.splitlines()
        for start, end in reversed(_table_spans(lines, name)):
            del lines[start:end]
            blank_before = 0 < start <= len(lines) and not lines[start - 1].strip()
            if blank_before and (start == len(lines) or not lines[start].strip()):
                del lines[start - 1]  # no double blank line where the table was
        return "\n".join(lines) + "\n"

    # By lines, not through tomlkit: it would take the comments that follow the
    # table (about the next one) away with it.
    rewrite_config(path, change, _only_changed(name, None))


def _filters_for_writing(path: Path) -> dict[str, Any]:
    """The file's filters as they are; ValueError (file unchanged) when it cannot be
    read or its ``filters`` is not a table."""
    try:
        config = read_config(path)
    except ConfigFileError as error:
        raise ValueError(f"{error}; fix the file first, it was not changed") from None
    filters = config.data.get(TABLE, {}) if config is not None else {}
    if not isinstance(filters, dict):
        raise ValueError(f"{path}: {TABLE} must be a table of filters; the file was not changed")
    return filters


def _only_changed(name: str, saved: SavedFilter | None) -> Check:
    """A check for ``edit_config``: the file, read back, holds what it held with only
    the filter ``name`` changed (to ``saved``, or gone)."""

    def check(before: dict[str, Any], after: dict[str, Any]) -> str | None:
        expected = {key: value for key, value in before.items() if key != TABLE}
        filters = {key: value for key, value in before.get(TABLE, {}).items() if key != name}
        if saved is not None:
            filters[name] = saved.as_dict()
        if filters or TABLE in after:
            expected[TABLE] = filters
        if after == expected:
            return None
        return (
            f"the filter {name!r} is not written as its own [{TABLE}.{_key(name)}] table; "
            "edit it by hand"
        )

    return check


# ---------------------------------------------------------------- reading


def _parse(name: str, values: Any) -> SavedFilter | tuple[str | None, str]:
    """The filter, or (the key at fault or None for the table, the problem)."""
    if problem := name_problem(name):
        return None, problem
    if not isinstance(values, dict):
        return None, "must be a table"
    parsed: dict[str, Any] = {}
    for key, value in values.items():
        if key not in KEYS:
            return key, f"is not a part of a saved filter (known: {', '.join(KEYS)})"
        if key in DAY_KEYS:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                return key, f"must be a whole number of days >= 0, not {value!r}"
            parsed[key] = value
            continue
        if key == SET_TO_CANCEL:
            if not isinstance(value, bool):
                return key, f"must be true or false, not {value!r}"
            parsed[key] = value
            continue
        if key == FIELDS_KEY:
            rules = _rules(value)
            if isinstance(rules, str):
                return key, rules
            parsed[key] = rules
            continue
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            return key, f"must be a list of non-empty strings, not {value!r}"
        allowed = ALLOWED.get(key)
        wrong = [item for item in value if allowed and item not in allowed]
        if wrong:
            return key, f"has {wrong[0]!r}, which is not one of {', '.join(allowed or ())}"
        parsed[key] = frozenset(value)
    return SavedFilter(name=name, **parsed)


def _rules(value: Any) -> tuple[FieldRule, ...] | str:
    """The conditions on custom fields of a filter's ``fields``, or what is wrong."""
    shape = (
        'must be a list of conditions such as { field = "Contract", is = "Month-to-month" } '
        'or { field = "tenure", at_least = 12 } (is, at_least, at_most)'
    )
    if not isinstance(value, list):
        return f"{shape}, not {value!r}"
    rules: list[FieldRule] = []
    for item in value:
        if not isinstance(item, dict):
            return f"{shape}, not {item!r}"
        name = item.get("field")
        ops = [key for key in item if key != "field"]
        if not isinstance(name, str) or not name.strip() or len(ops) != 1 or ops[0] not in SYMBOLS:
            return f"{shape}, not {item!r}"
        op, given = ops[0], item[ops[0]]
        yes_no = isinstance(given, bool)  # a bool is an int to isinstance
        if not isinstance(given, str | int | float | date) or (yes_no and op != "is"):
            return f"{shape}: {op} of {name!r} cannot be {given!r}"
        if isinstance(given, str) and not given.strip():
            return f"{shape}: {op} of {name!r} is empty"
        rules.append(FieldRule(name.strip(), op, given))
    return tuple(rules)


def _header_path(line: str) -> tuple[str, ...] | None:
    """The key path of a table header line (``[a."b c"]`` -> ("a", "b c")), or None."""
    stripped = line.strip()
    if not stripped.startswith("["):
        return None
    try:
        node: Any = tomllib.loads(stripped)
    except tomllib.TOMLDecodeError:
        return None
    path: list[str] = []
    while isinstance(node, dict) and len(node) == 1:
        key, node = next(iter(node.items()))
        path.append(key)
    return tuple(path)


def _table_spans(lines: list[str], name: str) -> list[tuple[int, int]]:
    """The line ranges of ``[filters.NAME]`` and its sub-tables: from the header to
    the next header, leaving out the comment lines and blank lines just before it
    (they belong to the next table)."""
    headers = [(index, _header_path(line)) for index, line in enumerate(lines)]
    headers = [(index, path) for index, path in headers if path is not None]
    spans: list[tuple[int, int]] = []
    for position, (index, path) in enumerate(headers):
        if path[:2] != (TABLE, name):
            continue
        end = headers[position + 1][0] if position + 1 < len(headers) else len(lines)
        while end > index + 1 and lines[end - 1].lstrip()[:1] in ("", "#"):
            end -= 1
        spans.append((index, end))
    return spans


def _table_span(lines: list[str], name: str) -> tuple[int, int]:
    spans = _table_spans(lines, name)
    if spans:
        return spans[0]
    start = _key_line(lines, 0, len(lines), name) - 1
    return start, len(lines)


def _key_line(lines: list[str], start: int, end: int, key: str) -> int:
    """The 1-based line where ``key`` is set between ``start`` and ``end``, or the
    first line of that range."""
    for index in range(start, end):
        left = lines[index].split("=", 1)[0].strip().strip("\"'")
        if left == key:
            return index + 1
    return start + 1


# ---------------------------------------------------------------- writing


def _inline_tables(rules: list[dict[str, Any]]) -> Any:
    """The conditions as an array of inline tables, one a line."""
    array = tomlkit.array().multiline(len(rules) > 1)
    for rule in rules:
        table = tomlkit.inline_table()
        table.update(rule)
        array.append(table)
    return array


def _key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else json.dumps(name, ensure_ascii=False)
