"""Snapshots, overrides, trends and model changes, on real databases."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, delete, event, func, select
from sqlmodel import Session, col

from core import models as m
from core.health.config import COMPONENTS, SIGNALS, default_model, parse_model
from core.health.overrides import HealthOverrideError, end_override, set_override
from core.health.scoring import score_signals
from core.health.store import (
    current_health,
    history,
    model_changes,
    recompute_account,
    recompute_all,
    recompute_in_background,
    score_day_if_missing,
)
from core.store.locks import begin_writing
from tests.core.conftest import second_user
from tests.core.health_book import AS_OF, Book, healthy, without_sentiment_or_support


def _snapshots(engine: Engine) -> list[tuple[int, date, float]]:
    with Session(engine) as session:
        rows = session.exec(select(m.HealthSnapshot).order_by("account_id", "day")).all()
        return [(row[0].account_id, row[0].day, row[0].score) for row in rows]


def _with_snapshots(engine: Engine, scores: dict[int, float], band: str | None = None) -> int:
    """One account with a snapshot ``days_ago -> score`` each."""
    book = Book(engine)
    account = book.account()
    book.save()
    model = default_model()
    with Session(engine) as session:
        for days_ago, score in scores.items():
            session.add(
                m.HealthSnapshot(
                    account_id=account,
                    day=AS_OF - timedelta(days=days_ago),
                    score=score,
                    band=band or model.band_of(score),
                )
            )
        session.commit()
    return account


def test_same_day_recompute_replaces_that_day_only(engine: Engine) -> None:
    book = Book(engine)
    first = healthy(book)
    second = book.account()
    book.interaction(second, 2)
    book.save()
    assert recompute_all(engine, AS_OF - timedelta(days=1), default_model()) == 2
    assert recompute_all(engine, AS_OF, default_model()) == 2
    book.interaction(second, 0.1, "meeting")  # new data, same day
    book.save()
    assert recompute_all(engine, AS_OF, default_model()) == 2
    before = dict(((a, d), s) for a, d, s in _snapshots(engine))
    assert recompute_account(engine, second, AS_OF, default_model()) is not None
    rows = _snapshots(engine)
    assert [(a, d) for a, d, _ in rows] == [
        (first, AS_OF - timedelta(days=1)),
        (first, AS_OF),
        (second, AS_OF - timedelta(days=1)),
        (second, AS_OF),
    ]
    assert dict(((a, d), s) for a, d, s in rows) == before


def test_snapshot_components_have_the_documented_shape(engine: Engine) -> None:
    account = without_sentiment_or_support(Book(engine), 3)
    recompute_all(engine, AS_OF, default_model())
    with Session(engine) as session:
        snapshot = session.get(m.HealthSnapshot, (account, AS_OF))
        assert snapshot is not None
        components = json.loads(snapshot.components)
        assert json.loads(snapshot.left_out) == ["sentiment", "support"]
        assert snapshot.model_id is not None
    assert set(components) == {"usage", "engagement", "commercial"}
    assert components["usage"] == {
        "raw": {"active_user_ratio": 0.3, "trend_pct": 0.0},
        "score": 80.0,  # ratio 0.3 -> 40 (x1), no change -> 100 (x2)
        "weight_pct": 46.15,
        "contribution": 36.92,
    }
    total = sum(part["contribution"] for part in components.values())
    assert round(total, 2) == snapshot.score


def test_incremental_recompute_reads_the_new_data(engine: Engine) -> None:
    book = Book(engine)
    account = book.account()
    book.interaction(account, 80)
    book.save()
    before = recompute_account(engine, account, AS_OF, default_model())
    book.interaction(account, 0.1, "qbr", sentiment=1)
    book.save()
    after = recompute_account(engine, account, AS_OF, default_model())
    assert before is not None and after is not None
    assert after["engagement_score"] > before["engagement_score"]
    assert after["score"] > before["score"]
    assert after["left_out"] == ["usage", "support"]


def _row(frame: pl.DataFrame, account: int) -> dict:
    return frame.filter(account_id=account).to_dicts()[0]


@pytest.mark.parametrize(
    ("before", "now", "trend"),
    [(60.0, 65.0, "flat"), (60.0, 65.01, "up"), (60.0, 55.0, "flat"), (60.0, 54.99, "down")],
)
def test_trend_over_30_days(engine: Engine, before: float, now: float, trend: str) -> None:
    account = _with_snapshots(engine, {31: 10.0, 30: before, 10: 99.0, 0: now})
    row = _row(current_health(engine, AS_OF, model=default_model()), account)
    assert row["trend_30d"] == trend
    assert row["computed_score"] == now


def test_no_trend_without_a_snapshot_30_to_60_days_ago(engine: Engine) -> None:
    account = _with_snapshots(engine, {61: 10.0, 29: 90.0, 0: 50.0})
    assert _row(current_health(engine, AS_OF, model=default_model()), account)["trend_30d"] is None


@pytest.mark.parametrize(
    ("scores", "dropped"),
    [
        ({8: 45.0, 7: 45.0, 2: 30.0, 0: 35.0}, True),  # yellow a week ago, red now
        ({8: 45.0, 6: 30.0, 0: 35.0}, True),  # a week ago = the latest snapshot by then
        ({7: 30.0, 0: 35.0}, False),  # already red a week ago
        ({7: 45.0, 0: 40.0}, False),  # still yellow
        ({0: 30.0}, False),  # nothing to compare with
        ({9: 20.0, 8: 45.0, 7: 45.0, 1: 30.0}, True),  # red, better, red again
    ],
)
def test_dropped_to_red_this_week(engine: Engine, scores: dict[int, float], dropped: bool) -> None:
    account = _with_snapshots(engine, scores)
    row = _row(current_health(engine, AS_OF, model=default_model()), account)
    assert row["dropped_to_red_this_week"] is dropped


def test_bands_at_their_exact_edges() -> None:
    model = parse_model(
        "[weights]\nusage = 0\nengagement = 0\nsentiment = 0\nsupport = 0\ncommercial = 1\n"
        "[commercial.contraction_pct]\nlinear = [100, 0]\n"
        "[commercial.renewal_unattended]\nweight = 0\n",
        "health.toml",
        base=default_model(),
    )
    raws = [30.0, 30.1, 60.0, 60.1, 100.0, 0.0]  # contraction % -> score 100 - raw
    signals = pl.DataFrame(
        {
            "account_id": list(range(len(raws))),
            "external_id": [f"A{n}" for n in range(len(raws))],
            "name": ["x"] * len(raws),
            **{f"{c}.{s}": [None] * len(raws) for c in COMPONENTS for s in SIGNALS[c]},
        },
        schema_overrides={f"{c}.{s}": pl.Float64 for c in COMPONENTS for s in SIGNALS[c]},
    ).with_columns(pl.Series("commercial.contraction_pct", raws))
    frame = score_signals(signals, model, AS_OF)
    assert frame["score"].to_list() == [70.0, 69.9, 40.0, 39.9, 0.0, 100.0]
    assert frame["band"].to_list() == ["green", "yellow", "yellow", "red", "red", "green"]
    custom = parse_model("[bands]\ngreen = 80\nyellow = 70\n", "h.toml", base=default_model())
    edges = [custom.band_of(score) for score in (80, 79.99, 70, 69.99)]
    assert edges == ["green", "yellow", "yellow", "red"]


def test_override_is_shown_beside_the_computed_score_until_it_expires(engine: Engine) -> None:
    account = _with_snapshots(engine, {0: 35.0})
    expires = AS_OF + timedelta(days=10)
    set_override(
        engine,
        account,
        score=80,
        reason="Exec sponsor renewed verbally",
        expires_on=expires,
        set_by="Ann",
        as_of=AS_OF,
    )
    model = default_model()
    for day, active in [(AS_OF, True), (expires - timedelta(days=1), True), (expires, False)]:
        row = _row(current_health(engine, day, model=model), account)
        assert row["computed_score"] == 35.0 and row["computed_band"] == "red"
        if active:
            assert (row["score"], row["band"]) == (80.0, "green")
            assert row["override_reason"] == "Exec sponsor renewed verbally"
            assert row["override_expires_on"] == expires
        else:
            assert (row["score"], row["band"]) == (35.0, "red")
            assert row["override_score"] is None


def test_override_expires_30_days_on_by_default_and_a_band_alone_keeps_the_score(
    engine: Engine,
) -> None:
    account = _with_snapshots(engine, {0: 35.0})
    set_override(engine, account, band="yellow", reason="Known outage", as_of=AS_OF)
    row = _row(current_health(engine, AS_OF, model=default_model()), account)
    assert (row["score"], row["band"]) == (35.0, "yellow")
    assert row["override_expires_on"] == AS_OF + timedelta(days=30)


def test_a_new_override_ends_the_old_one_and_nothing_is_deleted(engine: Engine) -> None:
    account = _with_snapshots(engine, {0: 50.0})
    first = set_override(engine, account, score=20, reason="Champion left", as_of=AS_OF)
    second = set_override(engine, account, score=90, reason="New champion", as_of=AS_OF)
    row = _row(current_health(engine, AS_OF, model=default_model()), account)
    assert (row["override_id"], row["score"]) == (second, 90.0)
    assert end_override(engine, account, "Ann", as_of=AS_OF) == 1
    assert end_override(engine, account, "Ann", as_of=AS_OF) == 0
    row = _row(current_health(engine, AS_OF, model=default_model()), account)
    assert row["score"] == 50.0 and row["override_id"] is None
    with Session(engine) as session:
        ended = session.exec(select(m.HealthOverride).order_by(m.HealthOverride.id)).all()
        assert [(o[0].id, o[0].ended_at is not None) for o in ended] == [
            (first, True),
            (second, True),
        ]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"score": 50, "reason": "  "}, "needs a reason"),
        ({"score": 101, "reason": "x"}, "between 0 and 100"),
        ({"score": -1, "reason": "x"}, "between 0 and 100"),
        ({"band": "amber", "reason": "x"}, "one of green, yellow, red"),
        ({"reason": "x"}, "a score (0-100) or a band"),
        ({"score": 50, "reason": "x", "expires_on": AS_OF}, "expire after today (2026-06-30)"),
    ],
)
def test_bad_overrides_are_refused_in_words(engine: Engine, kwargs: dict, words: str) -> None:
    account = _with_snapshots(engine, {0: 50.0})
    with pytest.raises(HealthOverrideError, match=words.replace("(", r"\(").replace(")", r"\)")):
        set_override(engine, account, as_of=AS_OF, **kwargs)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(m.HealthOverride)).one()[0] == 0


def test_model_changes_are_recorded_and_marked_in_history(engine: Engine) -> None:
    book = Book(engine)
    account = healthy(book)
    book.save()
    first = default_model()
    changed = parse_model("[weights]\nusage = 50\n", "health.toml", base=first)
    recompute_all(engine, AS_OF - timedelta(days=2), first)
    recompute_all(engine, AS_OF - timedelta(days=1), first)
    recompute_all(engine, AS_OF, changed)
    recompute_all(engine, AS_OF, changed)  # the same model is recorded once
    models = model_changes(engine)
    assert models["fingerprint"].to_list() == [first.fingerprint(), changed.fingerprint()]
    line = history(engine, account, AS_OF - timedelta(days=30))
    assert line["model_changed"].to_list() == [False, False, True]


def test_full_recompute_runs_in_the_background(engine: Engine) -> None:
    book = Book(engine)
    healthy(book)
    healthy(book)
    book.save()
    done: list[int] = []
    errors: list[BaseException] = []
    progress: list[float] = []
    job = recompute_in_background(
        engine, AS_OF, default_model(), done.append, errors.append, progress.append
    )
    job.join(timeout=60)
    assert not job.is_alive()
    assert (done, errors) == ([2], [])
    assert progress[0] == 0.0 and progress[-1] == 1.0
    assert len(_snapshots(engine)) == 2


def test_who_ended_an_override_is_recorded(engine: Engine) -> None:
    account = _with_snapshots(engine, {0: 50.0})
    first = set_override(
        engine, account, score=20, reason="Champion left", set_by="Ann", as_of=AS_OF
    )
    second = set_override(
        engine, account, score=90, reason="New champion", set_by="Bob", as_of=AS_OF
    )
    assert end_override(engine, account, "Cy", as_of=AS_OF) == 1
    third = set_override(
        engine,
        account,
        band="red",
        reason="Outage",
        set_by="Ann",
        expires_on=AS_OF + timedelta(days=2),
        as_of=AS_OF,
    )
    # On its expiry day it is over by itself: nobody ends it, and a new one leaves it be.
    set_override(
        engine, account, score=60, reason="Recovered", set_by="Bob", as_of=AS_OF + timedelta(days=2)
    )
    with Session(engine) as session:
        overrides = {o.id: o for o in session.exec(select(m.HealthOverride)).scalars()}
    assert [(overrides[i].set_by, overrides[i].ended_by) for i in (first, second, third)] == [
        ("Ann", "Bob"),  # ended by setting the next one
        ("Bob", "Cy"),
        ("Ann", None),
    ]
    assert overrides[first].ended_at is not None and overrides[third].ended_at is None


def test_a_large_recompute_keeps_the_snapshot_indexes_in_place(
    engine: Engine, sqlite_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bulk writer drops and rebuilds a table's indexes for a large load; the
    snapshots of a day are a large load at L, into a table holding every day's, so
    the recompute writes them with the indexes in place (here any load is large)."""
    import core.store.bulk

    book = Book(engine)
    healthy(book)
    book.save()
    monkeypatch.setattr(core.store.bulk, "INDEX_REBUILD_MIN_ROWS", 1)
    statements: list[str] = []
    event.listen(engine, "connect", lambda raw, _record: raw.set_trace_callback(statements.append))
    engine.dispose()  # the connections from now on are traced
    assert recompute_all(engine, AS_OF, default_model()) == 1
    assert any(s.lstrip().upper().startswith("INSERT") for s in statements)
    ddl = [s for s in statements if s.lstrip().upper().startswith(("DROP INDEX", "CREATE INDEX"))]
    assert not ddl, ddl


@pytest.mark.parametrize("through", ["engine", "file"])
def test_a_public_churn_sample_gets_one_snapshot_per_customer(
    engine: Engine, telco_churn: Path, through: str
) -> None:
    """The public Telco churn sample (7,043 customers) imported as it comes: the
    recompute, through the engine or on the SQLite file without it, writes one
    snapshot per customer that did not churn (counted here from the raw file), none
    for the churned; with only commercial facts (no usage, interactions, surveys or
    tickets) each says "no data" rather than a score."""
    from core.importing import ImportOptions, import_file
    from core.store.sqlite_file import open_sqlite_file

    source = engine
    if through == "file":
        source = open_sqlite_file(engine.url.render_as_string(hide_password=False))
        if source is None:
            pytest.skip("a SQLite file is read without the engine; this database is not one")

    options = ImportOptions(
        columns={"external_id": "customerID", "name": "customerID", "mrr": "MonthlyCharges"},
        values={"status": {"Yes": "churned", "No": "active"}},
        as_of=AS_OF,  # the export's day: its tenures count back from it
        effective=AS_OF,  # and its statuses hold on it (the churns are recorded then)
    )
    import_file(engine, "accounts", telco_churn, options)
    live = pl.read_csv(telco_churn, infer_schema=False).filter(pl.col("Churn") == "No")
    assert recompute_all(source, AS_OF, default_model()) == live.height
    with Session(engine) as session:
        rows = session.exec(
            select(m.Account.external_id, m.HealthSnapshot.score, m.HealthSnapshot.band)
            .join(m.HealthSnapshot, m.HealthSnapshot.account_id == m.Account.id)
            .where(m.HealthSnapshot.day == AS_OF)
        ).all()
    assert sorted(row[0] for row in rows) == sorted(live["customerID"].to_list())
    assert {(score, band) for _, score, band in rows} == {(None, "no data")}


def test_two_app_starts_at_once_score_a_new_day_once(engine: Engine, is_postgres: bool) -> None:
    """On a shared PostgreSQL book, Sam's app starts while Dana's is writing the new
    day's scores: Sam's waits, finds the day scored and writes nothing. Both read the
    day unscored, and Sam's insert failed on Dana's rows (a duplicate key)."""
    if not is_postgres:
        pytest.skip("two writers at once: SQLite takes one writer at a time")
    book = Book(engine)
    account = healthy(book)
    book.save()
    with Session(engine) as dana:  # Dana's app start, scoring the day
        begin_writing(dana.connection())
        dana.add(m.HealthSnapshot(account_id=account, day=AS_OF, score=50.0, band="yellow"))
        dana.flush()
        sam, outcome = second_user(lambda: score_day_if_missing(engine, AS_OF))
        dana.commit()
    sam.join(timeout=10)
    assert outcome == [False]
    assert _snapshots(engine) == [(account, AS_OF, 50.0)]


def test_two_users_rescoring_one_account_at_once_both_succeed(engine: Engine) -> None:
    """Sam logs a call on an account while Dana's entry on it is rescoring it (its
    snapshot of the day replaced, not committed): Sam's rescore waits and replaces
    Dana's. Sam's insert failed on Dana's new row (a duplicate key), after his call
    was saved."""
    book = Book(engine)
    account = healthy(book)
    book.save()
    recompute_all(engine, AS_OF, default_model())
    scored = _snapshots(engine)
    with Session(engine) as dana:  # Dana's rescore: the day's snapshot replaced
        begin_writing(dana.connection())
        dana.execute(delete(m.HealthSnapshot).where(col(m.HealthSnapshot.day) == AS_OF))
        dana.add(m.HealthSnapshot(account_id=account, day=AS_OF, score=50.0, band="yellow"))
        dana.flush()
        sam, outcome = second_user(
            lambda: recompute_account(engine, account, AS_OF, default_model())
        )
        dana.commit()
    sam.join(timeout=10)
    assert len(outcome) == 1 and isinstance(outcome[0], dict), outcome
    assert _snapshots(engine) == scored  # Sam's score, computed from the same data


def test_two_managers_overriding_one_account_at_once_leave_one_in_force(engine: Engine) -> None:
    """Sam sets an override (a week) while Dana's (30 days) is being written: Sam's
    waits, then ends Dana's, as one set after the other does. Sam read no override
    to end, so Dana's stayed in force under his and came back when his expired."""
    account = _with_snapshots(engine, {0: 50.0})
    with Session(engine) as dana:  # Dana's override, under way
        begin_writing(dana.connection())
        dana.exec(
            select(m.Account).where(col(m.Account.id) == account).with_for_update(key_share=True)
        ).one()
        dana.add(
            m.HealthOverride(
                account_id=account,
                score=20,
                reason="Champion left",
                set_by="Dana",
                starts_on=AS_OF,
                expires_on=AS_OF + timedelta(days=30),
            )
        )
        dana.flush()
        sam, outcome = second_user(
            lambda: set_override(
                engine,
                account,
                score=90,
                reason="New champion",
                set_by="Sam",
                expires_on=AS_OF + timedelta(days=7),
                as_of=AS_OF,
            )
        )
        dana.commit()
    sam.join(timeout=10)
    assert len(outcome) == 1 and isinstance(outcome[0], int), outcome
    with Session(engine) as session:
        overrides = session.exec(select(m.HealthOverride).order_by(m.HealthOverride.id)).all()
        assert [(o[0].set_by, o[0].ended_by) for o in overrides] == [("Dana", "Sam"), ("Sam", None)]
    after_sams = _row(
        current_health(engine, AS_OF + timedelta(days=8), model=default_model()), account
    )
    assert after_sams["override_id"] is None and after_sams["score"] == 50.0
