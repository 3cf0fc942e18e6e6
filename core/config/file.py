"""Reading the TOML config file, in one place for every part that has a section in it
(settings, rules, templates, saved filters): a missing file is no problem, an
unreadable or broken one is a ``ConfigFileError`` whose message names the file and
the line, and a problem found later in a value can be pointed at its line too.
"""

from __future__ import annotations

import re
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ConfigFileError(ValueError):
    """The file cannot be read or is not valid TOML (``PATH, line N: what``)."""


@dataclass(frozen=True)
class ConfigFile:
    path: Path
    text: str
    data: dict[str, Any]

    def line_of(self, key: str, after: int | None = None) -> int | None:
        """The 1-based line where ``key`` is set (``key = ...``) or the line that is
        exactly ``key`` (a table header), searching from line ``after`` to the end of
        that table; None when it is not there."""
        lines = self.text.splitlines()
        for number in range((after or 1) - 1, len(lines)):
            stripped = lines[number].strip()
            if stripped == key or (
                stripped.startswith(key) and stripped[len(key) :].lstrip().startswith("=")
            ):
                return number + 1
            if after and number + 1 > after and stripped.startswith("["):
                break
        return None

    def header_line(self, *names: str) -> int | None:
        """The line of the table header ``[a.b]`` (or ``[a."b"]``) for names a, b."""
        *parents, last = names
        prefix = ".".join([*parents, ""])
        return self.line_of(f"[{prefix}{last}]") or self.line_of(f'[{prefix}"{last}"]')

    def where(self, line: int | None) -> str:
        """``PATH, line N`` (or just the path when the line is not known)."""
        return f"{self.path}, line {line}" if line else str(self.path)


def read_config(path: Path) -> ConfigFile | None:
    """The file's text and data; None when there is no such file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ConfigFileError(f"{path}: cannot be read ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise ConfigFileError(f"{path}: is not UTF-8 text ({error.reason})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigFileError(decode_problem(path, error)) from None
    return ConfigFile(path, text, data)


def permission_warning(folder: Path) -> str | None:
    """A sentence naming the config files (``*.toml`` in ``folder``, or the folder
    itself) that any user of this machine may change: they are still used, but whoever
    can write them decides the playbook's tasks and the health weights. None when all
    are private enough or there are none."""
    exposed = [path for path in (folder, *sorted(folder.glob("*.toml"))) if _world_writable(path)]
    if not exposed:
        return None
    names = ", ".join(f"{path} (mode {stat.S_IMODE(path.stat().st_mode):o})" for path in exposed)
    fix = " ".join(f"'{path}'" for path in exposed)
    return f"any user of this machine can change {names}; using it anyway. Fix: chmod o-w {fix}"


def _world_writable(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & stat.S_IWOTH)
    except OSError:
        return False


def decode_problem(path: Path, error: tomllib.TOMLDecodeError) -> str:
    """``PATH, line N: what is wrong`` from tomllib's "... (at line N, column C)"."""
    found = re.fullmatch(r"(.*) \(at line (\d+), column \d+\)", str(error))
    if found is None:
        return f"{path}: {error}"
    return f"{path}, line {found.group(2)}: {found.group(1)}"
