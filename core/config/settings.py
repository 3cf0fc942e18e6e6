"""The app's config file: who the current user is and which theme the app uses.

The file is ``config.toml`` in the user's config directory (platformdirs). A file
that cannot be read is reported with its line, the app runs on the defaults, and
the broken file is never overwritten.
"""

from __future__ import annotations

import getpass
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_config_path

if TYPE_CHECKING:
    from tomlkit.toml_document import TOMLDocument

from core.config.file import (
    ConfigFile,
    ConfigFileError,
    edit_config,
    permission_warning,
    read_config,
)

USER_ENV = "CXTUI_USER"
DEFAULT_THEME = "textual-dark"
KEYS = ("user", "theme")
TABLES = ("filters", "metrics", "accounts_list", "rules", "templates")
"""The tables of config.toml, each read by its own part (saved filters, metric options,
the accounts list's columns, the playbook rules, interaction templates)."""


@dataclass(frozen=True)
class Settings:
    """What the config file holds. ``problem`` says why the file was not used;
    ``warning`` says what is wrong with a file that is used anyway."""

    user: str | None = None
    theme: str = DEFAULT_THEME
    path: Path | None = None
    problem: str | None = None
    warning: str | None = None
    left_out: tuple[str, ...] = ()
    """The keys whose values could not be used (``theme = 3``), each said in ``warning``."""

    @property
    def current_user(self) -> str | None:
        """The current user: ``CXTUI_USER`` if set, else the config file's ``user``."""
        return os.environ.get(USER_ENV, "").strip() or self.user

    @property
    def author(self) -> str:
        """Whom the changes of this session are recorded as: the current user, or the
        operating system's login name when none is set."""
        return self.current_user or getpass.getuser()

    def with_theme(self, theme: str) -> Settings:
        return replace(self, theme=theme)


def config_path() -> Path:
    return user_config_path("cxtui", appauthor=False) / "config.toml"


def load_settings(path: Path | None = None) -> Settings:
    """The settings in ``path`` (default: the user's config file). A missing file
    gives the defaults; a broken one gives the defaults and a ``problem``."""
    path = path or config_path()
    warning = permission_warning(path.parent)
    try:
        config = read_config(path)
    except ConfigFileError as error:
        return Settings(path=path, problem=f"{error}; using the defaults", warning=warning)
    if config is None:
        return Settings(path=path, warning=warning)
    notes = [warning, _unknown_keys(config)]
    values: dict[str, str] = {}
    left_out: list[str] = []
    for key in KEYS:
        if key not in config.data:
            continue
        value = config.data[key]
        if not isinstance(value, str) or not value.strip():
            # that key alone is left out: the other (a user, a theme) is still in force
            left_out.append(key)
            instead = f"using {DEFAULT_THEME}" if key == "theme" else "no user set"
            notes.append(
                f"{config.where(config.line_of(key))}: {key!r} must be a non-empty string "
                f"in double quotes, not {_as_written(value)}; left out ({instead})"
            )
            continue
        values[key] = value.strip()
    warning = "; ".join(filter(None, notes))
    return Settings(path=path, warning=warning or None, left_out=tuple(left_out), **values)


def _as_written(value: object) -> str:
    """A TOML value as the file writes it: 3, "", true, [...]."""
    import json

    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return str(value)


def _unknown_keys(config: ConfigFile) -> str | None:
    """The keys no part of cxtui reads, each with its line: ``them = "nord"`` (a typo
    of ``theme``) or a ``[rule.x]`` table (of ``[rules.x]``) was left out unsaid, the
    user's setting silently not in force."""
    unknown = [key for key in config.data if key not in (*KEYS, *TABLES)]
    if not unknown:
        return None
    known = ", ".join([*KEYS, *(f"[{table}]" for table in TABLES)])
    named = "; ".join(
        f"{config.where(_first_line(config, key))}: unknown key {key!r}" for key in unknown
    )
    return f"{named} (known: {known}); left out"


def _first_line(config: ConfigFile, key: str) -> int | None:
    """The first line that sets ``key`` (``key = ``, ``key.x = ``) or opens a table of it
    (``[key]``, ``[key.x]``, ``[[key]]``)."""
    setting = re.compile(rf"{re.escape(key)}\s*[=.]")
    for number, line in enumerate(config.text.splitlines(), start=1):
        stripped = line.strip()
        if setting.match(stripped) or stripped.startswith((f"[{key}]", f"[{key}.", f"[[{key}")):
            return number
    return None


def where_set(settings: Settings, key: str) -> str:
    """``PATH, line N`` where ``key`` is set in the settings' file (the path alone when
    the line cannot be read), to point at a value found wrong after reading."""
    path = settings.path or config_path()
    try:
        config = read_config(path)
    except ConfigFileError:
        return str(path)
    return str(path) if config is None else config.where(config.line_of(key))


def save_settings(settings: Settings) -> None:
    """Write ``user`` and ``theme`` back to the file, keeping every other line the user
    wrote (comments, ``[rules.*]`` tables, templates). A file that could not be read is
    left untouched (the user's text is never lost), so this raises ValueError then."""
    if settings.problem is not None:
        raise ValueError(f"not saving settings over a file with a problem: {settings.problem}")

    def change(document: TOMLDocument) -> None:
        for key, value in (("user", settings.user), ("theme", settings.theme)):
            if value:
                document[key] = value
            elif key in document and key not in settings.left_out:  # the user's line stays
                del document[key]

    edit_config(settings.path or config_path(), change)
