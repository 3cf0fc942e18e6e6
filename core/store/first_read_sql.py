"""The accounts list's queries (``core.accounts.queries.list_part_queries``) and the
custom fields' (``FIELD_QUERIES``) compiled for SQLite on a placeholder day, for the
app's first read, which runs before SQLAlchemy is imported. Generated, in
``first_read_sql.json``: ``python -m core.accounts.queries`` rewrites it from the
queries, and ``tests/core/test_first_read.py`` fails when they differ."""

from core.store.compiled_sql import SqlAndTypes, load

PLACEHOLDER_DAY = "1111-11-11"
PLACEHOLDER_FIELD_ID = -1111
"""The field id the custom field values' query is compiled for: replaced by the ids
of the fields read."""

_GENERATED = load(__file__)
QUERIES: dict[str, SqlAndTypes] = _GENERATED["queries"]
FIELD_QUERIES: dict[str, SqlAndTypes] = _GENERATED["field_queries"]
