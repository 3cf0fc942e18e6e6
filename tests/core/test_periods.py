from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from core.periods import Period, last_months

AS_OF = date(2024, 5, 17)


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("month", date(2024, 5, 1), date(2024, 5, 31), "2024-05"),
        ("quarter", date(2024, 4, 1), date(2024, 6, 30), "2024-Q2"),
        ("year", date(2024, 1, 1), date(2024, 12, 31), "2024"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
        ("2023-Q4", date(2023, 10, 1), date(2023, 12, 31), "2023-Q4"),
        ("2023-q1", date(2023, 1, 1), date(2023, 3, 31), "2023-Q1"),
        ("2022", date(2022, 1, 1), date(2022, 12, 31), "2022"),
        (
            "2023-11-15..2024-01-10",
            date(2023, 11, 15),
            date(2024, 1, 10),
            "2023-11-15..2024-01-10",
        ),
    ],
)
def test_parse_every_command_line_form(text: str, start: date, end: date, label: str) -> None:
    period = Period.parse(text, AS_OF)
    assert (period.start, period.end, period.label) == (start, end, label)


@pytest.mark.parametrize(
    "text", ["", "week", "2024-13", "2024-Q5", "2024-02-30..2024-03-01", "2024-03-01..2024-02-01"]
)
def test_parse_refuses_bad_forms_in_words(text: str) -> None:
    with pytest.raises(ValueError, match="bad period"):
        Period.parse(text, AS_OF)


def test_previous_of_each_kind() -> None:
    assert Period.parse("2024-01", AS_OF).previous() == Period.parse("2023-12", AS_OF)
    assert Period.parse("2024-03", AS_OF).previous().end == date(2024, 2, 29)
    assert Period.parse("2024-Q1", AS_OF).previous() == Period.parse("2023-Q4", AS_OF)
    assert Period.parse("2024", AS_OF).previous() == Period.parse("2023", AS_OF)
    previous = Period.parse("2024-01-01..2024-01-10", AS_OF).previous()
    assert (previous.start, previous.end) == (date(2023, 12, 22), date(2023, 12, 31))


def test_the_end_moment_includes_the_last_microsecond_of_the_last_day() -> None:
    january = Period.month_of(date(2024, 1, 20))
    assert january.start_moment == datetime(2024, 1, 1, tzinfo=UTC)
    assert january.end_moment == datetime(2024, 2, 1, tzinfo=UTC)
    last = datetime(2024, 1, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert january.start_moment <= last < january.end_moment


def test_length_in_years_is_exact() -> None:
    assert Period.parse("2024-02", AS_OF).years == Fraction(1, 12)
    assert Period.parse("2023-Q4", AS_OF).years == Fraction(1, 4)
    assert Period.parse("2023-11-01..2024-01-31", AS_OF).years == Fraction(3, 12)
    assert Period.parse("2024-01-01..2024-01-10", AS_OF).years == Fraction(10 * 4, 1461)


def test_last_months_cross_a_year_end_oldest_first() -> None:
    months = last_months(date(2024, 2, 10), 4)
    assert [month.label for month in months] == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert months[-1].end == date(2024, 2, 29)
