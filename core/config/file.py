"""The TOML config files, read and written in one place for every part that has a
section in them (settings, rules, templates, saved filters, the health model):

- ``read_config``: a missing file is no problem, an unreadable or broken one is a
  ``ConfigFileError`` whose message names the file and the line, and a problem found
  later in a value can be pointed at its line too (``ConfigFile.line_of``).
- ``edit_config``: a change written back with tomlkit, so that every comment, blank
  line and key the change does not touch stays as the user wrote it; the file is
  replaced whole or not at all.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # tomlkit is imported to write only: reading a file took 16 ms more
    from tomlkit.toml_document import TOMLDocument


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


Check = Callable[[dict[str, Any], dict[str, Any]], str | None]
"""``check(before, after)``: the file's data as it was and as it would be written; a
problem it returns stops the write."""


def edit_config(
    path: Path, change: Callable[[TOMLDocument], None], check: Check | None = None
) -> None:
    """Apply ``change`` to the file's TOML document (an empty one when there is no
    file) and write it back with tomlkit. See ``rewrite_config``."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    def rewrite(text: str) -> str:
        try:
            document = tomlkit.parse(text)
        except TOMLKitError as error:  # tomllib read it: this should not happen
            raise ConfigFileError(f"{path}: {error}") from None
        change(document)
        return tomlkit.dumps(document)

    rewrite_config(path, rewrite, check)


def rewrite_config(path: Path, change: Callable[[str], str], check: Check | None = None) -> None:
    """Write ``change(text)`` over the file's text ("" when there is no file). A file
    that cannot be read or parsed raises ``ConfigFileError``, a refused change
    ``ValueError``; either way the file is left as it was. The new text must be valid
    TOML; it replaces the old in one rename, with the old file's permissions (a new
    file is readable by its owner only)."""
    config = read_config(path)
    new_text = change(config.text if config is not None else "")
    try:
        after = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError as error:
        problem = f"{path}: the change would break the file ({error}); not changed"
        raise ValueError(problem) from None
    if check is not None and (problem := check(config.data if config else {}, after)):
        raise ValueError(f"{path}: {problem}; the file was not changed")
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode) if config is not None else 0o600
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(new_text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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
