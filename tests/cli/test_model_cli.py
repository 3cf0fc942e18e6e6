"""``cxtui model fit`` on books no one here wrote or tuned for: IBM's telco churn
sample imported as it comes (a snapshot: statuses, no dates), and the demo book's
history (cut-offs). The AUC is checked against scikit-learn run here directly on the
raw file, never against cxtui's own output."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from cli.main import app
from core.store.db import open_engine, sqlite_url
from sample_data import load_demo

runner = CliRunner()
AS_OF = "2026-11-30"
TELCO_IMPORT = [
    "--as-of", AS_OF, "--map", "external_id=customerID", "--map", "name=customerID",
    "--value", "status:Yes=churned", "--value", "status:No=active",
]  # fmt: skip


def _fit(db: Path, *args: str) -> dict:
    result = runner.invoke(app, ["model", "fit", "--db", str(db), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def telco_book(telco_churn: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("telco") / "telco.db"
    result = runner.invoke(
        app, ["import", "accounts", str(telco_churn), "--db", str(db), *TELCO_IMPORT]
    )
    assert result.exit_code == 0, result.output
    return db


def _raw_auc(path: Path) -> float:
    """The same kind of model straight from the raw file: its numbers as numbers,
    every other column one-hot, the same folds."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    raw = pl.read_csv(path, infer_schema_length=0)
    numbers = ["tenure", "MonthlyCharges", "TotalCharges", "SeniorCitizen"]
    others = [c for c in raw.columns if c not in [*numbers, "customerID", "Churn"]]
    matrix = pl.concat(
        [
            raw.select(pl.col(c).str.strip_chars().cast(pl.Float64, strict=False) for c in numbers),
            raw.select(others).to_dummies(),
        ],
        how="horizontal",
    ).to_numpy()
    label = (raw["Churn"] == "Yes").to_numpy().astype(int)
    model = make_pipeline(
        SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(max_iter=2000)
    )
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    predicted = cross_val_predict(model, matrix, label, cv=folds, method="predict_proba")[:, 1]
    return float(roc_auc_score(label, predicted))


def test_a_snapshot_book_is_cross_validated(telco_churn: Path, telco_book: Path) -> None:
    raw = pl.read_csv(telco_churn, infer_schema_length=0)
    report = _fit(telco_book, "--as-of", AS_OF)
    assert report["n_accounts"] == raw.height
    assert report["n_churned"] == raw.filter(pl.col("Churn") == "Yes").height
    assert "5-fold cross-validation" in report["validation"]
    assert "snapshot" in report["validation"]
    assert report["auc"] >= 0.83  # the figure
    assert abs(report["auc"] - _raw_auc(telco_churn)) < 0.01
    tenths = report["calibration"]
    assert [tenth["tenth"] for tenth in tenths] == list(range(1, 11))
    assert sum(tenth["accounts"] for tenth in tenths) == raw.height
    observed = sum(tenth["observed_pct"] * tenth["accounts"] / 100 for tenth in tenths)
    assert observed == pytest.approx(report["n_churned"], abs=10)  # rounding of each tenth
    rates = [tenth["observed_pct"] for tenth in tenths]
    assert rates[-1] > 5 * rates[0]  # the riskiest tenth churns far more than the safest
    drivers = {driver["feature"]: driver for driver in report["drivers"]}
    assert drivers["tenure"]["direction"] == "lowers churn"  # a custom field, typed number
    assert drivers["plan = Month-to-month"]["direction"] == "raises churn"
    assert all(
        driver["direction"] in ("raises churn", "lowers churn") for driver in drivers.values()
    )
    assert sum(driver["weight"] for driver in report["drivers"]) <= 100.0


def test_boosting_and_words(telco_book: Path) -> None:
    report = _fit(telco_book, "--as-of", AS_OF, "--model", "boosting")
    assert report["model"] == "boosting" and report["auc"] >= 0.8
    words = runner.invoke(app, ["model", "fit", "--db", str(telco_book), "--as-of", AS_OF])
    assert words.exit_code == 0, words.output
    assert "Churn model: logistic regression, on 7,043 accounts (1,869 churned" in words.output
    assert "What predicts churn in this book" in words.output
    assert "None" not in words.output and "_" not in words.output.replace("TotalCharges", "")
    wrong = runner.invoke(app, ["model", "fit", "--db", str(telco_book), "--model", "forest"])
    assert wrong.exit_code == 2 and "forest" in wrong.output


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("history") / "demo.db"
    engine = open_engine(sqlite_url(db))
    load_demo(engine, as_of=date(2026, 11, 30))
    engine.dispose()
    return db


def test_a_book_with_history_trains_on_earlier_cutoffs(demo_book: Path, tmp_path: Path) -> None:
    db = Path(shutil.copy(demo_book, tmp_path / "demo.db"))
    report = _fit(db, "--as-of", AS_OF)
    assert report["validation"].startswith("trained on ")
    assert "tested on the " in report["validation"] and "90 days" in report["validation"]
    assert report["observations"] > report["n_accounts"] > report["n_churned"] > 0
    assert report["auc"] >= 0.7
    features = [driver["feature"] for driver in report["drivers"]]
    assert not any(name.startswith("field:") for name in features)


def test_a_book_without_churn_is_refused_in_words(tmp_path: Path) -> None:
    source = tmp_path / "accounts.csv"
    rows = [f"A{i},Account {i},active,{100 + i}" for i in range(30)]
    source.write_text("\n".join(["external_id,name,status,mrr", *rows]) + "\n")
    db = tmp_path / "book.db"
    imported = runner.invoke(app, ["import", "accounts", str(source), "--db", str(db)])
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(app, ["model", "fit", "--db", str(db)])
    assert result.exit_code == 2
    assert "no churn model: the book has 0 churned account(s)" in result.output


def test_the_drivers_name_categories_by_value() -> None:
    from core.churn.features import LABEL, Features
    from core.churn.fit import to_matrix

    frame = pl.DataFrame(
        {
            "account_id": [1, 2, 3],
            LABEL: [True, False, False],
            "mrr": [10.0, None, 30.0],
            "plan": ["Gold", None, "Silver"],
        }
    )
    features = Features(frame, ["mrr"], ["plan"], {"mrr": "MRR", "plan": "plan"}, history=False)
    matrix = to_matrix(features)
    assert matrix.names == ["MRR", "plan = Gold", "plan = Silver", "plan = no data"]
    assert np.isnan(matrix.values[1, 0]) and matrix.values[1, 3] == 1.0


def test_fitted_weights_score_the_later_cutoffs_as_the_app_would(demo_book: Path) -> None:
    """The weight search scores with numpy; the app's own scoring of the same
    cut-offs with those weights gives the same AUC, and it is at least the shipped
    weights' (the issue's figure)."""
    from core.churn.weights import fit_weights, with_weights
    from core.health.backtest import backtest
    from core.health.config import default_model

    engine = open_engine(sqlite_url(demo_book))
    shipped = default_model()
    fitted = fit_weights(engine, date(2026, 11, 30), shipped)
    assert sum(fitted.weights.values()) == 100
    assert fitted.test_auc >= fitted.test_auc_in_force
    as_app = backtest(engine, 90, with_weights(shipped, fitted.weights), cutoffs=fitted.tested_on)
    in_force = backtest(engine, 90, shipped, cutoffs=fitted.tested_on)
    engine.dispose()
    assert as_app.auc == pytest.approx(fitted.test_auc, abs=0.005)
    assert in_force.auc == pytest.approx(fitted.test_auc_in_force, abs=0.005)
    assert max(fitted.trained_on) < min(fitted.tested_on)


@pytest.fixture
def health(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's health.toml (not written yet), in a config folder of the test's own."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    path = tmp_path / "config" / "cxtui" / "health.toml"
    path.parent.mkdir(parents=True)
    return path


def test_apply_writes_the_weights_keeps_the_model_before_and_restores_it(
    demo_book: Path, health: Path
) -> None:
    health.write_text("# my own model\n[bands]\ngreen = 75\n")
    args = ["--db", str(demo_book), "--as-of", AS_OF]
    dry = runner.invoke(app, ["model", "apply", "--dry-run", *args])
    assert dry.exit_code == 0, dry.output
    assert "ROC AUC on the later cut-offs: fitted" in dry.output and "Dry run" in dry.output
    assert health.read_text() == "# my own model\n[bands]\ngreen = 75\n"
    applied = runner.invoke(app, ["model", "apply", *args])
    assert applied.exit_code == 0, applied.output
    written = health.read_text()
    assert written.startswith("# my own model\n[bands]\ngreen = 75\n")  # kept as written
    assert "[weights]" in written and "Today's health scores recomputed" in applied.output
    previous = health.with_name("health.previous.toml")
    assert previous.read_text() == "# my own model\n[bands]\ngreen = 75\n"
    compared = runner.invoke(app, ["health", "backtest", *args])
    assert "The model before the last `cxtui model apply`: ROC AUC" in compared.output
    restored = runner.invoke(app, ["model", "restore", *args])
    assert restored.exit_code == 0, restored.output
    assert health.read_text() == "# my own model\n[bands]\ngreen = 75\n"
    assert previous.read_text() == written  # a second restore undoes the first


def test_apply_needs_history_and_restore_a_previous_model(
    telco_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    refused = runner.invoke(app, ["model", "apply", "--db", str(telco_book), "--as-of", AS_OF])
    assert refused.exit_code == 2 and "no weights fitted" in refused.output
    assert not (tmp_path / "config" / "cxtui" / "health.toml").exists()
    nothing = runner.invoke(app, ["model", "restore", "--db", str(telco_book)])
    assert nothing.exit_code == 2 and "there is no previous health model" in nothing.output


def test_the_kept_model_scores_as_scikit_learn_does(demo_book: Path) -> None:
    """The model in force is kept as numbers and applied with numpy: the same
    probabilities as the scikit-learn pipeline it came from, on the same rows."""
    from core.churn.features import book_features
    from core.churn.fit import _estimator, to_matrix
    from core.churn.risk import probabilities
    from core.health.config import default_model

    engine = open_engine(sqlite_url(demo_book))
    features = book_features(engine, date(2026, 11, 30), default_model())
    engine.dispose()
    matrix = to_matrix(features)
    label = features.frame["churned"].to_numpy().astype(int)
    pipeline = _estimator("logistic").fit(matrix.values, label)
    from core.churn.fit import _definition

    definition = _definition(pipeline, matrix, history=True)
    again = to_matrix(features, definition["columns"])
    np.testing.assert_allclose(
        probabilities(definition, again.values),
        pipeline.predict_proba(matrix.values)[:, 1],
        rtol=1e-9,
        atol=1e-12,
    )


def test_each_live_account_gets_its_churn_risk(
    telco_churn: Path, telco_book: Path, tmp_path: Path
) -> None:
    import sqlite3

    book = Path(shutil.copy(telco_book, tmp_path / "telco.db"))
    with sqlite3.connect(book) as connection:  # as before any fit
        connection.execute("DELETE FROM churn_model")
    connection.close()
    before = json.loads(_run_health(book))
    assert all(item["churn_risk_90d"] is None for item in before)  # no model yet
    _fit(book, "--as-of", AS_OF)
    after = json.loads(_run_health(book))
    raw = pl.read_csv(telco_churn, infer_schema_length=0)
    assert len(after) == raw.filter(pl.col("Churn") == "No").height  # the live ones
    risks = pl.DataFrame(
        {
            "customerID": [i["external_id"] for i in after],
            "risk": [i["churn_risk_90d"] for i in after],
        }
    ).join(raw, on="customerID")
    assert risks["risk"].is_between(0, 1).all()
    by_contract = risks.group_by("Contract").agg(pl.col("risk").mean()).sort("risk")
    assert by_contract["Contract"].to_list() == ["Two year", "One year", "Month-to-month"]

    # the accounts list's churn risk column reads the same risks, and says what they
    # mean: a snapshot model's, not a chance within 90 days
    from sqlalchemy import select

    from core.accounts.field_views import read_list_fields
    from core.churn import RISK
    from core.models import Account
    from core.store.frames import read_frame

    engine = open_engine(sqlite_url(book))
    listed = read_list_fields(engine, [], date.today())
    external = read_frame(engine, select(Account.id, Account.external_id))
    engine.dispose()
    shown = listed.values.join(external, on="id").select(
        pl.col("external_id").alias("customerID"), RISK
    )
    assert shown.sort("customerID")[RISK].round(4).to_list() == (
        risks.sort("customerID")["risk"].to_list()
    )
    assert listed.risk_model is not None
    assert listed.risk_model.startswith("churn as in the book's own statuses")


def _run_health(db: Path) -> str:
    result = runner.invoke(app, ["health", "--db", str(db), "--json"])  # today: after the import
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_renewal_forecast_adds_up_from_the_accounts_risks(
    demo_book: Path, tmp_path: Path
) -> None:
    """Expected MRR kept = sum of MRR x (1 - churn_risk_90d) over the renewals of each
    window: recomputed here from SQL on the file and `health --json`'s risks."""
    import sqlite3
    from datetime import timedelta

    book = Path(shutil.copy(demo_book, tmp_path / "demo.db"))
    refused = runner.invoke(app, ["forecast", "--db", str(book)])
    assert refused.exit_code == 2 and "run `cxtui model fit` first" in refused.output
    _fit(book)
    windows = json.loads(_run(["forecast", "--db", str(book), "--json"]))
    risks = {i["external_id"]: i["churn_risk_90d"] for i in json.loads(_run_health(book))}
    today = date.today()
    with sqlite3.connect(book) as connection:
        rows = connection.execute(
            "SELECT external_id, mrr_cents, renewal_date FROM account "
            "WHERE status != 'churned' AND renewal_date BETWEEN ? AND ?",
            (today.isoformat(), (today + timedelta(days=90)).isoformat()),
        ).fetchall()
    connection.close()
    due = pl.DataFrame(rows, schema=["id", "cents", "renews"], orient="row").with_columns(
        pl.col("renews").str.to_date(),
        pl.col("id").replace_strict(risks, default=0.0).alias("risk"),
    )
    assert [window["days"] for window in windows] == [30, 60, 90]
    for window in windows:
        inside = due.filter(pl.col("renews") <= today + timedelta(days=window["days"]))
        assert window["renewals"] == inside.height
        assert window["without_risk"] == 0  # every renewing customer has its risk
        assert window["mrr_up"] == pytest.approx(inside["cents"].sum() / 100, abs=0.01)
        kept = (inside["cents"] / 100 * (1 - inside["risk"].cast(pl.Float64))).sum()
        assert window["expected_retained"] == pytest.approx(kept, abs=0.05)
        assert window["retained_low"] <= window["expected_retained"] <= window["retained_high"]
        losses = [mover["expected_loss"] for mover in window["movers"]]
        assert losses == sorted(losses, reverse=True)


def _run(arguments: list[str]) -> str:
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_apply_refuses_a_broken_health_file_and_writes_nothing(
    demo_book: Path, health: Path
) -> None:
    health.write_text("[weights]\nusage = \n")
    result = runner.invoke(app, ["model", "apply", "--db", str(demo_book), "--as-of", AS_OF])
    assert result.exit_code == 2
    assert "nothing written" in result.output and "line 2" in result.output
    assert health.read_text() == "[weights]\nusage = \n"
    assert not health.with_name("health.previous.toml").exists()
