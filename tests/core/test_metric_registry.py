"""The metric registry and the MetricSet agree: every field is declared once, with
the unit its type says, and the JSON contract is exactly the registry's contract
metrics, in the contract's order."""

from __future__ import annotations

import dataclasses

from core.metrics.model import MetricSet
from core.metrics.registry import BY_KEY, CONTRACT_KEYS, METRICS, SECTIONS, UNITS


def test_every_field_of_a_metric_set_is_declared_once() -> None:
    fields = [field.name for field in dataclasses.fields(MetricSet)]
    keys = [metric.key for metric in METRICS]
    assert len(keys) == len(set(keys))
    assert sorted(keys) == sorted(fields)


def test_units_agree_with_the_field_types() -> None:
    for field in dataclasses.fields(MetricSet):
        metric = BY_KEY[field.name]
        assert metric.unit in UNITS, metric
        if "Decimal" in str(field.type):
            assert metric.unit == "money", metric
        elif str(field.type) == "int":
            assert metric.unit == "count", metric
        else:
            assert metric.unit in ("pct", "score", "hours", "ratio"), metric
        assert (metric.unit == "pct") == field.name.endswith("_pct"), metric


def test_the_contract_is_the_registrys_contract_metrics() -> None:
    assert len(CONTRACT_KEYS) == len(set(CONTRACT_KEYS))
    assert set(CONTRACT_KEYS) == {metric.key for metric in METRICS if metric.contract}


def test_every_table_row_is_in_one_section_and_goals_follow_rates_money_or_scores() -> None:
    rows = [key for _section, keys in SECTIONS for key in keys]
    assert len(rows) == len(set(rows))
    assert set(rows) == {metric.key for metric in METRICS if metric.section}
    for metric in METRICS:
        if metric.goal:
            assert metric.unit in ("pct", "money", "score"), metric


def test_the_registry_is_light_and_every_package_name_resolves() -> None:
    import subprocess
    import sys

    import core.metrics

    for name in core.metrics.__all__:
        assert getattr(core.metrics, name) is not None, name
    script = (
        "import sys, core.metrics.registry; "
        "print(sorted(m for m in ('polars', 'sqlalchemy') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr
