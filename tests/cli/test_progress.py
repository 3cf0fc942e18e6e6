"""cli.progress.StageBars off a terminal (a log, CI, a parent process): a line per
stage and per so many rows, or nothing."""

from __future__ import annotations

import pytest

from cli.progress import StageBars


def test_off_a_terminal_a_line_per_stage_and_per_so_many_rows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with StageBars(10, plain_every=100) as progress:
        for done in (0, 50, 100, 150, 230, 250):
            progress("read", done, 250)
        progress("written", 0, None)
    assert capsys.readouterr().err.splitlines() == [
        "read: 0 of 250 rows",
        "read: 100 of 250 rows",
        "read: 230 of 250 rows",
        "read: 250 of 250 rows",
        "written: 0 rows",
    ]


def test_without_plain_lines_nothing_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    with StageBars(22) as progress:
        progress("account", 10, 20)
        progress("account", 20, 20)
    assert capsys.readouterr() == ("", "")
