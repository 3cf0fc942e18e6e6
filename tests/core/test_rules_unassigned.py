"""An account without an owner never stops the playbook: its tasks go to the
"unassigned" queue (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.importing import import_file
from core.models import Task
from core.playbook.rules import UNASSIGNED
from core.playbook.runs import run_rules


@pytest.mark.postgres
def test_an_account_without_owner_gets_an_unassigned_task(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text(
        "external_id,name,start_date,owner,renewal_date\n"
        "OLD-1,Old Inc,2025-01-01,,2026-12-20\nOLD-2,Two Co,2025-01-01,Ana,2026-12-20\n"
    )
    import_file(engine, "accounts", path)
    created = run_rules(engine, date(2026, 12, 5))
    assert created["renewal_due"] == 2
    with Session(engine) as session:
        owners = sorted(session.exec(select(Task.owner)).all())
    assert owners == ["Ana", "Ana", UNASSIGNED, UNASSIGNED]  # and a QBR before it
