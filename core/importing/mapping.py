"""Which column feeds which field, and which file values mean which enum value.

Columns are matched to fields by name, ignoring case, spaces, underscores, dashes and
dots, through each field's synonyms (``spec.py``); ``--map FIELD=COLUMN`` or a
mapping file overrides a match. A mapping file is TOML::

    date_format = "dmy"            # iso, dmy, mdy or a strftime pattern
    create_missing_accounts = false
    cents = ["mrr"]                # amounts whose column holds cents (1999 is 19.99)

    [columns]                      # field = "column in the file"
    external_id = "customerID"
    mrr = "MonthlyCharges"

    [values.status]                # field: value in the file = stored value
    Yes = "churned"
    No = "active"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from core.importing.parse import DATE_ORDERS
from core.importing.spec import ENUM, Kind, normalise


class MappingError(ValueError):
    """A mapping that cannot work (a missing required column, an unknown field...),
    for the whole file, before any row is read. ``problems`` lists each in words;
    ``fields``: the fields left without a column, where the user fixes it (the app
    puts its mapping's cursor on the first)."""

    def __init__(self, problems: list[str], fields: tuple[str, ...] = ()) -> None:
        self.problems = problems
        self.fields = fields
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Hints:
    """How an error tells the user to fix it, in the words of where they are: the
    command line's options (these defaults) or the app's controls."""

    map_column: str = "name it with --map {field}=COLUMN"
    map_values: str = "map it with --value {field}:{{value}}=VALUE"
    date_format: str = "say which with --date-format dmy or --date-format mdy"
    create_missing: str = "import it first or use --create-missing-accounts"
    skip_without_account: str = "leave such rows out with --skip-without-account"
    drop_extra: str = "--drop-extra leaves them out"
    every_row: str = "--every-row imports them"
    cents: str = "if they are cents, --cents {field} reads them so"
    as_of: str = "give another with --as-of"  # the export's day, a tenure counts back from


@dataclass
class ImportOptions:
    """How to read a file. ``columns`` and ``values`` override the automatic matching."""

    columns: dict[str, str] = field(default_factory=dict)  # field -> column
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> {text: value}
    date_format: str | None = None  # iso, dmy, mdy or a strftime pattern
    create_missing_accounts: bool = False
    dry_run: bool = False
    user: str = "import"  # logged_by of imported interactions without one
    hints: Hints = field(default_factory=Hints)
    # The day an account import's MRR and status changes take effect (default: as_of,
    # else today).
    effective: date | None = None
    # A file without a header line: its column names ([]: column_1, column_2...).
    header: list[str] | None = None
    # The day the file was exported: a tenure column counts back from it (default today).
    as_of: date | None = None
    # A vendor's export (core.importing.presets): "auto" recognises it from the
    # header, a preset's name forces it, None turns presets off.
    preset: str | None = "auto"
    # Accounts: leave the columns no field reads out, instead of keeping them as
    # custom fields (core.importing.fields).
    drop_extra: bool = False
    # Events: leave out the rows whose account cell is empty (a ticket from someone
    # with no company), said in the summary, instead of refusing the file.
    skip_without_account: bool = False
    # A vendor's export: import the rows its preset leaves out (a CRM's leads).
    every_row: bool = False
    # Money fields whose column holds cents (1999 is 19.99) though its name does not
    # say so (a column named amount_cents or "MRR (cents)" is read as cents anyway).
    cents: frozenset[str] = frozenset()

    def merged(self, other: ImportOptions) -> ImportOptions:
        """These options with ``other``'s given settings on top."""
        values = {name: dict(mapped) for name, mapped in self.values.items()}
        for name, mapped in other.values.items():
            values.setdefault(name, {}).update(mapped)
        return ImportOptions(
            columns={**self.columns, **other.columns},
            values=values,
            date_format=other.date_format or self.date_format,
            create_missing_accounts=self.create_missing_accounts or other.create_missing_accounts,
            dry_run=self.dry_run or other.dry_run,
            user=other.user if other.user != "import" else self.user,
            hints=other.hints,
            effective=other.effective or self.effective,
            header=other.header if other.header is not None else self.header,
            as_of=other.as_of or self.as_of,
            preset=other.preset if other.preset != "auto" else self.preset,
            drop_extra=self.drop_extra or other.drop_extra,
            skip_without_account=self.skip_without_account or other.skip_without_account,
            every_row=self.every_row or other.every_row,
            cents=self.cents | other.cents,
        )


@dataclass
class Mapping:
    columns: dict[str, str]  # field -> column of the file, for every matched field
    ignored: list[str]  # columns of the file that feed no field


def parse_pair(text: str, what: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise MappingError([f"{what} {text!r} is not of the form NAME=VALUE"])
    return name.strip(), value.strip()


def parse_value_option(text: str) -> tuple[str, str, str]:
    """``status:Yes=churned`` -> ("status", "Yes", "churned")."""
    name, sep, rest = text.partition(":")
    if not sep:
        raise MappingError([f"--value {text!r} is not of the form FIELD:FROM=TO"])
    source, target = parse_pair(rest, "--value")
    return name.strip(), source, target


def load_mapping_file(path: Path) -> ImportOptions:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise MappingError([f"mapping file {path}: {error}"]) from None
    unknown = set(data) - {"columns", "values", "date_format", "create_missing_accounts", "cents"}
    if unknown:
        raise MappingError([f"mapping file {path}: unknown setting {sorted(unknown)[0]!r}"])
    values, cents = data.get("values", {}), data.get("cents", [])
    return ImportOptions(
        columns={str(k): str(v) for k, v in data.get("columns", {}).items()},
        values={str(f): {str(k): str(v) for k, v in m.items()} for f, m in values.items()},
        date_format=data.get("date_format"),
        create_missing_accounts=bool(data.get("create_missing_accounts", False)),
        cents=frozenset(map(str, [cents] if isinstance(cents, str) else cents)),
    )


def propose_mapping(
    kind: Kind, columns: list[str], overrides: dict[str, str], hints: Hints | None = None
) -> Mapping:
    """The field -> column matching for a file's header, with ``overrides`` applied.
    A field is matched by its own name first, then by its synonyms in order."""
    problems = []
    chosen: dict[str, str] = {}
    for name, column in overrides.items():
        try:
            kind.field(name)
        except KeyError as error:
            problems.append(str(error.args[0]))
            continue
        if column not in columns:
            problems.append(f"--map {name}={column}: the file has no column {column!r}")
        chosen[name] = column
    by_name: dict[str, str] = {}
    for column in columns:
        by_name.setdefault(normalise(column), column)
    used = set(chosen.values())
    for spec_field in kind.fields:
        if spec_field.name in chosen:
            continue
        for candidate in (spec_field.name, spec_field.target, *spec_field.synonyms):
            column = by_name.get(normalise(candidate))
            if column is not None and column not in used:
                chosen[spec_field.name] = column
                used.add(column)
                break
    missing = [spec_field for spec_field in kind.required if spec_field.name not in chosen]
    feeds = {column: name for name, column in chosen.items()}
    for spec_field in missing:
        candidates = (spec_field.name, spec_field.target, *spec_field.synonyms)
        looked = ", ".join(sorted({spec_field.name, *spec_field.synonyms}))
        taken = [
            by_name[normalise(candidate)]
            for candidate in candidates
            if by_name.get(normalise(candidate)) in feeds
        ]
        also = (
            f"{taken[0]} matches but feeds {feeds[taken[0]]}, and a column can feed both: "
            if taken
            else ""
        )
        problems.append(
            f"missing required column for {spec_field.name} (looked for: {looked}); "
            + also
            + (hints or Hints()).map_column.format(field=spec_field.name)
        )
    if missing or any(column not in columns for column in overrides.values()):
        problems.append(f"the file's columns: {_listed(columns)}")
    if problems:
        raise MappingError(problems, tuple(spec_field.name for spec_field in missing))
    ordered = {f.name: chosen[f.name] for f in kind.fields if f.name in chosen}
    return Mapping(ordered, [column for column in columns if column not in used])


def _listed(columns: list[str], most: int = 30) -> str:
    """The file's column names, as the user would type them, the first ``most``."""
    shown = ", ".join(columns[:most]) or "none"
    return shown + (f" and {len(columns) - most} more" if len(columns) > most else "")


def value_maps(kind: Kind, values: dict[str, dict[str, str]]) -> dict[str, dict[str, object]]:
    """Per enum field, every accepted lower-case text -> stored value: the field's own
    values plus the user's ``--value`` entries (whose targets must be valid values)."""
    problems = []
    maps: dict[str, dict[str, object]] = {}
    for spec_field in kind.fields:
        if spec_field.type == ENUM:
            maps[spec_field.name] = dict(spec_field.values)
    for name, mapped in values.items():
        try:
            spec_field = kind.field(name)
        except KeyError as error:
            problems.append(str(error.args[0]))
            continue
        if spec_field.type != ENUM:
            problems.append(f"--value {name}: {name} is not a field with a fixed set of values")
            continue
        for source, target in mapped.items():
            stored = spec_field.values.get(target.strip().lower())
            if stored is None and target.strip().lower() not in spec_field.values:
                allowed = ", ".join(dict.fromkeys(str(v) for v in spec_field.values))
                problems.append(
                    f"--value {name}:{source}={target}: {target!r} is not a {name} "
                    f"(choose from {allowed})"
                )
                continue
            maps[name][source.strip().lower()] = stored
    if problems:
        raise MappingError(problems)
    return maps


def check_date_format(date_format: str | None) -> None:
    if date_format is not None and date_format not in DATE_ORDERS and "%" not in date_format:
        raise MappingError(
            [f"--date-format {date_format!r}: use iso, dmy, mdy or a pattern such as %d/%m/%Y"]
        )
