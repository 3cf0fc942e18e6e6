"""The churn model's figures (issue #21): how well ``cxtui model fit`` predicts churn
and how long the whole command takes, beside simple baselines measured in the same run.

    .venv/bin/python benchmarks/model.py [--runs 3]

- IBM's telco churn sample (7,043 customers, from the evalml wheel on PyPI) imported
  as it comes, its extra columns kept as custom fields; and a 10,000-account book
  drawn from it (rows sampled with replacement, seeded, fresh ids: for the time; its
  AUC is a little flattered by repeated rows across folds). On each: the
  cross-validated AUC of the default model beside a constant prediction's (0.5), and
  the installed ``cxtui model fit --json`` timed as a whole process (goal <= 5 s at
  10k), beside the same cross-validation written directly with polars and
  scikit-learn over the raw CSV (the baseline: no database, no import).
- The demo book's history: the model's AUC on its later cut-offs beside the shipped
  health score's AUC on the same cut-offs (``health backtest``'s computation).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

from tests.public_data import fetch_public_file

CXTUI = Path(sys.executable).with_name("cxtui")
AS_OF = "2026-11-30"
GOAL_S = 5.0
IMPORT = [
    "--as-of", AS_OF, "--map", "external_id=customerID", "--map", "name=customerID",
    "--value", "status:Yes=churned", "--value", "status:No=active",
]  # fmt: skip
RAW_FIT = """
import sys, polars as pl
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
raw = pl.read_csv(sys.argv[1], infer_schema_length=0)
numbers = ["tenure", "MonthlyCharges", "TotalCharges", "SeniorCitizen"]
others = [c for c in raw.columns if c not in [*numbers, "customerID", "Churn"]]
x = pl.concat([raw.select(pl.col(c).str.strip_chars().cast(pl.Float64, strict=False)
    for c in numbers), raw.select(others).to_dummies()], how="horizontal").to_numpy()
y = (raw["Churn"] == "Yes").to_numpy().astype(int)
model = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(),
    LogisticRegression(solver="newton-cholesky"))
p = cross_val_predict(model, x, y, cv=StratifiedKFold(5, shuffle=True, random_state=0),
    method="predict_proba")[:, 1]
print(roc_auc_score(y, p))
"""


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def sampled(source: Path, target: Path, rows: int) -> Path:
    raw = pl.read_csv(source, infer_schema_length=0)
    drawn = raw.sample(rows, with_replacement=True, seed=7)
    ids = pl.Series("customerID", [f"S-{n:06d}" for n in range(rows)])
    drawn.with_columns(ids).write_csv(target)
    return target


def constant_auc(path: Path) -> float:
    from sklearn.metrics import roc_auc_score

    label = (pl.read_csv(path, infer_schema_length=0)["Churn"] == "Yes").to_numpy()
    return float(roc_auc_score(label, [0.5] * len(label)))


def book(path: Path, scratch: Path) -> tuple[Path, int]:
    db = scratch / f"{path.stem}.db"
    subprocess.run(
        [str(CXTUI), "import", "accounts", str(path), "--db", str(db), *IMPORT],
        check=True,
        capture_output=True,
    )
    return db, pl.read_csv(path, infer_schema_length=0).height


def telco_figures(csv: Path, scratch: Path, runs: int) -> None:
    db, accounts = book(csv, scratch)
    fit = [str(CXTUI), "model", "fit", "--db", str(db), "--as-of", AS_OF, "--json"]
    raw = [sys.executable, "-c", RAW_FIT, str(csv)]
    fits, baselines = [], []
    report: dict = {}
    raw_auc = ""
    for _ in range(runs):
        seconds, out = timed(fit)
        fits.append(seconds)
        report = json.loads(out)
        seconds, raw_auc = timed(raw)
        baselines.append(seconds)
    fit_s, raw_s = statistics.median(fits), statistics.median(baselines)
    goal = f" (goal <= {GOAL_S:.0f} s at 10k)" if accounts >= 10_000 else ""
    print(f"{csv.name}: {accounts:,} accounts, {report['n_churned']:,} churned")
    print(
        f"  AUC: cxtui {report['auc']:.4f} ({report['model']}, {report['validation'][:40]}...); "
        f"the same fit on the raw file {float(raw_auc):.4f}; a constant prediction "
        f"{constant_auc(csv):.2f}"
    )
    print(
        f"  cxtui model fit, whole process: {fit_s:.2f} s{goal}; raw-file baseline "
        f"{raw_s:.2f} s; ratio {fit_s / raw_s:.2f}x"
    )


def history_figures(scratch: Path) -> None:
    from core.health.backtest import backtest
    from core.store.db import open_engine, sqlite_url
    from sample_data import load_demo

    db = scratch / "demo.db"
    engine = open_engine(sqlite_url(db))
    load_demo(engine, as_of=date.fromisoformat(AS_OF))
    _, out = timed([str(CXTUI), "model", "fit", "--db", str(db), "--as-of", AS_OF, "--json"])
    report = json.loads(out)
    tested = [date.fromisoformat(day) for day in report["tested_cutoffs"]]
    shipped = backtest(engine, 90, as_of=date.fromisoformat(AS_OF), cutoffs=tested)
    engine.dispose()
    print(
        f"demo book history, tested on {len(tested)} later cut-offs ({tested[0]} to {tested[-1]}):"
    )
    print(
        f"  AUC: churn model {report['auc']:.4f}; shipped health score {shipped.auc:.4f} "
        f"(same cut-offs, {shipped.observations:,} observations)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxtui-bench-model-") as folder:
        scratch = Path(folder)
        telco = fetch_public_file("telco_churn", scratch)
        telco_figures(telco, scratch, args.runs)
        telco_figures(sampled(telco, scratch / "telco_10k.csv", 10_000), scratch, args.runs)
        history_figures(scratch)


if __name__ == "__main__":
    main()
