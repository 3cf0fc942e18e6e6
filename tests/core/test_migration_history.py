"""Migration 0004 (history kept) upgrades a database built at 0003 without losing rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import Engine, text
from sqlmodel import Session, select

from core import models as m
from core.store.db import make_engine
from core.store.migrate import alembic_config, current_revision, head_revision, migrate


def _at(engine: Engine, revision: str) -> None:
    from alembic import command

    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_upgrade_from_0003_keeps_every_row(db_url: str) -> None:
    engine = make_engine(db_url)
    _at(engine, "0003")
    moment = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with engine.begin() as connection:
        run = lambda sql, **values: connection.execute(text(sql), values)  # noqa: E731
        run(
            "INSERT INTO account (id, external_id, name, segment, plan, owner, mrr_cents, seats,"
            " start_date, status, created_at) VALUES (1, 'A-1', 'Acme', 'SMB', 'Pro', 'Dana',"
            " 100, 3, '2025-01-01', 'active', :at)",
            at=moment,
        )
        run(
            "INSERT INTO survey_response (id, account_id, kind, score, answered_at, comment)"
            " VALUES (7, 1, 'nps', 9, :at, 'great')",
            at=moment,
        )
        run(
            "INSERT INTO goal (id, title, owner, start_date, due_date, target_type,"
            " start_value, target_value, direction, metric, version, created_at)"
            " VALUES (3, 'NPS 50', 'team', '2026-01-01', '2026-12-31', 'number', '0', '50',"
            " 'raise', 'nps', 4, :at)",
            at=moment,
        )
        # An older cxtui could record a goal's computed value twice on one day.
        for checkin_id, value, computed in ((1, "10", True), (2, "12", True), (3, "30", False)):
            run(
                "INSERT INTO goal_checkin (id, goal_id, value, checked_on, checked_by, computed,"
                " created_at) VALUES (:id, 3, :value, '2026-03-01', 'cxtui', :computed, :at)",
                id=checkin_id,
                value=value,
                computed=computed,
                at=moment,
            )
        run(
            "INSERT INTO health_override (id, account_id, band, reason, set_by, starts_on,"
            " expires_on, ended_at, created_at) VALUES (5, 1, 'red', 'Champion left', 'Dana',"
            " '2026-02-01', '2026-03-01', :at, :at)",
            at=moment,
        )
    assert current_revision(engine) == "0003"
    migrate(engine)
    assert current_revision(engine) == head_revision()
    with Session(engine) as session:
        answer = session.exec(select(m.SurveyResponse)).one()
        assert (answer.id, answer.score, answer.comment) == (7, 9, "great")
        assert answer.logged_by is None and answer.deleted_at is None
        checkins = session.exec(select(m.GoalCheckin).order_by(m.GoalCheckin.id)).all()
        # The newest computed value of the day is kept, and the person's check-in.
        assert [(c.id, c.value, c.computed) for c in checkins] == [
            (2, Decimal(12), True),
            (3, Decimal(30), False),
        ]
        assert session.exec(select(m.Goal.version)).one() == 4
        override = session.exec(select(m.HealthOverride)).one()
        assert (override.reason, override.ended_by) == ("Champion left", None)
        assert override.ended_at is not None
        # The new tables work on the upgraded database.
        session.add(m.SurveyRevision(survey_id=7, edited_by="Dana", changes="{}"))
        session.add(m.GoalRevision(goal_id=3, version=4, definition="{}"))
        session.add(m.GoalCheckin(goal_id=3, value=1, checked_on=date(2026, 3, 2), computed=True))
        session.commit()
    engine.dispose()
