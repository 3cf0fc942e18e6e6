"""The ``[metrics]`` table of the config file: the settings ``docs/metrics.md`` leaves
to the business (``core.metrics.model.MetricOptions``), over their defaults.

```toml
[metrics]
csat_satisfied_min = 4       # a CSAT answer (1-5) at or above this is "satisfied"
onboarding_target_days = 30  # onboarding succeeds when completed within this window
open_ticket_hours = 48       # "tickets open over 48 h"
churn_window_months = 12     # the trailing churn rate behind the CLV lifespan
lifespan_years = 5           # a fixed CLV lifespan instead (default: 1 / churn rate)
```

A value of the wrong kind or out of range is reported with its file and line, and
the default is used for it; the other settings stay in force.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.config.file import ConfigFileError, read_config
from core.metrics.model import MetricOptions

TABLE = "metrics"
_DEFAULTS = MetricOptions()
KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(MetricOptions))


@dataclass(frozen=True)
class LoadedOptions:
    options: MetricOptions
    problems: list[str] = field(default_factory=list)


def load_metric_options(path: Path | None = None) -> LoadedOptions:
    """The metric options in force: the config file's ``[metrics]`` over the defaults."""
    from core.config.settings import config_path

    path = path or config_path()
    try:
        config = read_config(path)
    except ConfigFileError as error:
        return LoadedOptions(_DEFAULTS, [f"{error}; the metrics use their defaults"])
    if config is None or TABLE not in config.data:
        return LoadedOptions(_DEFAULTS)
    table = config.data[TABLE]
    header = config.header_line(TABLE)
    if not isinstance(table, dict):
        return LoadedOptions(
            _DEFAULTS, [f"{config.where(config.line_of(TABLE))}: [metrics] is a table"]
        )
    values: dict[str, Any] = {}
    problems = []
    for key, value in table.items():
        where = config.where(config.line_of(key, after=header) or header)
        if key not in KEYS:
            problems.append(f"{where}: metrics.{key} is not a setting (known: {', '.join(KEYS)})")
            continue
        problem = _check(key, value)
        if problem is None:
            values[key] = value
        else:
            problems.append(f"{where}: metrics.{key} {problem}; using {getattr(_DEFAULTS, key)}")
    return LoadedOptions(MetricOptions(**values), problems)


def _check(key: str, value: Any) -> str | None:
    """Why ``value`` cannot be ``key``'s, or None."""
    if key == "lifespan_years":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 100:
            return f"must be a number of years above 0 and at most 100, not {value!r}"
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number, not {value!r}"
    try:
        MetricOptions(**{key: value})
    except ValueError as error:
        return f"is out of range ({error})"
    return None
