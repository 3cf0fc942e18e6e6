"""Internal words where a person reads: Python ``None``, a snake_case name, a class
name. Names a person types are allowed where they are told to type them: the
import's field names, the config file's keys and the metric keys of --metric."""

from __future__ import annotations

import re

from core.config.metric_options import KEYS as METRIC_OPTION_KEYS
from core.importing.spec import KINDS
from core.metrics.registry import METRICS
from core.playbook.rules import DEFAULT_RULES, RUN_ON_LAUNCH

NONE = re.compile(r"\bNone\b")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
CLASS = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:Screen|Dialog|Widget|Error|Exception)\b")
TYPED = (
    {field.name for kind in KINDS.values() for field in kind.fields}
    | set(METRIC_OPTION_KEYS)
    | {key for settings in DEFAULT_RULES.values() for key in settings}
    | set(DEFAULT_RULES)
    | {RUN_ON_LAUNCH}
    | {metric.key for metric in METRICS}
)


def internal_words(text: str) -> list[str]:
    """The internal words in ``text`` (empty when it reads as plain words)."""
    found = NONE.findall(text) + CLASS.findall(text)
    return found + [word for word in SNAKE.findall(text) if word not in TYPED]
