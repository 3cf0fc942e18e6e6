"""Fixtures shared by the CLI tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.store.db import open_engine, sqlite_url
from tests.core.metrics_book import BookWriter, at


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Two segments and owners; in January 2024 one account of four churns and one
    NPS promoter answers."""
    path = tmp_path / "book.db"
    engine = open_engine(sqlite_url(path))
    book = BookWriter(engine)
    first = book.account(date(2023, 3, 1), mrr=123456, segment="Enterprise", owner="Dana")
    book.account(date(2023, 3, 1), mrr=50000, segment="SMB", owner="Lee")
    book.account(date(2023, 3, 1), mrr=25000, segment="SMB", owner="Lee")
    book.account(date(2023, 3, 1), mrr=10001, segment="SMB", owner="Dana", churned=date(2024, 1, 9))
    book.survey(first, "nps", 10, at(date(2024, 1, 3)))
    book.save()
    engine.dispose()
    return path
