"""Exports: by extension, with filters, and a round trip through import."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from core.db import open_engine
from core.exporter import ExportError, ExportFilters, export, export_frame
from core.importing import ImportOptions, import_file

FIXTURES = Path(__file__).parents[1] / "fixtures" / "import"
CHURN = {"status": {"Yes": "churned", "No": "active"}}


@pytest.fixture
def book(engine: Engine) -> Engine:
    import_file(engine, "accounts", FIXTURES / "accounts.csv", ImportOptions(values=CHURN))
    import_file(engine, "interactions", FIXTURES / "interactions.tsv")
    return engine


def _fresh(tmp_path: Path, name: str) -> Engine:
    return open_engine(f"sqlite:///{tmp_path / name}")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_round_trip_accounts_and_interactions(book: Engine, tmp_path: Path, suffix: str) -> None:
    other = _fresh(tmp_path, "other.db")
    try:
        for what in ("accounts", "interactions"):
            path = tmp_path / f"{what}{suffix}"
            assert export(book, what, path) == export_frame(book, what).height
            result = import_file(other, what, path)
            assert result.inserted == export_frame(book, what).height
            assert export_frame(other, what).equals(export_frame(book, what))
        again = import_file(other, "accounts", tmp_path / f"accounts{suffix}")
        assert (again.inserted, again.updated) == (0, 0)
    finally:
        other.dispose()


def test_money_is_exact_text(book: Engine) -> None:
    frame = export_frame(book, "accounts")
    assert frame.filter(pl.col("external_id") == "5575-GNVDE")["mrr"].item() == "1056.95"


def test_filters(book: Engine) -> None:
    smb = export_frame(book, "accounts", ExportFilters(segment="SMB"))
    assert sorted(smb["external_id"]) == ["3668-QPYBK", "7590-VHVEG"]
    calls = export_frame(book, "interactions", ExportFilters(segment="Mid-Market"))
    assert calls["account"].to_list() == ["5575-GNVDE"]


def test_metrics_and_goals_and_health_export(book: Engine, tmp_path: Path) -> None:
    metrics = export_frame(book, "metrics", ExportFilters(period="2024-03"))
    assert "churn_rate_pct" in metrics["metric"].to_list()
    assert set(metrics["period"]) == {"2024-03"}
    assert export(book, "goals", tmp_path / "goals.csv") == 0
    health = export_frame(book, "health")
    assert {"external_id", "score", "band"} <= set(health.columns)


def test_unknown_extension_and_period(book: Engine, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"\.csv, \.xlsx or \.parquet"):
        export(book, "accounts", tmp_path / "accounts.json")
    with pytest.raises(ExportError, match="bad period"):
        export_frame(book, "metrics", ExportFilters(period="someday"))
