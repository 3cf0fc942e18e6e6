"""Fixtures shared by the core tests: the metrics tests' hand-made books."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.core.metrics_book import BookWriter, write_three_months


@pytest.fixture
def book(engine: Engine) -> BookWriter:
    """An empty hand-made book on the test's database (a test file may define its own)."""
    return BookWriter(engine)


@pytest.fixture
def three_months(book: BookWriter) -> BookWriter:
    """A: expands in January, churns in March. B: contracts in February. C: new in
    February. D: churns in January and comes back in March. E: no movement recorded."""
    return write_three_months(book)
