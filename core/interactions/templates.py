"""Interaction templates: a kind, a summary and notes that prefill the log form.

A few ship with cxtui (QBR, onboarding call, renewal call); users add their own, or
replace a shipped one by its name, in ``[templates.<name>]`` tables of the config
file (``core.config.settings.config_path``)::

    [templates.escalation]
    kind = "call"
    summary = "Escalation call"
    notes = "Who joined:\\nWhat broke:\\nNext step:"

A broken template is left out and reported with its line; the others keep working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.config.file import ConfigFileError, read_config
from core.interactions import INTERACTION_KINDS, SUMMARY_MAX


@dataclass(frozen=True)
class Template:
    name: str
    kind: str
    summary: str
    notes: str = ""


SHIPPED = (
    Template(
        "qbr",
        "qbr",
        "Quarterly business review",
        "Attendees:\nGoals reviewed:\nValue delivered:\nRisks:\nNext quarter's goals:",
    ),
    Template(
        "onboarding call",
        "call",
        "Onboarding call",
        "Who joined:\nSetup status:\nBlockers:\nNext step:",
    ),
    Template(
        "renewal call",
        "call",
        "Renewal call",
        "Renewal date and terms:\nDecision makers:\nConcerns:\nExpansion potential:",
    ),
)


@dataclass
class Templates:
    templates: list[Template]
    problems: list[str] = field(default_factory=list)


def load_templates(path: Path | None = None) -> Templates:
    """The shipped templates, then the config file's (a user's template replaces a
    shipped one of the same name). Problems name the file, line and key."""
    from core.config.settings import config_path

    path = path or config_path()
    by_name = {template.name: template for template in SHIPPED}
    try:
        config = read_config(path)
    except ConfigFileError as error:
        return Templates(list(by_name.values()), [f"{error}; no user templates"])
    if config is None:
        return Templates(list(by_name.values()))
    configured = config.data.get("templates", {})
    if not isinstance(configured, dict):
        where = config.where(config.line_of("templates"))
        return Templates(list(by_name.values()), [f"{where}: templates must be a table"])
    problems: list[str] = []
    for name, values in configured.items():
        header = config.header_line("templates", name)
        problem = _problem(name, values)
        if problem is None:
            by_name[name] = Template(
                name,
                values["kind"].strip().lower(),
                values["summary"].strip(),
                values.get("notes", "").strip("\n"),
            )
            continue
        key, message = problem
        line = (config.line_of(key, after=header) if key else None) or header or 1
        label = f"templates.{name}.{key}" if key else f"templates.{name}"
        problems.append(f"{config.where(line)}: {label} {message}; template left out")
    return Templates(list(by_name.values()), problems)


def _problem(name: str, values: object) -> tuple[str, str] | None:
    """What is wrong with one template table: (key, message), key "" for the table."""
    if not isinstance(values, dict):
        return "", "must be a table with kind, summary and notes"
    for key in values:
        if key not in ("kind", "summary", "notes"):
            return key, "is not a template setting (kind, summary, notes)"
    for key in ("kind", "summary"):
        if key not in values:
            return "", f"needs a {key}"
    for key, value in values.items():
        if not isinstance(value, str):
            return key, f"must be text, not {value!r}"
    kind = values["kind"].strip().lower()
    if kind not in INTERACTION_KINDS:
        return "kind", f"{values['kind']!r} must be one of {', '.join(INTERACTION_KINDS)}"
    summary = values["summary"].strip()
    if not summary or "\n" in summary or len(summary) > SUMMARY_MAX:
        return "summary", f"must be one line of 1 to {SUMMARY_MAX} characters"
    return None
