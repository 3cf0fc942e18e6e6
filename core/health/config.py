"""The health model as configuration: shipped defaults, the user's health.toml, and
strict validation with messages that name the file, the line and the key."""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platformdirs import user_config_path

if TYPE_CHECKING:
    import polars as pl

COMPONENTS: tuple[str, ...] = ("usage", "engagement", "sentiment", "support", "commercial")

# The signals the scoring code computes, per component (see scoring.py).
SIGNALS: dict[str, tuple[str, ...]] = {
    "usage": ("active_user_ratio", "trend_pct"),
    "engagement": ("days_since_last_interaction", "meetings_90d"),
    "sentiment": ("latest_nps", "latest_csat", "interaction_sentiment"),
    "support": ("open_tickets", "tickets_over_48h", "slow_first_response_pct"),
    "commercial": ("contraction_pct", "renewal_unattended"),
}

SETTINGS: tuple[str, ...] = (
    "slow_first_response_hours",
    "stale_ticket_hours",
    "renewal_window_days",
    "no_contact_days",
)
BANDS: tuple[str, ...] = ("green", "yellow", "red")
SHIPPED = "shipped defaults"


class HealthConfigError(ValueError):
    """A health.toml that cannot be used; the message names the file, line and key."""

    def __init__(self, source: str, line: int | None, key: str, problem: str) -> None:
        where = f"{source}, line {line}" if line is not None else source
        super().__init__(f"{where}, key {key!r}: {problem}")
        self.source = source
        self.line = line
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class Mapping:
    """How a raw value becomes 0-100: ``linear`` (two raw values: scoring 0 and 100)
    or ``thresholds`` (ascending (raw at least, score) steps)."""

    kind: str
    points: tuple[tuple[float, float], ...] | tuple[float, float]

    def as_toml_value(self) -> Any:
        if self.kind == "linear":
            return list(self.points)
        return [list(step) for step in self.points]  # type: ignore[union-attr]


@dataclass(frozen=True)
class Signal:
    weight: float
    mapping: Mapping


@dataclass(frozen=True)
class HealthModelConfig:
    """Weights, mappings and bands: everything that decides a score."""

    green: float
    yellow: float
    weights: dict[str, float]
    settings: dict[str, float]
    signals: dict[str, dict[str, Signal]]
    source: str = field(default=SHIPPED, compare=False)

    def band_of(self, score: float) -> str:
        """The band of a score (the one rule; ``band_expr`` is it over a column)."""
        if score >= self.green:
            return "green"
        return "yellow" if score >= self.yellow else "red"

    def band_expr(self, score: pl.Expr) -> pl.Expr:
        """``band_of`` over a column of scores (null for a null score)."""
        import polars as pl

        return (
            pl.when(score.is_null())
            .then(None)
            .when(score >= self.green)
            .then(pl.lit("green"))
            .when(score >= self.yellow)
            .then(pl.lit("yellow"))
            .otherwise(pl.lit("red"))
        )

    def definition(self) -> dict[str, Any]:
        """The model as plain data (what ``HealthModel.definition`` stores)."""
        return {
            "bands": {"green": self.green, "yellow": self.yellow},
            "weights": dict(self.weights),
            "settings": dict(self.settings),
            "signals": {
                component: {
                    name: {
                        "weight": signal.weight,
                        signal.mapping.kind: signal.mapping.as_toml_value(),
                    }
                    for name, signal in signals.items()
                }
                for component, signals in self.signals.items()
            },
        }

    def fingerprint(self) -> str:
        canonical = json.dumps(self.definition(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def config_path() -> Path:
    return user_config_path("cxtui", appauthor=False) / "health.toml"


def defaults_text() -> str:
    return files("core.health").joinpath("defaults.toml").read_text(encoding="utf-8")


def default_model() -> HealthModelConfig:
    return parse_model(defaults_text(), SHIPPED, base=None)


_last_good: dict[str, HealthModelConfig] = {}


def load_model(path: Path | None = None) -> tuple[HealthModelConfig, list[str]]:
    """The model from ``path`` (default: health.toml in the user's config directory)
    over the shipped defaults, and warnings for the user. A missing file means the
    defaults; a broken one is refused and the last good model of this process (or the
    defaults) is used, which the warnings say."""
    path = path or config_path()
    defaults = default_model()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return defaults, []
    except UnicodeDecodeError:
        return defaults, [f"{path}: not UTF-8 text; using the shipped defaults."]
    except OSError as error:
        return defaults, [f"{path}: cannot be read ({error}); using the shipped defaults."]
    try:
        model = parse_model(text, str(path), base=defaults)
    except HealthConfigError as error:
        fallback = _last_good.get(str(path))
        using = "the last good model from that file" if fallback else "the shipped defaults"
        return fallback or defaults, [f"{error}. The health model is unchanged: using {using}."]
    _last_good[str(path)] = model
    return model, []


def parse_model(text: str, source: str, base: HealthModelConfig | None = None) -> HealthModelConfig:
    """Parse and validate a health.toml. Keys it leaves out come from ``base`` (the
    shipped defaults); with no base every key must be present."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        line = int(match.group(1)) if match else None
        raise HealthConfigError(
            source, line, _key_on_line(text, line), f"not valid TOML ({error})"
        ) from None
    return _Validator(text, source).model(data, base)


class _Validator:
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source

    def fail(self, key: str, problem: str) -> HealthConfigError:
        return HealthConfigError(self.source, _line_of(self.text, key), key, problem)

    def table(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key.rsplit(".", 1)[-1], {})
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table")
        return value

    def check_keys(self, data: dict[str, Any], allowed: tuple[str, ...], prefix: str) -> None:
        for key in data:
            if key not in allowed:
                name = f"{prefix}.{key}" if prefix else key
                raise self.fail(name, f"unknown key (expected one of {', '.join(allowed)})")

    def number(self, value: Any, key: str, minimum: float | None = None) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number, not {value!r}")
        if not math.isfinite(value):
            raise self.fail(key, f"must be a finite number, not {value!r}")
        if minimum is not None and value < minimum:
            raise self.fail(key, f"must be {minimum:g} or more, not {value!r}")
        return float(value)

    def model(self, data: dict[str, Any], base: HealthModelConfig | None) -> HealthModelConfig:
        self.check_keys(data, ("bands", "weights", "settings", *COMPONENTS), "")
        bands = self.table(data, "bands")
        self.check_keys(bands, ("green", "yellow"), "bands")
        green = self.band("green", bands, base.green if base else None)
        yellow = self.band("yellow", bands, base.yellow if base else None)
        if not 0 <= yellow <= green <= 100:
            key = "bands.yellow" if "yellow" in bands else "bands.green"
            raise self.fail(
                key,
                f"bands out of order: need 0 <= yellow ({yellow:g}) <= green ({green:g}) <= 100",
            )
        weights = self.numbers(data, "weights", COMPONENTS, base.weights if base else None)
        if sum(weights.values()) <= 0:
            raise self.fail("weights", "at least one component needs a weight above 0")
        settings = self.numbers(data, "settings", SETTINGS, base.settings if base else None)
        for name, value in settings.items():
            if value <= 0:
                raise self.fail(f"settings.{name}", f"must be above 0, not {value:g}")
        signals = {
            component: self.component(data, component, base.signals[component] if base else None)
            for component in COMPONENTS
        }
        return HealthModelConfig(green, yellow, weights, settings, signals, source=self.source)

    def band(self, name: str, bands: dict[str, Any], default: float | None) -> float:
        if name not in bands:
            if default is None:
                raise self.fail(f"bands.{name}", "missing")
            return default
        return self.number(bands[name], f"bands.{name}")

    def numbers(
        self,
        data: dict[str, Any],
        table: str,
        names: tuple[str, ...],
        defaults: dict[str, float] | None,
    ) -> dict[str, float]:
        values = self.table(data, table)
        self.check_keys(values, names, table)
        result = {}
        for name in names:
            if name in values:
                result[name] = self.number(values[name], f"{table}.{name}", minimum=0)
            elif defaults is not None:
                result[name] = defaults[name]
            else:
                raise self.fail(f"{table}.{name}", "missing")
        return result

    def component(
        self, data: dict[str, Any], component: str, defaults: dict[str, Signal] | None
    ) -> dict[str, Signal]:
        table = self.table(data, component)
        self.check_keys(table, SIGNALS[component], component)
        result = {}
        for name in SIGNALS[component]:
            key = f"{component}.{name}"
            given = table.get(name, {})
            if not isinstance(given, dict):
                raise self.fail(key, "must be a table with weight and linear or thresholds")
            self.check_keys(given, ("weight", "linear", "thresholds"), key)
            default = defaults[name] if defaults else None
            if "weight" in given:
                weight = self.number(given["weight"], f"{key}.weight", minimum=0)
            elif default is not None:
                weight = default.weight
            else:
                raise self.fail(f"{key}.weight", "missing")
            if "linear" in given and "thresholds" in given:
                raise self.fail(key, "give either linear or thresholds, not both")
            if "linear" in given:
                mapping = self.linear(given["linear"], f"{key}.linear")
            elif "thresholds" in given:
                mapping = self.thresholds(given["thresholds"], f"{key}.thresholds")
            elif default is not None:
                mapping = default.mapping
            else:
                raise self.fail(key, "needs linear or thresholds")
            result[name] = Signal(weight, mapping)
        return result

    def linear(self, value: Any, key: str) -> Mapping:
        if not isinstance(value, list) or len(value) != 2:
            raise self.fail(key, "must be [raw that scores 0, raw that scores 100]")
        low, high = (self.number(item, key) for item in value)
        if low == high:
            raise self.fail(key, "the two raw values must differ")
        return Mapping("linear", (low, high))

    def thresholds(self, value: Any, key: str) -> Mapping:
        problem = "must be a list of [raw at least, score] pairs in ascending raw order"
        if not isinstance(value, list) or not value:
            raise self.fail(key, problem)
        steps = []
        for item in value:
            if not isinstance(item, list) or len(item) != 2:
                raise self.fail(key, problem)
            raw, score = (self.number(part, key) for part in item)
            if not 0 <= score <= 100:
                raise self.fail(key, f"score {score:g} is outside 0-100")
            if steps and raw <= steps[-1][0]:
                raise self.fail(key, problem)
            steps.append((raw, score))
        return Mapping("thresholds", tuple(steps))


_HEADER = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
_KEY = re.compile(r"^\s*([A-Za-z0-9_.\-\"' ]+?)\s*=")


def _parts(dotted: str) -> list[str]:
    return [part.strip().strip("\"'") for part in dotted.split(".")]


def _line_of(text: str, key: str) -> int | None:
    """The line that sets ``key`` (dotted), or the closest line that sets a table
    or key on its path."""
    target = _parts(key)
    best: tuple[int, int] | None = None  # (matched depth, line)
    table: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = _parts(header.group(1))
            path = table
        else:
            match = _KEY.match(line)
            if not match:
                continue
            path = table + _parts(match.group(1))
        depth = len(path) if path == target[: len(path)] else 0
        if depth == len(target):
            return number
        if depth and (best is None or depth > best[0]):
            best = (depth, number)
    return best[1] if best else None


def _key_on_line(text: str, line: int | None) -> str:
    """The dotted key set on ``line`` (for syntax errors), as well as it can be told."""
    if line is None:
        return "?"
    table: list[str] = []
    for number, content in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(content)
        if header:
            table = _parts(header.group(1))
        if number == line:
            match = _KEY.match(content)
            if match and not header:
                return ".".join(table + _parts(match.group(1)))
            return ".".join(table) or content.strip()[:40]
    return ".".join(table) or "?"
