"""Several processes opening one empty database at once: one migrates, the others
wait and find the schema current (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.store.db import normalise_url

OPEN = "import sys; from core.store.db import open_engine; open_engine(sys.argv[1]).dispose()"


@pytest.mark.postgres
def test_processes_opening_an_empty_database_at_once_take_turns(db_url: str) -> None:
    root = Path(__file__).parents[2]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN, db_url], cwd=root, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    errors = [child.communicate(timeout=120)[1] for child in children]
    assert [child.returncode for child in children] == [0, 0, 0, 0], errors
    engine = create_engine(normalise_url(db_url))
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    assert len(versions) == 1
