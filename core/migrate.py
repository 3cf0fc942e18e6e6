"""Alembic migrations run from code: the scripts ship inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from core.db import SchemaTooNewError, backup_sqlite, sqlite_path

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine) -> Path | None:
    """Bring the schema to the newest revision. Returns the backup made of an
    existing SQLite database before migrating it, if one was needed."""
    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    current = current_revision(engine)
    head = script.get_current_head()
    if current == head:
        return None
    known = {revision.revision for revision in script.walk_revisions()}
    if current is not None and current not in known:
        raise SchemaTooNewError(
            f"This database was written by a newer cxtui (schema revision {current}); "
            f"this cxtui knows up to {head}. Upgrade cxtui to open it. "
            "The database was left untouched."
        )
    backup = None
    path = sqlite_path(str(engine.url))
    if path is not None and _has_tables(engine):
        backup = backup_sqlite(path)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return backup


def _has_tables(engine: Engine) -> bool:
    return bool(inspect(engine).get_table_names())
