"""Opening a current database skips Alembic; anything else still goes through it."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import text

from core.store.db import make_engine, open_engine
from core.store.migrate import _is_current, head_revision, shipped_head


def test_shipped_head_read_from_the_scripts_is_alembics_head() -> None:
    assert shipped_head() == head_revision()


def test_a_current_database_is_opened_without_importing_alembic(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'book.db'}"
    open_engine(url).dispose()
    script = (
        "import sys; from core.store.db import open_engine; "
        f"open_engine({url!r}).dispose(); print('alembic' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_an_older_or_empty_database_is_not_current(tmp_path, engine) -> None:
    fresh = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert not _is_current(fresh)
    assert _is_current(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    assert not _is_current(engine)
