"""An import read in many batches (batches of 3 rows here) behaves as one read whole:
duplicates across batches, row numbers of errors, upserts, accounts created once,
and nothing left behind in the temporary folder."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from core.importing import ImportOptions, ImportRejected, import_file
from core.importing import check as checking
from core.importing import write as writing
from core.models import Account, Interaction
from core.store import bulk_sqlite


@pytest.fixture(autouse=True, params=["usual", "all fast paths"])
def small_batches(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, request: pytest.FixtureRequest
) -> Path:
    """Batches of 3 rows; and, the second time, the paths large imports take: rows
    staged in files (several per transaction), stored rows read in two halves."""
    monkeypatch.setattr(checking, "BATCH_ROWS", 3)
    if request.param == "all fast paths":
        monkeypatch.setattr(bulk_sqlite, "STAGE_MIN_ROWS", 2)
        monkeypatch.setattr(writing, "_HALVES_MIN_IDS", 1)
    spill = tmp_path / "spill"
    spill.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spill))
    return spill


def interactions(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "interactions.csv"
    path.write_text("\n".join(["account,kind,occurred_at,summary", *rows]) + "\n")
    return path


def rows(count: int, summary: str = "Call {}") -> list[str]:
    return [f"A-{n % 2},call,2024-05-{1 + n:02d} 10:00,{summary.format(n)}" for n in range(count)]


def test_repeated_rows_in_different_batches_are_separate_events(
    engine: Engine, tmp_path: Path, small_batches: Path
) -> None:
    lines = rows(8)
    lines.append(lines[1])  # row 11 repeats row 3 (the header is row 1)
    lines.append(lines[1])  # and row 12
    bad = [*lines[:4], "A-0,fax,2024-06-01 10:00,Bad kind", *lines[4:]]  # row 6
    options = ImportOptions(create_missing_accounts=True)
    with pytest.raises(ImportRejected) as rejected:
        import_file(engine, "interactions", interactions(tmp_path, bad), options)
    assert [(error.row, error.column) for error in rejected.value.errors] == [(6, "kind")]
    assert list(small_batches.iterdir()) == []  # the typed batches were removed
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Account)).scalar_one() == 0
    first = import_file(engine, "interactions", interactions(tmp_path, lines), options)
    assert first.inserted == len(lines) == 10
    # The n-th identical row matches the n-th stored one: nothing is duplicated...
    again = import_file(engine, "interactions", interactions(tmp_path, lines), options)
    assert (again.inserted, again.skipped) == (0, 10)
    # ...and a fourth identical row is a fourth event.
    more = import_file(engine, "interactions", interactions(tmp_path, [*lines, lines[1]]), options)
    assert (more.inserted, more.skipped) == (1, 10)


def test_a_repeated_key_in_an_accounts_file_stays_an_error(
    engine: Engine, tmp_path: Path, small_batches: Path
) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text("external_id,name\n" + "".join(f"A-{n},N{n}\n" for n in range(6)) + "A-1,X\n")
    with pytest.raises(ImportRejected) as rejected:
        import_file(engine, "accounts", path)
    assert "same external_id as row 3" in str(rejected.value)


def test_batches_insert_update_and_create_accounts_once(
    engine: Engine, tmp_path: Path, small_batches: Path
) -> None:
    options = ImportOptions(create_missing_accounts=True)
    first = import_file(engine, "interactions", interactions(tmp_path, rows(7)), options)
    assert (first.inserted, first.created_accounts) == (7, 2)
    # Same keys: nothing changes; then new notes on every row and two new rows.
    again = import_file(engine, "interactions", interactions(tmp_path, rows(7)), options)
    assert (again.inserted, again.updated, again.skipped) == (0, 0, 7)
    lines = [f"{line},note {n}" for n, line in enumerate(rows(9))]
    path = tmp_path / "notes.csv"
    path.write_text("\n".join(["account,kind,occurred_at,summary,notes", *lines]) + "\n")
    third = import_file(engine, "interactions", path, options)
    assert (third.inserted, third.updated, third.skipped, third.created_accounts) == (2, 7, 0, 0)
    with engine.connect() as connection:
        notes = connection.execute(select(Interaction.notes).order_by(Interaction.occurred_at))
        assert [note for (note,) in notes] == [f"note {n}" for n in range(9)]
        assert connection.execute(select(func.count()).select_from(Account)).scalar_one() == 2
    assert list(small_batches.iterdir()) == []


def _weak_hash(columns: list[str]) -> pl.Expr:
    """A key hash that looks at the date only: different keys share it."""
    return pl.col("occurred_at").hash(1)


@pytest.mark.parametrize("clashes", ["stored keys share a hash", "a new key shares one"])
def test_keys_that_share_a_hash_are_still_told_apart(
    engine: Engine,
    tmp_path: Path,
    small_batches: Path,
    monkeypatch: pytest.MonkeyPatch,
    clashes: str,
) -> None:
    """The upsert joins on a hash of the key, and checks the key itself: a file row
    whose hash matches a stored row with another key is new, not an update."""
    monkeypatch.setattr(writing, "key_hash", _weak_hash)
    options = ImportOptions(create_missing_accounts=True)
    stored = rows(4)
    if clashes == "stored keys share a hash":
        stored.append("A-1,email,2024-05-01 10:00,Same moment as row 2")
    import_file(engine, "interactions", interactions(tmp_path, stored), options)
    # Same moments as stored rows, other summaries; one stored row again, new notes.
    lines = [f"{line},note" for line in rows(4, summary="Other {}")]
    lines.append("A-1,call,2024-05-02 10:00,Call 1,note")
    path = tmp_path / "clash.csv"
    path.write_text("\n".join(["account,kind,occurred_at,summary,notes", *lines]) + "\n")
    result = import_file(engine, "interactions", path, options)
    assert (result.inserted, result.updated, result.skipped) == (4, 1, 0)
    with engine.connect() as connection:
        summaries = connection.execute(select(Interaction.summary, Interaction.notes))
        found = sorted((summary, notes or "") for summary, notes in summaries)
    expected = [(f"Call {n}", "note" if n == 1 else "") for n in range(4)]
    expected += [(f"Other {n}", "note") for n in range(4)]
    if clashes == "stored keys share a hash":
        expected.append(("Same moment as row 2", ""))
    assert found == sorted(expected)


def test_progress_reaches_every_row_also_when_rows_are_unchanged(
    engine: Engine, tmp_path: Path, small_batches: Path
) -> None:
    options = ImportOptions(create_missing_accounts=True)
    path = interactions(tmp_path, rows(7))
    for _ in range(2):  # inserted, then left as they are
        heard: list[tuple[str, int, int | None]] = []
        import_file(engine, "interactions", path, options, lambda *call, to=heard: to.append(call))
        last = {stage: (done, total) for stage, done, total in heard}
        assert last == {"read": (7, None), "validated": (7, None), "written": (7, 7)}
        written = [done for stage, done, _ in heard if stage == "written"]
        assert written == sorted(written) and written[0] == 0
